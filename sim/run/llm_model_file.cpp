#include "sim/run/llm_model_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "common/did_you_mean.h"
#include "common/error.h"
#include "common/excerpt.h"
#include "common/input_file.h"
#include "kernels/registry.h"
#include "sim/config/yaml_input.h"

namespace trnsim::run {
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxModelFileBytes = 1 << 20;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

class ModelReader {
 public:
  explicit ModelReader(const std::string& path) : path_(path) {
    const std::string origin = path_excerpt(path);
    root_ = parse_yaml_input(read_input_file(path, "a model YAML file", kMaxModelFileBytes),
                             origin);
    if (!root_.IsMap()) throw InputError(origin + ": expected a map of the model's keys");
  }

  LlmConfig read() {
    LlmConfig m;
    const std::map<std::string, std::function<void(const YAML::Node&, const std::string&)>>
        keys = {
            {"name", [&](auto& n, auto& k) { m.name = text(n, k); }},
            {"source", [&](auto& n, auto& k) { m.source = text(n, k); }},
            {"hidden_size", [&](auto& n, auto& k) { m.hidden = count(n, k); }},
            {"intermediate_size", [&](auto& n, auto& k) { m.intermediate = count(n, k); }},
            {"num_hidden_layers", [&](auto& n, auto& k) { m.layers = count(n, k); }},
            {"num_attention_heads", [&](auto& n, auto& k) { m.heads = count(n, k); }},
            {"num_key_value_heads", [&](auto& n, auto& k) { m.kv_heads = count(n, k); }},
            {"head_dim", [&](auto& n, auto& k) { m.head_dim = count(n, k); }},
            {"vocab_size", [&](auto& n, auto& k) { m.vocab = count(n, k); }},
            {"max_position_embeddings", [&](auto& n, auto& k) { m.max_context = count(n, k); }},
            {"tie_word_embeddings", [&](auto& n, auto& k) { m.tied_embeddings = flag(n, k); }},
            {"qk_norm", [&](auto& n, auto& k) { m.qk_norm = flag(n, k); }},
            {"rope_theta", [&](auto& n, auto& k) { m.rope_theta = positive(n, k); }},
            {"rms_norm_eps", [&](auto& n, auto& k) { m.norm_eps = positive(n, k); }},
        };
    std::vector<std::string> names;
    for (const auto& kv : keys) names.push_back(kv.first);
    std::set<std::string> seen;
    for (auto it = root_.begin(); it != root_.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      if (!keys.count(key))
        fail(it->first, excerpt(key), "unknown key" + did_you_mean(key, names) +
                                          " (known: " + join_names(names) + ")");
      if (!seen.insert(key).second) fail(it->first, key, "duplicate key");
      keys.at(key)(it->second, key);
    }
    for (const std::string& key : names)
      if (!seen.count(key)) fail(root_, key, "missing (every key of the model is required)");
    check_tiling(m);
    return m;
  }

 private:
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& problem) const {
    throw InputError(path_excerpt(path_) + ":" + std::to_string(at.Mark().line + 1) + ": " + key +
                     ": " + problem);
  }

  std::string text(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar() || n.Scalar().empty() ||
        excerpt(n.Scalar(), kLongExcerptChars) != n.Scalar())
      fail(n, key, "expected one line of printable text");
    return n.Scalar();
  }
  int64_t count(const YAML::Node& n, const std::string& key) const {
    const std::optional<int64_t> v = yaml_integer(n);
    if (!v || *v < 1 || *v > kMaxAssignment)
      fail(n, key, "expected an integer from 1 to " + std::to_string(kMaxAssignment));
    return *v;
  }
  bool flag(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false"))
      return n.Scalar() == "true";
    fail(n, key, "expected true or false");
  }
  double positive(const YAML::Node& n, const std::string& key) const {
    const std::optional<double> v = yaml_number(n);
    if (!v || !(*v > 0) || *v > 1e30) fail(n, key, "expected a positive number");
    return *v;
  }

  // What the decoder kernels (kernels/models, kernels/neuronmm) need of the dimensions.
  void check_tiling(const LlmConfig& m) const {
    auto rule = [&](bool holds, const std::string& key, const std::string& why) {
      if (!holds) fail(root_[key], key, why);
    };
    rule(m.heads % m.kv_heads == 0 && m.heads / m.kv_heads <= 128, "num_key_value_heads",
         "must divide num_attention_heads, at most 128 query heads per KV head");
    rule(m.head_dim % 2 == 0 && m.head_dim <= 128, "head_dim",
         "must be even (RoPE's two halves) and at most 128 (one partition tile)");
    rule(m.hidden % 512 == 0, "hidden_size",
         "must be a multiple of 512 (the MLP kernels' moving tile)");
    rule(m.intermediate % 128 == 0, "intermediate_size", "must be a multiple of 128");
    rule(m.q_width() % 128 == 0, "num_attention_heads",
         "num_attention_heads x head_dim must be a multiple of 128 (the output projection's "
         "contraction tiles)");
  }

  std::string path_;
  YAML::Node root_;
};

}  // namespace

std::string models_dir() { return TRNSIM_MODELS_DIR; }

std::vector<std::string> bundled_models() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(models_dir(), ec))
    if (entry.path().extension() == ".yaml") names.push_back(ModelReader(entry.path()).read().name);
  std::sort(names.begin(), names.end());
  return names;
}

LlmConfig load_llm_model(const std::string& model) {
  const bool path = model.find('/') != std::string::npos ||
                    fs::path(model).extension() == ".yaml";
  if (path) return ModelReader(model).read();
  const std::string file = models_dir() + "/" + lower(model) + ".yaml";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    const std::vector<std::string> known = bundled_models();
    throw InputError(unknown_name("model", excerpt(model), known) +
                     " (or the path of a model YAML file)");
  }
  return ModelReader(file).read();
}

}  // namespace trnsim::run

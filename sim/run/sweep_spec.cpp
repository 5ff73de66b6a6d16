#include "sim/run/sweep_spec.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "common/did_you_mean.h"
#include "common/excerpt.h"
#include "common/input_file.h"
#include "sim/config/hw_config_loader.h"
#include "sim/config/yaml_input.h"
#include "sim/run/run_record.h"

namespace trnsim::run {
namespace {

constexpr uint64_t kMaxSpecBytes = 1 << 20;
constexpr int64_t kMaxGrid = 1000000;   // points of the grid a spec may describe
constexpr int64_t kMaxPoints = 100000;  // points it may run (all of them, or its sample)

// One (kernel, shape, params) of the spec's runs, with where it was written.
struct RunCase {
  std::string kernel, shape, params;
  std::string where;
};

class SpecReader {
 public:
  explicit SpecReader(const std::string& path) : path_(path) {
    root_ = parse_yaml_input(read_input_file(path, "a sweep spec YAML file", kMaxSpecBytes),
                             path_excerpt(path));
    if (!root_.IsMap()) throw InputError(path_excerpt(path) + ": expected a map (hw, runs, set)");
  }

  SweepSpec read() {
    const std::vector<std::string> known = {"hw", "dtype", "runs", "set", "sample", "seed"};
    for (auto it = root_.begin(); it != root_.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      if (std::find(known.begin(), known.end(), key) == known.end())
        fail(it->first, excerpt(key), "unknown key" + did_you_mean(key, known) +
                                          " (known: " + join_names(known) + ")");
    }
    const std::string hw = root_["hw"] ? scalar(root_["hw"], "hw") : "trn1";
    Dtype dtype = Dtype::bf16;
    if (root_["dtype"]) {
      try {
        dtype = parse_dtype(scalar(root_["dtype"], "dtype"));
      } catch (const UserError& e) {
        fail(root_["dtype"], "dtype", e.what());
      }
    }
    const std::vector<RunCase> runs = read_runs();
    std::vector<std::pair<std::string, std::vector<std::string>>> sets = read_sets();
    int64_t combinations = 1;
    for (const auto& s : sets)
      combinations = std::min(kMaxGrid + 1, combinations * static_cast<int64_t>(s.second.size()));
    const int64_t total =
        std::min(kMaxGrid + 1, static_cast<int64_t>(runs.size()) * combinations);
    if (total > kMaxGrid)
      fail(root_, "set", "the grid has more than " + std::to_string(kMaxGrid) + " points");
    const int64_t sample = root_["sample"] ? count(root_["sample"], "sample", 0) : 0;
    const int64_t seed = root_["seed"] ? count(root_["seed"], "seed", 0) : 1;
    if ((sample > 0 ? std::min(sample, total) : total) > kMaxPoints)
      fail(root_["sample"] ? root_["sample"] : root_, "sample",
           "the sweep would run " + std::to_string(total) + " points; at most " +
               std::to_string(kMaxPoints) + " (sample: N draws that many)");

    std::vector<int64_t> chosen(static_cast<size_t>(total));
    std::iota(chosen.begin(), chosen.end(), 0);
    if (sample > 0 && sample < total) {
      std::mt19937_64 rng(static_cast<uint64_t>(seed));
      std::shuffle(chosen.begin(), chosen.end(), rng);
      chosen.resize(static_cast<size_t>(sample));
      std::sort(chosen.begin(), chosen.end());
    }

    HwConfig base;
    try {
      base = load_hw_config(hw);
    } catch (const UserError& e) {
      fail(root_["hw"] ? root_["hw"] : root_, "hw", e.what());
    }
    SweepSpec spec;
    spec.path = path_;
    for (const auto& s : sets) spec.set_keys.push_back(s.first);
    for (int64_t index : chosen) {
      const RunCase& run = runs[static_cast<size_t>(index / combinations)];
      SweepPoint p;
      int64_t rest = index % combinations;
      for (auto s = sets.rbegin(); s != sets.rend(); ++s) {  // the last key varies fastest
        const int64_t n = static_cast<int64_t>(s->second.size());
        p.sets.insert(p.sets.begin(), s->first + "=" + s->second[static_cast<size_t>(rest % n)]);
        rest /= n;
      }
      p.request.kernel = run.kernel;
      p.request.hw = base;
      p.request.dtype = dtype;
      try {
        apply_overrides(p.request.hw, p.sets);
        const KernelSpec& k = find_kernel(run.kernel);
        p.request.shape = parse_assignments(run.shape, "shape");
        p.request.params = parse_assignments(run.params, "params");
        merge_assignments(k.default_shape, p.request.shape, k.name, "shape key");
        merge_assignments(k.default_params, p.request.params, k.name, "parameter");
      } catch (const UserError& e) {
        throw InputError(run.where + ": " + e.what());
      }
      nlohmann::json record = record_to_json(kernel_run_record(p.request));
      record["hw"].erase("source");  // where the YAML was read is not what ran
      const std::string text = record.dump();
      Fnv1a64 hash;
      hash.update(text.data(), text.size());
      p.hash = hash.text();
      spec.points.push_back(std::move(p));
    }
    return spec;
  }

 private:
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& problem) const {
    throw InputError(path_excerpt(path_) + ":" + std::to_string(at.Mark().line + 1) + ": " + key +
                     ": " + problem);
  }
  std::string where(const YAML::Node& at) const {
    return path_excerpt(path_) + ":" + std::to_string(at.Mark().line + 1);
  }
  std::string scalar(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar() || n.Scalar().empty()) fail(n, key, "expected a value");
    return n.Scalar();
  }
  int64_t count(const YAML::Node& n, const std::string& key, int64_t least) const {
    const std::optional<int64_t> v = yaml_integer(n);
    if (!v || *v < least || *v > kMaxPoints)
      fail(n, key, "expected an integer from " + std::to_string(least) + " to " +
                       std::to_string(kMaxPoints));
    return *v;
  }
  std::vector<std::string> strings(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence() || n.size() == 0) fail(n, key, "expected a list of at least one value");
    std::vector<std::string> out;
    for (const YAML::Node& item : n) out.push_back(scalar(item, key));
    return out;
  }

  std::vector<RunCase> read_runs() const {
    const YAML::Node runs = root_["runs"];
    if (!runs) fail(root_, "runs", "missing (the kernels to run)");
    if (!runs.IsSequence() || runs.size() == 0) fail(runs, "runs", "expected a list of kernels");
    std::vector<RunCase> out;
    for (size_t i = 0; i < runs.size(); ++i) {
      const YAML::Node r = runs[i];
      const std::string at = "runs[" + std::to_string(i) + "]";
      if (!r.IsMap() || !r["kernel"]) fail(r, at, "expected a map with kernel and shapes");
      for (auto it = r.begin(); it != r.end(); ++it) {
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
        if (key != "kernel" && key != "shapes" && key != "params")
          fail(it->first, at + "." + excerpt(key), "unknown key (known: kernel, params, shapes)");
      }
      const std::string kernel = scalar(r["kernel"], at + ".kernel");
      const std::vector<std::string> shapes =
          r["shapes"] ? strings(r["shapes"], at + ".shapes") : std::vector<std::string>{""};
      const std::vector<std::string> params =
          r["params"] ? strings(r["params"], at + ".params") : std::vector<std::string>{""};
      if (static_cast<int64_t>(shapes.size() * params.size() + out.size()) > kMaxGrid)
        fail(r, at, "the runs have more than " + std::to_string(kMaxGrid) + " cases");
      for (const std::string& shape : shapes)
        for (const std::string& p : params) out.push_back({kernel, shape, p, where(r)});
    }
    return out;
  }

  std::vector<std::pair<std::string, std::vector<std::string>>> read_sets() const {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    const YAML::Node set = root_["set"];
    if (!set) return out;
    if (!set.IsMap()) fail(set, "set", "expected a map of hardware keys to lists of values");
    for (auto it = set.begin(); it != set.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      out.push_back({key, strings(it->second, "set." + excerpt(key))});
    }
    return out;
  }

  std::string path_;
  YAML::Node root_;
};

}  // namespace

nlohmann::json SweepPoint::describe() const {
  return {{"hash", hash},
          {"kernel", request.kernel},
          {"shape", request.shape},
          {"params", request.params},
          {"dtype", dtype_name(request.dtype)},
          {"set", sets}};
}

SweepSpec load_sweep_spec(const std::string& path) { return SpecReader(path).read(); }

}  // namespace trnsim::run

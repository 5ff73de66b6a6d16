#include "kernels/compress/checkpoint.h"

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "common/atomic_file.h"
#include "common/excerpt.h"
#include "common/input_file.h"
#include "common/json_input.h"
#include "common/json_output.h"

namespace trnsim::compress {
namespace fs = std::filesystem;

namespace {

constexpr const char* kIndexName = "model.safetensors.index.json";
constexpr uint64_t kMaxIndexBytes = 64 << 20;
const std::vector<std::string> kMlpSuffixes = {"mlp.gate_proj.weight", "mlp.up_proj.weight",
                                               "mlp.down_proj.weight"};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string index_path(const std::string& weights) {
  std::error_code ec;
  return fs::is_directory(weights, ec) ? (fs::path(weights) / kIndexName).string() : weights;
}

// The index: tensor name -> shard file name (in the index's folder), in name order.
std::map<std::string, std::string> read_weight_map(const std::string& path) {
  const std::string origin = path_excerpt(path);
  const nlohmann::json j =
      parse_json_input(read_input_file(path, "a safetensors index JSON", kMaxIndexBytes), origin);
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw InputError(origin + ": expected an object with \"weight_map\" (tensor -> shard file)");
  std::map<std::string, std::string> map;
  for (const auto& [name, shard] : j["weight_map"].items()) {
    if (!shard.is_string())
      throw InputError(origin + ": weight_map[\"" + excerpt(name) +
                       "\"]: expected a file name, got " + json_value_text(shard));
    const std::string file = shard.get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos || file == ".." ||
        !ends_with(file, ".safetensors"))
      throw InputError(origin + ": weight_map[\"" + excerpt(name) + "\"]: '" + excerpt(file) +
                       "' is not a .safetensors file name in the index's folder");
    map[name] = file;
  }
  if (map.empty()) throw InputError(origin + ": weight_map lists no tensor");
  return map;
}

bool selected_by_default(const std::string& name) {
  for (const std::string& suffix : kMlpSuffixes)
    if (ends_with(name, suffix)) return true;
  return false;
}

// A tensor copied as it is: its layout in the new shard (shape kept).
WeightsWriter::Layout copy_layout(const TensorEntry& t, const std::string& shard) {
  if (!t.dtype)
    throw UserError(shard + ": tensor '" + excerpt(t.name) + "' has dtype " + t.dtype_name +
                    "; compress copies only BF16, F16 and F32 tensors");
  if (t.shape.empty())
    throw UserError(shard + ": tensor '" + excerpt(t.name) + "' is a scalar; compress copies "
                    "tensors of at least one dimension");
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < t.shape.size(); ++i) rows *= t.shape[i];
  return {t.name, *t.dtype, rows, t.shape.back(), t.shape};
}

}  // namespace

bool is_checkpoint(const std::string& weights) {
  std::error_code ec;
  return fs::is_directory(weights, ec) || ends_with(weights, ".json");
}

CheckpointReport compress_checkpoint(
    const CompressRequest& request,
    const std::function<void(const CheckpointReport&)>& report_before_commit) {
  // 1. Options, the index, every shard and the selection, before any work.
  require_compression_ratio(request.ratio);
  require_block_size(request.block);
  choose_svd_method(request.svd, 1, 1);
  if (!request.calibration.empty())
    throw UserError("--calibration (whitening) takes one weights file, not a checkpoint");
  const std::string index = index_path(request.weights);
  const std::map<std::string, std::string> weight_map = read_weight_map(index);
  const fs::path folder = fs::path(index).parent_path();
  std::map<std::string, WeightsFile> shards;
  for (const auto& [name, file] : weight_map)
    if (!shards.count(file)) shards.emplace(file, WeightsFile::open((folder / file).string()));
  for (const auto& [name, file] : weight_map)
    if (!shards.at(file).find(name))
      throw UserError(path_excerpt(index) + ": '" + excerpt(name) + "' is not in its shard " +
                      excerpt(file));
  std::set<std::string> chosen;
  for (const std::string& name : request.tensors) {
    if (!weight_map.count(name))
      throw UserError(path_excerpt(index) + ": no tensor '" + excerpt(name) + "' in weight_map");
    chosen.insert(name);
  }
  if (request.tensors.empty())
    for (const auto& [name, file] : weight_map)
      if (selected_by_default(name)) chosen.insert(name);
  if (chosen.empty())
    throw UserError(path_excerpt(index) + ": no MLP weights (names ending in " +
                    kMlpSuffixes[0] + ", ...) to compress; name them with --tensors");
  std::error_code ec;
  if (fs::exists(request.output, ec))
    throw UserError("cannot write '" + excerpt(request.output) +
                    "': it exists (a checkpoint is written to a new folder)");

  // 2. Each shard's layout, in its own tensor order, with ranks.
  struct ShardPlan {
    std::string file;
    std::vector<WeightsWriter::Layout> layout;
    std::vector<std::pair<const TensorEntry*, int64_t>> tensors;  // rank 0: copied
  };
  std::vector<ShardPlan> plans;
  nlohmann::json new_map = nlohmann::json::object();
  uint64_t total = 0;
  for (const auto& [file, shard] : shards) {
    ShardPlan plan{file, {}, {}};
    for (const TensorEntry& t : shard.tensors()) {
      if (!weight_map.count(t.name))  // it would be lost from the new checkpoint
        throw UserError(path_excerpt(shard.path()) + " holds '" + excerpt(t.name) +
                        "', which the index does not list");
      if (weight_map.at(t.name) != file) continue;  // the index takes another shard's copy
      int64_t rank = 0;
      if (chosen.count(t.name)) {
        if (!t.dtype || t.shape.size() != 2)
          throw UserError(path_excerpt(shard.path()) + ": tensor '" + excerpt(t.name) +
                          "' is not a 2-D BF16/F16/F32 matrix");
        try {
          rank = block_aligned_rank(t.shape[0], t.shape[1], request.ratio, request.block);
        } catch (const UserError& e) {
          throw UserError("tensor '" + excerpt(t.name) + "': " + e.what());
        }
        plan.layout.push_back({t.name + ".U", *t.dtype, t.shape[0], rank});
        plan.layout.push_back({t.name + ".V", *t.dtype, rank, t.shape[1]});
      } else {
        plan.layout.push_back(copy_layout(t, path_excerpt(shard.path())));
      }
      plan.tensors.push_back({&t, rank});
    }
    for (const WeightsWriter::Layout& l : plan.layout) {
      new_map[l.name] = file;
      total += static_cast<uint64_t>(l.rows * l.cols * dtype_size(l.dtype));
    }
    plans.push_back(std::move(plan));
  }

  // 3. Write everything into a staging folder, then rename it into place.
  const std::string staging = create_staging_directory(request.output);
  struct Cleanup {
    std::string dir;
    bool keep = false;
    ~Cleanup() {
      std::error_code e;
      if (!keep) fs::remove_all(dir, e);
    }
  } cleanup{staging};
  std::ostringstream ratio;
  ratio << request.ratio;
  const std::map<std::string, std::string> metadata = {
      {"producer", "trnsim compress"}, {"ratio_removed", ratio.str()},
      {"block", std::to_string(request.block)}};
  CheckpointReport report;
  report.shards = static_cast<int64_t>(plans.size());
  for (const ShardPlan& plan : plans) {
    const WeightsFile& shard = shards.at(plan.file);
    WeightsWriter writer(FileFormat::safetensors, (fs::path(staging) / plan.file).string(),
                         plan.layout, metadata);
    for (const auto& [t, rank] : plan.tensors) {
      if (rank == 0) {
        writer.write(shard.read_matrix(t->name));
        ++report.copied;
        continue;
      }
      const Matrix w = read_finite(shard, t->name);
      const SvdMethod method = choose_svd_method(request.svd, t->shape[0], t->shape[1]);
      TensorReport r = report_for(*t, rank, method);
      const auto start = std::chrono::steady_clock::now();
      LowRankFactors f = truncated_svd(w, rank, SvdSettings{method, request.randomized});
      finish_factors(w, f, r, start);
      writer.write(f.u);
      writer.write(f.v);
      report.factored.push_back(r);
    }
    writer.commit();
  }
  AtomicFile index_out((fs::path(staging) / kIndexName).string());
  index_out.out() << json_line({{"metadata", {{"total_size", total}, {"producer",
                                                                      "trnsim compress"}}},
                                {"weight_map", new_map}})
                  << "\n";
  index_out.commit();
  if (report_before_commit) report_before_commit(report);
  fs::rename(staging, request.output, ec);
  if (ec) throw UserError("cannot write '" + excerpt(request.output) + "': " + ec.message());
  cleanup.keep = true;
  return report;
}

}  // namespace trnsim::compress

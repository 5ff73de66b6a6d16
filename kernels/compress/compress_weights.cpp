#include "kernels/compress/compress_weights.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>

#include "common/excerpt.h"
#include "kernels/compress/whitening.h"

namespace trnsim::compress {
namespace {

struct PlannedTensor {
  const TensorEntry* entry = nullptr;
  int64_t rank = 0;
  SvdMethod method = SvdMethod::full;
  std::string calibration_tensor;  // empty without --calibration
};

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool compressible(const TensorEntry& t) { return t.shape.size() == 2 && t.dtype.has_value(); }

std::vector<const TensorEntry*> select_tensors(const WeightsFile& file,
                                               const std::vector<std::string>& names) {
  std::vector<const TensorEntry*> selected;
  if (names.empty()) {
    for (const TensorEntry& t : file.tensors())
      if (compressible(t)) selected.push_back(&t);
    if (selected.empty())
      throw UserError(file.path() + ": no 2-D BF16/F16/F32 tensor to compress (tensors: " +
                      file.names() + ")");
    return selected;
  }
  std::set<std::string> seen;
  for (const std::string& name : names) {
    const std::string shown = excerpt(name);
    if (!seen.insert(name).second) throw UserError("tensor '" + shown + "' is listed twice");
    const TensorEntry* t = file.find(name);
    if (!t)
      throw UserError(path_excerpt(file.path()) + ": no tensor '" + shown +
                      "' (there are: " + file.names() + ")");
    if (!t->dtype)
      throw UserError(path_excerpt(file.path()) + ": tensor '" + shown + "' has dtype " +
                      t->dtype_name + "; compress reads only BF16, F16 and F32");
    if (t->shape.size() != 2)
      throw UserError(path_excerpt(file.path()) + ": tensor '" + shown + "' has shape " +
                      shape_text(t->shape) + "; only 2-D tensors can be compressed");
    selected.push_back(t);
  }
  return selected;
}

// The calibration tensor for a weight: the one of the same name, else the file's only tensor.
std::string calibration_tensor_for(const WeightsFile& calibration, const TensorEntry& weight) {
  const TensorEntry* c = calibration.find(weight.name);
  if (!c && calibration.tensors().size() == 1) c = &calibration.tensors().front();
  if (!c)
    throw UserError(path_excerpt(calibration.path()) + ": no calibration tensor named '" +
                    excerpt(weight.name) + "', and the file holds more than one (" +
                    calibration.names() + ")");
  if (c->shape.size() < 2 || !c->dtype)
    throw UserError(path_excerpt(calibration.path()) + ": calibration tensor '" + excerpt(c->name) +
                    "' must be a BF16/F16/F32 (samples, K) or (..., K) array, not " +
                    c->dtype_name + " " + shape_text(c->shape));
  if (c->shape.back() != weight.shape[0])
    throw UserError(path_excerpt(calibration.path()) + ": calibration tensor '" + excerpt(c->name) +
                    "' has " + std::to_string(c->shape.back()) + " columns but weight '" +
                    excerpt(weight.name) + "' has K = " + std::to_string(weight.shape[0]) +
                    " rows");
  return c->name;
}

std::map<std::string, std::string> output_metadata(const CompressRequest& request) {
  std::ostringstream ratio;
  ratio << request.ratio;
  return {{"producer", "trnsim compress"},
          {"source", std::filesystem::path(request.weights).filename().string()},
          {"ratio_removed", ratio.str()},
          {"block", std::to_string(request.block)},
          {"whitened", request.calibration.empty() ? "no" : "yes"}};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TensorReport report_for(const TensorEntry& t, int64_t rank, SvdMethod method) {
  TensorReport r;
  r.name = t.name;
  r.dtype = *t.dtype;
  r.rows = t.shape[0];
  r.cols = t.shape[1];
  r.rank = rank;
  r.params_kept = rank * (r.rows + r.cols);
  r.method = method;
  return r;
}

Matrix read_finite(const WeightsFile& file, const std::string& name) {
  Matrix w = file.read_matrix(name);
  if (!w.allFinite())
    throw UserError(file.path() + ": tensor '" + name + "' contains NaN or Inf");
  return w;
}

void finish_factors(const Matrix& w, LowRankFactors& f, TensorReport& report,
                    std::chrono::steady_clock::time_point start) {
  report.seconds = seconds_since(start);
  round_to_dtype(f.u, report.dtype);
  round_to_dtype(f.v, report.dtype);
  report.relative_error = relative_error(w, f.u, f.v);
}

std::vector<TensorReport> compress_weights(const CompressRequest& request,
                                           const ReportBeforeCommit& report_before_commit) {
  // 1. Options and inputs, before any work.
  require_compression_ratio(request.ratio);
  require_block_size(request.block);
  choose_svd_method(request.svd, 1, 1);
  const WeightsFile weights = WeightsFile::open(request.weights);
  std::optional<WeightsFile> calibration;
  if (!request.calibration.empty()) calibration = WeightsFile::open(request.calibration);

  std::vector<PlannedTensor> plan;
  for (const TensorEntry* t : select_tensors(weights, request.tensors)) {
    PlannedTensor p;
    p.entry = t;
    const int64_t k = t->shape[0], n = t->shape[1];
    try {
      p.rank = block_aligned_rank(k, n, request.ratio, request.block);
    } catch (const UserError& e) {
      throw UserError("tensor '" + t->name + "': " + e.what());
    }
    require_block_aligned_rank(p.rank, request.block);
    p.method = choose_svd_method(request.svd, k, n);
    if (calibration) p.calibration_tensor = calibration_tensor_for(*calibration, *t);
    plan.push_back(p);
  }
  check_output_path(weights.format(), request.output);

  // 2. The output layout is known now, so factors can be streamed out tensor by tensor.
  std::vector<WeightsWriter::Layout> layout;
  for (const PlannedTensor& p : plan) {
    const TensorEntry& t = *p.entry;
    layout.push_back({t.name + ".U", *t.dtype, t.shape[0], p.rank});
    layout.push_back({t.name + ".V", *t.dtype, p.rank, t.shape[1]});
  }
  std::vector<NamedFile> outputs;
  for (const std::string& file : output_paths(weights.format(), request.output, layout))
    outputs.push_back({"output", file});
  check_output_paths(outputs, {{"the weights file", request.weights},
                                          {"the calibration file", request.calibration}});
  WeightsWriter writer(weights.format(), request.output, layout, output_metadata(request));

  // 3. Factor, round to the stored dtype, write, and measure the error of what was written.
  std::vector<TensorReport> reports;
  std::string whitening_source;
  Matrix activations;
  Whitening whitening;
  for (const PlannedTensor& p : plan) {
    const TensorEntry& t = *p.entry;
    const Matrix w = read_finite(weights, t.name);
    TensorReport r = report_for(t, p.rank, p.method);
    SvdSettings settings{p.method, request.randomized};

    const auto start = std::chrono::steady_clock::now();
    LowRankFactors f;
    if (calibration) {
      if (p.calibration_tensor != whitening_source) {
        activations = calibration->read_matrix(p.calibration_tensor);
        whitening = whitening_from_activations(
            activations, calibration->path() + ": '" + p.calibration_tensor + "'");
        whitening_source = p.calibration_tensor;
      }
      f = whitened_truncated_svd(w, whitening, p.rank, settings);
      r.whitened = true;
      r.whitening_ridge = whitening.ridge;
    } else {
      f = truncated_svd(w, p.rank, settings);
    }
    finish_factors(w, f, r, start);
    writer.write(f.u);
    writer.write(f.v);
    if (calibration)
      r.activation_relative_error = activation_relative_error(activations, w, f.u, f.v);
    reports.push_back(r);
  }
  if (report_before_commit) report_before_commit(reports);
  writer.commit();
  return reports;
}

}  // namespace trnsim::compress

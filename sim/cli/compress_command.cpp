#include "sim/cli/compress_command.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/json_output.h"
#include "kernels/compress/checkpoint.h"
#include "kernels/compress/compress_weights.h"
#include "sim/cli/standard_output.h"
#include "sim/cli/text_table.h"

namespace trnsim::cli {
namespace {

using compress::TensorReport;

double kept_fraction(const TensorReport& r) {
  return static_cast<double>(r.params_kept) / static_cast<double>(r.rows * r.cols);
}

nlohmann::json to_json(const std::vector<TensorReport>& reports, const CompressOptions& o) {
  nlohmann::json tensors = nlohmann::json::array();
  for (const TensorReport& r : reports) {
    nlohmann::json t = {{"name", r.name},
                        {"shape", {r.rows, r.cols}},
                        {"dtype", dtype_name(r.dtype)},
                        {"rank", r.rank},
                        {"params_kept", r.params_kept},
                        {"kept_fraction", kept_fraction(r)},
                        {"relative_error", r.relative_error},
                        {"svd", compress::svd_method_name(r.method)},
                        {"seconds", r.seconds}};
    if (r.whitened) {
      t["activation_relative_error"] = r.activation_relative_error;
      t["whitening_ridge"] = r.whitening_ridge;
    }
    tensors.push_back(t);
  }
  return {{"tensors", tensors}, {"output", o.output}, {"ratio", o.ratio}, {"block", o.block}};
}

void print_text(const std::vector<TensorReport>& reports, const CompressOptions& o,
                std::ostream& out) {
  const bool whitened = !o.calibration.empty();
  out << "compressed " << reports.size() << (reports.size() == 1 ? " tensor" : " tensors") << " of "
      << o.weights << " -> " << o.output << " (ratio " << o.ratio
      << " of parameters removed, block " << o.block
      << (whitened ? ", whitened by " + o.calibration : "") << ")\n";
  std::vector<std::vector<std::string>> rows = {
      {"tensor", "shape", "dtype", "rank", "params kept", "kept", "rel. error", "svd", "seconds"}};
  if (whitened) rows[0].insert(rows[0].end() - 2, "act. error");
  for (const TensorReport& r : reports) {
    std::vector<std::string> row = {r.name,
                                    std::to_string(r.rows) + " x " + std::to_string(r.cols),
                                    dtype_name(r.dtype),
                                    std::to_string(r.rank),
                                    std::to_string(r.params_kept),
                                    formatted("%.1f%%", 100 * kept_fraction(r)),
                                    formatted("%.5f", r.relative_error),
                                    compress::svd_method_name(r.method),
                                    formatted("%.2f", r.seconds)};
    if (whitened) row.insert(row.end() - 2, formatted("%.5f", r.activation_relative_error));
    rows.push_back(row);
  }
  print_table(rows, out);
  for (const TensorReport& r : reports)
    if (r.whitening_ridge > 0)
      out << "note: X^T X for '" << r.name
          << "' was singular or ill-conditioned; whitening added a ridge of "
          << formatted("%.3g", r.whitening_ridge) << " to its diagonal\n";
}

}  // namespace

void run_compress(const CompressOptions& options, std::ostream& out) {
  compress::CompressRequest request;
  request.weights = options.weights;
  request.ratio = options.ratio;
  request.block = options.block;
  request.tensors = options.tensors;
  request.output = options.output;
  request.calibration = options.calibration;
  request.svd = options.svd;
  // The report is printed, and must reach `out`, before the output file appears.
  auto print = [&](const std::vector<TensorReport>& reports, const nlohmann::json& extra,
                   const std::string& note) {
    if (options.json) {
      nlohmann::json j = to_json(reports, options);
      j.update(extra);
      out << json_line(j) << "\n";
    } else {
      print_text(reports, options, out);
      out << note;
    }
    flush_checked(out, "standard output");
  };
  if (compress::is_checkpoint(options.weights)) {
    compress::compress_checkpoint(request, [&](const compress::CheckpointReport& r) {
      print(r.factored, {{"copied", r.copied}, {"shards", r.shards}},
            "copied " + std::to_string(r.copied) + " other tensors as they are, into " +
                std::to_string(r.shards) + " shards and a new model.safetensors.index.json\n");
    });
    return;
  }
  compress::compress_weights(request, [&](const std::vector<TensorReport>& reports) {
    print(reports, nlohmann::json::object(), "");
  });
}

}  // namespace trnsim::cli

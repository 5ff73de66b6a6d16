// Compressing the 2-D tensors of a weights file into block-aligned low-rank factors: what
// `trnsim compress` does, without the command line. For each selected tensor NAME (K×N) the
// output holds NAME.U (K×R) and NAME.V (R×N) in the tensor's own dtype, in the input's format:
// a safetensors input gives one safetensors file; an .npy input gives a directory holding
// NAME.U.npy and NAME.V.npy.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "kernels/compress/block_svd.h"

namespace trnsim::compress {

struct CompressRequest {
  std::string weights;              // .safetensors or .npy
  double ratio = -1;                // fraction of parameters removed, in (0, 1)
  int64_t block = 128;              // the rank is a multiple of this
  std::vector<std::string> tensors;  // empty: every 2-D BF16/F16/F32 tensor
  std::string output;
  std::string calibration;  // optional activations (.npy or safetensors) for whitening
  std::string svd = "auto";  // full | randomized | auto (see kRandomizedSvdAbove)
  RandomizedSvdOptions randomized;
};

struct TensorReport {
  std::string name;
  Dtype dtype = Dtype::fp32;
  int64_t rows = 0;  // K
  int64_t cols = 0;  // N
  int64_t rank = 0;
  int64_t params_kept = 0;  // rank·(K + N)
  SvdMethod method = SvdMethod::full;
  double relative_error = 0;  // ‖W − U·V‖_F / ‖W‖_F with U, V as written (rounded to dtype)
  double seconds = 0;         // wall time of the factorization (whitening included)
  bool whitened = false;
  double whitening_ridge = 0;             // see Whitening::ridge
  double activation_relative_error = 0;   // ‖X·W − X·U·V‖_F / ‖X·W‖_F, whitened runs only
};

// The report of tensor `t` factored at `rank` by `method`, before the factoring (name, shape,
// dtype, rank, parameters kept, method).
TensorReport report_for(const TensorEntry& t, int64_t rank, SvdMethod method);

// Tensor `name` of `file` as a matrix; throws UserError if it holds NaN or Inf.
Matrix read_finite(const WeightsFile& file, const std::string& name);

// Rounds the factors to `report.dtype`, as they are written, and records the relative error
// of what is written and the seconds since `start`.
void finish_factors(const Matrix& w, LowRankFactors& f, TensorReport& report,
                    std::chrono::steady_clock::time_point start);

// What the caller prints once every tensor is factored, before the output is made visible:
// if it throws (standard output is full, say), nothing is written.
using ReportBeforeCommit = std::function<void(const std::vector<TensorReport>&)>;

// Validates everything first — ratio, block, SVD method, both input files, tensor names,
// shapes and ranks, calibration shapes, the output path, and that no output file is an input —
// then factors tensor by tensor and writes the output only if every tensor succeeded. Throws
// UserError (one line) on bad input; then nothing is written.
std::vector<TensorReport> compress_weights(const CompressRequest& request,
                                           const ReportBeforeCommit& report_before_commit = {});

}  // namespace trnsim::compress

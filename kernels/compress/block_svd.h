// Block-aligned truncated SVD (NeuronMM §4.1, reference/neuronmm.md §1): a K×N weight W is
// replaced by U (K×R) and V (R×N) with W ≈ U·V, U = U_R·√Σ_R and V = √Σ_R·V_Rᵀ, where the rank R
// is a multiple of the kernel block so that the fused XUV kernel needs no padding.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/compress/weights_file.h"

namespace trnsim::compress {

// The rank rule of the authors' code (llama_inference.py: svd_flash), with `ratio` the paper's
// compression ratio, the fraction of parameters REMOVED (their compress_ratio 0.8 = ratio 0.2):
//   R = round(K·N·(1 − ratio) / ((K + N)·block))·block,
// clamped to [block, min(K, N) rounded down to a multiple of block]. Throws UserError if ratio
// is not in (0, 1), block < 1, or min(K, N) < block (no room for a single block).
int64_t block_aligned_rank(int64_t rows, int64_t cols, double ratio, int64_t block);

// Throw UserError unless 0 < ratio < 1, resp. block >= 1.
void require_compression_ratio(double ratio);
void require_block_size(int64_t block);

// For ranks given explicitly (e.g. kernel shapes): throws UserError("rank 1000 is not a multiple
// of the block size 128") unless rank is a positive multiple of block.
void require_block_aligned_rank(int64_t rank, int64_t block);

// W ≈ u·v with u = U_R·√Σ_R (K×R) and v = √Σ_R·V_Rᵀ (R×N).
struct LowRankFactors {
  Matrix u;
  Matrix v;
};

enum class SvdMethod { full, randomized };
const char* svd_method_name(SvdMethod m);

// `--svd auto` picks randomized when min(K, N) exceeds this, full SVD otherwise.
constexpr int64_t kRandomizedSvdAbove = 2048;

// "full" | "randomized" | "auto" (resolved for a rows×cols matrix); throws UserError otherwise.
SvdMethod choose_svd_method(const std::string& name, int64_t rows, int64_t cols);

// Randomized subspace iteration (Halko, Martinsson & Tropp 2011, Alg. 4.4): a Gaussian sketch
// of R + oversampling columns, refined by power iterations with re-orthonormalisation.
// Oversampling 64 rather than the textbook 10-20: at NeuronMM's ranks (>= 1280) it adds < 5%
// work, and it takes the error on the test spectrum from 1.022x to 1.005x the optimum.
struct RandomizedSvdOptions {
  int64_t oversampling = 64;
  int power_iterations = 2;
  uint64_t seed = 1;  // same seed and input: bit-identical factors on any thread count
};

struct SvdSettings {
  SvdMethod method = SvdMethod::full;
  RandomizedSvdOptions randomized;
};

// The best rank-`rank` factors (Eckart–Young) by a dense SVD in double precision (Eigen BDCSVD).
// Needs 1 <= rank <= min(K, N).
LowRankFactors truncated_svd_full(const Matrix& w, int64_t rank);

// Rank-`rank` factors from a randomized range finder; fp32 products, fp64 small eigenproblem.
// Needs 1 <= rank <= min(K, N).
LowRankFactors truncated_svd_randomized(const Matrix& w, int64_t rank,
                                        const RandomizedSvdOptions& options = {});

LowRankFactors truncated_svd(const Matrix& w, int64_t rank, const SvdSettings& settings);

// ‖W − U·V‖_F / ‖W‖_F (0 for W = 0 = U·V). Streams over column bands; never forms U·V whole.
double relative_error(const Matrix& w, const Matrix& u, const Matrix& v);

}  // namespace trnsim::compress

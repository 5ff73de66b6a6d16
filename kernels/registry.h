// The kernel library as the CLI, the tests and the benchmarks see it: each kernel by name,
// with its shape keys, default shape and block-size parameters, and the math its output must
// equal (computed independently by the caller, e.g. with Eigen).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kernels/api/backend.h"

namespace trnsim {

using Assignments = std::map<std::string, int64_t>;  // "M=4096,K=8192" and "--param" values

// What the kernel's single output must equal, given its inputs in declaration order.
enum class KernelMath {
  lhsT_transposed_times_rhs,  // inputs lhsT [K, M], rhs [K, N]; output [M, N] = lhsT^T rhs
  xT_times_u_times_v,         // inputs xT [K, M], U [K, R], V [R, N]; output [M, N] = x U V
  swiglu_dense,  // inputs xT [H, S], Wg, Wu [H, I], Wd [I, H]; y = (silu(x Wg) * (x Wu)) Wd
  swiglu_svd,    // inputs x [S, H], Ug [H, R], Vg [R, I], Uu, Vu, Ud [I, R], Vd [R, H]: the
                 // same with each W replaced by U V
  // The decoder operators (kernels/models/decoder_ops.h); their dimensions come from the shape
  // and parameters, as named in decoder_specs.cpp.
  rmsnorm,           // x [S, F], gamma [1, GROUP]; y, or y^T with TRANSPOSED=1
  elementwise_sum,   // a, b [S, F]; a + b
  x_times_w,         // x [S, K], W [K, N]; x W
  rope,              // x [S, HEADS * D], cos, sin [S, D / 2] (, gamma [1, D] with QK_NORM=1)
  causal_attention,  // q [B * S, QH * D], k, v [B * S, KVH * D]; softmax(q k^T / sqrt(D)) v
  decode_attention,  // q [B * QH, D], k_cache, v_cache [B * L, KVH * D]; likewise, no mask
};

struct KernelSpec {
  std::string name;
  std::string description;
  Assignments default_shape;   // its keys are the shape keys
  Assignments default_params;  // block sizes, under the names of the original kernel
  KernelMath math;
  std::function<void(Backend&, const Assignments& shape, const Assignments& params, Dtype)>
      build;
};

const std::vector<KernelSpec>& kernel_library();
const KernelSpec& find_kernel(const std::string& name);  // throws UserError listing kernels

// "M=4096,K=8192" -> {M: 4096, K: 8192}; throws UserError on malformed text.
Assignments parse_assignments(const std::string& text, const std::string& what);
// The largest shape or block value a user may give: 2^31 - 1. No NeuronCore tensor dimension
// comes near it (HBM holds 16 GiB), and below it no product of two values overflows, so a
// kernel's size arithmetic cannot wrap to zero or a negative count.
constexpr int64_t kMaxAssignment = (int64_t{1} << 31) - 1;

// Defaults overridden by the user's values; a key the kernel does not have, or a value outside
// 0..kMaxAssignment, is an error.
Assignments merge_assignments(const Assignments& defaults, const Assignments& given,
                              const std::string& kernel, const std::string& what);

// Kernel-side shape checks with messages naming the kernel and the rule.
void require_positive(const std::string& kernel, const Assignments& values);
void require_multiple(const std::string& kernel, const std::string& key, int64_t value,
                      int64_t of, const std::string& why);

}  // namespace trnsim

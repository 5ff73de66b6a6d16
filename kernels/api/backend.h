// The interface every kernel is written against (DESIGN.md §3). It mirrors NKI closely enough
// that a kernel reads like its NKI original: HBM tensors in and out, SBUF and PSUM tiles,
// affine and sequential loops, DMA, matmul and the elementwise engines. A backend either runs
// the calls (SimBackend, which builds a NeuronCore program) or prints them (NkiBackend).
//
// Contract shared by all backends:
// - Tiles are allocated in the scope of the innermost enclosing loop and released when that
//   loop ends; each call in a later iteration returns the same tile, rotated through `bufs`
//   buffers, so that DMA of iteration i+1 may overlap compute of iteration i (as in NKI).
// - The first matmul into a PSUM region after its tile was (re)allocated overwrites it; later
//   ones accumulate (NKI's `res_psum += nc_matmul(...)` on a fresh `nl.zeros` tile).
// - Every call checks NKI's limits at once (kernels/api/limits.h) and throws UserError naming
//   the limit and the values.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kernels/api/scalar.h"
#include "kernels/api/tensor.h"

namespace trnsim {

// NKI lets a kernel run memset on the Vector or the GpSimd Engine; trnsim's memset runs on the
// Vector Engine, and the NKI backend names that engine, so both targets run the same schedule.
inline constexpr Engine kMemsetEngine = Engine::vector;

enum class Loop { affine, sequential };

class Backend {
 public:
  virtual ~Backend() = default;

  // Usable SBUF bytes per partition of the target, for kernels that check their block sizes
  // against SBUF before they start (a schedule whose cached tiles cannot stay resident).
  virtual int64_t sbuf_bytes_per_partition() const = 0;

  virtual TensorRef hbm_input(const std::string& name, int64_t rows, int64_t cols,
                              Dtype dtype) = 0;
  virtual TensorRef hbm_output(const std::string& name, int64_t rows, int64_t cols,
                               Dtype dtype) = 0;
  // A read-only HBM tensor whose rows x cols values (row-major) come with the kernel
  // (NKI's nl.shared_constant).
  virtual TensorRef hbm_constant(const std::string& name, int64_t rows, int64_t cols,
                                 Dtype dtype, const std::vector<float>& values) = 0;
  // An intermediate that lives in HBM between kernels (e.g. X*U between two matmuls).
  virtual TensorRef hbm_scratch(const std::string& name, int64_t rows, int64_t cols,
                                Dtype dtype) = 0;

  virtual TensorRef sbuf_tile(const std::string& name, std::vector<int64_t> block_dims,
                              int64_t partitions, int64_t free, Dtype dtype, int bufs = 1) = 0;
  virtual TensorRef psum_tile(const std::string& name, int64_t partitions, int64_t free,
                              int bufs = 1) = 0;

  virtual void for_range(const std::string& name, int64_t count, Loop kind,
                         const std::function<void(Expr)>& body) = 0;

  virtual void dma_copy(const View& dst, const View& src) = 0;
  virtual void dma_transpose(const View& dst, const View& src) = 0;  // dst[p,f] = src[f,p]
  // psum[M,N] (+)= stationary[K,M]^T @ moving[K,N]
  virtual void matmul(const View& psum, const View& stationary, const View& moving) = 0;
  virtual void transpose(const View& psum, const View& src) = 0;  // on the Tensor Engine
  virtual void tensor_copy(const View& dst, const View& src, Engine engine = Engine::vector) = 0;
  virtual void tensor_tensor(const View& dst, const View& a, const View& b, AluOp op,
                             Engine engine = Engine::vector) = 0;
  // dst = (src (op0) operand0) (op1) operand1, fp32 in between; op1.op == bypass: one op.
  virtual void tensor_scalar(const View& dst, const View& src, const ScalarOp& op0,
                             const ScalarOp& op1, Engine engine) = 0;
  void tensor_scalar(const View& dst, const View& src, AluOp op, float operand,
                     Engine engine = Engine::vector) {
    tensor_scalar(dst, src, ScalarOp{op, operand}, ScalarOp{}, engine);
  }
  // dst = func(src * scale + bias)
  virtual void activation(const View& dst, const View& src, ActFunc func,
                          const Scalar& scale = 1.0f, const Scalar& bias = 0.0f) = 0;
  virtual void memset(const View& dst, float value) = 0;  // on kMemsetEngine
  virtual void reduce(const View& dst, const View& src, AluOp op) = 0;  // over the free axis
  virtual void reciprocal(const View& dst, const View& src) = 0;  // 1 / src on the Vector Engine
  // On the GpSimd: dst[p, f] = index(p, f); affine_select keeps on_true where
  // index(p, f) (cmp) 0 holds, a comparison op, and writes on_false elsewhere.
  virtual void iota(const View& dst, const AffineIndex& index) = 0;
  virtual void affine_select(const View& dst, const AffineIndex& index, AluOp cmp,
                             const View& on_true, float on_false) = 0;
  // Per partition, along the free axis: r[-1] = initial, r[i] = (a[i] op0 r[i-1]) op1 b[i], an
  // op's operands swapped when its reverse flag is set (nisa.tensor_tensor_scan).
  virtual void tensor_tensor_scan(const View& dst, const View& a, const View& b,
                                  const Scalar& initial, AluOp op0, AluOp op1,
                                  bool reverse0 = false, bool reverse1 = false) = 0;
  // On the Vector Engine (nisa.bn_stats, nisa.bn_aggr): dst [P, 6] gets the count, mean and
  // variance * count of src's elements at even free positions, then at odd ones (src at most
  // bn_stats_fmax = 512 wide); bn_aggr combines the triples of src [P, 3k] into dst [P, 2] =
  // (mean, variance).
  virtual void bn_stats(const View& dst, const View& src) = 0;
  virtual void bn_aggr(const View& dst, const View& src) = 0;

  // A liveness hint: the data of the tile block `block` is not read again before the block is
  // next written (the NKI front end's pass over a traced kernel says so after a block's last
  // read). A backend may reclaim its room without spilling it. The C++ kernels do not call it.
  virtual void release(const View& block) = 0;
};

}  // namespace trnsim

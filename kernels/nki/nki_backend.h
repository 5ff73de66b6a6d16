// The Backend that writes a kernel as NKI Python instead of running it (DESIGN.md §3). Loops
// stay loops: the body of `for_range` is called once with a symbolic index, under
// `for k in nl.affine_range(n):` or `nl.sequential_range`, so the emitted kernel has the loop
// nest of its C++ schedule. The target is the `neuronxcc.nki` API generation (NKI 0.1) that
// the NKI matmul tutorial and NeuronMM's code use: nl.load / nl.store, nisa.nc_matmul,
// nl.ndarray(..., buffer=nl.sbuf), nl.zeros(..., buffer=nl.psum).
#pragma once

#include <string>
#include <vector>

#include "kernels/api/backend.h"

namespace trnsim::nki {

class NkiBackend : public Backend {
 public:
  // `sbuf_bytes` is the target's usable SBUF per partition, for kernels' budget checks.
  NkiBackend(std::string kernel_name, int64_t sbuf_bytes);
  int64_t sbuf_bytes_per_partition() const override { return sbuf_bytes_; }

  // `def NAME(inputs...):` with its body and `return outputs`, under `@nki.jit`.
  std::string kernel_source() const;
  const std::vector<TensorRef>& inputs() const { return inputs_; }
  const std::vector<TensorRef>& outputs() const { return outputs_; }

  TensorRef hbm_input(const std::string& name, int64_t rows, int64_t cols, Dtype dtype) override;
  TensorRef hbm_output(const std::string& name, int64_t rows, int64_t cols, Dtype dtype) override;
  TensorRef hbm_scratch(const std::string& name, int64_t rows, int64_t cols,
                        Dtype dtype) override;
  TensorRef sbuf_tile(const std::string& name, std::vector<int64_t> block_dims,
                      int64_t partitions, int64_t free, Dtype dtype, int bufs) override;
  TensorRef psum_tile(const std::string& name, int64_t partitions, int64_t free,
                      int bufs) override;
  void for_range(const std::string& name, int64_t count, Loop kind,
                 const std::function<void(Expr)>& body) override;

  void dma_copy(const View& dst, const View& src) override;
  void dma_transpose(const View& dst, const View& src) override;
  void matmul(const View& psum, const View& stationary, const View& moving) override;
  void transpose(const View& psum, const View& src) override;
  void tensor_copy(const View& dst, const View& src, Engine engine) override;
  void tensor_tensor(const View& dst, const View& a, const View& b, AluOp op,
                     Engine engine) override;
  using Backend::tensor_scalar;
  void tensor_scalar(const View& dst, const View& src, const ScalarOp& op0, const ScalarOp& op1,
                     Engine engine) override;
  void activation(const View& dst, const View& src, ActFunc func, const Scalar& scale,
                  const Scalar& bias) override;
  void memset(const View& dst, float value) override;
  void reduce(const View& dst, const View& src, AluOp op) override;
  void reciprocal(const View& dst, const View& src) override;
  TensorRef hbm_constant(const std::string& name, int64_t rows, int64_t cols, Dtype dtype,
                         const std::vector<float>& values) override;
  void iota(const View& dst, const AffineIndex& index) override;
  void affine_select(const View& dst, const AffineIndex& index, AluOp cmp, const View& on_true,
                     float on_false) override;
  void tensor_tensor_scan(const View& dst, const View& a, const View& b, const Scalar& initial,
                          AluOp op0, AluOp op1, bool reverse0, bool reverse1) override;
  void bn_stats(const View& dst, const View& src) override;
  void bn_aggr(const View& dst, const View& src) override;
  // Nothing to write: the NKI compiler allocates by liveness itself.
  void release(const View&) override {}

 private:
  TensorRef declare(Memory memory, const std::string& name, std::vector<int64_t> block_dims,
                    int64_t partitions, int64_t free, Dtype dtype);
  void line(const std::string& text);

  std::string name_;
  std::vector<TensorRef> inputs_, outputs_;
  std::vector<std::string> body_;
  std::vector<std::string> loop_variables_;  // enclosing loops, outermost first
  int next_id_ = 0;
  int64_t sbuf_bytes_;
};

// How a view reads in NKI: `lhsT[k * 128:k * 128 + 128, 0:128]`, `rhs_tiles[bk]`, `res_psum`.
// As an assignment target a whole tile is written `name[...]`.
std::string read_expression(const View& v);
std::string write_expression(const View& v);

}  // namespace trnsim::nki

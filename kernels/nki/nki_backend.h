// The Backend that writes a kernel as NKI Python instead of running it (DESIGN.md §3). Loops
// stay loops: the body of `for_range` is called once with a symbolic index, under
// `for k in nl.affine_range(n):` or `nl.sequential_range`, so the emitted kernel has the loop
// nest of its C++ schedule. Two API generations:
// - NkiApi::v0_1, `neuronxcc.nki` (NKI 0.1, Neuron SDK 2.21 to 2.26), which the NKI matmul
//   tutorial and NeuronMM's code use: nl.load / nl.store, `dst = nisa.op(...)`, block
//   dimensions before nl.par_dim, nl.zeros(..., buffer=nl.psum) accumulated with `+=`;
// - NkiApi::v0_3, the `nki` namespace (SDK 2.27 and later): partition-first tiles
//   (P, blocks..., F), destination-passing `nisa.op(dst, ...)` calls whose result takes dst's
//   dtype, nisa.dma_copy for loads and stores, PSUM tiles from nl.ndarray that the first
//   matmul overwrites and later ones accumulate into (nc_matmul's default rule), and strided
//   operands as `tile.ap(pattern, offset)`.
// Each tile is declared where the C++ schedule declares it, i.e. where its liveness begins.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kernels/api/backend.h"
#include "kernels/nki/nki_views.h"

namespace trnsim::nki {

class NkiBackend : public Backend {
 public:
  // `sbuf_bytes` is the target's usable SBUF per partition, for kernels' budget checks.
  NkiBackend(std::string kernel_name, int64_t sbuf_bytes, NkiApi api = NkiApi::v0_1);
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
  // An ISA call that writes `dst`: `dst = nisa.FUNCTION(ARGS, dtype=...)` in NKI 0.1,
  // `nisa.FUNCTION(dst, ARGS)` in the nki namespace. `dst_text` is given for a strided dst.
  void isa_call(const std::string& function, const View& dst, const std::string& args,
                const std::string& dst_text = "");
  std::string read(const View& v) const;
  std::string target(const View& v) const;
  // In the nki namespace a Tensor Engine transpose writes a PSUM tile of its input's dtype:
  // the tile's declaration takes that dtype (a tile that matmuls also write is refused). The
  // 0.1 file keeps fp32 PSUM tiles, which trnsim's tracer reads them as.
  void transpose_into(const View& psum, Dtype dtype);

  std::string name_;
  NkiApi api_;
  std::vector<TensorRef> inputs_, outputs_;
  std::vector<std::string> body_;
  struct PsumUse {
    size_t declaration = 0;  // its line in body_
    bool matmul = false;
    std::optional<Dtype> transposed;
  };
  std::map<int, PsumUse> psum_uses_;  // by tile id
  std::vector<std::string> loop_variables_;  // enclosing loops, outermost first
  int next_id_ = 0;
  int64_t sbuf_bytes_;
};

}  // namespace trnsim::nki

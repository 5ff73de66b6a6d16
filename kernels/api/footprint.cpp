#include "kernels/api/footprint.h"

#include <cstdint>

#include "common/checked.h"

namespace trnsim {
namespace {

// Runs a schedule dry: every loop body once, at index 0. Records SBUF tile declarations and
// counts operations, each weighted by the trip counts of the loops around it.
class ProbeBackend : public Backend {
 public:
  explicit ProbeBackend(int64_t sbuf_bytes) : sbuf_bytes_(sbuf_bytes) {}
  std::vector<TileBytes> take_tiles() { return std::move(tiles_); }
  int64_t operations() const { return operations_; }

  int64_t sbuf_bytes_per_partition() const override { return sbuf_bytes_; }
  TensorRef hbm_input(const std::string& n, int64_t r, int64_t c, Dtype d) override {
    return hbm(n, r, c, d);
  }
  TensorRef hbm_output(const std::string& n, int64_t r, int64_t c, Dtype d) override {
    return hbm(n, r, c, d);
  }
  TensorRef hbm_scratch(const std::string& n, int64_t r, int64_t c, Dtype d) override {
    return hbm(n, r, c, d);
  }
  TensorRef sbuf_tile(const std::string& name, std::vector<int64_t> block_dims, int64_t partitions,
                      int64_t free, Dtype dtype, int bufs) override {
    const std::string what = "the bytes of tile '" + name + "'";
    int64_t bytes = checked_mul(checked_mul(bufs, free, what), dtype_size(dtype), what);
    for (int64_t d : block_dims) bytes = checked_mul(bytes, d, what);
    tiles_.emplace_back(name, bytes);
    return tile(Memory::sbuf, name, std::move(block_dims), partitions, free, dtype);
  }
  TensorRef psum_tile(const std::string& name, int64_t partitions, int64_t free, int) override {
    return tile(Memory::psum, name, {}, partitions, free, Dtype::fp32);
  }
  void for_range(const std::string&, int64_t count, Loop,
                 const std::function<void(Expr)>& body) override {
    if (count <= 0) return;
    const int64_t outer = weight_;
    weight_ = saturating_mul(weight_, count);
    body(Expr(0));
    weight_ = outer;
  }
  void dma_copy(const View&, const View&) override { count(); }
  void dma_transpose(const View&, const View&) override { count(); }
  void matmul(const View&, const View&, const View&) override { count(); }
  void transpose(const View&, const View&) override { count(); }
  void tensor_copy(const View&, const View&, Engine) override { count(); }
  void tensor_tensor(const View&, const View&, const View&, AluOp, Engine) override { count(); }
  void tensor_scalar(const View&, const View&, const ScalarOp&, const ScalarOp&,
                     Engine) override {
    count();
  }
  void activation(const View&, const View&, ActFunc, const Scalar&, const Scalar&) override {
    count();
  }
  void reciprocal(const View&, const View&) override { count(); }
  TensorRef hbm_constant(const std::string& name, int64_t rows, int64_t cols, Dtype dtype,
                         const std::vector<float>&) override {
    return hbm_input(name, rows, cols, dtype);
  }
  void iota(const View&, const AffineIndex&) override { count(); }
  void affine_select(const View&, const AffineIndex&, AluOp, const View&, float) override {
    count();
  }
  void tensor_tensor_scan(const View&, const View&, const View&, const Scalar&, AluOp, AluOp,
                          bool, bool) override {
    count();
  }
  void bn_stats(const View&, const View&) override { count(); }
  void bn_aggr(const View&, const View&) override { count(); }
  void memset(const View&, float) override { count(); }
  void reduce(const View&, const View&, AluOp) override { count(); }
  void release(const View&) override {}  // not an instruction

 private:
  static int64_t saturating_mul(int64_t a, int64_t b) {
    int64_t r;
    return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
  }
  void count() {
    operations_ = weight_ > INT64_MAX - operations_ ? INT64_MAX : operations_ + weight_;
  }

  TensorRef hbm(const std::string& name, int64_t rows, int64_t cols, Dtype dtype) {
    return tile(Memory::hbm, name, {}, rows, cols, dtype);
  }
  TensorRef tile(Memory memory, const std::string& name, std::vector<int64_t> block_dims,
                 int64_t partitions, int64_t free, Dtype dtype) {
    return {next_id_++, memory, name, dtype, std::move(block_dims), partitions, free};
  }

  int64_t sbuf_bytes_;
  int next_id_ = 0;
  std::vector<TileBytes> tiles_;
  int64_t weight_ = 1;      // product of the trip counts of the loops being run
  int64_t operations_ = 0;  // saturates at INT64_MAX
};

}  // namespace

std::vector<TileBytes> sbuf_footprint(int64_t sbuf_bytes_per_partition,
                                      const std::function<void(Backend&)>& schedule) {
  ProbeBackend probe(sbuf_bytes_per_partition);
  schedule(probe);
  return probe.take_tiles();
}

int64_t estimated_operations(int64_t sbuf_bytes_per_partition,
                             const std::function<void(Backend&)>& schedule) {
  ProbeBackend probe(sbuf_bytes_per_partition);
  schedule(probe);
  return probe.operations();
}

int64_t total_bytes(const std::vector<TileBytes>& tiles) {
  int64_t total = 0;
  for (const auto& [name, bytes] : tiles) total += bytes;
  return total;
}

}  // namespace trnsim

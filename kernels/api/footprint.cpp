#include "kernels/api/footprint.h"

namespace trnsim {
namespace {

// Records SBUF tile declarations; every loop body runs once, at index 0.
class FootprintBackend : public Backend {
 public:
  explicit FootprintBackend(int64_t sbuf_bytes) : sbuf_bytes_(sbuf_bytes) {}
  std::vector<TileBytes> take() { return std::move(tiles_); }

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
    int64_t bytes = int64_t{bufs} * free * dtype_size(dtype);
    for (int64_t d : block_dims) bytes *= d;
    tiles_.emplace_back(name, bytes);
    return tile(Memory::sbuf, name, std::move(block_dims), partitions, free, dtype);
  }
  TensorRef psum_tile(const std::string& name, int64_t partitions, int64_t free, int) override {
    return tile(Memory::psum, name, {}, partitions, free, Dtype::fp32);
  }
  void for_range(const std::string&, int64_t count, Loop,
                 const std::function<void(Expr)>& body) override {
    if (count > 0) body(Expr(0));
  }
  void dma_copy(const View&, const View&) override {}
  void dma_transpose(const View&, const View&) override {}
  void matmul(const View&, const View&, const View&) override {}
  void transpose(const View&, const View&) override {}
  void tensor_copy(const View&, const View&, Engine) override {}
  void tensor_tensor(const View&, const View&, const View&, AluOp) override {}
  void tensor_scalar(const View&, const View&, AluOp, float, Engine) override {}
  void activation(const View&, const View&, ActFunc, float, float) override {}
  void memset(const View&, float) override {}
  void reduce(const View&, const View&, AluOp) override {}

 private:
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
};

}  // namespace

std::vector<TileBytes> sbuf_footprint(int64_t sbuf_bytes_per_partition,
                                      const std::function<void(Backend&)>& schedule) {
  FootprintBackend probe(sbuf_bytes_per_partition);
  schedule(probe);
  return probe.take();
}

int64_t total_bytes(const std::vector<TileBytes>& tiles) {
  int64_t total = 0;
  for (const auto& [name, bytes] : tiles) total += bytes;
  return total;
}

}  // namespace trnsim

#include "kernels/api/limits.h"

#include <string>

#include "common/checked.h"

namespace trnsim::limits {
namespace {

std::string s(int64_t v) { return std::to_string(v); }

[[noreturn]] void fail(const char* op, const std::string& what) {
  throw UserError(std::string(op) + ": " + what);
}

bool on_chip(const View& v) { return v.tensor.memory != Memory::hbm; }

void require_memory(const char* op, const char* operand, const View& v, Memory m) {
  if (v.tensor.memory != m)
    fail(op, std::string(operand) + " '" + v.tensor.name + "' is in " +
                 memory_name(v.tensor.memory) + " but must be in " + memory_name(m));
}

// Bounds that can be checked when the offsets are numbers (always, in the simulator).
void check_bound(const char* op, const View& v, const Expr& first, int64_t count, int64_t size,
                 const char* axis) {
  if (count <= 0) fail(op, "'" + v.tensor.name + "' has an empty " + axis + " range");
  if (first.is_constant() && (first.value() < 0 || first.value() + count > size))
    fail(op, "'" + v.tensor.name + "' " + axis + " range " + s(first.value()) + ".." +
                 s(first.value() + count) + " is outside 0.." + s(size));
}

// Lowest and highest element, relative to the first, that `count` steps of `stride` reach.
void reach(int64_t stride, int64_t count, int64_t& low, int64_t& high) {
  const int64_t r = checked_mul(stride, count - 1, "a view's reach");
  (r < 0 ? low : high) = checked_add(r < 0 ? low : high, r, "a view's reach");
}

// A general view (kernels/api/tensor.h): its free dims multiply to nf, and every element it
// reaches lies inside the tensor (on chip: inside the partition's free elements; on HBM:
// inside the tensor's rows x cols elements, as the pattern runs over the flattened tensor).
void check_pattern(const char* op, const View& v) {
  const TensorRef& t = v.tensor;
  if (v.free_dims.size() > kMaxViewFreeAxes)
    fail(op, "'" + t.name + "' has " + s(v.free_dims.size()) + " free dims; at most " +
                 s(kMaxViewFreeAxes));
  int64_t elements = 1, low = 0, high = 0;
  for (const FreeAxis& d : v.free_pattern()) {
    if (d.count <= 0) fail(op, "'" + t.name + "' has a free dim of count " + s(d.count));
    elements = checked_mul(elements, d.count, "a view's free elements");
    reach(d.stride, d.count, low, high);
  }
  if (elements != v.nf)
    fail(op, "'" + t.name + "' free dims make " + s(elements) + " elements, not nf = " + s(v.nf));
  if (v.np <= 0) fail(op, "'" + t.name + "' has an empty partition range");
  if (!v.p0.is_constant() || !v.f0.is_constant()) return;
  if (on_chip(v)) {
    if (v.partition_stride != 0)
      fail(op, "'" + t.name + "': on-chip partitions cannot be strided");
    check_bound(op, v, v.p0, v.np, t.partitions, "partition");
    const int64_t first = v.f0.value();
    if (first + low < 0 || first + high >= t.free)
      fail(op, "'" + t.name + "' free elements " + s(first + low) + ".." + s(first + high + 1) +
                   " are outside 0.." + s(t.free));
    return;
  }
  reach(v.partition_stride != 0 ? v.partition_stride : t.free, v.np, low, high);
  const int64_t first = checked_add(checked_mul(v.p0.value(), t.free, "a view's offset"),
                                    v.f0.value(), "a view's offset");
  const int64_t size = checked_mul(t.partitions, t.free, "a tensor's elements");
  if (first + low < 0 || first + high >= size)
    fail(op, "'" + t.name + "' elements " + s(first + low) + ".." + s(first + high + 1) +
                 " are outside the tensor's 0.." + s(size));
}

}  // namespace

void check_view(const char* op, const View& v) {
  const TensorRef& t = v.tensor;
  if (v.block.size() != t.block_dims.size())
    fail(op, "'" + t.name + "' has " + s(t.block_dims.size()) + " block axes but " +
                 s(v.block.size()) + " indices were given");
  for (size_t i = 0; i < v.block.size(); ++i)
    if (v.block[i].is_constant() &&
        (v.block[i].value() < 0 || v.block[i].value() >= t.block_dims[i]))
      fail(op, "'" + t.name + "' block index " + s(v.block[i].value()) + " is outside 0.." +
                   s(t.block_dims[i]));
  if (v.rectangular()) {
    check_bound(op, v, v.p0, v.np, t.partitions, on_chip(v) ? "partition" : "row");
    check_bound(op, v, v.f0, v.nf, t.free, on_chip(v) ? "free" : "column");
  } else {
    check_pattern(op, v);
  }
  if (on_chip(v) && v.np > kPmax)
    fail(op, "'" + t.name + "' spans " + s(v.np) + " partitions; pmax is " + s(kPmax));
}

void check_dma_copy(const View& dst, const View& src) {
  check_view("dma_copy", dst);
  check_view("dma_copy", src);
  if (dst.np != src.np || dst.nf != src.nf)
    fail("dma_copy", "shapes differ: dst '" + dst.tensor.name + "' [" + s(dst.np) + ", " +
                         s(dst.nf) + "] vs src '" + src.tensor.name + "' [" + s(src.np) + ", " +
                         s(src.nf) + "]");
  if (dst.tensor.memory == Memory::psum || src.tensor.memory == Memory::psum)
    fail("dma_copy", "DMA cannot access PSUM ('" +
                         (dst.tensor.memory == Memory::psum ? dst : src).tensor.name + "')");
}

void check_dma_transpose(const View& dst, const View& src) {
  check_view("dma_transpose", dst);
  check_view("dma_transpose", src);
  if (dst.np != src.nf || dst.nf != src.np)
    fail("dma_transpose", "dst [" + s(dst.np) + ", " + s(dst.nf) +
                              "] is not the transpose of src [" + s(src.np) + ", " +
                              s(src.nf) + "]");
  if (dst.tensor.dtype != src.tensor.dtype || dtype_size(src.tensor.dtype) != 2)
    fail("dma_transpose", "supports 2-byte dtypes without casting");
  require_memory("dma_transpose", "dst", dst, Memory::sbuf);
}

void check_matmul(const View& psum, const View& stationary, const View& moving) {
  for (const View* v : {&psum, &stationary, &moving}) check_view("matmul", *v);
  require_memory("matmul", "stationary", stationary, Memory::sbuf);
  require_memory("matmul", "moving", moving, Memory::sbuf);
  require_memory("matmul", "output", psum, Memory::psum);
  if (stationary.np != moving.np)
    fail("matmul", "contraction sizes differ: stationary K=" + s(stationary.np) +
                       ", moving K=" + s(moving.np));
  if (stationary.nf > kStationaryFmax)
    fail("matmul", "stationary free size " + s(stationary.nf) + " exceeds gemm_stationary_fmax " +
                       s(kStationaryFmax));
  if (moving.nf > kMovingFmax)
    fail("matmul", "moving free size " + s(moving.nf) + " exceeds gemm_moving_fmax " +
                       s(kMovingFmax));
  if (psum.np != stationary.nf || psum.nf != moving.nf)
    fail("matmul", "output [" + s(psum.np) + ", " + s(psum.nf) + "] must be [" + s(stationary.nf) +
                       ", " + s(moving.nf) + "] (stationary free x moving free)");
  if (psum.tensor.dtype != Dtype::fp32) fail("matmul", "PSUM output must be fp32");
  if (psum.nf > kPsumFmax)
    fail("matmul", "output free size " + s(psum.nf) + " exceeds one PSUM bank (psum_fmax " +
                       s(kPsumFmax) + ")");
}

void check_transpose(const View& psum, const View& src) {
  check_view("transpose", psum);
  check_view("transpose", src);
  require_memory("transpose", "output", psum, Memory::psum);
  require_memory("transpose", "input", src, Memory::sbuf);
  if (src.nf > kStationaryFmax || psum.np != src.nf || psum.nf != src.np)
    fail("transpose", "input [" + s(src.np) + ", " + s(src.nf) + "] -> output [" + s(psum.np) +
                          ", " + s(psum.nf) + "]: needs free <= " + s(kStationaryFmax) +
                          " and output = input transposed");
}

void check_elementwise(const char* op, const View& dst, const View& src) {
  check_view(op, dst);
  check_view(op, src);
  if (dst.np != src.np || dst.nf != src.nf)
    fail(op, "shapes differ: dst '" + dst.tensor.name + "' [" + s(dst.np) + ", " + s(dst.nf) +
                 "] vs '" + src.tensor.name + "' [" + s(src.np) + ", " + s(src.nf) + "]");
  if (!on_chip(dst) || !on_chip(src)) fail(op, "operands must be in SBUF or PSUM");
}

void check_tensor_tensor(const View& dst, const View& a, const View& b) {
  check_elementwise("tensor_tensor", dst, a);
  check_elementwise("tensor_tensor", dst, b);
  if (a.tensor.memory == Memory::psum && b.tensor.memory == Memory::psum)
    fail("tensor_tensor", "the two inputs cannot both be in PSUM");
}

void check_on_chip(const char* op, const View& v) {
  check_view(op, v);
  if (!on_chip(v)) fail(op, "'" + v.tensor.name + "' must be in SBUF or PSUM");
}

void check_reduce(const View& dst, const View& src) {
  check_on_chip("reduce", dst);
  check_on_chip("reduce", src);
  if (dst.np != src.np || dst.nf != 1)
    fail("reduce", "output must be [" + s(src.np) + ", 1], got [" + s(dst.np) + ", " +
                       s(dst.nf) + "]");
}

void check_tensor_tensor_scan(const View& dst, const View& a, const View& b,
                              const Scalar& initial) {
  check_elementwise("tensor_tensor_scan", dst, a);
  check_elementwise("tensor_tensor_scan", dst, b);
  if (a.tensor.memory == Memory::psum && b.tensor.memory == Memory::psum)
    fail("tensor_tensor_scan", "the two inputs cannot both be in PSUM");
  check_scalar_operand("tensor_tensor_scan", a, initial);
}

void check_affine_select(const View& dst, AluOp cmp, const View& on_true) {
  check_elementwise("affine_select", dst, on_true);
  check_engine_memory("affine_select", Engine::gpsimd, dst);
  check_engine_memory("affine_select", Engine::gpsimd, on_true);
  if (cmp != AluOp::equal && cmp != AluOp::not_equal && cmp != AluOp::greater &&
      cmp != AluOp::greater_equal && cmp != AluOp::less && cmp != AluOp::less_equal)
    fail("affine_select", std::string("the predicate compares with 0; '") + alu_op_name(cmp) +
                              "' is not a comparison");
}

void check_scalar_operand(const char* op, const View& src, const Scalar& operand) {
  if (!operand.tile) return;
  const View& t = *operand.tile;
  check_on_chip(op, t);
  if (t.np != src.np || t.nf != 1)
    fail(op, "a tile operand holds one scalar per partition: '" + t.tensor.name +
                 "' must be [" + s(src.np) + ", 1], got [" + s(t.np) + ", " + s(t.nf) + "]");
}

void check_bn_stats(const View& dst, const View& src) {
  check_on_chip("bn_stats", dst);
  check_on_chip("bn_stats", src);
  if (dst.np != src.np || dst.nf != 6)
    fail("bn_stats", "output must be [" + s(src.np) + ", 6], got [" + s(dst.np) + ", " +
                         s(dst.nf) + "]");
  if (src.nf > kBnStatsFmax)
    fail("bn_stats", "input free size " + s(src.nf) + " exceeds bn_stats_fmax " +
                         s(kBnStatsFmax) + " (split it and aggregate the outputs with bn_aggr)");
}

void check_bn_aggr(const View& dst, const View& src) {
  check_on_chip("bn_aggr", dst);
  check_on_chip("bn_aggr", src);
  if (src.nf % 3 != 0)
    fail("bn_aggr", "input '" + src.tensor.name + "' has " + s(src.nf) +
                        " elements per partition; bn_stats outputs come in (count, mean, "
                        "variance * count) triples, a multiple of 3");
  if (dst.np != src.np || dst.nf != 2)
    fail("bn_aggr", "output must be [" + s(src.np) + ", 2] (mean, variance), got [" +
                        s(dst.np) + ", " + s(dst.nf) + "]");
}

void check_engine_memory(const char* op, Engine engine, const View& v) {
  if (engine == Engine::gpsimd && v.tensor.memory == Memory::psum)
    fail(op, "GpSimd cannot access PSUM ('" + v.tensor.name + "')");
  if (engine == Engine::tensor) fail(op, "runs on Vector, Scalar or GpSimd, not Tensor");
}

}  // namespace trnsim::limits

#include "sim/model/numerics.h"

#include "sim/model/pe_arithmetic.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

namespace trnsim::model {
namespace {

using isa::Instruction;
using isa::Opcode;
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

float alu(AluOp op, float a, float b) {
  switch (op) {
    case AluOp::add: return a + b;
    case AluOp::subtract: return a - b;
    case AluOp::multiply: return a * b;
    case AluOp::max: return std::max(a, b);
    case AluOp::min: return std::min(a, b);
    case AluOp::divide: return a / b;
    case AluOp::equal: return a == b ? 1.0f : 0.0f;
    case AluOp::not_equal: return a != b ? 1.0f : 0.0f;
    case AluOp::greater: return a > b ? 1.0f : 0.0f;
    case AluOp::greater_equal: return a >= b ? 1.0f : 0.0f;
    case AluOp::less: return a < b ? 1.0f : 0.0f;
    case AluOp::less_equal: return a <= b ? 1.0f : 0.0f;
    case AluOp::bypass: break;
  }
  return a;
}

float activate(ActFunc f, float x) {
  switch (f) {
    case ActFunc::identity: return x;
    case ActFunc::exp: return std::exp(x);
    case ActFunc::silu: return x / (1.0f + std::exp(-x));
    case ActFunc::relu: return std::max(x, 0.0f);
    case ActFunc::sigmoid: return 1.0f / (1.0f + std::exp(-x));
    case ActFunc::tanh: return std::tanh(x);
    case ActFunc::log: return std::log(x);
    case ActFunc::gelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case ActFunc::rsqrt: return 1.0f / std::sqrt(x);
    case ActFunc::sqrt: return std::sqrt(x);
    case ActFunc::square: return x * x;
    case ActFunc::reciprocal: return 1.0f / x;
  }
  return x;
}

RowMatrix as_matrix(std::vector<float> v, int64_t rows, int64_t cols) {
  return Eigen::Map<RowMatrix>(v.data(), rows, cols);
}

std::vector<float> as_vector(const RowMatrix& m) {
  return std::vector<float>(m.data(), m.data() + m.size());
}

// dst[M, N] (+)= stationary[K, M]^T @ moving[K, N], summed over k in the order the partial sums
// flow down the array's rows (pe_arithmetic.h), as the PE-level model computes it.
void matmul(const Instruction& in, MemoryImage& mem) {
  const int64_t k_size = in.src0.partitions;
  const int64_t m_size = in.src0.free_elements(), n_size = in.src1.free_elements();
  const std::vector<float> stationary = mem.read(in.src0), moving = mem.read(in.src1);
  std::vector<float> out(static_cast<size_t>(m_size * n_size));
  for (int64_t k = 0; k < k_size; ++k)
    for (int64_t m = 0; m < m_size; ++m) {
      const float w = stationary[k * m_size + m];
      const float* x = &moving[k * n_size];
      float* o = &out[m * n_size];
      for (int64_t n = 0; n < n_size; ++n) o[n] = pe_multiply_add(k == 0, o[n], w, x[n]);
    }
  if (in.accumulate) {
    const std::vector<float> held = mem.read(in.dst);
    for (size_t i = 0; i < out.size(); ++i) out[i] = psum_accumulate(held[i], out[i]);
  }
  mem.write(in.dst, out);
}

// dst[F, P] <- src[P, F], exact (TensorE transpose, DMA transpose).
void transpose(const Instruction& in, MemoryImage& mem) {
  const RowMatrix src = as_matrix(mem.read(in.src0), in.src0.partitions, in.src0.free_elements());
  mem.write(in.dst, as_vector(src.transpose()));
}

void reduce(const Instruction& in, MemoryImage& mem) {
  const RowMatrix src = as_matrix(mem.read(in.src0), in.src0.partitions, in.src0.free_elements());
  std::vector<float> out(static_cast<size_t>(src.rows()));
  for (int64_t p = 0; p < src.rows(); ++p) {
    float acc = src(p, 0);
    for (int64_t f = 1; f < src.cols(); ++f) acc = alu(in.alu, acc, src(p, f));
    out[p] = acc;
  }
  mem.write(in.dst, out);
}

// One scalar per partition: the [P, 1] tile `tile` if it is given, else `imm` everywhere.
std::vector<float> per_partition(const isa::AccessPattern& tile, float imm, int64_t partitions,
                                 const MemoryImage& mem) {
  return tile.valid() ? mem.read(tile) : std::vector<float>(static_cast<size_t>(partitions), imm);
}

// fn(x, s0, s1) for every element x of src0, with the per-partition scalars of src1 / imm0
// and src2 / imm1.
template <typename Fn>
void elementwise(const Instruction& in, MemoryImage& mem, Fn&& fn) {
  std::vector<float> v = mem.read(in.src0);
  const int64_t p = in.src0.partitions, f = in.src0.free_elements();
  const std::vector<float> s0 = per_partition(in.src1, in.imm0, p, mem);
  const std::vector<float> s1 = per_partition(in.src2, in.imm1, p, mem);
  for (int64_t i = 0; i < p; ++i)
    for (int64_t j = 0; j < f; ++j) {
      float& x = v[static_cast<size_t>(i * f + j)];
      x = fn(x, s0[static_cast<size_t>(i)], s1[static_cast<size_t>(i)]);
    }
  mem.write(in.dst, v);
}

float apply(AluOp op, float x, float operand, bool reverse) {
  return reverse ? alu(op, operand, x) : alu(op, x, operand);
}

// Per partition: r[-1] = initial (src2 or imm0), r[i] = (a[i] op0 r[i-1]) op1 b[i], each op
// with its operands swapped when its reverse flag is set.
void scan(const Instruction& in, MemoryImage& mem) {
  std::vector<float> a = mem.read(in.src0);
  const std::vector<float> b = mem.read(in.src1);
  const int64_t p = in.src0.partitions, f = in.src0.free_elements();
  const std::vector<float> initial = per_partition(in.src2, in.imm0, p, mem);
  for (int64_t i = 0; i < p; ++i) {
    float previous = initial[static_cast<size_t>(i)];
    for (int64_t j = 0; j < f; ++j) {
      const size_t k = static_cast<size_t>(i * f + j);
      previous = apply(in.alu1, apply(in.alu, a[k], previous, in.reverse0), b[k], in.reverse1);
      a[k] = previous;
    }
  }
  mem.write(in.dst, a);
}

// iota writes the affine value of each element; affine_select keeps src0 where the value
// compares true against 0 (with `alu`) and writes imm0 elsewhere.
void affine(const Instruction& in, MemoryImage& mem) {
  const int64_t p = in.dst.partitions, f = in.dst.free_elements();
  const bool select = in.op == Opcode::affine_select;
  std::vector<float> v = select ? mem.read(in.src0) : std::vector<float>(size_t(p * f));
  for (int64_t i = 0; i < p; ++i)
    for (int64_t j = 0; j < f; ++j) {
      const float value = static_cast<float>(in.affine.offset + in.affine.partition_step * i +
                                             in.affine.free_step * j);
      float& out = v[static_cast<size_t>(i * f + j)];
      if (!select) out = value;
      else if (alu(in.alu, value, 0.0f) == 0.0f) out = in.imm0;
    }
  mem.write(in.dst, v);
}

// bn_stats: per partition, (count, mean, variance * count) of the elements at even free
// positions, then of those at odd positions (nki.isa.bn_stats); an empty half is (0, 0, 0).
// bn_aggr: the (count, mean, M2) triples of src0 combined (Chan et al.'s pairwise update) into
// the mean and the population variance M2 / count. Both computed in double and rounded once:
// the engine's fp32 order of operations is not documented.
void bn_stats(const Instruction& in, MemoryImage& mem) {
  const std::vector<float> x = mem.read(in.src0);
  const int64_t p = in.src0.partitions, f = in.src0.free_elements();
  std::vector<float> out(static_cast<size_t>(p * 6));
  for (int64_t i = 0; i < p; ++i)
    for (int64_t parity = 0; parity < 2; ++parity) {
      double count = 0, sum = 0, m2 = 0;
      for (int64_t j = parity; j < f; j += 2) {
        sum += x[static_cast<size_t>(i * f + j)];
        ++count;
      }
      const double mean = count > 0 ? sum / count : 0.0;
      for (int64_t j = parity; j < f; j += 2) {
        const double d = x[static_cast<size_t>(i * f + j)] - mean;
        m2 += d * d;
      }
      float* o = &out[static_cast<size_t>(i * 6 + 3 * parity)];
      o[0] = static_cast<float>(count);
      o[1] = static_cast<float>(mean);
      o[2] = static_cast<float>(m2);
    }
  mem.write(in.dst, out);
}

void bn_aggr(const Instruction& in, MemoryImage& mem) {
  const std::vector<float> s = mem.read(in.src0);
  const int64_t p = in.src0.partitions, f = in.src0.free_elements();
  std::vector<float> out(static_cast<size_t>(p * 2));
  for (int64_t i = 0; i < p; ++i) {
    double count = 0, mean = 0, m2 = 0;
    for (int64_t j = 0; j + 2 < f; j += 3) {
      const double c = s[static_cast<size_t>(i * f + j)];
      if (c == 0) continue;
      const double m = s[static_cast<size_t>(i * f + j + 1)];
      const double total = count + c, delta = m - mean, share = c / total;
      mean += delta * share;
      m2 += s[static_cast<size_t>(i * f + j + 2)] + delta * delta * count * share;
      count = total;
    }
    out[static_cast<size_t>(2 * i)] = static_cast<float>(count > 0 ? mean : std::nan(""));
    out[static_cast<size_t>(2 * i + 1)] = static_cast<float>(count > 0 ? m2 / count : std::nan(""));
  }
  mem.write(in.dst, out);
}

}  // namespace

void execute(const Instruction& in, MemoryImage& mem) {
  switch (in.op) {
    case Opcode::dma_copy:
    case Opcode::tensor_copy: mem.write(in.dst, mem.read(in.src0)); return;
    case Opcode::dma_transpose:
    case Opcode::transpose: transpose(in, mem); return;
    case Opcode::matmul: matmul(in, mem); return;
    case Opcode::tensor_tensor: {
      std::vector<float> a = mem.read(in.src0);
      const std::vector<float> b = mem.read(in.src1);
      for (size_t i = 0; i < a.size(); ++i) a[i] = alu(in.alu, a[i], b[i]);
      mem.write(in.dst, a);
      return;
    }
    case Opcode::tensor_scalar:  // fp32 between the two ops (A2: the engines compute in fp32)
      elementwise(in, mem, [&](float x, float s0, float s1) {
        const float first = apply(in.alu, x, s0, in.reverse0);
        return in.alu1 == AluOp::bypass ? first : apply(in.alu1, first, s1, in.reverse1);
      });
      return;
    case Opcode::activation:
      elementwise(in, mem, [&](float x, float scale, float bias) {
        return activate(in.func, x * scale + bias);
      });
      return;
    case Opcode::memset:
      mem.write(in.dst, std::vector<float>(static_cast<size_t>(in.dst.partitions *
                                                               in.dst.free_elements()),
                                           in.imm0));
      return;
    case Opcode::reduce: reduce(in, mem); return;
    case Opcode::reciprocal:
      elementwise(in, mem, [](float x, float, float) { return 1.0f / x; });
      return;
    case Opcode::tensor_tensor_scan: scan(in, mem); return;
    case Opcode::iota:
    case Opcode::affine_select: affine(in, mem); return;
    case Opcode::bn_stats: bn_stats(in, mem); return;
    case Opcode::bn_aggr: bn_aggr(in, mem); return;
    case Opcode::count: break;
  }
}

}  // namespace trnsim::model

#include "sim/run/reference.h"

#include <Eigen/Core>
#include <cmath>
#include <random>

#include "sim/model/memory_image.h"
#include "sim/run/decoder_reference.h"

namespace trnsim::run {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

Eigen::Map<const RowMatrix> as_matrix(const std::vector<float>& v, const isa::HbmTensor& t) {
  return Eigen::Map<const RowMatrix>(v.data(), t.rows, t.cols);
}

}  // namespace

std::vector<float> reference_output(KernelMath math, const Assignments& dims,
                                    const std::vector<const isa::HbmTensor*>& shapes,
                                    const std::vector<std::vector<float>>& inputs) {
  auto in = [&](size_t i) { return as_matrix(inputs[i], *shapes[i]); };
  auto swiglu = [](const RowMatrix& gate, const RowMatrix& up) -> RowMatrix {
    return gate.unaryExpr([](float g) { return g / (1.0f + std::exp(-g)); }).cwiseProduct(up);
  };
  RowMatrix out;
  switch (math) {
    case KernelMath::lhsT_transposed_times_rhs:
      out = in(0).transpose() * in(1);
      break;
    case KernelMath::xT_times_u_times_v:
      out = (in(0).transpose() * in(1)) * in(2);
      break;
    case KernelMath::swiglu_dense: {
      const RowMatrix x = in(0).transpose();
      out = swiglu(x * in(1), x * in(2)) * in(3);
      break;
    }
    case KernelMath::swiglu_svd: {
      const RowMatrix x = in(0);
      out = (swiglu((x * in(1)) * in(2), (x * in(3)) * in(4)) * in(5)) * in(6);
      break;
    }
    default:
      return decoder_reference(math, dims, shapes, inputs);
  }
  return std::vector<float>(out.data(), out.data() + out.size());
}

std::vector<float> random_values(int64_t count, Dtype dtype, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = model::round_to(dtype, dist(rng));
  return v;
}

}  // namespace trnsim::run

#include "sim/cli/reference.h"

#include <Eigen/Core>
#include <random>

#include "sim/model/memory_image.h"

namespace trnsim::cli {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

Eigen::Map<const RowMatrix> as_matrix(const std::vector<float>& v, const isa::HbmTensor& t) {
  return Eigen::Map<const RowMatrix>(v.data(), t.rows, t.cols);
}

}  // namespace

std::vector<float> reference_output(KernelMath math,
                                    const std::vector<const isa::HbmTensor*>& shapes,
                                    const std::vector<std::vector<float>>& inputs) {
  RowMatrix out;
  switch (math) {
    case KernelMath::lhsT_transposed_times_rhs:
      out = as_matrix(inputs[0], *shapes[0]).transpose() * as_matrix(inputs[1], *shapes[1]);
      break;
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

}  // namespace trnsim::cli

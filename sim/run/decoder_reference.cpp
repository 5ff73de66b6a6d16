#include "sim/run/decoder_reference.h"

#include <Eigen/Core>
#include <cmath>

#include "common/error.h"
#include "kernels/models/decoder_specs.h"

namespace trnsim::run {
namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Matrix matrix(const std::vector<float>& v, const isa::HbmTensor& t) {
  return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
             v.data(), t.rows, t.cols)
      .cast<double>();
}

// Each group of `group` columns divided by its RMS, times gamma [1, group].
Matrix rms_normalized(const Matrix& x, const Matrix& gamma, int64_t group, double eps) {
  Matrix y = x;
  for (int64_t r = 0; r < x.rows(); ++r)
    for (int64_t g = 0; g < x.cols() / group; ++g) {
      auto part = y.block(r, g * group, 1, group);
      const double rms = std::sqrt(part.squaredNorm() / group + eps);
      part = (part / rms).cwiseProduct(gamma);
    }
  return y;
}

Matrix rotated(const Matrix& x, const Matrix& cos, const Matrix& sin, int64_t d) {
  const int64_t half = d / 2;
  Matrix y = x;
  for (int64_t h = 0; h < x.cols() / d; ++h) {
    const Matrix x1 = x.block(0, h * d, x.rows(), half);
    const Matrix x2 = x.block(0, h * d + half, x.rows(), half);
    y.block(0, h * d, x.rows(), half) = x1.cwiseProduct(cos) - x2.cwiseProduct(sin);
    y.block(0, h * d + half, x.rows(), half) = x2.cwiseProduct(cos) + x1.cwiseProduct(sin);
  }
  return y;
}

// softmax(q k^T / sqrt(d) (+ causal mask)) v for one head: q [n, d], k and v [L, d]; with
// `causal`, query i sees keys 0..i.
Matrix attend(const Matrix& q, const Matrix& k, const Matrix& v, bool causal) {
  Matrix scores = q * k.transpose() / std::sqrt(static_cast<double>(q.cols()));
  for (int64_t i = 0; i < scores.rows(); ++i) {
    const int64_t seen = causal ? i + 1 : scores.cols();
    const double top = scores.row(i).head(seen).maxCoeff();
    double sum = 0;
    for (int64_t j = 0; j < scores.cols(); ++j) {
      scores(i, j) = j < seen ? std::exp(scores(i, j) - top) : 0.0;
      sum += scores(i, j);
    }
    scores.row(i) /= sum;
  }
  return scores * v;
}

// Grouped-query attention of B sequences: q rows [B * n, QH * D], k, v [B * L, KVH * D].
Matrix grouped_attention(const Matrix& q, const Matrix& k, const Matrix& v,
                         const Assignments& dims, bool causal) {
  const int64_t B = dims.at("B"), QH = dims.at("QH"), KVH = dims.at("KVH"), D = dims.at("D");
  const int64_t n = q.rows() / B, L = k.rows() / B, group = QH / KVH;
  Matrix out(q.rows(), q.cols());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < QH; ++h) {
      const int64_t g = h / group;
      out.block(b * n, h * D, n, D) =
          attend(q.block(b * n, h * D, n, D), k.block(b * L, g * D, L, D),
                 v.block(b * L, g * D, L, D), causal);
    }
  return out;
}

}  // namespace

std::vector<float> decoder_reference(KernelMath math, const Assignments& dims,
                                     const std::vector<const isa::HbmTensor*>& shapes,
                                     const std::vector<std::vector<float>>& inputs) {
  auto in = [&](size_t i) { return matrix(inputs.at(i), *shapes.at(i)); };
  Matrix out;
  switch (math) {
    case KernelMath::rmsnorm:
      out = rms_normalized(in(0), in(1), dims.at("GROUP"), kLibraryNormEps);
      if (dims.at("TRANSPOSED") != 0) out = Matrix(out.transpose());
      break;
    case KernelMath::elementwise_sum:
      out = in(0) + in(1);
      break;
    case KernelMath::x_times_w:
      out = in(0) * in(1);
      break;
    case KernelMath::rope: {
      const int64_t d = dims.at("D");
      const Matrix x = dims.at("QK_NORM") != 0 ? rms_normalized(in(0), in(3), d, kLibraryNormEps)
                                               : in(0);
      out = rotated(x, in(1), in(2), d);
      break;
    }
    case KernelMath::causal_attention:
      out = grouped_attention(in(0), in(1), in(2), dims, true);
      break;
    case KernelMath::decode_attention: {
      // q [B * QH, D] holds the rows [B, QH * D] of one token per sequence; out likewise.
      const Matrix q = in(0);
      const Matrix rows = Eigen::Map<const Matrix>(q.data(), dims.at("B"), q.size() / dims.at("B"));
      out = grouped_attention(rows, in(1), in(2), dims, false);
      break;
    }
    default:
      throw std::logic_error("decoder_reference: not a decoder operator");
  }
  std::vector<float> values(static_cast<size_t>(out.size()));
  for (int64_t i = 0; i < out.size(); ++i)
    values[static_cast<size_t>(i)] = static_cast<float>(out.data()[i]);
  return values;
}

}  // namespace trnsim::run

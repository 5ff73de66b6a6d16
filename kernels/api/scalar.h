// The operands of tensor_scalar and activation (kernels/api/backend.h): a number or a tile of
// per-partition scalars, and one ALU op with its operand.
#pragma once

#include <optional>

#include "kernels/api/tensor.h"

namespace trnsim {

// An operand of tensor_scalar and activation: a number, or a [P, 1] tile view holding one
// scalar per partition of the data, broadcast along its free axis (NKI's `operand0=` tile,
// `bias=` / `scale=` tiles).
struct Scalar {
  Scalar(float v = 0.0f) : value(v) {}  // NOLINT: a number is a Scalar
  Scalar(const View& t) : tile(t) {}    // NOLINT: so is a [P, 1] tile
  float value = 0.0f;
  std::optional<View> tile;
};

// One op of tensor_scalar: x (op) operand, or operand (op) x when `reverse`.
struct ScalarOp {
  AluOp op = AluOp::bypass;
  Scalar operand;
  bool reverse = false;
};

// offset + partition_step * p + free_step * f at element [p, f] of a tile view (f the flat free
// index): the nl.arange expression of nisa.iota and nisa.affine_select's predicate.
struct AffineIndex {
  int64_t offset = 0;
  int64_t partition_step = 0;
  int64_t free_step = 0;
};

}  // namespace trnsim

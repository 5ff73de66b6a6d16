// The arithmetic of one processing element of the systolic array, in one place for both Tensor
// Engine models, so that the transaction-level matmul (numerics.cpp) and the PE-level array
// (pe_array.cpp) round identically: the partial sum of output (m, n) enters PE row 0 empty,
// each row k adds stationary[k][m] x moving[k][n] in order k = 0, 1, ..., and PSUM adds the
// finished sum to what it holds when the matmul accumulates. The project compiles with
// -ffp-contract=off, so no compiler fuses a multiply and an add in one model and not the other.
#pragma once

namespace trnsim::model {

// The partial sum leaving a PE that holds `weight` and sees `moving`; `first` for row 0.
inline float pe_multiply_add(bool first, float partial, float weight, float moving) {
  const float product = weight * moving;
  return first ? product : partial + product;
}

// PSUM's accumulation of a finished column sum into its current value.
inline float psum_accumulate(float held, float sum) { return held + sum; }

}  // namespace trnsim::model

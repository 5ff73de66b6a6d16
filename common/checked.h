// Arithmetic on sizes, counts and offsets that come from user input (shapes, block parameters,
// program files), checked: an overflow is a UserError naming what was being computed, never a
// wrapped number that later divides by zero or sizes a huge allocation.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"

namespace trnsim {

// a x b; `what` names the product for the message, e.g. "tile 'acc' bytes".
inline int64_t checked_mul(int64_t a, int64_t b, const std::string& what) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    throw UserError(what + " overflows 64 bits: " + std::to_string(a) + " x " +
                    std::to_string(b));
  return r;
}

inline int64_t checked_add(int64_t a, int64_t b, const std::string& what) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    throw UserError(what + " overflows 64 bits: " + std::to_string(a) + " + " +
                    std::to_string(b));
  return r;
}

}  // namespace trnsim

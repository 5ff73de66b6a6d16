// The one exception type for a person to read: bad input, a bad shape, a tile that cannot fit.
// Every command prints `what()` as one line and exits non-zero. Broken invariants inside the
// simulator are asserts or std::logic_error, never this.
#pragma once

#include <stdexcept>

namespace trnsim {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace trnsim

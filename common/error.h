// The exception types for a person to read: bad input, a bad shape, a tile that cannot fit.
// Every command prints `what()` as one line and exits non-zero. Broken invariants inside the
// simulator are asserts or std::logic_error, never these.
#pragma once

#include <stdexcept>

namespace trnsim {

// A run that cannot go on (exit 1), unless it is the more specific InputError.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An input the user named that cannot be used as it is: a file that is not a regular file or
// cannot be read, malformed JSON or YAML, an unknown or ill-typed key. The command line asked
// for something that cannot be done, so commands exit 2 (bad usage) for it.
class InputError : public UserError {
 public:
  using UserError::UserError;
};

}  // namespace trnsim

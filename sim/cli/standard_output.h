// Writing to standard output as an output like any other: a write that was lost (a full disk,
// `> /dev/full`) is an error, not a silent exit 0.
#pragma once

#include <ostream>
#include <string>

namespace trnsim::cli {

// Flushes `out`; throws UserError "cannot write <what>: <reason>" if anything written to it
// was lost.
void flush_checked(std::ostream& out, const std::string& what);

// flush_checked(std::cout, "standard output"), and the same for what printf wrote to C's stdout.
void flush_standard_output();

}  // namespace trnsim::cli

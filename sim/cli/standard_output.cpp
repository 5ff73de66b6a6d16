#include "sim/cli/standard_output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "common/error.h"

namespace trnsim::cli {
namespace {

// `error` is the errno of the failed flush, or 0 when an earlier write had already failed
// (its reason is gone by now).
UserError cannot_write(const std::string& what, int error) {
  return UserError("cannot write " + what + ": " +
                   (error ? std::strerror(error) : "write failed"));
}

}  // namespace

void flush_checked(std::ostream& out, const std::string& what) {
  const bool written_so_far = static_cast<bool>(out);
  errno = 0;
  if (!out.flush()) throw cannot_write(what, written_so_far ? errno : 0);
}

void flush_standard_output() {
  flush_checked(std::cout, "standard output");
  const bool written_so_far = !std::ferror(stdout);
  errno = 0;
  if (std::fflush(stdout) != 0 || !written_so_far)
    throw cannot_write("standard output", written_so_far ? errno : 0);
}

}  // namespace trnsim::cli

// Runs the trnsim program as a user would, for the tests of what a user meets: its exit code,
// stdout and stderr, and the one-line error every failure must give.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/test_helpers.h"

namespace trnsim::testing {

struct Result {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Drops what a sanitizer runtime writes itself (lines "==PID==..." and their follow-ups), so
// that a sanitizer build judges only the program's own output. See tests/sanitizers/asan.supp.
inline std::string without_sanitizer_notes(const std::string& text) {
  std::string kept, line;
  std::istringstream in(text);
  while (std::getline(in, line))
    if (line.rfind("==", 0) != 0 && line.rfind("False positive error reports", 0) != 0 &&
        line.rfind("For details see https://github.com/google/sanitizers", 0) != 0)
      kept += line + "\n";
  return kept;
}

// Runs `env trnsim args` (env: "NAME=value" or "").
inline Result trnsim_with_env(const std::string& env, const std::string& args) {
  const std::string out = temp_path("stdout"), err = temp_path("stderr");
  const std::string command = (env.empty() ? "" : "env " + env + " ") +
                              std::string(TRNSIM_BINARY_DIR) + "/sim/trnsim " + args + " >" +
                              out + " 2>" + err;
  const int status = std::system(command.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = without_sanitizer_notes(read_text(err));
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

inline Result trnsim(const std::string& args) { return trnsim_with_env("", args); }

inline void expect_one_line_error(const Result& r, int code, const std::string& needle) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
}

inline std::string write(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

}  // namespace trnsim::testing

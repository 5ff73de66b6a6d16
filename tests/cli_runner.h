// Running the trnsim program from a test: its exit code, standard output and standard error
// (without what a sanitizer runtime writes itself).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_helpers.h"

namespace trnsim::testing {

struct CliResult {
  int exit_code = -1;  // -1: killed by a signal (a crash, or the timeout below)
  std::string out;     // stdout
  std::string err;     // stderr
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

// The result of a finished run: its wait status, and the files its stdout and stderr went to
// (removed).
inline CliResult collect_result(int status, const std::string& out, const std::string& err) {
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = without_sanitizer_notes(read_text(err));
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

// Runs trnsim with exactly these arguments (no shell, so an argument may hold a newline or
// any byte), killed by SIGALRM after `timeout_s` seconds: a hang fails the test, not the run.
inline CliResult run_trnsim(const std::vector<std::string>& args, unsigned timeout_s = 60) {
  const std::string out = temp_path("argv_stdout"), err = temp_path("argv_stderr");
  const std::string binary = std::string(TRNSIM_BINARY_DIR) + "/sim/trnsim";
  std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t child = fork();
  if (child == 0) {
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (out_fd < 0 || err_fd < 0 || null_fd < 0) _exit(127);
    dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    alarm(timeout_s);  // kept across exec; its default action ends the process
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return collect_result(status, out, err);
}

}  // namespace trnsim::testing

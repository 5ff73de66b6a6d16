// Runs the trnsim program as a user would, for the tests of what a user meets: its exit code,
// stdout and stderr, and the one-line error every failure must give.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_helpers.h"

namespace trnsim::testing {

struct Result {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  long max_rss_kib = -1;  // the run's peak resident memory (run_trnsim only)
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

inline std::string trnsim_binary() { return std::string(TRNSIM_BINARY_DIR) + "/sim/trnsim"; }

// The Result of a finished run from its wait status and the files its stdout and stderr went
// to (removed). A run killed by a signal (a crash, a timeout) has exit code -1.
inline Result collect_result(int status, const std::string& out, const std::string& err) {
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = without_sanitizer_notes(read_text(err));
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

// Runs `env trnsim args` (env: "NAME=value" or ""), its standard output kept in Result::out or,
// if `stdout_to` is given, sent there (e.g. /dev/full).
inline Result trnsim_with_env(const std::string& env, const std::string& args,
                              const std::string& stdout_to = "") {
  const std::string out = temp_path("stdout"), err = temp_path("stderr");
  const std::string command = (env.empty() ? "" : "env " + env + " ") + trnsim_binary() + " " +
                              args + " >" + (stdout_to.empty() ? out : stdout_to) + " 2>" + err;
  return collect_result(std::system(command.c_str()), out, err);
}

inline Result trnsim(const std::string& args) { return trnsim_with_env("", args); }

// Runs trnsim with exactly these arguments (no shell, so an argument may hold a newline or
// any byte), killed by SIGALRM after `timeout_s` seconds: a hang fails the test, not the run.
// Gives the run's peak resident memory too.
inline Result run_trnsim(const std::vector<std::string>& args, unsigned timeout_s = 60) {
  const std::string out = temp_path("argv_stdout"), err = temp_path("argv_stderr");
  const std::string binary = trnsim_binary();
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
  struct rusage usage {};
  wait4(child, &status, 0, &usage);
  Result r = collect_result(status, out, err);
  r.max_rss_kib = usage.ru_maxrss;  // Linux reports kibibytes
  return r;
}

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

// Weights for `trnsim compress`: a 256 x 256 fp32 matrix of ones, as .npy (NPY 1.0: magic,
// version, header length, dict padded to 64; the tensor is named by the file stem) or as
// safetensors (u64 header length, JSON header padded to 8, data; one tensor "w").
inline std::string ones_256x256_f32() {
  const std::vector<float> ones(256 * 256, 1.0f);
  return std::string(reinterpret_cast<const char*>(ones.data()), ones.size() * 4);
}

inline std::string write_npy_of_ones(const std::string& path) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (256, 256), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out << "\x93NUMPY" << '\x01' << '\x00';
  out.put(static_cast<char>(header.size() & 0xff)).put(static_cast<char>(header.size() >> 8));
  out << header << ones_256x256_f32();
  return path;
}

inline std::string write_safetensors_of_ones(const std::string& path) {
  std::string header = R"({"w":{"dtype":"F32","shape":[256,256],"data_offsets":[0,262144]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  out << header << ones_256x256_f32();
  return path;
}

}  // namespace trnsim::testing

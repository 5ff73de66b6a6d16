#include "sim/run/nki_run.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sim/backend/sim_backend.h"

namespace trnsim::run {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, which has python3-numpy

// The last non-empty line of the tracer's stderr, without its "trnsim_nki: " prefix.
std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return "";
  const size_t begin = text.rfind('\n', end);
  std::string line = text.substr(begin == std::string::npos ? 0 : begin + 1,
                                 end + 1 - (begin == std::string::npos ? 0 : begin + 1));
  const std::string prefix = "trnsim_nki: ";
  return line.rfind(prefix, 0) == 0 ? line.substr(prefix.size()) : line;
}

}  // namespace

PythonResult run_python_module(const std::vector<std::string>& args, const std::string& module) {
  int err[2];
  if (pipe(err) != 0) throw UserError(module + ": cannot create a pipe for " + kPython);
  const pid_t pid = fork();
  if (pid < 0) throw UserError(module + ": cannot start " + kPython);
  if (pid == 0) {
    dup2(err[1], STDERR_FILENO);
    close(err[0]);
    close(err[1]);
    setenv("PYTHONPATH", TRNSIM_PYTHON_DIR, 1);
    std::vector<const char*> argv = {kPython, "-m", module.c_str()};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    argv.push_back(nullptr);
    execv(kPython, const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  close(err[1]);
  std::string messages;
  char buffer[4096];
  for (ssize_t n; (n = read(err[0], buffer, sizeof buffer)) > 0;) messages.append(buffer, n);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  PythonResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (result.exit_code == 127 && messages.empty())
    throw UserError(module + ": cannot run " + std::string(kPython) + " (install python3-numpy)");
  result.message = last_line(messages);
  return result;
}

void trace_nki_file(const std::string& file_and_kernel, const std::string& trace_path,
                    const std::vector<std::string>& args, const std::string& grid) {
  std::vector<std::string> argv = {"trace", file_and_kernel, "-o", trace_path};
  for (const std::string& arg : args) {
    argv.push_back("--arg");
    argv.push_back(arg);
  }
  if (!grid.empty()) {
    argv.push_back("--grid");
    argv.push_back(grid);
  }
  const PythonResult r = run_python_module(argv);
  if (r.exit_code == 0) return;
  throw UserError(r.message.empty() ? "run-nki: tracing " + file_and_kernel + " failed"
                                    : r.message);
}

nki::TraceKernel trace_nki_kernel(const std::string& file_and_kernel,
                                  const std::vector<std::string>& args, const std::string& grid) {
  const std::string path = "/tmp/trnsim-" + std::to_string(getpid()) + ".jsonl";
  try {
    trace_nki_file(file_and_kernel, path, args, grid);
    nki::TraceKernel kernel = nki::TraceKernel::load(path);
    std::remove(path.c_str());
    return kernel;
  } catch (...) {
    std::remove(path.c_str());
    throw;
  }
}

isa::Program build_trace_program(const nki::TraceKernel& kernel, const HwConfig& hw,
                                 const Budget& budget, RunWatch* watch) {
  backend::SimBackend sim(hw, kernel.name(), budget, watch);
  kernel.replay(sim, hw.nki_engines);
  return sim.finish();
}

}  // namespace trnsim::run

#include "sim/run/nki_run.h"

#include <sys/wait.h>
#include <unistd.h>

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

void trace_nki_file(const std::string& file_and_kernel, const std::string& trace_path,
                    const std::vector<std::string>& args, const std::string& grid) {
  int err[2];
  if (pipe(err) != 0) throw UserError("run-nki: cannot create a pipe for the tracer");
  const pid_t pid = fork();
  if (pid < 0) throw UserError("run-nki: cannot start " + std::string(kPython));
  if (pid == 0) {
    dup2(err[1], STDERR_FILENO);
    close(err[0]);
    close(err[1]);
    setenv("PYTHONPATH", TRNSIM_PYTHON_DIR, 1);
    std::vector<const char*> argv = {kPython, "-m", "trnsim_nki", "trace",
                                     file_and_kernel.c_str(), "-o", trace_path.c_str()};
    for (const std::string& arg : args) {
      argv.push_back("--arg");
      argv.push_back(arg.c_str());
    }
    if (!grid.empty()) {
      argv.push_back("--grid");
      argv.push_back(grid.c_str());
    }
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
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && messages.empty())
    throw UserError("run-nki: cannot run " + std::string(kPython) + " (install python3-numpy)");
  const std::string line = last_line(messages);
  throw UserError(line.empty() ? "run-nki: tracing " + file_and_kernel + " failed" : line);
}

isa::Program build_trace_program(const nki::TraceKernel& kernel, const HwConfig& hw,
                                 const Budget& budget, RunWatch* watch) {
  backend::SimBackend sim(hw, kernel.name(), budget, watch);
  kernel.replay(sim);
  return sim.finish();
}

}  // namespace trnsim::run

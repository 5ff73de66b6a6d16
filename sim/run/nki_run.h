// Running an NKI kernel file on the simulator (issue 9, first slice): the Python tracer
// (python/trnsim_nki, on Debian's /usr/bin/python3) writes the kernel's backend-level calls as
// a trace, and the trace is replayed on the SimBackend into a program (kernels/nki/trace_kernel.h).
#pragma once

#include <string>
#include <vector>

#include "common/budget.h"
#include "common/run_watch.h"
#include "kernels/nki/trace_kernel.h"
#include "sim/config/hw_config.h"
#include "sim/isa/program.h"

namespace trnsim::run {

// Runs `/usr/bin/python3 -m MODULE ARGS...` with python/ on PYTHONPATH and returns its exit
// code and the last line of its stderr (without the "trnsim_nki: " prefix). Throws UserError
// if Python cannot be started.
struct PythonResult {
  int exit_code = 0;
  std::string message;
};
PythonResult run_python_module(const std::vector<std::string>& args,
                               const std::string& module = "trnsim_nki");

// Runs `python3 -m trnsim_nki trace FILE.py[:KERNEL] [--arg A ...] [--grid G] -o trace_path`;
// each of `args` is NAME=SHAPE:DTYPE (SHAPE of any rank) for one kernel parameter (none: the
// file's INPUT_SHAPES); `grid` (N, NxM, ...; empty: none) an SPMD launch grid. A failure is a
// UserError with the tracer's one-line message (kernel file and line, what).
void trace_nki_file(const std::string& file_and_kernel, const std::string& trace_path,
                    const std::vector<std::string>& args = {}, const std::string& grid = "");

// The same, into a temporary file that is loaded and removed (whether tracing or loading
// succeeds or not): the kernel's trace without a file left behind.
nki::TraceKernel trace_nki_kernel(const std::string& file_and_kernel,
                                  const std::vector<std::string>& args = {},
                                  const std::string& grid = "");

// The program of a traced kernel, built within `budget`; `watch` may be null.
isa::Program build_trace_program(const nki::TraceKernel& kernel, const HwConfig& hw,
                                 const Budget& budget = {}, RunWatch* watch = nullptr);

}  // namespace trnsim::run

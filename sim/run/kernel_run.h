// Running one kernel of the library end to end: build its program with the SimBackend,
// simulate it, and (with numerics) compare its output with the Eigen reference. The CLI,
// tests and benchmarks all go through here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/budget.h"
#include "common/run_watch.h"
#include "kernels/registry.h"
#include "sim/config/hw_config.h"
#include "sim/isa/program.h"
#include "sim/model/pe_frames.h"
#include "sim/model/run_result.h"

namespace trnsim::run {

struct KernelRunRequest {
  std::string kernel;
  HwConfig hw;
  Assignments shape;   // the user's values; defaults fill the rest
  Assignments params;  // likewise
  Dtype dtype = Dtype::bf16;
  bool numerics = false;
  uint64_t seed = 1;
  bool record_dma_packets = false;  // for a trace (SimulationOptions); not part of the run
  Budget budget;                    // what the run may use; not part of the run either
  model::PeFrameLog* pe_frames = nullptr;  // tensor.model=pe: receives every edge (may be null)
};

struct KernelRunOutput {
  isa::Program program;
  model::RunResult run;
  std::optional<double> max_abs_err;  // |simulated - reference|, numerics runs only
  std::vector<std::vector<float>> hbm;  // numerics runs: final contents of every HBM tensor
  double max_abs_reference = 0;       // largest |reference| value, to judge the error
};

// Refuses, before building anything, a kernel whose dry run (kernels/api/footprint.h) makes
// more instructions, or more program memory, than `budget` allows; then builds it within the
// budget. `watch` (may be null) keeps the time limit and draws progress.
isa::Program build_kernel_program(const KernelSpec& spec, const HwConfig& hw,
                                  const Assignments& shape, const Assignments& params,
                                  Dtype dtype, const Budget& budget = {},
                                  RunWatch* watch = nullptr);
KernelRunOutput run_kernel(const KernelRunRequest& request, RunWatch* watch = nullptr);

}  // namespace trnsim::run

// The block-size autotuner: every combination of a kernel's block parameters from a list of
// values (the space the NeuronMM authors searched: 1, 2, 4, 8, 16 tiles per block), in
// simulation. Combinations whose tiles do not fit SBUF or do not divide the shape are
// rejected when the kernel is built, before any simulation; the others are simulated unless
// their lower bound from the cost rules (sim/cost/lower_bound.h) shows they cannot make the
// ranking -- so the ranking is the same as simulating everything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/budget.h"
#include "kernels/registry.h"
#include "sim/config/hw_config.h"

namespace trnsim::run {

struct TuneRequest {
  std::string kernel;
  HwConfig hw;
  Assignments shape;
  Dtype dtype = Dtype::bf16;
  std::vector<int64_t> values = {1, 2, 4, 8, 16};
  std::string only;  // tune only parameters whose name starts with this; the rest keep defaults
  double time_limit_s = 55;
  size_t keep = 5;  // size of the ranking: the bound prunes against its slowest entry
  int workers = 2;  // processes searching in parallel (forked; one per core)
  Budget budget;    // per candidate; one over budget is rejected
};

struct TunedConfig {
  Assignments params;
  double sim_ms = 0;
};

struct TuneReport {
  std::vector<TunedConfig> ranked;  // the fastest `keep`, fastest first
  std::optional<double> default_ms;  // the kernel's default parameters, if they are valid
  int64_t candidates = 0;
  int64_t rejected = 0;  // the kernel refused them: SBUF budget, or blocks that do not divide
  int64_t pruned = 0;    // their lower bound was slower than every configuration kept
  int64_t evaluated = 0;  // simulated
  double wall_s = 0;
  bool stopped_early = false;  // the time limit ran out before every candidate was tried
};

TuneReport tune(const TuneRequest& request);

}  // namespace trnsim::run

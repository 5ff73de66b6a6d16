// A lower bound on a program's simulated time from the cost rules alone: no engine can finish
// before the sum of its instructions' busy times, and no schedule moves its HBM bytes faster
// than HBM's effective bandwidth. The autotuner skips a configuration whose bound is already
// slower than the ones it keeps, without simulating it.
#pragma once

#include "sim/config/hw_config.h"
#include "sim/isa/program.h"

namespace trnsim::cost {

double lower_bound_ns(const isa::Program& program, const HwConfig& cfg);

}  // namespace trnsim::cost

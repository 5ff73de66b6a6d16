// Cost rules of the compute engines: pure functions of (HwConfig, Instruction), following
// reference trainium.md §2 and §5. The model turns these cycle counts into time; the Tensor
// Engine's background stationary loading, which depends on the previous instruction, is
// applied by the model from the parts returned here.
#pragma once

#include "sim/config/hw_config.h"
#include "sim/cost/cycles.h"
#include "sim/isa/instruction.h"

namespace trnsim::cost {

// A matmul is LoadStationary + MultiplyMoving (A2). The model overlaps a LoadStationary with
// the previous MultiplyMoving ("background loading", A2) unless the stationary is reused.
struct MatmulCost {
  Cycles load_stationary;  // columns / fast_weight_load_factor (x fp32 factor)
  Cycles multiply_moving;  // max(N_moving, MM_INIT_LATENCY) (x fp32 factor)
  Cycles result_latency;   // after the last moving column: until the result is in PSUM
};
MatmulCost matmul_cost(const HwConfig& cfg, const isa::Instruction& in);

// Any other instruction: how long it occupies its engine, and how long after its start a
// dependent instruction may start (busy + SBUF/PSUM access start + static overhead).
struct EngineCost {
  Cycles busy;
  Cycles latency;
};
EngineCost engine_cost(const HwConfig& cfg, const isa::Instruction& in, Engine engine);

const LaneEngineConfig& lane_config(const HwConfig& cfg, Engine engine);
double clock_ghz(const HwConfig& cfg, Engine engine);

}  // namespace trnsim::cost

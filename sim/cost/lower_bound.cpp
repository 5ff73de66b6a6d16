#include "sim/cost/lower_bound.h"

#include <algorithm>

#include "sim/cost/engine_cost.h"

namespace trnsim::cost {

double lower_bound_ns(const isa::Program& program, const HwConfig& cfg) {
  double bound = 0;
  for (int s = 0; s < isa::kComputeStreams; ++s) {
    const Engine engine = static_cast<Engine>(s);
    double busy = 0;
    for (const isa::Instruction& in : program.streams[s]) {
      // A matmul occupies the array for its MultiplyMoving; its LoadStationary may overlap.
      const Cycles c = isa::opcode_info(in.op).cost == isa::CostRule::matmul
                           ? matmul_cost(cfg, in).multiply_moving
                           : engine_cost(cfg, in, engine).busy;
      busy += to_ns(c, clock_ghz(cfg, engine));
    }
    bound = std::max(bound, busy);
  }
  double hbm_bytes = 0;
  for (int s = isa::kComputeStreams; s < isa::kStreamCount; ++s)
    for (const isa::Instruction& in : program.streams[s])
      hbm_bytes += (in.src0.memory == Memory::hbm ? in.src0.total_bytes() : 0) +
                   (in.dst.memory == Memory::hbm ? in.dst.total_bytes() : 0);
  return std::max(bound, hbm_bytes / cfg.hbm.effective_bytes_per_ns());
}

}  // namespace trnsim::cost

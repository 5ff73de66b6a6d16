#include "sim/cost/engine_cost.h"

#include <cassert>
#include <cmath>

namespace trnsim::cost {
namespace {

using isa::AccessPattern;
using isa::Instruction;
using isa::CostRule;
using isa::Opcode;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A2: an innermost free stride above lane.max_fast_stride_bytes (16 B on NC-v2) halves the
// SBUF/PSUM interface bandwidth.
bool strided(const AccessPattern& ap, const LaneEngineConfig& lane) {
  return ap.valid() && ap.dims.back().stride * dtype_size(ap.dtype) > lane.max_fast_stride_bytes;
}

bool is_two_byte(const AccessPattern& ap) { return dtype_size(ap.dtype) == 2; }

// `per_element` x n cycles, rounded to the nearest cycle.
Cycles scaled(double per_element, int64_t n) {
  return Cycles(static_cast<int64_t>(std::llround(per_element * static_cast<double>(n))));
}

// Element cycles of a lane-engine instruction before the MIN_II floor: reference trainium.md
// §5.1 (ISA-OLD estimated instruction cost), N = free elements per partition. The 2N of two
// SBUF inputs and the 8N of a reciprocal are the engine's two_input_ and
// reciprocal_cycles_per_element.
Cycles lane_element_cycles(const Instruction& in, const LaneEngineConfig& lane) {
  const int64_t n = in.src0.valid() ? in.src0.free_elements() : in.dst.free_elements();
  switch (isa::opcode_info(in.op).cost) {
    case CostRule::lane_binary: {
      // One input in PSUM and the other in SBUF, or all-bf16 add/sub/mul with SBUF inputs,
      // stream at one element per cycle; otherwise two inputs cost 2N (two_input_...).
      const bool mixed = (in.src0.memory == Memory::psum) != (in.src1.memory == Memory::psum);
      const bool fast_bf16 = in.src0.dtype == Dtype::bf16 && in.src1.dtype == Dtype::bf16 &&
                             in.dst.dtype == Dtype::bf16 &&
                             (in.alu == AluOp::add || in.alu == AluOp::subtract ||
                              in.alu == AluOp::multiply);
      return mixed || fast_bf16 ? Cycles(n) : scaled(lane.two_input_cycles_per_element, n);
    }
    case CostRule::lane_fill:
      return Cycles(in.imm0 == 0.0f && is_two_byte(in.dst) ? ceil_div(n, 2) : n);
    case CostRule::lane_reduce:
      return Cycles(in.src0.dtype == Dtype::bf16 && in.dst.dtype == Dtype::bf16 &&
                            (in.alu == AluOp::add || in.alu == AluOp::max)
                        ? ceil_div(n, 2)
                        : n);
    case CostRule::lane_unary:
      return Cycles(n);
    case CostRule::lane_reciprocal:  // ISA-OLD reciprocal on VectorE: max(MIN_II, 8N)
      return scaled(lane.reciprocal_cycles_per_element, n);
    case CostRule::lane_scan:  // ISA-OLD tensor_tensor_scan (two SBUF inputs): max(MIN_II, 2N)
      return scaled(lane.two_input_cycles_per_element, n);
    case CostRule::lane_bn_aggr:  // ISA-OLD bn_aggr on VectorE: max(MIN_II, 13 * (N / 3))
      return Cycles(13 * (n / 3));
    case CostRule::lane_gpsimd_start:  // ISA-OLD iota, affine_select: 150 + N (start_cycles)
      return Cycles(n);
    case CostRule::dma:
    case CostRule::matmul:
    case CostRule::tensor_transpose:
      break;
  }
  assert(false && "not a lane-engine cost rule");
  return Cycles(n);
}

}  // namespace

const LaneEngineConfig& lane_config(const HwConfig& cfg, Engine engine) {
  switch (engine) {
    case Engine::vector: return cfg.vector;
    case Engine::scalar: return cfg.scalar;
    case Engine::gpsimd: return cfg.gpsimd;
    case Engine::tensor: break;
  }
  assert(false && "the Tensor Engine has no lane configuration");
  return cfg.vector;
}

double clock_ghz(const HwConfig& cfg, Engine engine) {
  return engine == Engine::tensor ? cfg.tensor.clock_ghz : lane_config(cfg, engine).clock_ghz;
}

MatmulCost matmul_cost(const HwConfig& cfg, const Instruction& in) {
  assert(isa::opcode_info(in.op).cost == CostRule::matmul);
  const auto& te = cfg.tensor;
  const int64_t factor = in.src0.dtype == Dtype::fp32 || in.src1.dtype == Dtype::fp32
                             ? te.fp32_cost_factor
                             : 1;
  const int64_t stationary_columns = in.src0.free_elements();
  const int64_t moving_columns = in.src1.free_elements();
  MatmulCost c;
  c.load_stationary =
      Cycles(ceil_div(stationary_columns, te.fast_weight_load_factor)) * factor;
  c.multiply_moving =
      Cycles(std::max<int64_t>(moving_columns, te.mm_init_latency_cycles)) * factor;
  c.result_latency = Cycles(te.result_latency_cycles);
  return c;
}

EngineCost engine_cost(const HwConfig& cfg, const Instruction& in, Engine engine) {
  if (engine == Engine::tensor) {
    assert(isa::opcode_info(in.op).cost == CostRule::tensor_transpose);
    // ISA-OLD: nc_transpose on TensorE costs max(P, min(64, F)) back to back; 64 is
    // tensor.transpose_free_cap_cycles.
    // An fp32 one costs tensor.fp32_transpose_cost_factor times that (it is a matmul against
    // the identity, and fp32 matmuls take several passes).
    const int64_t p = in.src0.partitions;
    const int64_t f = in.src0.free_elements();
    const int64_t factor =
        in.src0.dtype == Dtype::fp32 ? cfg.tensor.fp32_transpose_cost_factor : 1;
    const Cycles busy = Cycles(std::max<int64_t>(
                            p, std::min<int64_t>(cfg.tensor.transpose_free_cap_cycles, f))) *
                        factor;
    return {busy, busy + Cycles(cfg.tensor.result_latency_cycles)};
  }
  const LaneEngineConfig& lane = lane_config(cfg, engine);
  Cycles elements = lane_element_cycles(in, lane);
  if (strided(in.src0, lane) || strided(in.src1, lane) || strided(in.dst, lane))
    elements = elements * lane.strided_cost_factor;
  // The reduce, iota and affine_select rules of §5.1 have no MIN_II floor; the others do.
  const CostRule rule = isa::opcode_info(in.op).cost;
  const bool floored = rule != CostRule::lane_reduce && rule != CostRule::lane_gpsimd_start;
  const Cycles floor(floored ? lane.min_ii_cycles : 0);
  const Cycles busy = max(elements, floor) + Cycles(lane.start_cycles);
  return {busy, busy + Cycles(lane.access_start_cycles + lane.static_overhead_cycles)};
}

}  // namespace trnsim::cost

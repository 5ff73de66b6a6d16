// The opcodes of a NeuronCore program, and the one table that describes each: its name as
// neuron-profile prints it, the streams that may run it, the operands it reads, the memories
// they must be in, the rule its shapes obey and the cost rule that times it. Validation, the
// cost rules, the trace and the NKI stand-in read this table; nothing else lists opcodes.
//
// Adding an opcode: an enumerator here, its row in opcode.cpp (a build without the row does
// not compile), its cost rule kind (sim/cost/engine_cost.cpp), its arithmetic
// (sim/model/numerics.cpp), the backend call (kernels/api/backend.h, sim/backend, and its
// emission in kernels/nki/nki_backend.cpp). README "Adding an opcode" walks through it.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/types.h"

namespace trnsim::isa {

enum class Opcode : uint8_t {
  dma_copy,       // DMA queue: dst <- src (any memories; casts through fp32)
  dma_transpose,  // DMA queue: dst[p, f] <- src[f, p], 2-D only
  matmul,         // Tensor: dst(PSUM)[M,N] (+)= src0(stationary)[K,M]^T @ src1(moving)[K,N]
  transpose,      // Tensor: dst(PSUM)[F,P] <- src0[P,F] (matmul against identity)
  tensor_copy,    // Vector/Scalar/GpSimd: dst <- src0 (with cast)
  tensor_tensor,  // Vector/GpSimd: dst <- src0 (alu) src1
  tensor_scalar,  // Vector/Scalar/GpSimd: dst <- (src0 (alu) imm0)
  activation,     // Scalar: dst <- func(src0 * imm0 + imm1)
  memset,         // Vector/GpSimd: dst <- imm0
  reduce,         // Vector: dst[p, 0] <- reduce(alu) over the free axis of src0
  reciprocal,     // Vector: dst <- 1 / src0 (nisa.reciprocal)
  tensor_tensor_scan,  // Vector: dst[:, i] <- (src0[:, i] (alu) dst[:, i-1]) (alu1) src1[:, i]
  iota,           // GpSimd: dst[p, f] <- affine(p, f)
  affine_select,  // GpSimd: dst[p, f] <- affine(p, f) (alu) 0 ? src0[p, f] : imm0
  bn_stats,       // Vector: dst[p, 0:6] <- count, mean, M2 of the even, then odd, src0[p, :]
  bn_aggr,        // Vector: dst[p, 0:2] <- mean, variance of src0[p, :]'s (count, mean, M2)s
#ifdef TRNSIM_COMPILE_TEST_THROWAWAY_OPCODE
  throwaway,  // tests/compile_fail: an opcode without a table row must not build
#endif
  count  // not an opcode: the number of opcodes
};
constexpr size_t kOpcodeCount = static_cast<size_t>(Opcode::count);
// BN_STATS reads at most this many elements per partition ("due to hardware limitation",
// nki.isa.bn_stats; NKI's nl.tile_size.bn_stats_fmax).
constexpr int64_t kBnStatsFmax = 512;

// Where an operand must live; `on_chip` is SBUF or PSUM.
enum class Placement : uint8_t { any, on_chip, sbuf, psum };

// How the operand shapes of an instruction relate ([P, F] = partitions x free elements).
enum class ShapeRule : uint8_t {
  same_elements,  // dst and src0 hold as many elements, in any shape (DMA)
  transposed,     // dst is [F, P] of src0 [P, F]
  matmul,         // dst [M, N] of src0 [K, M] and src1 [K, N]
  elementwise,    // dst and every source are [P, F]
  reduce_free,    // dst is [P, 1] of src0 [P, F]
  bn_stats,       // dst is [P, 6] of src0 [P, F], F <= 512 (nl.tile_size.bn_stats_fmax)
  bn_aggr,        // dst is [P, 2] of src0 [P, 3k]: k (count, mean, M2) triples
  dst_only,       // no source
};

// Which cost rule times it (sim/cost): the DMA split, the Tensor Engine's matmul or
// transpose, or one of the lane-engine element counts of reference trainium.md §5.1.
enum class CostRule : uint8_t {
  dma,               // per-engine shares: descriptors and bytes (dma_cost.h)
  matmul,            // LoadStationary + MultiplyMoving
  tensor_transpose,  // max(P, min(cap, F)) on the Tensor Engine
  lane_unary,        // N cycles
  lane_binary,       // N if one input is in PSUM or all-bf16 add/sub/mul, else two_input_ x N
  lane_fill,         // N, or N/2 for a zero fill of a 2-byte dtype
  lane_reduce,       // N, or N/2 for a bf16 add/max; no MIN_II floor
  lane_reciprocal,   // reciprocal_cycles_per_element x N (nisa.reciprocal, VectorE)
  lane_scan,         // two_input_cycles_per_element x N (tensor_tensor_scan)
  lane_gpsimd_start, // N after the engine's start cost, no MIN_II floor (iota, affine_select)
  lane_bn_aggr,      // 13 * (N / 3) (bn_aggr: 13 cycles per (count, mean, M2) triple)
};

// Streams an opcode may run on: one bit per compute engine, and one for the DMA queues.
constexpr unsigned on_engine(Engine e) { return 1u << static_cast<unsigned>(e); }
constexpr unsigned kOnDmaQueues = 1u << 8;

struct OpcodeInfo {
  Opcode op;
  const char* name;  // neuron-profile style: "MATMUL", "TENSOR_TENSOR", ...
  unsigned streams;  // on_engine() bits, or kOnDmaQueues
  bool reads_src0;
  bool reads_src1;
  bool may_accumulate;  // the `accumulate` flag is allowed: dst is read, then written
  bool scalar_tiles;    // src2, and src1 if not read as a full tile, may be [P, 1] scalar tiles
  Placement dst;        // where dst must be (compute engines never reach HBM in any case)
  Placement src;        // where the sources must be
  ShapeRule shape;
  CostRule cost;
  const char* meaning;  // one line for `trnsim list --opcodes`
};

const std::array<OpcodeInfo, kOpcodeCount>& opcode_table();
const OpcodeInfo& opcode_info(Opcode op);
const char* opcode_name(Opcode op);
Opcode parse_opcode(const std::string& name);  // throws UserError listing the names
const char* placement_name(Placement p);
bool placement_allows(Placement p, Memory m);
std::string stream_set_name(unsigned streams);  // "Vector, GpSimd" or "DMA queues"

// The table for a person: one line per opcode with its streams, operands and meaning.
std::string describe_opcodes();

}  // namespace trnsim::isa

#include "sim/isa/opcode.h"

#include <vector>

#include "common/did_you_mean.h"

namespace trnsim::isa {
namespace {

constexpr unsigned kVector = on_engine(Engine::vector), kScalar = on_engine(Engine::scalar),
                   kGpSimd = on_engine(Engine::gpsimd), kTensor = on_engine(Engine::tensor);
using P = Placement;
using S = ShapeRule;
using C = CostRule;

// clang-format off
// Each row: op, name, streams, reads src0, reads src1, may accumulate, scalar tiles;
//           dst placement, source placement, shape rule, cost rule; meaning.
constexpr std::array<OpcodeInfo, kOpcodeCount> kTable = {{
  {Opcode::dma_copy,       "DMA_COPY",      kOnDmaQueues,                true,  false, false, false,
   P::any,     P::any,     S::same_elements, C::dma,
   "dst <- src0; any memories, casting through fp32"},
  {Opcode::dma_transpose,  "DMA_TRANSPOSE", kOnDmaQueues,                true,  false, false, false,
   P::any,     P::any,     S::transposed,    C::dma,
   "dst[p, f] <- src0[f, p], 2-D"},
  {Opcode::matmul,         "MATMUL",        kTensor,                     true,  true,  true, false,
   P::psum,    P::sbuf,    S::matmul,        C::matmul,
   "dst[M, N] (+)= src0[K, M]^T @ src1[K, N]; src0 stationary, src1 moving"},
  {Opcode::transpose,      "TRANSPOSE",     kTensor,                     true,  false, false, false,
   P::psum,    P::sbuf,    S::transposed,    C::tensor_transpose,
   "dst[F, P] <- src0[P, F] through the array (a matmul against identity)"},
  {Opcode::tensor_copy,    "TENSOR_COPY",   kVector | kScalar | kGpSimd, true,  false, false, false,
   P::on_chip, P::on_chip, S::elementwise,   C::lane_unary,
   "dst <- src0, with a cast"},
  {Opcode::tensor_tensor,  "TENSOR_TENSOR", kVector | kGpSimd,           true,  true,  false, false,
   P::on_chip, P::on_chip, S::elementwise,   C::lane_binary,
   "dst <- src0 (alu) src1"},
  {Opcode::tensor_scalar,  "TENSOR_SCALAR", kVector | kScalar | kGpSimd, true,  false, false, true,
   P::on_chip, P::on_chip, S::elementwise,   C::lane_unary,
   "dst <- (src0 (alu) imm0/src1) (alu1) imm1/src2; src1, src2: [P, 1] tiles"},
  {Opcode::activation,     "ACTIVATE",      kScalar,                     true,  false, false, true,
   P::on_chip, P::on_chip, S::elementwise,   C::lane_unary,
   "dst <- func(src0 * (imm0 or src1) + (imm1 or src2)); src1, src2: [P, 1] tiles"},
  {Opcode::memset,         "MEMSET",        kVector | kGpSimd,           false, false, false, false,
   P::on_chip, P::any,     S::dst_only,      C::lane_fill,
   "dst <- imm0"},
  {Opcode::reduce,         "TENSOR_REDUCE", kVector,                     true,  false, false, false,
   P::on_chip, P::on_chip, S::reduce_free,   C::lane_reduce,
   "dst[p, 0] <- reduce(alu) of src0[p, :]"},
  {Opcode::reciprocal,     "RECIPROCAL",    kVector,                     true,  false, false, false,
   P::on_chip, P::on_chip, S::elementwise,   C::lane_reciprocal,
   "dst <- 1 / src0"},
  {Opcode::tensor_tensor_scan, "TENSOR_TENSOR_SCAN", kVector,             true,  true,  false, true,
   P::on_chip, P::on_chip, S::elementwise,   C::lane_scan,
   "dst[:, i] <- (src0[:, i] (alu) dst[:, i-1]) (alu1) src1[:, i]; dst[:, -1] = imm0 or src2"},
  {Opcode::iota,           "IOTA",          kGpSimd,                     false, false, false, false,
   P::on_chip, P::any,     S::dst_only,      C::lane_gpsimd_start,
   "dst[p, f] <- affine.offset + affine.partition_step * p + affine.free_step * f"},
  {Opcode::affine_select,  "AFFINE_SELECT", kGpSimd,                     true,  false, false, false,
   P::on_chip, P::on_chip, S::elementwise,   C::lane_gpsimd_start,
   "dst[p, f] <- (affine(p, f) (alu) 0) ? src0[p, f] : imm0"},
  {Opcode::bn_stats,       "BN_STATS",      kVector,                     true,  false, false, false,
   P::on_chip, P::on_chip, S::bn_stats,      C::lane_unary,
   "dst[p, :6] <- (count, mean, variance * count) of src0[p, even f], then of src0[p, odd f]"},
  {Opcode::bn_aggr,        "BN_AGGR",       kVector,                     true,  false, false, false,
   P::on_chip, P::on_chip, S::bn_aggr,       C::lane_bn_aggr,
   "dst[p, :2] <- (mean, variance) aggregated from src0[p, :]'s (count, mean, M2) triples"},
}};
// clang-format on

constexpr bool every_row_in_order() {
  for (size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<size_t>(kTable[i].op) != i || kTable[i].name == nullptr) return false;
  return true;
}
static_assert(every_row_in_order(), "every opcode needs a row in kTable, in enum order");

constexpr std::array<const char*, 4> kPlacementNames = {"any memory", "sbuf or psum", "sbuf",
                                                        "psum"};

}  // namespace

const std::array<OpcodeInfo, kOpcodeCount>& opcode_table() { return kTable; }

const OpcodeInfo& opcode_info(Opcode op) { return kTable[static_cast<size_t>(op)]; }

const char* opcode_name(Opcode op) {
  return static_cast<size_t>(op) < kOpcodeCount ? kTable[static_cast<size_t>(op)].name : "?";
}

Opcode parse_opcode(const std::string& name) {
  std::vector<std::string> names;
  for (const OpcodeInfo& row : kTable) {
    if (name == row.name) return row.op;
    names.push_back(row.name);
  }
  throw UserError(unknown_name("opcode", name, names));
}

const char* placement_name(Placement p) { return kPlacementNames[static_cast<size_t>(p)]; }

bool placement_allows(Placement p, Memory m) {
  switch (p) {
    case Placement::any:
      return true;
    case Placement::on_chip:
      return m != Memory::hbm;
    case Placement::sbuf:
      return m == Memory::sbuf;
    case Placement::psum:
      return m == Memory::psum;
  }
  return false;
}

std::string stream_set_name(unsigned streams) {
  if (streams & kOnDmaQueues) return "DMA queues";
  std::string names;
  for (Engine e : {Engine::tensor, Engine::vector, Engine::scalar, Engine::gpsimd})
    if (streams & on_engine(e)) names += (names.empty() ? "" : ", ") + std::string(engine_name(e));
  return names;
}

std::string describe_opcodes() {
  std::string out;
  for (const OpcodeInfo& row : kTable) {
    std::string reads = row.reads_src0 ? (row.reads_src1 ? "src0, src1" : "src0") : "-";
    if (row.may_accumulate) reads += " (+dst when accumulating)";
    if (row.scalar_tiles)
      reads += row.reads_src1 ? " (+src2: a [P, 1] tile)" : " (+src1, src2: [P, 1] tiles)";
    out += "  " + std::string(row.name) + "  on " + stream_set_name(row.streams) + "; reads " +
           reads + "; dst on " + placement_name(row.dst) + "\n      " + row.meaning + "\n";
  }
  return out;
}

}  // namespace trnsim::isa

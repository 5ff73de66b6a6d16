#include "sim/cost/dma_cost.h"

#include <algorithm>
#include <cassert>

#include "common/checked.h"

namespace trnsim::cost {

using isa::AccessPattern;
using isa::Opcode;

namespace {

// The side whose partitions decide the engines: the on-chip side if there is one.
const AccessPattern& partitioned_side(const isa::Instruction& in) {
  return in.dst.memory != Memory::hbm ? in.dst : in.src0;
}

}  // namespace

void split_dma(const HwConfig& cfg, const isa::Instruction& in, std::vector<DmaShare>& shares) {
  assert(in.op == Opcode::dma_copy || in.op == Opcode::dma_transpose);
  const AccessPattern& side = partitioned_side(in);
  const int per_engine = cfg.dma.partitions_per_engine;
  const int64_t first = side.memory == Memory::hbm ? 0 : side.start_partition;
  const int64_t rows = side.partitions;
  // A descriptor moves one contiguous buffer on both sides (for a transpose: the rows of the
  // destination; its lower rate is dma.transpose_efficiency, applied in dma_engine_ns).
  const int64_t buffer_bytes =
      in.op == Opcode::dma_transpose
          ? in.dst.contiguous_bytes()
          : std::min(in.src0.contiguous_bytes(), in.dst.contiguous_bytes());
  const int64_t row_bytes = side.free_bytes();
  const int64_t row_descriptors = (row_bytes + buffer_bytes - 1) / buffer_bytes;
  // The program loader bounds each operand's bytes, so these products of a share's rows cannot
  // overflow; checked all the same, since a wrapped count would be a silently wrong time.
  const auto share_bytes = [&](int64_t n) { return checked_mul(n, row_bytes, "DMA share bytes"); };
  const int64_t row_elements = side.free_elements();
  const auto share_descriptors = [&](int64_t n) {
    return checked_mul(n, row_descriptors, "DMA share descriptors");
  };
  const bool hbm_read = in.src0.memory == Memory::hbm;
  const bool hbm_write = in.dst.memory == Memory::hbm;

  shares.clear();
  // Partition group g (partitions [g, g + 1) x per_engine) goes to engine g % engines. Walked
  // group by group, without a division per group (this runs for every simulated transfer).
  const int engines = cfg.dma.engines;
  int64_t group = first / per_engine;
  int engine = static_cast<int>(group % engines);
  for (int64_t p = first; p < first + rows; ++group) {
    const int64_t group_end = std::min(first + rows, (group + 1) * per_engine);
    const int64_t n = group_end - p;
    if (!shares.empty() && shares.back().engine == engine) {
      shares.back().rows += n;
      shares.back().bytes += share_bytes(n);
      shares.back().elements += n * row_elements;
      shares.back().descriptors += share_descriptors(n);
    } else {
      shares.push_back({engine, p - first, n, share_bytes(n), n * row_elements,
                        share_descriptors(n), hbm_read, hbm_write,
                        in.op == Opcode::dma_transpose});
    }
    p = group_end;
    engine = engine + 1 == engines ? 0 : engine + 1;
  }
}

double dma_engine_ns(const HwConfig& cfg, const DmaShare& share) {
  const double bytes = static_cast<double>(share.bytes);
  const double stream_ns = std::max(
      {bytes / cfg.dma.engine_bytes_per_ns,
       static_cast<double>(share.elements) / cfg.dma.engine_elements_per_ns,
       share.hbm_write ? bytes / cfg.dma.engine_hbm_write_bytes_per_ns : 0.0});
  const double copy_ns = share.descriptors * cfg.dma.descriptor_overhead_ns + stream_ns;
  return share.transpose ? copy_ns / cfg.dma.transpose_efficiency : copy_ns;
}

}  // namespace trnsim::cost

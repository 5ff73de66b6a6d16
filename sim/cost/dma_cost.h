// How a DMA transfer is split over the DMA engines and what each share costs the engine
// (reference trainium.md §4). HBM bandwidth, shared by all engines, is applied by the model.
#pragma once

#include <vector>

#include "sim/config/hw_config.h"
#include "sim/isa/instruction.h"

namespace trnsim::cost {

// One engine's share: the partitions it serves (8 per engine on trn1/trn2), as descriptors,
// one per contiguous buffer. Rows [first_row, first_row + rows) of the partitioned side (the
// on-chip side if there is one), counted from the transfer's first row, locate the share's
// bytes in HBM (sim/model/hbm_bursts.h).
struct DmaShare {
  int engine = 0;
  int64_t first_row = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t elements = 0;  // of the partitioned side (a cast moves as many as it reads)
  int64_t descriptors = 0;
  bool hbm_read = false;   // the source is HBM
  bool hbm_write = false;  // the destination is HBM
  bool transpose = false;  // a DMA transpose: dma.transpose_efficiency of a copy's rate
};

// The shares of a DMA transfer, one per run of consecutive partition groups on one engine,
// into `shares` (cleared first; a DMA queue reuses one vector for all its transfers).
void split_dma(const HwConfig& cfg, const isa::Instruction& in, std::vector<DmaShare>& shares);
inline std::vector<DmaShare> split_dma(const HwConfig& cfg, const isa::Instruction& in) {
  std::vector<DmaShare> shares;
  split_dma(cfg, in, shares);
  return shares;
}

// Time the engine spends on its share: descriptors x overhead + the longest of bytes at
// dma.engine_bytes_per_ns, elements at dma.engine_elements_per_ns and, for a share writing HBM,
// bytes at dma.engine_hbm_write_bytes_per_ns; divided by dma.transpose_efficiency for a transpose.
double dma_engine_ns(const HwConfig& cfg, const DmaShare& share);

}  // namespace trnsim::cost

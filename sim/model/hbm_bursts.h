// The HBM bytes of one DMA share, as bursts: each contiguous run of an HBM access pattern's rows,
// cut at every multiple of hbm.burst_bytes. Work is per run and per burst, never per byte.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#include "sim/cost/dma_cost.h"
#include "sim/model/hbm_address_map.h"

namespace trnsim::model {

// The rows of the HBM side `hbm` that belong to `share`, whose rows count the transfer's
// partitioned side of `partitioned_rows` rows. Equal row counts map one to one; otherwise (a
// DMA transpose) the share takes its proportional slice of the HBM rows.
inline std::pair<int64_t, int64_t> hbm_rows_of(const cost::DmaShare& share,
                                               int64_t partitioned_rows,
                                               const isa::AccessPattern& hbm) {
  if (hbm.partitions == partitioned_rows)
    return {share.first_row, share.first_row + share.rows};
  return {share.first_row * hbm.partitions / partitioned_rows,
          (share.first_row + share.rows) * hbm.partitions / partitioned_rows};
}

// Calls emit(address, bytes) for every burst of rows [row_begin, row_end) of `hbm`, in row
// order and, within a row, in the order of its free pattern.
template <class Emit>
void for_each_hbm_burst(const HbmAddressMap& map, const isa::AccessPattern& hbm,
                        int64_t row_begin, int64_t row_end, uint64_t burst_bytes, Emit&& emit) {
  const int64_t element = dtype_size(hbm.dtype);
  // The innermost dims that form one contiguous run (as AccessPattern::contiguous_bytes), and
  // the outer dims [0, outer) that step from run to run.
  size_t outer = hbm.dims.size();
  int64_t run = 1;  // elements
  while (outer > 0) {
    const isa::FreeDim& d = hbm.dims[outer - 1];
    if (d.count != 1 && d.stride != run) break;
    if (d.count != 1) run *= d.count;
    --outer;
  }
  const uint64_t run_bytes = static_cast<uint64_t>(run * element);
  int64_t index[isa::kMaxFreeDims] = {};
  for (int64_t row = row_begin; row < row_end; ++row) {
    const uint64_t row_address = map.row_address(hbm, row);
    std::fill(index, index + isa::kMaxFreeDims, 0);
    for (;;) {
      int64_t offset = 0;  // elements
      for (size_t i = 0; i < outer; ++i) offset += index[i] * hbm.dims[i].stride;
      uint64_t address = row_address + static_cast<uint64_t>(offset * element);
      for (uint64_t left = run_bytes; left > 0;) {
        const uint64_t n = std::min(left, burst_bytes - address % burst_bytes);
        emit(address, n);
        address += n;
        left -= n;
      }
      size_t i = outer;  // advance the odometer of the outer dims, innermost first
      while (i > 0 && ++index[i - 1] == hbm.dims[i - 1].count) index[--i] = 0;
      if (i == 0) break;
    }
  }
}

}  // namespace trnsim::model

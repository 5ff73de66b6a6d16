// Where an instruction reads or writes: a memory, a partition range, and up to four free
// dimensions given as [stride, count] pairs in elements (reference trainium.md §3: "up to 4-D F
// access pattern ... all active partitions use the same F pattern").
//
// HBM has no partitions: there the partition axis is the outer axis of the transfer, one
// contiguous-or-strided row per partition, `partition_stride` elements apart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/types.h"
#include "sim/isa/free_dims.h"

namespace trnsim::isa {

struct AccessPattern {
  Memory memory = Memory::sbuf;
  int32_t tensor = -1;           // HBM: index into Program::tensors; -1 on chip
  Dtype dtype = Dtype::bf16;
  int64_t start_partition = 0;   // SBUF/PSUM only
  int64_t partitions = 0;        // partitions (on chip) or rows (HBM)
  int64_t partition_stride = 0;  // HBM: elements from one row to the next; 0 on chip
  int64_t offset_bytes = 0;      // SBUF/PSUM: byte address within a partition; HBM: within tensor
  FreeDims dims;                 // innermost last; at most 4

  bool valid() const { return partitions > 0 && !dims.empty(); }
  int64_t free_elements() const {  // product of the free counts; 0 when there are no dims
    if (dims.empty()) return 0;
    int64_t n = 1;
    for (const FreeDim& d : dims) n *= d.count;
    return n;
  }
  int64_t free_bytes() const { return free_elements() * dtype_size(dtype); }
  int64_t total_bytes() const { return partitions * free_bytes(); }
  // Bytes of the innermost contiguous run, i.e. the size of one DMA buffer (descriptor). Walks
  // the dims from the innermost while each stride equals the run so far (dims of count 1 do not
  // break a run); never crosses a partition or HBM row. At least one element.
  int64_t contiguous_bytes() const;
  // Smallest [begin, end) byte range within a partition (or, on HBM, within a row) touched by
  // the free pattern starting at offset_bytes; strides may be negative, so begin may lie below
  // offset_bytes. Used by hazard tracking. Empty ([offset, offset)) when there are no dims.
  int64_t span_begin_bytes() const;
  int64_t span_end_bytes() const;
};

// The same on-chip bytes in the same layout: what the Tensor Engine compares to skip reloading
// the stationary weights (ignores tensor and partition_stride, which on-chip patterns lack).
bool same_operand(const AccessPattern& a, const AccessPattern& b);

// A compact rendering in the spirit of neuron-profile's operand syntax, dims as [stride,count]:
// "sbuf[0:128]@0x400 bf16 [1,512]", "hbm:W[rows 128 stride 8192]@0x0 bf16 [1,512]". The first
// form names an HBM tensor by index ("hbm:#2[...]"); the second takes its name.
std::string describe(const AccessPattern& ap);
std::string describe(const AccessPattern& ap, const std::string& hbm_tensor_name);

}  // namespace trnsim::isa

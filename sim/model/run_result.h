// What one simulation produced: a timed record of every instruction and DMA packet. The model
// fills it; sim/trace turns it into the summary, the Perfetto trace and the CSV.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sim/isa/stream.h"
#include "sim/model/interval_union.h"

namespace trnsim::model {

struct InstructionEvent {
  isa::Stream stream{};
  uint32_t index = 0;        // position in its stream
  double ready_ns = 0;       // reached the head of its stream (previous one issued)
  double waited_ns = 0;      // its semaphore waits were all satisfied (>= ready_ns)
  double start_ns = 0;       // semaphores satisfied and resources granted; starts executing
  double end_ns = 0;         // engine (or queue) free for the next instruction
  double complete_ns = 0;    // result visible to dependants; the stream's semaphore increments
};

// One engine's share of a DMA transfer: the descriptors (contiguous buffers) of the partitions
// this engine serves (reference trainium.md §4: 8 partitions per engine).
struct DmaPacketEvent {
  int engine = 0;
  int queue = 0;
  uint32_t transfer = 0;  // index of the dma instruction in its queue
  int64_t bytes = 0;
  int64_t descriptors = 0;
  double start_ns = 0;
  double end_ns = 0;
};

struct RunResult {
  double sim_time_ns = 0;  // completion of the last instruction
  std::vector<InstructionEvent> instructions;  // in completion order per stream
  // In order of start; only with SimulationOptions::record_dma_packets (a trace shows them).
  std::vector<DmaPacketEvent> dma_packets;
  IntervalUnion dma_busy;       // of every packet's [start, end]: some DMA engine was busy
  int64_t dma_descriptors = 0;  // of every packet
  // Per compute engine: sum of (end - start). DMA activity is read from the packets.
  std::array<double, isa::kComputeStreams> busy_ns{};
  double wall_seconds = 0;
};

}  // namespace trnsim::model

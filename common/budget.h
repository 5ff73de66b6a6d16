// What one run may use (README "Bad input"). Each limit is checked before the run where the need
// can be computed (instructions from a dry run of the kernel, DMA packets from the program) and
// again while it runs; exceeding one is a UserError naming the limit, its flag and the amount
// the run would need, never minutes of silence or a machine out of memory.
#pragma once

#include <cstdint>

namespace trnsim {

struct Budget {
  int64_t max_instructions = 10'000'000;        // --max-instructions
  int64_t max_dma_packets = 20'000'000;         // --max-dma-packets: engine shares simulated
                                                // (about 0.1 us of wall time each)
  int64_t max_memory_bytes = int64_t{4} << 30;  // --max-memory-gib: the program's instructions,
                                                // the shares of its largest DMA transfer and,
                                                // with a trace, its DMA packets
  double max_seconds = 600;                     // --max-seconds: wall time of building and
                                                // simulating one run; 0: no limit
};

}  // namespace trnsim

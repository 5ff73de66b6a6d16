// Which DMA queue a transfer goes to. The Neuron compiler gives each data stream a queue of its
// own (profiles show qSyncIO0, qSyncSpillReload0, ...). Here each (HBM tensor, direction)
// stream gets one queue, in order of first use, wrapping around the machine's
// dma.queues_per_engine; all spills share one queue and all reloads another. A queue is in
// order, so a stream's transfers complete first in, first out, and a store waiting for compute
// never holds up the loads of another stream. (Spreading one stream over several queues makes
// the engines serve its transfers round-robin, so consecutive loads finish together in bursts
// instead of one after the other.)
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "sim/isa/stream.h"

namespace trnsim::backend {

class DmaQueuePolicy {
 public:
  explicit DmaQueuePolicy(int queues) : queues_(queues) {}

  // `hbm_tensor` is the HBM side of the transfer (-1 for on-chip copies); `store` whether HBM
  // is written; `spill` whether that tensor is a spill slot.
  isa::Stream queue_for(int32_t hbm_tensor, bool store, bool spill);

 private:
  int queues_;
  std::map<std::pair<int32_t, bool>, int> assigned_;  // (tensor or -1, store) -> queue id
};

}  // namespace trnsim::backend

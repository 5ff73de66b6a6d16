#include "sim/backend/dma_queue_policy.h"

namespace trnsim::backend {

isa::Stream DmaQueuePolicy::queue_for(int32_t hbm_tensor, bool store, bool spill) {
  const int32_t stream = spill ? -1 : hbm_tensor;
  const auto [it, added] =
      assigned_.try_emplace({stream, store}, static_cast<int>(assigned_.size()) % queues_);
  return isa::dma_queue_stream(it->second);
}

}  // namespace trnsim::backend

// The DMA subsystem of one NeuronCore (reference trainium.md §4). A DmaQueue is an in-order
// stream of transfers: it waits for a transfer's semaphores, splits it into per-engine shares
// and hands them to the DMA engines, which become able to start them after the setup latency.
// Each DmaEngine serves one share at a time, round-robin across queues, in order within a
// queue, and reaches HBM over a TLM socket, one payload per burst (sim/model/hbm.h). A transfer
// completes when all its shares are done; completions are published in queue order.
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

#include "sim/cost/dma_cost.h"
#include "sim/model/core_context.h"
#include "sim/model/hbm.h"
#include "sim/model/hbm_address_map.h"

namespace trnsim::model {

class DmaQueue;

struct DmaTransfer {
  DmaQueue* queue = nullptr;
  const isa::Instruction* instruction = nullptr;
  uint32_t index = 0;  // in the queue's stream
  int shares_left = 0;
};

struct DmaWork {
  DmaTransfer* transfer = nullptr;
  int queue = 0;
  cost::DmaShare share;
  sc_core::sc_time eligible;  // issue + setup latency
};

class DmaEngine : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DmaEngine);
  tlm_utils::simple_initiator_socket<DmaEngine> socket;

  DmaEngine(const sc_core::sc_module_name& name, int id, CoreContext& ctx,
            const HbmAddressMap& hbm_map);
  ~DmaEngine() override;
  void enqueue(const DmaWork& work);

 private:
  void run();
  std::optional<DmaWork> take_eligible(sc_core::sc_time now);
  std::optional<sc_core::sc_time> earliest_eligible() const;
  sc_core::sc_time hbm_delay(const DmaWork& work);
  // Sends the bursts of `share`'s rows of `hbm`, all arriving `arrival` after now; returns when
  // the last one completes, after now (`arrival` if there are none).
  sc_core::sc_time transport(tlm::tlm_command command, const isa::AccessPattern& hbm,
                             int64_t partitioned_rows, const cost::DmaShare& share,
                             sc_core::sc_time arrival);

  const int id_;
  CoreContext& ctx_;
  const HbmAddressMap& hbm_map_;
  const uint64_t burst_bytes_;
  tlm::tlm_generic_payload payload_;  // reused for every burst
  DmaBurstExtension burst_;
  std::vector<unsigned char> scratch_;  // the payload's data pointer (contents are not modelled)
  std::array<std::deque<DmaWork>, isa::kDmaQueues> queues_;
  int next_queue_ = 0;
  uint32_t busy_queues_ = 0;  // bit q: queues_[q] is not empty (the scans skip empty queues)
  sc_core::sc_event arrived_;
};

class DmaQueue : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DmaQueue);
  DmaQueue(const sc_core::sc_module_name& name, int queue, CoreContext& ctx,
           std::vector<std::unique_ptr<DmaEngine>>& engines);

  // Called by a DMA engine when it finished its share of `transfer`.
  void share_done(DmaTransfer& transfer);

 private:
  void run();
  void publish_finished();

  const int queue_;
  const isa::Stream stream_;
  CoreContext& ctx_;
  std::vector<std::unique_ptr<DmaEngine>>& engines_;
  std::vector<DmaTransfer> transfers_;
  std::vector<InstructionEvent> events_;
  std::vector<std::optional<sc_core::sc_time>> finished_;
  size_t next_to_publish_ = 0;
};

}  // namespace trnsim::model

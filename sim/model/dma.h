// The DMA subsystem of one NeuronCore (reference trainium.md §4). A DmaQueue is an in-order
// stream of transfers: it waits for a transfer's semaphores, splits it into per-engine shares
// and hands them to the DMA engines, which become able to start them after the setup latency.
// Each engine serves one share at a time, round-robin across queues, in order within a queue,
// and reaches HBM over a TLM socket, one payload per burst (sim/model/hbm.h). A transfer
// completes when all its shares are done; completions are published in queue order.
//
// The engines run ahead of SystemC time (temporal decoupling, as TLM-2.0 loosely-timed
// initiators do). Work handed over at time T cannot start before T + setup latency, so when
// DmaEngines wakes at T it serves, in time order, every engine event before T + setup: nothing
// a queue hands over meanwhile could have changed them. It then sleeps until its next event or
// the next hand-over. A DMA-bound kernel thus costs one SystemC wake per batch of work instead
// of one per share (a million in matmul_naive). HBM sees the same requests in the same order,
// each with its arrival as a TLM delay after the current time. With numerics on, the engines
// do not run ahead, so every copy happens at its simulated time.
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
#include "sim/model/earliest_of.h"
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

class DmaEngines : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DmaEngines);
  tlm_utils::simple_initiator_socket<DmaEngines> socket;

  // `burst_payloads`: one TLM payload per burst; otherwise one per request (a memory model
  // that does not want bursts, HbmMemory::wants_bursts).
  DmaEngines(const sc_core::sc_module_name& name, CoreContext& ctx, const HbmAddressMap& hbm_map,
             bool burst_payloads);
  ~DmaEngines() override;

  // Hands `work` to engine work.share.engine; work.eligible is at least now + setup latency.
  // wake() after the last share of a transfer lets the engines see them.
  void enqueue(const DmaWork& work);
  void wake() { arrived_.notify(sc_core::SC_ZERO_TIME); }

 private:
  struct Engine {
    std::array<std::deque<DmaWork>, isa::kDmaQueues> queues;
    uint32_t busy_queues = 0;  // bit q: queues[q] is not empty (the scans skip empty queues)
    // When queues[q].front() becomes eligible, for the busy queues: the scans read this array
    // instead of each queue's front, which is usually out of cache.
    std::array<sc_core::sc_time, isa::kDmaQueues> front_eligible;
    int next_queue = 0;        // where the round-robin scan starts
    std::optional<DmaWork> in_service;
  };

  // The SC_METHOD: serves every engine event before the horizon, then sleeps.
  void advance();
  // At time `at` (>= now): finishes engine e's share if it ends then, starts the next eligible
  // one, and updates next_event_[e].
  void serve(int e, sc_core::sc_time at, sc_core::sc_time now);
  // Moves the first share eligible at `at`, in round-robin order, into engine.in_service.
  bool take_eligible(Engine& engine, sc_core::sc_time at);
  sc_core::sc_time earliest_eligible(const Engine& engine) const;  // never_ if none
  // How long HBM takes for `work` started at `at`: a store's write request goes out when the
  // read (if the source is HBM too) is done.
  sc_core::sc_time hbm_time(int e, const DmaWork& work, sc_core::sc_time at,
                            sc_core::sc_time now);
  // Sends the request for `share`'s rows of `hbm`, arriving `arrival` after now; returns its
  // completion, after now (`arrival` if it has no bytes).
  sc_core::sc_time transport(tlm::tlm_command command, const isa::AccessPattern& hbm,
                             int64_t partitioned_rows, const cost::DmaShare& share,
                             sc_core::sc_time arrival);
  // One payload of `bytes` at `address`, arriving `arrival` after now; returns its completion.
  sc_core::sc_time send(uint64_t address, uint64_t bytes, sc_core::sc_time arrival);

  CoreContext& ctx_;
  const HbmAddressMap& hbm_map_;
  const uint64_t burst_bytes_;
  const bool burst_payloads_;
  const int queues_per_engine_;
  // How far past now the engines may run: the setup latency, or nothing with numerics on.
  const sc_core::sc_time lookahead_;
  tlm::tlm_generic_payload payload_;  // reused for every burst
  DmaBurstExtension burst_;
  std::vector<unsigned char> scratch_;  // the payload's data pointer (contents are not modelled)
  std::vector<Engine> engines_;
  const sc_core::sc_time never_;  // sc_max_time()
  // Per engine: when its share in service ends, else when its earliest queued share becomes
  // eligible, else never_.
  EarliestOf next_event_;
  sc_core::sc_event arrived_;
};

class DmaQueue : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DmaQueue);
  DmaQueue(const sc_core::sc_module_name& name, int queue, CoreContext& ctx,
           DmaEngines& engines);

  // Called by the DMA engines when one finished its share of `transfer` at time `at`.
  void share_done(DmaTransfer& transfer, sc_core::sc_time at);

 private:
  void run();
  void publish_finished();

  const int queue_;
  const isa::Stream stream_;
  CoreContext& ctx_;
  DmaEngines& engines_;
  std::vector<DmaTransfer> transfers_;
  std::vector<cost::DmaShare> shares_;  // of the transfer being handed over
  std::vector<InstructionEvent> events_;
  std::vector<std::optional<sc_core::sc_time>> finished_;
  size_t next_to_publish_ = 0;
};

}  // namespace trnsim::model

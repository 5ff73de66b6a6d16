// The instruction scheduling the Neuron compiler does within the engines' in-order streams
// (reference nki-frontend.md §4.4: "not documented"; that it reorders is documented by NKI's
// scheduling API, which can only add dependency edges or forbid reordering, trainium.md §2).
//
// A list scheduler over a sliding window: it holds the last `compiler.schedule_window`
// instructions a kernel emitted and, whenever the window is full, releases one of them: among
// those whose dependencies have all been released, the one that could start earliest by the
// cost rules (ties: program order). An engine that would wait on its own previous result thus
// takes up independent work from later in the program, such as the next loop iteration. The
// dependencies are every read-after-write, write-after-read and write-after-write between held
// instructions, on any streams (HeldDependencies), so any release order is a program with the
// same results; the backend computes its semaphore waits in that order.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sim/backend/hazard_tracker.h"
#include "sim/backend/held_dependencies.h"
#include "sim/config/hw_config.h"
#include "sim/cost/dma_cost.h"
#include "sim/isa/program.h"

namespace trnsim::backend {

class ListScheduler {
 public:
  struct Item {
    isa::Stream stream{};
    isa::Instruction in;
    std::vector<Region> reads;
    std::vector<Region> writes;
  };
  using Sink = std::function<void(Item&)>;

  // `sink` receives the instructions in their scheduled order.
  ListScheduler(const HwConfig& cfg, Sink sink);

  void push(Item item);
  void flush();  // releases everything held, as at the end of the kernel

 private:
  struct Estimate {
    double busy_ns = 0;      // how long the stream is occupied
    double complete_ns = 0;  // start -> result visible to a dependent
  };
  struct Held {
    Item item;
    uint64_t position = 0;  // in program order
    int pending_dependencies = 0;
    double ready_ns = 0;          // the latest completion of a released dependency
    std::vector<int> dependents;  // slots; a dependent is held until after its dependency
  };
  struct DmaEstimate {
    isa::Instruction in;
    Estimate estimate;
  };

  void release_one();
  void make_ready(int slot);
  Estimate estimate(const Item& item);

  const HwConfig& cfg_;
  Sink sink_;
  size_t window_;
  std::vector<Held> slots_;     // window_ of them, reused
  HeldDependencies dependencies_;
  std::vector<int> free_slots_;
  size_t held_ = 0;
  uint64_t next_position_ = 0;
  std::vector<int> ready_;  // held slots whose dependencies are all released, in program order
  std::vector<cost::DmaShare> shares_;  // estimate()'s scratch
  // Per DMA queue, the last transfer estimated: a queue's transfers mostly repeat one layout,
  // and splitting each over the engines would double the build's DMA work.
  std::vector<DmaEstimate> last_dma_;
  std::vector<double> stream_free_ns_;
  isa::AccessPattern tensor_stationary_;  // the weights the last released matmul loaded
};

}  // namespace trnsim::backend

// One semaphore per stream, counting its completed instructions. A stream publishes each
// completion time as soon as it is known (possibly in the future); a waiter sleeps until the
// count it needs is reached. Completions are published in order, so "count >= c" means the
// first c instructions of that stream are complete.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <systemc>
#include <vector>

#include "sim/isa/program.h"

namespace trnsim::model {

class Semaphores {
 public:
  explicit Semaphores(const isa::Program& program);

  // Blocks the calling SC_THREAD of `waiter` until `w` holds.
  void wait_for(isa::Stream waiter, const isa::SemaphoreWait& w);

  // Publishes the completion of the next instruction of `s`; returns the time actually used,
  // which is never earlier than the previous completion of the same stream.
  sc_core::sc_time complete(isa::Stream s, sc_core::sc_time when);

  size_t published(isa::Stream s) const { return completion_[isa::index(s)].size(); }
  sc_core::sc_time completion_time(isa::Stream s, size_t i) const {
    return completion_[isa::index(s)][i];
  }

  // After the simulation ran out of events: empty if every stream finished, otherwise one
  // line naming each stuck stream and what it waits for.
  std::string describe_deadlock(const isa::Program& program) const;

 private:
  std::array<std::vector<sc_core::sc_time>, isa::kStreamCount> completion_;
  std::array<sc_core::sc_event, isa::kStreamCount> published_event_;
  std::array<std::optional<isa::SemaphoreWait>, isa::kStreamCount> blocked_on_;
};

}  // namespace trnsim::model

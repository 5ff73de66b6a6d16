#include "sim/model/semaphores.h"

namespace trnsim::model {

using sc_core::sc_time;

Semaphores::Semaphores(const isa::Program& program) {
  for (int s = 0; s < isa::kStreamCount; ++s) completion_[s].reserve(program.streams[s].size());
}

void Semaphores::wait_for(isa::Stream waiter, const isa::SemaphoreWait& w) {
  if (w.count == 0) return;
  const int s = isa::index(w.stream);
  blocked_on_[isa::index(waiter)] = w;
  while (completion_[s].size() < w.count) sc_core::wait(published_event_[s]);
  const sc_time ready = completion_[s][w.count - 1];
  const sc_time now = sc_core::sc_time_stamp();
  if (ready > now) sc_core::wait(ready - now);
  blocked_on_[isa::index(waiter)].reset();
}

sc_time Semaphores::complete(isa::Stream s, sc_time when) {
  auto& times = completion_[isa::index(s)];
  if (!times.empty() && times.back() > when) when = times.back();
  times.push_back(when);
  published_event_[isa::index(s)].notify(sc_core::SC_ZERO_TIME);
  return when;
}

std::string Semaphores::describe_deadlock(const isa::Program& program) const {
  std::string out;
  for (int s = 0; s < isa::kStreamCount; ++s) {
    const size_t done = completion_[s].size();
    if (done == program.streams[s].size()) continue;
    const isa::Stream stream = static_cast<isa::Stream>(s);
    out += out.empty() ? "" : "; ";
    out += isa::stream_name(stream) + "[" + std::to_string(done) + "]";
    if (blocked_on_[s]) {
      const auto& w = *blocked_on_[s];
      out += " waits for " + isa::stream_name(w.stream) + " >= " + std::to_string(w.count) +
             " (it has " + std::to_string(completion_[isa::index(w.stream)].size()) + ")";
    }
  }
  return out;
}

}  // namespace trnsim::model

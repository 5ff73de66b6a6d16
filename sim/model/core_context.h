// What every component of one NeuronCore shares during a simulation: the configuration, the
// program, the semaphores, the optional memory contents, the shared SBUF/PSUM ports and the
// record of what happened.
#pragma once

#include <systemc>

#include "common/run_watch.h"
#include "sim/config/hw_config.h"
#include "sim/isa/program.h"
#include "sim/model/memory_image.h"
#include "sim/model/run_result.h"
#include "sim/model/semaphores.h"

namespace trnsim::model {

// A port that one engine at a time may hold (NC-v2 shared SBUF/PSUM access, A2). Holders
// reserve it in the order they ask, for the time they are busy.
struct SharedPort {
  sc_core::sc_time free_at = sc_core::SC_ZERO_TIME;
  sc_core::sc_time reserve(sc_core::sc_time earliest, sc_core::sc_time duration) {
    const sc_core::sc_time start = earliest > free_at ? earliest : free_at;
    free_at = start + duration;
    return start;
  }
};

struct CoreContext {
  const HwConfig& cfg;
  const isa::Program& program;
  Semaphores& semaphores;
  MemoryImage* memory;  // null in timing-only runs
  RunResult& result;
  bool record_dma_packets;
  RunWatch* watch;  // may be null
  SharedPort sbuf_port_vector_gpsimd;
  SharedPort psum_port_vector_scalar;
};

// SystemC's time resolution in femtoseconds: its default, 1 ps, which trnsim never changes
// (simulate() checks it).
constexpr double kResolutionFs = 1000.0;
constexpr double kTicksPerNs = 1e6 / kResolutionFs;

// sc_time(value, SC_NS) and t.to_seconds() * 1e9, bit for bit (the same operations in the same
// order), without SystemC's lookup of the resolution on every call: they run several times per
// simulated DMA share.
// SystemC's sc_time(v, SC_NS) rounds v x 1000 + 0.5 through a volatile double; so does one
// tick times v x 1000 (sc_time::operator*=), which is inline where the constructor is not.
// Asks the CPU to fetch the instruction after `i` of a stream into cache. A stream's thread
// reaches its next instruction only after other threads ran, which evicted it; without this,
// reading each instruction (about 450 bytes) is a cache miss on the simulation's critical path.
inline void prefetch_next(const std::vector<isa::Instruction>& stream, size_t i) {
  if (i + 1 >= stream.size()) return;
  const char* p = reinterpret_cast<const char*>(&stream[i + 1]);
  for (size_t line = 0; line < sizeof(isa::Instruction); line += 64) __builtin_prefetch(p + line);
}

// Ticks the run's watch for one completed instruction; stops the simulation once its time
// limit has passed (simulate() then reports it).
inline void tick_completion(CoreContext& ctx) {
  if (!ctx.watch || !ctx.watch->due()) return;
  if (!ctx.watch->check("simulating", static_cast<int64_t>(ctx.result.instructions.size()),
                        static_cast<int64_t>(ctx.program.instruction_count())))
    sc_core::sc_stop();
}

inline sc_core::sc_time ns(double value) {
  static const sc_core::sc_time tick = sc_core::sc_time::from_value(1);
  return tick * (value * kTicksPerNs);
}
inline double to_ns(sc_core::sc_time t) {
  return static_cast<double>(t.value()) * kResolutionFs * 1e-15 * 1e9;
}

}  // namespace trnsim::model

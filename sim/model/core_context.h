// What every component of one NeuronCore shares during a simulation: the configuration, the
// program, the semaphores, the optional memory contents, the shared SBUF/PSUM ports and the
// record of what happened.
#pragma once

#include <systemc>

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
  SharedPort sbuf_port_vector_gpsimd;
  SharedPort psum_port_vector_scalar;
};

inline sc_core::sc_time ns(double value) { return sc_core::sc_time(value, sc_core::SC_NS); }
inline double to_ns(sc_core::sc_time t) { return t.to_seconds() * 1e9; }

}  // namespace trnsim::model

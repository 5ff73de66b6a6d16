// Pieces shared by perfetto_trace.cpp and perfetto_counters.cpp: time conversion and a sink that
// streams trace events one at a time, so a long run never holds the whole file as a JSON tree.
#pragma once

#include <cmath>
#include <cstdint>
#include <ostream>

#include <string>

#include <nlohmann/json.hpp>

#include "sim/isa/program.h"
#include "sim/model/run_result.h"

namespace trnsim::trace {

constexpr int kTracePid = 1;

// Times are kept as integer picoseconds so that touching intervals compare exactly.
inline int64_t to_ps(double ns) { return std::llround(ns * 1000.0); }
inline double ps_to_us(int64_t ps) { return static_cast<double>(ps) / 1e6; }

// Writes {"traceEvents":[ e, e, ... ], ...}: add() each event, then finish() once.
class TraceEventSink {
 public:
  explicit TraceEventSink(std::ostream& out) : out_(out) { out_ << "{\"traceEvents\":[\n"; }
  // One event already rendered as a JSON object (see json_text.h).
  void add(const std::string& event_json) {
    if (!first_) out_ << ",\n";
    first_ = false;
    out_ << event_json;
  }
  void add(const nlohmann::json& event) {
    add(event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  void finish(const nlohmann::json& other_data) {
    out_ << "\n],\"displayTimeUnit\":\"ns\",\"otherData\":"
         << other_data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "}\n";
  }

 private:
  std::ostream& out_;
  bool first_ = true;
};

// Counter "HBM bandwidth (GB/s)" with series read and write, from the DMA packets whose
// transfer reads or writes HBM, each packet's bytes spread evenly over its [start, end].
void add_hbm_bandwidth_counter(TraceEventSink& sink, const isa::Program& program,
                               const model::RunResult& run);

// Counter "Outstanding DMA transfers": DMA instructions between start and complete, step by
// step; a run with more than 10,000 steps shows the peak of each time bucket instead.
void add_outstanding_dma_counter(TraceEventSink& sink, const model::RunResult& run);

}  // namespace trnsim::trace

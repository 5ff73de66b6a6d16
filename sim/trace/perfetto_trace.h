// The run as a Chrome trace-event JSON file that opens as-is in ui.perfetto.dev and
// chrome://tracing, laid out like Neuron Explorer's device timeline (DESIGN.md §5).
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "sim/config/hw_config.h"
#include "sim/isa/program.h"
#include "sim/model/run_result.h"

namespace trnsim::trace {

// Writes one process "NeuronCore" with, in this order:
//  - a track per compute engine (Tensor, Vector, Scalar, GpSimd) with one complete event per
//    instruction from start to end (engine busy);
//  - a track per DMA queue that was used ("qDma3"), one event per transfer from start to
//    complete (the transfer in flight);
//  - a track per DMA engine that moved packets ("DMA engine 3"), one event per packet (left
//    out, with a note in otherData, when a run has more than 500,000 packets);
//  - counters "HBM bandwidth (GB/s)" (read/write, bucketed, 1 µs or coarser so a long run stays
//    a few thousand samples) and "Outstanding DMA transfers".
// Events that overlap on one track are spread over extra lanes ("qDma3 #2") so every track
// nests properly. Times are µs with picosecond resolution. The top-level "otherData" object
// (shown by ui.perfetto.dev and chrome://tracing as trace metadata) names the program, the
// machine (HwConfig::label()) and the simulated time, and holds `replay`, the run's record
// (sim/run/run_record.h), when one is given. A run that does not match the program throws
// before anything is written; the CLI writes to an OutputSet file (common/output_set.h).
void write_perfetto_trace(std::ostream& out, const isa::Program& program,
                          const model::RunResult& run, const HwConfig& cfg,
                          const nlohmann::json& replay = nullptr);

}  // namespace trnsim::trace

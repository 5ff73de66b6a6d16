// The PE-level Tensor Engine's clock edges (model::PeFrameLog) as JSON, for the teaching view
// that python/trnsim/pe_frames.py draws (trnsim run --pe-frames DIR):
//   {"rows": R, "columns": C, "clock_ghz": g,
//    "matmuls": [{"job", "instruction", "k", "m", "n", "bank", "loaded", "feed_start_cycle",
//                 "done_cycle"}],
//    "frames": [{"cycle": e,
//                "pes": [[{"w": [bank0, bank1], "x": [job, n, value, bank] | null,
//                          "p": [job, n, value, terms] | null}, ... C], ... R],
//                "skew": [[[job, n, value, bank] | null, ... r registers], ... R],
//                "written": [[column, job, n, value], ...],
//                "loading": [job, first column, end column] | null}]}
// "x" is the moving value a PE holds after the edge, "p" its partial sum (terms: rows added so
// far); "written" are the outputs that reached PSUM (partition = column) at the edge.
#pragma once

#include <ostream>

#include "sim/model/pe_frames.h"

namespace trnsim::trace {

void write_pe_frames_json(std::ostream& out, const model::PeFrameLog& log);

}  // namespace trnsim::trace

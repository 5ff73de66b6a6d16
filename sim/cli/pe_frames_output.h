// `trnsim run --pe-frames DIR`: the PE-level Tensor Engine's clock edges as DIR/frames.json
// (sim/trace/pe_frames_json.h) and pictures of them, DIR/step_NNN.png and DIR/pe.gif, drawn
// by python/trnsim/pe_frames.py with Debian's matplotlib. Everything is written into a staging
// folder beside DIR that is renamed to DIR once complete; a failure leaves nothing.
#pragma once

#include <string>

#include "sim/model/pe_frames.h"

namespace trnsim::cli {

// Refuses (UsageError) a DIR that exists already, before anything runs.
void check_pe_frames_dir(const std::string& dir);
// Throws UserError with the drawing script's message if it fails.
void write_pe_frames(const model::PeFrameLog& log, const std::string& dir);

}  // namespace trnsim::cli

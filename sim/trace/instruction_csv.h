// The per-instruction table as CSV, with neuron-profile's instruction-table column names where
// they exist (DESIGN.md §5), so the two can be joined or plotted side by side.
#pragma once

#include <ostream>
#include <string>

#include "sim/config/hw_config.h"
#include "sim/isa/program.h"
#include "sim/model/run_result.h"

namespace trnsim::trace {

// Header, then one row per executed instruction ordered by start time (ties: stream, index):
//   engine, opcode, start_ns, end_ns, duration_ns, complete_ns, index, operands,
//   semaphore_waits, wait_ns, label
// engine is the stream name ("Tensor", "qDma3"); operands is "dst; src0; src1" as rendered by
// isa::describe(); semaphore_waits is "Vector>=3 qDma2>=17"; wait_ns = time blocked on semaphores;
// times in ns with picosecond resolution. Fields are quoted per RFC 4180 when they need it. A
// run that does not match the program throws before anything is written.
void write_instruction_csv(std::ostream& out, const isa::Program& program,
                           const model::RunResult& run, const HwConfig& cfg);

// One CSV field, quoted (with doubled quotes) if it holds a comma, quote, CR, LF or edge space.
std::string csv_field(const std::string& text);

}  // namespace trnsim::trace

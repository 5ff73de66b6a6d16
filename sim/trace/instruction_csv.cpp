#include "sim/trace/instruction_csv.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "sim/trace/operands.h"

namespace trnsim::trace {

std::string csv_field(const std::string& text) {
  bool needs_quotes = text.find_first_of(",\"\r\n") != std::string::npos ||
                      (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!needs_quotes) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void write_instruction_csv(std::ostream& out, const isa::Program& program,
                           const model::RunResult& run, const HwConfig& /*cfg*/) {
  std::vector<const model::InstructionEvent*> rows;
  rows.reserve(run.instructions.size());
  for (const model::InstructionEvent& e : run.instructions) {
    instruction_of(program, e);  // fail before writing anything if the run does not match
    rows.push_back(&e);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return std::make_tuple(a->start_ns, isa::index(a->stream), a->index) <
           std::make_tuple(b->start_ns, isa::index(b->stream), b->index);
  });

  out << "engine,opcode,start_ns,end_ns,duration_ns,complete_ns,index,operands,"
         "semaphore_waits,wait_ns,label\n";
  for (const model::InstructionEvent* e : rows) {
    const isa::Instruction& in = instruction_of(program, *e);
    out << csv_field(isa::stream_name(e->stream)) << ',' << csv_field(isa::opcode_name(in.op))
        << ',' << format_ns(e->start_ns) << ',' << format_ns(e->end_ns) << ','
        << format_ns(e->end_ns - e->start_ns) << ',' << format_ns(e->complete_ns) << ','
        << e->index << ',' << csv_field(describe_operands(program, in)) << ','
        << csv_field(describe_waits(in)) << ',' << format_ns(e->waited_ns - e->ready_ns) << ','
        << csv_field(in.label) << '\n';
  }
}

}  // namespace trnsim::trace

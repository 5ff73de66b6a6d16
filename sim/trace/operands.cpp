#include "sim/trace/operands.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace trnsim::trace {

std::vector<Operand> operands_of(const isa::Instruction& in) {
  const isa::OpcodeInfo& info = isa::opcode_info(in.op);
  const bool uses_src0 = info.reads_src0;
  const bool uses_src1 = info.reads_src1;
  const bool dst_read = info.may_accumulate && in.accumulate;

  std::vector<Operand> out;
  if (in.dst.valid()) out.push_back({"dst", &in.dst, dst_read, true});
  if (uses_src0 && in.src0.valid()) out.push_back({"src0", &in.src0, true, false});
  if ((uses_src1 || info.scalar_tiles) && in.src1.valid())
    out.push_back({"src1", &in.src1, true, false});
  if (info.scalar_tiles && in.src2.valid()) out.push_back({"src2", &in.src2, true, false});
  return out;
}

std::string describe_operand(const isa::Program& p, const isa::AccessPattern& ap) {
  if (ap.memory == Memory::hbm && ap.tensor >= 0 && size_t(ap.tensor) < p.tensors.size())
    return isa::describe(ap, p.tensors[size_t(ap.tensor)].name);
  return isa::describe(ap);
}

std::string describe_operands(const isa::Program& p, const isa::Instruction& in) {
  std::string text;
  for (const Operand& o : operands_of(in)) {
    if (!text.empty()) text += "; ";
    text += describe_operand(p, *o.ap);
  }
  return text;
}

std::string describe_waits(const isa::Instruction& in) {
  std::string text;
  for (const isa::SemaphoreWait& w : in.waits) {
    if (!text.empty()) text += ' ';
    text += isa::stream_name(w.stream) + ">=" + std::to_string(w.count);
  }
  return text;
}

const isa::Instruction& instruction_of(const isa::Program& p, isa::Stream s, uint32_t index) {
  if (isa::index(s) >= isa::kStreamCount)
    throw std::logic_error("trace: run refers to stream " + std::to_string(isa::index(s)));
  const auto& list = p.stream(s);
  if (index >= list.size()) {
    throw std::logic_error("trace: run refers to " + isa::stream_name(s) + " instruction " +
                           std::to_string(index) + " but the program has only " +
                           std::to_string(list.size()));
  }
  return list[index];
}

const isa::Instruction& instruction_of(const isa::Program& p, const model::InstructionEvent& e) {
  return instruction_of(p, e.stream, e.index);
}

const isa::Instruction& instruction_of(const isa::Program& p, const model::DmaPacketEvent& e) {
  if (e.queue < 0 || e.queue >= isa::kDmaQueues) {
    throw std::logic_error("trace: DMA packet names queue " + std::to_string(e.queue));
  }
  return instruction_of(p, isa::dma_queue_stream(e.queue), e.transfer);
}

std::string format_ns(double ns) {
  if (!std::isfinite(ns)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", ns);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

}  // namespace trnsim::trace

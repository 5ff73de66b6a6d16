#include "sim/trace/perfetto_trace.h"

#include <algorithm>
#include <map>
#include <vector>

#include "sim/trace/json_text.h"
#include "sim/trace/operands.h"
#include "sim/trace/perfetto_events.h"

namespace trnsim::trace {
namespace {

// About 200 bytes each: beyond this the packet tracks alone would pass 100 MB.
constexpr size_t kMaxPacketSlices = 500'000;

// One complete ("X") event placed on a track: an instruction or a DMA packet.
struct Slice {
  int64_t start_ps = 0;
  int64_t end_ps = 0;
  const model::InstructionEvent* instruction = nullptr;
  const model::DmaPacketEvent* packet = nullptr;
  int tid = 0;
};

// A named row of the timeline. Rows with a lower sort_index are drawn higher.
struct Track {
  std::string name;
  int sort_index = 0;
};

// Assigns slices to tracks. Only placements are kept; the JSON of each event is built while
// writing, so memory stays proportional to the number of events, not to their text.
class Timeline {
 public:
  // Places the slices of one logical row on as few lanes as possible so that no two slices of
  // a lane overlap (greedy interval partitioning in start order); lane k > 0 becomes its own
  // track "name #k+1" right below lane 0. Lane 0 exists even when there are no slices.
  void add_row(const std::string& name, int sort_index, std::vector<Slice> slices) {
    std::stable_sort(slices.begin(), slices.end(),
                     [](const Slice& a, const Slice& b) { return a.start_ps < b.start_ps; });
    std::vector<int64_t> lane_end;
    std::vector<int> lane_tid;
    auto open_lane = [&] {
      size_t lane = lane_end.size();
      lane_end.push_back(0);
      tracks_.push_back({lane ? name + " #" + std::to_string(lane + 1) : name,
                         sort_index + int(lane)});
      lane_tid.push_back(int(tracks_.size()));
    };
    open_lane();
    for (Slice& s : slices) {
      size_t lane = 0;
      while (lane < lane_end.size() && lane_end[lane] > s.start_ps) ++lane;
      if (lane == lane_end.size()) open_lane();
      lane_end[lane] = std::max(s.end_ps, s.start_ps);
      s.tid = lane_tid[lane];
      slices_.push_back(s);
    }
  }

  void write_metadata(TraceEventSink& sink) const {
    sink.add({{"ph", "M"}, {"pid", kTracePid}, {"name", "process_name"},
              {"args", {{"name", "NeuronCore"}}}});
    sink.add({{"ph", "M"}, {"pid", kTracePid}, {"name", "process_sort_index"},
              {"args", {{"sort_index", 0}}}});
    for (size_t i = 0; i < tracks_.size(); ++i) {
      int tid = int(i) + 1;
      sink.add({{"ph", "M"}, {"pid", kTracePid}, {"tid", tid}, {"name", "thread_name"},
                {"args", {{"name", tracks_[i].name}}}});
      sink.add({{"ph", "M"}, {"pid", kTracePid}, {"tid", tid}, {"name", "thread_sort_index"},
                {"args", {{"sort_index", tracks_[i].sort_index}}}});
    }
  }

  const std::vector<Slice>& slices() const { return slices_; }

 private:
  std::vector<Track> tracks_;  // tid = position + 1
  std::vector<Slice> slices_;
};

// Opcode-specific settings worth seeing next to the operands.
void add_opcode_details(const isa::Instruction& in, JsonObjectText& args) {
  switch (in.op) {
    case isa::Opcode::matmul: args.boolean("accumulate", in.accumulate); break;
    case isa::Opcode::activation: args.str("func", act_func_name(in.func)); break;
    case isa::Opcode::tensor_tensor:
    case isa::Opcode::tensor_scalar:
    case isa::Opcode::reduce:
    case isa::Opcode::tensor_tensor_scan: args.str("alu", alu_op_name(in.alu)); break;
    default: break;
  }
}

std::string complete_event(const Slice& s, const std::string& name, const char* cat,
                           const std::string& args_json) {
  return JsonObjectText()
      .str("ph", "X")
      .num("pid", int64_t{kTracePid})
      .num("tid", int64_t{s.tid})
      .raw("ts", ps_as_us(s.start_ps))
      .raw("dur", ps_as_us(std::max<int64_t>(s.end_ps - s.start_ps, 0)))
      .str("name", name)
      .str("cat", cat)
      .raw("args", args_json)
      .done();
}

// A DMA queue shows the transfer in flight (start -> complete); an engine shows its busy time.
Slice instruction_slice(const model::InstructionEvent& e) {
  double end_ns = isa::is_dma(e.stream) ? std::max(e.end_ns, e.complete_ns) : e.end_ns;
  Slice s;
  s.start_ps = to_ps(e.start_ns);
  s.end_ps = to_ps(end_ns);
  s.instruction = &e;
  return s;
}

std::string instruction_event(const isa::Program& program, const Slice& s) {
  const model::InstructionEvent& e = *s.instruction;
  const isa::Instruction& in = instruction_of(program, e);
  JsonObjectText operands;
  for (const Operand& o : operands_of(in)) operands.str(o.role, describe_operand(program, *o.ap));
  JsonObjectText args;
  args.num("index", int64_t{e.index})
      .raw("operands", operands.done())
      .str("semaphore_waits", describe_waits(in))
      .num("ready_ns", e.ready_ns)
      .num("start_ns", e.start_ns)
      .num("end_ns", e.end_ns)
      .num("complete_ns", e.complete_ns)
      .num("wait_ns", e.waited_ns - e.ready_ns)
      .str("label", in.label);
  add_opcode_details(in, args);
  return complete_event(s, isa::opcode_name(in.op), isa::is_dma(e.stream) ? "dma" : "compute",
                        args.done());
}

Slice packet_slice(const model::DmaPacketEvent& p) {
  Slice s;
  s.start_ps = to_ps(p.start_ns);
  s.end_ps = to_ps(p.end_ns);
  s.packet = &p;
  return s;
}

std::string packet_event(const Slice& s) {
  const model::DmaPacketEvent& p = *s.packet;
  double dur_ns = p.end_ns - p.start_ns;
  JsonObjectText args;
  args.num("queue", int64_t{p.queue})
      .num("transfer", int64_t{p.transfer})
      .num("bytes", p.bytes)
      .num("descriptors", int64_t{p.descriptors})
      .num("start_ns", p.start_ns)
      .num("end_ns", p.end_ns);
  if (dur_ns > 0) args.num("GB/s", double(p.bytes) / dur_ns);
  return complete_event(s, isa::stream_name(isa::dma_queue_stream(p.queue)), "dma_packet",
                        args.done());
}

}  // namespace

void write_perfetto_trace(std::ostream& out, const isa::Program& program,
                          const model::RunResult& run, const HwConfig& cfg,
                          const nlohmann::json& replay) {
  // 1. Instruction slices per stream; engines first, then queues (sort index = stream * 100).
  //    Compute engines get a track even when idle, so every run has the same layout.
  std::vector<std::vector<Slice>> per_stream(isa::kStreamCount);
  for (const model::InstructionEvent& e : run.instructions) {
    instruction_of(program, e);  // fail before writing anything if the run does not match
    per_stream[size_t(isa::index(e.stream))].push_back(instruction_slice(e));
  }
  Timeline timeline;
  for (int s = 0; s < isa::kStreamCount; ++s) {
    isa::Stream stream = isa::Stream(s);
    if (per_stream[size_t(s)].empty() && isa::is_dma(stream)) continue;
    timeline.add_row(isa::stream_name(stream), s * 100, std::move(per_stream[size_t(s)]));
  }

  // 2. Packet slices per DMA engine, below all the queues; left out when there are so many
  //    that the file would no longer load (the bandwidth counter still covers them).
  const bool packet_tracks = run.dma_packets.size() <= kMaxPacketSlices;
  std::map<int, std::vector<Slice>> per_engine;
  for (const model::DmaPacketEvent& p : run.dma_packets) {
    instruction_of(program, p);
    if (packet_tracks) per_engine[p.engine].push_back(packet_slice(p));
  }
  for (auto& [engine, slices] : per_engine) {
    timeline.add_row("DMA engine " + std::to_string(engine), (isa::kStreamCount + engine) * 100,
                     std::move(slices));
  }

  // 3. Metadata, slices and counters.
  TraceEventSink sink(out);
  timeline.write_metadata(sink);
  for (const Slice& s : timeline.slices())
    sink.add(s.instruction ? instruction_event(program, s) : packet_event(s));
  add_hbm_bandwidth_counter(sink, program, run);
  add_outstanding_dma_counter(sink, run);
  nlohmann::json other = {{"program", program.name},
                          {"hw", cfg.label()},
                          {"sim_time_ns", run.sim_time_ns},
                          {"generator", "trnsim"}};
  if (!replay.is_null()) other["replay"] = replay;
  if (!packet_tracks) {
    other["dma_packet_tracks"] = "omitted: " + std::to_string(run.dma_packets.size()) +
                                 " packets > " + std::to_string(kMaxPacketSlices);
  }
  sink.finish(other);
}

}  // namespace trnsim::trace

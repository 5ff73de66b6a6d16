#include "sim/trace/summary.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "sim/trace/operands.h"

namespace trnsim::trace {
namespace {

using isa::Opcode;

// Byte and FLOP totals read off the program's access patterns.
struct Traffic {
  int64_t flops = 0;
  int64_t hbm_read = 0;
  int64_t hbm_write = 0;
  int64_t spill = 0;   // HBM writes into spill tensors
  int64_t reload = 0;  // HBM reads from spill tensors
  int64_t sbuf_engine = 0;
  int64_t psum = 0;
  int64_t dma_transfers = 0;
  int64_t instructions = 0;
};

bool is_spill_tensor(const isa::Program& p, const isa::AccessPattern& ap) {
  if (ap.memory != Memory::hbm || ap.tensor < 0) return false;
  if (static_cast<size_t>(ap.tensor) >= p.tensors.size()) return false;
  return p.tensors[static_cast<size_t>(ap.tensor)].role == isa::TensorRole::spill;
}

// 2*K*M*N: K = stationary partitions, M = stationary free size, N = moving free size.
int64_t matmul_flops(const isa::Instruction& in) {
  if (in.op != Opcode::matmul) return 0;
  return 2 * in.src0.partitions * in.src0.free_elements() * in.src1.free_elements();
}

Traffic count_traffic(const isa::Program& p) {
  Traffic t;
  for (int si = 0; si < isa::kStreamCount; ++si) {
    isa::Stream s = isa::Stream(si);
    bool dma = isa::is_dma(s);
    for (const isa::Instruction& in : p.stream(s)) {
      ++t.instructions;
      if (dma) ++t.dma_transfers;
      t.flops += matmul_flops(in);
      for (const Operand& o : operands_of(in)) {
        int64_t bytes = o.ap->total_bytes();
        int64_t touches = int64_t(o.read) + int64_t(o.written);
        switch (o.ap->memory) {
          case Memory::hbm: {
            if (!dma) break;
            bool spill = is_spill_tensor(p, *o.ap);
            if (o.read) t.hbm_read += bytes;
            if (o.read && spill) t.reload += bytes;
            if (o.written) t.hbm_write += bytes;
            if (o.written && spill) t.spill += bytes;
            break;
          }
          case Memory::sbuf:
            if (!dma) t.sbuf_engine += touches * bytes;
            break;
          case Memory::psum:
            t.psum += touches * bytes;
            break;
        }
      }
    }
  }
  return t;
}

Stat::Value ratio(double num, double den) {
  if (!(den > 0) || !std::isfinite(num)) return std::monostate{};
  return num / den;
}

Stat::Value optional_value(const std::optional<double>& v) {
  if (!v) return std::monostate{};
  return *v;
}

Stat::Value optional_bytes(int64_t v) {
  if (v < 0) return std::monostate{};
  return v;
}

EngineStats engine_row(std::string name, double busy_ns, double sim_time_ns,
                       int64_t instructions, const char* busy_what) {
  EngineStats row;
  row.engine = std::move(name);
  row.stats = {
      {"busy_ns", "ns", busy_what, busy_ns},
      {"utilization", "", "busy_ns / sim_time_ns", ratio(busy_ns, sim_time_ns)},
      {"instructions", "", "instructions in this engine's stream(s)", instructions},
  };
  return row;
}

std::vector<EngineStats> engine_table(const isa::Program& p, const model::RunResult& run,
                                      const Traffic& t) {
  std::vector<EngineStats> rows;
  for (int e = 0; e < isa::kComputeStreams; ++e) {
    isa::Stream s = isa::Stream(e);
    rows.push_back(engine_row(isa::stream_name(s), run.busy_ns[size_t(e)], run.sim_time_ns,
                              int64_t(p.stream(s).size()),
                              "time executing instructions (sum of end - start)"));
  }
  rows.push_back(engine_row("DMA", run.dma_busy.length(), run.sim_time_ns,
                            t.dma_transfers,
                            "time at least one DMA engine was moving a packet (all queues)"));
  return rows;
}

}  // namespace

Summary summarize(const isa::Program& program, const model::RunResult& run, const HwConfig& cfg,
                  const SummaryExtras& extras) {
  const Traffic t = count_traffic(program);
  const double T = run.sim_time_ns;
  const auto& te = cfg.tensor;
  // Peak FLOP per ns = 2 * rows * columns * clock_ghz (one MAC per PE per cycle).
  const double peak_flop_per_ns = 2.0 * te.rows * te.columns * te.clock_ghz;

  Summary s;
  s.stats = {
      {"kernel", "", "kernel (program) that ran",
       extras.kernel.empty() ? program.name : extras.kernel},
      {"hw", "", "hardware configuration, then each --set override",
       extras.hw.empty() ? cfg.label() : extras.hw},
      {"sim_time_ns", "ns", "simulated time: completion of the last instruction", T},
      {"sim_cycles", "cycles", "simulated time in Tensor Engine cycles (rounded)",
       static_cast<int64_t>(std::llround(T * te.clock_ghz))},
      {"flops", "FLOP", "2*K*M*N summed over MATMUL instructions (TRANSPOSE counts 0)", t.flops},
      {"mfu", "",
       "flops / (2 * PE rows * PE columns * tensor clock * sim_time): neuron-profile's HFU; "
       "fp32 matmuls are not discounted",
       ratio(double(t.flops), peak_flop_per_ns * T)},
      {"hbm_read_bytes", "B", "bytes DMA read from HBM (spill reloads included)", t.hbm_read},
      {"hbm_write_bytes", "B", "bytes DMA wrote to HBM (spills included)", t.hbm_write},
      {"spill_bytes", "B", "HBM writes into spill tensors", t.spill},
      {"reload_bytes", "B", "HBM reads from spill tensors", t.reload},
      {"kernel_hbm_bytes", "B",
       "HBM read + write without spill traffic (what a spill-free run needs)",
       t.hbm_read + t.hbm_write - t.spill - t.reload},
      {"sbuf_engine_bytes", "B", "SBUF bytes read + written by compute-engine instructions",
       t.sbuf_engine},
      {"psum_bytes", "B",
       "PSUM bytes read + written by all instructions (accumulating matmuls read and write)",
       t.psum},
      {"dma_transfers", "", "DMA instructions", t.dma_transfers},
      {"dma_descriptors", "", "DMA descriptors (contiguous buffers) over all packets",
       run.dma_descriptors},
      {"peak_sbuf_bytes", "B",
       "peak SBUF allocated, all partitions; dead rotating buffers are reclaimed only when space "
       "is needed, so this can exceed what is live (null if unknown)",
       optional_bytes(program.footprint.peak_sbuf_bytes)},
      {"peak_psum_bytes", "B", "peak PSUM allocation, all partitions (null if unknown)",
       optional_bytes(program.footprint.peak_psum_bytes)},
      {"instructions", "", "instructions in the program, all streams", t.instructions},
      {"wall_s", "s", "wall-clock time of the simulation itself", run.wall_seconds},
      {"sim_instructions_per_second", "instr/s", "instructions / wall_s",
       ratio(double(t.instructions), run.wall_seconds)},
      {"max_abs_err", "", "largest |simulated - reference| over the outputs (null if not checked)",
       optional_value(extras.max_abs_err)},
      {"max_abs_reference", "", "largest |reference| value, the scale of max_abs_err (null if "
       "not checked)", optional_value(extras.max_abs_reference)},
  };
  s.engines = engine_table(program, run, t);
  s.data_movement = program.data_movement;
  s.replay = extras.replay;
  return s;
}

const Stat* find(const Summary& s, const std::string& name) {
  for (const Stat& st : s.stats)
    if (st.name == name) return &st;
  return nullptr;
}

std::optional<double> numeric_value(const Stat* stat) {
  if (!stat) return std::nullopt;
  if (const auto* i = std::get_if<int64_t>(&stat->value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&stat->value)) return *d;
  return std::nullopt;
}

const Stat* find_engine_stat(const Summary& s, const std::string& engine,
                             const std::string& name) {
  for (const EngineStats& row : s.engines) {
    if (row.engine != engine) continue;
    for (const Stat& st : row.stats)
      if (st.name == name) return &st;
  }
  return nullptr;
}

}  // namespace trnsim::trace

#include "sim/model/neuron_core.h"

#include <chrono>
#include <memory>
#include <systemc>

#include "sim/cost/engine_cost.h"
#include "sim/model/compute_engine.h"
#include "sim/model/dma.h"
#include "sim/model/fresh_sim_context.h"
#include "sim/model/hbm.h"

namespace trnsim::model {
namespace {

// An instruction's place in the program, named only when a check fails.
struct Where {
  isa::Stream stream;
  size_t index;
  std::string name() const {
    return isa::stream_name(stream) + "[" + std::to_string(index) + "]";
  }
};

void check_on_chip(const isa::AccessPattern& ap, const HwConfig& cfg, const Where& where,
                   const char* operand) {
  if (!ap.valid() || ap.memory == Memory::hbm) return;
  const OnChipMemoryConfig& mem = ap.memory == Memory::sbuf ? cfg.sbuf : cfg.psum;
  const std::string_view name = memory_name(ap.memory);
  if (ap.start_partition < 0 || ap.start_partition > mem.partitions - ap.partitions)
    throw UserError(where.name() + ": " + operand + " uses partitions " +
                    std::to_string(ap.start_partition) + ".." +
                    std::to_string(ap.start_partition + ap.partitions - 1) + " but " +
                    std::string(name) + " has " + std::to_string(mem.partitions));
  if (ap.span_begin_bytes() < 0 || ap.span_end_bytes() > mem.bytes_per_partition)
    throw UserError(where.name() + ": " + operand + " touches bytes " +
                    std::to_string(ap.span_begin_bytes()) + ".." +
                    std::to_string(ap.span_end_bytes()) + " of a " + std::string(name) +
                    " partition of " + std::to_string(mem.bytes_per_partition) + " bytes");
}

void check_matmul(const isa::Instruction& in, const HwConfig& cfg, const Where& where) {
  const auto& te = cfg.tensor;
  const int64_t k = in.src0.partitions, m = in.src0.free_elements(), n = in.src1.free_elements();
  if (k > te.rows || m > te.columns || n > te.moving_free_max)
    throw UserError(where.name() + ": matmul K=" + std::to_string(k) + " M=" + std::to_string(m) +
                    " N=" + std::to_string(n) + " exceeds the array (K <= " +
                    std::to_string(te.rows) + ", M <= " + std::to_string(te.columns) +
                    ", N <= " + std::to_string(te.moving_free_max) + ")");
  const int64_t bank = cfg.psum.bank_bytes();
  if (in.dst.span_begin_bytes() / bank != (in.dst.span_end_bytes() - 1) / bank)
    throw UserError(where.name() + ": matmul output bytes " +
                    std::to_string(in.dst.span_begin_bytes()) + ".." +
                    std::to_string(in.dst.span_end_bytes()) +
                    " cross a PSUM bank boundary (banks of " + std::to_string(bank) +
                    " bytes)");
}

// At least as many DMA packets as the program will produce: one per group of
// partitions_per_engine partitions (or HBM rows) that a transfer touches, the most split_dma
// can make. Reserving them up front spares copying a vector of millions of packets as it grows.
size_t dma_packet_bound(const isa::Program& program, const HwConfig& cfg) {
  const int64_t per_engine = cfg.dma.partitions_per_engine;
  size_t bound = 0;
  for (int q = 0; q < isa::kDmaQueues; ++q)
    for (const isa::Instruction& in : program.stream(isa::dma_queue_stream(q))) {
      const isa::AccessPattern& side = in.dst.memory != Memory::hbm ? in.dst : in.src0;
      const int64_t first = side.memory == Memory::hbm ? 0 : side.start_partition;
      bound +=
          static_cast<size_t>((first + side.partitions - 1) / per_engine - first / per_engine + 1);
    }
  return bound;
}

}  // namespace

void check_fits(const isa::Program& program, const HwConfig& cfg) {
  for (int s = 0; s < isa::kStreamCount; ++s) {
    const isa::Stream stream = static_cast<isa::Stream>(s);
    if (isa::is_dma(stream) && isa::dma_queue_of(stream) >= cfg.dma.queues_per_engine &&
        !program.streams[s].empty())
      throw UserError(isa::stream_name(stream) + " is used but the config has only " +
                      std::to_string(cfg.dma.queues_per_engine) + " DMA queues");
    for (size_t i = 0; i < program.streams[s].size(); ++i) {
      const isa::Instruction& in = program.streams[s][i];
      const Where at{stream, i};
      check_on_chip(in.dst, cfg, at, "dst");
      check_on_chip(in.src0, cfg, at, "src0");
      check_on_chip(in.src1, cfg, at, "src1");
      if (in.op == isa::Opcode::matmul) check_matmul(in, cfg, at);
      if (!isa::is_dma(stream) && isa::engine_of(stream) != Engine::tensor) {
        const int lanes = cost::lane_config(cfg, isa::engine_of(stream)).lanes;
        for (const isa::AccessPattern* ap : {&in.dst, &in.src0, &in.src1})
          if (ap->valid() && ap->partitions > lanes)
            throw UserError(at.name() + ": spans " + std::to_string(ap->partitions) +
                            " partitions but the engine has " + std::to_string(lanes) + " lanes");
      }
    }
  }
}

// The modules of one NeuronCore, alive for one simulation.
class NeuronCore {
 public:
  NeuronCore(CoreContext& ctx)
      : tensor_("Tensor", ctx),
        vector_("Vector", Engine::vector, ctx),
        scalar_("Scalar", Engine::scalar, ctx),
        gpsimd_("GpSimd", Engine::gpsimd, ctx),
        hbm_map_(ctx.program.tensors, ctx.cfg.hbm.tensor_alignment_bytes),
        hbm_(make_hbm_memory(ctx.cfg.hbm, hbm_map_)),
        dma_engines_("DmaEngines", ctx, hbm_map_, hbm_->wants_bursts()) {
    dma_engines_.socket.bind(hbm_->target_socket());
    // Only the queues the program uses: each is a SystemC thread with a stack of its own.
    for (int q = 0; q < isa::kDmaQueues; ++q)
      if (!ctx.program.stream(isa::dma_queue_stream(q)).empty())
        dma_queues_.push_back(std::make_unique<DmaQueue>(
            ("qDma" + std::to_string(q)).c_str(), q, ctx, dma_engines_));
  }

 private:
  TensorEngine tensor_;
  LaneEngine vector_, scalar_, gpsimd_;
  HbmAddressMap hbm_map_;
  std::unique_ptr<HbmMemory> hbm_;
  DmaEngines dma_engines_;
  std::vector<std::unique_ptr<DmaQueue>> dma_queues_;
};

RunResult simulate(const isa::Program& program, const HwConfig& cfg,
                   const SimulationOptions& options, std::vector<std::vector<float>>* hbm) {
  check_fits(program, cfg);
  const auto wall_start = std::chrono::steady_clock::now();
  RunResult result;
  result.instructions.reserve(program.instruction_count());
  if (options.record_dma_packets) result.dma_packets.reserve(dma_packet_bound(program, cfg));
  std::unique_ptr<MemoryImage> memory;
  if (options.numerics) {
    memory = std::make_unique<MemoryImage>(cfg, program);
    for (size_t t = 0; hbm && t < hbm->size() && t < program.tensors.size(); ++t)
      if (!(*hbm)[t].empty()) memory->set_tensor(static_cast<int32_t>(t), (*hbm)[t]);
  }
  std::string deadlock;
  {
    FreshSimContext context;
    if (sc_core::sc_get_time_resolution() != sc_core::sc_time(kResolutionFs, sc_core::SC_FS))
      throw std::logic_error("ns()/to_ns() assume SystemC's default time resolution of 1 ps");
    Semaphores semaphores(program);
    CoreContext ctx{cfg, program, semaphores, memory.get(), result, options.record_dma_packets,
                    {}, {}};
    auto core = std::make_unique<NeuronCore>(ctx);
    sc_core::sc_start();
    deadlock = semaphores.describe_deadlock(program);
    for (int s = 0; s < isa::kStreamCount; ++s)
      for (size_t i = 0; i < semaphores.published(static_cast<isa::Stream>(s)); ++i)
        result.sim_time_ns = std::max(
            result.sim_time_ns,
            to_ns(semaphores.completion_time(static_cast<isa::Stream>(s), i)));
    core.reset();
  }
  if (!deadlock.empty())
    throw UserError("deadlock: the semaphores can never be satisfied: " + deadlock);
  if (memory && hbm) {
    hbm->resize(program.tensors.size());
    for (size_t t = 0; t < program.tensors.size(); ++t)
      (*hbm)[t] = memory->tensor(static_cast<int32_t>(t));
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace trnsim::model

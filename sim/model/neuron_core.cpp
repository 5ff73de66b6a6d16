#include "sim/model/neuron_core.h"

#include <chrono>
#include <memory>
#include <systemc>

#include "common/checked.h"
#include "sim/cost/engine_cost.h"
#include "sim/model/compute_engine.h"
#include "sim/model/dma.h"
#include "sim/model/fresh_sim_context.h"
#include "sim/model/hbm.h"
#include "sim/model/pe_tensor_engine.h"

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

// Upper bounds on the DMA packets the program will produce, in all and in its largest transfer:
// one per group of partitions_per_engine partitions (or HBM rows) that a transfer touches, the
// most split_dma can make. Reserving them up front spares copying a vector of millions of
// packets as it grows; the largest transfer's are all in memory at once while it is handed over.
struct PacketBound {
  int64_t total = 0;
  int64_t largest_transfer = 0;
};

PacketBound dma_packet_bound(const isa::Program& program, const HwConfig& cfg) {
  const int64_t per_engine = cfg.dma.partitions_per_engine;
  PacketBound bound;
  for (int q = 0; q < isa::kDmaQueues; ++q)
    for (const isa::Instruction& in : program.stream(isa::dma_queue_stream(q))) {
      const isa::AccessPattern& side = in.dst.memory != Memory::hbm ? in.dst : in.src0;
      const int64_t first = side.memory == Memory::hbm ? 0 : side.start_partition;
      const int64_t groups = (first + side.partitions - 1) / per_engine - first / per_engine + 1;
      bound.total = checked_add(bound.total, groups, "the program's DMA packet count");
      bound.largest_transfer = std::max(bound.largest_transfer, groups);
    }
  return bound;
}

// The DMA packets the program can make, refused beyond the budget, and the memory they take
// (the largest transfer's shares while it is handed over; with a trace, every packet) refused
// beyond the memory budget, before anything is simulated. Returns the total.
size_t check_packet_budget(const isa::Program& program, const HwConfig& cfg,
                           const SimulationOptions& options) {
  const PacketBound packets = dma_packet_bound(program, cfg);
  const Budget& budget = options.budget;
  if (packets.total > budget.max_dma_packets)
    throw UserError("the program makes up to " + std::to_string(packets.total) +
                    " DMA packets (engine shares); the budget is " +
                    std::to_string(budget.max_dma_packets) + " (--max-dma-packets)");
  // Every term is below max_dma_packets x a few hundred bytes: no overflow.
  int64_t bytes = packets.largest_transfer *
                  static_cast<int64_t>(sizeof(cost::DmaShare) + sizeof(DmaWork));
  if (options.record_dma_packets)
    bytes += packets.total * static_cast<int64_t>(sizeof(DmaPacketEvent));
  if (bytes > budget.max_memory_bytes)
    throw UserError("the program's DMA packets need about " + std::to_string(bytes) +
                    " bytes; the memory budget is " + std::to_string(budget.max_memory_bytes) +
                    " (--max-memory-gib)");
  return static_cast<size_t>(packets.total);
}

}  // namespace

void check_fits(const isa::Program& program, const HwConfig& cfg, bool pe_frames) {
  check_pe_program(program, cfg, pe_frames);
  int64_t tensor_bytes = 0;
  for (const isa::HbmTensor& t : program.tensors)
    tensor_bytes = checked_add(tensor_bytes,
                               checked_mul(checked_mul(t.rows, t.cols, "tensor '" + t.name + "'"),
                                           dtype_size(t.dtype), "tensor '" + t.name + "'"),
                               "the program's HBM tensors");
  if (tensor_bytes > cfg.hbm.capacity_bytes)
    throw UserError("the program's HBM tensors take " + std::to_string(tensor_bytes) +
                    " bytes but hbm.capacity_bytes is " + std::to_string(cfg.hbm.capacity_bytes));
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
      check_on_chip(in.src2, cfg, at, "src2");
      if (in.op == isa::Opcode::matmul) check_matmul(in, cfg, at);
      if (!isa::is_dma(stream) && isa::engine_of(stream) != Engine::tensor) {
        const int lanes = cost::lane_config(cfg, isa::engine_of(stream)).lanes;
        for (const isa::AccessPattern* ap : {&in.dst, &in.src0, &in.src1, &in.src2})
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
  NeuronCore(CoreContext& ctx, PeFrameLog* pe_frames)
      : tensor_(ctx.cfg.tensor.model == TensorModel::transaction
                    ? std::make_unique<TensorEngine>("Tensor", ctx)
                    : nullptr),
        pe_tensor_(ctx.cfg.tensor.model == TensorModel::pe
                       ? std::make_unique<PeTensorEngine>("Tensor", ctx, pe_frames)
                       : nullptr),
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

  // What stopped the PE-level Tensor Engine, if anything (empty otherwise).
  std::string error() const { return pe_tensor_ ? pe_tensor_->error() : std::string(); }

 private:
  std::unique_ptr<TensorEngine> tensor_;  // one of the two models, by tensor.model
  std::unique_ptr<PeTensorEngine> pe_tensor_;
  LaneEngine vector_, scalar_, gpsimd_;
  HbmAddressMap hbm_map_;
  std::unique_ptr<HbmMemory> hbm_;
  DmaEngines dma_engines_;
  std::vector<std::unique_ptr<DmaQueue>> dma_queues_;
};

RunResult simulate(const isa::Program& program, const HwConfig& cfg,
                   const SimulationOptions& options, std::vector<std::vector<float>>* hbm) {
  check_fits(program, cfg, options.pe_frames != nullptr);
  // A run stopped at its time limit (sc_stop) is reported by the UserError below, not by
  // SystemC's "Info: /OSCI/SystemC: Simulation stopped by user."
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  const size_t packets = check_packet_budget(program, cfg, options);
  const auto wall_start = std::chrono::steady_clock::now();
  RunResult result;
  result.instructions.reserve(program.instruction_count());
  if (options.record_dma_packets) result.dma_packets.reserve(packets);
  std::unique_ptr<MemoryImage> memory;
  if (options.numerics) {
    memory = std::make_unique<MemoryImage>(cfg, program);
    for (size_t t = 0; hbm && t < hbm->size() && t < program.tensors.size(); ++t)
      if (!(*hbm)[t].empty()) memory->set_tensor(static_cast<int32_t>(t), (*hbm)[t]);
    for (size_t t = 0; t < program.tensors.size(); ++t)  // a constant's values come with it
      if (program.tensors[t].role == isa::TensorRole::constant)
        memory->set_tensor(static_cast<int32_t>(t), program.tensors[t].values);
  }
  std::string deadlock, engine_error;
  {
    FreshSimContext context;
    if (sc_core::sc_get_time_resolution() != sc_core::sc_time(kResolutionFs, sc_core::SC_FS))
      throw std::logic_error("ns()/to_ns() assume SystemC's default time resolution of 1 ps");
    Semaphores semaphores(program);
    CoreContext ctx{cfg, program, semaphores, memory.get(), result, options.record_dma_packets,
                    options.watch, {}, {}};
    auto core = std::make_unique<NeuronCore>(ctx, options.pe_frames);
    sc_core::sc_start();
    engine_error = core->error();
    deadlock = semaphores.describe_deadlock(program);
    for (int s = 0; s < isa::kStreamCount; ++s)
      for (size_t i = 0; i < semaphores.published(static_cast<isa::Stream>(s)); ++i)
        result.sim_time_ns = std::max(
            result.sim_time_ns,
            to_ns(semaphores.completion_time(static_cast<isa::Stream>(s), i)));
    core.reset();
  }
  if (!engine_error.empty()) throw UserError(engine_error);
  if (options.watch && options.watch->expired())
    throw UserError(options.watch->time_limit_message());
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

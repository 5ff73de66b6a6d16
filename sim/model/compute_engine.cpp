#include "sim/model/compute_engine.h"

#include "sim/model/numerics.h"

namespace trnsim::model {

using sc_core::sc_time;

namespace {

constexpr size_t kNumericsStackBytes = 1 << 20;

bool touches(const isa::Instruction& in, Memory m) {
  return (in.dst.valid() && in.dst.memory == m) || (in.src0.valid() && in.src0.memory == m) ||
         (in.src1.valid() && in.src1.memory == m) || (in.src2.valid() && in.src2.memory == m);
}

}  // namespace

ComputeEngine::ComputeEngine(const sc_core::sc_module_name& name, Engine engine,
                             CoreContext& ctx)
    : sc_module(name), ctx_(ctx), engine_(engine) {
  SC_THREAD(run);
  // With numerics on, this thread runs Eigen products, which keep packing buffers of up to
  // 128 KiB (EIGEN_STACK_ALLOCATION_LIMIT) on the stack; SystemC's default coroutine stack is
  // 64 KiB.
  if (ctx_.memory) set_stack_size(kNumericsStackBytes);
}

sc_time ComputeEngine::cycles(cost::Cycles c) const {
  return ns(cost::to_ns(c, cost::clock_ghz(ctx_.cfg, engine_)));
}

void ComputeEngine::run() {
  const isa::Stream stream = isa::compute_stream(engine_);
  const auto& instructions = ctx_.program.stream(stream);
  for (uint32_t i = 0; i < instructions.size(); ++i) {
    const isa::Instruction& in = instructions[i];
    prefetch_next(instructions, i);
    InstructionEvent ev{stream, i};
    ev.ready_ns = to_ns(sc_core::sc_time_stamp());
    for (const auto& w : in.waits) ctx_.semaphores.wait_for(stream, w);
    ev.waited_ns = to_ns(sc_core::sc_time_stamp());
    const Timing t = schedule(in, sc_core::sc_time_stamp());
    const sc_time complete = ctx_.semaphores.complete(stream, t.complete);
    if (t.start > sc_core::sc_time_stamp()) sc_core::wait(t.start - sc_core::sc_time_stamp());
    if (ctx_.memory) execute(in, *ctx_.memory);
    ev.start_ns = to_ns(t.start);
    ev.end_ns = to_ns(t.busy_until);
    ev.complete_ns = to_ns(complete);
    ctx_.result.busy_ns[isa::index(stream)] += ev.end_ns - ev.start_ns;
    ctx_.result.instructions.push_back(ev);
    tick_completion(ctx_);
    if (t.next_issue > sc_core::sc_time_stamp())
      sc_core::wait(t.next_issue - sc_core::sc_time_stamp());
  }
}

TensorEngine::TensorEngine(const sc_core::sc_module_name& name, CoreContext& ctx)
    : ComputeEngine(name, Engine::tensor, ctx) {}

Timing TensorEngine::schedule(const isa::Instruction& in, sc_time now) {
  Timing t;
  if (isa::opcode_info(in.op).cost == isa::CostRule::tensor_transpose) {
    const cost::EngineCost c = cost::engine_cost(ctx_.cfg, in, Engine::tensor);
    t.start = last_mm_start_ = std::max(now, array_free_at_);
    t.busy_until = array_free_at_ = weights_free_at_ = t.start + cycles(c.busy);
    t.next_issue = t.start;
    t.complete = t.start + cycles(c.latency);
    loaded_stationary_ = {};  // the identity replaced the stationary weights
    return t;
  }
  // 1. LoadStationary, skipped when the same weights are already loaded. Its path is double
  //    buffered: it may start once the previous MultiplyMoving has started.
  const cost::MatmulCost c = cost::matmul_cost(ctx_.cfg, in);
  sc_time weights_ready = std::max(now, weights_free_at_);
  if (!isa::same_operand(in.src0, loaded_stationary_)) {
    const sc_time load_start = std::max(weights_ready, last_mm_start_);
    weights_ready = weights_free_at_ = load_start + cycles(c.load_stationary);
    loaded_stationary_ = in.src0;
  }
  // 2. MultiplyMoving once the weights are in and the array is free.
  t.start = last_mm_start_ = std::max(weights_ready, array_free_at_);
  t.busy_until = array_free_at_ = t.start + cycles(c.multiply_moving);
  // 3. The sequencer moves on at once, so the next LoadStationary can run in the background.
  t.next_issue = t.start;
  t.complete = t.busy_until + cycles(c.result_latency);
  return t;
}

LaneEngine::LaneEngine(const sc_core::sc_module_name& name, Engine engine, CoreContext& ctx)
    : ComputeEngine(name, engine, ctx) {}

Timing LaneEngine::schedule(const isa::Instruction& in, sc_time now) {
  const cost::EngineCost c = cost::engine_cost(ctx_.cfg, in, engine_);
  const sc_time busy = cycles(c.busy);
  // Reserve each shared port this instruction needs, starting when all are free.
  SharedPort* ports[2] = {nullptr, nullptr};
  if (ctx_.cfg.shared_sbuf_port_vector_gpsimd && engine_ != Engine::scalar &&
      touches(in, Memory::sbuf))
    ports[0] = &ctx_.sbuf_port_vector_gpsimd;
  if (ctx_.cfg.shared_psum_port_vector_scalar && engine_ != Engine::gpsimd &&
      touches(in, Memory::psum))
    ports[1] = &ctx_.psum_port_vector_scalar;
  sc_time start = now;
  for (SharedPort* p : ports)
    if (p && p->free_at > start) start = p->free_at;
  for (SharedPort* p : ports)
    if (p) p->reserve(start, busy);
  Timing t;
  t.start = start;
  t.busy_until = t.next_issue = start + busy;
  t.complete = start + cycles(c.latency);
  return t;
}

}  // namespace trnsim::model

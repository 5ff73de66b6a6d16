#include "sim/model/pe_tensor_engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/checked.h"
#include "common/error.h"
#include "sim/model/pe_arithmetic.h"

namespace trnsim::model {

using sc_core::sc_time;

namespace {

constexpr isa::Stream kTensor = isa::compute_stream(Engine::tensor);

int64_t fp32_factor(const HwConfig& cfg, const isa::Instruction& in) {
  return in.src0.dtype == Dtype::fp32 || in.src1.dtype == Dtype::fp32 ? cfg.tensor.fp32_cost_factor
                                                                       : 1;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

bool same_values(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

PeTensorEngine::PeTensorEngine(const sc_core::sc_module_name& name, CoreContext& ctx,
                               PeFrameLog* frames)
    : sc_module(name),
      ctx_(ctx),
      frames_(frames),
      array_(ctx.cfg.tensor.rows, ctx.cfg.tensor.columns),
      inputs_(static_cast<size_t>(ctx.cfg.tensor.rows)) {
  SC_THREAD(sequence);
  SC_THREAD(clock);
  if (frames_) {
    frames_->rows = ctx.cfg.tensor.rows;
    frames_->columns = ctx.cfg.tensor.columns;
    frames_->clock_ghz = ctx.cfg.tensor.clock_ghz;
  }
}

sc_time PeTensorEngine::time_of(int64_t cycle) const {
  return ns(static_cast<double>(cycle) / ctx_.cfg.tensor.clock_ghz);
}

int64_t PeTensorEngine::first_cycle_at_or_after(sc_time t) const {
  int64_t c = static_cast<int64_t>(std::ceil(to_ns(t) * ctx_.cfg.tensor.clock_ghz));
  while (time_of(c) < t) ++c;
  while (c > 0 && time_of(c - 1) >= t) --c;
  return c;
}

PeTensorEngine::Job* PeTensorEngine::find(int32_t id) {
  for (Job& j : jobs_)
    if (j.id == id) return &j;
  return nullptr;
}

void PeTensorEngine::sequence() {
  const auto& instructions = ctx_.program.stream(kTensor);
  for (uint32_t i = 0; i < instructions.size(); ++i) {
    const isa::Instruction& in = instructions[i];
    Job job;
    job.in = &in;
    job.event = {kTensor, i};
    job.event.ready_ns = to_ns(sc_core::sc_time_stamp());
    for (const auto& w : in.waits) ctx_.semaphores.wait_for(kTensor, w);
    job.event.waited_ns = to_ns(sc_core::sc_time_stamp());
    job.id = next_id_++;
    job.k = in.src0.partitions;
    job.m = in.src0.free_elements();
    job.n = in.src1.free_elements();
    job.factor = fp32_factor(ctx_.cfg, in);
    job.outputs_left = job.m * job.n;
    // The weights stay when the same stationary is loaded already, as in the cost rules.
    job.needs_load = !isa::same_operand(in.src0, loaded_stationary_);
    if (job.needs_load) {
      last_bank_ = 1 - last_bank_;
      loaded_stationary_ = in.src0;
      job.load_groups = ceil_div(job.m, ctx_.cfg.tensor.fast_weight_load_factor);
    } else if (ctx_.memory &&
               !same_values(ctx_.memory->read(in.src0), loaded_values_[last_bank_])) {
      error_ = "tensor[" + std::to_string(i) +
               "]: reuses the stationary weights already in the array, but their SBUF bytes "
               "changed since they were loaded; the PE-level model cannot multiply with both";
      sc_core::sc_stop();
      return;
    }
    job.bank = last_bank_;
    if (ctx_.memory) job.out.resize(static_cast<size_t>(job.m * job.n));
    jobs_.push_back(std::move(job));
    work_arrived_.notify();
    // Like the transaction-level sequencer, move on once this matmul is on the array.
    const int32_t id = next_id_ - 1;
    while (started_through_ < id) sc_core::wait(feed_started_);
  }
}

void PeTensorEngine::clock() {
  for (;;) {
    while (jobs_.empty()) sc_core::wait(work_arrived_);
    const int64_t cycle = std::max(next_cycle_, first_cycle_at_or_after(sc_core::sc_time_stamp()));
    const sc_time at = time_of(cycle);
    if (at > sc_core::sc_time_stamp()) sc_core::wait(at - sc_core::sc_time_stamp());
    PeFrame frame;
    feed_and_step(cycle, frame);
    retire_finished(cycle);
    // Two delta cycles: the sequencer, woken by a matmul that started at this edge, hands over
    // the next one, whose weights may then load in the background from this edge on.
    sc_core::wait(sc_core::SC_ZERO_TIME);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    load_weights(cycle, frame);
    if (frames_) record_frame(frame, cycle);
    next_cycle_ = cycle + 1;
  }
}

void PeTensorEngine::start_feed(Job& job, int64_t cycle) {
  const TensorEngineConfig& te = ctx_.cfg.tensor;
  job.feed_start = cycle;
  port_free_cycle_ = cycle + std::max<int64_t>(job.n, te.mm_init_latency_cycles) * job.factor;
  job.event.start_ns = to_ns(time_of(cycle));
  job.event.end_ns = to_ns(time_of(port_free_cycle_));
  ctx_.result.busy_ns[isa::index(kTensor)] += job.event.end_ns - job.event.start_ns;
  if (ctx_.memory) job.moving = ctx_.memory->read(job.in->src1);
  started_through_ = job.id;
  feed_started_.notify(sc_core::SC_ZERO_TIME);
  if (frames_)
    frames_->matmuls.push_back({job.id, job.event.index, job.k, job.m, job.n, job.bank,
                                job.needs_load, cycle, 0});
}

void PeTensorEngine::feed_and_step(int64_t cycle, PeFrame& frame) {
  Job* feeding = nullptr;
  for (Job& j : jobs_)
    if (j.feed_start >= 0 && cycle < j.feed_start + j.n * j.factor) feeding = &j;
  if (!feeding)
    for (Job& j : jobs_) {
      if (j.feed_start >= 0) continue;
      const bool weights_in = !j.needs_load || (j.groups_written == j.load_groups &&
                                                cycle >= j.load_done_cycle);
      if (weights_in && cycle >= port_free_cycle_) {
        start_feed(j, cycle);
        feeding = &j;
      }
      break;
    }
  std::fill(inputs_.begin(), inputs_.end(), MovingValue{});
  if (feeding && (cycle - feeding->feed_start) % feeding->factor == 0) {
    const Job& j = *feeding;
    const int32_t n = static_cast<int32_t>((cycle - j.feed_start) / j.factor);
    for (int64_t r = 0; r < j.k; ++r)
      inputs_[r] = {{j.id, n}, ctx_.memory ? j.moving[r * j.n + n] : 0.0f,
                    static_cast<int8_t>(j.bank), static_cast<int32_t>(j.m)};
  }
  for (const FinishedOutput& o : array_.step(inputs_)) {
    Job* j = find(o.sum.tag.job);
    if (ctx_.memory) j->out[o.column * j->n + o.sum.tag.n] = o.sum.value;
    --j->outputs_left;
    if (frames_) frame.written.push_back(o);
  }
}

void PeTensorEngine::retire_finished(int64_t cycle) {
  while (!jobs_.empty() && jobs_.front().outputs_left == 0) {
    Job& j = jobs_.front();
    if (ctx_.memory) {
      if (j.in->accumulate) {
        const std::vector<float> held = ctx_.memory->read(j.in->dst);
        for (size_t i = 0; i < j.out.size(); ++i) j.out[i] = psum_accumulate(held[i], j.out[i]);
      }
      ctx_.memory->write(j.in->dst, j.out);
    }
    const sc_time now = sc_core::sc_time_stamp();
    j.event.complete_ns = to_ns(ctx_.semaphores.complete(kTensor, now));
    ctx_.result.instructions.push_back(j.event);
    if (frames_)
      for (PeMatmulRecord& m : frames_->matmuls)
        if (m.job == j.id) m.done_cycle = cycle;
    jobs_.pop_front();
    tick_completion(ctx_);
  }
}

void PeTensorEngine::load_weights(int64_t cycle, PeFrame& frame) {
  const TensorEngineConfig& te = ctx_.cfg.tensor;
  for (size_t i = 0; i < jobs_.size(); ++i) {
    Job& j = jobs_[i];
    if (!j.needs_load || j.groups_written == j.load_groups) continue;
    // Loads run in order, each once the matmul before it is on the array (background load).
    if (i > 0 && jobs_[i - 1].feed_start < 0) return;
    if (!j.load_started) {
      j.load_started = true;
      j.next_group_cycle = cycle;
      if (ctx_.memory) j.stationary = loaded_values_[j.bank] = ctx_.memory->read(j.in->src0);
    }
    if (cycle < j.next_group_cycle) return;
    const int64_t begin = j.groups_written * te.fast_weight_load_factor;
    const int64_t end = std::min<int64_t>(begin + te.fast_weight_load_factor, j.m);
    if (array_.bank_needed(j.bank, static_cast<int>(begin), static_cast<int>(end))) return;
    for (int64_t r = 0; r < j.k; ++r)
      for (int64_t c = begin; c < end; ++c)
        array_.write_weight(j.bank, static_cast<int>(r), static_cast<int>(c),
                            ctx_.memory ? j.stationary[r * j.m + c] : 0.0f);
    ++j.groups_written;
    j.next_group_cycle = cycle + j.factor;
    if (j.groups_written == j.load_groups) j.load_done_cycle = cycle + j.factor;
    frame.loading_job = j.id;
    frame.loaded_columns_begin = static_cast<int32_t>(begin);
    frame.loaded_columns_end = static_cast<int32_t>(end);
    return;
  }
}

void PeTensorEngine::record_frame(PeFrame& frame, int64_t cycle) {
  frame.cycle = cycle;
  frame.pes.reserve(static_cast<size_t>(array_.rows()) * array_.columns());
  for (int r = 0; r < array_.rows(); ++r)
    for (int c = 0; c < array_.columns(); ++c) frame.pes.push_back(array_.pe(r, c));
  for (int r = 1; r < array_.rows(); ++r)
    for (int s = 0; s < r; ++s) frame.skew.push_back(array_.skew(r, s));
  frames_->frames.push_back(std::move(frame));
}

int64_t pe_edge_bound(const isa::Program& program, const HwConfig& cfg) {
  const TensorEngineConfig& te = cfg.tensor;
  int64_t edges = 0;
  for (const isa::Instruction& in : program.stream(kTensor)) {
    const int64_t m = in.src0.free_elements(), n = in.src1.free_elements();
    const int64_t per_matmul =
        (ceil_div(m, te.fast_weight_load_factor) +
         std::max<int64_t>(n, te.mm_init_latency_cycles)) * fp32_factor(cfg, in) +
        te.rows + m + 1;
    edges = checked_add(edges, per_matmul, "the PE-level model's clock edges");
  }
  return edges;
}

void check_pe_program(const isa::Program& program, const HwConfig& cfg, bool frames) {
  if (cfg.tensor.model != TensorModel::pe) {
    if (frames)
      throw UserError("PE frames come from the PE-level Tensor Engine: set tensor.model=pe "
                      "(for example --hw teaching-pe)");
    return;
  }
  const auto& tensor = program.stream(kTensor);
  for (size_t i = 0; i < tensor.size(); ++i)
    if (tensor[i].op != isa::Opcode::matmul)
      throw UserError("tensor[" + std::to_string(i) + "]: the PE-level Tensor Engine "
                      "(tensor.model=pe) runs matmuls only; this is " +
                      std::string(isa::opcode_name(tensor[i].op)) +
                      " (use tensor.model=transaction)");
  const int64_t edges = pe_edge_bound(program, cfg);
  if (frames && edges > kMaxPeFrames)
    throw UserError("the PE frames of this run could take up to " + std::to_string(edges) +
                    " clock edges; a teaching view keeps at most " + std::to_string(kMaxPeFrames) +
                    " (try fewer or smaller matmuls)");
  const double steps = static_cast<double>(edges) * cfg.tensor.rows * cfg.tensor.columns;
  if (steps > static_cast<double>(kMaxPeSteps))
    throw UserError("the PE-level Tensor Engine (tensor.model=pe) would step up to " +
                    std::to_string(static_cast<int64_t>(steps)) + " PE-cycles for " +
                    std::to_string(tensor.size()) + " matmuls on a " +
                    std::to_string(cfg.tensor.rows) + "x" + std::to_string(cfg.tensor.columns) +
                    " array; it is meant for small arrays and shapes (at most " +
                    std::to_string(kMaxPeSteps) + "); use tensor.model=transaction");
}

}  // namespace trnsim::model

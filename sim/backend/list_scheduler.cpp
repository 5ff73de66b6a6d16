#include "sim/backend/list_scheduler.h"

#include <algorithm>

#include "sim/cost/engine_cost.h"

namespace trnsim::backend {

namespace {

// The same split over the DMA engines (cost::split_dma reads only these), wherever the bytes are.
bool same_dma_layout(const isa::Instruction& a, const isa::Instruction& b) {
  const auto same = [](const isa::AccessPattern& x, const isa::AccessPattern& y) {
    return x.memory == y.memory && x.dtype == y.dtype && x.start_partition == y.start_partition &&
           x.partitions == y.partitions && x.dims == y.dims;
  };
  return a.op == b.op && same(a.src0, b.src0) && same(a.dst, b.dst);
}

}  // namespace

ListScheduler::ListScheduler(const HwConfig& cfg, Sink sink)
    : cfg_(cfg),
      sink_(std::move(sink)),
      window_(static_cast<size_t>(std::max(1, cfg.compiler.schedule_window))),
      slots_(window_),
      dependencies_(window_, cfg.sbuf.bytes_per_partition, cfg.psum.bytes_per_partition),
      last_dma_(isa::kStreamCount),
      stream_free_ns_(isa::kStreamCount, 0.0) {
  for (int i = static_cast<int>(window_) - 1; i >= 0; --i) free_slots_.push_back(i);
  ready_.reserve(window_);
}

void ListScheduler::push(Item item) {
  if (window_ == 1) {  // program order: nothing to hold
    sink_(item);
    return;
  }
  if (held_ == window_) release_one();
  const int slot = free_slots_.back();
  free_slots_.pop_back();
  Held& h = slots_[static_cast<size_t>(slot)];
  h.item = std::move(item);
  h.position = next_position_++;
  h.pending_dependencies = 0;
  h.ready_ns = 0;
  h.dependents.clear();
  for (int earlier : dependencies_.add(slot, h.item.reads, h.item.writes)) {
    slots_[static_cast<size_t>(earlier)].dependents.push_back(slot);
    ++h.pending_dependencies;
  }
  ++held_;
  if (h.pending_dependencies == 0) ready_.push_back(slot);  // the newest: last in order
}

void ListScheduler::flush() {
  while (held_ > 0) release_one();
}

void ListScheduler::make_ready(int slot) {
  const uint64_t position = slots_[static_cast<size_t>(slot)].position;
  const auto at = std::lower_bound(ready_.begin(), ready_.end(), position, [&](int s, uint64_t p) {
    return slots_[static_cast<size_t>(s)].position < p;
  });
  ready_.insert(at, slot);
}

void ListScheduler::release_one() {
  // The ready instruction that could start first; the earliest in program order on a tie.
  // There is always one: the oldest held instruction depends on nothing held.
  size_t best = ready_.size();
  double best_start = 0;
  for (size_t i = 0; i < ready_.size(); ++i) {
    const Held& h = slots_[static_cast<size_t>(ready_[i])];
    const double start = std::max(h.ready_ns, stream_free_ns_[isa::index(h.item.stream)]);
    if (best == ready_.size() || start < best_start) {
      best = i;
      best_start = start;
    }
  }
  const int slot = ready_[best];
  ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(best));
  --held_;
  free_slots_.push_back(slot);
  dependencies_.release(slot);
  Held& chosen = slots_[static_cast<size_t>(slot)];

  const Estimate e = estimate(chosen.item);
  stream_free_ns_[isa::index(chosen.item.stream)] = best_start + e.busy_ns;
  if (chosen.item.in.op == isa::Opcode::matmul) tensor_stationary_ = chosen.item.in.src0;
  for (int dependent : chosen.dependents) {
    Held& d = slots_[static_cast<size_t>(dependent)];
    d.ready_ns = std::max(d.ready_ns, best_start + e.complete_ns);
    if (--d.pending_dependencies == 0) make_ready(dependent);
  }
  sink_(chosen.item);
}

// The cost rules' time of one instruction, without HBM contention or shared engine ports: an
// estimate for choosing an order, not the simulated time.
ListScheduler::Estimate ListScheduler::estimate(const Item& item) {
  const isa::Instruction& in = item.in;
  if (isa::is_dma(item.stream)) {
    DmaEstimate& last = last_dma_[isa::index(item.stream)];
    if (last.in.dst.valid() && same_dma_layout(last.in, in)) return last.estimate;
    double busy = 0;
    cost::split_dma(cfg_, in, shares_);
    for (const cost::DmaShare& s : shares_)
      busy = std::max(busy, cost::dma_engine_ns(cfg_, s));
    last = {in, {busy, cfg_.dma.setup_latency_ns + busy + cfg_.dma.completion_latency_ns}};
    return last.estimate;
  }
  const Engine engine = isa::engine_of(item.stream);
  const double ghz = cost::clock_ghz(cfg_, engine);
  if (isa::opcode_info(in.op).cost == isa::CostRule::matmul) {
    const cost::MatmulCost c = cost::matmul_cost(cfg_, in);
    // Loading other weights delays the multiply: the scheduler keeps a stationary's matmuls
    // together when it can.
    const cost::Cycles busy = isa::same_operand(in.src0, tensor_stationary_)
                                  ? c.multiply_moving
                                  : c.multiply_moving + c.load_stationary;
    return {cost::to_ns(busy, ghz), cost::to_ns(busy + c.result_latency, ghz)};
  }
  const cost::EngineCost c = cost::engine_cost(cfg_, in, engine);
  return {cost::to_ns(c.busy, ghz), cost::to_ns(c.latency, ghz)};
}

}  // namespace trnsim::backend

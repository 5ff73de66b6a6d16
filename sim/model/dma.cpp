#include "sim/model/dma.h"

#include <string>

#include "sim/model/hbm_bursts.h"
#include "sim/model/numerics.h"

namespace trnsim::model {

using sc_core::sc_time;

DmaEngine::DmaEngine(const sc_core::sc_module_name& name, int id, CoreContext& ctx,
                     const HbmAddressMap& hbm_map)
    : sc_module(name),
      socket("socket"),
      id_(id),
      ctx_(ctx),
      hbm_map_(hbm_map),
      burst_bytes_(static_cast<uint64_t>(ctx.cfg.hbm.burst_bytes)),
      scratch_(burst_bytes_) {
  burst_.engine = id;
  payload_.set_extension(&burst_);
  payload_.set_data_ptr(scratch_.data());
  payload_.set_byte_enable_ptr(nullptr);
  payload_.set_dmi_allowed(false);
  SC_THREAD(run);
}

DmaEngine::~DmaEngine() { payload_.clear_extension(&burst_); }

void DmaEngine::enqueue(const DmaWork& work) {
  queues_[work.queue].push_back(work);
  busy_queues_ |= 1u << work.queue;
  arrived_.notify(sc_core::SC_ZERO_TIME);
}

std::optional<DmaWork> DmaEngine::take_eligible(sc_time now) {
  if (!busy_queues_) return std::nullopt;
  const int queues = ctx_.cfg.dma.queues_per_engine;
  for (int k = 0; k < queues; ++k) {
    const int q = (next_queue_ + k) % queues;
    if (!(busy_queues_ >> q & 1u) || queues_[q].front().eligible > now) continue;
    DmaWork w = queues_[q].front();
    queues_[q].pop_front();
    if (queues_[q].empty()) busy_queues_ &= ~(1u << q);
    next_queue_ = (q + 1) % queues;
    return w;
  }
  return std::nullopt;
}

std::optional<sc_time> DmaEngine::earliest_eligible() const {
  std::optional<sc_time> first;
  for (uint32_t busy = busy_queues_; busy; busy &= busy - 1) {
    const sc_time eligible = queues_[__builtin_ctz(busy)].front().eligible;
    if (!first || eligible < *first) first = eligible;
  }
  return first;
}

// One request per share and HBM direction, as bursts; a store's write request arrives when the
// read (if the source is HBM too) is done. HBM answers each burst with its completion time.
sc_time DmaEngine::hbm_delay(const DmaWork& work) {
  const isa::Instruction& in = *work.transfer->instruction;
  const int64_t rows = (in.dst.memory != Memory::hbm ? in.dst : in.src0).partitions;
  sc_time delay = sc_core::SC_ZERO_TIME;
  if (work.share.hbm_read)
    delay = transport(tlm::TLM_READ_COMMAND, in.src0, rows, work.share, delay);
  if (work.share.hbm_write)
    delay = transport(tlm::TLM_WRITE_COMMAND, in.dst, rows, work.share, delay);
  return delay;
}

sc_time DmaEngine::transport(tlm::tlm_command command, const isa::AccessPattern& hbm,
                             int64_t partitioned_rows, const cost::DmaShare& share,
                             sc_time arrival) {
  const auto [row_begin, row_end] = hbm_rows_of(share, partitioned_rows, hbm);
  sc_time done = arrival;
  payload_.set_command(command);
  burst_.starts_request = true;
  for_each_hbm_burst(hbm_map_, hbm, row_begin, row_end, burst_bytes_,
                     [&](uint64_t address, uint64_t bytes) {
                       payload_.set_address(address);
                       payload_.set_data_length(static_cast<unsigned>(bytes));
                       payload_.set_streaming_width(static_cast<unsigned>(bytes));
                       payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                       sc_time delay = arrival;
                       socket->b_transport(payload_, delay);
                       burst_.starts_request = false;
                       if (delay > done) done = delay;
                     });
  return done;
}

void DmaEngine::run() {
  for (;;) {
    const sc_time now = sc_core::sc_time_stamp();
    const std::optional<DmaWork> work = take_eligible(now);
    if (!work) {
      if (auto next = earliest_eligible())
        sc_core::wait(*next - now, arrived_);
      else
        sc_core::wait(arrived_);
      continue;
    }
    sc_time duration = ns(cost::dma_engine_ns(ctx_.cfg, work->share));
    const sc_time hbm = hbm_delay(*work);
    if (hbm > duration) duration = hbm;
    sc_core::wait(duration);
    ctx_.result.dma_packets.push_back({id_, work->queue, work->transfer->index,
                                       work->share.bytes, work->share.descriptors,
                                       to_ns(now), to_ns(now + duration)});
    work->transfer->queue->share_done(*work->transfer);
  }
}

DmaQueue::DmaQueue(const sc_core::sc_module_name& name, int queue, CoreContext& ctx,
                   std::vector<std::unique_ptr<DmaEngine>>& engines)
    : sc_module(name),
      queue_(queue),
      stream_(isa::dma_queue_stream(queue)),
      ctx_(ctx),
      engines_(engines) {
  const size_t n = ctx_.program.stream(stream_).size();
  transfers_.resize(n);
  events_.resize(n);
  finished_.resize(n);
  SC_THREAD(run);
}

void DmaQueue::run() {
  const auto& instructions = ctx_.program.stream(stream_);
  const sc_time setup = ns(ctx_.cfg.dma.setup_latency_ns);
  for (uint32_t i = 0; i < instructions.size(); ++i) {
    InstructionEvent& ev = events_[i];
    ev = {stream_, i};
    ev.ready_ns = to_ns(sc_core::sc_time_stamp());
    for (const auto& w : instructions[i].waits) ctx_.semaphores.wait_for(stream_, w);
    const sc_time now = sc_core::sc_time_stamp();
    ev.waited_ns = ev.start_ns = to_ns(now);
    const std::vector<cost::DmaShare> shares = cost::split_dma(ctx_.cfg, instructions[i]);
    transfers_[i] = {this, &instructions[i], i, static_cast<int>(shares.size())};
    for (const auto& share : shares)
      engines_[share.engine]->enqueue({&transfers_[i], queue_, share, now + setup});
  }
}

void DmaQueue::share_done(DmaTransfer& transfer) {
  if (--transfer.shares_left > 0) return;
  const sc_time now = sc_core::sc_time_stamp();
  if (ctx_.memory) execute(ctx_.program.stream(stream_)[transfer.index], *ctx_.memory);
  finished_[transfer.index] = now + ns(ctx_.cfg.dma.completion_latency_ns);
  publish_finished();
}

// Completions become visible in queue order: a semaphore count of c means the first c
// transfers of the queue are done.
void DmaQueue::publish_finished() {
  while (next_to_publish_ < finished_.size() && finished_[next_to_publish_]) {
    InstructionEvent& ev = events_[next_to_publish_];
    const sc_time complete = ctx_.semaphores.complete(stream_, *finished_[next_to_publish_]);
    ev.end_ns = ev.complete_ns = to_ns(complete);
    ctx_.result.instructions.push_back(ev);
    ++next_to_publish_;
  }
}

}  // namespace trnsim::model

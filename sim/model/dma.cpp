#include "sim/model/dma.h"

#include <string>

#include "sim/model/numerics.h"

namespace trnsim::model {

using sc_core::sc_time;

DmaEngine::DmaEngine(const sc_core::sc_module_name& name, int id, CoreContext& ctx)
    : sc_module(name), socket("socket"), id_(id), ctx_(ctx) {
  SC_THREAD(run);
}

void DmaEngine::enqueue(const DmaWork& work) {
  queues_[work.queue].push_back(work);
  arrived_.notify(sc_core::SC_ZERO_TIME);
}

std::optional<DmaWork> DmaEngine::take_eligible(sc_time now) {
  const int queues = ctx_.cfg.dma.queues_per_engine;
  for (int k = 0; k < queues; ++k) {
    const int q = (next_queue_ + k) % queues;
    if (queues_[q].empty() || queues_[q].front().eligible > now) continue;
    DmaWork w = queues_[q].front();
    queues_[q].pop_front();
    next_queue_ = (q + 1) % queues;
    return w;
  }
  return std::nullopt;
}

std::optional<sc_time> DmaEngine::earliest_eligible() const {
  std::optional<sc_time> first;
  for (const auto& q : queues_)
    if (!q.empty() && (!first || q.front().eligible < *first)) first = q.front().eligible;
  return first;
}

// One TLM transaction per share and HBM direction; HBM answers with the time it needs to
// serve the bytes, queueing behind the other engines' requests.
sc_time DmaEngine::hbm_delay(const DmaWork& work) {
  sc_time delay = sc_core::SC_ZERO_TIME;
  tlm::tlm_generic_payload trans;
  trans.set_data_length(static_cast<unsigned>(work.share.bytes));
  trans.set_streaming_width(static_cast<unsigned>(work.share.bytes));
  if (work.share.hbm_read) {
    trans.set_command(tlm::TLM_READ_COMMAND);
    socket->b_transport(trans, delay);
  }
  if (work.share.hbm_write) {
    trans.set_command(tlm::TLM_WRITE_COMMAND);
    socket->b_transport(trans, delay);
  }
  return delay;
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
    transfers_[i] = {this, i, static_cast<int>(shares.size())};
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

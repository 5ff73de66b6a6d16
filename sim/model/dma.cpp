#include "sim/model/dma.h"

#include <algorithm>
#include <string>

#include "sim/model/hbm_bursts.h"
#include "sim/model/numerics.h"

namespace trnsim::model {

using sc_core::sc_time;

DmaEngines::DmaEngines(const sc_core::sc_module_name& name, CoreContext& ctx,
                       const HbmAddressMap& hbm_map, bool burst_payloads)
    : sc_module(name),
      socket("socket"),
      ctx_(ctx),
      hbm_map_(hbm_map),
      burst_bytes_(static_cast<uint64_t>(ctx.cfg.hbm.burst_bytes)),
      burst_payloads_(burst_payloads),
      queues_per_engine_(ctx.cfg.dma.queues_per_engine),
      lookahead_(ctx.memory ? sc_core::SC_ZERO_TIME : ns(ctx.cfg.dma.setup_latency_ns)),
      scratch_(burst_bytes_),
      engines_(static_cast<size_t>(ctx.cfg.dma.engines)),
      never_(sc_core::sc_max_time()),
      next_event_(engines_.size(), never_) {
  payload_.set_extension(&burst_);
  payload_.set_data_ptr(scratch_.data());
  payload_.set_byte_enable_ptr(nullptr);
  payload_.set_dmi_allowed(false);
  SC_METHOD(advance);  // runs once at time 0, then only when it asks to (next_trigger)
}

DmaEngines::~DmaEngines() { payload_.clear_extension(&burst_); }

void DmaEngines::enqueue(const DmaWork& work) {
  const int e = work.share.engine;
  Engine& engine = engines_[static_cast<size_t>(e)];
  engine.queues[work.queue].push_back(work);
  if (!(engine.busy_queues >> work.queue & 1u)) engine.front_eligible[work.queue] = work.eligible;
  engine.busy_queues |= 1u << work.queue;
  if (!engine.in_service && work.eligible < next_event_.time(e)) next_event_.set(e, work.eligible);
}

void DmaEngines::advance() {
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time horizon = now + lookahead_;
  for (;;) {
    const sc_time at = next_event_.earliest_time();
    if (at == never_ || (at >= horizon && at != now)) break;
    serve(static_cast<int>(next_event_.earliest()), at, now);
  }
  const sc_time next = next_event_.earliest_time();
  if (next == never_)
    next_trigger(arrived_);
  else
    next_trigger(next - now, arrived_);
}

void DmaEngines::serve(int e, sc_time at, sc_time now) {
  Engine& engine = engines_[static_cast<size_t>(e)];
  if (engine.in_service) {
    DmaTransfer& transfer = *engine.in_service->transfer;
    engine.in_service.reset();
    transfer.queue->share_done(transfer, at);
  }
  if (!take_eligible(engine, at)) {
    next_event_.set(e, earliest_eligible(engine));
    return;
  }
  const DmaWork& work = *engine.in_service;
  sc_time duration = ns(cost::dma_engine_ns(ctx_.cfg, work.share));
  const sc_time hbm = hbm_time(e, work, at, now);
  if (hbm > duration) duration = hbm;
  const sc_time end = at + duration;
  next_event_.set(e, end);
  // Packets are recorded as they start, so in order of start.
  RunResult& result = ctx_.result;
  result.dma_busy.add(to_ns(at), to_ns(end));
  result.dma_descriptors += work.share.descriptors;
  if (ctx_.record_dma_packets)
    result.dma_packets.push_back({e, work.queue, work.transfer->index, work.share.bytes,
                                  work.share.descriptors, to_ns(at), to_ns(end)});
}

bool DmaEngines::take_eligible(Engine& engine, sc_time at) {
  const uint32_t from_next = engine.busy_queues & (~0u << engine.next_queue);
  const uint32_t wrapped = engine.busy_queues & ~(~0u << engine.next_queue);
  for (uint32_t busy : {from_next, wrapped})
    for (; busy; busy &= busy - 1) {
      const int q = __builtin_ctz(busy);
      if (engine.front_eligible[q] > at) continue;
      std::deque<DmaWork>& queue = engine.queues[q];
      engine.in_service = queue.front();
      queue.pop_front();
      if (queue.empty())
        engine.busy_queues &= ~(1u << q);
      else
        engine.front_eligible[q] = queue.front().eligible;
      engine.next_queue = q + 1 == queues_per_engine_ ? 0 : q + 1;
      return true;
    }
  return false;
}

sc_time DmaEngines::earliest_eligible(const Engine& engine) const {
  sc_time first = never_;
  for (uint32_t busy = engine.busy_queues; busy; busy &= busy - 1)
    first = std::min(first, engine.front_eligible[__builtin_ctz(busy)]);
  return first;
}

sc_time DmaEngines::hbm_time(int e, const DmaWork& work, sc_time at, sc_time now) {
  const isa::Instruction& in = *work.transfer->instruction;
  const int64_t rows = (in.dst.memory != Memory::hbm ? in.dst : in.src0).partitions;
  const sc_time start = at - now;  // the TLM delay of a request sent at `at`
  sc_time done = start;
  burst_.engine = e;
  if (work.share.hbm_read)
    done = transport(tlm::TLM_READ_COMMAND, in.src0, rows, work.share, done);
  if (work.share.hbm_write)
    done = transport(tlm::TLM_WRITE_COMMAND, in.dst, rows, work.share, done);
  return done - start;
}

sc_time DmaEngines::transport(tlm::tlm_command command, const isa::AccessPattern& hbm,
                              int64_t partitioned_rows, const cost::DmaShare& share,
                              sc_time arrival) {
  const auto [row_begin, row_end] = hbm_rows_of(share, partitioned_rows, hbm);
  payload_.set_command(command);
  burst_.starts_request = true;
  sc_time done = arrival;
  const auto send_and_track = [&](uint64_t address, uint64_t bytes) {
    const sc_time completion = send(address, bytes, arrival);
    if (completion > done) done = completion;
  };
  if (burst_payloads_) {
    for_each_hbm_burst(hbm_map_, hbm, row_begin, row_end, burst_bytes_, send_and_track);
    return done;
  }
  // One request: the address of its first byte, its bytes in payloads of at most 2^31.
  constexpr uint64_t kMaxPayloadBytes = uint64_t{1} << 31;
  const uint64_t address = hbm_map_.row_address(hbm, row_begin);
  uint64_t left = static_cast<uint64_t>((row_end - row_begin) * hbm.free_bytes());
  for (uint64_t offset = 0; left > 0; offset += kMaxPayloadBytes) {
    const uint64_t n = std::min(left, kMaxPayloadBytes);
    send_and_track(address + offset, n);
    left -= n;
  }
  return done;
}

sc_time DmaEngines::send(uint64_t address, uint64_t bytes, sc_time arrival) {
  payload_.set_address(address);
  payload_.set_data_length(static_cast<unsigned>(bytes));
  payload_.set_streaming_width(static_cast<unsigned>(bytes));
  payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_time delay = arrival;
  socket->b_transport(payload_, delay);
  burst_.starts_request = false;
  return delay;
}

DmaQueue::DmaQueue(const sc_core::sc_module_name& name, int queue, CoreContext& ctx,
                   DmaEngines& engines)
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
    prefetch_next(instructions, i);
    InstructionEvent& ev = events_[i];
    ev = {stream_, i};
    ev.ready_ns = to_ns(sc_core::sc_time_stamp());
    for (const auto& w : instructions[i].waits) ctx_.semaphores.wait_for(stream_, w);
    const sc_time now = sc_core::sc_time_stamp();
    ev.waited_ns = ev.start_ns = to_ns(now);
    cost::split_dma(ctx_.cfg, instructions[i], shares_);
    transfers_[i] = {this, &instructions[i], i, static_cast<int>(shares_.size())};
    for (const auto& share : shares_)
      engines_.enqueue({&transfers_[i], queue_, share, now + setup});
    engines_.wake();
  }
}

void DmaQueue::share_done(DmaTransfer& transfer, sc_time at) {
  if (--transfer.shares_left > 0) return;
  if (ctx_.memory) execute(ctx_.program.stream(stream_)[transfer.index], *ctx_.memory);
  finished_[transfer.index] = at + ns(ctx_.cfg.dma.completion_latency_ns);
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
    tick_completion(ctx_);
    ++next_to_publish_;
  }
}

}  // namespace trnsim::model

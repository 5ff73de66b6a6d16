#include <algorithm>
#include <map>
#include <vector>

#include "sim/trace/json_text.h"
#include "sim/trace/operands.h"
#include "sim/trace/perfetto_events.h"

namespace trnsim::trace {
namespace {

constexpr int64_t kMaxBuckets = 5000;

// 1 µs, or the smallest of 2, 5, 10, 20, 50, ... µs that keeps the run within kMaxBuckets.
int64_t bucket_ps_for(int64_t horizon_ps) {
  int64_t bucket = 1'000'000;
  const int64_t steps[] = {2, 5, 10};
  for (int64_t decade = 1'000'000; horizon_ps / bucket >= kMaxBuckets; decade *= 10) {
    for (int64_t m : steps) {
      bucket = decade * m;
      if (horizon_ps / bucket < kMaxBuckets) break;
    }
  }
  return bucket;
}

// Adds `bytes` spread evenly over [begin, end) to the buckets it overlaps.
void spread(std::vector<double>& buckets, int64_t bucket_ps, int64_t begin, int64_t end,
            double bytes) {
  const int64_t last = static_cast<int64_t>(buckets.size()) - 1;
  if (end <= begin) {
    buckets[size_t(std::clamp<int64_t>(begin / bucket_ps, 0, last))] += bytes;
    return;
  }
  for (int64_t b = std::max<int64_t>(begin / bucket_ps, 0); b <= last && b * bucket_ps < end;
       ++b) {
    int64_t overlap = std::min(end, (b + 1) * bucket_ps) - std::max(begin, b * bucket_ps);
    if (overlap > 0) buckets[size_t(b)] += bytes * double(overlap) / double(end - begin);
  }
}

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

std::string counter(const char* name, int64_t ps, const std::string& args_json) {
  return JsonObjectText()
      .str("ph", "C")
      .num("pid", int64_t{kTracePid})
      .str("name", name)
      .raw("ts", ps_as_us(ps))
      .raw("args", args_json)
      .done();
}

}  // namespace

void add_hbm_bandwidth_counter(TraceEventSink& sink, const isa::Program& program,
                               const model::RunResult& run) {
  int64_t horizon = to_ps(run.sim_time_ns);
  for (const model::DmaPacketEvent& p : run.dma_packets)
    horizon = std::max(horizon, to_ps(p.end_ns));
  if (run.dma_packets.empty() || horizon <= 0) return;

  const int64_t bucket_ps = bucket_ps_for(horizon);
  const size_t n = size_t((horizon + bucket_ps - 1) / bucket_ps);
  std::vector<double> read(n, 0.0), write(n, 0.0);
  for (const model::DmaPacketEvent& p : run.dma_packets) {
    const isa::Instruction& in = instruction_of(program, p);
    int64_t b = to_ps(p.start_ns), e = to_ps(p.end_ns);
    if (in.src0.memory == Memory::hbm) spread(read, bucket_ps, b, e, double(p.bytes));
    if (in.dst.memory == Memory::hbm) spread(write, bucket_ps, b, e, double(p.bytes));
  }

  // bytes per ns = GB/s. Counters are step functions: emit only where a value changes.
  const double bucket_ns = double(bucket_ps) / 1000.0;
  double last_r = -1, last_w = -1;
  for (size_t i = 0; i < n; ++i) {
    double r = round3(read[i] / bucket_ns), w = round3(write[i] / bucket_ns);
    if (r == last_r && w == last_w) continue;
    sink.add(counter("HBM bandwidth (GB/s)", int64_t(i) * bucket_ps,
                     JsonObjectText().num("read", r).num("write", w).done()));
    last_r = r;
    last_w = w;
  }
  sink.add(counter("HBM bandwidth (GB/s)", int64_t(n) * bucket_ps, R"({"read":0,"write":0})"));
}

void add_outstanding_dma_counter(TraceEventSink& sink, const model::RunResult& run) {
  std::map<int64_t, int64_t> delta;  // time -> net change in outstanding transfers
  for (const model::InstructionEvent& e : run.instructions) {
    if (!isa::is_dma(e.stream)) continue;
    delta[to_ps(e.start_ns)] += 1;
    delta[to_ps(std::max(e.end_ns, e.complete_ns))] -= 1;
  }
  if (delta.empty()) return;
  const char* name = "Outstanding DMA transfers";
  auto emit = [&](int64_t ps, int64_t value) {
    sink.add(counter(name, ps, JsonObjectText().num("transfers", value).done()));
  };

  // Exact steps while they are few; otherwise the largest value within each time bucket.
  const bool exact = delta.size() <= size_t(2 * kMaxBuckets);
  const int64_t bucket_ps = exact ? 1 : bucket_ps_for(delta.rbegin()->first);
  int64_t outstanding = 0, bucket = -1, bucket_max = 0, last_emitted = -1;
  if (delta.begin()->first > 0) emit(0, last_emitted = 0);
  for (const auto& [ps, d] : delta) {
    outstanding += d;
    if (exact) {
      if (outstanding != last_emitted) emit(ps, last_emitted = outstanding);
      continue;
    }
    int64_t b = ps / bucket_ps;
    if (b != bucket) {
      if (bucket >= 0 && bucket_max != last_emitted)
        emit(bucket * bucket_ps, last_emitted = bucket_max);
      bucket = b;
      bucket_max = outstanding - d;  // the value held when the bucket opened
    }
    bucket_max = std::max(bucket_max, outstanding);
  }
  if (!exact) {
    if (bucket_max != last_emitted) emit(bucket * bucket_ps, bucket_max);
    if (outstanding != bucket_max) emit((bucket + 1) * bucket_ps, outstanding);
  }
}

}  // namespace trnsim::trace

#include "sim/backend/hazard_tracker.h"

#include <algorithm>

#include "sim/backend/segment_map.h"

namespace trnsim::backend {

HazardTracker::HazardTracker(int64_t sbuf_bytes, int64_t psum_bytes) {
  Segment empty;
  empty.last_reader.fill(-1);
  empty.end = sbuf_bytes;
  sbuf_[0] = empty;
  empty.end = psum_bytes;
  psum_[0] = empty;
}

void HazardTracker::on_chip(const Region& r, bool write, Access self, std::vector<Access>& deps,
                            std::vector<Access>& raw) {
  SegmentMap& map = segments(r.memory);
  split(map, r.byte_end);
  for (auto it = split(map, r.byte_begin); it != map.end() && it->first < r.byte_end; ++it) {
    Segment& seg = it->second;
    if (seg.writer.stream >= 0) (write ? deps : raw).push_back(seg.writer);
    if (write) {
      for (int s = 0; s < isa::kStreamCount; ++s)
        if (seg.last_reader[s] >= 0)
          deps.push_back({static_cast<int8_t>(s), static_cast<uint32_t>(seg.last_reader[s])});
      seg.writer = self;
      seg.last_reader.fill(-1);
    } else {
      seg.last_reader[self.stream] = static_cast<int32_t>(self.index);
    }
  }
}

void HazardTracker::hbm(const Region& r, bool write, Access self, std::vector<Access>& deps,
                        std::vector<Access>& raw) {
  if (!write && read_only_[r.tensor]) return;
  auto& history = hbm_[r.tensor];
  for (const HbmAccess& h : history) {
    const bool overlap = hbm_overlap(h.region, r);
    if (!overlap || (!write && !h.write)) continue;
    (h.write && !write ? raw : deps).push_back(h.access);
  }
  history.push_back({r, self, write});
}

std::vector<isa::SemaphoreWait> HazardTracker::track(isa::Stream consumer, uint32_t index,
                                                     const std::vector<Region>& reads,
                                                     const std::vector<Region>& writes,
                                                     bool tensor_accumulate) {
  const int me = isa::index(consumer);
  const Access self{static_cast<int8_t>(me), index};
  std::vector<Access>& deps = deps_;
  std::vector<Access>& raw = raw_;
  deps.clear();
  raw.clear();
  for (const Region& r : reads)
    r.memory == Memory::hbm ? hbm(r, false, self, deps, raw) : on_chip(r, false, self, deps, raw);
  for (const Region& r : writes)
    r.memory == Memory::hbm ? hbm(r, true, self, deps, raw) : on_chip(r, true, self, deps, raw);

  std::array<uint32_t, isa::kStreamCount> need{};
  for (const Access& a : deps)
    if (a.stream != me) need[a.stream] = std::max(need[a.stream], a.index + 1);
  for (const Access& a : raw) {
    const bool accumulate_chain =
        tensor_accumulate && a.stream == me && consumer == isa::compute_stream(Engine::tensor);
    if (!accumulate_chain) need[a.stream] = std::max(need[a.stream], a.index + 1);
  }
  std::vector<isa::SemaphoreWait> waits;
  for (int s = 0; s < isa::kStreamCount; ++s) {
    if (need[s] <= waited_[me][s]) continue;  // an earlier instruction of this stream waited
    waited_[me][s] = need[s];
    waits.push_back({static_cast<isa::Stream>(s), need[s]});
  }
  return waits;
}

}  // namespace trnsim::backend

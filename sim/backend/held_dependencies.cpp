#include "sim/backend/held_dependencies.h"

#include <algorithm>

#include "sim/backend/segment_map.h"

namespace trnsim::backend {

HeldDependencies::HeldDependencies(size_t slots, int64_t sbuf_bytes, int64_t psum_bytes)
    : id_of_slot_(slots, 0), found_for_(slots, 0) {
  sbuf_[0].end = sbuf_bytes;
  psum_[0].end = psum_bytes;
}

void HeldDependencies::depend_on(const Ref& r, const Ref& self) {
  if (r.id == self.id || !held(r)) return;
  uint64_t& mark = found_for_[static_cast<size_t>(r.slot)];
  if (mark == self.id) return;
  mark = self.id;
  found_.push_back(r.slot);
}

void HeldDependencies::on_chip(const Region& r, bool write, const Ref& self) {
  SegmentMap& map = r.memory == Memory::sbuf ? sbuf_ : psum_;
  split(map, r.byte_end);
  for (auto it = split(map, r.byte_begin); it != map.end() && it->first < r.byte_end; ++it) {
    Segment& seg = it->second;
    depend_on(seg.writer, self);
    if (write) {
      for (const Ref& reader : seg.readers) depend_on(reader, self);
      seg.writer = self;
      seg.readers.clear();
      continue;
    }
    if (!seg.readers.empty() && seg.readers.back().id == self.id) continue;
    // Bounded: a segment read many times between writes keeps only its held readers.
    if (seg.readers.size() >= id_of_slot_.size())
      seg.readers.erase(std::remove_if(seg.readers.begin(), seg.readers.end(),
                                       [this](const Ref& x) { return !held(x); }),
                        seg.readers.end());
    seg.readers.push_back(self);
  }
}

void HeldDependencies::hbm(const Region& r, bool write, const Ref& self) {
  for (const HbmAccess& h : hbm_writes_)
    if (hbm_overlap(h.region, r)) depend_on(h.ref, self);
  if (write)
    for (const HbmAccess& h : hbm_reads_)
      if (hbm_overlap(h.region, r)) depend_on(h.ref, self);
  std::vector<HbmAccess>& list = write ? hbm_writes_ : hbm_reads_;
  if (list.size() >= 2 * id_of_slot_.size()) drop_released(list);
  list.push_back({r, self});
}

// Keeps only the held instructions' accesses, so that a list stays within twice the window.
void HeldDependencies::drop_released(std::vector<HbmAccess>& accesses) {
  accesses.erase(std::remove_if(accesses.begin(), accesses.end(),
                                [this](const HbmAccess& h) { return !held(h.ref); }),
                 accesses.end());
}

const std::vector<int>& HeldDependencies::add(int slot, const std::vector<Region>& reads,
                                              const std::vector<Region>& writes) {
  const Ref self{slot, next_id_++};
  id_of_slot_[static_cast<size_t>(slot)] = self.id;
  found_.clear();
  for (const Region& r : reads)
    r.memory == Memory::hbm ? hbm(r, false, self) : on_chip(r, false, self);
  for (const Region& r : writes)
    r.memory == Memory::hbm ? hbm(r, true, self) : on_chip(r, true, self);
  return found_;
}

}  // namespace trnsim::backend

// The dependencies among the instructions the ListScheduler holds: which held instructions a
// new one must follow. As in HazardTracker, on-chip memory is tracked per byte range for all
// partitions alike, HBM per tensor as row x byte rectangles; unlike it, every stream counts
// (the scheduler may reorder within a stream) and every reader since the last write is kept,
// so a write follows all of them. Only direct dependencies are returned: a read follows the
// last writer, a write the last writer and the readers since; the rest follows by transitivity.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "sim/backend/hazard_tracker.h"

namespace trnsim::backend {

class HeldDependencies {
 public:
  HeldDependencies(size_t slots, int64_t sbuf_bytes, int64_t psum_bytes);

  // Records the accesses of the instruction now held in `slot` and returns the held slots it
  // must follow (valid until the next call).
  const std::vector<int>& add(int slot, const std::vector<Region>& reads,
                              const std::vector<Region>& writes);
  // The instruction in `slot` was released: nothing needs to wait for it here any more.
  void release(int slot) { id_of_slot_[static_cast<size_t>(slot)] = 0; }

 private:
  struct Ref {
    int slot = -1;
    uint64_t id = 0;
  };
  struct Segment {
    int64_t end = 0;
    Ref writer;
    std::vector<Ref> readers;  // since the last write, some possibly released
  };
  struct HbmAccess {
    Region region;
    Ref ref;
  };
  using SegmentMap = std::map<int64_t, Segment>;

  bool held(const Ref& r) const {
    return r.slot >= 0 && id_of_slot_[static_cast<size_t>(r.slot)] == r.id;
  }
  void depend_on(const Ref& r, const Ref& self);
  void on_chip(const Region& r, bool write, const Ref& self);
  void hbm(const Region& r, bool write, const Ref& self);
  void drop_released(std::vector<HbmAccess>& accesses);

  std::vector<uint64_t> id_of_slot_;  // 0: the slot is free
  uint64_t next_id_ = 1;
  SegmentMap sbuf_, psum_;
  // The held instructions' HBM accesses, reads and writes apart: a read (most DMAs are loads)
  // only has to look at the writes.
  std::vector<HbmAccess> hbm_reads_, hbm_writes_;
  std::vector<int> found_;
  std::vector<uint64_t> found_for_;  // per slot: the id whose dependency list holds it
};

}  // namespace trnsim::backend

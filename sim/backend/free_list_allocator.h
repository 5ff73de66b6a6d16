// First-fit allocation of byte ranges within one partition (every tile spans the same range
// in all its partitions). Tracks use and its peak.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace trnsim::backend {

class FreeListAllocator {
 public:
  FreeListAllocator(int64_t capacity_bytes, int64_t alignment_bytes);

  std::optional<int64_t> allocate(int64_t bytes);  // offset, or nothing if no hole fits
  void release(int64_t offset, int64_t bytes);

  int64_t capacity() const { return capacity_; }
  int64_t used() const { return used_; }
  int64_t peak() const { return peak_; }
  int64_t free_bytes() const { return capacity_ - used_; }
  int64_t rounded(int64_t bytes) const {
    return (bytes + alignment_ - 1) / alignment_ * alignment_;
  }

 private:
  int64_t capacity_;
  int64_t alignment_;
  int64_t used_ = 0;
  int64_t peak_ = 0;
  std::map<int64_t, int64_t> holes_;  // offset -> size, coalesced
};

}  // namespace trnsim::backend

#include "sim/backend/free_list_allocator.h"

#include <algorithm>
#include <cassert>

namespace trnsim::backend {

FreeListAllocator::FreeListAllocator(int64_t capacity_bytes, int64_t alignment_bytes)
    : capacity_(capacity_bytes), alignment_(std::max<int64_t>(1, alignment_bytes)) {
  holes_[0] = capacity_;
}

std::optional<int64_t> FreeListAllocator::allocate(int64_t bytes) {
  bytes = rounded(bytes);
  for (auto it = holes_.begin(); it != holes_.end(); ++it) {
    if (it->second < bytes) continue;
    const int64_t offset = it->first, size = it->second;
    holes_.erase(it);
    if (size > bytes) holes_[offset + bytes] = size - bytes;
    used_ += bytes;
    peak_ = std::max(peak_, used_);
    return offset;
  }
  return std::nullopt;
}

void FreeListAllocator::release(int64_t offset, int64_t bytes) {
  bytes = rounded(bytes);
  used_ -= bytes;
  assert(used_ >= 0);
  auto [it, inserted] = holes_.emplace(offset, bytes);
  assert(inserted && "double release");
  auto next = std::next(it);
  if (next != holes_.end() && it->first + it->second == next->first) {
    it->second += next->second;
    holes_.erase(next);
  }
  if (it != holes_.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      holes_.erase(it);
    }
  }
}

}  // namespace trnsim::backend

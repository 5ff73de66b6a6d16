#include "sim/isa/access_pattern.h"

#include <sstream>

namespace trnsim::isa {
namespace {

// Element offsets, relative to offset_bytes, of the lowest and highest element the free
// pattern touches.
struct FreeReach {
  int64_t low = 0;
  int64_t high = 0;
};

FreeReach free_reach(const FreeDims& dims) {
  FreeReach r;
  for (const FreeDim& d : dims) {
    int64_t reach = d.stride * (d.count - 1);
    (reach < 0 ? r.low : r.high) += reach;
  }
  return r;
}

}  // namespace

bool same_operand(const AccessPattern& a, const AccessPattern& b) {
  return a.memory == b.memory && a.offset_bytes == b.offset_bytes && a.dtype == b.dtype &&
         a.start_partition == b.start_partition && a.partitions == b.partitions &&
         a.dims == b.dims;
}

int64_t AccessPattern::contiguous_bytes() const {
  int64_t run = 1;  // elements
  for (const FreeDim* d = dims.end(); d-- != dims.begin();) {
    if (d->count == 1) continue;
    if (d->stride != run) break;
    run *= d->count;
  }
  return run * dtype_size(dtype);
}

int64_t AccessPattern::span_begin_bytes() const {
  if (dims.empty()) return offset_bytes;
  return offset_bytes + free_reach(dims).low * dtype_size(dtype);
}

int64_t AccessPattern::span_end_bytes() const {
  if (dims.empty()) return offset_bytes;
  return offset_bytes + (free_reach(dims).high + 1) * dtype_size(dtype);
}

std::string describe(const AccessPattern& ap, const std::string& hbm_tensor_name) {
  std::ostringstream s;
  if (ap.memory == Memory::hbm) {
    s << "hbm:" << hbm_tensor_name << "[rows " << ap.partitions << " stride " << ap.partition_stride
      << "]";
  } else {
    // Wrapping add: describe() also renders operands that validate() is about to reject.
    const auto end = static_cast<int64_t>(uint64_t(ap.start_partition) + uint64_t(ap.partitions));
    s << memory_name(ap.memory) << "[" << ap.start_partition << ":" << end << "]";
  }
  const uint64_t magnitude =
      ap.offset_bytes < 0 ? 0 - uint64_t(ap.offset_bytes) : uint64_t(ap.offset_bytes);
  s << "@" << (ap.offset_bytes < 0 ? "-" : "") << "0x" << std::hex << magnitude << std::dec << " "
    << dtype_name(ap.dtype) << " ";
  if (ap.dims.empty()) s << "[]";
  for (const FreeDim& d : ap.dims) s << "[" << d.stride << "," << d.count << "]";
  return s.str();
}

std::string describe(const AccessPattern& ap) {
  return describe(ap, "#" + std::to_string(ap.tensor));
}

}  // namespace trnsim::isa

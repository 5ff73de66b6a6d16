#include "sim/model/hbm_address_map.h"

namespace trnsim::model {

HbmAddressMap::HbmAddressMap(const std::vector<isa::HbmTensor>& tensors,
                             int64_t alignment_bytes) {
  const uint64_t align = static_cast<uint64_t>(alignment_bytes);
  bases_.reserve(tensors.size());
  for (const isa::HbmTensor& t : tensors) {
    const uint64_t base = (end_ + align - 1) / align * align;
    bases_.push_back(base);
    end_ = base + static_cast<uint64_t>(t.bytes());
  }
}

uint64_t HbmAddressMap::row_address(const isa::AccessPattern& hbm, int64_t row) const {
  const int64_t offset = hbm.offset_bytes + row * hbm.partition_stride * dtype_size(hbm.dtype);
  return base(hbm.tensor) + static_cast<uint64_t>(offset);
}

}  // namespace trnsim::model

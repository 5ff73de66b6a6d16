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

}  // namespace trnsim::model

// Where each HBM tensor of a program lives in the NeuronCore's HBM address space: tensors are
// laid out in Program::tensors order from address 0, each base rounded up to a multiple of
// hbm.tensor_alignment_bytes. A plain class, so the model, the tests and a reader of a run
// can all compute the same addresses.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/isa/program.h"

namespace trnsim::model {

class HbmAddressMap {
 public:
  HbmAddressMap(const std::vector<isa::HbmTensor>& tensors, int64_t alignment_bytes);

  uint64_t base(int32_t tensor) const { return bases_[static_cast<size_t>(tensor)]; }
  uint64_t end() const { return end_; }  // one past the last byte of the last tensor

  // The HBM address of byte `offset_bytes` of an access pattern's row `row` (an HBM row is the
  // pattern's partition axis, `partition_stride` elements apart).
  uint64_t row_address(const isa::AccessPattern& hbm, int64_t row) const {
    return base(hbm.tensor) + static_cast<uint64_t>(
                                  hbm.offset_bytes +
                                  row * hbm.partition_stride * dtype_size(hbm.dtype));
  }

 private:
  std::vector<uint64_t> bases_;
  uint64_t end_ = 0;
};

}  // namespace trnsim::model

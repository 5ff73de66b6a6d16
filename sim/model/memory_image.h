// The contents of SBUF, PSUM and the program's HBM tensors, kept only when numerics are on.
// Values are stored in their element type (bf16 with round-to-nearest-even, fp16, fp32) and
// read back as float, so every store rounds exactly as the hardware's storage would.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/isa/program.h"

namespace trnsim::model {

class MemoryImage {
 public:
  MemoryImage(const HwConfig& cfg, const isa::Program& program);

  // Elements of `ap` in [partition][free...] row-major order.
  std::vector<float> read(const isa::AccessPattern& ap) const;
  void write(const isa::AccessPattern& ap, const std::vector<float>& values);

  // A whole HBM tensor, rows x cols row-major.
  void set_tensor(int32_t tensor, const std::vector<float>& values);
  std::vector<float> tensor(int32_t tensor) const;

 private:
  template <typename Visit>
  void for_each_element(const isa::AccessPattern& ap, Visit&& visit) const;
  const std::vector<uint8_t>& bytes_of(const isa::AccessPattern& ap) const;

  const isa::Program& program_;
  int64_t sbuf_partition_bytes_;
  int64_t psum_partition_bytes_;
  std::vector<uint8_t> sbuf_;
  std::vector<uint8_t> psum_;
  std::vector<std::vector<uint8_t>> hbm_;
};

float round_to(Dtype dtype, float value);  // what storing `value` as `dtype` keeps

}  // namespace trnsim::model

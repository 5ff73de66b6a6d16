#include "sim/model/memory_image.h"

#include <Eigen/Core>
#include <cstring>

namespace trnsim::model {
namespace {

float load(Dtype dtype, const uint8_t* p) {
  switch (dtype) {
    case Dtype::bf16: {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      return static_cast<float>(Eigen::numext::bit_cast<Eigen::bfloat16>(bits));
    }
    case Dtype::fp16: {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      return static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(bits));
    }
    case Dtype::fp32: break;
  }
  float f;
  std::memcpy(&f, p, 4);
  return f;
}

void store(Dtype dtype, uint8_t* p, float value) {
  switch (dtype) {
    case Dtype::bf16: {
      // Eigen's float -> bfloat16 conversion rounds to nearest even.
      const uint16_t bits = Eigen::numext::bit_cast<uint16_t>(Eigen::bfloat16(value));
      std::memcpy(p, &bits, 2);
      return;
    }
    case Dtype::fp16: {
      const uint16_t bits = Eigen::numext::bit_cast<uint16_t>(Eigen::half(value));
      std::memcpy(p, &bits, 2);
      return;
    }
    case Dtype::fp32: break;
  }
  std::memcpy(p, &value, 4);
}

}  // namespace

float round_to(Dtype dtype, float value) {
  uint8_t buf[4];
  store(dtype, buf, value);
  return load(dtype, buf);
}

MemoryImage::MemoryImage(const HwConfig& cfg, const isa::Program& program)
    : program_(program),
      sbuf_partition_bytes_(cfg.sbuf.bytes_per_partition),
      psum_partition_bytes_(cfg.psum.bytes_per_partition),
      sbuf_(static_cast<size_t>(cfg.sbuf.partitions * cfg.sbuf.bytes_per_partition)),
      psum_(static_cast<size_t>(cfg.psum.partitions * cfg.psum.bytes_per_partition)) {
  for (const auto& t : program.tensors) hbm_.emplace_back(static_cast<size_t>(t.bytes()));
}

const std::vector<uint8_t>& MemoryImage::bytes_of(const isa::AccessPattern& ap) const {
  switch (ap.memory) {
    case Memory::sbuf: return sbuf_;
    case Memory::psum: return psum_;
    case Memory::hbm: break;
  }
  return hbm_[ap.tensor];
}

// Calls visit(byte_offset) for every element of `ap` in row-major order. Bounds were checked
// against the configuration before the simulation started.
template <typename Visit>
void MemoryImage::for_each_element(const isa::AccessPattern& ap, Visit&& visit) const {
  const int64_t size = dtype_size(ap.dtype);
  int64_t row_stride_bytes = ap.partition_stride * size;
  int64_t base = ap.offset_bytes;
  if (ap.memory != Memory::hbm) {
    row_stride_bytes = ap.memory == Memory::sbuf ? sbuf_partition_bytes_ : psum_partition_bytes_;
    base += ap.start_partition * row_stride_bytes;
  }
  int64_t dims[4] = {1, 1, 1, 1};
  int64_t strides[4] = {0, 0, 0, 0};
  const size_t pad = 4 - ap.dims.size();
  for (size_t d = 0; d < ap.dims.size(); ++d) {
    dims[pad + d] = ap.dims[d].count;
    strides[pad + d] = ap.dims[d].stride * size;
  }
  for (int64_t p = 0; p < ap.partitions; ++p)
    for (int64_t a = 0; a < dims[0]; ++a)
      for (int64_t b = 0; b < dims[1]; ++b)
        for (int64_t c = 0; c < dims[2]; ++c)
          for (int64_t d = 0; d < dims[3]; ++d)
            visit(base + p * row_stride_bytes + a * strides[0] + b * strides[1] +
                  c * strides[2] + d * strides[3]);
}

std::vector<float> MemoryImage::read(const isa::AccessPattern& ap) const {
  std::vector<float> out;
  out.reserve(static_cast<size_t>(ap.partitions * ap.free_elements()));
  const uint8_t* bytes = bytes_of(ap).data();
  for_each_element(ap, [&](int64_t at) { out.push_back(load(ap.dtype, bytes + at)); });
  return out;
}

void MemoryImage::write(const isa::AccessPattern& ap, const std::vector<float>& values) {
  uint8_t* bytes = const_cast<uint8_t*>(bytes_of(ap).data());
  size_t i = 0;
  for_each_element(ap, [&](int64_t at) { store(ap.dtype, bytes + at, values[i++]); });
}

void MemoryImage::set_tensor(int32_t tensor, const std::vector<float>& values) {
  const auto& t = program_.tensors[tensor];
  const int64_t size = dtype_size(t.dtype);
  for (int64_t i = 0; i < t.rows * t.cols; ++i) store(t.dtype, &hbm_[tensor][i * size], values[i]);
}

std::vector<float> MemoryImage::tensor(int32_t tensor) const {
  const auto& t = program_.tensors[tensor];
  const int64_t size = dtype_size(t.dtype);
  std::vector<float> out(static_cast<size_t>(t.rows * t.cols));
  for (int64_t i = 0; i < t.rows * t.cols; ++i) out[i] = load(t.dtype, &hbm_[tensor][i * size]);
  return out;
}

}  // namespace trnsim::model

// The free dimensions of an access pattern, held inline: the ISA allows at most four (reference
// trainium.md §3: "up to 4-D F access pattern"), and a program has millions of operands, so a
// heap allocation per operand would dominate building and simulating it. Reads like a small
// std::vector; adding a fifth dimension is a bug of the caller (program loaders check first).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <vector>

namespace trnsim::isa {

constexpr int kMaxFreeDims = 4;

struct FreeDim {
  int64_t stride = 1;  // elements
  int64_t count = 1;
  bool operator==(const FreeDim& o) const { return stride == o.stride && count == o.count; }
};

class FreeDims {
 public:
  FreeDims() = default;
  FreeDims(std::initializer_list<FreeDim> dims) { assign(dims.begin(), dims.end()); }
  FreeDims(const std::vector<FreeDim>& dims) { assign(dims.begin(), dims.end()); }  // NOLINT

  void push_back(const FreeDim& d) {
    if (size_ == kMaxFreeDims) throw std::length_error("an access pattern has at most 4 dims");
    dims_[size_++] = d;
  }
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  FreeDim& operator[](size_t i) { return dims_[i]; }
  const FreeDim& operator[](size_t i) const { return dims_[i]; }
  const FreeDim& back() const { return dims_[size_ - 1]; }
  FreeDim* begin() { return dims_.data(); }
  FreeDim* end() { return dims_.data() + size_; }
  const FreeDim* begin() const { return dims_.data(); }
  const FreeDim* end() const { return dims_.data() + size_; }
  bool operator==(const FreeDims& o) const {
    if (size_ != o.size_) return false;
    for (size_t i = 0; i < size_; ++i)
      if (!(dims_[i] == o.dims_[i])) return false;
    return true;
  }

 private:
  template <typename It>
  void assign(It first, It last) {
    for (size_ = 0; first != last; ++first) push_back(*first);
  }
  std::array<FreeDim, kMaxFreeDims> dims_{};
  uint8_t size_ = 0;
};

}  // namespace trnsim::isa

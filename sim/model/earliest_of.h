// The earliest of n times, and whose it is, in a winner tree: changing one time costs log2(n)
// comparisons, finding the earliest none. Ties go to the lowest index. The DMA engines use it
// to find the next engine event (sim/model/dma.h) without scanning all engines each time.
#pragma once

#include <cstdint>
#include <systemc>
#include <vector>

namespace trnsim::model {

class EarliestOf {
 public:
  // n times, all `initial`.
  EarliestOf(size_t n, sc_core::sc_time initial) : leaves_(1) {
    while (leaves_ < n) leaves_ *= 2;
    times_.assign(leaves_, initial);
    winner_.resize(2 * leaves_);
    for (size_t i = 0; i < leaves_; ++i) winner_[leaves_ + i] = static_cast<uint32_t>(i);
    for (size_t k = leaves_ - 1; k >= 1; --k) winner_[k] = winner_[2 * k];
  }

  sc_core::sc_time time(size_t i) const { return times_[i]; }
  size_t earliest() const { return winner_[1]; }
  sc_core::sc_time earliest_time() const { return times_[winner_[1]]; }

  void set(size_t i, sc_core::sc_time t) {
    times_[i] = t;
    for (size_t k = (leaves_ + i) / 2; k >= 1; k /= 2) {
      const uint32_t left = winner_[2 * k], right = winner_[2 * k + 1];
      winner_[k] = times_[right] < times_[left] ? right : left;
    }
  }

 private:
  size_t leaves_;                 // a power of two >= n; unused leaves hold `initial`
  std::vector<sc_core::sc_time> times_;
  std::vector<uint32_t> winner_;  // node k's earliest leaf; node 1 is the root, leaf i is
                                  // node leaves_ + i
};

}  // namespace trnsim::model

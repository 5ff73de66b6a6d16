// Engine cycles as their own type, so a cycle count is never added to nanoseconds by accident
// (gem5's Cycles). Conversion to time needs the clock of the engine that spends them.
#pragma once

#include <algorithm>
#include <cstdint>

namespace trnsim::cost {

struct Cycles {
  int64_t count = 0;
  constexpr Cycles() = default;
  constexpr explicit Cycles(int64_t n) : count(n) {}
  constexpr Cycles operator+(Cycles o) const { return Cycles(count + o.count); }
  constexpr Cycles operator*(int64_t k) const { return Cycles(count * k); }
  constexpr bool operator==(Cycles o) const { return count == o.count; }
  constexpr bool operator<(Cycles o) const { return count < o.count; }
};

constexpr Cycles max(Cycles a, Cycles b) { return a < b ? b : a; }
inline double to_ns(Cycles c, double clock_ghz) { return static_cast<double>(c.count) / clock_ghz; }

}  // namespace trnsim::cost

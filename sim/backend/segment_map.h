// A map from byte offset to the segment of memory starting there (each segment knows its end),
// as the hazard trackers keep SBUF and PSUM: split() makes an offset a segment boundary.
#pragma once

#include <cstdint>
#include <iterator>
#include <utility>

namespace trnsim::backend {

// Makes `at` a segment boundary of `map` and returns the segment starting there (end() when
// `at` lies past the last segment). The segment cut in two keeps its state in both halves.
template <class Map>
typename Map::iterator split(Map& map, int64_t at) {
  auto it = map.upper_bound(at);
  if (it == map.begin()) return map.end();
  --it;
  if (it->first == at) return it;
  if (at >= it->second.end) return std::next(it);
  auto tail = it->second;
  it->second.end = at;
  return map.emplace_hint(std::next(it), at, std::move(tail));
}

}  // namespace trnsim::backend

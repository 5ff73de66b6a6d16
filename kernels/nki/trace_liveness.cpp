#include "kernels/nki/trace_liveness.h"

#include <algorithm>
#include <map>
#include <set>

namespace trnsim::nki {

std::vector<std::pair<size_t, BlockKey>> dead_after(const std::vector<LivenessEvent>& events) {
  std::map<std::string, int64_t> current_tile_of_site;
  std::map<int64_t, std::string> site_of_tile;
  std::set<int64_t> aliased;  // tiles used after their site was declared again
  std::map<BlockKey, size_t> last_access;
  std::vector<std::pair<size_t, BlockKey>> dead;

  for (size_t i = 0; i < events.size();) {
    const LivenessEvent& e = events[i];
    if (e.kind == LivenessEvent::Kind::declaration) {
      current_tile_of_site[e.site] = e.key.tile;
      site_of_tile[e.key.tile] = e.site;
      ++i;
      continue;
    }
    // The accesses of one event, merged per block: a block read and written by the same
    // instruction (tensor_tensor into one of its sources) continues its value.
    std::map<BlockKey, std::pair<bool, bool>> merged;  // reads, writes the whole block
    for (; i < events.size() && events[i].kind == LivenessEvent::Kind::access &&
           events[i].event == e.event;
         ++i) {
      auto& [reads, writes_whole] = merged[events[i].key];
      reads |= events[i].reads;
      writes_whole |= events[i].writes_whole;
    }
    for (const auto& [key, access] : merged) {
      const auto site = site_of_tile.find(key.tile);
      if (site != site_of_tile.end() && current_tile_of_site[site->second] != key.tile)
        aliased.insert(key.tile);
      const auto last = last_access.find(key);
      const auto& [reads, writes_whole] = access;
      if (last != last_access.end() && writes_whole && !reads)  // a new value: the old one died
        dead.emplace_back(last->second, key);
      last_access[key] = e.event;
    }
  }
  for (const auto& [key, event] : last_access) dead.emplace_back(event, key);
  dead.erase(std::remove_if(dead.begin(), dead.end(),
                            [&](const auto& d) { return aliased.count(d.second.tile) > 0; }),
             dead.end());
  std::stable_sort(dead.begin(), dead.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return dead;
}

}  // namespace trnsim::nki

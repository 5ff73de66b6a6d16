// The SBUF a schedule's tiles take per partition, derived from the schedule itself rather than
// kept by hand beside it: sbuf_footprint() runs the schedule once against a backend that only
// records tile declarations (each loop body once, every operation ignored). A declaration site
// holds bufs x blocks x free x dtype-size bytes per partition for the whole kernel, as static
// allocation gives it (sim/backend/tile_store.h, like the NKI compiler), so the sum is what
// the schedule needs resident at once. Kernels use it to check or fit their block sizes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kernels/api/backend.h"

namespace trnsim {

using TileBytes = std::pair<std::string, int64_t>;  // tile name, bytes per partition

// One entry per SBUF declaration site, in program order. `sbuf_bytes_per_partition` is what
// the schedule is told about the target (schedules that fit nested blocks read it).
std::vector<TileBytes> sbuf_footprint(int64_t sbuf_bytes_per_partition,
                                      const std::function<void(Backend&)>& schedule);

int64_t total_bytes(const std::vector<TileBytes>& tiles);

}  // namespace trnsim

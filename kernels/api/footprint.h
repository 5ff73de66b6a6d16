// The SBUF a schedule's tiles take per partition, derived from the schedule itself rather than
// kept by hand beside it, and how many operations it makes: both run the schedule once against
// a backend that only records (each loop body once, at index 0). A declaration site
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

// How many backend operations (one instruction each on the simulator, before spills) the
// schedule makes, from the same dry run: each operation counts the product of the trip counts
// of the loops around it. Exact when a loop body makes the same calls at every index; the
// budget check of a run uses it to refuse a runaway shape before building anything.
// Saturates at INT64_MAX.
int64_t estimated_operations(int64_t sbuf_bytes_per_partition,
                             const std::function<void(Backend&)>& schedule);

}  // namespace trnsim

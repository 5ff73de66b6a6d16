// Running a sweep (sim/run/sweep_spec.h): each point is one deterministic timing-only run whose
// record is kept in a cache folder under the point's hash, so a repeated sweep runs only the
// points it has not finished. The points are fanned out by an engine that exists already: a
// local process pool (Python's concurrent.futures), a Dask cluster, or any job runner that
// takes one command per point (GNU parallel, a Slurm job array); each task is
// `trnsim sweep SPEC --point HASH`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/budget.h"
#include "sim/run/sweep_spec.h"

namespace trnsim::run {

// The numbers of a run's summary that a sweep keeps per point, in the results' order.
const std::vector<std::string>& sweep_result_stats();

// CACHE/<16 hex digits>.json, the record of a finished point.
std::string point_record_path(const std::string& cache_dir, const SweepPoint& point);

// The point's record, or none if it has not finished (no record, or one that cannot be read:
// then it runs again).
std::optional<nlohmann::json> read_point_record(const std::string& cache_dir,
                                                const SweepPoint& point);

// Runs the point and writes its record atomically: {"point": ..., "summary": {...}}, or
// {"point": ..., "error": "..."} for a run that failed (a shape that does not divide, a tile
// that does not fit): that is the point's result, and it is kept like any other.
void run_sweep_point(const SweepPoint& point, const std::string& cache_dir, const Budget& budget);

// The command that runs one point: `TRNSIM sweep SPEC --point HASH --cache CACHE`, with the
// spec and the cache as absolute paths.
std::vector<std::string> point_command(const std::string& trnsim, const SweepSpec& spec,
                                       const SweepPoint& point, const std::string& cache_dir);

struct SweepRun {
  int64_t points = 0, cached = 0, ran = 0, failed = 0, crashed = 0;
  std::vector<nlohmann::json> results;  // one per point, in spec order
};

// Runs every point without a record (`jobs` local processes, or the Dask scheduler at
// `scheduler` if not empty) and gathers every point's record into `results`: the point, then
// its summary's numbers or its error. A point whose process died (a crash, a kill) is in the
// results with that error and has no record, so the next run tries it again.
SweepRun run_sweep(const SweepSpec& spec, const std::string& trnsim, const std::string& cache_dir,
                   int jobs, const std::string& scheduler);

}  // namespace trnsim::run

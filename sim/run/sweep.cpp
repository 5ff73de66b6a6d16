#include "sim/run/sweep.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "common/atomic_file.h"
#include "common/excerpt.h"
#include "common/input_file.h"
#include "common/json_input.h"
#include "common/json_output.h"
#include "sim/run/nki_run.h"
#include "sim/trace/summary.h"

namespace trnsim::run {
namespace fs = std::filesystem;

const std::vector<std::string>& sweep_result_stats() {
  static const std::vector<std::string> stats = {
      "sim_time_ns",     "flops",       "mfu",         "hbm_read_bytes", "hbm_write_bytes",
      "peak_sbuf_bytes", "spill_bytes", "instructions"};
  return stats;
}

std::optional<nlohmann::json> read_point_record(const std::string& cache_dir,
                                                const SweepPoint& point) {
  const std::string path = point_record_path(cache_dir, point);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  try {
    return parse_json_input(read_input_file(path, "a sweep point record", 1 << 24),
                            path_excerpt(path));
  } catch (const UserError&) {
    return std::nullopt;  // unreadable: run the point again
  }
}

namespace {

// The point's row of the results: what it is, then its numbers or its error.
nlohmann::json result_row(const SweepPoint& p, const nlohmann::json& record) {
  nlohmann::json row = p.describe();
  if (record.contains("error")) {
    row["error"] = record["error"];
    return row;
  }
  for (const std::string& stat : sweep_result_stats())
    row[stat] = record["summary"].contains(stat) ? record["summary"][stat] : nullptr;
  row["error"] = nullptr;
  return row;
}

}  // namespace

std::string point_record_path(const std::string& cache_dir, const SweepPoint& point) {
  return (fs::path(cache_dir) / (point.hash.substr(point.hash.find(':') + 1) + ".json")).string();
}

void run_sweep_point(const SweepPoint& point, const std::string& cache_dir, const Budget& budget) {
  nlohmann::json record = {{"point", point.describe()}};
  KernelRunRequest request = point.request;
  request.budget = budget;
  try {
    const KernelRunOutput out = run_kernel(request);
    record["summary"] = trace::summary_to_json(
        trace::summarize(out.program, out.run, request.hw, trace::SummaryExtras{}));
  } catch (const UserError& e) {
    record["error"] = excerpt(e.what(), kLongExcerptChars);
  } catch (const std::bad_alloc&) {
    record["error"] = "out of memory";
  }
  std::error_code ec;
  fs::create_directories(cache_dir, ec);
  AtomicFile out(point_record_path(cache_dir, point));
  out.out() << json_line(record) << "\n";
  out.commit();
}

std::vector<std::string> point_command(const std::string& trnsim, const SweepSpec& spec,
                                       const SweepPoint& point, const std::string& cache_dir) {
  // Absolute paths: a Dask worker or a Slurm task need not start in this directory.
  std::error_code ec;
  return {trnsim, "sweep", fs::absolute(spec.path, ec).string(), "--point", point.hash,
          "--cache", fs::absolute(cache_dir, ec).string(), "--quiet"};
}

SweepRun run_sweep(const SweepSpec& spec, const std::string& trnsim, const std::string& cache_dir,
                   int jobs, const std::string& scheduler) {
  SweepRun run;
  run.points = static_cast<int64_t>(spec.points.size());
  std::vector<std::optional<nlohmann::json>> records;
  std::vector<size_t> missing;
  for (size_t i = 0; i < spec.points.size(); ++i) {
    records.push_back(read_point_record(cache_dir, spec.points[i]));
    if (!records.back()) missing.push_back(i);
  }
  run.cached = run.points - static_cast<int64_t>(missing.size());

  std::map<size_t, std::string> died;  // point index -> how its process ended
  if (!missing.empty()) {
    std::error_code ec;
    fs::create_directories(cache_dir, ec);
    const std::string stem = (fs::path(cache_dir) / ("pool-" + std::to_string(getpid()))).string();
    nlohmann::json commands = nlohmann::json::array();
    for (size_t i : missing)
      commands.push_back(point_command(trnsim, spec, spec.points[i], cache_dir));
    std::ofstream(stem + ".commands.json") << commands.dump();
    std::vector<std::string> args = {stem + ".commands.json", stem + ".done.jsonl",
                                     "--jobs", std::to_string(jobs)};
    if (!scheduler.empty()) args.insert(args.end(), {"--scheduler", scheduler});
    const PythonResult pool = run_python_module(args, "trnsim.sweep_pool");
    std::ifstream done(stem + ".done.jsonl");
    for (std::string line; std::getline(done, line);) {
      const nlohmann::json d = nlohmann::json::parse(line, nullptr, false);
      if (d.is_discarded() || !d.contains("index")) continue;
      const size_t i = missing.at(d["index"].get<size_t>());
      const int code = d["returncode"].get<int>();
      const std::string message = d["stderr"].get<std::string>();
      if (code != 0)
        died[i] = "the run's process ended with code " + std::to_string(code) +
                  (message.empty() ? "" : ": " + excerpt(message, kLongExcerptChars));
    }
    fs::remove(stem + ".commands.json", ec);
    fs::remove(stem + ".done.jsonl", ec);
    if (pool.exit_code != 0)
      throw UserError("sweep: the process pool failed: " +
                      (pool.message.empty() ? "exit code " + std::to_string(pool.exit_code)
                                            : pool.message));
    run.ran = static_cast<int64_t>(missing.size());
    for (size_t i : missing) records[i] = read_point_record(cache_dir, spec.points[i]);
  }
  for (size_t i = 0; i < spec.points.size(); ++i) {
    const SweepPoint& p = spec.points[i];
    const std::optional<nlohmann::json>& record = records[i];
    nlohmann::json row;
    if (record) {
      row = result_row(p, *record);
    } else {
      row = p.describe();
      row["error"] = died.count(i) ? died[i] : "the run left no record";
      ++run.crashed;
    }
    if (!row["error"].is_null()) ++run.failed;
    run.results.push_back(std::move(row));
  }
  return run;
}

}  // namespace trnsim::run

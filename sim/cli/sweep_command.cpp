#include "sim/cli/sweep_command.h"

#include <unistd.h>

#include <climits>
#include <iostream>

#include "common/atomic_file.h"
#include "common/json_output.h"
#include "common/output_set.h"
#include "sim/run/sweep.h"

namespace trnsim::cli {
namespace {

// This program, for the commands of the fanned-out points.
std::string own_path() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw UserError("sweep: cannot find the trnsim program (/proc/self/exe)");
  return std::string(path, static_cast<size_t>(n));
}

// A shell word: quoted unless it is plain.
std::string shell_word(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_-./:=,+") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A CSV field: quoted, inner quotes doubled.
std::string csv_field(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_number()) return v.dump();
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string joined(const nlohmann::json& assignments) {
  std::string out;
  for (const auto& [key, value] : assignments.items())
    out += (out.empty() ? "" : ",") + key + "=" + value.dump();
  return out;
}

void write_csv(const run::SweepSpec& spec, const run::SweepRun& r, std::ostream& out) {
  const std::vector<std::string>& numbers = run::sweep_result_stats();
  out << "hash,kernel,shape,params,dtype";
  for (const std::string& key : spec.set_keys) out << "," << key;
  for (const std::string& n : numbers) out << "," << n;
  out << ",error\n";
  for (const nlohmann::json& row : r.results) {
    out << csv_field(row["hash"]) << "," << csv_field(row["kernel"]) << ","
        << csv_field(joined(row["shape"])) << "," << csv_field(joined(row["params"])) << ","
        << csv_field(row["dtype"]);
    for (const auto& set : row["set"]) {
      const std::string s = set.get<std::string>();
      out << "," << csv_field(s.substr(s.find('=') + 1));
    }
    for (const std::string& n : numbers) out << "," << csv_field(row.value(n, nlohmann::json()));
    out << "," << csv_field(row["error"]) << "\n";
  }
}

}  // namespace

CLI::App* add_sweep_command(CLI::App& app, SweepCommand& c) {
  auto* cmd = app.add_subcommand(
      "sweep", "Runs a grid of hardware keys x kernels x shapes x parameters, cached per point");
  cmd->add_option("spec", c.spec, "The sweep spec (YAML)")->required();
  cmd->add_option("--cache", c.cache, "Folder of the points' records")->capture_default_str();
  cmd->add_option("-o,--output", c.jsonl, "Write the results as JSON lines");
  cmd->add_option("--csv", c.csv, "Write the results as CSV");
  cmd->add_option("--jobs", c.jobs, "Local worker processes")->capture_default_str();
  cmd->add_option("--scheduler", c.scheduler, "Run the points on this Dask scheduler");
  cmd->add_flag("--emit-commands", c.emit_commands,
                "Print one command per unfinished point (GNU parallel, Slurm) and stop");
  cmd->add_option("--point", c.point, "Run only the point with this hash (a task's command)");
  add_limit_options(*cmd, c.limits);
  return cmd;
}

void run_sweep_command(const SweepCommand& c) {
  if (c.jobs < 1) throw UsageError("--jobs: expected at least 1");
  const run::SweepSpec spec = run::load_sweep_spec(c.spec);
  if (!c.point.empty()) {
    for (const run::SweepPoint& p : spec.points)
      if (p.hash == c.point) return run::run_sweep_point(p, c.cache, c.limits.resolved());
    throw UsageError("--point: no point of " + c.spec + " has the hash " + c.point);
  }
  if (c.emit_commands) {
    const std::string trnsim = own_path();
    for (const run::SweepPoint& p : spec.points) {
      if (run::read_point_record(c.cache, p)) continue;  // finished
      std::string line;
      for (const std::string& word : run::point_command(trnsim, spec, p, c.cache))
        line += (line.empty() ? "" : " ") + shell_word(word);
      std::cout << line << "\n";
    }
    return;
  }
  std::vector<NamedFile> outputs;
  if (!c.jsonl.empty()) outputs.push_back({"-o", c.jsonl});
  if (!c.csv.empty()) outputs.push_back({"--csv", c.csv});
  check_output_paths(outputs, {{"the sweep spec", c.spec}});
  const run::SweepRun r = run::run_sweep(spec, own_path(), c.cache, c.jobs, c.scheduler);
  OutputSet files;
  if (!c.jsonl.empty()) {
    AtomicFile& f = files.add(c.jsonl);
    for (const nlohmann::json& row : r.results) f.out() << json_line(row) << "\n";
  }
  if (!c.csv.empty()) write_csv(spec, r, files.add(c.csv).out());
  std::cout << spec.points.size() << " points: " << r.cached << " cached, " << r.ran << " ran, "
            << r.failed << " failed";
  if (r.crashed > 0) std::cout << " (" << r.crashed << " of them died; rerun to retry)";
  std::cout << "; records in " << c.cache << "\n";
  files.commit();
}

}  // namespace trnsim::cli

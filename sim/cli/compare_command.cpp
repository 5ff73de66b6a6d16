#include "sim/cli/compare_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "common/json_output.h"
#include "sim/run/measurements.h"

namespace trnsim::cli {

using run::Comparison;
using run::MeasurementSet;

namespace {

// The row of `rows` with the largest absolute error.
const Comparison& worst_row(const std::vector<Comparison>& rows) {
  return *std::max_element(rows.begin(), rows.end(), [](const Comparison& a, const Comparison& b) {
    return std::fabs(a.error_percent) < std::fabs(b.error_percent);
  });
}

// One measured quantity of a profile next to its simulated value.
struct ProfileField {
  std::string name;  // "hbm_read_bytes", "active.vector"
  double measured = 0, simulated = 0;
  bool bytes = false;
};

std::vector<ProfileField> profile_fields(const Comparison& c) {
  std::vector<ProfileField> fields;
  if (!c.measured.profile) return fields;
  const run::MeasuredProfile& m = *c.measured.profile;
  const run::SimulatedProfile& s = c.simulated;
  const auto bytes = [&](const char* name, const std::optional<int64_t>& measured,
                         int64_t simulated) {
    if (measured)
      fields.push_back({name, static_cast<double>(*measured), static_cast<double>(simulated),
                        true});
  };
  bytes("hbm_read_bytes", m.hbm_read_bytes, s.hbm_read_bytes);
  bytes("hbm_write_bytes", m.hbm_write_bytes, s.hbm_write_bytes);
  bytes("spill_save_bytes", m.spill_save_bytes, s.spill_save_bytes);
  bytes("spill_reload_bytes", m.spill_reload_bytes, s.spill_reload_bytes);
  for (const auto& [engine, fraction] : m.active) {
    const auto found = s.active.find(engine);
    fields.push_back({"active." + engine, fraction, found == s.active.end() ? 0 : found->second,
                      false});
  }
  return fields;
}

// One line per field: measured, then simulated, in the same unit, and bytes' relative error.
std::string profile_text(const std::vector<ProfileField>& fields) {
  std::string out;
  char buf[160];
  for (const ProfileField& f : fields) {
    if (!f.bytes)
      std::snprintf(buf, sizeof buf, "    %-20s %12.1f %% measured %12.1f %% simulated\n",
                    f.name.c_str(), 100 * f.measured, 100 * f.simulated);
    else if (f.measured > 0)
      std::snprintf(buf, sizeof buf, "    %-20s %12.1f MB measured %12.1f MB simulated %+7.1f%%\n",
                    f.name.c_str(), f.measured / 1e6, f.simulated / 1e6,
                    100 * (f.simulated - f.measured) / f.measured);
    else
      std::snprintf(buf, sizeof buf, "    %-20s %12.1f MB measured %12.1f MB simulated\n",
                    f.name.c_str(), f.measured / 1e6, f.simulated / 1e6);
    out += buf;
  }
  return out;
}

nlohmann::json row_json(const Comparison& c) {
  nlohmann::json row = {{"kernel", c.measured.kernel},      {"shape", c.measured.shape},
                        {"measured_ms", c.measured.latency_ms}, {"simulated_ms", c.simulated_ms},
                        {"error_percent", c.error_percent},  {"wall_s", c.wall_seconds}};
  for (const ProfileField& f : profile_fields(c))
    row["profile"][f.name] = {{"measured", f.measured}, {"simulated", f.simulated}};
  if (!c.measured.not_fitted.empty()) row["not_fitted"] = c.measured.not_fitted;
  return row;
}

// The rows without a not_fitted reason.
std::vector<Comparison> fitted_only(const std::vector<Comparison>& rows) {
  std::vector<Comparison> out;
  for (const Comparison& c : rows)
    if (c.measured.not_fitted.empty()) out.push_back(c);
  return out;
}

void print_source(const MeasurementSet& set, const std::string& machine,
                  const std::vector<Comparison>& rows, bool first) {
  std::printf("%s%s\nsource: %s\nmethod: %s\ncaveats: %s\nsimulated on: %s\n\n",
              first ? "" : "\n", set.description.c_str(), set.source.c_str(),
              set.method.c_str(), set.caveats.c_str(), machine.c_str());
  std::printf("%-24s %-34s %12s %13s %8s %8s\n", "kernel", "shape", "measured ms",
              "simulated ms", "error", "wall s");
  for (const Comparison& c : rows) {
    std::printf("%-24s %-34s %12.3f %13.3f %+7.1f%% %8.2f\n", c.measured.kernel.c_str(),
                c.measured.shape.c_str(), c.measured.latency_ms, c.simulated_ms,
                c.error_percent, c.wall_seconds);
    std::fputs(profile_text(profile_fields(c)).c_str(), stdout);
    if (!c.measured.not_fitted.empty())
      std::printf("    not fitted: %s\n", c.measured.not_fitted.c_str());
  }
  const Comparison& worst = worst_row(rows);
  std::printf("mean absolute error: %.1f%%; worst row: %s %s, %+.1f%%\n",
              run::mean_absolute_percent_error(rows), worst.measured.kernel.c_str(),
              worst.measured.shape.c_str(), worst.error_percent);
  const std::vector<Comparison> fitted = fitted_only(rows);
  if (fitted.empty())
    std::printf("calibrate fits none of these rows (each says why above)\n");
  else if (fitted.size() < rows.size())
    std::printf("over the %zu rows calibrate fits: %.1f%%\n", fitted.size(),
                run::mean_absolute_percent_error(fitted));
}

}  // namespace

CLI::App* add_compare_command(CLI::App& app, CompareCommand& c) {
  auto* cmd = app.add_subcommand(
      "compare",
      "Simulate every entry of measurements files and compare with the measured latencies");
  cmd->add_option("files", c.files, "Measurements JSON files, e.g. traces/measured/*.json")
      ->required();
  add_machine_options(*cmd, c.machine);
  add_limit_options(*cmd, c.limits);
  cmd->add_flag("--json", c.json, "Print one JSON object");
  return cmd;
}

// Every file is a source: its rows, its mean absolute error and its worst row; with several
// files, the mean over all rows too. The machine is --hw, or else each file's own.
void run_compare(const CompareCommand& c) {
  std::vector<MeasurementSet> sets;
  for (const std::string& path : c.files) {
    try {
      sets.push_back(run::load_measurements(path));
    } catch (const UserError& e) {
      throw UsageError(e.what());
    }
  }
  nlohmann::json out = {{"sources", nlohmann::json::array()}};
  std::vector<Comparison> all;
  for (size_t s = 0; s < sets.size(); ++s) {
    const MeasurementSet& set = sets[s];
    MachineOptions machine = c.machine;
    if (machine.hw.empty()) machine.hw = set.hw;
    const HwConfig cfg = load_machine(machine);
    const std::vector<Comparison> rows =
        run::compare(set, cfg, c.limits.resolved(), c.limits.show_progress());
    all.insert(all.end(), rows.begin(), rows.end());
    if (!c.json) {
      print_source(set, cfg.label(), rows, s == 0);
      continue;
    }
    const Comparison& worst = worst_row(rows);
    nlohmann::json source = {{"file", c.files[s]},
                             {"hw", cfg.label()},
                             {"source", set.source},
                             {"method", set.method},
                             {"caveats", set.caveats},
                             {"mape_percent", run::mean_absolute_percent_error(rows)},
                             {"worst", {{"kernel", worst.measured.kernel},
                                        {"shape", worst.measured.shape},
                                        {"error_percent", worst.error_percent}}}};
    for (const Comparison& row : rows) source["rows"].push_back(row_json(row));
    out["sources"].push_back(source);
  }
  const double mape = run::mean_absolute_percent_error(all);
  if (c.json) {
    out["mape_percent"] = mape;
    // One file: its keys at the top too, as before several files were taken.
    if (sets.size() == 1)
      for (const auto& [key, value] : out["sources"][0].items()) out[key] = value;
    std::cout << json_line(out) << "\n";
  } else if (sets.size() > 1) {
    std::printf("\nall %zu files, %zu rows: mean absolute error %.1f%%\n", sets.size(),
                all.size(), mape);
    const std::vector<Comparison> fitted = fitted_only(all);
    if (fitted.size() < all.size())
      std::printf("over the %zu rows calibrate fits: %.1f%%\n", fitted.size(),
                  run::mean_absolute_percent_error(fitted));
  }
}

}  // namespace trnsim::cli

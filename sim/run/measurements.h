// Published or profiled kernel latencies (traces/measured/*.json) and their comparison with
// simulation: each entry names a kernel of the library (its shape and parameters) or an NKI
// kernel file (its inputs), and the measured latency; entries from a profile also carry its
// bytes, spill and engine-active fractions. `trnsim compare FILE` simulates every entry and
// reports the error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/budget.h"
#include "kernels/nki/trace_kernel.h"
#include "sim/config/hw_config.h"

namespace trnsim::run {

// What a profile measured besides the time; a field the profile does not give is absent.
struct MeasuredProfile {
  std::optional<int64_t> hbm_read_bytes, hbm_write_bytes;    // spill traffic included
  std::optional<int64_t> spill_save_bytes, spill_reload_bytes;
  std::map<std::string, double> active;  // "scalar", "vector", "gpsimd", "tensor" -> fraction
};

struct Measurement {
  // A library kernel, or (nki_file set) an NKI kernel file, then `kernel` is the function's
  // name and `shape` its arguments joined by ','.
  std::string kernel;
  std::string shape;   // "M=4096,K=8192,N=8192", or "x=4096x7168:float32"
  std::string params;  // "" or "TILES_IN_BLOCK_M=16"
  std::string nki_file;               // resolved path; "" for a library kernel
  std::string nki_kernel;             // "" -> the file's KERNEL
  std::vector<std::string> nki_args;  // NAME=SHAPE:DTYPE
  std::string grid;                   // SPMD launch grid, "" for none
  double latency_ms = 0;
  std::optional<MeasuredProfile> profile;
  std::string caveat;  // this row's own, besides the file's
  // Why `trnsim calibrate` leaves the row out (a mechanism the simulator does not model, named
  // by the row's source); "" for a row it fits. compare still runs and reports it.
  std::string not_fitted;
};

struct MeasurementSet {
  std::string description;
  std::string source;
  std::string method;   // how the latencies were measured
  std::string caveats;  // what they include or may not
  std::string hw;  // the machine that was measured: the default --hw
  std::string dtype;  // of the library kernels' rows
  std::vector<Measurement> measurements;
};

// A measurements file: {"description", "source", "method", "caveats", "hw", "dtype",
// "measurements": [row, ...]}; a row is {"kernel", "shape", "params" (optional)} or {"nki":
// "FILE.py[:KERNEL]" (relative to the measurements file), "args": [NAME=SHAPE:DTYPE, ...],
// "grid" (optional)}, with "latency_ms", "profile" (optional: "hbm_read_bytes",
// "hbm_write_bytes", "spill_save_bytes", "spill_reload_bytes", "active": {engine: fraction},
// each optional), "caveat" (optional) and "not_fitted" (optional: why calibrate leaves the row
// out). Every key is required unless marked, any other key is refused, each row's kernel, shape
// keys and parameters must exist and an NKI file must be a readable file. Throws InputError
// naming the file and the key.
MeasurementSet load_measurements(const std::string& path);
// The same from the file's bytes; `origin` names them in errors, NKI files are relative to
// `directory`.
MeasurementSet measurements_from_text(std::string_view text, const std::string& origin,
                                      const std::string& directory = ".");

// The simulated counterparts of a MeasuredProfile (filled for rows that have one).
struct SimulatedProfile {
  int64_t hbm_read_bytes = 0, hbm_write_bytes = 0;  // spill traffic included
  int64_t spill_save_bytes = 0, spill_reload_bytes = 0;
  std::map<std::string, double> active;  // busy_ns / sim_time_ns per engine, as above
};

struct Comparison {
  Measurement measured;
  double simulated_ms = 0;
  double error_percent = 0;  // 100 * (simulated - measured) / measured
  double wall_seconds = 0;
  SimulatedProfile simulated;
};

// The traces of NKI rows, kept across compare() calls (calibrate simulates every row many
// times; tracing runs Python and takes seconds). Keyed by file, kernel, arguments and grid.
class NkiTraceCache {
 public:
  const nki::TraceKernel& trace(const Measurement& m);

 private:
  std::map<std::string, nki::TraceKernel> traces_;
};

// Each row runs within `budget` (its time limit is per row) and, with `show_progress`, draws
// a progress line; a row that fails is a UserError naming the row. NKI rows are traced into
// `traces` (a fresh cache if null).
std::vector<Comparison> compare(const MeasurementSet& set, const HwConfig& hw,
                                const Budget& budget = {}, bool show_progress = false,
                                NkiTraceCache* traces = nullptr);
double mean_absolute_percent_error(const std::vector<Comparison>& rows);

}  // namespace trnsim::run

// What reproduces a run from its output (DESIGN.md §5): the record that the JSON summary and
// the Perfetto trace carry under "replay", and the way back from it to a run.
//
// A record holds the trnsim version that wrote it, the machine as resolved (the config's name,
// its source file, the --set overrides in order, and every parameter of the table with its
// value) and what ran: a kernel with its shape and block parameters resolved against the
// kernel's defaults, its dtype, numerics on/off and seed; or a program file with a hash of its
// bytes. Replaying rebuilds the HwConfig from the recorded values and never reads the YAML, so
// recalibrating trn1.yaml later does not change a replay. Any missing, unknown or ill-typed
// key is a UserError of one line naming the file and the dotted key.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/config/hw_config.h"
#include "sim/run/kernel_run.h"

namespace trnsim::run {

// The CMake project VERSION of this build.
std::string trnsim_version();

struct RunRecord {
  enum class Command { run, run_program };
  Command command = Command::run;
  std::string trnsim_version;  // of the build that wrote the record
  KernelRunRequest kernel;     // `run`: what ran, with `hw`, and shape/params resolved;
                               // `run-program`: only `hw` is used
  std::string program_path;    // `run-program`: absolute path of the program JSON
  std::string program_hash;    // `run-program`: "fnv1a64:<16 hex digits>" of its bytes
};

// The record of a kernel run; fills in the kernel's default shape and block parameters.
RunRecord kernel_run_record(const KernelRunRequest& request);
// The record of `trnsim run-program path` on `hw`; reads the file to hash it.
RunRecord program_run_record(const std::string& path, const HwConfig& hw);

nlohmann::json record_to_json(const RunRecord& record);
// Errors name `origin` (the file) and the record's JSON path in it, e.g. "out.json: replay".
RunRecord record_from_json(const nlohmann::json& record, const std::string& origin,
                           const std::string& json_path);

// Reads the record from a JSON summary ({"replay": ...}) or a Perfetto trace
// ({"otherData": {"replay": ...}}); throws InputError.
RunRecord load_run_record(const std::string& path);
// The same from the file's bytes; `origin` names them in errors.
RunRecord record_from_text(std::string_view text, const std::string& origin);

// FNV-1a, 64 bit, fed in pieces; text() is "fnv1a64:<16 hex digits>".
class Fnv1a64 {
 public:
  void update(const char* data, size_t bytes);
  std::string text() const;

 private:
  uint64_t h_ = 14695981039346656037ull;
};

// "fnv1a64:<16 hex digits>" of the file's bytes; throws UserError if it cannot be read.
std::string file_hash(const std::string& path);

}  // namespace trnsim::run

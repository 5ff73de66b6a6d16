#include "sim/run/run_record.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "common/excerpt.h"
#include "common/input_file.h"
#include "common/json_input.h"
#include "common/types.h"
#include "sim/config/hw_config_loader.h"
#include "sim/config/hw_parameters.h"

#ifndef TRNSIM_VERSION
#error "TRNSIM_VERSION (the CMake project VERSION) must be defined by the build"
#endif

namespace trnsim::run {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "trnsim-replay/1";

// A --json summary is a few kilobytes; a --trace of the largest tutorial kernel a few hundred
// megabytes. Its events are skipped while parsing (see load_run_record), not kept.
constexpr uint64_t kMaxRecordFileBytes = uint64_t{1} << 30;

// {"M": 4096, ...}: integers within int64.
Assignments assignments_of(JsonObject& r, const std::string& key) {
  Assignments out;
  JsonObject values = r.object(key);
  for (const auto& [name, v] : values.raw().items()) out[name] = values.integer(name);
  return out;
}

json hw_to_json(const HwConfig& hw) {
  json parameters = json::object();
  for (const HwParameter& p : hw_parameters()) {
    const double v = p.get(hw);
    switch (p.type) {
      case HwParameter::Type::boolean: parameters[p.key] = v != 0; break;
      case HwParameter::Type::integer: parameters[p.key] = static_cast<int64_t>(v); break;
      case HwParameter::Type::real: parameters[p.key] = v; break;
      case HwParameter::Type::choice: parameters[p.key] = p.format(hw); break;  // "simple"
    }
  }
  return {{"name", hw.name},
          {"source", hw.source_file},
          {"overrides", hw.overrides},
          {"parameters", parameters}};
}

HwConfig hw_from_json(JsonObject hw) {
  std::map<std::string, std::string> values;
  JsonObject parameters = hw.object("parameters");
  for (const auto& [key, v] : parameters.raw().items()) {
    if (v.is_boolean())
      values[key] = v.get<bool>() ? "true" : "false";
    else if (v.is_number_integer())
      values[key] = std::to_string(v.get<int64_t>());
    else if (v.is_number())
      values[key] = format_number(v.get<double>());  // reads back as exactly this double
    else if (v.is_string())
      values[key] = v.get<std::string>();  // a choice: its name (checked with the others)
    else
      parameters.bad(key, "a number, a boolean or a name", v);
  }
  HwConfig cfg = hw_config_from_values(values, parameters.where());
  cfg.name = hw.string("name");
  cfg.source_file = hw.string("source");
  cfg.overrides = hw.strings("overrides");
  hw.finish();
  return cfg;
}

}  // namespace

std::string trnsim_version() { return TRNSIM_VERSION; }

RunRecord kernel_run_record(const KernelRunRequest& request) {
  const KernelSpec& spec = find_kernel(request.kernel);
  RunRecord record;
  record.command = RunRecord::Command::run;
  record.trnsim_version = trnsim_version();
  record.kernel = request;
  record.kernel.shape =
      merge_assignments(spec.default_shape, request.shape, spec.name, "shape key");
  record.kernel.params =
      merge_assignments(spec.default_params, request.params, spec.name, "parameter");
  return record;
}

RunRecord program_run_record(const std::string& path, const HwConfig& hw) {
  RunRecord record;
  record.command = RunRecord::Command::run_program;
  record.trnsim_version = trnsim_version();
  record.kernel.hw = hw;
  record.program_path = std::filesystem::absolute(path).lexically_normal().string();
  record.program_hash = file_hash(path);
  return record;
}

json record_to_json(const RunRecord& record) {
  json out = {{"format", kFormat}, {"trnsim_version", record.trnsim_version}};
  const KernelRunRequest& k = record.kernel;
  if (record.command == RunRecord::Command::run) {
    out["command"] = "run";
    out["kernel"] = k.kernel;
    out["shape"] = k.shape;
    out["params"] = k.params;
    out["dtype"] = dtype_name(k.dtype);
    out["numerics"] = k.numerics;
    out["seed"] = k.seed;
  } else {
    out["command"] = "run-program";
    out["program"] = {{"path", record.program_path}, {"hash", record.program_hash}};
  }
  out["hw"] = hw_to_json(k.hw);
  return out;
}

RunRecord record_from_json(const json& j, const std::string& origin, const std::string& json_path) {
  JsonObject r(j, origin, json_path);
  const std::string format = r.string("format");
  if (format != kFormat)
    throw InputError(r.path("format") + ": '" + excerpt(format) +
                     "' is not a format this trnsim reads (" + kFormat + ")");
  RunRecord record;
  record.trnsim_version = r.string("trnsim_version");
  const std::string command = r.string("command");
  KernelRunRequest& k = record.kernel;
  if (command == "run") {
    record.command = RunRecord::Command::run;
    k.kernel = r.string("kernel");
    k.shape = assignments_of(r, "shape");
    k.params = assignments_of(r, "params");
    try {
      k.dtype = parse_dtype(r.string("dtype"));
    } catch (const UserError& e) {
      throw InputError(r.path("dtype") + ": " + e.what());
    }
    k.numerics = r.boolean("numerics");
    k.seed = r.unsigned_integer("seed");
  } else if (command == "run-program") {
    record.command = RunRecord::Command::run_program;
    JsonObject program = r.object("program");
    record.program_path = program.string("path");
    record.program_hash = program.string("hash");
    program.finish();
  } else {
    throw InputError(r.path("command") + ": '" + excerpt(command) + "' is not run or run-program");
  }
  k.hw = hw_from_json(r.object("hw"));
  r.finish();
  return record;
}

RunRecord record_from_text(std::string_view text, const std::string& origin) {
  // A trace's events are checked as JSON but not kept: only the record is wanted.
  const json doc = parse_json_input(text, origin, {"traceEvents"});
  if (doc.is_object() && doc.contains("replay"))
    return record_from_json(doc["replay"], origin, "replay");
  if (doc.is_object() && doc.contains("otherData") && doc["otherData"].is_object() &&
      doc["otherData"].contains("replay"))
    return record_from_json(doc["otherData"]["replay"], origin, "otherData.replay");
  throw InputError(origin +
                   ": no 'replay' record (expected the output of trnsim run --json, or "
                   "a --trace file)");
}

RunRecord load_run_record(const std::string& path) {
  return record_from_text(
      read_input_file(path, "a --json summary or --trace file to replay", kMaxRecordFileBytes),
      path_excerpt(path));
}

void Fnv1a64::update(const char* data, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) {
    h_ ^= static_cast<unsigned char>(data[i]);
    h_ *= 1099511628211ull;
  }
}

std::string Fnv1a64::text() const {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h_));
  return std::string("fnv1a64:") + hex;
}

std::string file_hash(const std::string& path) {
  const InputFile in(path, "a program JSON file");
  Fnv1a64 hash;
  char buf[1 << 16];
  for (uint64_t offset = 0; offset < in.size(); offset += sizeof buf) {
    const uint64_t bytes = std::min<uint64_t>(sizeof buf, in.size() - offset);
    in.read_into(offset, buf, bytes);
    hash.update(buf, bytes);
  }
  return hash.text();
}

}  // namespace trnsim::run

#include "sim/run/run_record.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

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

// One object of the record, read strictly: every key must be known and present; finish()
// rejects the keys nobody asked for.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string where) : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) throw UserError(where_ + ": expected a JSON object");
  }

  const json& at(const std::string& key) {
    asked_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end()) throw UserError(where_ + ": missing key '" + key + "'");
    return *it;
  }
  std::string string(const std::string& key) {
    const json& v = at(key);
    if (!v.is_string()) bad(key, "a string", v);
    return v.get<std::string>();
  }
  bool boolean(const std::string& key) {
    const json& v = at(key);
    if (!v.is_boolean()) bad(key, "true or false", v);
    return v.get<bool>();
  }
  uint64_t unsigned_integer(const std::string& key) {
    const json& v = at(key);
    if (!v.is_number_unsigned()) bad(key, "a non-negative integer", v);
    return v.get<uint64_t>();
  }
  Assignments assignments(const std::string& key) {
    Assignments out;
    ObjectReader values(at(key), path(key));
    for (const auto& [name, v] : values.object_.items()) {
      if (!v.is_number_integer()) values.bad(name, "an integer", v);
      out[name] = values.at(name).get<int64_t>();
    }
    return out;
  }
  std::vector<std::string> strings(const std::string& key) {
    const json& v = at(key);
    if (!v.is_array()) bad(key, "a list of strings", v);
    std::vector<std::string> out;
    for (const json& item : v) {
      if (!item.is_string()) bad(key, "a list of strings", v);
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  ObjectReader object(const std::string& key) { return ObjectReader(at(key), path(key)); }
  const json& raw() const { return object_; }
  const std::string& where() const { return where_; }
  std::string path(const std::string& key) const { return where_ + "." + key; }

  void finish() const {
    std::string known;
    for (const std::string& k : asked_) known += (known.empty() ? "" : ", ") + k;
    for (const auto& [key, v] : object_.items())
      if (!asked_.count(key))
        throw UserError(path(key) + ": unknown key (known here: " + known + ")");
  }

  [[noreturn]] void bad(const std::string& key, const std::string& expected, const json& v) const {
    throw UserError(path(key) + ": expected " + expected + ", got " + v.dump());
  }

 private:
  const json& object_;
  std::string where_;
  std::set<std::string> asked_;
};

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

HwConfig hw_from_json(ObjectReader hw) {
  std::map<std::string, std::string> values;
  ObjectReader parameters = hw.object("parameters");
  for (const auto& [key, v] : parameters.raw().items()) {
    if (v.is_boolean())
      values[key] = v.get<bool>() ? "true" : "false";
    else if (v.is_number_integer())
      values[key] = std::to_string(v.get<int64_t>());
    else if (v.is_number())
      values[key] = format_number(v.get<double>());  // reads back as exactly this double
    else if (v.is_string())
      values[key] = v.get<std::string>();  // a choice: its name
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

RunRecord record_from_json(const json& j, const std::string& where) {
  ObjectReader r(j, where);
  if (r.string("format") != kFormat)
    throw UserError(r.path("format") + ": '" + j["format"].get<std::string>() +
                    "' is not a format this trnsim reads (" + kFormat + ")");
  RunRecord record;
  record.trnsim_version = r.string("trnsim_version");
  const std::string command = r.string("command");
  KernelRunRequest& k = record.kernel;
  if (command == "run") {
    record.command = RunRecord::Command::run;
    k.kernel = r.string("kernel");
    k.shape = r.assignments("shape");
    k.params = r.assignments("params");
    try {
      k.dtype = parse_dtype(r.string("dtype"));
    } catch (const UserError& e) {
      throw UserError(r.path("dtype") + ": " + e.what());
    }
    k.numerics = r.boolean("numerics");
    k.seed = r.unsigned_integer("seed");
  } else if (command == "run-program") {
    record.command = RunRecord::Command::run_program;
    ObjectReader program = r.object("program");
    record.program_path = program.string("path");
    record.program_hash = program.string("hash");
    program.finish();
  } else {
    throw UserError(r.path("command") + ": '" + command + "' is not run or run-program");
  }
  k.hw = hw_from_json(r.object("hw"));
  r.finish();
  return record;
}

RunRecord load_run_record(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError("cannot open '" + path + "' to replay");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    throw UserError(path + ": not JSON (" + std::string(e.what()) + ")");
  }
  if (doc.is_object() && doc.contains("replay"))
    return record_from_json(doc["replay"], path + ": replay");
  if (doc.is_object() && doc.contains("otherData") && doc["otherData"].is_object() &&
      doc["otherData"].contains("replay"))
    return record_from_json(doc["otherData"]["replay"], path + ": otherData.replay");
  throw UserError(path + ": no 'replay' record (expected the output of trnsim run --json, or "
                  "a --trace file)");
}

std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read '" + path + "'");
  uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bit
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h ^= static_cast<unsigned char>(buf[i]);
      h *= 1099511628211ull;
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("fnv1a64:") + hex;
}

}  // namespace trnsim::run

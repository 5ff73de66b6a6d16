// program_from_json and load_program: JSON -> Program, rejecting anything malformed with the
// JSON path of the offending value.
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <map>

#include "common/did_you_mean.h"
#include "common/excerpt.h"
#include "common/input_file.h"
#include "common/json_input.h"
#include "sim/isa/program_json.h"

namespace trnsim::isa {
namespace {

using nlohmann::json;
using Keys = std::initializer_list<const char*>;

// A saved program of the largest tutorial kernel (matmul_naive, 99,328 instructions) is 36 MB,
// and its document takes about ten times that in memory; a program file may be 128 MiB.
constexpr uint64_t kMaxProgramFileBytes = uint64_t{128} << 20;

// A key may be user text (an unknown key, a stream name): it goes into a path as an excerpt.
std::string child(const std::string& path, const std::string& key) {
  return path.empty() ? excerpt(key) : path + "." + excerpt(key);
}
std::string item(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::string value_text(const json& j) { return json_value_text(j); }

// Decodes one document; every error names the origin and the JSON path of the bad value.
class Decoder {
 public:
  explicit Decoder(const std::string& origin) : origin_(origin) {}

  Program program(const json& j) {
    Program p;
    object(j, "", {}, {"format"});  // a foreign JSON file fails here, on its format
    const std::string format = text(j.at("format"), "format");
    if (format != kProgramFormat) {
      fail("format",
           "expected \"" + std::string(kProgramFormat) + "\", got \"" + excerpt(format) + "\"");
    }
    object(j, "", {"format", "version", "name", "footprint", "tensors", "streams"},
           {"format", "version", "streams"});
    const int64_t version = integer(j.at("version"), "version");
    if (version != kProgramFormatVersion) {
      fail("version", "version " + std::to_string(version) +
                          " is not supported (this build reads " +
                          std::to_string(kProgramFormatVersion) + ")");
    }
    if (j.contains("name")) p.name = text(j.at("name"), "name");
    if (j.contains("footprint")) {
      const json& f = j.at("footprint");
      object(f, "footprint", {"peak_sbuf_bytes", "peak_psum_bytes"}, {});
      if (f.contains("peak_sbuf_bytes")) {
        p.footprint.peak_sbuf_bytes = integer(f.at("peak_sbuf_bytes"), "footprint.peak_sbuf_bytes");
      }
      if (f.contains("peak_psum_bytes")) {
        p.footprint.peak_psum_bytes = integer(f.at("peak_psum_bytes"), "footprint.peak_psum_bytes");
      }
    }
    if (j.contains("tensors")) {
      const json& tensors = array(j.at("tensors"), "tensors");
      for (size_t i = 0; i < tensors.size(); ++i) {
        p.tensors.push_back(tensor(tensors[i], item("tensors", i)));
      }
    }
    const json& streams = j.at("streams");
    object(streams, "streams", {}, {});
    for (const auto& [name, list] : streams.items()) {
      const std::string path = child("streams", name);
      const Stream s = parse(name, path, parse_stream);
      for (size_t i = 0; i < array(list, path).size(); ++i) {
        p.stream(s).push_back(instruction(list[i], item(path, i)));
      }
    }
    return p;
  }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    throw InputError(origin_ + ": " + (path.empty() ? "top level" : path) + ": " + problem);
  }

  // Requires an object with only `allowed` keys (any keys if `allowed` is empty) and all of
  // `required`.
  void object(const json& j, const std::string& path, Keys allowed, Keys required) const {
    if (!j.is_object()) fail(path, "expected an object, got " + value_text(j));
    const std::vector<std::string> names(allowed.begin(), allowed.end());
    for (const auto& entry : j.items()) {
      const bool known =
          names.empty() || std::find(names.begin(), names.end(), entry.key()) != names.end();
      if (!known) {
        fail(child(path, entry.key()), "unknown key" + did_you_mean(entry.key(), names) +
                                           " (allowed: " + join_names(names) + ")");
      }
    }
    for (const char* key : required) {
      if (!j.contains(key)) fail(child(path, key), "missing required key");
    }
  }

  const json& array(const json& j, const std::string& path) const {
    if (!j.is_array()) fail(path, "expected an array, got " + value_text(j));
    return j;
  }

  std::string text(const json& j, const std::string& path) const {
    if (!j.is_string()) fail(path, "expected a string, got " + value_text(j));
    return j.get<std::string>();
  }

  int64_t integer(const json& j, const std::string& path) const {
    if (!j.is_number_integer()) fail(path, "expected an integer, got " + value_text(j));
    if (j.is_number_unsigned() &&
        j.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) {
      fail(path, "integer " + j.dump() + " is out of range");
    }
    return j.get<int64_t>();
  }

  template <typename T>
  T parse(const std::string& name, const std::string& path, T (*parser)(const std::string&)) const {
    try {
      return parser(name);
    } catch (const UserError& e) {
      fail(path, e.what());
    }
  }

  template <typename T>
  T named(const json& j, const std::string& path, T (*parser)(const std::string&)) const {
    return parse(text(j, path), path, parser);
  }

  HbmTensor tensor(const json& j, const std::string& path) {
    object(j, path, {"name", "rows", "cols", "dtype", "role", "values"}, {"name", "rows", "cols"});
    HbmTensor t;
    t.name = text(j.at("name"), child(path, "name"));
    t.rows = integer(j.at("rows"), child(path, "rows"));
    t.cols = integer(j.at("cols"), child(path, "cols"));
    if (j.contains("dtype")) t.dtype = named(j.at("dtype"), child(path, "dtype"), parse_dtype);
    if (j.contains("role")) t.role = named(j.at("role"), child(path, "role"), parse_tensor_role);
    if (j.contains("values") || t.role == TensorRole::constant) {
      const std::string at = child(path, "values");
      if (t.role != TensorRole::constant || !j.contains("values"))
        fail(at, "a tensor has values exactly when its role is constant");
      for (size_t i = 0; i < array(j.at("values"), at).size(); ++i)
        t.values.push_back(immediate(j.at("values")[i], item(at, i)));
      if (static_cast<int64_t>(t.values.size()) != t.rows * t.cols)
        fail(at, "expected rows x cols = " + std::to_string(t.rows * t.cols) + " values, got " +
                     std::to_string(t.values.size()));
    }
    const auto [previous, added] = tensor_index_.emplace(t.name, int32_t(tensor_index_.size()));
    if (!added) {
      fail(child(path, "name"), "duplicate tensor name '" + excerpt(t.name) + "' (also tensors[" +
                                    std::to_string(previous->second) + "])");
    }
    return t;
  }

  Instruction instruction(const json& j, const std::string& path) const {
    object(j, path,
           {"op", "waits", "dst", "src0", "src1", "src2", "alu", "alu1", "reverse0", "reverse1",
            "func", "imm0", "imm1", "affine", "accumulate", "label"},
           {"op", "dst"});
    Instruction in;
    in.op = named(j.at("op"), child(path, "op"), parse_opcode);
    in.dst = access_pattern(j.at("dst"), child(path, "dst"));
    if (j.contains("src0")) in.src0 = access_pattern(j.at("src0"), child(path, "src0"));
    if (j.contains("src1")) in.src1 = access_pattern(j.at("src1"), child(path, "src1"));
    if (j.contains("src2")) in.src2 = access_pattern(j.at("src2"), child(path, "src2"));
    if (j.contains("alu")) in.alu = named(j.at("alu"), child(path, "alu"), parse_alu_op);
    if (j.contains("alu1")) in.alu1 = named(j.at("alu1"), child(path, "alu1"), parse_alu_op);
    for (const char* flag : {"reverse0", "reverse1"}) {
      if (!j.contains(flag)) continue;
      if (!j.at(flag).is_boolean())
        fail(child(path, flag), "expected true or false, got " + value_text(j.at(flag)));
      (flag[7] == '0' ? in.reverse0 : in.reverse1) = j.at(flag).get<bool>();
    }
    if (j.contains("func")) in.func = named(j.at("func"), child(path, "func"), parse_act_func);
    if (j.contains("imm0")) in.imm0 = immediate(j.at("imm0"), child(path, "imm0"));
    if (j.contains("imm1")) in.imm1 = immediate(j.at("imm1"), child(path, "imm1"));
    if (j.contains("affine")) {
      const std::string at = child(path, "affine");
      const json& a = j.at("affine");
      if (!a.is_array() || a.size() != 3 || !a[0].is_number_integer() ||
          !a[1].is_number_integer() || !a[2].is_number_integer())
        fail(at, "expected [offset, partition_step, free_step] (integers), got " + value_text(a));
      in.affine = {a[0].get<int64_t>(), a[1].get<int64_t>(), a[2].get<int64_t>()};
    }
    if (j.contains("accumulate")) {
      if (!j.at("accumulate").is_boolean()) {
        fail(child(path, "accumulate"),
             "expected true or false, got " + value_text(j.at("accumulate")));
      }
      in.accumulate = j.at("accumulate").get<bool>();
    }
    if (j.contains("waits")) {
      const std::string waits = child(path, "waits");
      for (size_t w = 0; w < array(j.at("waits"), waits).size(); ++w) {
        in.waits.push_back(wait(j.at("waits")[w], item(waits, w)));
      }
    }
    if (j.contains("label")) in.label = text(j.at("label"), child(path, "label"));
    return in;
  }

  float immediate(const json& j, const std::string& path) const {
    if (!j.is_number()) fail(path, "expected a number, got " + value_text(j));
    const double value = j.get<double>();
    if (!std::isfinite(static_cast<float>(value))) fail(path, j.dump() + " does not fit a float");
    return static_cast<float>(value);
  }

  SemaphoreWait wait(const json& j, const std::string& path) const {
    object(j, path, {"stream", "count"}, {"stream", "count"});
    SemaphoreWait w;
    w.stream = named(j.at("stream"), child(path, "stream"), parse_stream);
    const int64_t count = integer(j.at("count"), child(path, "count"));
    if (count < 0 || count > int64_t(std::numeric_limits<uint32_t>::max())) {
      fail(child(path, "count"), "count " + std::to_string(count) + " is out of range");
    }
    w.count = static_cast<uint32_t>(count);
    return w;
  }

  AccessPattern access_pattern(const json& j, const std::string& path) const {
    object(j, path,
           {"memory", "tensor", "dtype", "start_partition", "partitions", "partition_stride",
            "offset_bytes", "dims"},
           {"memory", "partitions", "dims"});
    AccessPattern ap;
    ap.memory = named(j.at("memory"), child(path, "memory"), parse_memory);
    if (ap.memory == Memory::hbm) {
      if (!j.contains("tensor"))
        fail(child(path, "tensor"), "missing (an hbm operand names its tensor)");
      ap.tensor = tensor_named(text(j.at("tensor"), child(path, "tensor")), child(path, "tensor"));
    } else if (j.contains("tensor")) {
      fail(child(path, "tensor"), "only hbm operands name a tensor");
    }
    if (j.contains("dtype")) ap.dtype = named(j.at("dtype"), child(path, "dtype"), parse_dtype);
    auto optional = [&](const char* key, int64_t& field) {
      if (j.contains(key)) field = integer(j.at(key), child(path, key));
    };
    optional("start_partition", ap.start_partition);
    optional("partition_stride", ap.partition_stride);
    optional("offset_bytes", ap.offset_bytes);
    ap.partitions = integer(j.at("partitions"), child(path, "partitions"));
    const std::string dims = child(path, "dims");
    const size_t count = array(j.at("dims"), dims).size();
    if (count > size_t(kMaxFreeDims)) {
      fail(dims, std::to_string(count) + " free dims (1.." + std::to_string(kMaxFreeDims) +
                     " allowed)");
    }
    for (size_t d = 0; d < count; ++d) {
      const json& pair = j.at("dims")[d];
      if (!pair.is_array() || pair.size() != 2) {
        fail(item(dims, d), "expected [stride, count], got " + value_text(pair));
      }
      ap.dims.push_back(
          {integer(pair[0], item(dims, d) + "[0]"), integer(pair[1], item(dims, d) + "[1]")});
    }
    return ap;
  }

  int32_t tensor_named(const std::string& name, const std::string& path) const {
    auto found = tensor_index_.find(name);
    if (found != tensor_index_.end()) return found->second;
    std::vector<std::string> names;
    for (const auto& [known, index] : tensor_index_) names.push_back(known);
    fail(path, "unknown tensor '" + excerpt(name) + "'" + did_you_mean(name, names) +
                   " (tensors: " +
                   (names.empty() ? "none" : excerpt(join_names(names), kLongExcerptChars)) + ")");
  }

  std::string origin_;
  std::map<std::string, int32_t> tensor_index_;
};

}  // namespace

Program program_from_json(const json& j, const std::string& origin) {
  Program p = Decoder(origin).program(j);
  try {
    validate(p);
  } catch (const UserError& e) {
    throw InputError(origin + ": " + e.what());
  }
  return p;
}

Program program_from_text(std::string_view text, const std::string& origin) {
  return program_from_json(parse_json_input(text, origin), origin);
}

Program load_program(const std::string& path) {
  const std::string text = read_input_file(path, "a program JSON file", kMaxProgramFileBytes);
  return program_from_text(text, path_excerpt(path));
}

}  // namespace trnsim::isa

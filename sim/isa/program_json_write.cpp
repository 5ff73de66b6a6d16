// program_to_json and write_program: Program -> JSON, and the one-instruction-per-line layout
// of program files.
#include <algorithm>

#include "sim/isa/program_json.h"

namespace trnsim::isa {
namespace {

using nlohmann::json;

json access_pattern_to_json(const AccessPattern& ap, const Program& p) {
  json j = json::object();
  j["memory"] = memory_name(ap.memory);
  if (ap.tensor >= 0 && static_cast<size_t>(ap.tensor) < p.tensors.size()) {
    j["tensor"] = p.tensors[ap.tensor].name;
  } else if (ap.tensor != -1) {
    j["tensor"] = ap.tensor;
  }
  if (ap.dtype != Dtype::bf16) j["dtype"] = dtype_name(ap.dtype);
  if (ap.start_partition != 0) j["start_partition"] = ap.start_partition;
  j["partitions"] = ap.partitions;
  if (ap.partition_stride != 0) j["partition_stride"] = ap.partition_stride;
  if (ap.offset_bytes != 0) j["offset_bytes"] = ap.offset_bytes;
  j["dims"] = json::array();
  for (const FreeDim& d : ap.dims) j["dims"].push_back({d.stride, d.count});
  return j;
}

json instruction_to_json(const Instruction& in, const Program& p) {
  json j = json::object();
  j["op"] = opcode_name(in.op);
  if (in.dst.valid()) j["dst"] = access_pattern_to_json(in.dst, p);
  if (in.src0.valid()) j["src0"] = access_pattern_to_json(in.src0, p);
  if (in.src1.valid()) j["src1"] = access_pattern_to_json(in.src1, p);
  if (in.src2.valid()) j["src2"] = access_pattern_to_json(in.src2, p);
  if (in.alu != AluOp::bypass) j["alu"] = alu_op_name(in.alu);
  if (in.alu1 != AluOp::bypass) j["alu1"] = alu_op_name(in.alu1);
  if (in.reverse0) j["reverse0"] = true;
  if (in.reverse1) j["reverse1"] = true;
  if (in.func != ActFunc::identity) j["func"] = act_func_name(in.func);
  if (in.imm0 != 0.0f) j["imm0"] = in.imm0;
  if (in.imm1 != 0.0f) j["imm1"] = in.imm1;
  if (in.affine.offset || in.affine.partition_step || in.affine.free_step)
    j["affine"] = {in.affine.offset, in.affine.partition_step, in.affine.free_step};
  if (in.accumulate) j["accumulate"] = true;
  for (const SemaphoreWait& w : in.waits) {
    j["waits"].push_back({{"stream", stream_name(w.stream)}, {"count", w.count}});
  }
  if (!in.label.empty()) j["label"] = in.label;
  return j;
}

// Keys in the order a reader wants them, then stream names in stream order, then the rest
// alphabetically.
int key_rank(const std::string& key) {
  static const char* const kOrder[] = {"format",
                                       "version",
                                       "name",
                                       "footprint",
                                       "tensors",
                                       "streams",
                                       "peak_sbuf_bytes",
                                       "peak_psum_bytes",
                                       "op",
                                       "waits",
                                       "dst",
                                       "src0",
                                       "src1",
                                       "src2",
                                       "alu",
                                       "alu1",
                                       "reverse0",
                                       "reverse1",
                                       "func",
                                       "imm0",
                                       "imm1",
                                       "affine",
                                       "accumulate",
                                       "label",
                                       "memory",
                                       "tensor",
                                       "rows",
                                       "cols",
                                       "dtype",
                                       "role",
                                       "start_partition",
                                       "partitions",
                                       "partition_stride",
                                       "offset_bytes",
                                       "dims",
                                       "stream",
                                       "count"};
  const int known = static_cast<int>(std::size(kOrder));
  for (int i = 0; i < known; ++i) {
    if (key == kOrder[i]) return i;
  }
  for (int s = 0; s < kStreamCount; ++s) {
    if (key == stream_name(Stream(s))) return known + s;
  }
  return known + kStreamCount;
}

std::vector<std::string> ordered_keys(const json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    return key_rank(a) < key_rank(b);
  });
  return keys;
}

// One line: {"op": "MATMUL", "dst": {...}}.
std::string one_line(const json& j) {
  if (!j.is_object() && !j.is_array()) return j.dump();
  std::string s = j.is_object() ? "{" : "[";
  const char* separator = "";
  if (j.is_object()) {
    for (const std::string& key : ordered_keys(j)) {
      s += separator + json(key).dump() + ": " + one_line(j.at(key));
      separator = ", ";
    }
  } else {
    for (const json& element : j) {
      s += separator + one_line(element);
      separator = ", ";
    }
  }
  return s + (j.is_object() ? "}" : "]");
}

// An array with one element per line, its brackets at `indent`.
std::string lines(const json& array, const std::string& indent) {
  if (array.empty()) return "[]";
  std::string s = "[\n";
  for (size_t i = 0; i < array.size(); ++i) {
    s += indent + "  " + one_line(array[i]) + (i + 1 < array.size() ? ",\n" : "\n");
  }
  return s + indent + "]";
}

std::string program_text(const json& j) {
  std::string s = "{\n";
  const std::vector<std::string> keys = ordered_keys(j);
  for (size_t k = 0; k < keys.size(); ++k) {
    const json& value = j.at(keys[k]);
    s += "  " + json(keys[k]).dump() + ": ";
    if (keys[k] == "tensors") {
      s += lines(value, "  ");
    } else if (keys[k] == "streams" && !value.empty()) {
      const std::vector<std::string> streams = ordered_keys(value);
      s += "{\n";
      for (size_t i = 0; i < streams.size(); ++i) {
        s += "    " + json(streams[i]).dump() + ": " + lines(value.at(streams[i]), "    ") +
             (i + 1 < streams.size() ? ",\n" : "\n");
      }
      s += "  }";
    } else {
      s += one_line(value);
    }
    s += k + 1 < keys.size() ? ",\n" : "\n";
  }
  return s + "}\n";
}

}  // namespace

json program_to_json(const Program& p) {
  json j = json::object();
  j["format"] = kProgramFormat;
  j["version"] = kProgramFormatVersion;
  j["name"] = p.name;
  if (p.footprint.peak_sbuf_bytes != -1) {
    j["footprint"]["peak_sbuf_bytes"] = p.footprint.peak_sbuf_bytes;
  }
  if (p.footprint.peak_psum_bytes != -1) {
    j["footprint"]["peak_psum_bytes"] = p.footprint.peak_psum_bytes;
  }
  j["tensors"] = json::array();
  for (const HbmTensor& t : p.tensors) {
    j["tensors"].push_back({{"name", t.name},
                            {"rows", t.rows},
                            {"cols", t.cols},
                            {"dtype", dtype_name(t.dtype)},
                            {"role", tensor_role_name(t.role)}});
    if (t.role == TensorRole::constant) j["tensors"].back()["values"] = t.values;
  }
  j["streams"] = json::object();
  for (int s = 0; s < kStreamCount; ++s) {
    const auto& instructions = p.stream(Stream(s));
    if (instructions.empty()) continue;
    json& list = j["streams"][stream_name(Stream(s))] = json::array();
    for (const Instruction& in : instructions) list.push_back(instruction_to_json(in, p));
  }
  return j;
}

void write_program(std::ostream& out, const Program& p, const std::string& origin) {
  try {
    validate(p);
  } catch (const UserError& e) {
    throw UserError(origin + ": not saved: " + e.what());
  }
  out << program_text(program_to_json(p));
}

}  // namespace trnsim::isa

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/did_you_mean.h"
#include "common/excerpt.h"
#include "common/json_input.h"
#include "common/json_output.h"
#include "kernels/compress/tensor_formats.h"

namespace trnsim::compress {
namespace {

struct SafetensorsDtype {
  const char* name;
  int bytes;
  std::optional<Dtype> dtype;  // empty: allowed by the format, not converted by compress
};

// The element types of the safetensors specification (huggingface/safetensors, Dtype enum).
constexpr int kSubByte = 0;
const SafetensorsDtype kSafetensorsDtypes[] = {
    {"BF16", 2, Dtype::bf16}, {"F16", 2, Dtype::fp16},     {"F32", 4, Dtype::fp32},
    {"F64", 8, {}},           {"BOOL", 1, {}},             {"U8", 1, {}},
    {"I8", 1, {}},            {"F8_E5M2", 1, {}},          {"F8_E4M3", 1, {}},
    {"F8_E8M0", 1, {}},       {"I16", 2, {}},              {"U16", 2, {}},
    {"I32", 4, {}},           {"U32", 4, {}},              {"I64", 8, {}},
    {"U64", 8, {}},           {"C64", 8, {}},              {"F4", kSubByte, {}},
    {"F6_E2M3", kSubByte, {}}, {"F6_E3M2", kSubByte, {}},
};

const SafetensorsDtype* find_dtype(const std::string& name) {
  for (const SafetensorsDtype& d : kSafetensorsDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const char* safetensors_dtype_name(Dtype d) {
  switch (d) {
    case Dtype::bf16: return "BF16";
    case Dtype::fp16: return "F16";
    case Dtype::fp32: return "F32";
  }
  return "?";
}

uint64_t read_u64_le(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// The safetensors library refuses a header over 100 MB (MAX_HEADER_SIZE); so does this.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

std::vector<uint64_t> unsigned_list(JsonObject& entry, const char* key) {
  const nlohmann::json& list = entry.at(key);
  if (!list.is_array()) entry.bad(key, "a list of non-negative integers", list);
  std::vector<uint64_t> out;
  for (const auto& v : list) {
    if (!v.is_number_unsigned()) entry.bad(key, "a list of non-negative integers", list);
    out.push_back(v.get<uint64_t>());
  }
  return out;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

TensorEntry parse_entry(const std::string& name, const nlohmann::json& j, uint64_t data_start,
                        uint64_t data_bytes, const std::string& origin) {
  const std::string where = origin + ": tensor '" + excerpt(name) + "'";
  JsonObject entry(j, where);
  TensorEntry e;
  e.name = name;
  e.dtype_name = entry.string("dtype");
  const SafetensorsDtype* dtype = find_dtype(e.dtype_name);
  if (!dtype) {
    std::vector<std::string> names;
    for (const SafetensorsDtype& d : kSafetensorsDtypes) names.push_back(d.name);
    throw InputError(where + ": " + unknown_name("dtype", e.dtype_name, names));
  }
  e.dtype = dtype->dtype;
  // A dimension beyond int64 is kept as int64's largest, which checked_element_count refuses.
  constexpr uint64_t kInt64Max = std::numeric_limits<int64_t>::max();
  for (uint64_t d : unsigned_list(entry, "shape"))
    e.shape.push_back(static_cast<int64_t>(std::min(d, kInt64Max)));
  const std::vector<uint64_t> offsets = unsigned_list(entry, "data_offsets");
  entry.finish();
  if (offsets.size() != 2) throw InputError(where + ": \"data_offsets\" must be [begin, end]");
  const uint64_t begin = offsets[0], end = offsets[1];
  if (begin > end || end > data_bytes)
    throw InputError(where + ": data_offsets [" + std::to_string(begin) + ", " +
                     std::to_string(end) + "] lie outside the " + std::to_string(data_bytes) +
                     "-byte data buffer");
  const int64_t count = checked_element_count(e.shape, where);
  if (dtype->bytes != kSubByte) {
    const uint64_t needed = static_cast<uint64_t>(count) * static_cast<uint64_t>(dtype->bytes);
    if (end - begin != needed)
      throw InputError(where + ": data_offsets hold " + std::to_string(end - begin) +
                       " bytes but shape " + shape_text(e.shape) + " of " + e.dtype_name +
                       " needs " + std::to_string(needed));
  }
  e.file_offset = data_start + begin;
  e.bytes = end - begin;
  return e;
}

}  // namespace

int64_t checked_element_count(const std::vector<int64_t>& shape, const std::string& where) {
  constexpr int64_t kMaxDimension = int64_t{1} << 40, kMaxElements = int64_t{1} << 50;
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || d > kMaxDimension)
      throw InputError(where + ": shape " + shape_text(shape) + " has a dimension over 2^40");
    if (d > 0 && count > kMaxElements / d)
      throw InputError(where + ": shape " + shape_text(shape) + " is too large");
    count *= d;
  }
  return count;
}

std::vector<TensorEntry> parse_safetensors(const InputFile& file) {
  const std::string origin = path_excerpt(file.path());
  const uint64_t file_size = file.size();
  if (file_size < 8)
    throw InputError(origin + ": too short for a safetensors file (" + std::to_string(file_size) +
                     " bytes; the header length alone takes 8)");
  const std::string prefix = file.read(0, 8);
  const uint64_t header_bytes = read_u64_le(reinterpret_cast<const unsigned char*>(prefix.data()));
  if (header_bytes > file_size - 8)
    throw InputError(origin + ": safetensors header length " + std::to_string(header_bytes) +
                     " runs past the end of the " + std::to_string(file_size) + "-byte file");
  if (header_bytes > kMaxHeaderBytes)
    throw InputError(origin + ": safetensors header length " + std::to_string(header_bytes) +
                     " is over the format's limit of " + std::to_string(kMaxHeaderBytes));
  const nlohmann::json j =
      parse_json_input(file.read(8, header_bytes), origin + ": safetensors header");
  if (!j.is_object())
    throw InputError(origin + ": safetensors header is not a JSON object (got " +
                     json_value_text(j) + ")");
  const uint64_t data_start = 8 + header_bytes;
  const uint64_t data_bytes = file_size - data_start;
  std::vector<TensorEntry> entries;
  for (const auto& [name, value] : j.items()) {
    if (name != "__metadata__") {
      entries.push_back(parse_entry(name, value, data_start, data_bytes, origin));
      continue;
    }
    bool strings = value.is_object();
    for (const auto& [key, text] : value.items()) strings = strings && text.is_string();
    if (!strings) throw InputError(origin + ": \"__metadata__\" must be a JSON object of strings");
  }
  return entries;
}

std::string safetensors_header(const std::vector<WeightsWriter::Layout>& layout,
                               const std::map<std::string, std::string>& metadata) {
  nlohmann::json j = nlohmann::json::object();
  if (!metadata.empty()) j["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const WeightsWriter::Layout& t : layout) {
    const uint64_t bytes = static_cast<uint64_t>(t.rows * t.cols * dtype_size(t.dtype));
    j[t.name] = {{"dtype", safetensors_dtype_name(t.dtype)},
                 {"shape", t.shape.empty() ? std::vector<int64_t>{t.rows, t.cols} : t.shape},
                 {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = json_line(j);  // the source file name may not be UTF-8
  while (text.size() % 8 != 0) text += ' ';
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  return out + text;
}

}  // namespace trnsim::compress

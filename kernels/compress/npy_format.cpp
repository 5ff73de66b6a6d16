#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/did_you_mean.h"
#include "common/excerpt.h"
#include "kernels/compress/tensor_formats.h"

namespace trnsim::compress {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
// numpy writes headers of a few hundred bytes; np.load refuses those over 10000 by default.
constexpr uint64_t kMaxHeaderBytes = 65536;
// The keys numpy writes and requires (numpy.lib.format.read_array_header).
const std::vector<std::string> kHeaderKeys = {"descr", "fortran_order", "shape"};

// A value of the header dict: a string, a bool or a tuple of integers.
struct PyValue {
  enum Kind { string, boolean, tuple } kind = string;
  std::string text;
  bool flag = false;
  std::vector<int64_t> items;
};

// Parses the Python dict literal that numpy writes (numpy.lib.format): string keys; string,
// True/False and integer-tuple values. Anything else is a malformed header.
class PyDictParser {
 public:
  PyDictParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  std::map<std::string, PyValue> parse() {
    std::map<std::string, PyValue> dict;
    expect('{');
    while (peek() != '}') {
      const size_t key_at = pos_;
      const std::string key = parse_string();
      if (std::find(kHeaderKeys.begin(), kHeaderKeys.end(), key) == kHeaderKeys.end()) {
        pos_ = key_at;
        fail(unknown_name("key", key, kHeaderKeys));
      }
      if (dict.count(key)) {
        pos_ = key_at;
        fail("key '" + key + "' given twice");
      }
      expect(':');
      dict[key] = parse_value();
      if (peek() != ',') break;
      ++pos_;
    }
    expect('}');
    return dict;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(path_ + ": malformed .npy header (" + what + " at character " +
                     std::to_string(pos_) + ")");
  }
  char peek() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parse_string() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string");
    const size_t end = s_.find(quote, ++pos_);
    if (end == std::string::npos) fail("unterminated string");
    std::string out = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }
  int64_t parse_integer() {
    peek();
    const size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ == start || pos_ - start > 15) fail("expected a dimension");
    const int64_t v = std::stoll(s_.substr(start, pos_ - start));
    if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 long
    return v;
  }
  PyValue parse_value() {
    PyValue v;
    const char c = peek();
    if (c == '\'' || c == '"') {
      v.text = parse_string();
    } else if (s_.compare(pos_, 4, "True") == 0 || s_.compare(pos_, 5, "False") == 0) {
      v.kind = PyValue::boolean;
      v.flag = s_[pos_] == 'T';
      pos_ += v.flag ? 4 : 5;
    } else if (c == '(') {
      v.kind = PyValue::tuple;
      ++pos_;
      while (peek() != ')') {
        v.items.push_back(parse_integer());
        if (peek() != ',') break;
        ++pos_;
      }
      expect(')');
    } else {
      fail("expected a string, True/False or a tuple");
    }
    return v;
  }

  const std::string& s_;
  const std::string& path_;
  size_t pos_ = 0;
};

std::optional<Dtype> npy_dtype(const std::string& descr) {
  if (descr == "<f4") return Dtype::fp32;
  if (descr == "<f2") return Dtype::fp16;
  return std::nullopt;
}

const PyValue& field(const std::map<std::string, PyValue>& dict, const char* key,
                     PyValue::Kind kind, const std::string& path) {
  const auto it = dict.find(key);
  if (it == dict.end() || it->second.kind != kind)
    throw InputError(path + ": malformed .npy header (missing or mistyped '" + key + "')");
  return it->second;
}

}  // namespace

TensorEntry parse_npy(const InputFile& file, const std::string& tensor_name) {
  const std::string path = path_excerpt(file.path());
  const uint64_t file_size = file.size();
  const std::string prefix = file.read(0, std::min<uint64_t>(file_size, 12));
  if (file_size < 10 || std::memcmp(prefix.data(), kMagic, kMagicBytes) != 0)
    throw InputError(path + ": not an .npy file (it does not start with \"\\x93NUMPY\")");
  const int major = static_cast<unsigned char>(prefix[6]);
  if (major < 1 || major > 3)
    throw InputError(path + ": unsupported .npy format version " + std::to_string(major));
  const auto byte = [&](int i) {
    return static_cast<uint64_t>(static_cast<unsigned char>(prefix[i]));
  };
  const uint64_t length_bytes = major == 1 ? 2 : 4;
  if (file_size < 8 + length_bytes) throw InputError(path + ": .npy file ends inside its header");
  const uint64_t header_bytes = major == 1
                                    ? byte(8) | byte(9) << 8
                                    : byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
  const uint64_t header_start = 8 + length_bytes;
  if (header_bytes > file_size - header_start)
    throw InputError(path + ": .npy header length " + std::to_string(header_bytes) +
                     " runs past the end of the " + std::to_string(file_size) + "-byte file");
  if (header_bytes > kMaxHeaderBytes)
    throw InputError(path + ": .npy header length " + std::to_string(header_bytes) +
                     " is over the " + std::to_string(kMaxHeaderBytes) + " bytes allowed");
  const std::string header = file.read(header_start, header_bytes);

  const std::map<std::string, PyValue> dict = PyDictParser(header, path).parse();
  TensorEntry e;
  e.name = tensor_name;
  e.dtype_name = field(dict, "descr", PyValue::string, path).text;
  e.fortran_order = field(dict, "fortran_order", PyValue::boolean, path).flag;
  e.shape = field(dict, "shape", PyValue::tuple, path).items;
  e.dtype = npy_dtype(e.dtype_name);
  if (!e.dtype)
    throw InputError(path + ": unsupported .npy dtype '" + excerpt(e.dtype_name) +
                     "' (supported: '<f2' float16, '<f4' float32; bfloat16 only in safetensors)");
  const int64_t count = checked_element_count(e.shape, path);
  e.file_offset = header_start + header_bytes;
  e.bytes = static_cast<uint64_t>(count) * static_cast<uint64_t>(dtype_size(*e.dtype));
  if (file_size - e.file_offset != e.bytes)
    throw InputError(path + ": .npy data holds " + std::to_string(file_size - e.file_offset) +
                     " bytes but its shape and dtype '" + e.dtype_name + "' need " +
                     std::to_string(e.bytes));
  return e;
}

std::string npy_header(Dtype dtype, int64_t rows, int64_t cols) {
  return npy_header(dtype, std::vector<int64_t>{rows, cols});
}

std::string npy_header(Dtype dtype, const std::vector<int64_t>& shape) {
  const char* descr = dtype == Dtype::fp32 ? "<f4" : "<f2";
  std::string dims;  // a Python tuple: "(5,)" for one dimension
  for (const int64_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  if (shape.size() == 1) dims += ",";
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                     dims + "), }";
  // Total header (magic, version, length, dict, '\n') is padded to a multiple of 64 bytes.
  const bool v2 = dict.size() + 1 + 10 > 65535;
  const size_t prefix_bytes = v2 ? 12 : 10;
  while ((prefix_bytes + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string out(kMagic, kMagicBytes);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  for (size_t i = 0; i < prefix_bytes - 8; ++i)
    out += static_cast<char>((dict.size() >> (8 * i)) & 0xff);
  return out + dict;
}

}  // namespace trnsim::compress

// Writing JSON objects straight to text, for outputs with millions of small objects (trace
// events) where building an nlohmann::json tree per object would dominate the run time.
#pragma once

#include <cstdint>
#include <string>

namespace trnsim::trace {

// `s` as a JSON string literal, quotes included. Bytes that are not valid UTF-8 become U+FFFD.
std::string json_quote(const std::string& s);

// Integer picoseconds as exact decimal microseconds: 183500 -> "0.1835", -1 -> "-0.000001".
std::string ps_as_us(int64_t ps);

// Builds {"key":value,...} in insertion order. Keys are trusted literals; values are quoted.
class JsonObjectText {
 public:
  JsonObjectText& str(const char* key, const std::string& value);
  JsonObjectText& num(const char* key, int64_t value);
  JsonObjectText& num(const char* key, double value);  // shortest round trip; NaN -> null
  JsonObjectText& boolean(const char* key, bool value);
  JsonObjectText& raw(const char* key, const std::string& json);  // already valid JSON
  std::string done();

 private:
  void key(const char* k);
  std::string text_ = "{";
};

}  // namespace trnsim::trace

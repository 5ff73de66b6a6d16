#include "sim/trace/json_text.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "common/json_output.h"

namespace trnsim::trace {

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x80) {  // rare: let nlohmann validate and repair the UTF-8
      return json_line(nlohmann::json(s));
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  out += '"';
  return out;
}

std::string ps_as_us(int64_t ps) {
  std::string sign = ps < 0 ? "-" : "";
  uint64_t a = ps < 0 ? uint64_t(-(ps + 1)) + 1 : uint64_t(ps);
  std::string out = sign + std::to_string(a / 1000000);
  uint64_t frac = a % 1000000;
  if (frac == 0) return out;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06llu", static_cast<unsigned long long>(frac));
  std::string f = buf;
  while (f.back() == '0') f.pop_back();
  return out + "." + f;
}

void JsonObjectText::key(const char* k) {
  if (text_.size() > 1) text_ += ',';
  text_ += '"';
  text_ += k;
  text_ += "\":";
}

JsonObjectText& JsonObjectText::str(const char* k, const std::string& value) {
  key(k);
  text_ += json_quote(value);
  return *this;
}

JsonObjectText& JsonObjectText::num(const char* k, int64_t value) {
  key(k);
  text_ += std::to_string(value);
  return *this;
}

// Doubles: the shortest text that reads back to the same value (what nlohmann prints), and
// null for NaN/inf, which JSON cannot hold.
JsonObjectText& JsonObjectText::num(const char* k, double value) {
  key(k);
  text_ += std::isfinite(value) ? nlohmann::json(value).dump() : "null";
  return *this;
}

JsonObjectText& JsonObjectText::boolean(const char* k, bool value) {
  key(k);
  text_ += value ? "true" : "false";
  return *this;
}

JsonObjectText& JsonObjectText::raw(const char* k, const std::string& json) {
  key(k);
  text_ += json;
  return *this;
}

std::string JsonObjectText::done() {
  text_ += '}';
  return std::move(text_);
}

}  // namespace trnsim::trace

// One line of JSON for an output (a --json summary, a report, a safetensors header). User
// text in it may hold bytes that are not UTF-8 (a path on Linux is any bytes, so is a file
// stem); JSON cannot hold them, and nlohmann's dump() would throw type_error 316. Such bytes
// are written as U+FFFD instead.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace trnsim {

inline std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace trnsim

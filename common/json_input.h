// Reading JSON that a user wrote: a program, a measurements file, a run record, a safetensors
// header. nlohmann's parser accepts documents that the decoders must never see, and its
// exceptions carry its own text and all of a bad token; this is the one way in.
//
// parse_json_input() builds the document through a SAX handler that bounds the nesting depth
// as it parses (so no recursive operation, such as dump(), a copy or an error message, ever
// meets a deep document), refuses a key given twice in one object (JSON leaves that open, and
// nlohmann would keep the last one silently), and turns every parse failure (a syntax error,
// invalid UTF-8, a number beyond a double) into one InputError line with the origin, line,
// column and byte, the JSON path and what was expected.
//
// JsonObject then reads one object strictly: every key it is asked for must be there with the
// right type, and finish() refuses any other key, with a did-you-mean.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace trnsim {

// Arrays and objects nest at most this deep. trnsim's own files nest 5 levels at most.
constexpr size_t kMaxJsonNesting = 64;

// `origin` names the source in errors (a path, "<test>"). The values of `skipped_keys` at the
// top level are checked as JSON but not kept (a trace's events, when only its run record is
// wanted). `first_line` is the line of the file `text` starts at (one line of JSON lines).
// Throws InputError.
nlohmann::json parse_json_input(std::string_view text, const std::string& origin,
                                const std::vector<std::string>& skipped_keys = {},
                                size_t first_line = 1);

// A value for an error message, bounded whatever its size: "number 1.5", "string \"abc\"",
// "boolean true", "null", "array [1, 2]", "an array of 300 items", "an object of 9 keys".
std::string json_value_text(const nlohmann::json& value);

class JsonObject {
 public:
  // Errors name `origin` (a file, "x.safetensors: tensor 'w'") and the object's JSON path in
  // the document ("replay", "measurements[3]"; "" for the top level). InputError unless an
  // object.
  JsonObject(const nlohmann::json& object, std::string origin, std::string json_path = "");

  // The value of a required key; InputError "<where()>: missing key 'key'" (and "; is 'kye'
  // a misspelling of it?" if another key of the object is close).
  const nlohmann::json& at(const std::string& key);
  bool has(const std::string& key);  // an optional key: known to finish() either way

  // Typed values of required keys; InputError "<path(key)>: expected ..., got ..." otherwise.
  std::string string(const std::string& key);
  bool boolean(const std::string& key);
  int64_t integer(const std::string& key);
  uint64_t unsigned_integer(const std::string& key);
  double number(const std::string& key);
  std::vector<std::string> strings(const std::string& key);
  JsonObject object(const std::string& key);

  const nlohmann::json& raw() const { return object_; }
  // "<origin>: <json path>", or the origin alone at the top level.
  std::string where() const;
  // Where a key is: "<origin>: <json path>.<key>", the key as an excerpt.
  std::string path(const std::string& key) const;

  // Refuses every key that no call above asked for: "<path(key)>: unknown key; did you mean
  // 'X'? (known here: a, b)".
  void finish() const;

  [[noreturn]] void bad(const std::string& key, const std::string& expected,
                        const nlohmann::json& value) const;

 private:
  std::string child_path(const std::string& key) const;

  const nlohmann::json& object_;
  std::string origin_;
  std::string json_path_;
  std::set<std::string> asked_;
};

}  // namespace trnsim

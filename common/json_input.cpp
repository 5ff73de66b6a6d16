#include "common/json_input.h"

#include <algorithm>
#include <limits>

#include "common/did_you_mean.h"
#include "common/error.h"
#include "common/excerpt.h"

namespace trnsim {
namespace {

using nlohmann::json;

// What stopped a parse, for parse_json_input's message.
struct ParseFailure {
  std::string where;          // the JSON path, "top level" at the root
  std::string problem;        // ours: too deep, a duplicate key ("" for nlohmann's errors)
  std::string library_error;  // nlohmann's exception text
  int library_error_id = 0;   // 101 a syntax error, 406 a number beyond a double
  std::string token;          // the bad token, as nlohmann read it
  size_t position = 0;        // nlohmann's position: just after the bad byte or token
};

// nlohmann's SAX events turned into a document, as its own DOM parser does, but bounded: the
// parse stops (a handler returns false) at the first container deeper than kMaxJsonNesting
// or key given twice, and the failure is kept for parse_json_input to throw. The values of
// `skipped` top-level keys are parsed (and so checked) but not kept.
class BoundedDocumentBuilder final : public nlohmann::json_sax<json> {
 public:
  explicit BoundedDocumentBuilder(const std::vector<std::string>& skipped) : skipped_(skipped) {}

  bool null() override { return place(nullptr); }
  bool boolean(bool v) override { return place(v); }
  bool number_integer(number_integer_t v) override { return place(v); }
  bool number_unsigned(number_unsigned_t v) override { return place(v); }
  bool number_float(number_float_t v, const string_t&) override { return place(v); }
  bool string(string_t& v) override { return place(std::move(v)); }
  bool binary(binary_t&) override { return false; }  // only binary formats produce it
  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    if (skipping_) return true;
    Open& top = open_.back();
    if (open_.size() == 1 && std::find(skipped_.begin(), skipped_.end(), k) != skipped_.end()) {
      skipping_ = true;
      return true;
    }
    // One lookup: the key's slot, or the key already there.
    const auto [slot, inserted] = top.value->get_ref<json::object_t&>().emplace(k, nullptr);
    if (!inserted)
      return stop(path_to_next(&k), "duplicate key (each key may appear once in an object)");
    top.key = k;
    slot_ = &slot->second;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& e) override {
    failure_.where = path_to_next(nullptr);
    failure_.library_error = e.what();
    failure_.library_error_id = e.id;
    failure_.token = last_token;
    failure_.position = position;
    return false;
  }

  json& document() { return root_; }
  const ParseFailure& failure() const { return failure_; }

 private:
  struct Open {
    json* value;
    std::string key;  // in an object: the key whose value is being read
  };

  bool stop(std::string where, std::string problem) {
    failure_.where = std::move(where);
    failure_.problem = std::move(problem);
    return false;
  }

  // The new value's place: the root, the end of the open array, or the key just read.
  json* insert(json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& parent = *open_.back().value;
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    open_.back().key.clear();
    *slot_ = std::move(v);
    return slot_;
  }
  bool place(json&& v) {
    if (skipping_) {
      skipping_ = skipped_depth_ > 0;  // a skipped scalar ends here
      return true;
    }
    insert(std::move(v));
    return true;
  }
  bool open(json&& empty) {
    if (open_.size() + skipped_depth_ >= kMaxJsonNesting) {
      return stop(path_to_next(nullptr), "nested more than " + std::to_string(kMaxJsonNesting) +
                                             " arrays and objects deep (at most " +
                                             std::to_string(kMaxJsonNesting) + " allowed)");
    }
    if (skipping_) {
      ++skipped_depth_;
      return true;
    }
    const std::string key = open_.empty() ? "" : open_.back().key;  // insert() clears it
    json* value = insert(std::move(empty));
    if (!open_.empty()) open_.back().key = key;
    open_.push_back({value, ""});
    return true;
  }
  bool close() {
    if (skipping_) {
      skipping_ = --skipped_depth_ > 0;
      return true;
    }
    open_.pop_back();
    if (!open_.empty()) open_.back().key.clear();
    return true;
  }

  // The JSON path of the value about to be read ("streams.Vector[3].dst"), bounded; with
  // `key`, the path of that key of the innermost object.
  std::string path_to_next(const std::string* key) const {
    std::string path;
    for (size_t i = 0; i < open_.size() && path.size() <= kLongExcerptChars; ++i) {
      const json& v = *open_[i].value;
      const bool innermost = i + 1 == open_.size();
      if (v.is_array()) {
        path += "[" + std::to_string(innermost ? v.size() : v.size() - 1) + "]";
        continue;
      }
      const std::string& name = innermost && key ? *key : open_[i].key;
      if (!name.empty()) path += (path.empty() ? "" : ".") + excerpt(name);
    }
    return path.empty() ? "top level" : excerpt(path, kLongExcerptChars);
  }

  const std::vector<std::string>& skipped_;
  json root_;
  std::vector<Open> open_;
  json* slot_ = nullptr;
  bool skipping_ = false;     // inside the value of a skipped key
  size_t skipped_depth_ = 0;  // containers open inside it
  ParseFailure failure_;
};

// nlohmann's description of a parse error without its prefix and with the bad token bounded:
// "syntax error while parsing value - invalid literal; last read: 'tru'; expected ...".
std::string syntax_problem(const std::string& what, const std::string& token) {
  // "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error ..."
  const size_t column = what.find(", column ");
  const size_t colon = column == std::string::npos ? column : what.find(": ", column);
  std::string text = colon == std::string::npos ? what : what.substr(colon + 2);
  const std::string last_read = "; last read: '";
  const size_t at = text.find(last_read);
  if (at == std::string::npos) return excerpt(text, kLongExcerptChars);
  const size_t expected = text.rfind("'; expected ");
  const std::string rest = expected != std::string::npos && expected >= at + last_read.size()
                               ? text.substr(expected + 1)
                               : "";
  return excerpt(text.substr(0, at), kLongExcerptChars) + last_read + excerpt(token) + "'" +
         excerpt(rest, kLongExcerptChars);
}

// "3:17" for the byte at `offset` (0-based) of `text`, which starts at line `first_line`.
std::string line_and_column(std::string_view text, size_t offset, size_t first_line) {
  offset = std::min(offset, text.size());
  const auto newlines = std::count(text.begin(), text.begin() + offset, '\n');
  const size_t line_start = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  const size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  const size_t line = first_line + static_cast<size_t>(newlines);
  return std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace

json parse_json_input(std::string_view text, const std::string& origin,
                      const std::vector<std::string>& skipped_keys, size_t first_line) {
  BoundedDocumentBuilder builder(skipped_keys);
  if (json::sax_parse(text, &builder)) return std::move(builder.document());
  const ParseFailure& f = builder.failure();
  if (!f.problem.empty()) throw InputError(origin + ": " + f.where + ": " + f.problem);
  if (f.library_error_id == 406) {  // out_of_range.406: a number beyond a double
    const size_t start = f.position >= f.token.size() ? f.position - f.token.size() : 0;
    throw InputError(origin + ":" + line_and_column(text, start, first_line) + ": " + f.where +
                     ": number " + excerpt(f.token) +
                     " is out of range (expected a number within +-1.7e308; " + "at byte " +
                     std::to_string(start) + ")");
  }
  const size_t at = f.position == 0 ? 0 : f.position - 1;
  throw InputError(origin + ":" + line_and_column(text, at, first_line) +
                   ": not valid JSON at byte " + std::to_string(at) + " (in " + f.where +
                   "): " + syntax_problem(f.library_error, f.token));
}

std::string json_value_text(const json& value) {
  // A scalar as JSON writes it, a string as an excerpt.
  const auto scalar = [](const json& v) {
    return v.is_string() ? "\"" + excerpt(v.get_ref<const std::string&>()) + "\"" : v.dump();
  };
  if (!value.is_structured())
    return value.is_null() ? "null" : value.type_name() + (" " + scalar(value));
  // A small container of scalars in full ("array [1, 2]"), any other by its size: never a
  // dump of a whole (perhaps huge) value.
  constexpr size_t kShownItems = 4;
  const bool small = value.size() <= kShownItems &&
                     std::none_of(value.begin(), value.end(),
                                  [](const json& item) { return item.is_structured(); });
  if (!small) {
    const char* unit = value.is_array() ? " item" : " key";
    return std::string(value.is_array() ? "an array of " : "an object of ") +
           std::to_string(value.size()) + unit + (value.size() == 1 ? "" : "s");
  }
  std::string items;
  if (value.is_array())
    for (const json& item : value) items += (items.empty() ? "" : ", ") + scalar(item);
  else
    for (const auto& [key, item] : value.items())
      items += (items.empty() ? "\"" : ", \"") + excerpt(key) + "\": " + scalar(item);
  return value.is_array() ? "array [" + items + "]" : "object {" + items + "}";
}

JsonObject::JsonObject(const json& object, std::string origin, std::string json_path)
    : object_(object), origin_(std::move(origin)), json_path_(std::move(json_path)) {
  if (!object_.is_object())
    throw InputError(where() + ": expected a JSON object, got " + json_value_text(object_));
}

std::string JsonObject::where() const {
  return json_path_.empty() ? origin_ : origin_ + ": " + json_path_;
}

std::string JsonObject::child_path(const std::string& key) const {
  return json_path_.empty() ? excerpt(key) : json_path_ + "." + excerpt(key);
}

std::string JsonObject::path(const std::string& key) const {
  return origin_ + ": " + child_path(key);
}

const json& JsonObject::at(const std::string& key) {
  asked_.insert(key);
  auto it = object_.find(key);
  if (it == object_.end()) {
    // A misspelt required key is missing too: name the key that was probably meant as it.
    std::vector<std::string> given;
    for (const auto& entry : object_.items())
      if (!asked_.count(entry.key())) given.push_back(entry.key());
    const std::string* typo = closest_name(key, given);
    throw InputError(where() + ": missing key '" + key + "'" +
                     (typo ? "; is '" + excerpt(*typo) + "' a misspelling of it?" : ""));
  }
  return *it;
}

bool JsonObject::has(const std::string& key) {
  asked_.insert(key);
  return object_.contains(key);
}

std::string JsonObject::string(const std::string& key) {
  const json& v = at(key);
  if (!v.is_string()) bad(key, "a string", v);
  return v.get<std::string>();
}

bool JsonObject::boolean(const std::string& key) {
  const json& v = at(key);
  if (!v.is_boolean()) bad(key, "true or false", v);
  return v.get<bool>();
}

int64_t JsonObject::integer(const std::string& key) {
  const json& v = at(key);
  if (!v.is_number_integer() ||
      (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())))
    bad(key, "an integer within +-9.2e18", v);
  return v.get<int64_t>();
}

uint64_t JsonObject::unsigned_integer(const std::string& key) {
  const json& v = at(key);
  if (!v.is_number_unsigned()) bad(key, "a non-negative integer", v);
  return v.get<uint64_t>();
}

double JsonObject::number(const std::string& key) {
  const json& v = at(key);
  if (!v.is_number()) bad(key, "a number", v);
  return v.get<double>();
}

std::vector<std::string> JsonObject::strings(const std::string& key) {
  const json& v = at(key);
  if (!v.is_array()) bad(key, "a list of strings", v);
  std::vector<std::string> out;
  for (const json& item : v) {
    if (!item.is_string()) bad(key, "a list of strings", v);
    out.push_back(item.get<std::string>());
  }
  return out;
}

JsonObject JsonObject::object(const std::string& key) {
  return JsonObject(at(key), origin_, child_path(key));
}

void JsonObject::finish() const {
  const std::vector<std::string> known(asked_.begin(), asked_.end());
  for (const auto& [key, v] : object_.items())
    if (!asked_.count(key))
      throw InputError(path(key) + ": unknown key" + did_you_mean(key, known) +
                       " (known here: " + join_names(known) + ")");
}

void JsonObject::bad(const std::string& key, const std::string& expected, const json& v) const {
  throw InputError(path(key) + ": expected " + expected + ", got " + json_value_text(v));
}

}  // namespace trnsim

// Names of enumerations, one table each: the name of a value, and parsing a name back with an
// error that lists what is allowed. Each table is indexed by the enumerator and must name every
// value in order; `names_in_order` lets its owner check that at compile time.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/did_you_mean.h"
#include "common/error.h"

namespace trnsim {

template <typename Enum>
struct NamedValue {
  Enum value;
  const char* name;
};

template <typename Enum, size_t N>
constexpr bool names_in_order(const std::array<NamedValue<Enum>, N>& table) {
  for (size_t i = 0; i < N; ++i)
    if (static_cast<size_t>(table[i].value) != i || table[i].name == nullptr) return false;
  return true;
}

template <typename Enum, size_t N>
const char* name_of(const std::array<NamedValue<Enum>, N>& table, Enum value) {
  const size_t i = static_cast<size_t>(value);
  return i < N ? table[i].name : "?";
}

// "a, b, c": the names of a table, for error messages.
template <typename Enum, size_t N>
std::string name_list(const std::array<NamedValue<Enum>, N>& table) {
  std::string out;
  for (size_t i = 0; i < N; ++i) out += (i ? ", " : "") + std::string(table[i].name);
  return out;
}

// The value named `text`; otherwise throws UserError unknown_name(what, text, table's names).
template <typename Enum, size_t N>
Enum parse_named(const std::array<NamedValue<Enum>, N>& table, const std::string& text,
                 const char* what) {
  std::vector<std::string> names;
  for (const auto& row : table) {
    if (text == row.name) return row.value;
    names.push_back(row.name);
  }
  throw UserError(unknown_name(what, text, names));
}

}  // namespace trnsim

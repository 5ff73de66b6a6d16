// Suggestions for a misspelt name: every loader that rejects an unknown key or name asks here,
// so a typo gets the same hint everywhere.
#pragma once

#include <string>
#include <vector>

namespace trnsim {

// The closest candidate that `word` is a likely typo of (within max(2, its length / 5)
// single-character edits), or nullptr. Cheap for any length of `word`.
const std::string* closest_name(const std::string& word,
                                const std::vector<std::string>& candidates);

// "; did you mean 'X'?" for the closest_name X, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// "unknown <what> '<word>'; did you mean 'X'? (allowed: a, b, c)", with `word` as an excerpt:
// the message for a name that a table of names does not know.
std::string unknown_name(const std::string& what, const std::string& word,
                         const std::vector<std::string>& names);

// "a, b, c": names joined for a message that lists what is allowed.
std::string join_names(const std::vector<std::string>& names);

}  // namespace trnsim

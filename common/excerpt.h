// Quoting user text in an error message. Whatever a user typed or a file holds (a key, a name,
// a value, a path, a line of content) is shown through excerpt(): a message then stays one
// short line however long the text is or whatever bytes it holds.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace trnsim {

// At most this many characters of a user's text are quoted.
constexpr size_t kExcerptChars = 60;
// Paths, and a library's message that may hold user text, get more room: a cut path is hard
// to find again.
constexpr size_t kLongExcerptChars = 200;

// The first `max_chars` characters of `text`, then "..." if there were more. Newlines, tabs
// and other control characters, bytes that are not UTF-8 and the Unicode line separators are
// written as escapes (\n, \t, \x1b, \u2028), so the result never breaks a line.
std::string excerpt(std::string_view text, size_t max_chars = kExcerptChars);

// A path for a message: excerpt(path, kLongExcerptChars).
std::string path_excerpt(std::string_view path);

}  // namespace trnsim

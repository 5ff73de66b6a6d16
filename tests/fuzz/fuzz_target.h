// What every harness under tests/fuzz/ shares. A harness defines LLVMFuzzerTestOneInput and
// feeds the bytes to one loader through accept_only_user_errors(). The one outcome accepted
// besides success is a UserError whose message is one line of bounded length; any other
// exception escapes (libFuzzer reports it as a crash), and so does a crash, a sanitizer
// report, a hang or runaway memory (libFuzzer's -timeout and -rss_limit_mb).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace trnsim::fuzz {

// Longer than any message of the loaders: the longest lists every opcode (about 600
// characters) and quotes at most a few excerpts.
constexpr size_t kMaxMessageChars = 2000;

// Aborts, naming the message, if a UserError's message breaks the promise of one short line.
void check_user_message(const std::string& message);

template <typename Load>
void accept_only_user_errors(Load&& load) {
  try {
    load();
  } catch (const UserError& e) {
    check_user_message(e.what());
  }
}

// The bytes as text.
inline std::string_view text_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Writes the bytes to `name` in a directory of this process's own under the temporary
// directory (for loaders that read a path), and returns its path.
std::string write_input_file(const uint8_t* data, size_t size, const std::string& name);

}  // namespace trnsim::fuzz

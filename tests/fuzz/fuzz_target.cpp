#include "tests/fuzz/fuzz_target.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace trnsim::fuzz {

void check_user_message(const std::string& message) {
  const bool one_line = message.find_first_of("\n\r") == std::string::npos;
  if (one_line && !message.empty() && message.size() <= kMaxMessageChars) return;
  std::fprintf(stderr, "UserError breaks the one-short-line promise (%zu characters): %s\n",
               message.size(), message.substr(0, kMaxMessageChars).c_str());
  std::abort();
}

std::string write_input_file(const uint8_t* data, size_t size, const std::string& name) {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::filesystem::path d = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
                              ("trnsim_fuzz_" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace trnsim::fuzz

// libsystemc refers to sc_main; the harnesses that link the simulator never start it.
extern "C" int sc_main(int, char**) { return 0; }

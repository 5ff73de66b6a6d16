// Opening a file a user named, for reading. Only a regular file is accepted: a FIFO, a device,
// a socket or a directory is refused before a byte is read, and so is a path that cannot be
// opened (missing, a symlink loop, a name too long, no permission). The path is checked with
// stat() before it is opened and opened with O_NONBLOCK, then checked again with fstat(), so a
// FIFO without a writer (or one swapped in meanwhile) never blocks. Every refusal is one
// InputError line naming the path and what was expected.
#pragma once

#include <cstdint>
#include <string>

namespace trnsim {

class InputFile {
 public:
  // `expected` says what the file should be, for messages: "a program JSON file".
  InputFile(const std::string& path, const std::string& expected);
  ~InputFile();
  InputFile(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  InputFile& operator=(InputFile&&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }  // when it was opened

  // `bytes` bytes from `offset`; InputError if the file ends first or cannot be read.
  void read_into(uint64_t offset, char* data, uint64_t bytes) const;
  std::string read(uint64_t offset, uint64_t bytes) const;
  // The whole file; InputError if it holds more than `max_bytes` (named in the message as the
  // limit for `expected`), so a huge file is refused before it is read.
  std::string read_all(uint64_t max_bytes) const;

 private:
  // For the constructor: closes what it opened and throws the InputError for `problem`.
  [[noreturn]] void refuse(const std::string& problem);

  std::string path_;
  std::string expected_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// The whole of `path` as InputFile(path, expected).read_all(max_bytes).
std::string read_input_file(const std::string& path, const std::string& expected,
                            uint64_t max_bytes);

}  // namespace trnsim

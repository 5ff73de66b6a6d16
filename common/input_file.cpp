#include "common/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/excerpt.h"

namespace trnsim {
namespace {

// What a non-regular file is, for the message.
std::string kind_of(mode_t mode) {
  const char* kind = S_ISDIR(mode)    ? "a directory"
                     : S_ISFIFO(mode) ? "a FIFO"
                     : S_ISCHR(mode)  ? "a character device"
                     : S_ISBLK(mode)  ? "a block device"
                     : S_ISSOCK(mode) ? "a socket"
                                      : "a special file";
  return std::string("is ") + kind + ", not a regular file";
}

}  // namespace

InputFile::InputFile(const std::string& path, const std::string& expected)
    : path_(path), expected_(expected) {
  // 1. stat: refuse a non-regular file without opening it (opening a device can act on it).
  struct stat status {};
  if (path.empty()) refuse("no file named");
  if (::stat(path.c_str(), &status) != 0)
    refuse(std::string("cannot open: ") + std::strerror(errno));
  if (!S_ISREG(status.st_mode)) refuse(kind_of(status.st_mode));
  // 2. open without blocking, then fstat what was opened: the path may have changed.
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) refuse(std::string("cannot open: ") + std::strerror(errno));
  if (::fstat(fd_, &status) != 0) refuse(std::string("cannot open: ") + std::strerror(errno));
  if (!S_ISREG(status.st_mode)) refuse(kind_of(status.st_mode));
  size_ = static_cast<uint64_t>(status.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

InputFile::InputFile(InputFile&& other) noexcept
    : path_(std::move(other.path_)),
      expected_(std::move(other.expected_)),
      fd_(other.fd_),
      size_(other.size_) {
  other.fd_ = -1;
}

void InputFile::refuse(const std::string& problem) {
  if (fd_ >= 0) ::close(fd_);  // the constructor throws, so no destructor will
  fd_ = -1;
  throw InputError(path_excerpt(path_) + ": " + problem + " (expected " + expected_ + ")");
}

void InputFile::read_into(uint64_t offset, char* data, uint64_t bytes) const {
  uint64_t done = 0;
  while (done < bytes) {
    const ssize_t got = ::pread(fd_, data + done, bytes - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw InputError(path_excerpt(path_) + ": cannot read: " + std::strerror(errno));
    if (got == 0)
      throw InputError(path_excerpt(path_) + ": ends at byte " + std::to_string(offset + done) +
                       ", before the " + std::to_string(bytes) + " bytes from byte " +
                       std::to_string(offset) + " (was it changed while being read?)");
    done += static_cast<uint64_t>(got);
  }
}

std::string InputFile::read(uint64_t offset, uint64_t bytes) const {
  std::string out(bytes, '\0');
  read_into(offset, out.data(), bytes);
  return out;
}

std::string InputFile::read_all(uint64_t max_bytes) const {
  auto too_large = [&](uint64_t at_least) {
    throw InputError(path_excerpt(path_) + ": " + std::to_string(at_least) +
                     " bytes or more, larger than the " + std::to_string(max_bytes) +
                     " bytes allowed for " + expected_);
  };
  if (size_ > max_bytes) too_large(size_);
  // Read to the end rather than trusting the size: a file may grow, and some report size 0.
  std::string out;
  char buffer[1 << 16];
  for (uint64_t offset = 0;;) {
    const ssize_t got = ::pread(fd_, buffer, sizeof buffer, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw InputError(path_excerpt(path_) + ": cannot read: " + std::strerror(errno));
    if (got == 0) return out;
    offset += static_cast<uint64_t>(got);
    if (offset > max_bytes) too_large(offset);
    out.append(buffer, static_cast<size_t>(got));
  }
}

std::string read_input_file(const std::string& path, const std::string& expected,
                            uint64_t max_bytes) {
  return InputFile(path, expected).read_all(max_bytes);
}

}  // namespace trnsim

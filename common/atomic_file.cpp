#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "common/error.h"

namespace trnsim {
namespace {

UserError cannot_write(const std::string& path, const std::string& why) {
  return UserError("cannot write '" + path + "': " + why);
}

// "<path>.tmp-" and six random letters or digits, made by `create` (which fails with EEXIST
// if the name is taken), as mkstemp and mkdtemp do. The temporary becomes the output, so it
// gets the mode a plain create gives (0666 or 0777 less the umask), not their 0600 / 0700.
template <typename Create>
std::string create_unique(const std::string& path, Create create) {
  static const char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::mt19937 pick{std::random_device{}()};
  std::uniform_int_distribution<size_t> letter(0, sizeof kLetters - 2);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = path + ".tmp-";
    for (int i = 0; i < 6; ++i) name += kLetters[letter(pick)];
    if (create(name.c_str())) return name;
    if (errno != EEXIST) throw cannot_write(path, std::strerror(errno));
  }
  throw cannot_write(path, "no unused temporary name after 100 tries");
}

std::string create_unique_temporary(const std::string& path) {
  return create_unique(path, [](const char* name) {
    const int fd = ::open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return false;
    ::close(fd);
    return true;
  });
}

}  // namespace

AtomicFile::AtomicFile(const std::string& path) : path_(path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) throw cannot_write(path_, "it is a directory");
  temp_path_ = create_unique_temporary(path_);
  errno = 0;
  out_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) {
    const std::string why = errno ? std::strerror(errno) : "cannot open";
    remove_temporary();
    throw cannot_write(path_, why);
  }
}

AtomicFile::~AtomicFile() { remove_temporary(); }

void AtomicFile::remove_temporary() noexcept {
  if (temp_path_.empty()) return;
  out_.close();
  std::remove(temp_path_.c_str());
  temp_path_.clear();
}

void AtomicFile::commit() {
  close();
  rename_into_place();
}

void AtomicFile::close() {
  if (temp_path_.empty() || closed_) throw std::logic_error("AtomicFile::close: not open");
  out_.flush();
  const bool written = static_cast<bool>(out_);
  out_.close();
  if (!written || out_.fail()) {
    remove_temporary();
    throw cannot_write(path_, "write failed (disk full?)");
  }
  closed_ = true;
}

void AtomicFile::rename_into_place() {
  if (temp_path_.empty() || !closed_)
    throw std::logic_error("AtomicFile::rename_into_place: not closed");
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    remove_temporary();
    throw cannot_write(path_, why);
  }
  temp_path_.clear();
}

std::string create_staging_directory(const std::string& path) {
  return create_unique(path, [](const char* name) { return ::mkdir(name, 0777) == 0; });
}

}  // namespace trnsim

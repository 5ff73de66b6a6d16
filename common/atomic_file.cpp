#include "common/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/types.h"

namespace trnsim {

AtomicFile::AtomicFile(const std::string& path) : path_(path), temp_path_(path + ".tmp") {
  errno = 0;
  out_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) {
    std::string why = errno ? std::strerror(errno) : "cannot open";
    throw UserError("cannot write '" + path_ + "': " + why);
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(temp_path_.c_str());
  }
}

void AtomicFile::commit() {
  out_.flush();
  bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail()) {
    std::remove(temp_path_.c_str());
    committed_ = true;
    throw UserError("cannot write '" + path_ + "': write failed (disk full?)");
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::remove(temp_path_.c_str());
    committed_ = true;
    throw UserError("cannot write '" + path_ + "': " + why);
  }
  committed_ = true;
}

}  // namespace trnsim

// An output file that appears complete or not at all: text goes to "<path>.tmp", and commit()
// renames it over `path`. Dropping the writer without commit() removes the temporary file.
#pragma once

#include <fstream>
#include <string>

namespace trnsim {

class AtomicFile {
 public:
  // Throws UserError naming the path when the temporary file cannot be created.
  explicit AtomicFile(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& out() { return out_; }
  // Flushes, closes and renames; throws UserError if any write or the rename failed.
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace trnsim

// An output file that appears complete or not at all. Text goes to a temporary of its own
// beside the target ("<path>.tmp-XXXXXX", created exclusively, so two processes writing the
// same path never share one), and commit() renames it over `path`. Dropping the writer
// without commit() removes the temporary. Several files that must appear together go through
// an OutputSet (common/output_set.h), which uses the two halves of commit() separately.
#pragma once

#include <fstream>
#include <string>

namespace trnsim {

class AtomicFile {
 public:
  // Throws UserError naming the path when it is a directory or the temporary cannot be
  // created (no such directory, no permission, ...).
  explicit AtomicFile(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& out() { return out_; }
  const std::string& path() const { return path_; }

  // close() then rename_into_place().
  void commit();
  // Flushes and closes the temporary (releasing its descriptor); throws UserError (and removes
  // it) if any write failed.
  void close();
  bool closed() const { return closed_; }
  // Renames the closed temporary over `path`; throws UserError (and removes it) if that fails.
  void rename_into_place();

 private:
  void remove_temporary() noexcept;

  std::string path_;
  std::string temp_path_;
  std::ofstream out_;
  bool closed_ = false;
};

// Creates a new, empty directory "<path>.tmp-XXXXXX" of its own (as mkdtemp does, but with the
// mode a plain mkdir gives) and returns its name: where a directory output is assembled before
// it is renamed to `path`. Throws UserError naming `path` if it cannot.
std::string create_staging_directory(const std::string& path);

}  // namespace trnsim

// The files one command writes, and the rule that none of them is one of its inputs.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/atomic_file.h"

namespace trnsim {

// Files made visible together. Each add() opens an AtomicFile (a temporary of its own beside
// the target); commit() first closes every temporary, checking that each was written
// completely, and only then renames them over their targets. If anything fails before that
// (a write, a later add(), the command itself), destroying the set removes every temporary,
// so a command leaves all of its outputs or none. Only a rename that fails after others
// succeeded (a target replaced by a directory meanwhile) can leave some; each is still whole.
class OutputSet {
 public:
  // Throws UserError as AtomicFile does. A file may be close()d early to release its descriptor.
  AtomicFile& add(const std::string& path);
  // Closes what is still open, then renames every file; throws UserError if one fails.
  void commit();

 private:
  std::vector<std::unique_ptr<AtomicFile>> files_;
};

// A file named on a command line, with what it is for in messages: {"--trace", "run.json"}.
struct NamedFile {
  std::string what;
  std::string path;
};

// True if `a` and `b` are one file: the same device and inode when both exist, otherwise the
// same canonical path.
bool same_file(const std::string& a, const std::string& b);

// Throws UserError (one line) if an output could not be written or would overwrite what the
// command reads: its directory does not exist, it is a directory, or it is the same file as an
// input or as another output. Called before any work is done; empty paths are skipped.
void check_output_paths(const std::vector<NamedFile>& outputs,
                        const std::vector<NamedFile>& inputs);

}  // namespace trnsim

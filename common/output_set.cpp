#include "common/output_set.h"

#include <sys/stat.h>

#include <filesystem>

#include "common/error.h"

namespace trnsim {

namespace fs = std::filesystem;

AtomicFile& OutputSet::add(const std::string& path) {
  files_.push_back(std::make_unique<AtomicFile>(path));
  return *files_.back();
}

void OutputSet::commit() {
  for (const auto& file : files_)
    if (!file->closed()) file->close();
  for (const auto& file : files_) file->rename_into_place();
  files_.clear();
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  std::error_code ea, eb;
  const fs::path ca = fs::weakly_canonical(fs::absolute(a, ea), ea);
  const fs::path cb = fs::weakly_canonical(fs::absolute(b, eb), eb);
  return !ea && !eb && ca == cb;
}

void check_output_paths(const std::vector<NamedFile>& outputs,
                        const std::vector<NamedFile>& inputs) {
  auto describe = [](const NamedFile& f) { return f.what + " '" + f.path + "'"; };
  for (size_t i = 0; i < outputs.size(); ++i) {
    const NamedFile& out = outputs[i];
    if (out.path.empty()) continue;
    std::error_code ec;
    const fs::path dir = fs::path(out.path).has_parent_path() ? fs::path(out.path).parent_path()
                                                              : fs::path(".");
    if (!fs::is_directory(dir, ec))
      throw UserError("cannot write " + describe(out) + ": directory '" + dir.string() +
                      "' does not exist");
    if (fs::is_directory(out.path, ec))
      throw UserError("cannot write " + describe(out) + ": it is a directory");
    for (const NamedFile& in : inputs)
      if (!in.path.empty() && same_file(out.path, in.path))
        throw UserError(describe(out) + " is the same file as " + describe(in) +
                        ", which this command reads; choose another output path");
    for (size_t j = 0; j < i; ++j)
      if (!outputs[j].path.empty() && same_file(out.path, outputs[j].path))
        throw UserError(describe(out) + " is the same file as " + describe(outputs[j]) +
                        "; choose another output path");
  }
}

}  // namespace trnsim

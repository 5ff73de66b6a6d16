// Weight files as `trnsim compress` reads and writes them: safetensors (several named tensors,
// BF16 / F16 / F32) and NumPy .npy (one tensor named by the file stem, '<f2' / '<f4'; numpy has
// no bfloat16, so bf16 goes through safetensors only). Every malformed file is a UserError of
// one line that starts with the path; nothing is ever half-written.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/input_file.h"
#include "common/output_set.h"
#include "common/types.h"

namespace trnsim::compress {

// Weights in memory: fp32 holds bf16 and fp16 values exactly. Column-major like all of Eigen.
using Matrix = Eigen::MatrixXf;

enum class FileFormat { safetensors, npy };
const char* file_format_name(FileFormat f);

// One tensor of a file, validated against the file size. `dtype` is empty for a dtype that the
// format allows but compress does not convert (e.g. safetensors I64); such a tensor can be
// listed and skipped, not read.
struct TensorEntry {
  std::string name;
  std::string dtype_name;  // as the file spells it: "BF16", "<f4", ...
  std::optional<Dtype> dtype;
  std::vector<int64_t> shape;
  uint64_t file_offset = 0;  // absolute position of the first data byte
  uint64_t bytes = 0;
  bool fortran_order = false;  // .npy only: data stored column-major

  int64_t elements() const;
};

// An opened, fully validated weights file; tensor data is read on demand.
class WeightsFile {
 public:
  // .npy by extension or magic, anything else safetensors. Throws InputError (a regular file
  // only, see common/input_file.h).
  static WeightsFile open(const std::string& path);

  const std::string& path() const { return path_; }
  FileFormat format() const { return format_; }
  const std::vector<TensorEntry>& tensors() const { return tensors_; }
  const TensorEntry* find(const std::string& name) const;  // nullptr if absent
  std::string names() const;  // "a, b, c" for error messages, as a bounded excerpt

  // The tensor as a matrix: rows = product of all but the last dimension, cols = the last one.
  // Needs a convertible dtype and at least one dimension; throws UserError otherwise.
  Matrix read_matrix(const std::string& name) const;

 private:
  std::string path_;
  std::shared_ptr<const InputFile> input_;  // kept open: tensors are read on demand
  FileFormat format_ = FileFormat::safetensors;
  std::vector<TensorEntry> tensors_;
};

// Rounds every value to the nearest `dtype` value (round-to-nearest-even), i.e. what writing
// and reading back gives.
void round_to_dtype(Matrix& m, Dtype dtype);

// Writes 2-D tensors in `format`. safetensors: one file `path` holding every tensor (plus the
// string `metadata`). npy: a directory `path` holding NAME.npy per tensor; a new directory is
// assembled under a unique temporary name and appears whole, into an existing one the files are
// renamed together (common/output_set.h). The layout (names, dtypes, shapes) is fixed up front,
// so data can be streamed one tensor at a time; everything goes to temporary files of this
// writer's own, and only commit() makes it visible. Destroying an uncommitted writer removes
// every temporary file. All failures are UserErrors naming the path.
class WeightsWriter {
 public:
  struct Layout {
    std::string name;
    Dtype dtype;
    int64_t rows;
    int64_t cols;
    // The shape safetensors records, when not [rows, cols] (a copied tensor keeps its own:
    // [H] for a norm's weight); its last dimension is cols, the others multiply to rows.
    std::vector<int64_t> shape = {};
  };

  WeightsWriter(FileFormat format, std::string path, std::vector<Layout> layout,
                std::map<std::string, std::string> metadata = {});
  ~WeightsWriter();
  WeightsWriter(const WeightsWriter&) = delete;
  WeightsWriter& operator=(const WeightsWriter&) = delete;

  // Writes the next tensor of the layout, in layout order; the shape must match.
  void write(const Matrix& values);
  void commit();

 private:
  FileFormat format_;
  std::string path_;
  std::vector<Layout> layout_;
  std::map<std::string, std::string> metadata_;
  size_t next_ = 0;
  std::string staging_dir_;  // npy into a directory that did not exist yet
  OutputSet files_;
  AtomicFile* safetensors_file_ = nullptr;
  bool committed_ = false;
};

// What a writer of `layout` in `format` puts in place, for check_output_paths(): `path` itself
// for safetensors and for npy into a directory that does not exist yet, else path/NAME.npy per
// tensor.
std::vector<std::string> output_paths(FileFormat format, const std::string& path,
                                      const std::vector<WeightsWriter::Layout>& layout);

// Throws UserError unless `path` could become a `format` output: its directory exists, and it
// is not a directory (safetensors) or not a regular file (npy). Used before any work is done.
void check_output_path(FileFormat format, const std::string& path);

}  // namespace trnsim::compress

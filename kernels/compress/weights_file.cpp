#include "kernels/compress/weights_file.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/did_you_mean.h"
#include "common/excerpt.h"
#include "kernels/compress/tensor_formats.h"

namespace trnsim::compress {
namespace {

namespace fs = std::filesystem;
using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Data bytes are little-endian, as both formats specify and as every host we build for is.
float decode_element(const unsigned char* p, Dtype dtype) {
  switch (dtype) {
    case Dtype::fp32: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
    case Dtype::fp16:
      return static_cast<float>(
          Eigen::numext::bit_cast<Eigen::half>(static_cast<uint16_t>(p[0] | p[1] << 8)));
    case Dtype::bf16:
      return static_cast<float>(
          Eigen::numext::bit_cast<Eigen::bfloat16>(static_cast<uint16_t>(p[0] | p[1] << 8)));
  }
  return 0;
}

void encode_element(float f, Dtype dtype, char* p) {
  uint16_t bits = 0;
  switch (dtype) {
    case Dtype::fp32: std::memcpy(p, &f, 4); return;
    case Dtype::fp16: bits = Eigen::numext::bit_cast<uint16_t>(Eigen::half(f)); break;
    case Dtype::bf16: bits = Eigen::numext::bit_cast<uint16_t>(Eigen::bfloat16(f)); break;
  }
  p[0] = static_cast<char>(bits & 0xff);
  p[1] = static_cast<char>(bits >> 8);
}

std::string npy_file(const std::string& dir, const std::string& tensor) {
  return dir + "/" + tensor + ".npy";
}

}  // namespace

const char* file_format_name(FileFormat f) { return f == FileFormat::npy ? "npy" : "safetensors"; }

int64_t TensorEntry::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

WeightsFile WeightsFile::open(const std::string& path) {
  WeightsFile file;
  file.path_ = path;
  file.input_ = std::make_shared<const InputFile>(path, "a weights file (.safetensors or .npy)");
  const InputFile& in = *file.input_;
  const std::string magic = in.read(0, std::min<uint64_t>(in.size(), 6));
  const bool npy = fs::path(path).extension() == ".npy" || magic == "\x93NUMPY";
  if (npy) {
    file.format_ = FileFormat::npy;
    file.tensors_.push_back(parse_npy(in, fs::path(path).stem().string()));
  } else {
    file.format_ = FileFormat::safetensors;
    file.tensors_ = parse_safetensors(in);
  }
  return file;
}

const TensorEntry* WeightsFile::find(const std::string& name) const {
  for (const TensorEntry& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

std::string WeightsFile::names() const {
  std::vector<std::string> names;
  for (const TensorEntry& t : tensors_) names.push_back(t.name);
  return names.empty() ? "(none)" : excerpt(join_names(names), kLongExcerptChars);
}

Matrix WeightsFile::read_matrix(const std::string& name) const {
  const TensorEntry* t = find(name);
  const std::string origin = path_excerpt(path_), shown = excerpt(name);
  if (!t) throw UserError(origin + ": no tensor '" + shown + "' (there are: " + names() + ")");
  if (!t->dtype)
    throw UserError(origin + ": tensor '" + shown + "' has dtype " + t->dtype_name +
                    "; compress reads only BF16, F16 and F32");
  if (t->shape.empty())
    throw UserError(origin + ": tensor '" + shown + "' is a scalar, not a matrix");
  // An empty tensor is no matrix to compress, and a (0, 2^40) one would cost 2^40 steps.
  if (t->elements() == 0)
    throw UserError(origin + ": tensor '" + shown + "' is empty (a dimension is 0)");
  const int64_t cols = t->shape.back();
  const int64_t rows = cols == 0 ? 0 : t->elements() / cols;
  // The file order is row-major, i.e. the column-major order of the transpose.
  Matrix stored = t->fortran_order ? Matrix(rows, cols) : Matrix(cols, rows);
  {
    // From the file as it was opened and checked: the path may name another file by now.
    std::vector<unsigned char> bytes(t->bytes);
    input_->read_into(t->file_offset, reinterpret_cast<char*>(bytes.data()), bytes.size());
    const int size = dtype_size(*t->dtype);
    for (Eigen::Index i = 0; i < stored.size(); ++i)
      stored.data()[i] = decode_element(&bytes[i * size], *t->dtype);
  }
  if (t->fortran_order) return stored;
  return stored.transpose();
}

void round_to_dtype(Matrix& m, Dtype dtype) {
  if (dtype == Dtype::fp32) return;
  char buffer[4];
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    encode_element(m.data()[i], dtype, buffer);
    m.data()[i] = decode_element(reinterpret_cast<unsigned char*>(buffer), dtype);
  }
}

void check_output_path(FileFormat format, const std::string& path) {
  if (path.empty()) throw UserError("no output path given");
  std::error_code ec;
  const fs::path parent =
      fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec))
    throw UserError("cannot write '" + path + "': directory '" + parent.string() +
                    "' does not exist");
  if (format == FileFormat::safetensors && fs::is_directory(path, ec))
    throw UserError("cannot write '" + path +
                    "': it is a directory (safetensors output is one file)");
  if (format == FileFormat::npy && fs::exists(path, ec) && !fs::is_directory(path, ec))
    throw UserError("cannot write '" + path + "': it is a file (npy output is a directory)");
}

std::vector<std::string> output_paths(FileFormat format, const std::string& path,
                                      const std::vector<WeightsWriter::Layout>& layout) {
  std::error_code ec;
  if (format == FileFormat::safetensors || !fs::exists(path, ec)) return {path};
  std::vector<std::string> files;
  for (const WeightsWriter::Layout& t : layout) files.push_back(npy_file(path, t.name));
  return files;
}

WeightsWriter::WeightsWriter(FileFormat format, std::string path, std::vector<Layout> layout,
                             std::map<std::string, std::string> metadata)
    : format_(format),
      path_(std::move(path)),
      layout_(std::move(layout)),
      metadata_(std::move(metadata)) {
  check_output_path(format_, path_);
  if (format_ == FileFormat::safetensors) return;
  for (const Layout& t : layout_)
    if (t.name.find('/') != std::string::npos)
      throw UserError("cannot write '" + path_ + "': tensor name '" + excerpt(t.name) +
                      "' contains '/'");
  std::error_code ec;
  if (!fs::exists(path_, ec)) staging_dir_ = create_staging_directory(path_);
}

WeightsWriter::~WeightsWriter() {
  std::error_code ec;
  if (!committed_ && !staging_dir_.empty()) fs::remove_all(staging_dir_, ec);
}

void WeightsWriter::write(const Matrix& values) {
  if (next_ >= layout_.size())
    throw std::logic_error("WeightsWriter: more tensors than the layout");
  const Layout& t = layout_[next_++];
  if (values.rows() != t.rows || values.cols() != t.cols)
    throw std::logic_error("WeightsWriter: shape of '" + t.name + "' differs from the layout");
  // 1. The file: a new one per npy tensor, one for all of safetensors, each opened with its header.
  AtomicFile* file = safetensors_file_;
  if (format_ == FileFormat::npy) {
    file = &files_.add(npy_file(staging_dir_.empty() ? path_ : staging_dir_, t.name));
    file->out() << npy_header(t.dtype, t.rows, t.cols);
  } else if (!file) {
    file = safetensors_file_ = &files_.add(path_);
    file->out() << safetensors_header(layout_, metadata_);
  }
  // 2. Row-major data, a band of rows at a time.
  const int size = dtype_size(t.dtype);
  const Eigen::Index band = 256;
  std::vector<char> bytes;
  for (Eigen::Index r = 0; r < t.rows; r += band) {
    const RowMajorMatrix rows = values.middleRows(r, std::min(band, t.rows - r));
    bytes.resize(static_cast<size_t>(rows.size() * size));
    for (Eigen::Index i = 0; i < rows.size(); ++i)
      encode_element(rows.data()[i], t.dtype, &bytes[i * size]);
    file->out().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  // 3. A finished npy file gives back its descriptor (a model can have thousands of tensors).
  if (format_ == FileFormat::npy) file->close();
}

void WeightsWriter::commit() {
  if (next_ != layout_.size())
    throw std::logic_error("WeightsWriter: commit before every tensor was written");
  files_.commit();
  if (!staging_dir_.empty()) {
    std::error_code ec;
    fs::rename(staging_dir_, path_, ec);
    if (ec) throw UserError("cannot write '" + path_ + "': " + ec.message());
  }
  committed_ = true;
}

}  // namespace trnsim::compress

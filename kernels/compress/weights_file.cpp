#include "kernels/compress/weights_file.h"

#include <unistd.h>

#include <cerrno>
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

std::string system_error() { return errno ? std::strerror(errno) : "unknown error"; }

std::string temp_suffix() { return ".tmp-" + std::to_string(getpid()); }

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
  if (!fs::exists(path_, ec)) {
    temp_dir_ = path_ + temp_suffix();
    if (!fs::create_directory(temp_dir_, ec))
      throw UserError("cannot create '" + temp_dir_ + "': " + ec.message());
  }
}

WeightsWriter::~WeightsWriter() {
  if (!committed_) discard();
}

void WeightsWriter::discard() noexcept {
  std::error_code ec;
  for (const std::string& f : temp_files_) fs::remove(f, ec);
  if (!temp_dir_.empty()) fs::remove_all(temp_dir_, ec);
  temp_files_.clear();
}

void WeightsWriter::write(const Matrix& values) {
  if (next_ >= layout_.size())
    throw std::logic_error("WeightsWriter: more tensors than the layout");
  const Layout& t = layout_[next_++];
  if (values.rows() != t.rows || values.cols() != t.cols)
    throw std::logic_error("WeightsWriter: shape of '" + t.name + "' differs from the layout");
  const bool first_of_file = format_ == FileFormat::npy || temp_files_.empty();
  if (first_of_file) {
    const std::string dir = temp_dir_.empty() ? path_ : temp_dir_;
    temp_files_.push_back(format_ == FileFormat::npy ? dir + "/" + t.name + ".npy" + temp_suffix()
                                                     : path_ + temp_suffix());
  }
  errno = 0;
  std::ofstream out(temp_files_.back(),
                    std::ios::binary | (first_of_file ? std::ios::trunc : std::ios::app));
  if (!out) throw UserError("cannot write '" + path_ + "': " + system_error());
  if (first_of_file)
    out << (format_ == FileFormat::npy ? npy_header(t.dtype, t.rows, t.cols)
                                       : safetensors_header(layout_, metadata_));
  // Row-major data, a band of rows at a time.
  const int size = dtype_size(t.dtype);
  const Eigen::Index band = 256;
  std::vector<char> bytes;
  for (Eigen::Index r = 0; r < t.rows; r += band) {
    const RowMajorMatrix rows = values.middleRows(r, std::min(band, t.rows - r));
    bytes.resize(static_cast<size_t>(rows.size() * size));
    for (Eigen::Index i = 0; i < rows.size(); ++i)
      encode_element(rows.data()[i], t.dtype, &bytes[i * size]);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  out.close();
  if (!out) throw UserError("cannot write '" + path_ + "': write failed (disk full?)");
}

void WeightsWriter::commit() {
  if (next_ != layout_.size())
    throw std::logic_error("WeightsWriter: commit before every tensor was written");
  std::error_code ec;
  if (format_ == FileFormat::safetensors || temp_dir_.empty()) {
    for (const std::string& temp : temp_files_) {
      const std::string final_name = temp.substr(0, temp.size() - temp_suffix().size());
      fs::rename(temp, final_name, ec);
      if (ec) {
        discard();
        throw UserError("cannot write '" + final_name + "': " + ec.message());
      }
    }
  } else {
    for (std::string& temp : temp_files_) {
      const std::string final_name = temp.substr(0, temp.size() - temp_suffix().size());
      fs::rename(temp, final_name, ec);
      if (ec) break;
    }
    if (!ec) fs::rename(temp_dir_, path_, ec);
    if (ec) {
      discard();
      throw UserError("cannot write '" + path_ + "': " + ec.message());
    }
  }
  committed_ = true;
}

}  // namespace trnsim::compress

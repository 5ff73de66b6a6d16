#include "sim/run/nki_numerics.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/excerpt.h"
#include "kernels/compress/tensor_formats.h"
#include "kernels/compress/weights_file.h"
#include "sim/model/memory_image.h"
#include "sim/run/nki_run.h"
#include "sim/run/reference.h"

namespace trnsim::run {
namespace {

namespace fs = std::filesystem;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out;
  for (const int64_t d : shape) out += (out.empty() ? "" : ", ") + std::to_string(d);
  return "(" + out + (shape.size() == 1 ? ",)" : ")");
}

const char* npy_dtype_for(Dtype d) {
  return d == Dtype::fp16 ? "'<f2' (float16)" : "'<f4' (float32)";
}

// The values of a .npy file as a row-major vector, checked to have `shape` and the dtype that
// holds `dtype` (see nki_inputs()); `what` names the tensor and `where` (default: the path)
// the file in messages.
std::vector<float> read_npy(const std::string& path, const std::vector<int64_t>& shape,
                            Dtype dtype, const std::string& what, std::string where = "") {
  const compress::WeightsFile file = compress::WeightsFile::open(path);
  const compress::TensorEntry& e = file.tensors().front();
  if (where.empty()) where = path_excerpt(path);
  if (e.shape != shape)
    throw InputError(where + ": shape " + shape_text(e.shape) + ", but " + what + " is " +
                     shape_text(shape));
  const Dtype wanted = dtype == Dtype::fp16 ? Dtype::fp16 : Dtype::fp32;
  if (e.dtype != wanted)
    throw InputError(where + ": dtype '" + excerpt(e.dtype_name) + "', but " + what + " (" +
                     dtype_name(dtype) + ") needs " + npy_dtype_for(dtype) +
                     (dtype == Dtype::bf16 ? "; numpy has no bfloat16, the values are rounded"
                                           : ""));
  if (shape.size() > 2 && e.fortran_order)
    throw InputError(where + ": a Fortran-order array of " + std::to_string(shape.size()) +
                     " dimensions; save it C-contiguous (np.ascontiguousarray)");
  const compress::Matrix m = file.read_matrix(e.name);  // rows = all but the last dimension
  std::vector<float> out(static_cast<size_t>(m.size()));
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c)
      out[static_cast<size_t>(r * m.cols() + c)] = model::round_to(dtype, m(r, c));
  return out;
}

void write_npy(std::ostream& out, const std::vector<int64_t>& shape,
               const std::vector<float>& values) {
  out << compress::npy_header(Dtype::fp32, shape);
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size() * sizeof(float)));
}

// A directory of this process's own under $TMPDIR (or /tmp), removed with everything in it.
class PrivateDirectory {
 public:
  PrivateDirectory() {
    const char* tmp = getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/trnsim-reference-XXXXXX";
    if (!mkdtemp(pattern.data()))
      throw UserError("run-nki: cannot create a temporary directory for the reference");
    path_ = pattern;
  }
  // Its files are flat (.npy), removed one by one with POSIX calls: under ASan,
  // std::filesystem::remove_all reports a stack-buffer-overflow inside libstdc++'s directory
  // iterator, which is not instrumented.
  ~PrivateDirectory() {
    if (DIR* dir = opendir(path_.c_str())) {
      while (const dirent* entry = readdir(dir))
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
          unlink((path_ + "/" + entry->d_name).c_str());
      closedir(dir);
    }
    rmdir(path_.c_str());
  }
  PrivateDirectory(const PrivateDirectory&) = delete;
  PrivateDirectory& operator=(const PrivateDirectory&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The program tensors the reference is compared with.
std::vector<size_t> compared_tensors(const isa::Program& p, const NkiReference& ref) {
  std::vector<size_t> out;
  if (ref.returns.empty()) {
    for (size_t t = 0; t < p.tensors.size(); ++t)
      if (p.tensors[t].role == isa::TensorRole::output) out.push_back(t);
    return out;
  }
  for (const std::string& name : ref.returns) {
    const auto it = std::find_if(p.tensors.begin(), p.tensors.end(),
                                 [&](const isa::HbmTensor& t) { return t.name == name; });
    if (it == p.tensors.end())
      throw InputError("the trace returns '" + excerpt(name) + "', which it does not declare");
    out.push_back(static_cast<size_t>(it - p.tensors.begin()));
  }
  return out;
}

// The reference's arrays, one per compared tensor, or nothing if the file has no (optional)
// reference function.
std::optional<std::vector<std::vector<float>>> reference_arrays(
    const isa::Program& p, const std::vector<std::vector<float>>& inputs,
    const std::vector<size_t>& compared, const NkiReference& ref) {
  PrivateDirectory dir;
  std::vector<std::string> argv = {"reference", ref.kernel_file, "--function", ref.function,
                                   "-o", dir.path()};
  if (!ref.required) argv.push_back("--optional");
  for (size_t t = 0, k = 0; t < p.tensors.size(); ++t) {
    if (p.tensors[t].role != isa::TensorRole::input) continue;
    const std::string path = dir.path() + "/input" + std::to_string(k++) + ".npy";
    std::ofstream out(path, std::ios::binary);
    write_npy(out, npy_shape(p.tensors[t], ref.shapes), inputs[t]);
    if (!out.flush()) throw UserError("run-nki: cannot write the reference's input " + path);
    argv.push_back(path);
  }
  const PythonResult r = run_python_module(argv);
  if (r.exit_code == 3 && !ref.required) return std::nullopt;
  if (r.exit_code != 0)
    throw UserError(r.message.empty() ? ref.kernel_file + ": the reference failed" : r.message);
  std::vector<std::vector<float>> arrays;
  size_t returned = 0;
  while (fs::exists(dir.path() + "/" + std::to_string(returned) + ".npy")) ++returned;
  const std::string what = path_excerpt(ref.kernel_file) + ": " + ref.function + "()";
  if (returned != compared.size())
    throw UserError(what + " returned " + std::to_string(returned) + " array(s); the kernel " +
                    "returns " + std::to_string(compared.size()));
  for (size_t k = 0; k < compared.size(); ++k) {
    const isa::HbmTensor& t = p.tensors[compared[k]];
    try {
      arrays.push_back(read_npy(dir.path() + "/" + std::to_string(k) + ".npy",
                                npy_shape(t, ref.shapes), Dtype::fp32,
                                "the kernel's output '" + t.name + "'",
                                what + " result " + std::to_string(k)));
    } catch (const UserError& e) {  // the reference, not the command line, is wrong: exit 1
      throw UserError(e.what());
    }
  }
  return arrays;
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

std::vector<int64_t> npy_shape(const isa::HbmTensor& tensor, const TensorShapes& shapes) {
  const auto it = shapes.find(tensor.name);
  if (it != shapes.end()) return it->second;
  return {tensor.rows, tensor.cols};
}

std::vector<NamedFile> nki_tensor_files(const isa::Program& program, const std::string& dir,
                                        bool outputs) {
  const isa::TensorRole role = outputs ? isa::TensorRole::output : isa::TensorRole::input;
  std::vector<NamedFile> files;
  for (const isa::HbmTensor& t : program.tensors)
    if (t.role == role)
      files.push_back({std::string(outputs ? "the output" : "the input") + " '" + t.name + "'",
                       dir + "/" + t.name + ".npy"});
  return files;
}

std::vector<std::vector<float>> nki_inputs(const isa::Program& program,
                                           const std::string& inputs_dir, uint64_t seed,
                                           const TensorShapes& shapes) {
  std::vector<std::vector<float>> hbm(program.tensors.size());
  for (size_t t = 0; t < program.tensors.size(); ++t) {
    const isa::HbmTensor& tensor = program.tensors[t];
    if (tensor.role != isa::TensorRole::input) continue;
    if (inputs_dir.empty()) {
      hbm[t] = random_values(tensor.rows * tensor.cols, tensor.dtype, seed + t);
      continue;
    }
    hbm[t] = read_npy(inputs_dir + "/" + tensor.name + ".npy", npy_shape(tensor, shapes),
                      tensor.dtype,
                      "the kernel input '" + tensor.name + "'");
  }
  return hbm;
}

NkiNumerics simulate_nki_numerics(const isa::Program& program, const HwConfig& hw,
                                  model::SimulationOptions options,
                                  std::vector<std::vector<float>> hbm,
                                  const NkiReference& reference) {
  NkiNumerics out;
  const std::vector<std::vector<float>> inputs = hbm;
  const std::vector<size_t> compared = compared_tensors(program, reference);
  options.numerics = true;
  out.run = model::simulate(program, hw, options, &hbm);
  if (!reference.kernel_file.empty()) {
    const auto expected = reference_arrays(program, inputs, compared, reference);
    if (expected) {
      double err = 0, largest = 0;
      for (size_t k = 0; k < compared.size(); ++k) {
        const std::vector<float>& got = hbm[compared[k]];
        for (size_t i = 0; i < got.size(); ++i) {
          const double want = (*expected)[k][i];
          // std::max would drop a NaN, and a kernel that wrote NaN would look correct.
          if (std::isnan(got[i]) != std::isnan(want))
            throw UserError("run-nki: output '" + program.tensors[compared[k]].name +
                            "' element " + std::to_string(i) + " is " +
                            (std::isnan(want) ? number_text(got[i]) + " where the reference is NaN"
                                              : "NaN where the reference is " + number_text(want)));
          err = std::max(err, std::fabs(static_cast<double>(got[i]) - want));
          largest = std::max(largest, std::fabs(want));
        }
      }
      out.max_abs_err = err;
      out.max_abs_reference = largest;
    }
  }
  out.hbm = std::move(hbm);
  return out;
}

void write_nki_outputs(OutputSet& files, const isa::Program& program,
                       const std::vector<std::vector<float>>& hbm, const std::string& dir,
                       const TensorShapes& shapes) {
  for (size_t t = 0; t < program.tensors.size(); ++t) {
    const isa::HbmTensor& tensor = program.tensors[t];
    if (tensor.role != isa::TensorRole::output) continue;
    std::vector<float> values = hbm[t];
    values.resize(static_cast<size_t>(tensor.rows * tensor.cols), 0.0f);  // never written: 0
    AtomicFile& file = files.add(dir + "/" + tensor.name + ".npy");
    write_npy(file.out(), npy_shape(tensor, shapes), values);
    file.close();
  }
}

}  // namespace trnsim::run

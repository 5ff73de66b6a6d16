// The elementwise NKIBench kernels of the measured corpus (kernels/corpus/nkibench/silu.py,
// adamw.py, rope.py; rows of traces/measured/nkibench_trn1.json), run as a user runs them:
// `trnsim run-nki` at a small shape with numerics against each file's numpy reference(), and
// `--timing-only` at the measured shape, where the HBM bytes, the spill and the instruction
// counts must be those of the published schedule, derived by hand below.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "kernels/compress/tensor_formats.h"
#include "tests/cli_runner.h"

namespace trnsim {
namespace {

struct Input {
  std::string name;
  std::vector<int64_t> shape;
  float first, step;  // value i (row-major) is first + step * ((i * 37) % 101): no order bias
};

struct SmallCase {
  std::string file, kernel, output;  // output: the name of the returned HBM tensor
  std::vector<Input> inputs;
};

int64_t elements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  return n;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s;
  for (const int64_t d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

void write_input(const std::string& path, const Input& in) {
  std::vector<float> v(static_cast<size_t>(elements(in.shape)));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = in.first + in.step * static_cast<float>((i * 37) % 101);
  std::ofstream out(path, std::ios::binary);
  out << compress::npy_header(Dtype::fp32, in.shape);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

// The float32 values of an .npy file trnsim wrote (its header padded to 64 or 128 bytes).
std::vector<float> read_npy_f32(const std::string& path, size_t count) {
  const std::string bytes = testing::read_text(path);
  if (bytes.size() != 64 + count * 4 && bytes.size() != 128 + count * 4) return {};
  std::vector<float> v(count);
  std::memcpy(v.data(), bytes.data() + bytes.size() - count * 4, count * 4);
  return v;
}

std::string kernel_file(const std::string& file) {
  return std::string(TRNSIM_SOURCE_DIR) + "/kernels/corpus/nkibench/" + file;
}

// The files' INPUT_SHAPES. silu's x over [-6, 6] (both tails of exp(-x)); rope's x, cos and
// sin over [-2, 2]; adamw's v positive (|normal| in NKIBench: v_t must be >= 0 under the
// square root) and small, [1e-4, 0.0203], and theta small, [-0.02, 0.02], so that the update
// 0.01 m_t / sqrt(1000 v_t) is as large as theta_t and every constant but eps shows in the
// result; g and m over [-2, 2].
const std::vector<SmallCase>& small_cases() {
  static const std::vector<SmallCase> all = {
      {"silu.py", "silu_kernel", "y", {{"x", {128, 2, 2048}, -6.0f, 0.12f}}},
      {"adamw.py",
       "adamw_kernel",
       "out",
       {{"theta", {200, 2048}, -0.02f, 0.0004f},
        {"g", {200, 2048}, 2.0f, -0.04f},
        {"m", {200, 2048}, -1.5f, 0.03f},
        {"v", {200, 2048}, 0.0001f, 0.0002f}}},
      {"rope.py",
       "rope_kernel",
       "out",
       {{"x", {128, 2048}, -2.0f, 0.04f},
        {"cos", {64, 2048}, -1.0f, 0.02f},
        {"sin", {64, 2048}, 1.0f, -0.02f}}}};
  return all;
}

class CorpusNkibenchEw : public testing::InFreshDirectory {};

TEST_F(CorpusNkibenchEw, EachKernelMatchesItsNumpyReferenceAtItsSmallShape) {
  for (const SmallCase& c : small_cases()) {
    SCOPED_TRACE(c.file);
    const std::string in = at(c.kernel + "_in"), out = at(c.kernel + "_out");
    std::filesystem::create_directories(in);
    std::filesystem::create_directories(out);
    std::vector<std::string> args = {"run-nki", kernel_file(c.file) + ":" + c.kernel, "--inputs",
                                     in, "--outputs", out, "--json", "--quiet"};
    for (const Input& i : c.inputs) {
      write_input(in + "/" + i.name + ".npy", i);
      args.push_back("--arg");
      args.push_back(i.name + "=" + shape_text(i.shape) + ":fp32");
    }
    const testing::Result r = testing::run_trnsim(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = nlohmann::json::parse(r.out);
    ASSERT_TRUE(summary["max_abs_err"].is_number()) << r.out;
    // fp32 throughout: each value goes through at most 15 rounded operations (adamw's chain),
    // each within 2^-24 = 6e-8 relative of its result, and exp and sqrt within a few ulp, on
    // terms no larger than the largest result here, so the error is below ~1e-6 of the
    // largest |result|. 2e-6 of it: a wrong operand or sign fails, and so does each adamw
    // constant changed in its last digit (0.999 -> 0.998 moves the result by 6e-5 of it,
    // weight decay 1e-5 -> 2e-5 by 1.1e-5). eps (1e-8) is below one ulp of the denominator
    // (sqrt(1000 v_t) >= 0.3 here) and no fp32 input short of v_t = 0 would show it.
    const double bound = 2e-6 * summary["max_abs_reference"].get<double>();
    EXPECT_LE(summary["max_abs_err"].get<double>(), bound);
    // max_abs_err skips NaN (a comparison with NaN is false), so check the output itself.
    const Input& first = c.inputs.front();
    const auto values = read_npy_f32(out + "/" + c.output + ".npy",
                                     static_cast<size_t>(elements(first.shape)));
    ASSERT_EQ(values.size(), static_cast<size_t>(elements(first.shape)));
    for (const float v : values) ASSERT_TRUE(std::isfinite(v));
  }
}

struct MeasuredCase {
  std::string file, kernel;
  std::vector<std::string> args;  // as in traces/measured/nkibench_trn1.json
  int64_t read_bytes, write_bytes;
  int64_t dma_transfers, compute_instructions, activations;
};

// The measured rows, with what the published schedule implies (every input read once, the
// output written once, no spill, as the trn1 profile reports; the profile's HBM bytes are
// exactly these):
// - silu, x [128, 32, 7168]: 4096 x 7168 x 4 B = 117,440,512 B each way. 32 x 7 = 224 blocks of
//   [128, 1024]: 224 loads + 224 stores; 448 halves of 512 columns, each an activation (exp on
//   the Scalar Engine), tensor_scalar, reciprocal and multiply: 4 x 448 + 1 memset = 1,793.
// - adamw, four [10944, 2048]: read 4 x 10944 x 2048 x 4 = 358,612,992 B (the last of the 86
//   row blocks masked to 64 rows), write 89,653,248 B. 86 x 2 = 172 blocks: 4 x 172 loads +
//   172 stores = 860; 344 halves of 15 instructions (one sqrt activation) + 1 memset = 5,161.
// - rope, x [128, 262144], cos and sin [64, 262144]: read (128 + 64 + 64) x 262144 x 4 =
//   268,435,456 B, write 134,217,728 B. 512 steps of 512 columns: 3 loads + 1 store each
//   (2,048), a copy and 6 tensor_tensor each (3,584), no activation.
const std::vector<MeasuredCase>& measured_cases() {
  static const std::vector<MeasuredCase> all = {
      {"rope.py", "rope_kernel",
       {"x=128x262144:float32", "cos=64x262144:float32", "sin=64x262144:float32"},
       268435456, 134217728, 2048, 3584, 0},
      {"adamw.py", "adamw_kernel",
       {"theta=10944x2048:float32", "g=10944x2048:float32", "m=10944x2048:float32",
        "v=10944x2048:float32"},
       358612992, 89653248, 860, 5161, 344},
      {"silu.py", "silu_kernel", {"x=128x32x7168:float32"}, 117440512, 117440512, 448, 1793,
       448}};
  return all;
}

TEST_F(CorpusNkibenchEw, AtTheMeasuredShapeBytesAndInstructionsAreTheSchedulesAndNothingSpills) {
  for (const MeasuredCase& c : measured_cases()) {
    SCOPED_TRACE(c.file);
    std::vector<std::string> args = {"run-nki", kernel_file(c.file) + ":" + c.kernel,
                                     "--timing-only", "--json", "--quiet"};
    for (const std::string& a : c.args) {
      args.push_back("--arg");
      args.push_back(a);
    }
    const testing::Result r = testing::run_trnsim(args, 60);  // a row must run within 60 s
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LT(r.max_rss_kib, 4L * 1024 * 1024);  // and within 4 GiB
    const auto s = nlohmann::json::parse(r.out);
    EXPECT_EQ(s["hbm_read_bytes"].get<int64_t>(), c.read_bytes);
    EXPECT_EQ(s["hbm_write_bytes"].get<int64_t>(), c.write_bytes);
    EXPECT_EQ(s["spill_bytes"].get<int64_t>(), 0);
    EXPECT_EQ(s["reload_bytes"].get<int64_t>(), 0);
    EXPECT_EQ(s["dma_transfers"].get<int64_t>(), c.dma_transfers);
    const auto& e = s["engines"];
    // Which engine runs a call whose engine the kernel leaves open is the config's
    // (nki_engine), so only the total is the schedule's; ACTIVATE runs only on Scalar.
    EXPECT_EQ(e["Scalar"]["instructions"].get<int64_t>() +
                  e["Vector"]["instructions"].get<int64_t>() +
                  e["GpSimd"]["instructions"].get<int64_t>(),
              c.compute_instructions);
    EXPECT_GE(e["Scalar"]["instructions"].get<int64_t>(), c.activations);
    EXPECT_EQ(e["Tensor"]["instructions"].get<int64_t>(), 0);
  }
}

}  // namespace
}  // namespace trnsim

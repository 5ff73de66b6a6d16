// `trnsim run-nki` and `run-trace` with numerics, as a user meets them: inputs from .npy files
// (checked against the kernel's parameters), outputs written as .npy, max_abs_err against a
// numpy reference, and bad inputs as one line with nothing written.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "kernels/compress/tensor_formats.h"
#include "tests/cli_runner.h"

namespace trnsim {
namespace {

using testing::trnsim;

constexpr int K = 256, M = 128, N = 512;

void write_npy(const std::string& path, Dtype dtype, const std::vector<int64_t>& shape,
               const std::vector<float>& values) {
  std::ofstream out(path, std::ios::binary);
  out << compress::npy_header(dtype, shape);
  if (dtype == Dtype::fp32) {
    out.write(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  } else {
    const std::string zeros(values.size() * 2, '\0');  // fp16 zeros: only the dtype matters
    out << zeros;
  }
}

// The float32 values of an .npy file this project wrote (its header padded to 64 bytes).
std::vector<float> read_npy_f32(const std::string& path, size_t count) {
  const std::string bytes = testing::read_text(path);
  std::vector<float> v(count);
  if (bytes.size() != 128 + count * 4 && bytes.size() != 64 + count * 4) return {};
  std::memcpy(v.data(), bytes.data() + bytes.size() - count * 4, count * 4);
  return v;
}

// Inputs whose products and sums are exact in fp32: multiples of 1/4 and 1/2, so every
// partial sum is a multiple of 1/8 below 2^8 (11 significant bits).
float lhsT_value(int k, int m) { return ((k * 3 + m) % 7 - 3) / 4.0f; }
float rhs_value(int k, int n) { return ((k + 2 * n) % 5 - 2) / 2.0f; }

class NkiNumericsCli : public testing::InFreshDirectory {
 protected:
  void SetUp() override {
    InFreshDirectory::SetUp();
    std::filesystem::create_directories(at("in"));
    std::filesystem::create_directories(at("out"));
    std::vector<float> lhsT(K * M), rhs(K * N);
    for (int k = 0; k < K; ++k) {
      for (int m = 0; m < M; ++m) lhsT[k * M + m] = lhsT_value(k, m);
      for (int n = 0; n < N; ++n) rhs[k * N + n] = rhs_value(k, n);
    }
    write_npy(at("in/lhsT.npy"), Dtype::fp32, {K, M}, lhsT);
    write_npy(at("in/rhs.npy"), Dtype::fp32, {K, N}, rhs);
    // The tutorial-style tiled matmul with a numpy reference under another name.
    kernel_ = testing::write(
        "numerics_tiled.py",
        testing::read_text(std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/matmul_tiled.py") +
            "\n\ndef numpy_matmul(lhsT, rhs):\n    return lhsT.T @ rhs\n\n\n"
            "def broken(lhsT, rhs):\n    return lhsT @ rhs\n\n\n"
            "def narrow(lhsT, rhs):\n    return (lhsT.T @ rhs)[:, :10]\n\n\n"
            "def pair(lhsT, rhs):\n    return lhsT.T @ rhs, rhs\n");
  }
  std::string run_nki(const std::string& more) {
    return "run-nki " + kernel_ + " --arg lhsT=" + std::to_string(K) + "x" + std::to_string(M) +
           ":fp32 --arg rhs=" + std::to_string(K) + "x" + std::to_string(N) + ":fp32 --quiet " +
           more;
  }
  std::string kernel_;
};

TEST_F(NkiNumericsCli, InputsFromNpyGiveTheExactProductAsAnNpyOutput) {
  const testing::Result r =
      trnsim(run_nki("--inputs " + at("in") + " --outputs " + at("out") +
                     " --reference numpy_matmul --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::files_in(at("out")), (std::set<std::string>{"result.npy"}));
  const std::vector<float> got = read_npy_f32(at("out/result.npy"), M * N);
  ASSERT_EQ(got.size(), size_t{M * N});
  double largest = 0;
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double want = 0;  // lhsT^T rhs by the definition, exact (see lhsT_value)
      for (int k = 0; k < K; ++k) want += double(lhsT_value(k, m)) * rhs_value(k, n);
      largest = std::max(largest, std::fabs(want));
      ASSERT_EQ(got[m * N + n], want) << m << "," << n;
    }
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("max_abs_err").get<double>(), 0.0);  // numpy's product is exact too
  EXPECT_EQ(j.at("max_abs_reference").get<double>(), largest);
}

TEST_F(NkiNumericsCli, TimingOnlyAndAFileWithoutReferenceLeaveTheErrorNull) {
  const nlohmann::json seeded = nlohmann::json::parse(trnsim(run_nki("--json")).out);
  EXPECT_TRUE(seeded.at("max_abs_err").is_null());  // matmul_tiled.py has no reference()
  const nlohmann::json timing = nlohmann::json::parse(trnsim(run_nki("--timing-only --json")).out);
  EXPECT_TRUE(timing.at("max_abs_err").is_null());
  EXPECT_EQ(timing.at("sim_time_ns"), seeded.at("sim_time_ns"));
}

// An emitted file has reference(): seeded run-nki checks against it as `trnsim run` checks
// against Eigen, on the same inputs (same seed); the largest |reference| agrees to fp32
// summation order (numpy and Eigen add the 512 products in different orders).
TEST_F(NkiNumericsCli, AnEmittedFileIsCheckedAgainstItsReferenceOnRunsInputs) {
  const std::string shape = "--shape M=256,K=512,N=1024";
  const std::string file = at("hoisted.py");
  ASSERT_EQ(trnsim("emit-nki matmul_hoisted " + shape + " -o " + file).exit_code, 0);
  const testing::Result direct = trnsim("run matmul_hoisted " + shape + " --seed 5 --json");
  const testing::Result nki = trnsim("run-nki " + file + " --seed 5 --json --quiet");
  ASSERT_EQ(direct.exit_code, 0) << direct.err;
  ASSERT_EQ(nki.exit_code, 0) << nki.err;
  const nlohmann::json a = nlohmann::json::parse(direct.out), b = nlohmann::json::parse(nki.out);
  const double ref = a.at("max_abs_reference").get<double>();
  EXPECT_GT(ref, 1.0);
  EXPECT_NEAR(b.at("max_abs_reference").get<double>(), ref, 1e-5 * ref);
  // Both errors are those of one bf16 rounding of the same output: at most 2^-8 of its size.
  EXPECT_LE(b.at("max_abs_err").get<double>(), ref / 256);
  EXPECT_NEAR(b.at("max_abs_err").get<double>(), a.at("max_abs_err").get<double>(), 1e-5 * ref);
}

TEST_F(NkiNumericsCli, ASavedTraceRunsWithNumericsToo) {
  const std::string trace = at("tiled.jsonl");
  ASSERT_EQ(trnsim(run_nki("--timing-only --save-trace " + trace)).exit_code, 0);
  const testing::Result r = trnsim("run-trace " + trace + " --inputs " + at("in") +
                                   " --outputs " + at("out") + " --reference numpy_matmul --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("max_abs_err").get<double>(), 0.0);
  EXPECT_EQ(testing::files_in(at("out")), (std::set<std::string>{"result.npy"}));
}

// A 3-D input and output (tests/nki_kernels/nd_tensors.py: out[b, s, j] = x[b, s, 2j] +
// x[b, s, 2j + 1]) keep their shapes in the .npy files; float32 sums of these quarters are
// exact, and so is numpy's reference.
TEST_F(NkiNumericsCli, NDimensionalTensorsKeepTheirShapesInNpyFiles) {
  constexpr int B = 2, S = 256, D = 512;
  std::vector<float> x(B * S * D);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 11) / 4 - 1;
  write_npy(at("in/x.npy"), Dtype::fp32, {B, S, D}, x);
  const std::string file = std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/nd_tensors.py";
  const std::string run = "run-nki " + file + " --arg x=2x256x512:fp32 --quiet --json --inputs " +
                          at("in") + " --outputs " + at("out");
  const testing::Result r = trnsim(run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("max_abs_err").get<double>(), 0.0);
  const std::string bytes = testing::read_text(at("out/out.npy"));
  EXPECT_NE(bytes.find("'shape': (2, 256, 256)"), std::string::npos);
  const std::vector<float> got = read_npy_f32(at("out/out.npy"), B * S * D / 2);
  ASSERT_EQ(got.size(), size_t{B * S * D / 2});
  for (size_t j = 0; j < got.size(); ++j) ASSERT_EQ(got[j], x[2 * j] + x[2 * j + 1]) << j;
  // The same values as a 2-D array are the wrong shape.
  write_npy(at("in/x.npy"), Dtype::fp32, {B * S, D}, x);
  testing::expect_one_line_error(trnsim(run), 2,
                                 "in/x.npy: shape (512, 512), but the kernel input 'x' is "
                                 "(2, 256, 512)");
}

// tests/nki_kernels/nan_output.py takes the log of seeded inputs in [-1, 1]: about half its
// outputs are NaN, where reference() (the log of |x|) has numbers. A NaN is no small error:
// the run fails with one line naming the output, instead of a max_abs_err that skips the NaNs.
TEST_F(NkiNumericsCli, ANanOutputWhereTheReferenceHasANumberFailsTheRun) {
  const std::string file = std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/nan_output.py";
  testing::expect_one_line_error(trnsim("run-nki " + file + " --quiet --json"), 1,
                                 "run-nki: output 'out' element ");
  testing::expect_one_line_error(trnsim("run-nki " + file + " --quiet --json"), 1,
                                 " is NaN where the reference is ");
}

TEST_F(NkiNumericsCli, BadInputsAreOneLineAndNothingIsWritten) {
  const std::string in = " --inputs " + at("in");
  const std::string outputs = " --outputs " + at("out") + " --trace " + at("out/t.json");
  // A missing input file, one of the wrong shape, one of the wrong dtype, one not a file.
  std::filesystem::rename(at("in/rhs.npy"), at("rhs.npy"));
  testing::expect_one_line_error(trnsim(run_nki(in + outputs)), 2, at("in/rhs.npy"));
  write_npy(at("in/rhs.npy"), Dtype::fp32, {K, N + 1}, std::vector<float>(K * (N + 1)));
  testing::expect_one_line_error(trnsim(run_nki(in + outputs)), 2,
                                 "in/rhs.npy: shape (256, 513), but the kernel input 'rhs' is "
                                 "(256, 512)");
  write_npy(at("in/rhs.npy"), Dtype::fp16, {K, N}, std::vector<float>(K * N));
  testing::expect_one_line_error(trnsim(run_nki(in + outputs)), 2,
                                 "in/rhs.npy: dtype '<f2', but the kernel input 'rhs' (fp32) "
                                 "needs '<f4'");
  std::filesystem::remove(at("in/rhs.npy"));
  ASSERT_EQ(mkfifo(at("in/rhs.npy").c_str(), 0600), 0);
  testing::expect_one_line_error(trnsim(run_nki(in + outputs)), 2, at("in/rhs.npy"));
  std::filesystem::remove(at("in/rhs.npy"));
  std::filesystem::rename(at("rhs.npy"), at("in/rhs.npy"));
  // A reference that raises names the kernel file's line (broken's `return`: the original's
  // lines, two blank, numpy_matmul's two, two blank, `def broken`, then it); one that is not
  // there, the file.
  const std::string original =
      testing::read_text(std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/matmul_tiled.py");
  const auto line = std::count(original.begin(), original.end(), '\n') + 8;
  testing::expect_one_line_error(trnsim(run_nki(in + outputs + " --reference broken")), 1,
                                 kernel_ + ":" + std::to_string(line) +
                                     ": the reference broken() raised ValueError");
  testing::expect_one_line_error(trnsim(run_nki(in + outputs + " --reference nothing")), 1,
                                 "no reference function 'nothing'");
  // One that returns an array of the wrong shape, or more arrays than the kernel returns.
  testing::expect_one_line_error(
      trnsim(run_nki(in + outputs + " --reference narrow")), 1,
      "narrow() result 0: shape (128, 10), but the kernel's output 'result' is (128, 512)");
  testing::expect_one_line_error(trnsim(run_nki(in + outputs + " --reference pair")), 1,
                                 "pair() returned 2 array(s); the kernel returns 1");
  EXPECT_TRUE(testing::files_in(at("out")).empty());
  // Options that contradict each other, and an output that is another output.
  testing::expect_one_line_error(trnsim(run_nki(in + " --timing-only")), 2,
                                 "need numerics; drop --timing-only");
  testing::expect_one_line_error(trnsim(run_nki(in + " --seed 3")), 2, "--inputs excludes --seed");
  testing::expect_one_line_error(trnsim(run_nki("--outputs " + kernel_)), 2,
                                 "--outputs " + kernel_ + ": not a directory");
  testing::expect_one_line_error(
      trnsim(run_nki("--outputs " + at("out") + " --trace " + at("out/result.npy"))), 2,
      "is the same file as");
  EXPECT_TRUE(testing::files_in(at("out")).empty());
  // An output that is an input (here through a symlink): refused before the run, untouched.
  std::filesystem::create_symlink(at("in/lhsT.npy"), at("out/result.npy"));
  const std::string before = testing::read_text(at("in/lhsT.npy"));
  testing::expect_one_line_error(trnsim(run_nki(in + " --outputs " + at("out"))), 2,
                                 "is the same file as the input 'lhsT'");
  EXPECT_EQ(testing::read_text(at("in/lhsT.npy")), before);
}

}  // namespace
}  // namespace trnsim

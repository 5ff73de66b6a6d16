// kernels/compress and `trnsim compress`: the block-aligned rank rule against the ranks the
// NeuronMM authors use, file formats against hand-built bytes, the truncated SVDs against
// matrices with a prescribed spectrum (Eckart–Young), whitening against an analytic optimum,
// and every bad input: one line, nothing written.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "kernels/compress/block_svd.h"
#include "kernels/compress/compress_weights.h"
#include "kernels/compress/whitening.h"
#include "sim/cli/compress_command.h"
#include "tests/compress_matrices.h"
#include "tests/test_helpers.h"

namespace trnsim::compress {
namespace {

namespace fs = std::filesystem;
using testing_matrices::best_relative_error;
using testing_matrices::orthonormal_columns;
using testing_matrices::with_spectrum;

std::string fresh_dir(const std::string& name) { return testing::fresh_dir("compress_" + name); }

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string le_bytes(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string f32_bytes(std::initializer_list<float> values) {
  std::string s;
  for (float f : values) s.append(reinterpret_cast<const char*>(&f), 4);
  return s;
}

// safetensors as its specification lays it out: u64 LE header length, JSON header, data.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return le_bytes(header.size(), 8) + header + data;
}

std::string npy_bytes(const std::string& dict, const std::string& data) {
  return std::string("\x93NUMPY\x01\x00", 8) + le_bytes(dict.size(), 2) + dict + data;
}

TEST(CompressRank, ReproducesTheNeuronMMRanks) {
  // R = round(K·N·0.8 / ((K+N)·128))·128, worked by hand (reference/neuronmm.md §1):
  EXPECT_EQ(block_aligned_rank(2048, 8192, 0.2, 128), 1280);   // 13421772.8/1310720 = 10.24
  EXPECT_EQ(block_aligned_rank(3072, 8192, 0.2, 128), 1792);   // 20132659.2/1441792 = 13.96
  EXPECT_EQ(block_aligned_rank(4096, 14336, 0.2, 128), 2560);  // 46976204.8/2359296 = 19.91
  EXPECT_EQ(block_aligned_rank(7168, 18432, 0.2, 128), 4096);  // 105696460.8/3276800 = 32.26
  EXPECT_EQ(block_aligned_rank(2560, 9728, 0.2, 128), 1664);   // Qwen3-4B: 12.67
  EXPECT_EQ(block_aligned_rank(8192, 2048, 0.2, 128), 1280);   // symmetric in K, N
  // Clamped to [one block, min(K, N) rounded down to blocks]:
  EXPECT_EQ(block_aligned_rank(200, 100000, 0.01, 128), 128);  // 1.54 rounds to 2; 1 fits in 200
  EXPECT_EQ(block_aligned_rank(2048, 8192, 0.99, 128), 128);   // 0.128 rounds to 0
  EXPECT_EQ(block_aligned_rank(256, 256, 0.5, 1), 64);         // 256·256·0.5/512
  EXPECT_EQ(block_aligned_rank(128, 384, 0.25, 32), 64);       // 2.25 -> 2 blocks
}

TEST(CompressRank, RejectsMisalignedRanksBadRatiosAndTinyMatrices) {
  EXPECT_EQ(testing::user_error_of([] { require_block_aligned_rank(1000, 128); }),
            "rank 1000 is not a multiple of the block size 128");
  EXPECT_NO_THROW(require_block_aligned_rank(1024, 128));
  EXPECT_TRUE(testing::throws_user_error([] { block_aligned_rank(100, 4096, 0.2, 128); },
                                         "a 100x4096 matrix is too small for one block of 128"));
  for (const auto& [ratio, text] :
       {std::pair{0.0, "0"}, std::pair{1.0, "1"}, std::pair{-0.2, "-0.2"}, std::pair{1.5, "1.5"},
        std::pair{std::nan(""), "nan"}})
    EXPECT_TRUE(
        testing::throws_user_error([&] { block_aligned_rank(1024, 1024, ratio, 128); },
                                   "compression ratio " + std::string(text) + " is not in (0, 1)"));
  EXPECT_TRUE(testing::throws_user_error([] { block_aligned_rank(1024, 1024, 0.2, 0); },
                                         "block size 0 must be at least 1"));
}

TEST(CompressFile, ReadsHandBuiltSafetensorsAndNpy) {
  const std::string dir = fresh_dir("read");
  // bf16 0x3F80 = 1, 0xC000 = -2, 0x3E80 = 0.25; f16 0x3C00 = 1, 0xC000 = -2, 0x3400 = 0.25.
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[1,3],"data_offsets":[0,6]},)"
      R"("h":{"dtype":"F16","shape":[3,1],"data_offsets":[6,12]},)"
      R"("f":{"dtype":"F32","shape":[2,2],"data_offsets":[12,28]},)"
      R"("i":{"dtype":"I64","shape":[1],"data_offsets":[28,36]}})";
  const std::string data = le_bytes(0x3F80, 2) + le_bytes(0xC000, 2) + le_bytes(0x3E80, 2) +
                           le_bytes(0x3C00, 2) + le_bytes(0xC000, 2) + le_bytes(0x3400, 2) +
                           f32_bytes({1, 2, 3, 4}) + le_bytes(7, 8);
  write_bytes(dir + "/m.safetensors", safetensors_bytes(header, data));
  const WeightsFile st = WeightsFile::open(dir + "/m.safetensors");
  ASSERT_EQ(st.tensors().size(), 4u);
  EXPECT_EQ(st.read_matrix("b"), (Matrix(1, 3) << 1, -2, 0.25).finished());
  EXPECT_EQ(st.read_matrix("h"), (Matrix(3, 1) << 1, -2, 0.25).finished());
  EXPECT_EQ(st.read_matrix("f"), (Matrix(2, 2) << 1, 2, 3, 4).finished());  // row-major file
  EXPECT_FALSE(st.find("i")->dtype.has_value());
  EXPECT_TRUE(testing::throws_user_error(
      [&] { st.read_matrix("i"); },
      "m.safetensors: tensor 'i' has dtype I64; compress reads only BF16, F16 and F32"));

  write_bytes(dir + "/c.npy",
              npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
                        f32_bytes({1, 2, 3, 4, 5, 6})));
  write_bytes(dir + "/f.npy",
              npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n",
                        f32_bytes({1, 4, 2, 5, 3, 6})));
  const std::string v2_dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2), }\n";
  write_bytes(dir + "/h.npy", std::string("\x93NUMPY\x02\x00", 8) + le_bytes(v2_dict.size(), 4) +
                                  v2_dict + le_bytes(0x3C00, 2) + le_bytes(0xC000, 2));
  const Matrix expected = (Matrix(2, 3) << 1, 2, 3, 4, 5, 6).finished();
  EXPECT_EQ(WeightsFile::open(dir + "/c.npy").read_matrix("c"), expected);
  EXPECT_EQ(WeightsFile::open(dir + "/f.npy").read_matrix("f"), expected);
  EXPECT_EQ(WeightsFile::open(dir + "/h.npy").read_matrix("h"), (Matrix(1, 2) << 1, -2).finished());
}

TEST(CompressFile, RoundsToNearestEvenAndRoundTripsEveryDtype) {
  // bf16 has 7 fraction bits: 1 + 2^-8 is halfway to 1 + 2^-7 and goes to the even 1;
  // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6 and goes to the even 1 + 2^-6.
  Matrix halfway(1, 2);
  halfway << 1 + std::ldexp(1.f, -8), 1 + 3 * std::ldexp(1.f, -8);
  round_to_dtype(halfway, Dtype::bf16);
  EXPECT_EQ(halfway(0, 0), 1.f);
  EXPECT_EQ(halfway(0, 1), 1 + std::ldexp(1.f, -6));

  const std::string dir = fresh_dir("roundtrip");
  const Matrix values = Matrix::Random(37, 53) * 3;
  for (FileFormat format : {FileFormat::safetensors, FileFormat::npy}) {
    for (Dtype dtype : {Dtype::bf16, Dtype::fp16, Dtype::fp32}) {
      if (format == FileFormat::npy && dtype == Dtype::bf16) continue;  // numpy has no bf16
      const std::string out = dir + "/" + file_format_name(format) + dtype_name(dtype);
      Matrix rounded = values;
      round_to_dtype(rounded, dtype);
      WeightsWriter writer(format, out, {{"w.U", dtype, 37, 53}, {"w.V", dtype, 1, 53}},
                           {{"k", "v"}});
      writer.write(rounded);
      writer.write(rounded.topRows(1));
      writer.commit();
      const std::string file = format == FileFormat::npy ? out + "/w.U.npy" : out;
      EXPECT_EQ(WeightsFile::open(file).read_matrix("w.U"), rounded) << out;
      if (format == FileFormat::safetensors) {  // the header the specification asks for
        std::ifstream in(out, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        const uint64_t n =
            static_cast<unsigned char>(bytes[0]) | static_cast<unsigned char>(bytes[1]) << 8;
        EXPECT_EQ((8 + n) % 8, 0u);
        const auto header = nlohmann::json::parse(bytes.substr(8, n));
        EXPECT_EQ(header["w.V"]["data_offsets"][1].get<uint64_t>(), bytes.size() - 8 - n);
        EXPECT_EQ(header["__metadata__"]["k"], "v");
      }
    }
  }
  EXPECT_TRUE(fs::exists(dir + "/npyfp16/w.V.npy"));
}

// One 1024×3072 matrix with singular values σ_i = exp(−i/256), shared by the SVD tests.
class CompressSvd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sigma_ = Eigen::VectorXd(1024);
    for (Eigen::Index i = 0; i < sigma_.size(); ++i)
      sigma_(i) = std::exp(-static_cast<double>(i) / 256);
    w_ = with_spectrum(1024, 3072, sigma_, 7);
    rank_ = block_aligned_rank(1024, 3072, 0.2, 128);  // round(4.8)·128 = 640
  }
  static Eigen::VectorXd sigma_;
  static Matrix w_;
  static int64_t rank_;
};
Eigen::VectorXd CompressSvd::sigma_;
Matrix CompressSvd::w_;
int64_t CompressSvd::rank_ = 0;

TEST_F(CompressSvd, FullSvdMeetsEckartYoungAndRandomizedStaysClose) {
  ASSERT_EQ(rank_, 640);
  const double expected = best_relative_error(sigma_, rank_);
  const LowRankFactors full = truncated_svd_full(w_, rank_);
  const LowRankFactors randomized = truncated_svd_randomized(w_, rank_);
  ASSERT_EQ(full.u.rows(), 1024);
  ASSERT_EQ(full.v.cols(), 3072);
  ASSERT_EQ(randomized.u.cols(), 640);
  const double full_error = relative_error(w_, full.u, full.v);
  const double randomized_error = relative_error(w_, randomized.u, randomized.v);
  EXPECT_NEAR(full_error / expected, 1, 1e-4);
  EXPECT_LE(randomized_error, 1.02 * full_error);
  EXPECT_GE(randomized_error, full_error * (1 - 1e-4));  // nothing beats Eckart–Young
  // The balanced split U = U_R·√Σ, V = √Σ·V_Rᵀ: column norms of U equal row norms of V.
  EXPECT_NEAR(full.u.col(0).norm(), full.v.row(0).norm(), 1e-4);
  std::printf(
      "[ measured ] 1024x3072, rank 640: Eckart-Young %.6f, full %.6f, randomized %.6f (x%.5f)\n",
      expected, full_error, randomized_error, randomized_error / full_error);
}

TEST_F(CompressSvd, RecoversAnExactlyLowRankMatrix) {
  Eigen::VectorXd sigma = Eigen::VectorXd::LinSpaced(256, 10, 1);
  const Matrix w = with_spectrum(384, 640, sigma, 3);
  for (SvdMethod method : {SvdMethod::full, SvdMethod::randomized}) {
    const LowRankFactors f = truncated_svd(w, 256, {method, {}});
    EXPECT_LT(relative_error(w, f.u, f.v), 2e-6) << svd_method_name(method);
  }
  // A tall matrix goes through the transposed path of the randomized SVD.
  const Matrix tall = w.transpose();
  const LowRankFactors t = truncated_svd_randomized(tall, 256);
  EXPECT_EQ(t.u.rows(), 640);
  EXPECT_LT(relative_error(tall, t.u, t.v), 2e-6);
}

TEST(CompressSvdMethod, AutoPicksRandomizedAboveTheThreshold) {
  EXPECT_EQ(choose_svd_method("auto", 2048, 8192), SvdMethod::full);
  EXPECT_EQ(choose_svd_method("auto", 4096, 14336), SvdMethod::randomized);
  EXPECT_EQ(choose_svd_method("full", 8192, 28672), SvdMethod::full);
  EXPECT_EQ(testing::user_error_of([] { choose_svd_method("lanczos", 8, 8); }),
            "unknown SVD method 'lanczos' (allowed: full, randomized, auto)");
}

// X = Q·D·Pᵀ (orthonormal Q, P) and W = P·diag(w)·C (orthonormal rows C) give
// X·W = Q·diag(d·w)·C: a plain SVD keeps the 64 largest w_i, whitening the 64 largest d_i·w_i,
// and each activation error is the energy of the d_i·w_i it drops.
TEST(CompressWhitening, ReachesTheAnalyticOptimumOnAnisotropicActivations) {
  const int k = 256, n = 384, samples = 1024, rank = 64;
  Eigen::VectorXd w_diag(k), d(k);
  for (int i = 0; i < k; ++i) {
    w_diag(i) = 1.0 / (1 + i / 32.0);
    d(i) = (i >= 100 && i < 116) ? 30 : 1;  // 16 high-variance directions where W is weak
  }
  const Eigen::MatrixXd p = orthonormal_columns(k, k, 11);
  const Eigen::MatrixXd x = orthonormal_columns(samples, k, 12) * d.asDiagonal() * p.transpose();
  const Matrix w =
      (p * w_diag.asDiagonal() * orthonormal_columns(n, k, 13).transpose()).cast<float>();

  const Eigen::VectorXd energy = d.cwiseProduct(w_diag).cwiseAbs2();
  std::vector<double> sorted(energy.data(), energy.data() + k);
  std::sort(sorted.rbegin(), sorted.rend());
  double kept_whitened = 0;
  for (int i = 0; i < rank; ++i) kept_whitened += sorted[i];
  const double plain_expected = std::sqrt(energy.tail(k - rank).sum() / energy.sum());
  const double whitened_expected = std::sqrt(1 - kept_whitened / energy.sum());

  const Matrix xf = x.cast<float>();
  const Whitening whitening = whitening_from_activations(xf, "x");
  EXPECT_EQ(whitening.ridge, 0);
  const LowRankFactors plain = truncated_svd_full(w, rank);
  const LowRankFactors whitened = whitened_truncated_svd(w, whitening, rank, {});
  const double plain_error = activation_relative_error(xf, w, plain.u, plain.v);
  const double whitened_error = activation_relative_error(xf, w, whitened.u, whitened.v);
  EXPECT_NEAR(plain_error / plain_expected, 1, 1e-3);
  EXPECT_NEAR(whitened_error / whitened_expected, 1, 1e-3);
  EXPECT_LT(whitened_error, plain_error);
  std::printf("[ measured ] activation error: plain %.5f, whitened %.5f (plain/whitened %.3f)\n",
              plain_error, whitened_error, plain_error / whitened_error);

  // Fewer samples than K: XᵀX is singular, a ridge is added and reported.
  const Whitening ridged = whitening_from_activations(xf.topRows(100), "x");
  EXPECT_GT(ridged.ridge, 0);
  const LowRankFactors f = whitened_truncated_svd(w, ridged, rank, {});
  EXPECT_TRUE(f.u.allFinite() && f.v.allFinite());
}


// `trnsim compress` end to end through run_compress, with its JSON report.
class CompressCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    // gate: 256×512 bf16 of rank 192; down: 512×256 fp32.
    gate_ = with_spectrum(256, 512, Eigen::VectorXd::LinSpaced(192, 4, 1), 21);
    round_to_dtype(gate_, Dtype::bf16);
    down_ = Matrix::Random(512, 256);
    WeightsWriter writer(FileFormat::safetensors, dir_ + "/model.safetensors",
                         {{"gate", Dtype::bf16, 256, 512}, {"down", Dtype::fp32, 512, 256}});
    writer.write(gate_);
    writer.write(down_);
    writer.commit();
  }

  nlohmann::json run(cli::CompressOptions o) {
    o.json = true;
    std::ostringstream out;
    cli::run_compress(o, out);
    return nlohmann::json::parse(out.str());
  }

  std::set<std::string> files() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename().string());
    return names;
  }

  // For EXPECT_TRUE: the run fails with a one-line UserError containing `part`, prints nothing
  // and leaves only the inputs behind.
  ::testing::AssertionResult fails_with(const cli::CompressOptions& o, const std::string& part) {
    const std::set<std::string> before = files();
    std::ostringstream out;
    ::testing::AssertionResult failed =
        testing::throws_user_error([&] { cli::run_compress(o, out); }, part);
    if (!failed) return failed;
    const std::set<std::string> after = files();
    for (const std::string& f : after)
      if (!before.count(f)) return ::testing::AssertionFailure() << "left " << f << " behind";
    for (const std::string& f : before)
      if (!after.count(f)) return ::testing::AssertionFailure() << "removed " << f;
    if (!out.str().empty()) return ::testing::AssertionFailure() << "printed " << out.str();
    return failed;
  }

  cli::CompressOptions options(const std::string& weights = "model.safetensors") {
    cli::CompressOptions o;
    o.weights = dir_ + "/" + weights;
    o.ratio = 0.2;
    o.block = 64;
    o.output = dir_ + "/out.safetensors";
    return o;
  }

  std::string dir_;
  Matrix gate_, down_;
};

TEST_F(CompressCommand, WritesFactorsInTheInputsFormatAndDtype) {
  const nlohmann::json report = run(options());
  ASSERT_EQ(report["tensors"].size(), 2u);
  const nlohmann::json& gate =
      report["tensors"][0]["name"] == "gate" ? report["tensors"][0] : report["tensors"][1];
  // 256·512·0.8 / (768·64) = 2.13 blocks -> rank 128; params kept 128·768.
  EXPECT_EQ(gate["rank"], 128);
  EXPECT_EQ(gate["params_kept"], 128 * 768);
  EXPECT_EQ(gate["shape"], nlohmann::json({256, 512}));
  EXPECT_EQ(gate["svd"], "full");
  const WeightsFile out = WeightsFile::open(dir_ + "/out.safetensors");
  EXPECT_EQ(out.find("gate.U")->dtype_name, "BF16");
  EXPECT_EQ(out.find("gate.V")->shape, (std::vector<int64_t>{128, 512}));
  EXPECT_EQ(out.find("down.U")->dtype_name, "F32");
  const double error = relative_error(gate_, out.read_matrix("gate.U"), out.read_matrix("gate.V"));
  EXPECT_NEAR(gate["relative_error"].get<double>(), error, 1e-6);
  // Eckart–Young for σ = linspace(4, 1, 192) cut at 128, plus bf16 rounding of W and factors.
  const Eigen::VectorXd sigma = Eigen::VectorXd::LinSpaced(192, 4, 1);
  EXPECT_NEAR(error, best_relative_error(sigma, 128), 0.01);
}

TEST_F(CompressCommand, SelectsTensorsSkipsOthersAndPrintsATable) {
  cli::CompressOptions o = options();
  o.tensors = {"down"};
  std::ostringstream text;
  cli::run_compress(o, text);
  EXPECT_NE(text.str().find("down"), std::string::npos) << text.str();
  EXPECT_EQ(text.str().find("gate"), std::string::npos) << text.str();
  EXPECT_EQ(WeightsFile::open(o.output).names(), "down.U, down.V");

  // By default every 2-D BF16/F16/F32 tensor: the 1-D "bias" and the I64 "step" are skipped.
  const std::string header =
      R"({"bias":{"dtype":"F32","shape":[64],"data_offsets":[0,256]},)"
      R"("step":{"dtype":"I64","shape":[1],"data_offsets":[256,264]},)"
      R"("w":{"dtype":"F32","shape":[64,64],"data_offsets":[264,16648]}})";
  const Matrix w = Matrix::Random(64, 64);
  const Eigen::Matrix<float, 64, 64, Eigen::RowMajor> w_rows = w;
  write_bytes(dir_ + "/mixed.safetensors",
              safetensors_bytes(
                  header, std::string(256, '\0') + le_bytes(3, 8) +
                              std::string(reinterpret_cast<const char*>(w_rows.data()), 16384)));
  const nlohmann::json report = run(options("mixed.safetensors"));
  ASSERT_EQ(report["tensors"].size(), 1u);
  EXPECT_EQ(report["tensors"][0]["rank"], 64);  // round(0.4) = 0 blocks, clamped to one
  EXPECT_LT(report["tensors"][0]["relative_error"].get<double>(), 1e-5);  // rank 64 of 64
}

TEST_F(CompressCommand, NpyInputGivesADirectoryOfNpyFactors) {
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = down_;
  write_bytes(dir_ + "/down.npy",
              npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (512, 256), }\n",
                        std::string(reinterpret_cast<const char*>(rows.data()), rows.size() * 4)));
  cli::CompressOptions o = options("down.npy");
  o.output = dir_ + "/factors";
  o.svd = "randomized";
  const nlohmann::json report = run(o);
  EXPECT_EQ(report["tensors"][0]["name"], "down");
  EXPECT_EQ(report["tensors"][0]["svd"], "randomized");
  const WeightsFile u = WeightsFile::open(dir_ + "/factors/down.U.npy");
  const WeightsFile v = WeightsFile::open(dir_ + "/factors/down.V.npy");
  EXPECT_EQ(u.tensors()[0].shape, (std::vector<int64_t>{512, 128}));  // 512·256·0.8/(768·64) = 2.13
  EXPECT_EQ(v.tensors()[0].dtype_name, "<f4");
  EXPECT_NEAR(relative_error(down_, u.read_matrix("down.U"), v.read_matrix("down.V")),
              report["tensors"][0]["relative_error"].get<double>(), 1e-6);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ + "/factors"), fs::directory_iterator()), 2);
}

TEST_F(CompressCommand, CalibrationWhitensAndLowersTheActivationError) {
  // Activations with 8 high-variance directions: columns 0..7 of X scaled by 20.
  Matrix x = Matrix::Random(1024, 256);
  x.leftCols(8) *= 20;
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = x;
  write_bytes(dir_ + "/acts.npy",
              npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1024, 256), }\n",
                        std::string(reinterpret_cast<const char*>(rows.data()), rows.size() * 4)));
  cli::CompressOptions o = options();
  o.tensors = {"gate"};
  o.calibration = dir_ + "/acts.npy";
  const nlohmann::json whitened = run(o)["tensors"][0];
  const WeightsFile out = WeightsFile::open(o.output);
  const LowRankFactors plain_factors = truncated_svd_full(gate_, 128);
  const double plain = activation_relative_error(x, gate_, plain_factors.u, plain_factors.v);
  EXPECT_LT(whitened["activation_relative_error"].get<double>(), plain);
  std::printf("[ measured ] gate 256x512 rank 128, activation error: plain %.5f, whitened %.5f\n",
              plain, whitened["activation_relative_error"].get<double>());
  EXPECT_EQ(whitened["whitening_ridge"], 0);
  EXPECT_NEAR(
      whitened["activation_relative_error"].get<double>(),
      activation_relative_error(x, gate_, out.read_matrix("gate.U"), out.read_matrix("gate.V")),
      1e-6);
}

TEST_F(CompressCommand, EveryBadInputIsOneLineAndWritesNothing) {
  const auto with_file = [&](const std::string& name, const std::string& bytes) {
    write_bytes(dir_ + "/" + name, bytes);
    return options(name);
  };
  cli::CompressOptions o = options();
  for (double ratio : {0.0, 1.0, -1.0, 2.0}) {
    o.ratio = ratio;
    EXPECT_TRUE(fails_with(o, "is not in (0, 1)"));
  }
  o = options();
  o.tensors = {"up"};
  EXPECT_TRUE(fails_with(o, "no tensor 'up' (there are: down, gate)"));
  o.tensors = {"gate"};
  o.block = 512;
  EXPECT_TRUE(fails_with(o, "tensor 'gate': a 256x512 matrix is too small for one block of 512"));
  o = options();
  o.svd = "qr";
  EXPECT_TRUE(fails_with(o, "unknown SVD method 'qr'"));
  o = options();
  o.output = dir_ + "/missing/out.safetensors";
  EXPECT_TRUE(fails_with(o, "does not exist"));
  o = options();
  o.calibration = dir_ + "/model.safetensors";  // its 'down' matches weight 'down' by name
  EXPECT_TRUE(fails_with(
      o, "calibration tensor 'down' has 256 columns but weight 'down' has K = 512 rows"));
  o = options();
  o.block = 0;
  EXPECT_TRUE(fails_with(o, "block size 0 must be at least 1"));
  EXPECT_TRUE(fails_with(options("absent.safetensors"),
                         "absent.safetensors: cannot open: No such file or directory (expected a "
                         "weights file (.safetensors or .npy))"));
  o = with_file("ok.npy",
                npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (64, 64), }\n",
                          std::string(64 * 64 * 2, '\0')));
  o.output = dir_ + "/model.safetensors";
  EXPECT_TRUE(fails_with(o, "it is a file (npy output is a directory)"));

  const std::string good_entry = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  EXPECT_TRUE(
      fails_with(with_file("short.safetensors", "abc"), "too short for a safetensors file"));
  EXPECT_TRUE(
      fails_with(with_file("trunc.safetensors", safetensors_bytes(good_entry, "").substr(0, 30)),
                 "runs past the end"));
  EXPECT_TRUE(fails_with(with_file("json.safetensors", safetensors_bytes("{\"w\": [1,", "")),
                         "not valid JSON"));
  EXPECT_TRUE(fails_with(
      with_file("range.safetensors", safetensors_bytes(good_entry, std::string(8, '\0'))),
      "lie outside the 8-byte data buffer"));
  EXPECT_TRUE(fails_with(
      with_file("dtype.safetensors",
                safetensors_bytes(R"({"w":{"dtype":"F12","shape":[2,2],"data_offsets":[0,16]}})",
                                  std::string(16, '\0'))),
      "unknown dtype 'F12'"));
  EXPECT_TRUE(fails_with(
      with_file("size.safetensors",
                safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})",
                                  std::string(16, '\0'))),
      "hold 16 bytes but shape [2, 3] of F32 needs 24"));
  EXPECT_TRUE(
      fails_with(with_file("magic.npy", "PK\x03\x04 not numpy at all"), "not an .npy file"));
  EXPECT_TRUE(fails_with(
      with_file("f8.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }\n",
                                    std::string(32, '\0'))),
      "unsupported .npy dtype '<f8'"));
  EXPECT_TRUE(fails_with(
      with_file("cut.npy",
                npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (64, 64), }\n",
                          std::string(100, '\0'))),
      ".npy data holds 100 bytes"));
  EXPECT_TRUE(fails_with(with_file("dict.npy", npy_bytes("{'descr': '<f4', 'shape': (2, 2), }\n",
                                                         std::string(16, '\0'))),
                         "missing or mistyped 'fortran_order'"));
  EXPECT_TRUE(fails_with(
      with_file("small.npy",
                npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (32, 256), }\n",
                          std::string(32 * 256 * 4, '\0'))),
      "too small for one block of 64"));
  o = options();
  o.tensors = {"gate", "gate"};
  EXPECT_TRUE(fails_with(o, "listed twice"));
  o = with_file("bias.safetensors",
                safetensors_bytes(R"({"bias":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                                  std::string(16, '\0')));
  EXPECT_TRUE(fails_with(o, "no 2-D BF16/F16/F32 tensor"));
  o.tensors = {"bias"};
  EXPECT_TRUE(fails_with(o, "only 2-D tensors can be compressed"));
  // A failure after the first tensor was factored and streamed out: no output, no temp files.
  Matrix bad = Matrix::Random(128, 128);
  bad(5, 5) = NAN;
  {
    WeightsWriter writer(FileFormat::safetensors, dir_ + "/nan.safetensors",
                         {{"a", Dtype::fp32, 128, 128}, {"b", Dtype::fp32, 128, 128}});
    writer.write(Matrix::Random(128, 128));
    writer.write(bad);
    writer.commit();
  }
  EXPECT_TRUE(fails_with(options("nan.safetensors"), "tensor 'b' contains NaN or Inf"));
}

}  // namespace
}  // namespace trnsim::compress

// The NKIBench matmul-family kernels of kernels/corpus/nkibench/ (written here after AccelOpt's
// baseline schedules), run as a user runs them: `trnsim run-nki FILE --json` at each file's
// small INPUT_SHAPES, with numerics against the file's numpy reference(), and the HBM traffic
// of the schedule each docstring describes. The measured rows of these kernels are in
// traces/measured/nkibench_trn1.json.
#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli_runner.h"

namespace trnsim {
namespace {

struct Case {
  std::string file;         // under kernels/corpus/nkibench/
  int64_t hbm_read_bytes;   // derived by hand from the schedule at INPUT_SHAPES (see kCases)
  int64_t hbm_write_bytes;  // the output, written once
};

constexpr int64_t kF32 = 4;
constexpr int64_t kIdentity = 128 * 128 * kF32;  // the fp32 identity the PE transposes use

// The small shapes are each file's INPUT_SHAPES; the bytes follow from the loops of its kernel.
const Case kCases[] = {
    // M = 256, K = 1024, N = 2048: lhs once per 1024-column block (2 blocks), rhs once per
    // 128-row tile (2 tiles), the identity once.
    {"matmul.py", 2 * 256 * 1024 * kF32 + 2 * 1024 * 2048 * kF32 + kIdentity,
     256 * 2048 * kF32},
    // K = 512, M = 1024, N = 1728: one 1024-row block of the output, so lhs and rhs once.
    {"transpose_matmul.py", 512 * 1024 * kF32 + 512 * 1728 * kF32, 1024 * 1728 * kF32},
    // M = 2048, K = 512, N = 1024: x twice (the sums of squares, then the scaling), w once.
    {"rmsnorm_matmul.py", 2 * 2048 * 512 * kF32 + 512 * 1024 * kF32 + kIdentity,
     2048 * 1024 * kF32},
    // M = 256, K = 512, N = 1024: x, z, w and g once.
    {"add_rmsnorm_matmul.py", 2 * 256 * 512 * kF32 + 512 * 1024 * kF32 + 512 * kF32 + kIdentity,
     256 * 1024 * kF32},
    // M = 256, K = 512, N = 1024: x, w, z and g once.
    {"matmul_add_rmsnorm.py",
     256 * 512 * kF32 + 512 * 1024 * kF32 + 256 * 1024 * kF32 + 1024 * kF32 + kIdentity,
     256 * 1024 * kF32},
};

std::string kernel_path(const std::string& file) {
  return std::string(TRNSIM_SOURCE_DIR) + "/kernels/corpus/nkibench/" + file;
}

// The test name of a case: matmul_add_rmsnorm.py -> MatmulAddRmsnorm.
std::string camel_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name;
  bool upper = true;
  for (const char ch : info.param.file.substr(0, info.param.file.find('.'))) {
    if (ch == '_') {
      upper = true;
    } else {
      name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
      upper = false;
    }
  }
  return name;
}

class CorpusNkibenchMm : public ::testing::TestWithParam<Case> {};

TEST_P(CorpusNkibenchMm, MatchesItsReferenceAndMovesTheBytesOfItsSchedule) {
  const Case& c = GetParam();
  const testing::Result r = testing::run_trnsim({"run-nki", kernel_path(c.file), "--json",
                                                 "--quiet"}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json s = nlohmann::json::parse(r.out);
  // fp32 everywhere, accumulated in fp32 PSUM over K <= 1024 products of inputs in [-1, 1]:
  // random-sign rounding errors grow like sqrt(K) * 2^-24 relative (about 2e-6 at K = 1024),
  // and the RMSNorm adds a few ulps. 1e-4 of the largest value leaves a wide margin, while a
  // wrong or missing 128 x 128 piece is an error of the order of the values themselves.
  ASSERT_TRUE(s["max_abs_err"].is_number()) << r.out;
  EXPECT_LE(s["max_abs_err"].get<double>(), 1e-4 * s["max_abs_reference"].get<double>());
  EXPECT_GT(s["max_abs_reference"].get<double>(), 1.0);
  EXPECT_EQ(s["hbm_read_bytes"].get<int64_t>(), c.hbm_read_bytes);
  EXPECT_EQ(s["hbm_write_bytes"].get<int64_t>(), c.hbm_write_bytes);
  // The profiles report no spill for these kernels; nor may the simulation.
  EXPECT_EQ(s["spill_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(s["reload_bytes"].get<int64_t>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Kernels, CorpusNkibenchMm, ::testing::ValuesIn(kCases), camel_name);

// Each kernel here has exactly one row in the measured corpus, with a profile of no spill.
TEST(CorpusNkibenchMmRows, EachKernelHasOneMeasuredRowWithoutSpill) {
  const std::string path = std::string(TRNSIM_SOURCE_DIR) + "/traces/measured/nkibench_trn1.json";
  const nlohmann::json m = nlohmann::json::parse(testing::read_text(path));
  for (const Case& c : kCases) {
    int rows = 0;
    for (const nlohmann::json& row : m["measurements"]) {
      const std::string target = row["nki"].get<std::string>();
      if (target.substr(0, target.find(':')) != "../../kernels/corpus/nkibench/" + c.file) continue;
      ++rows;
      EXPECT_FALSE(row["args"].empty()) << target;
      EXPECT_EQ(row["profile"]["spill_save_bytes"].get<int64_t>(), 0) << target;
      EXPECT_EQ(row["profile"]["spill_reload_bytes"].get<int64_t>(), 0) << target;
    }
    EXPECT_EQ(rows, 1) << c.file;
  }
}

}  // namespace
}  // namespace trnsim

// The corpus kernels of the NKI fused Mamba tutorial (kernels/corpus/mamba/mamba_v1.py, _v2,
// _v3), run as a user runs them: `trnsim run-nki FILE:KERNEL --inputs DIR --json`. Each is
// checked against its file's numpy reference() (float64) at small shapes, and, timing only,
// its VectorE and ScalarE busy time and HBM bytes against sums of the cost rules and of the
// schedule's loads and stores derived by hand below.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "kernels/compress/tensor_formats.h"
#include "tests/cli_runner.h"

namespace trnsim {
namespace {

struct MambaCase {
  std::string version;  // v1, v2, v3
  int64_t batch, channels, seq, states;
};

void PrintTo(const MambaCase& c, std::ostream* os) {
  *os << c.version << " batch " << c.batch << " channels " << c.channels << " seq " << c.seq
      << " states " << c.states;
}

std::string case_name(const ::testing::TestParamInfo<MambaCase>& info) {
  const MambaCase& c = info.param;
  return c.version + "_b" + std::to_string(c.batch) + "_c" + std::to_string(c.channels) + "_s" +
         std::to_string(c.seq) + "_n" + std::to_string(c.states);
}

std::string kernel_target(const MambaCase& c) {
  return std::string(TRNSIM_SOURCE_DIR) + "/kernels/corpus/mamba/mamba_" + c.version +
         ".py:mamba_" + c.version;
}

std::vector<std::string> shape_args(const MambaCase& c) {
  const auto dims = [](std::initializer_list<int64_t> d) {
    std::string s;
    for (int64_t v : d) s += (s.empty() ? "" : "x") + std::to_string(v);
    return s + ":fp32";
  };
  return {"--arg", "delta=" + dims({c.batch, c.channels, c.seq}),
          "--arg", "u=" + dims({c.batch, c.channels, c.seq}),
          "--arg", "A=" + dims({c.channels, c.states}),
          "--arg", "B=" + dims({c.batch, c.states, c.seq}),
          "--arg", "C=" + dims({c.batch, c.states, c.seq})};
}

// Value i of an input: lo + (hi - lo) * ((i * 37) % 101) / 100, spread without order bias.
std::vector<float> spread(size_t count, float lo, float hi) {
  std::vector<float> v(count);
  for (size_t i = 0; i < count; ++i)
    v[i] = lo + (hi - lo) * static_cast<float>((i * 37) % 101) / 100.0f;
  return v;
}

void write_npy(const std::string& path, const std::vector<int64_t>& shape,
               const std::vector<float>& values) {
  std::ofstream out(path, std::ios::binary);
  out << compress::npy_header(Dtype::fp32, shape);
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size() * 4));
}

nlohmann::json run_json(const MambaCase& c, const std::vector<std::string>& more) {
  std::vector<std::string> args = {"run-nki", kernel_target(c)};
  for (const std::string& a : shape_args(c)) args.push_back(a);
  for (const std::string& a : more) args.push_back(a);
  args.insert(args.end(), {"--json", "--quiet"});
  const testing::Result r = testing::run_trnsim(args, 120);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
}

class CorpusMambaNumerics : public ::testing::TestWithParam<MambaCase> {};

// Inputs as Mamba has them: delta > 0 (a softplus output), A < 0, so every step's decay
// exp(delta * A) lies in [exp(-0.5), exp(-0.025)] = [0.61, 0.975] and h stays bounded.
//
// Tolerance: |drive| = |delta u B| <= 0.25, so |h| <= 0.25 / (1 - 0.975) = 10. Each step of
// the scan rounds twice in fp32 (multiply, add; relative 2^-24 each) on values below
// |h|max + |drive|max, and an error is multiplied by the decay (< 0.975) at every later step,
// so the error of h is below 2 * 2^-24 * 10.25 / (1 - 0.975) = 4.9e-5; the decay's own error
// (exp, and delta * A rounded: a few ulps, relative 3e-7) adds 3e-7 * |h| per step, below
// 3e-7 * 10 / 0.025 = 1.2e-4. With |C| <= 1 and the two roundings of C * h and of the sum,
// the output over at most 16 states is off by less than 16 * (4.9e-5 + 1.2e-4 + 2 * 6e-8 *
// 10) = 2.7e-3. A broken schedule (a lost state, a scan carry not passed on, a wrong
// broadcast) is off by the size of a term, 0.01 to 1.
constexpr double kTolerance = 2.7e-3;

TEST_P(CorpusMambaNumerics, MatchesTheNumpyReferenceOfTheSelectiveScan) {
  const MambaCase& c = GetParam();
  const std::string dir = testing::fresh_dir("corpus_mamba_" + case_name({c, 0}));
  const size_t bcs = static_cast<size_t>(c.batch * c.channels * c.seq);
  const size_t bns = static_cast<size_t>(c.batch * c.states * c.seq);
  write_npy(dir + "/delta.npy", {c.batch, c.channels, c.seq}, spread(bcs, 0.05f, 0.25f));
  write_npy(dir + "/u.npy", {c.batch, c.channels, c.seq}, spread(bcs, -1.0f, 1.0f));
  write_npy(dir + "/A.npy", {c.channels, c.states},
            spread(static_cast<size_t>(c.channels * c.states), -2.0f, -0.5f));
  write_npy(dir + "/B.npy", {c.batch, c.states, c.seq}, spread(bns, -1.0f, 1.0f));
  write_npy(dir + "/C.npy", {c.batch, c.states, c.seq}, spread(bns, 1.0f, -1.0f));
  const nlohmann::json s = run_json(c, {"--inputs", dir});
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(s.contains("max_abs_err") && s["max_abs_err"].is_number()) << s.dump();
  EXPECT_LE(s["max_abs_err"].get<double>(), kTolerance);
  EXPECT_GT(s["max_abs_reference"].get<double>(), 0.1);  // the comparison is not of zeros
}

// The INPUT_SHAPES of each file (one broadcast chunk of 512 in v1/v2, two sequence tiles in
// v3), then two batches, two 512-column broadcast chunks and three sequence tiles.
INSTANTIATE_TEST_SUITE_P(Kernels, CorpusMambaNumerics,
                         ::testing::Values(MambaCase{"v1", 1, 256, 512, 16},
                                           MambaCase{"v2", 1, 256, 512, 16},
                                           MambaCase{"v3", 1, 256, 1024, 4},
                                           MambaCase{"v1", 2, 256, 1024, 4},
                                           MambaCase{"v2", 2, 256, 1024, 4},
                                           MambaCase{"v3", 2, 128, 1536, 2}),
                         case_name);

// The cost of each schedule, summed by hand from reference trainium.md §5.1 (ISA-OLD, cycles
// of the engine; N free elements per partition, MIN_II = 64; its 2N for two SBUF inputs is
// pinned with --set, since trn1 takes that rate from the profiles instead) and §2.1 (trn1
// clocks: VectorE 1.12 GHz, ScalarE 1.4 GHz), and its HBM bytes from its loads and stores (fp32,
// 4 B).
struct HandCost {
  int64_t vector_cycles, scalar_cycles, hbm_read, hbm_write;
};

HandCost hand_cost(const MambaCase& c) {
  const int64_t tiles = c.channels / 128, n = c.seq;
  const int64_t pairs = c.batch * tiles * c.states;  // (channel tile, state) iterations
  HandCost h{};
  // VectorE, per (tile, state): delta * u, both in SBUF, 2N; times the B broadcast read from
  // PSUM, N; the scan, 2N; times the C broadcast from PSUM, N; the add into the accumulator,
  // 2N: 8N. (Split into 512-column pieces the PSUM multiplies still sum to N, each >= MIN_II.)
  // v3 does this per 512-column sequence tile S, 8S each, plus the carry copy of one column,
  // max(MIN_II, 1) = 64. Memsets (N per block, fp32): the ones row [1, 128], 128; the
  // accumulator, one block of N per channel tile; v3's carry [128, 1], 64 per (tile, state).
  // ScalarE: one exp activation per (tile, state), N (v3: per sequence tile, S).
  h.vector_cycles = 128 + c.batch * tiles * n;
  if (c.version == "v3") {
    const int64_t s = 512, seq_tiles = n / s;
    h.vector_cycles += pairs * (seq_tiles * (8 * s + 64) + 64);
    h.scalar_cycles = pairs * seq_tiles * s;
  } else {
    h.vector_cycles += pairs * 8 * n;
    h.scalar_cycles = pairs * n;
  }
  // HBM: v1 loads delta and u again for every state; v2 and v3 once per channel tile. All
  // load the A column (128 values) and the B and C rows (N values) per (tile, state).
  const int64_t du_bytes = 2 * c.batch * c.channels * n * 4;
  h.hbm_read = (c.version == "v1" ? c.states * du_bytes : du_bytes) + pairs * (128 + 2 * n) * 4;
  h.hbm_write = c.batch * c.channels * n * 4;
  return h;
}

class CorpusMambaCost : public ::testing::TestWithParam<MambaCase> {};

TEST_P(CorpusMambaCost, EngineBusyTimeAndHbmBytesAreTheScheduleSummedByHand) {
  const MambaCase& c = GetParam();
  const HandCost h = hand_cost(c);
  const nlohmann::json s =
      run_json(c, {"--timing-only", "--set", "vector.two_input_cycles_per_element=2"});
  ASSERT_TRUE(s.contains("engines")) << s.dump();
  // Busy times are sums of cycles converted at the clock: equal to well under a nanosecond.
  EXPECT_NEAR(s["engines"]["Vector"]["busy_ns"].get<double>(), h.vector_cycles / 1.12, 0.5);
  EXPECT_NEAR(s["engines"]["Scalar"]["busy_ns"].get<double>(), h.scalar_cycles / 1.4, 0.5);
  EXPECT_EQ(s["hbm_read_bytes"].get<int64_t>(), h.hbm_read);
  EXPECT_EQ(s["hbm_write_bytes"].get<int64_t>(), h.hbm_write);
  EXPECT_EQ(s["spill_bytes"].get<int64_t>(), 0);  // tiles of <= 4 KiB per partition: no spill
}

INSTANTIATE_TEST_SUITE_P(Kernels, CorpusMambaCost,
                         ::testing::Values(MambaCase{"v1", 1, 256, 512, 16},
                                           MambaCase{"v2", 1, 256, 512, 16},
                                           MambaCase{"v3", 1, 256, 1024, 4},
                                           MambaCase{"v2", 2, 256, 1024, 4}),
                         case_name);

}  // namespace
}  // namespace trnsim

// The trnsim program as a user meets it: bad input gives one clear line on stderr and exit
// code 1 (a run that failed) or 2 (bad usage), never a crash, and no half-written file.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "tests/cli_runner.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::expect_one_line_error;
using testing::read_text;
using testing::Result;
using testing::temp_path;
using testing::trnsim;
using testing::trnsim_with_env;
using testing::write;
using testing::write_npy_of_ones;

TEST(Cli, ListShowsKernelsAndConfigs) {
  const Result r = trnsim("list");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* name : {"matmul_naive", "matmul_hoisted", "matmul_blocked", "matmul_optimized",
                           "TILES_IN_BLOCK_K", "trn1", "trn2"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
}

TEST(Cli, UnknownKernelIsBadUsage) {
  expect_one_line_error(trnsim("run matmul_fastest"), 2, "unknown kernel 'matmul_fastest'");
}

TEST(Cli, UnknownFlagIsBadUsage) {
  expect_one_line_error(trnsim("run matmul_naive --shape M=256 --frobnicate"), 2, "frobnicate");
}

TEST(Cli, ShapeNotAMultipleOfTheTileFails) {
  expect_one_line_error(trnsim("run matmul_naive --shape M=200 --timing-only"), 1,
                        "M=200 is not a multiple of 128");
}

TEST(Cli, UnknownShapeKeyIsNamed) {
  expect_one_line_error(trnsim("run matmul_naive --shape Q=3"), 1, "unknown shape key 'Q'");
}

TEST(Cli, TileLargerThanSbufNamesTileAndBytes) {
  // lhsT_tiles blocks are [128, 128 x 768] bf16 = 196608 bytes per partition; trn1 has
  // 196608 - 16384 = 180224 usable.
  const Result r = trnsim(
      "run matmul_optimized --timing-only --shape M=98304,K=1024,N=1024 "
      "--param TILES_IN_BLOCK_M=768,TILES_IN_BLOCK_N=1,TILES_IN_BLOCK_K=1");
  expect_one_line_error(r, 1, "tile 'lhsT_tiles'");
  EXPECT_NE(r.err.find("needs 196608 bytes per partition"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("180224 usable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("free"), std::string::npos) << r.err;
}

TEST(Cli, MalformedYamlNamesFileAndLine) {
  const std::string path = write("bad.yaml", "base: trn1\ndma:\n  engine_bytes_per_ns: [1, 2\n");
  expect_one_line_error(trnsim("run matmul_naive --hw " + path), 2, "bad.yaml:");
}

TEST(Cli, OutOfRangeYamlValueNamesKeyAndRange) {
  const std::string path = write("range.yaml", "base: trn1\nhbm:\n  efficiency: 7\n");
  const Result r = trnsim("run matmul_naive --hw " + path);
  expect_one_line_error(r, 2, "range.yaml:3: hbm.efficiency");
  EXPECT_NE(r.err.find("allowed"), std::string::npos) << r.err;
}

TEST(Cli, MalformedProgramJsonIsBadUsage) {
  const std::string path = write("bad_program.json", "{\"format\": \"trnsim-program\", ");
  // README "Exit codes": an input file that cannot be decoded is bad usage, exit 2.
  expect_one_line_error(trnsim("run-program " + path), 2, "bad_program.json:1:");
}

TEST(Cli, DeadlockedProgramNamesTheWaitingEngines) {
  const Result r = trnsim("run-program " + std::string(TRNSIM_SOURCE_DIR) +
                          "/traces/programs/semaphore_cycle_deadlock.json");
  expect_one_line_error(r, 1, "deadlock");
  EXPECT_NE(r.err.find("Vector"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Scalar"), std::string::npos) << r.err;
}

TEST(Cli, FailedRunWritesNoTraceFile) {
  const std::string trace = temp_path("never.json");
  trnsim("run matmul_naive --shape M=200 --timing-only --trace " + trace);
  EXPECT_FALSE(std::ifstream(trace).good());
}

TEST(Cli, RunJsonHasTheDocumentedKeys) {
  const Result r = trnsim("run matmul_hoisted --shape M=256,K=256,N=512 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* key : {"\"kernel\"", "\"hw\"", "\"sim_time_ns\"", "\"flops\"", "\"mfu\"",
                          "\"hbm_read_bytes\"", "\"hbm_write_bytes\"", "\"dma_transfers\"",
                          "\"dma_descriptors\"", "\"peak_sbuf_bytes\"", "\"peak_psum_bytes\"",
                          "\"engines\"", "\"busy_ns\"", "\"utilization\"", "\"instructions\"",
                          "\"wall_s\"", "\"max_abs_err\""})
    EXPECT_NE(r.out.find(key), std::string::npos) << key;
}

TEST(Cli, SavedProgramRunsAgainWithTheSameTime) {
  const std::string program = temp_path("saved.json");
  const Result a = trnsim("run matmul_blocked --shape M=256,K=256,N=1024 --timing-only --json "
                          "--save-program " + program);
  const Result b = trnsim("run-program " + program + " --json");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto time_of = [](const std::string& json) {
    const size_t at = json.find("\"sim_time_ns\":");
    return json.substr(at, json.find(',', at) - at);
  };
  EXPECT_EQ(time_of(a.out), time_of(b.out));
  std::remove(program.c_str());
}

// The "sim_time_ns" number of a JSON summary, as printed.
std::string sim_time_of(const std::string& json) {
  const size_t at = json.find("\"sim_time_ns\":");
  return at == std::string::npos ? "" : json.substr(at, json.find(',', at) - at);
}

TEST(Cli, SetOverrideIsRecordedInTheSummaryAndTheTrace) {
  const std::string trace = temp_path("override_trace.json");
  const Result r = trnsim("run matmul_hoisted --shape M=256,K=256,N=512 --timing-only "
                          "--set hbm.efficiency=0.3 --json --trace " + trace);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"hw\":\"trn1 + hbm.efficiency=0.3\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"overrides\":[\"hbm.efficiency=0.3\"]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"hbm.efficiency\":0.3"), std::string::npos) << r.out;
  const std::string text = read_text(trace);
  EXPECT_NE(text.find("\"otherData\":"), std::string::npos);
  EXPECT_NE(text.find("\"hw\":\"trn1 + hbm.efficiency=0.3\""), std::string::npos);
  EXPECT_NE(text.find("\"overrides\":[\"hbm.efficiency=0.3\"]"), std::string::npos);
  std::remove(trace.c_str());
}

TEST(Cli, ReplayGivesTheSameSimulatedTime) {
  const std::string summary = temp_path("replay_summary.json");
  const Result a = trnsim("run matmul_blocked --shape M=256,K=256,N=1024 --timing-only "
                          "--set dma.setup_latency_ns=900 --json");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  std::ofstream(summary) << a.out;
  const Result b = trnsim("run --replay " + summary + " --json");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_FALSE(sim_time_of(a.out).empty());
  EXPECT_EQ(sim_time_of(a.out), sim_time_of(b.out));
  EXPECT_NE(b.out.find("\"hw\":\"trn1 + dma.setup_latency_ns=900\""), std::string::npos);
  std::remove(summary.c_str());
}

TEST(Cli, ReplayDoesNotReadTheYaml) {
  // The record holds every parameter's value: a replay with an empty hwconfig directory (as if
  // trn1.yaml were gone or recalibrated) still gives the recorded time.
  const Result a = trnsim("run matmul_naive --shape M=128,K=256,N=512 --timing-only --json");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const std::string summary = write("replay_noyaml.json", a.out);
  const Result b = trnsim_with_env("TRNSIM_HWCONFIG_DIR=/nonexistent-dir",
                                   "run --replay " + summary + " --json");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(sim_time_of(a.out), sim_time_of(b.out));
}

TEST(Cli, BadReplayFileIsOneLineAndBadUsage) {
  const Result a = trnsim("run matmul_naive --shape M=128,K=256,N=512 --timing-only --json");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = a.out;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  expect_one_line_error(trnsim("run --replay " + write("r1.json", "{\"sim_time_ns\": 3}")), 2,
                        "no 'replay' record");
  expect_one_line_error(
      trnsim("run --replay " + write("r2.json", with("\"seed\":1,", ""))), 2,
      "replay: missing key 'seed'");
  expect_one_line_error(
      trnsim("run --replay " + write("r3.json", with("\"hbm.efficiency\":", "\"hbm.efficency\":"))),
      2, "replay.hw.parameters: hbm.efficency: unknown parameter");
  expect_one_line_error(
      trnsim("run --replay " + write("r4.json", with("\"seed\":1,", "\"seed\":1,\"colour\":2,"))),
      2, "replay.colour: unknown key");
  expect_one_line_error(trnsim("run --replay " + write("r5.json", "{")), 2,
                        "r5.json:1:2: not valid JSON at byte 1");
  expect_one_line_error(trnsim("run matmul_naive --replay " + write("r6.json", a.out)), 2,
                        "excludes");
}

TEST(Cli, EmitNkiWritesTheKernelFile) {
  const std::string path = temp_path("emitted.py");
  const Result r = trnsim("emit-nki matmul_hoisted --shape M=256,K=512,N=1024 -o " + path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = read_text(path);
  EXPECT_NE(text.find("@nki.jit\ndef matmul_hoisted(lhsT, rhs):"), std::string::npos);
  EXPECT_NE(text.find("for n in nl.affine_range(2):"), std::string::npos);
  std::remove(path.c_str());
}

TEST(Cli, EmitNkiOfAnUnknownKernelIsBadUsage) {
  expect_one_line_error(trnsim("emit-nki matmul_fastest"), 2, "unknown kernel");
}

TEST(Cli, CompressOfAMissingTensorFailsAndWritesNothing) {
  const std::string weights = write_npy_of_ones(temp_path("w.npy")), out = temp_path("factors");
  expect_one_line_error(trnsim("compress " + weights + " --ratio 0.2 --tensors nope -o " + out), 1,
                        "no tensor 'nope'");
  EXPECT_FALSE(std::ifstream(out).good());
  std::remove(weights.c_str());
}

TEST(Cli, CompressWritesBlockAlignedFactors) {
  // 256 x 256 at RATIO 0.2: round(256 * 256 * 0.8 / (512 * 128)) * 128 = round(0.8) * 128 = 128.
  const std::string weights = write_npy_of_ones(temp_path("w.npy"));
  const std::string out = temp_path("factors_ok");
  const Result r = trnsim("compress " + weights + " --ratio 0.2 --json -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"rank\":128"), std::string::npos) << r.out;
  std::remove(weights.c_str());
}

}  // namespace
}  // namespace trnsim

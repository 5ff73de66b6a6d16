// What the trnsim program leaves behind (README "Exit codes"): every output file whole, from
// one run, or absent; never an input overwritten; all of a run's outputs or none; a standard
// output that cannot be written is an error. Each test is a reproducer from issue 8.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli_runner.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;
using testing::expect_one_line_error;
using testing::files_in;
using testing::read_text;
using testing::Result;
using testing::trnsim;
using testing::trnsim_with_env;

const std::string kProgram = std::string(TRNSIM_SOURCE_DIR) + "/traces/programs/tiny_matmul.json";
const std::string kSmallRun = " --shape M=256,K=256,N=1024 --timing-only";

using CliOutputs = testing::InFreshDirectory;

// Runs each command line at the same time, in a shell of its own; their exit codes.
std::vector<int> trnsim_at_once(const std::vector<std::string>& commands) {
  std::string script;
  for (size_t i = 0; i < commands.size(); ++i)
    script += "(" + testing::trnsim_binary() + " " + commands[i] + " >/dev/null 2>&1; echo $? >" +
              testing::temp_path("code" + std::to_string(i)) + ") & ";
  EXPECT_EQ(std::system((script + "wait").c_str()), 0);
  std::vector<int> codes;
  for (size_t i = 0; i < commands.size(); ++i) {
    const std::string code = testing::temp_path("code" + std::to_string(i));
    codes.push_back(std::stoi(read_text(code)));
    std::remove(code.c_str());
  }
  return codes;
}

TEST_F(CliOutputs, TwoRunsWritingTheSameFilesLeaveEachWholeAndNoTemporaries) {
  // Issue 8: with one shared PATH.tmp, 6 of 8 such pairs left invalid JSON.
  const std::string outputs =
      " --trace " + at("same.json") + " --csv " + at("same.csv") + " --save-program " +
      at("same.program.json") + " --json";
  for (int trial = 0; trial < 8; ++trial) {
    const std::vector<int> codes = trnsim_at_once({"run matmul_naive" + kSmallRun + outputs,
                                                   "run matmul_blocked" + kSmallRun + outputs});
    EXPECT_EQ(codes, (std::vector<int>{0, 0})) << "trial " << trial;
    EXPECT_EQ(files_in(dir_),
              (std::set<std::string>{"same.csv", "same.json", "same.program.json"}));
    const auto trace = nlohmann::json::parse(read_text(at("same.json")));  // throws if torn
    EXPECT_TRUE(trace["otherData"]["program"] == "matmul_naive" ||
                trace["otherData"]["program"] == "matmul_blocked");
    EXPECT_NO_THROW(nlohmann::json::parse(read_text(at("same.program.json")))) << trial;
    const std::string csv = read_text(at("same.csv"));
    EXPECT_EQ(csv.rfind("engine,opcode,", 0), 0u);
    EXPECT_EQ(csv.back(), '\n');
  }
}

TEST_F(CliOutputs, AnOutputThatIsAnInputIsRefusedAndTheInputKept) {
  const std::string program = at("p.json");
  fs::copy_file(kProgram, program);
  const std::string original = read_text(program);
  expect_one_line_error(trnsim("run-program " + program + " --trace " + program), 2,
                        "--trace '" + program + "' is the same file as the program '" + program +
                            "', which this command reads");
  fs::create_symlink("p.json", at("link.json"));  // the same inode under another name
  expect_one_line_error(trnsim("run-program " + program + " --csv " + at("link.json")), 2,
                        "is the same file as the program");
  fs::create_hard_link(program, at("hard.json"));
  expect_one_line_error(trnsim("run-program " + program + " --csv " + at("hard.json")), 2,
                        "is the same file as the program");
  EXPECT_EQ(read_text(program), original);

  const std::string hw = at("hw.yaml");
  std::ofstream(hw) << "base: trn1\n";
  expect_one_line_error(trnsim("run matmul_naive" + kSmallRun + " --hw " + hw + " --csv " + hw),
                        2, "--csv '" + hw + "' is the same file as --hw '" + hw + "'");
  expect_one_line_error(trnsim("emit-nki matmul_naive --hw " + hw + " -o " + hw), 2,
                        "-o '" + hw + "' is the same file as --hw");
  EXPECT_EQ(read_text(hw), "base: trn1\n");

  const Result recorded = trnsim("run matmul_naive" + kSmallRun + " --json");
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  const std::string record = at("record.json");
  std::ofstream(record) << recorded.out;
  expect_one_line_error(trnsim("run --replay " + record + " --trace " + record), 2,
                        "is the same file as --replay");
  EXPECT_EQ(read_text(record), recorded.out);

  // Two outputs of one run, spelt differently, neither there yet: the same canonical path.
  expect_one_line_error(trnsim("run matmul_naive" + kSmallRun + " --save-program " +
                               at("s.json") + " --trace " + dir_ + "/./s.json"),
                        2, "is the same file as --save-program '" + at("s.json") + "'");
  EXPECT_EQ(files_in(dir_), (std::set<std::string>{"hard.json", "hw.yaml", "link.json", "p.json",
                                                   "record.json"}));
}

TEST_F(CliOutputs, CompressRefusesToOverwriteItsWeightsOrCalibration) {
  const std::string weights = testing::write_safetensors_of_ones(at("w.safetensors"));
  const std::string original = read_text(weights);
  expect_one_line_error(trnsim("compress " + weights + " --ratio 0.2 -o " + weights), 1,
                        "output '" + weights + "' is the same file as the weights file");
  EXPECT_EQ(read_text(weights), original);
  // An npy output directory that holds the calibration as one of the files it would write.
  fs::create_directory(at("factors"));
  const std::string calibration = testing::write_npy_of_ones(at("factors/w.U.npy"));
  const std::string npy = testing::write_npy_of_ones(at("w.npy"));
  expect_one_line_error(trnsim("compress " + npy + " --ratio 0.2 --calibration " + calibration +
                               " -o " + at("factors")),
                        1, "output '" + calibration + "' is the same file as the calibration file");
  EXPECT_EQ(files_in(at("factors")), std::set<std::string>{"w.U.npy"});
}

TEST_F(CliOutputs, AFailedOutputLeavesNoneOfTheRunsOutputs) {
  // A --csv into a missing directory is found before the run; the --trace is never written.
  expect_one_line_error(trnsim("run-program " + kProgram + " --trace " + at("t.json") +
                               " --csv " + at("missing/run.csv")),
                        2, "cannot write --csv '" + at("missing/run.csv") + "': directory '" +
                               at("missing") + "' does not exist");
  EXPECT_TRUE(files_in(dir_).empty());
  // One that fails only when written (its temporary's name is too long for the file system):
  // the --trace, already written to its temporary, is removed with it.
  const std::string long_csv = at(std::string(250, 'c'));
  expect_one_line_error(
      trnsim("run-program " + kProgram + " --trace " + at("t.json") + " --csv " + long_csv), 1,
      "File name too long");
  EXPECT_TRUE(files_in(dir_).empty());
}

TEST_F(CliOutputs, AStandardOutputThatCannotBeWrittenIsAnError) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  expect_one_line_error(trnsim_with_env("", "emit-nki matmul_naive", "/dev/full"), 1,
                        "cannot write standard output: No space left on device");
  expect_one_line_error(trnsim_with_env("", "list", "/dev/full"), 1,
                        "cannot write standard output");
  // A run's files appear only once its summary was written.
  expect_one_line_error(
      trnsim_with_env("", "run matmul_naive" + kSmallRun + " --json --trace " + at("t.json"),
                      "/dev/full"),
      1, "cannot write standard output: No space left on device");
  const std::string weights = testing::write_npy_of_ones(at("w.npy"));
  expect_one_line_error(
      trnsim_with_env("", "compress " + weights + " --ratio 0.2 -o " + at("factors"), "/dev/full"),
      1, "cannot write standard output");
  EXPECT_EQ(files_in(dir_), std::set<std::string>{"w.npy"});  // no factors, no staging directory
}

TEST_F(CliOutputs, PeFramesAreOnePicturePerClockEdgeAndAGif) {
  // The 4x4 lesson: the array steps 12 edges (tests/pe_array_test.cpp derives them), so 12
  // pictures, the loop of them and the frames they were drawn from; nothing else is left.
  const std::string frames = at("frames");
  const Result r = trnsim("run matmul_tile --hw teaching-pe --pe-frames " + frames);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> expected = {"frames.json", "pe.gif"};
  for (int step = 0; step < 12; ++step) {
    char name[32];
    std::snprintf(name, sizeof name, "step_%03d.png", step);
    expected.insert(name);
  }
  EXPECT_EQ(files_in(frames), expected);
  EXPECT_EQ(read_text(frames + "/step_000.png").substr(1, 3), "PNG");
  EXPECT_EQ(read_text(frames + "/pe.gif").substr(0, 6), "GIF89a");
  EXPECT_EQ(files_in(dir_), std::set<std::string>{"frames"});  // no staging folder left
  // Refused with one line, nothing written: the folder exists, no values, no PE-level model.
  expect_one_line_error(trnsim("run matmul_tile --hw teaching-pe --pe-frames " + frames), 2,
                        "--pe-frames: " + frames + " exists already");
  expect_one_line_error(
      trnsim("run matmul_tile --hw teaching-pe --timing-only --pe-frames " + at("f2")), 2,
      "--pe-frames shows the values in the array: drop --timing-only");
  expect_one_line_error(trnsim("run matmul_tile --pe-frames " + at("f3")), 1,
                        "PE frames come from the PE-level Tensor Engine: set tensor.model=pe");
  EXPECT_EQ(files_in(dir_), std::set<std::string>{"frames"});
}

}  // namespace
}  // namespace trnsim

// The reproducers of issue 8 for the loaders, through the trnsim program: each gives one
// line on stderr with the file, the key or byte, and what was expected, exit 2 (a bad input
// named on the command line is bad usage), never a hang, a crash or "internal error".
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/cli_runner.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;
using CliResult = testing::Result;
using testing::run_trnsim;
using testing::temp_path;
using testing::write;

// For EXPECT_TRUE: exit `code` and exactly one line on stderr, "trnsim: " + a message that
// contains `part`, of at most `max_chars` characters.
::testing::AssertionResult one_line_error(const CliResult& r, int code, const std::string& part,
                                          size_t max_chars = 400) {
  const std::string& e = r.err;
  if (r.exit_code != code)
    return ::testing::AssertionFailure() << "exit " << r.exit_code << ", not " << code << ": " << e;
  if (e.rfind("trnsim: ", 0) != 0 || e.find('\n') != e.size() - 1)
    return ::testing::AssertionFailure() << "not one 'trnsim: ' line: " << e.substr(0, 500);
  if (e.rfind("trnsim: internal error", 0) == 0)
    return ::testing::AssertionFailure() << "an internal error: " << e;
  if (e.find(part) == std::string::npos)
    return ::testing::AssertionFailure() << "'" << e << "' does not contain '" << part << "'";
  if (e.size() > max_chars)
    return ::testing::AssertionFailure() << e.size() << " characters: " << e.substr(0, 500);
  return ::testing::AssertionSuccess();
}

// Every command that reads a file the user names, with `path` as that file.
std::vector<std::pair<std::vector<std::string>, std::string>> commands_reading(
    const std::string& path) {
  return {{{"run-program", path}, "a program JSON file"},
          {{"compare", path}, "a measurements JSON file"},
          {{"compress", path, "--ratio", "0.2", "-o", temp_path("never.safetensors")},
           "a weights file (.safetensors or .npy)"},
          {{"run", "matmul_naive", "--hw", path}, "a hardware config YAML file"},
          {{"run", "--replay", path}, "a --json summary or --trace file to replay"},
          {{"run-nki", path, "--timing-only"}, "an NKI kernel file (.py)"},
          {{"run-trace", path}, "an NKI kernel trace (JSON lines)"}};
}

TEST(BadInputCli, AFifoIsRefusedAtOnceByEveryCommand) {
  const std::string fifo = temp_path("input.fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const auto& [args, expected] : commands_reading(fifo)) {
    SCOPED_TRACE(args[0]);
    // Blocking on the FIFO would run into the 20 s alarm (exit -1).
    EXPECT_TRUE(
        one_line_error(run_trnsim(args, 20), 2,
                       fifo + ": is a FIFO, not a regular file (expected " + expected + ")"));
  }
  fs::remove(fifo);
}

TEST(BadInputCli, DirectoriesDevicesLoopsAndLongNamesAreRefused) {
  const std::string dir = temp_path("input_dir");
  fs::create_directories(dir);
  EXPECT_TRUE(one_line_error(run_trnsim({"compare", dir}), 2,
                             dir + ": is a directory, not a regular file (expected a "
                                   "measurements JSON file)"));
  EXPECT_TRUE(one_line_error(run_trnsim({"run-program", "/dev/zero"}), 2,
                             "/dev/zero: is a character device, not a regular file"));
  const std::string loop = dir + "/loop.yaml";
  fs::create_symlink(loop, loop);
  EXPECT_TRUE(one_line_error(run_trnsim({"run", "matmul_naive", "--hw", loop}), 2,
                             loop + ": cannot open: " + std::strerror(ELOOP)));
  const std::string too_long = dir + "/" + std::string(300, 'n') + ".json";
  EXPECT_TRUE(one_line_error(run_trnsim({"run-program", too_long}), 2,
                             std::string(": cannot open: ") + std::strerror(ENAMETOOLONG)));
  fs::remove_all(dir);
}

TEST(BadInputCli, DeepNestingIsRefusedNotAStackOverflow) {
  // The issue's 70k levels crashed run-program, 150k crashed compare.
  const std::string deep70k = write("deep70k.json", std::string(70000, '['));
  const std::string deep150k = write("deep150k.json", std::string(150000, '['));
  const std::string nested = ": nested more than 64 arrays and objects deep (at most 64 allowed)";
  EXPECT_TRUE(one_line_error(run_trnsim({"run-program", deep70k}), 2, nested));
  EXPECT_TRUE(one_line_error(run_trnsim({"compare", deep150k}), 2, nested));
  EXPECT_TRUE(one_line_error(run_trnsim({"run", "--replay", deep150k}), 2, nested));
  const std::string yaml =
      write("deep.yaml", "base: trn1\ndma: " + std::string(150000, '['));
  EXPECT_TRUE(one_line_error(run_trnsim({"run", "matmul_naive", "--hw", yaml}), 2,
                             "deep.yaml:2: malformed YAML: nested more than 64 maps and lists"));
}

TEST(BadInputCli, AMisspeltMeasurementKeyIsAnErrorBeforeAnythingRuns) {
  const std::string path = write(
      "parms.json",
      R"({"description": "d", "source": "s", "method": "m", "caveats": "c", "hw": "trn1",
          "dtype": "bf16", "measurements": [)"
      R"({"kernel": "matmul_naive", "shape": "M=128,K=128,N=512", "latency_ms": 1},)"
      R"({"kernel": "matmul_optimized", "shape": "M=128,K=128,N=512", "parms": "x",)"
      R"( "latency_ms": 1}]})");
  const CliResult r = run_trnsim({"compare", path});
  EXPECT_TRUE(one_line_error(r, 2,
                             path + ": measurements[1].parms: unknown key; did you mean "
                                    "'params'? (known here: caveat, kernel, latency_ms, nki, "
                                    "not_fitted, params, profile, shape)"));
  EXPECT_EQ(r.out, "");  // row 0 was not simulated first
}

TEST(BadInputCli, LibraryErrorsBecomeOneLineWithFileAndPlace) {
  const std::string program =
      R"({"format": "trnsim-program", "version": 1, "streams": {"Vector": [{"op": "MEMSET",)"
      R"( "imm0": 1e400, "dst": {}}]}})";
  const std::string overflow = write("overflow.json", program);
  const size_t at = program.find("1e400");  // byte offset; on line 1, column at + 1
  EXPECT_TRUE(one_line_error(run_trnsim({"run-program", overflow}), 2,
                             overflow + ":1:" + std::to_string(at + 1) +
                                 ": streams.Vector[0].imm0: number 1e400 is out of range "
                                 "(expected a number within +-1.7e308; at byte " +
                                 std::to_string(at) + ")"));
  const std::string text = R"({"format": "trnsim-program", "name": "bad )"
                           "\xff"
                           R"("})";
  const std::string utf8 = write("utf8.json", text);
  const size_t bad = text.find('\xff');
  EXPECT_TRUE(one_line_error(run_trnsim({"run-program", utf8}), 2,
                             utf8 + ":1:" + std::to_string(bad + 1) + ": not valid JSON at byte " +
                                 std::to_string(bad) +
                                 " (in name): syntax error while parsing "
                                 "value - invalid string: ill-formed UTF-8 byte"));
  const std::string measured = write("m1e400.json", R"({"description": 1e400})");
  EXPECT_TRUE(one_line_error(run_trnsim({"compare", measured}), 2,
                             ":1:17: description: number 1e400 is out of range"));
}

TEST(BadInputCli, UserTextIsQuotedAsAnEscapedExcerpt) {
  EXPECT_EQ(run_trnsim({"run", "matmul_naive", "--set", "hbm.efficiency=0.3\nx"}).err,
            "trnsim: --set hbm.efficiency=0.3\\nx: hbm.efficiency: '0.3\\nx' is not a number "
            "(allowed: 0.01 .. 1 fraction)\n");
  // An unknown shape key is a failed run (exit 1), as before; its newline is escaped.
  EXPECT_TRUE(one_line_error(run_trnsim({"run", "matmul_naive", "--shape", "M\n=128"}), 1,
                             "matmul_naive: unknown shape key 'M\\n'; did you mean 'M'?"));
  EXPECT_TRUE(
      one_line_error(run_trnsim({"run", "matmul\x1b[31m"}), 2, "unknown kernel 'matmul\\x1b[31m'"));
  // The issue's 5 MB text file as --hw gave 5 MB of stderr.
  const std::string big = write("big.yaml", std::string(5 << 20, 'y'));
  EXPECT_TRUE(one_line_error(run_trnsim({"run", "matmul_naive", "--hw", big}), 2,
                             big + ": 5242880 bytes or more, larger than the 1048576 bytes "
                                   "allowed for a hardware config YAML file"));
  const std::string key = std::string(5000, 'K') + "\n";
  EXPECT_TRUE(one_line_error(run_trnsim({"run", "matmul_naive", "--shape", key + "=1"}), 1,
                             "unknown shape key '" + std::string(60, 'K') + "...'"));
}

TEST(BadInputCli, AReplayedProgramPathIsReadLikeAnyInput) {
  // The record names the program by path: a FIFO put there must not block the replay.
  const CliResult a =
      run_trnsim({"run-program",
                  std::string(TRNSIM_SOURCE_DIR) + "/traces/programs/tiny_matmul.json", "--json"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  nlohmann::json summary = nlohmann::json::parse(a.out);
  const std::string fifo = temp_path("program.fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  summary["replay"]["program"]["path"] = fifo;
  const std::string record = write("fifo_record.json", summary.dump());
  EXPECT_TRUE(one_line_error(run_trnsim({"run", "--replay", record}, 20), 2,
                             fifo + ": is a FIFO, not a regular file (expected a program JSON "
                                    "file)"));
  fs::remove(fifo);
}

TEST(BadInputCli, ATraceReplaysWithItsEventsSkipped) {
  // The record is read from otherData.replay; the events before it are parsed, not kept.
  const std::string trace = temp_path("replay_trace.json");
  const CliResult a = run_trnsim({"run", "matmul_hoisted", "--shape", "M=128,K=256,N=512",
                                  "--timing-only", "--json", "--trace", trace});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const CliResult b = run_trnsim({"run", "--replay", trace, "--json"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(nlohmann::json::parse(a.out)["sim_time_ns"],
            nlohmann::json::parse(b.out)["sim_time_ns"]);
  fs::remove(trace);
}

TEST(BadInputCli, APathThatIsNotUtf8StillGivesValidJson) {
  // The run record holds the program's path, and JSON cannot hold the byte 0xff: it is
  // written as U+FFFD (this was "internal error: [json.exception.type_error.316]").
  const std::string path = temp_path("program_\xff.json");
  fs::copy_file(std::string(TRNSIM_SOURCE_DIR) + "/traces/programs/tiny_matmul.json", path);
  const CliResult r = run_trnsim({"run-program", path, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json summary = nlohmann::json::parse(r.out);
  EXPECT_NE(summary["replay"]["program"]["path"].get<std::string>().find("program_\xef\xbf\xbd"),
            std::string::npos);
  fs::remove(path);
}

}  // namespace
}  // namespace trnsim

// The common pieces every loader reads through (common/input_file.h, json_input.h, excerpt.h,
// did_you_mean.h): what they refuse, and that each refusal is one bounded line.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/did_you_mean.h"
#include "common/excerpt.h"
#include "common/input_file.h"
#include "common/json_input.h"
#include "tests/cli_runner.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;
using testing::temp_path;
using testing::user_error_of;
using testing::write;

TEST(Excerpt, EscapesWhatCouldBreakALineAndKeepsTheRest) {
  EXPECT_EQ(excerpt("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(excerpt("\x01\x1b[31m\x7f"), "\\x01\\x1b[31m\\x7f");
  EXPECT_EQ(excerpt("\xff\xfe"), "\\xff\\xfe");   // not UTF-8
  EXPECT_EQ(excerpt("\xe2\x80\xa8"), "\\u2028");  // LINE SEPARATOR
  EXPECT_EQ(excerpt("\xc2\x85"), "\\x85");        // NEL, a C1 control
  EXPECT_EQ(excerpt("\xc3\xa9t\xc3\xa9 \xe2\x86\x92"), "\xc3\xa9t\xc3\xa9 \xe2\x86\x92");
  EXPECT_EQ(excerpt("\xc0\xaf"), "\\xc0\\xaf");  // an overlong '/'
  EXPECT_EQ(excerpt(std::string("a\0b", 3)), "a\\x00b");
}

TEST(Excerpt, CutsAtSixtyCharactersWithAnEllipsis) {
  EXPECT_EQ(excerpt(std::string(60, 'x')), std::string(60, 'x'));
  EXPECT_EQ(excerpt(std::string(61, 'x')), std::string(60, 'x') + "...");
  // Characters, not bytes: 61 two-byte letters are cut after 60 of them (120 bytes).
  std::string e_acute;
  for (int i = 0; i < 61; ++i) e_acute += "\xc3\xa9";
  EXPECT_EQ(excerpt(e_acute), e_acute.substr(0, 120) + "...");
  // A 5 MB line becomes 63 characters.
  EXPECT_EQ(excerpt(std::string(5 << 20, '\n')).size(), 60u * 2 + 3);
  EXPECT_EQ(path_excerpt(std::string(300, 'p')), std::string(200, 'p') + "...");
}

TEST(DidYouMean, SuggestsTheClosestCandidateWithinReach) {
  EXPECT_EQ(did_you_mean("parms", {"kernel", "shape", "params", "latency_ms"}),
            "; did you mean 'params'?");
  // "M\n" is one edit from M and two from K and N: the closest wins, not the first.
  EXPECT_EQ(did_you_mean("M\n", {"K", "M", "N"}), "; did you mean 'M'?");
  EXPECT_EQ(did_you_mean("frobnicate", {"kernel", "shape"}), "");
  // The length gap alone rules out a huge word, so it costs nothing.
  EXPECT_EQ(did_you_mean(std::string(1 << 20, 'q'), {"params"}), "");
  EXPECT_EQ(unknown_name("dtype", "bf61\n", {"bf16", "fp16"}),
            "unknown dtype 'bf61\\n'; did you mean 'bf16'? (allowed: bf16, fp16)");
}

// The refusal of InputFile for `path`, in a directory of the test's own.
class InputFileTest : public testing::InFreshDirectory {
 protected:
  std::string refusal(const std::string& path) {
    return user_error_of([&] { InputFile(path, "a test file"); });
  }
};

TEST_F(InputFileTest, RefusesEverythingButARegularFileWithoutBlocking) {
  const std::string fifo = at("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // Opening a FIFO with no writer for reading would block forever: the test would hang.
  EXPECT_EQ(refusal(fifo), fifo + ": is a FIFO, not a regular file (expected a test file)");
  EXPECT_EQ(refusal(dir_),
            dir_ + ": is a directory, not a regular file (expected a test file)");
  EXPECT_EQ(refusal("/dev/null"),
            "/dev/null: is a character device, not a regular file (expected a test file)");
  EXPECT_EQ(refusal(""), ": no file named (expected a test file)");
}

TEST_F(InputFileTest, NamesWhyAPathCannotBeOpened) {
  const std::string missing = at("missing.json");
  EXPECT_EQ(refusal(missing),
            missing + ": cannot open: " + std::strerror(ENOENT) + " (expected a test file)");
  const std::string loop = at("loop");
  fs::create_symlink(loop, loop);
  EXPECT_EQ(refusal(loop),
            loop + ": cannot open: " + std::strerror(ELOOP) + " (expected a test file)");
  // A name longer than NAME_MAX (255): the message shows the path as a 200-character excerpt.
  const std::string too_long = at(std::string(300, 'n'));
  EXPECT_EQ(refusal(too_long), path_excerpt(too_long) + ": cannot open: " +
                                   std::strerror(ENAMETOOLONG) + " (expected a test file)");
}

TEST_F(InputFileTest, ReadsAtOffsetsAndRefusesWhatIsTooLargeOrTooShort) {
  const std::string path = write("input_file_bytes", "0123456789");
  const InputFile file(path, "a test file");
  EXPECT_EQ(file.size(), 10u);
  EXPECT_EQ(file.read(3, 4), "3456");
  EXPECT_EQ(file.read_all(10), "0123456789");
  EXPECT_EQ(user_error_of([&] { file.read_all(9); }),
            path + ": 10 bytes or more, larger than the 9 bytes allowed for a test file");
  EXPECT_EQ(user_error_of([&] { file.read(8, 4); }),
            path +
                ": ends at byte 10, before the 4 bytes from byte 8 (was it changed while "
                "being read?)");
  fs::remove(path);
}

// The message of parse_json_input on `text` (from "t.json").
std::string json_error(const std::string& text) {
  return user_error_of([&] { parse_json_input(text, "t.json"); });
}

TEST(JsonInput, NestingIsBoundedAt64LevelsWhileParsing) {
  const auto nested = [](size_t levels) {
    return std::string(levels, '[') + std::string(levels, ']');
  };
  EXPECT_NO_THROW(parse_json_input(nested(64), "t.json"));
  std::string path;  // the 65th array is element 0 of the 64th
  for (int i = 0; i < 64; ++i) path += "[0]";
  EXPECT_EQ(json_error(nested(65)), "t.json: " + path +
                                        ": nested more than 64 arrays and objects deep (at most 64 "
                                        "allowed)");
  // The issue's reproducers: 70k and 150k unclosed '[' (a stack overflow before).
  for (size_t levels : {70000, 150000})
    EXPECT_TRUE(testing::contains(json_error(std::string(levels, '[')), "nested more than 64"));
  EXPECT_TRUE(testing::contains(json_error(R"({"a":)" + nested(70)), "t.json: a[0][0]"));
}

TEST(JsonInput, ParseFailuresNameLineColumnByteAndPath) {
  // "1e400" starts at byte 12, the 7th of line 2 ("  [1, 1e400]}" after '{"a":\n').
  const std::string overflow = "{\"a\":\n  [1, 1e400]}";
  ASSERT_EQ(overflow.find("1e400"), 12u);
  EXPECT_EQ(json_error(overflow),
            "t.json:2:7: a[1]: number 1e400 is out of range (expected a number within "
            "+-1.7e308; at byte 12)");
  // The byte 0xff is byte 9 of {"name":"\xff"}, column 10.
  EXPECT_EQ(json_error("{\"name\":\"\xff\"}"),
            "t.json:1:10: not valid JSON at byte 9 (in name): syntax error while parsing value "
            "- invalid string: ill-formed UTF-8 byte; last read: '\"\\xff'");
  EXPECT_EQ(json_error("{\"a\": 1"),
            "t.json:1:8: not valid JSON at byte 7 (in top level): syntax error while parsing "
            "object - unexpected end of input; expected '}'");
  EXPECT_EQ(json_error(""),
            "t.json:1:1: not valid JSON at byte 0 (in top level): syntax error while parsing "
            "value - unexpected end of input; expected '[', '{', or a literal");
  EXPECT_EQ(json_error(R"({"a": {"b": 1, "b": 2}})"),
            "t.json: a.b: duplicate key (each key may appear once in an object)");
  // A 5 MB string with a raw control character at its end: the token is quoted as an excerpt.
  const std::string e = json_error("[\"" + std::string(5 << 20, 'x') + "\x01\"]");
  EXPECT_LT(e.size(), 400u) << e.substr(0, 400);
}

TEST(JsonInput, SkippedKeysAreParsedButNotKept) {
  const nlohmann::json doc =
      parse_json_input(R"({"traceEvents": [[1], {"x": 2}, 3], "otherData": {"replay": 1}})",
                       "t.json", {"traceEvents"});
  EXPECT_EQ(doc, nlohmann::json::parse(R"({"otherData": {"replay": 1}})"));
  // Still JSON, and still bounded.
  EXPECT_TRUE(testing::contains(user_error_of([] {
                                  parse_json_input(R"({"traceEvents": [1,]})", "t.json",
                                                   {"traceEvents"});
                                }),
                                "not valid JSON at byte 19"));
  EXPECT_TRUE(testing::contains(user_error_of([] {
                                  parse_json_input("{\"traceEvents\": " + std::string(100, '['),
                                                   "t.json", {"traceEvents"});
                                }),
                                "nested more than 64"));
}

TEST(JsonInput, ValuesInMessagesAreBoundedWhateverTheirSize) {
  EXPECT_EQ(json_value_text(nlohmann::json::parse("[1, 2]")), "array [1, 2]");
  EXPECT_EQ(json_value_text(nlohmann::json::parse(R"({"k": "v"})")), "object {\"k\": \"v\"}");
  EXPECT_EQ(json_value_text(nlohmann::json(std::vector<int>(1000000, 7))),
            "an array of 1000000 items");
  EXPECT_EQ(json_value_text(nlohmann::json(std::string(5 << 20, 'x'))),
            "string \"" + std::string(60, 'x') + "...\"");
  EXPECT_EQ(json_value_text(nlohmann::json::parse("[[1]]")), "an array of 1 item");
  EXPECT_EQ(json_value_text(nullptr), "null");
  EXPECT_EQ(json_value_text(true), "boolean true");
}

TEST(JsonObject, ReadsStrictlyAndSuggestsTheKeyMeant) {
  const nlohmann::json j = nlohmann::json::parse(
      R"({"kernel": "k", "parms": "x", "big": 9223372036854775808, "n": -3})");
  JsonObject o(j, "f.json", "measurements[0]");
  EXPECT_EQ(o.string("kernel"), "k");
  EXPECT_FALSE(o.has("params"));
  EXPECT_EQ(user_error_of([&] { o.integer("big"); }),
            "f.json: measurements[0].big: expected an integer within +-9.2e18, got number "
            "9223372036854775808");
  EXPECT_EQ(user_error_of([&] { o.unsigned_integer("n"); }),
            "f.json: measurements[0].n: expected a non-negative integer, got number -3");
  EXPECT_EQ(user_error_of([&] { o.at("latency_ms"); }),
            "f.json: measurements[0]: missing key 'latency_ms'");
  JsonObject only_asked(j, "f.json", "measurements[0]");
  only_asked.string("kernel");
  only_asked.has("params");
  EXPECT_EQ(user_error_of([&] { only_asked.finish(); }),
            "f.json: measurements[0].big: unknown key (known here: kernel, params)");
}

}  // namespace
}  // namespace trnsim

// Output files (common/atomic_file.h, common/output_set.h): each writer has a temporary of its
// own beside the target, a set of files appears all together or not at all, and no output may
// be one of the command's inputs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "common/output_set.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;
using testing::files_in;
using testing::read_text;

using OutputFiles = testing::InFreshDirectory;

TEST_F(OutputFiles, TwoWritersOfOnePathHaveTemporariesOfTheirOwn) {
  AtomicFile first(at("out.json")), second(at("out.json"));
  first.out() << "first";
  second.out() << "second";
  EXPECT_EQ(files_in(dir_).size(), 2u);  // two temporaries, no out.json yet
  EXPECT_EQ(files_in(dir_).count("out.json"), 0u);
  first.commit();
  EXPECT_EQ(read_text(at("out.json")), "first");
  second.commit();  // the last one to commit wins, whole
  EXPECT_EQ(read_text(at("out.json")), "second");
  EXPECT_EQ(files_in(dir_), std::set<std::string>{"out.json"});
}

TEST_F(OutputFiles, TemporaryIsNamedAfterTheTargetAndGetsTheUsualMode) {
  const mode_t umask_now = ::umask(022);
  {
    AtomicFile file(at("out.csv"));
    ASSERT_EQ(files_in(dir_).size(), 1u);
    const std::string temp = *files_in(dir_).begin();
    EXPECT_EQ(temp.rfind("out.csv.tmp-", 0), 0u) << temp;
    EXPECT_EQ(temp.size(), std::string("out.csv.tmp-").size() + 6) << temp;
    file.commit();
  }
  struct stat st {};
  ASSERT_EQ(::stat(at("out.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);  // 0666 less the umask, not mkstemp's 0600
  ::umask(umask_now);
}

TEST_F(OutputFiles, AnAbandonedWriterLeavesNothing) {
  std::ofstream(at("kept.json")) << "old";
  {
    AtomicFile file(at("kept.json"));
    file.out() << "half of a new";
  }
  EXPECT_EQ(files_in(dir_), std::set<std::string>{"kept.json"});
  EXPECT_EQ(read_text(at("kept.json")), "old");
}

TEST_F(OutputFiles, AnUnwritablePathIsAUserError) {
  EXPECT_TRUE(testing::throws_user_error([] { AtomicFile file("/nonexistent-dir/t.json"); },
                                         "cannot write '/nonexistent-dir/t.json': No such file"));
  EXPECT_TRUE(testing::throws_user_error([&] { AtomicFile file(dir_); }, "it is a directory"));
}

TEST_F(OutputFiles, AFailedWriteInASetLeavesNoneOfItsFiles) {
  std::ofstream(at("trace.json")) << "old trace";
  {
    OutputSet files;
    files.add(at("trace.json")).out() << "new trace";
    files.add(at("run.csv")).out().setstate(std::ios::badbit);  // as a full disk would
    EXPECT_TRUE(testing::throws_user_error([&] { files.commit(); },
                                           "cannot write '" + at("run.csv") + "': write failed"));
  }
  EXPECT_EQ(files_in(dir_), std::set<std::string>{"trace.json"});
  EXPECT_EQ(read_text(at("trace.json")), "old trace");
}

TEST_F(OutputFiles, AFailedAddLeavesNoneOfTheSetsFiles) {
  {
    OutputSet files;
    files.add(at("trace.json")).out() << "trace";
    EXPECT_TRUE(testing::throws_user_error([&] { files.add(at("missing/run.csv")); },
                                           "No such file or directory"));
  }
  EXPECT_TRUE(files_in(dir_).empty());
}

TEST_F(OutputFiles, ACommittedSetHasEveryFileAndNoTemporary) {
  OutputSet files;
  files.add(at("a.json")).out() << "a";
  AtomicFile& b = files.add(at("b.json"));
  b.out() << "b";
  b.close();  // closed early, as the npy writer does; commit() still renames it
  files.commit();
  EXPECT_EQ(files_in(dir_), (std::set<std::string>{"a.json", "b.json"}));
  EXPECT_EQ(read_text(at("b.json")), "b");
}

TEST_F(OutputFiles, SameFileByInodeOrByCanonicalPath) {
  std::ofstream(at("p.json")) << "{}";
  fs::create_hard_link(at("p.json"), at("hard.json"));
  fs::create_symlink("p.json", at("link.json"));
  std::ofstream(at("other.json")) << "{}";
  EXPECT_TRUE(same_file(at("p.json"), at("hard.json")));
  EXPECT_TRUE(same_file(at("p.json"), at("link.json")));
  EXPECT_TRUE(same_file(at("p.json"), dir_ + "/./sub/../p.json"));
  EXPECT_FALSE(same_file(at("p.json"), at("other.json")));
  // Neither exists: the canonical paths, relative or absolute.
  EXPECT_TRUE(same_file(at("new.json"), dir_ + "/./new.json"));
  EXPECT_TRUE(same_file("new-in-cwd.json", "./new-in-cwd.json"));
  EXPECT_FALSE(same_file(at("new.json"), at("new2.json")));
}

TEST_F(OutputFiles, OutputPathsAreCheckedBeforeAnyWork) {
  std::ofstream(at("p.json")) << "{}";
  const std::vector<NamedFile> inputs = {{"the program", at("p.json")}, {"--hw", ""}};
  EXPECT_NO_THROW(check_output_paths({{"--trace", at("t.json")}, {"--csv", ""}}, inputs));
  EXPECT_TRUE(testing::throws_user_error(
      [&] { check_output_paths({{"--trace", at("p.json")}}, inputs); },
      "--trace '" + at("p.json") + "' is the same file as the program '" + at("p.json") +
          "', which this command reads"));
  EXPECT_TRUE(testing::throws_user_error(
      [&] { check_output_paths({{"--trace", at("t.json")}, {"--csv", at("t.json")}}, inputs); },
      "--csv '" + at("t.json") + "' is the same file as --trace '" + at("t.json") + "'"));
  EXPECT_TRUE(testing::throws_user_error(
      [&] { check_output_paths({{"--csv", at("missing/run.csv")}}, inputs); },
      "cannot write --csv '" + at("missing/run.csv") + "': directory '" + at("missing") +
          "' does not exist"));
  EXPECT_TRUE(testing::throws_user_error([&] { check_output_paths({{"-o", dir_}}, inputs); },
                                         "cannot write -o '" + dir_ + "': it is a directory"));
}

TEST_F(OutputFiles, StagingDirectoriesAreNewAndDistinct) {
  const std::string a = create_staging_directory(at("factors"));
  const std::string b = create_staging_directory(at("factors"));
  EXPECT_NE(a, b);
  EXPECT_TRUE(fs::is_directory(a));
  EXPECT_TRUE(fs::is_empty(b));
  EXPECT_EQ(a.rfind(at("factors.tmp-"), 0), 0u) << a;
}

}  // namespace
}  // namespace trnsim

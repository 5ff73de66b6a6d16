// What the test files share: capturing a UserError's message, the hardware configs they load,
// temporary files and directories. Hand-written programs are built with tests/program_builder.h.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <string>

#include "common/error.h"
#include "sim/config/hw_config_loader.h"

namespace trnsim::testing {

constexpr double kPs = 1e-3;  // SystemC's time resolution is 1 ps, in ns

// The message of the UserError that `f` throws. A failure of the calling test if `f` throws
// nothing (then "" is returned), throws something else, or gives a message of more than one
// line: a user error is one line for a person.
inline std::string user_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "more than one line: " << message;
    return message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a UserError, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected a UserError, nothing was thrown";
  return "";
}

// For EXPECT_TRUE: `f` throws a UserError of one line that contains `part`.
//   EXPECT_TRUE(testing::throws_user_error([&] { parse_stream("q"); }, "unknown stream 'q'"));
inline ::testing::AssertionResult throws_user_error(const std::function<void()>& f,
                                                    const std::string& part) {
  try {
    f();
  } catch (const UserError& e) {
    const std::string message = e.what();
    if (message.find(part) == std::string::npos)
      return ::testing::AssertionFailure()
             << "the UserError '" << message << "' does not contain '" << part << "'";
    if (message.find('\n') != std::string::npos)
      return ::testing::AssertionFailure() << "the UserError is more than one line: " << message;
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "expected a UserError containing '" << part
                                         << "', got another exception: " << e.what();
  }
  return ::testing::AssertionFailure()
         << "expected a UserError containing '" << part << "', nothing was thrown";
}

// For EXPECT_TRUE: `text` contains `part`; both are shown if it does not.
inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "'\ndoes not contain\n'" << part << "'";
}

// The calibrated trn1 preset, for running kernels on the real machine and for the accuracy
// tests. A test whose expected numbers are derived by hand uses a fixture instead, so that
// recalibrating hwconfig/trn1.yaml breaks only the accuracy tests.
inline HwConfig trn1() { return load_hw_config("trn1"); }

// tests/fixtures/<file>.
inline std::string fixture_path(const std::string& file) {
  return std::string(TRNSIM_SOURCE_DIR) + "/tests/fixtures/" + file;
}

// tests/fixtures/cost-rules.yaml: trn1's structure with round timing numbers of its own, the
// machine of the cost-rule and model-timing tests.
inline HwConfig cost_rules_machine() { return load_hw_config(fixture_path("cost-rules.yaml")); }

// A path in the test temporary directory, distinct per process.
inline std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "trnsim_" + std::to_string(getpid()) + "_" + name;
}

// An empty directory temp_path(name), made afresh.
inline std::string fresh_dir(const std::string& name) {
  const std::string dir = temp_path(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A fixture that gives each test an empty directory of its own (named after the test and
// removed after it), for tests of the files something leaves behind.
class InFreshDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string at(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};

// The names in a directory, sorted: what a command left behind.
inline std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    names.insert(entry.path().filename().string());
  return names;
}

// The whole file ("" if it cannot be read).
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace trnsim::testing

// Tests of the machine-description layer: the shipped presets decode to the documented numbers,
// presets compose with `base:` and `--set`, and every kind of bad input gives one precise line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "common/types.h"
#include "sim/config/hw_config_loader.h"
#include "sim/config/hw_parameters.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;

using testing::contains;
using testing::read_text;
using testing::user_error_of;

// Removes the first line of `text` that contains `needle`.
std::string without_line(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  size_t begin = text.rfind('\n', at) + 1;
  return text.substr(0, begin) + text.substr(text.find('\n', at) + 1);
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = testing::temp_path(std::string("config_") + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& file, const std::string& text) {
    fs::path path = dir_ / file;
    std::ofstream(path) << text;
    return path.string();
  }

  // The UserError message of loading `text` (as x.yaml); fails the test if it loads.
  std::string load_error(const std::string& text, const std::string& file = "x.yaml") {
    const std::string path = write(file, text);
    SCOPED_TRACE("loading:\n" + text);
    return user_error_of([&] { load_hw_config(path); });
  }

  std::string override_error(HwConfig& cfg, const std::string& assignment) {
    SCOPED_TRACE("--set " + assignment);
    return user_error_of([&] { apply_override(cfg, assignment); });
  }

  std::string path(const std::string& file) const { return (dir_ / file).string(); }

  fs::path dir_;
};

void expect_same_parameters_except(const HwConfig& a, const HwConfig& b,
                                   const std::vector<std::string>& except) {
  for (const HwParameter& p : hw_parameters()) {
    if (std::find(except.begin(), except.end(), p.key) != except.end()) continue;
    EXPECT_EQ(p.get(a), p.get(b)) << p.key;
  }
}

TEST_F(ConfigTest, Trn1HasTheDocumentedNeuronCoreV2Numbers) {
  HwConfig c = load_hw_config("trn1");
  EXPECT_EQ(c.name, "trn1");
  EXPECT_EQ(fs::path(c.source_file).filename(), "trn1.yaml");
  EXPECT_DOUBLE_EQ(c.tensor.clock_ghz, 2.8);                            // A2: TensorE 2.8 GHz
  EXPECT_EQ(c.tensor.rows * c.tensor.columns, 128 * 128);               // A2: 128x128 PE array
  EXPECT_EQ(c.tensor.mm_init_latency_cycles, 64);                       // A2: MM_INIT_LATENCY
  EXPECT_DOUBLE_EQ(c.vector.clock_ghz, 1.12);                           // A2
  EXPECT_DOUBLE_EQ(c.scalar.clock_ghz, 1.4);                            // A2
  EXPECT_EQ(c.gpsimd.start_cycles, 150);                                // ISA-OLD GPSIMD_START
  EXPECT_EQ(c.sbuf.partitions * c.sbuf.bytes_per_partition, 24 << 20);  // A2: 24 MiB SBUF
  EXPECT_EQ(c.sbuf.usable_bytes_per_partition(), (192 - 16) * 1024);    // 16 KiB compiler-reserved
  EXPECT_EQ(c.psum.partitions * c.psum.bytes_per_partition, 2 << 20);   // A2: 2 MiB PSUM
  EXPECT_EQ(c.psum.bank_bytes(), 2048);                         // A2: 8 banks x 2 KiB (512 fp32)
  EXPECT_EQ(c.dma.engines * c.dma.queues_per_engine, 16 * 16);  // DMA-O: 16 engines x 16 queues
  EXPECT_DOUBLE_EQ(c.dma.engine_bytes_per_ns, 17);              // DMA-O table: TRN1 17 B/ns
  EXPECT_DOUBLE_EQ(c.dma.setup_latency_ns, 1300);               // DMA-BW: ~1300 ns cross-engine
  EXPECT_NEAR(c.hbm.bandwidth_bytes_per_ns, 91.75e3 / 223.78, 0.1);  // profiler peak ratio
  EXPECT_TRUE(c.shared_sbuf_port_vector_gpsimd);  // A2: VectorE/GpSimdE share SBUF
  EXPECT_TRUE(c.shared_psum_port_vector_scalar);  // A2: VectorE/ScalarE share PSUM
}

TEST_F(ConfigTest, Trn2HasTheDocumentedNeuronCoreV3Numbers) {
  HwConfig c = load_hw_config("trn2");
  EXPECT_EQ(c.name, "trn2");
  EXPECT_DOUBLE_EQ(c.tensor.clock_ghz, 2.4);                            // A3
  EXPECT_DOUBLE_EQ(c.vector.clock_ghz, 0.96);                           // A3
  EXPECT_DOUBLE_EQ(c.scalar.clock_ghz, 1.2);                            // A3
  EXPECT_DOUBLE_EQ(c.gpsimd.clock_ghz, 1.2);                            // A3
  EXPECT_EQ(c.sbuf.partitions * c.sbuf.bytes_per_partition, 28 << 20);  // A3: 28 MiB SBUF
  EXPECT_EQ(c.psum.partitions * c.psum.bytes_per_partition, 2 << 20);   // A3: same 2 MiB PSUM
  EXPECT_NEAR(32768 / c.dma.engine_bytes_per_ns, 1416, 30);             // DMA-O: 32 KiB in 1416 ns
  EXPECT_DOUBLE_EQ(c.hbm.bandwidth_bytes_per_ns, 640);  // AccelOpt trn2 per-NC normaliser
  EXPECT_TRUE(c.shared_sbuf_port_vector_gpsimd);        // A3: shared VectorE/GpSimd SBUF bus
  EXPECT_FALSE(c.shared_psum_port_vector_scalar);       // A3: lifted on NC-v3
}

TEST_F(ConfigTest, EveryShippedPresetLoads) {
  std::vector<std::string> names = list_hw_configs();
  for (const char* expected : {"teaching-small", "trn1", "trn1-documented", "trn2"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const std::string& name : names) EXPECT_NO_THROW(load_hw_config(name)) << name;
}

TEST_F(ConfigTest, BaseLoadsThePresetThenOverridesOnlyTheGivenKeys) {
  HwConfig trn1 = load_hw_config("trn1");
  HwConfig documented = load_hw_config("trn1-documented");
  EXPECT_EQ(documented.name, "trn1-documented");
  EXPECT_DOUBLE_EQ(documented.hbm.efficiency, 1.0);
  EXPECT_DOUBLE_EQ(documented.dma.engine_elements_per_ns, 1000);
  EXPECT_DOUBLE_EQ(documented.dma.engine_hbm_write_bytes_per_ns, 17);
  EXPECT_DOUBLE_EQ(documented.vector.two_input_cycles_per_element, 2);
  EXPECT_DOUBLE_EQ(documented.vector.reciprocal_cycles_per_element, 8);
  expect_same_parameters_except(
      documented, trn1,
      {"hbm.efficiency", "dma.engine_elements_per_ns", "dma.descriptor_overhead_ns",
       "dma.engine_hbm_write_bytes_per_ns", "vector.two_input_cycles_per_element",
       "vector.reciprocal_cycles_per_element"});

  HwConfig small = load_hw_config("teaching-small");
  EXPECT_EQ(small.sbuf.bytes_per_partition, 65536);
  EXPECT_DOUBLE_EQ(small.dma.engine_bytes_per_ns, 8);
  expect_same_parameters_except(small, trn1,
                                {"sbuf.bytes_per_partition", "dma.engine_bytes_per_ns"});
}

TEST_F(ConfigTest, UserFileWithBaseByNameAndByRelativePath) {
  write("mine.yaml", "base: trn2\ndma:\n  setup_latency_ns: 900\n");
  write("derived.yaml",
        "name: derived\nbase: mine.yaml\nports:\n  shared_psum_port_vector_scalar: true\n");
  HwConfig mine = load_hw_config(path("mine.yaml"));
  EXPECT_EQ(mine.name, "mine");  // no `name:` -> the file stem, not the base's name
  EXPECT_DOUBLE_EQ(mine.dma.setup_latency_ns, 900);
  HwConfig derived = load_hw_config(path("derived.yaml"));
  EXPECT_EQ(derived.name, "derived");
  EXPECT_EQ(derived.source_file, path("derived.yaml"));
  EXPECT_DOUBLE_EQ(derived.dma.setup_latency_ns, 900);
  EXPECT_TRUE(derived.shared_psum_port_vector_scalar);
  expect_same_parameters_except(derived, load_hw_config("trn2"),
                                {"dma.setup_latency_ns", "ports.shared_psum_port_vector_scalar"});
}

TEST_F(ConfigTest, ApplyOverrideSetsOneValue) {
  HwConfig c = load_hw_config("trn1");
  apply_override(c, "dma.setup_latency_ns=900");
  apply_override(c, " sbuf.bytes_per_partition = 65536 ");
  apply_override(c, "ports.shared_psum_port_vector_scalar=false");
  EXPECT_DOUBLE_EQ(c.dma.setup_latency_ns, 900);
  EXPECT_EQ(c.sbuf.bytes_per_partition, 65536);
  EXPECT_FALSE(c.shared_psum_port_vector_scalar);
}

TEST_F(ConfigTest, ApplyOverrideRejectsBadAssignmentsAndLeavesTheConfigUnchanged) {
  const HwConfig trn1 = load_hw_config("trn1");
  HwConfig c = trn1;
  std::string e = override_error(c, "dma.engne_bytes_per_ns=3");
  EXPECT_TRUE(
      contains(e, "dma.engne_bytes_per_ns: unknown key; did you mean 'dma.engine_bytes_per_ns'"));
  e = override_error(c, "dma.setup_latency_ns=fast");
  EXPECT_TRUE(
      contains(e, "dma.setup_latency_ns: 'fast' is not a number (allowed: 0 .. 1000000 ns)"));
  e = override_error(c, "dma.engine_bytes_per_ns=-3");
  EXPECT_TRUE(
      contains(e, "dma.engine_bytes_per_ns: -3 is out of range (allowed: 0.1 .. 1000 bytes/ns)"));
  e = override_error(c, "dma.engines=2.5");
  EXPECT_TRUE(contains(e, "dma.engines: '2.5' is not an integer (allowed: 1 .. 256 engines)"));
  e = override_error(c, "ports.shared_sbuf_port_vector_gpsimd=1");
  EXPECT_TRUE(contains(e, "'1' is not a boolean (allowed: true, false)"));
  e = override_error(c, "dma.setup_latency_ns");
  EXPECT_TRUE(contains(e, "expected section.key=value"));
  expect_same_parameters_except(c, trn1, {});
}

TEST_F(ConfigTest, ApplyOverridesChecksTheCombinationAtTheEnd) {
  HwConfig c = load_hw_config("trn1");
  // Halving the engines alone breaks engines x partitions_per_engine = 128 partitions.
  EXPECT_TRUE(contains(user_error_of([&] { apply_overrides(c, {"dma.engines=8"}); }),
                       "--set dma.engines=8: dma.engines: 8 conflicts with "
                       "dma.partitions_per_engine = 8, sbuf.partitions = 128"));
  EXPECT_EQ(c.dma.engines, 16);
  apply_overrides(c, {"dma.engines=8", "dma.partitions_per_engine=16"});
  EXPECT_EQ(c.dma.engines * c.dma.partitions_per_engine, 128);
}

TEST_F(ConfigTest, UnknownKeyNamesFileLineKeyAndTheKnownKeys) {
  std::string e = load_error("base: trn1\ndma:\n  engines: 16\n  engne_bytes_per_ns: 3\n");
  EXPECT_TRUE(contains(e, path("x.yaml") + ":4: dma.engne_bytes_per_ns: unknown key; did you mean "
                                           "'engine_bytes_per_ns'? (known keys in dma: engines, "
                                           "queues_per_engine,"));
}

TEST_F(ConfigTest, UnknownSectionIsRejected) {
  std::string e = load_error("base: trn1\n\ndmaa:\n  engines: 16\n");
  EXPECT_TRUE(contains(e, path("x.yaml") +
                              ":3: dmaa: unknown top-level key; did you mean 'dma'? (known "
                              "top-level keys: name, base, tensor,"));
}

TEST_F(ConfigTest, OutOfRangeNamesTheValueAndTheAllowedRange) {
  std::string e = load_error("name: x\nbase: trn1\ndma:\n  engine_bytes_per_ns: -3\n");
  EXPECT_EQ(e,
            path("x.yaml") +
                ":4: dma.engine_bytes_per_ns: -3 is out of range (allowed: 0.1 .. 1000 bytes/ns)");
}

TEST_F(ConfigTest, WrongTypesAreRejected) {
  std::string e = load_error("base: trn1\nsbuf:\n  partitions: 12.5\n");
  EXPECT_EQ(e, path("x.yaml") +
                   ":3: sbuf.partitions: '12.5' is not an integer (allowed: 1 .. "
                   "1024 partitions)");
  e = load_error("base: trn1\nhbm:\n  efficiency: \"0.5\"\n");
  EXPECT_EQ(e, path("x.yaml") +
                   ":3: hbm.efficiency: \"0.5\" is a quoted string (allowed: 0.01 .. "
                   "1 fraction)");
  e = load_error("base: trn1\nports:\n  shared_sbuf_port_vector_gpsimd: yes\n");
  EXPECT_TRUE(contains(e,
                       ":3: ports.shared_sbuf_port_vector_gpsimd: 'yes' is not a boolean (allowed: "
                       "true, false)"));
  e = load_error("base: trn1\ntensor:\n  rows: [128]\n");
  EXPECT_TRUE(
      contains(e, ":3: tensor.rows: expected a value, got a list (allowed: 1 .. 1024 PEs)"));
  e = load_error("base: trn1\ntensor: 128\n");
  EXPECT_TRUE(contains(e, ":2: tensor: expected a map of parameters, got '128'"));
}

TEST_F(ConfigTest, MissingKeyInAFileWithoutBase) {
  std::string full = read_text(fs::path(hwconfig_dir()) / "trn1.yaml");
  std::string text = without_line(full, "  efficiency:");
  std::string e = load_error(text);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(e, m,
                                std::regex(R"(^(.*x\.yaml):(\d+): hbm\.efficiency: missing )"
                                           R"(key; .* \(allowed: 0\.01 \.\. 1 fraction\)$)")))
      << e;
  // The line is that of the `hbm:` section where the key belongs.
  int hbm_line = 1 + std::count(text.begin(), text.begin() + text.find("\nhbm:") + 1, '\n');
  EXPECT_EQ(std::stoi(m[2]), hbm_line);
}

TEST_F(ConfigTest, MalformedYamlGivesTheParserLine) {
  std::string e = load_error("base: trn1\ndma:\n  engines: 16\n   queues_per_engine: 16\n");
  EXPECT_EQ(e, path("x.yaml") + ":4: malformed YAML: illegal map value");
  // An unclosed bracket is found where the parser gives up: yaml-cpp's line, not the '['.
  e = load_error("base: trn1\ndma:\n  engines: [16\n\nhbm:\n  efficiency: 1\n");
  EXPECT_TRUE(std::regex_search(e, std::regex("x\\.yaml:[0-9]+: malformed YAML: end of sequence")))
      << e;
  EXPECT_TRUE(contains(load_error(""), "empty file"));
  EXPECT_TRUE(contains(load_error("just a string\n"), "expected a map"));
}

TEST_F(ConfigTest, DuplicateKeyIsAnError) {
  std::string e = load_error("base: trn1\ndma:\n  engines: 16\n  engines: 8\n");
  EXPECT_EQ(e, path("x.yaml") + ":4: dma.engines: duplicate key");
}

TEST_F(ConfigTest, MissingFileListsTheAvailableConfigs) {
  const std::string msg = user_error_of([] { load_hw_config("trn9"); });
  EXPECT_TRUE(contains(msg, "cannot open hardware config 'trn9'"));
  EXPECT_TRUE(contains(msg, "trn1, trn1-documented, trn2"));
  std::string e = load_error("base: trn9\n");
  EXPECT_TRUE(contains(e, path("x.yaml") + ":1: base: cannot open hardware config 'trn9'"));
}

TEST_F(ConfigTest, BaseCycleIsAnErrorNotAHang) {
  write("b.yaml", "base: a.yaml\n");
  std::string e = load_error("name: a\nbase: b.yaml\n", "a.yaml");
  EXPECT_EQ(e, path("b.yaml") +
                   ":1: base: cycle a.yaml -> b.yaml -> a.yaml (a config cannot be "
                   "its own base)");
  EXPECT_TRUE(
      contains(load_error("base: self.yaml\n", "self.yaml"), "cycle self.yaml -> self.yaml"));
}

TEST_F(ConfigTest, CrossParameterRulesBlameTheKeyTheUserSet) {
  std::string e = load_error("base: trn1\nsbuf:\n  partitions: 64\n");
  EXPECT_EQ(e.find(path("x.yaml") + ":3: sbuf.partitions: 64 conflicts with dma.engines = 16, "
                                    "dma.partitions_per_engine = 8 (allowed: dma.engines * "
                                    "dma.partitions_per_engine == sbuf.partitions"),
            0u)
      << e;
  e = load_error("base: trn1\npsum:\n  banks: 3\n");
  EXPECT_TRUE(
      contains(e,
               ":3: psum.banks: 3 conflicts with psum.bytes_per_partition = 16384 (allowed: "
               "psum.banks == 0 or divides psum.bytes_per_partition)"));
  e = load_error("base: trn1\nsbuf:\n  reserved_bytes_per_partition: 196608\n");
  EXPECT_TRUE(
      contains(e,
               ":3: sbuf.reserved_bytes_per_partition: 196608 conflicts with "
               "sbuf.bytes_per_partition = 196608 (allowed: sbuf.reserved_bytes_per_partition "
               "< sbuf.bytes_per_partition)"));
  e = load_error("base: trn1\ntensor:\n  moving_free_max: 1024\n");
  EXPECT_TRUE(
      contains(e,
               ":3: tensor.moving_free_max: 1024 conflicts with psum.bytes_per_partition = "
               "16384, psum.banks = 8 (allowed: tensor.moving_free_max * 4 bytes (fp32) <= "));
  // A program names queue ids 0..15 (common/types.h kMaxDmaQueues), so a machine has at most 16.
  e = load_error("base: trn1\ndma:\n  queues_per_engine: 17\n");
  EXPECT_TRUE(
      contains(e, ":3: dma.queues_per_engine: 17 is out of range (allowed: 1 .. 16 queues)"));
}

TEST_F(ConfigTest, DescribeParametersHasOneLinePerParameter) {
  std::string text = describe_parameters();
  EXPECT_EQ(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')),
            hw_parameters().size());
  EXPECT_TRUE(std::regex_search(text, std::regex(R"((^|\n)dma\.setup_latency_ns +ns +\[0, )"
                                                 R"(1000000\] +issue -> first byte)")))
      << text;
  EXPECT_TRUE(contains(text, "[false, true]"));
}

TEST_F(ConfigTest, ParameterKeysAreUniqueAndCoverEverySection) {
  std::set<std::string> keys;
  for (const HwParameter& p : hw_parameters()) EXPECT_TRUE(keys.insert(p.key).second) << p.key;
  EXPECT_EQ(hw_parameter_sections(),
            (std::vector<std::string>{"tensor", "vector", "scalar", "gpsimd", "sbuf", "psum", "dma",
                                      "hbm", "ports", "compiler", "nki_engine"}));
}

TEST_F(ConfigTest, HwconfigDirFollowsTheEnvironment) {
  std::string original = hwconfig_dir();
  const char* env = std::getenv("TRNSIM_HWCONFIG_DIR");
  std::string saved_env = env ? env : "";
  write("only-one.yaml", read_text(fs::path(original) / "trn1.yaml"));
  setenv("TRNSIM_HWCONFIG_DIR", dir_.c_str(), 1);
  std::vector<std::string> names = list_hw_configs();
  HwConfig c = load_hw_config("only-one");
  if (env) {
    setenv("TRNSIM_HWCONFIG_DIR", saved_env.c_str(), 1);
  } else {
    unsetenv("TRNSIM_HWCONFIG_DIR");
  }
  EXPECT_EQ(names, std::vector<std::string>{"only-one"});
  EXPECT_EQ(c.name, "trn1");
  EXPECT_EQ(hwconfig_dir(), original);
}

}  // namespace
}  // namespace trnsim

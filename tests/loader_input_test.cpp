// Each loader's own limits and strictness beyond the shared helpers (input_helpers_test.cpp):
// YAML depth and aliases, base chains, measurement rows, replay integers, safetensors and npy
// headers. Every refusal is an InputError of one line naming the file and the key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>

#include "kernels/compress/weights_file.h"
#include "kernels/nki/trace_kernel.h"
#include "sim/config/hw_config_loader.h"
#include "sim/run/measurements.h"
#include "sim/run/nki_run.h"
#include "sim/run/run_record.h"
#include "tests/cli_runner.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::read_text;
using testing::user_error_of;
using testing::write;

// The InputError message of loading `text` as a hardware config.
std::string yaml_error(const std::string& text) {
  const std::string path = write("loader_input.yaml", text);
  try {
    load_hw_config(path);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError loading " << text.substr(0, 200);
  return "";
}

TEST(HwYamlInput, NestingIsBoundedAt64Levels) {
  // The root map is level 1 and the value of `x` level 2, so k nested lists reach level k + 1.
  const auto lists = [](size_t k) {
    return "base: trn1\nx: " + std::string(k, '[') + std::string(k, ']') + "\n";
  };
  EXPECT_TRUE(contains(yaml_error(lists(63)), "x: unknown top-level key"));
  EXPECT_TRUE(contains(yaml_error(lists(64)),
                       ":2: nested more than 64 maps and lists deep (at most 64 allowed)"));
  // yaml-cpp stops at 500 levels itself, with the text "bad file": said as what it is.
  EXPECT_TRUE(contains(yaml_error("base: trn1\ndma: " + std::string(150000, '[')),
                       ":2: malformed YAML: nested more than 64 maps and lists deep"));
}

TEST(HwYamlInput, AliasesCannotMultiplyTheTreeOrHoldThemselves) {
  // Seven levels of ten aliases each: 10^7 nodes from nine lines.
  std::string bomb = "base: trn1\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i) {
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", *l" : "*l") + std::to_string(i - 1);
    bomb += "]\n";
  }
  EXPECT_TRUE(contains(yaml_error(bomb), "more than 100000 YAML nodes"));
  EXPECT_TRUE(contains(yaml_error("base: trn1\nname: &n [*n]\n"), ":2: nested more than 64"));
}

TEST(HwYamlInput, LargeOrLongInputsGiveOneShortLine) {
  // The issue's 5 MB text file as --hw: refused by its size, before YAML sees it.
  EXPECT_TRUE(contains(yaml_error(std::string(5 << 20, 'a')),
                       ": 5242880 bytes or more, larger than the 1048576 bytes allowed for a "
                       "hardware config YAML file"));
  // Under the limit, a 900 kB scalar is quoted as a 60-character excerpt.
  const std::string e = yaml_error(std::string(900000, 'a') + "\n");
  EXPECT_TRUE(contains(e, "got '" + std::string(60, 'a') + "...'")) << e.substr(0, 300);
  EXPECT_LT(e.size(), 400u);
  EXPECT_TRUE(contains(yaml_error("base: trn1\ndma:\n  engines: \"16\\nx\"\n"),
                       "dma.engines: \"16\\nx\" is a quoted string"));
}

TEST(HwYamlInput, TheNameIsOneShortLineOfText) {
  EXPECT_TRUE(contains(yaml_error("base: trn1\nname: \"a\\nb\"\n"),
                       ":2: name: expected a name of at most 60 printable characters, got "
                       "'a\\nb'"));
  EXPECT_TRUE(contains(yaml_error("base: trn1\nname: " + std::string(61, 'n') + "\n"),
                       "got '" + std::string(60, 'n') + "...'"));
  EXPECT_TRUE(contains(yaml_error("base: trn1\nname: [a]\n"), "got a list"));
}

TEST(HwYamlInput, BaseChainsAreBounded) {
  // c0 -> c1 -> ... -> c15 -> trn1 is 17 configs; c1 -> ... -> c15 -> trn1 is 16.
  const std::string dir = testing::temp_path("base_chain");
  fs::create_directories(dir);
  for (int i = 0; i < 16; ++i) {
    const std::string base = i == 15 ? "trn1" : "c" + std::to_string(i + 1) + ".yaml";
    std::ofstream(dir + "/c" + std::to_string(i) + ".yaml") << "base: " << base << "\n";
  }
  EXPECT_NO_THROW(load_hw_config(dir + "/c1.yaml"));
  EXPECT_TRUE(contains(user_error_of([&] { load_hw_config(dir + "/c0.yaml"); }),
                       "c15.yaml:1: base: more than 16 configs in a chain of bases"));
  fs::remove_all(dir);
}

// The tutorial measurements with `edit` applied to the document.
std::string measurements_error(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(
      read_text(std::string(TRNSIM_SOURCE_DIR) + "/traces/measured/nki_matmul_tutorial_trn1.json"));
  edit(j);
  try {
    run::measurements_from_text(j.dump(), "m.json");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError for " << j.dump().substr(0, 300);
  return "";
}

TEST(MeasurementsInput, EveryKeyIsCheckedBeforeAnythingRuns) {
  EXPECT_EQ(measurements_error([](auto& j) { j["measurements"][0]["parms"] = "x"; }),
            "m.json: measurements[0].parms: unknown key; did you mean 'params'? (known here: "
            "caveat, kernel, latency_ms, nki, not_fitted, params, profile, shape)");
  EXPECT_EQ(measurements_error([](auto& j) { j["measurements"][0]["not_fitted"] = ""; }),
            "m.json: measurements[0].not_fitted: expected the reason the row is not fitted, "
            "got string \"\"");
  EXPECT_EQ(measurements_error([](auto& j) { j["sorce"] = "x"; }),
            "m.json: sorce: unknown key; did you mean 'source'? (known here: caveats, "
            "description, dtype, hw, measurements, method, source)");
  EXPECT_EQ(
      measurements_error([](auto& j) { j["measurements"][3]["kernel"] = "matmul_optimised"; }),
      "m.json: measurements[3]: unknown kernel 'matmul_optimised'; did you mean "
      "'matmul_optimized'? (allowed: matmul_naive, matmul_hoisted, matmul_blocked, "
      "matmul_optimized, matmul_tile, xuv_sequential, xuv_fused, xuv_fused_explicit_transpose, "
      "xuv_unfused_recompute, mlp_dense, mlp_neuronmm, llm_rmsnorm, llm_residual_add, "
      "llm_linear, llm_rope, llm_attention_prefill, llm_attention_decode)");
  EXPECT_TRUE(
      contains(measurements_error([](auto& j) { j["measurements"][1]["shape"] = "M=4096,Q=1"; }),
               "m.json: measurements[1]: matmul_hoisted: unknown shape key 'Q'"));
  EXPECT_TRUE(contains(
      measurements_error([](auto& j) { j["measurements"][2]["params"] = "TILES_IN_BLOCK_Q=2"; }),
      "unknown parameter 'TILES_IN_BLOCK_Q'"));
  EXPECT_EQ(measurements_error([](auto& j) { j["measurements"][0]["latency_ms"] = 0; }),
            "m.json: measurements[0].latency_ms: expected a positive number of milliseconds, got "
            "number 0");
  EXPECT_TRUE(contains(measurements_error([](auto& j) { j["dtype"] = "bf61"; }),
                       "m.json: dtype: unknown dtype 'bf61'"));
  EXPECT_EQ(measurements_error([](auto& j) { j["measurements"] = nlohmann::json::array(); }),
            "m.json: measurements: expected a non-empty list of measurements, got array []");
}

// A replay record as a --json summary carries it, with `edit` applied to the record.
std::string record_error(const std::function<void(nlohmann::json&)>& edit) {
  run::KernelRunRequest request;
  request.kernel = "matmul_naive";
  request.hw = testing::trn1();
  nlohmann::json record = run::record_to_json(run::kernel_run_record(request));
  edit(record);
  try {
    run::record_from_text(nlohmann::json{{"replay", record}}.dump(), "r.json");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError for " << record.dump().substr(0, 300);
  return "";
}

TEST(ReplayRecordInput, IntegersAreCheckedNotWrapped) {
  // 2^63 does not fit the int64 of a shape value (it used to wrap to -2^63).
  EXPECT_EQ(record_error([](auto& r) { r["shape"]["M"] = uint64_t{1} << 63; }),
            "r.json: replay.shape.M: expected an integer within +-9.2e18, got number "
            "9223372036854775808");
  EXPECT_EQ(record_error([](auto& r) { r["seed"] = -1; }),
            "r.json: replay.seed: expected a non-negative integer, got number -1");
  EXPECT_EQ(record_error([](auto& r) { r["format"] = "trnsim-replay/2\n"; }),
            "r.json: replay.format: 'trnsim-replay/2\\n' is not a format this trnsim reads "
            "(trnsim-replay/1)");
  EXPECT_TRUE(contains(record_error([](auto& r) { r["sed"] = 1; }),
                       "r.json: replay.sed: unknown key; did you mean 'seed'?"));
}

// The InputError message of loading `lines` (one JSON object each) as an NKI kernel trace.
std::string trace_error(const std::vector<std::string>& lines) {
  std::string text = R"({"format": "trnsim-nki-trace", "version": 2, "kernel": "k"})";
  for (const std::string& line : lines) text += "\n" + line;
  try {
    nki::TraceKernel::from_text(text, "t.jsonl");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError for " << text.substr(0, 300);
  return "";
}

TEST(NkiTraceInput, EventsAndFieldsAreReadStrictly) {
  EXPECT_EQ(trace_error({R"({"event": "matmull"})"}),
            "t.jsonl:2: unknown event 'matmull'; did you mean 'matmul'? (allowed: activation, "
            "affine_select, bn_aggr, bn_stats, dma_copy, dma_transpose, hbm, iota, iteration, "
            "loop_begin, loop_end, matmul, memset, reciprocal, reduce, tensor_copy, "
            "tensor_scalar, tensor_tensor, tensor_tensor_scan, tile, transpose)");
  EXPECT_EQ(trace_error({R"({"event": "loop_begin", "name": "i", "count": 1, "knd": "affine"})"}),
            "t.jsonl:2: loop_begin: unknown field 'knd'; did you mean 'kind'? (fields: name, "
            "count, kind)");
  // Each line is JSON through parse_json_input, with the file's line numbers: 1e400 starts
  // at byte 32 of line 2 (after `{"event": "iteration", "index": `), column 33.
  const std::string overflow = R"({"event": "iteration", "index": 1e400})";
  ASSERT_EQ(overflow.find("1e400"), 32u);
  EXPECT_EQ(trace_error({overflow}),
            "t.jsonl:2:33: index: number 1e400 is out of range (expected a number within "
            "+-1.7e308; at byte 32)");
  EXPECT_TRUE(contains(trace_error({"", std::string(100, '[')}), "t.jsonl: [0][0]"));
  EXPECT_TRUE(contains(user_error_of([] {
                         nki::TraceKernel::from_text(
                             R"({"format": "trnsim-nki-trace", "version": 2, "kernel": "k", )"
                             R"("sorce": "x"})",
                             "t.jsonl");
                       }),
                       "t.jsonl:1: sorce: unknown key; did you mean 'source'?"));
}

TEST(NkiTraceInput, TileSizesFromATraceAreCheckedWhenReplayed) {
  // Found by fuzz_nki_trace (corpus/nki_trace/huge-tile.jsonl): 2^32 x 2^32 tiles overflowed
  // int64 in the tile store (UBSan: signed integer overflow) before any size was checked.
  const auto replay_error = [](const std::string& tile) {
    const std::string text = R"({"format": "trnsim-nki-trace", "version": 2, "kernel": "k"})"
                             "\n" +
                             tile;
    return user_error_of([&] {
      run::build_trace_program(nki::TraceKernel::from_text(text, "t.jsonl"), testing::trn1());
    });
  };
  const std::string tile = R"({"event": "tile", "id": 1, "name": "t", "site": "k.py:1", )"
                           R"("memory": "sbuf", "dtype": "bf16", "partitions": 128, "bufs": 2, )";
  EXPECT_TRUE(contains(replay_error(tile + R"("block_dims": [4294967296, 4294967296], "free": 8})"),
                       "tile 't' [4294967296 x 4294967296 x 128 x 8 bf16] overflows 64 bits: "
                       "4294967296 x 4294967296"));
  // 2 buffers of 1024 x 1024 tiles: 2^21 tiles, over the 2^20 kept per declaration.
  EXPECT_TRUE(contains(replay_error(tile + R"("block_dims": [1024, 1024], "free": 8})"),
                       "with 2 buffers is 2097152 tiles; at most 1048576 are kept per "
                       "declaration"));
  EXPECT_TRUE(contains(replay_error(tile + R"("block_dims": [0], "free": 8})"),
                       "every dimension must be at least 1"));
}

// Weights files: the bytes as `name`, opened.
std::string weights_error(const std::string& name, const std::string& bytes) {
  const std::string path = write(name, bytes);
  try {
    compress::WeightsFile::open(path);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError for " << name;
  return "";
}

std::string le64(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string safetensors(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

TEST(SafetensorsInput, HeadersAreReadStrictly) {
  const std::string floats(16, '\0');
  EXPECT_TRUE(contains(
      weights_error(
          "k.safetensors",
          safetensors(R"({"w":{"dtype":"F32","shape":[2,2],"data_offset":[0,16]}})", floats)),
      "k.safetensors: tensor 'w': missing key 'data_offsets'; is 'data_offset' a misspelling "
      "of it?"));
  EXPECT_TRUE(
      contains(weights_error("m.safetensors", safetensors(R"({"__metadata__":{"a":1}})", "")),
               "m.safetensors: \"__metadata__\" must be a JSON object of strings"));
  EXPECT_TRUE(contains(weights_error("d.safetensors", safetensors(std::string(100, '['), "")),
                       "d.safetensors: safetensors header: [0][0]"));
  // A header length over the format's 100 MB in a (sparse) file that long.
  const std::string path = write("huge.safetensors", le64(100'000'001) + "{}");
  fs::resize_file(path, 100'000'009 + 8);
  EXPECT_TRUE(contains(user_error_of([&] { compress::WeightsFile::open(path); }),
                       "safetensors header length 100000001 is over the format's limit of "
                       "100000000"));
  fs::remove(path);
}

std::string npy(const std::string& dict, const std::string& data) {
  std::string header = dict + std::string(64 - (10 + dict.size() + 1) % 64, ' ') + "\n";
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size() & 0xff) +
         static_cast<char>(header.size() >> 8) + header + data;
}

TEST(NpyInput, HeaderKeysAreTheThreeNumpyWrites) {
  // Character positions count from the dict's '{' (0); "'shap'" opens at 41, the second
  // "'descr'" at 17.
  const std::string data(2 * 3 * 4, '\0');
  EXPECT_TRUE(contains(
      weights_error("u.npy",
                    npy("{'descr': '<f4', 'fortran_order': False, 'shap': (2, 3), }", data)),
      "u.npy: malformed .npy header (unknown key 'shap'; did you mean 'shape'? (allowed: "
      "descr, fortran_order, shape) at character 41)"));
  EXPECT_TRUE(contains(
      weights_error("t.npy", npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (2, 3), }",
                                 data)),
      "t.npy: malformed .npy header (key 'descr' given twice at character 17)"));
  EXPECT_TRUE(contains(
      weights_error("c.npy",
                    npy("{'descr': '<f4\n\x1b', 'fortran_order': False, 'shape': (2,), }", "")),
      "c.npy: unsupported .npy dtype '<f4\\n\\x1b'"));
}

TEST(WeightsInput, HugeOrEmptyDimensionsAreRefused) {
  // Found by fuzz_npy (corpus/npy/regression-timeout-empty-by-huge.npy): shape (0, 10^15)
  // holds no bytes, so it matched its empty data, and reading it looped 10^15 times.
  EXPECT_TRUE(
      contains(weights_error("h.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, "
                                          "999999999999999), }",
                                          "")),
               "h.npy: shape [0, 999999999999999] has a dimension over 2^40"));
  EXPECT_TRUE(contains(
      weights_error("h.safetensors",
                    safetensors(R"({"w":{"dtype":"F32","shape":[0,18446744073709551615],)"
                                R"("data_offsets":[0,0]}})",
                                "")),
      "h.safetensors: tensor 'w': shape [0, 9223372036854775807] has a dimension over 2^40"));
  const std::string path = write(
      "e.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1099511627776), }", ""));
  const compress::WeightsFile file = compress::WeightsFile::open(path);
  EXPECT_TRUE(contains(user_error_of([&] { file.read_matrix(file.tensors().at(0).name); }),
                       "' is empty (a dimension is 0)"));
}

TEST(WeightsInput, TensorsAreReadFromTheFileThatWasOpened) {
  // After opening, the path is replaced by a FIFO: reading a tensor must neither block nor
  // read anything else (the file stays open and is read with pread).
  const std::string floats("\0\0\x80\x3f\0\0\0\x40", 8);  // 1.0f, 2.0f
  const std::string path = write(
      "swapped.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", floats));
  const compress::WeightsFile file = compress::WeightsFile::open(path);
  fs::remove(path);
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  const compress::Matrix m = file.read_matrix(file.tensors().at(0).name);
  EXPECT_EQ(m(0, 0), 1.0f);
  EXPECT_EQ(m(0, 1), 2.0f);
  fs::remove(path);
}

}  // namespace
}  // namespace trnsim

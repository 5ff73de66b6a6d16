// One schedule, two targets: every kernel of the library, emitted as NKI Python and executed
// against the numpy stand-in of neuronxcc.nki (python/trnsim_nki, numerics mode), gives the
// simulator's result from the same bf16 inputs and the same multiset of ISA-level operations
// with the same tile shapes as the simulator's instruction stream, each compute operation on
// the simulator's engine; and the same file in the nki namespace's layout runs like it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "kernels/nki/nki_backend.h"
#include "kernels/nki/nki_file.h"
#include "sim/run/kernel_run.h"
#include "tests/kernel_cases.h"
#include "tests/operation_multiset.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::Operations;
using testing::simulated_operations;
using testing::temp_path;

void write_floats(const std::string& path, const std::vector<float>& v) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

std::vector<float> read_floats(const std::string& path, size_t count) {
  std::vector<float> v(count);
  std::ifstream(path, std::ios::binary)
      .read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(count * 4));
  return v;
}

// What the stand-in made of one emitted file: the output, and the operations (with and without
// their engines) it recorded.
struct StandInRun {
  std::vector<float> output;
  Operations operations, engines;
};

// Emits the kernel case in `api`, and runs the file on the stand-in with the simulator's inputs.
StandInRun run_on_stand_in(const testing::KernelCase& c, const run::KernelRunOutput& sim,
                           nki::NkiApi api) {
  const std::string kernel_file = temp_path(c.kernel + ".py");
  std::ofstream(kernel_file) << nki::emit_nki_file(
      find_kernel(c.kernel), c.shape, c.params, Dtype::bf16,
      testing::trn1().sbuf.usable_bytes_per_partition(), api);
  std::string command = "PYTHONPATH=" + std::string(TRNSIM_SOURCE_DIR) +
                        "/python /usr/bin/python3 -m trnsim_nki run-emitted " + kernel_file;
  size_t output_size = 0;
  for (size_t t = 0; t < sim.program.tensors.size(); ++t) {
    const isa::TensorRole role = sim.program.tensors[t].role;
    if (role == isa::TensorRole::output) output_size = sim.hbm[t].size();
    if (role != isa::TensorRole::input) continue;
    const std::string path = temp_path("input" + std::to_string(t) + ".f32");
    write_floats(path, sim.hbm[t]);
    command += " " + path;
  }
  const std::string out_file = temp_path("out.f32"), ops_file = temp_path("ops.json");
  const std::string engines_file = temp_path("engines.json");
  command += " --output " + out_file + " --operations " + ops_file + " --engines " +
             engines_file + " --opcodes ";
  for (const isa::OpcodeInfo& row : isa::opcode_table()) command += std::string(row.name) + ",";
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
  return {read_floats(out_file, output_size),
          nlohmann::json::parse(std::ifstream(ops_file)).get<Operations>(),
          nlohmann::json::parse(std::ifstream(engines_file)).get<Operations>()};
}

TEST(NkiEmission, EveryKernelRunsOnTheNumpyStandInLikeTheSimulator) {
  for (const testing::KernelCase& c : testing::kernel_cases()) {
    SCOPED_TRACE(c.kernel + " " + std::to_string(c.shape.begin()->second));
    // 1. The simulator, with numerics.
    const run::KernelRunOutput sim = testing::run_case(c, testing::trn1());

    // 2. The same schedule as NKI Python, run by the stand-in on the same inputs.
    const StandInRun emitted = run_on_stand_in(c, sim, nki::NkiApi::v0_1);

    // 3. Same result, within the rounding both sides may do differently (fp32 summation order
    //    can move a bf16 rounding): twice the error bound of one side.
    int output = -1;
    for (size_t t = 0; t < sim.program.tensors.size(); ++t)
      if (sim.program.tensors[t].role == isa::TensorRole::output) output = static_cast<int>(t);
    const std::vector<float>& expected = sim.hbm[output];
    ASSERT_EQ(emitted.output.size(), expected.size());
    double diff = 0;
    for (size_t i = 0; i < expected.size(); ++i)
      diff = std::max(diff, std::fabs(static_cast<double>(emitted.output[i]) - expected[i]));
    EXPECT_LE(diff, 2 * c.bound(sim.program, sim.hbm, sim.max_abs_reference));

    // 4. The same operations with the same shapes, 5. each compute operation on the engine the
    //    simulator ran it on: the emitted call names every engine NKI lets a kernel choose
    //    (none is "unknown", left to the compiler), and NKI fixes the others.
    EXPECT_EQ(emitted.operations, simulated_operations(sim.program));
    EXPECT_EQ(emitted.engines, testing::simulated_engines(sim.program));

    // 6. The nki namespace's layout (--nki-api 0.3), on the stand-in of that namespace: the
    //    same operations on the same engines as the 0.1 file, and the same output value for
    //    value (the first matmul into PSUM overwrites instead of adding to zeros, which
    //    changes no value but the sign of a zero, hence == on floats).
    const StandInRun v0_3 = run_on_stand_in(c, sim, nki::NkiApi::v0_3);
    EXPECT_EQ(v0_3.operations, emitted.operations);
    EXPECT_EQ(v0_3.engines, emitted.engines);
    ASSERT_EQ(v0_3.output.size(), emitted.output.size());
    size_t differing = 0;
    for (size_t i = 0; i < emitted.output.size(); ++i)
      differing += !(v0_3.output[i] == emitted.output[i]);
    EXPECT_EQ(differing, 0u);
  }
}

TEST(NkiEmission, TutorialOptimizedIsShortAndKeepsItsLoops) {
  const std::string text =
      nki::emit_nki_file(find_kernel("matmul_optimized"), {{"M", 4096}, {"K", 8192}, {"N", 8192}},
                         {}, Dtype::bf16, testing::trn1().sbuf.usable_bytes_per_partition());
  std::istringstream in(text);
  std::string line;
  int lines = 0, affine = 0, sequential = 0;
  while (std::getline(in, line)) {
    ++lines;
    affine += line.find("nl.affine_range(") != std::string::npos;
    sequential += line.find("nl.sequential_range(") != std::string::npos;
  }
  EXPECT_LT(lines, 200);
  // The tutorial kernel's loop nest: n; m, bm, bn (zeroing); k (sequential); bk_r; m; bk_l; bn;
  // bm; bk; then m, bm, bn for the packed stores: 13 affine loops and 1 sequential one.
  EXPECT_EQ(affine, 13);
  EXPECT_EQ(sequential, 1);
}

TEST(NkiEmission, TheHarnessChecksAPlainCallAndBenchmarksApart) {
  // `python3 KERNEL.py`, as on a trn1, against the stand-in: its nki.benchmark returns NaN (the
  // SDK: the output is "undefined and should not be used for numerical accuracy checks") and
  // refuses a trace name unless the NEFF is "file.neff" (the SDK's known issue). So a finite
  // error within the kernel's fp32 bound shows the accuracy came from the plain call, and the
  // run getting through shows the names follow the rule.
  const std::string dir = testing::fresh_dir("harness");
  std::ofstream(dir + "/matmul_tile.py") << nki::emit_nki_file(
      find_kernel("matmul_tile"), {{"K", 64}, {"M", 32}, {"N", 48}}, {}, Dtype::fp32,
      testing::trn1().sbuf.usable_bytes_per_partition());
  const std::string py = std::string(TRNSIM_SOURCE_DIR) + "/python";
  const std::string command = "cd " + dir + " && TRNSIM_STANDIN_CALLS=calls.jsonl PYTHONPATH=" +
                              py + ":" + py + "/trnsim_nki/numerics /usr/bin/python3 " +
                              "matmul_tile.py > out.txt 2>&1";
  const int status = std::system(command.c_str());
  const std::string out = testing::read_text(dir + "/out.txt");
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  const std::string key = "max |result - numpy| = ";
  const size_t at = out.find(key);
  ASSERT_NE(at, std::string::npos) << out;
  const double error = std::stod(out.substr(at + key.size()));
  // fp32 products of |values| < 1 summed over K = 64: at most 64 x 2^-24 x 64.
  EXPECT_LE(error, 64 * 64.0 / (1 << 24)) << out;
  // One benchmark call after the plain one (which is not a device-run decorator), named as the
  // SDK asks.
  std::ifstream calls(dir + "/calls.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(calls, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["decorator"], "benchmark");
  EXPECT_EQ(lines[0]["options"]["save_neff_name"], "file.neff");
  EXPECT_EQ(lines[0]["options"]["save_trace_name"], "matmul_tile.ntff");
  std::filesystem::remove_all(dir);
}

TEST(NkiEmission, ABypassedAluOpIsWrittenWithoutAnOperatorNkiLacks) {
  // NKI has no bypass operator (nl.copy is not one). tensor_scalar with op0 bypassed is op1
  // alone; with both bypassed a copy, written as a multiply by 1 so it stays a tensor_scalar.
  nki::NkiBackend b("k", 1 << 16);
  const TensorRef x = b.sbuf_tile("x", {}, 128, 64, Dtype::fp32, 1);
  const TensorRef y = b.sbuf_tile("y", {}, 128, 64, Dtype::fp32, 1);
  b.tensor_scalar(y.all(), x.all(), ScalarOp{}, ScalarOp{AluOp::add, 2.0f}, Engine::vector);
  b.tensor_scalar(y.all(), x.all(), ScalarOp{}, ScalarOp{}, Engine::scalar);
  const std::string text = b.kernel_source();
  EXPECT_NE(text.find("nisa.tensor_scalar(x, op0=nl.add, operand0=2.0, "
                      "engine=nisa.vector_engine"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nisa.tensor_scalar(x, op0=nl.multiply, operand0=1.0, "
                      "engine=nisa.scalar_engine"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("nl.copy"), std::string::npos) << text;
  EXPECT_TRUE(testing::throws_user_error(
      [&] { b.tensor_tensor(y.all(), x.all(), x.all(), AluOp::bypass, Engine::vector); },
      "NKI emission: AluOp bypass has no NKI operator"));
}

}  // namespace
}  // namespace trnsim

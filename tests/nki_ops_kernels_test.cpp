// The project's NKI test kernels for the operations beyond the matmul tutorials
// (tests/nki_kernels/elementwise_ops.py, reductions.py, scan_reciprocal.py, iota_select.py,
// shared_constant.py), each run three ways on the same inputs: its reference() (plain numpy,
// float64, written apart from the kernel), the numpy stand-in of neuronxcc.nki (`python3 -m
// trnsim_nki run-emitted`), and the tracer replayed on the SimBackend and simulated with
// numerics. Both must match the reference, and the stand-in's operations must be the
// simulator's instructions (the same lowering in both modes).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sim/config/hw_config_loader.h"
#include "sim/model/neuron_core.h"
#include "sim/run/nki_run.h"
#include "tests/cli_runner.h"
#include "tests/operation_multiset.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::temp_path;

struct Input {
  std::string name;
  int64_t rows, cols;
  float first, step;  // value i (row-major) is first + step * ((i * 37) % 101): no order bias
};

struct KernelCase {
  std::string file;
  std::vector<Input> inputs;
  int64_t out_cols;
};

std::vector<float> values(const Input& in) {
  std::vector<float> v(static_cast<size_t>(in.rows * in.cols));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = in.first + in.step * static_cast<float>((i * 37) % 101);
  return v;
}

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

std::string kernel_path(const std::string& file) {
  return std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/" + file;
}

// x in [0.1, 2.1] (log, rsqrt, sqrt defined), y in [-3, -0.45] and [0.45, 3] (away from 0: the
// 101 values step 0.06 from -3.03), s in [0.5, 2.5]; the scan's a in [0.1, 0.98], so that
// h[i] = a[i] h[i-1] + b[i] stays bounded.
const std::vector<KernelCase>& cases() {
  static const std::vector<KernelCase> all = {
      {"elementwise_ops.py",
       {{"x", 128, 64, 0.1f, 0.02f}, {"y", 128, 64, -3.03f, 0.06f}, {"s", 128, 1, 0.5f, 0.02f}},
       40 * 64},
      {"reductions.py", {{"x", 128, 256, -2.0f, 0.04f}}, 6 + 256},
      {"scan_reciprocal.py",
       {{"a", 128, 256, 0.1f, 0.0088f}, {"b", 128, 256, -1.0f, 0.02f}, {"h", 128, 1, 0.5f, 0.01f}},
       3 * 256 + 2 * 64},
      {"iota_select.py", {{"x", 128, 64, -1.0f, 0.02f}}, 3 * 64},
      {"shared_constant.py", {{"x", 128, 64, -1.0f, 0.02f}}, 64}};
  return all;
}

// The largest error relative to max(1, |expected|); a NaN anywhere (memory nobody wrote) is
// an infinite error.
double max_rel_err(const std::vector<float>& got, const std::vector<float>& expected) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(double{got[i]} - expected[i]) /
                       std::max(1.0, std::fabs(double{expected[i]}));
    if (std::isnan(err)) return INFINITY;
    worst = std::max(worst, err);
  }
  return worst;
}

TEST(NkiOpsKernels, StandInAndSimulatorMatchTheNumpyReference) {
  const HwConfig hw = testing::trn1();
  for (const KernelCase& c : cases()) {
    SCOPED_TRACE(c.file);
    // 1. The inputs, as raw float32 files in the kernel's parameter order.
    std::vector<std::vector<float>> inputs;
    std::string command = "PYTHONPATH=" + std::string(TRNSIM_SOURCE_DIR) +
                          "/python /usr/bin/python3 -m trnsim_nki run-emitted " +
                          kernel_path(c.file);
    for (const Input& in : c.inputs) {
      inputs.push_back(values(in));
      const std::string path = temp_path(in.name + ".f32");
      write_floats(path, inputs.back());
      command += " " + path;
    }
    // 2. The numpy stand-in and the reference.
    const std::string out = temp_path("ops_out.f32"), ref = temp_path("ops_ref.f32"),
                      ops = temp_path("ops.json");
    command += " --output " + out + " --reference " + ref + " --operations " + ops;
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
    const size_t n = static_cast<size_t>(128 * c.out_cols);
    const std::vector<float> reference = read_floats(ref, n), stand_in = read_floats(out, n);
    // fp32 against float64: a few roundings of 2^-24 each, far below 1e-5.
    EXPECT_LE(max_rel_err(stand_in, reference), 1e-5);

    // 3. The tracer, replayed on the SimBackend, simulated with numerics.
    const std::string trace = temp_path("ops.jsonl");
    run::trace_nki_file(kernel_path(c.file), trace);
    const isa::Program program = run::build_trace_program(nki::TraceKernel::load(trace), hw);
    std::vector<std::vector<float>> hbm = inputs;
    hbm.resize(program.tensors.size());
    model::SimulationOptions options;
    options.numerics = true;
    model::simulate(program, hw, options, &hbm);
    ASSERT_EQ(program.tensors[c.inputs.size()].role, isa::TensorRole::output);
    EXPECT_LE(max_rel_err(hbm[c.inputs.size()], reference), 1e-5);

    // 4. The same operations with the same shapes in both modes.
    EXPECT_EQ(nlohmann::json::parse(std::ifstream(ops)).get<testing::Operations>(),
              testing::simulated_operations(program));
  }
}

int count(const isa::Program& p, Engine e, isa::Opcode op) {
  int n = 0;
  for (const isa::Instruction& in : p.stream(isa::compute_stream(e))) n += in.op == op;
  return n;
}

// The engine of an nl.* call is the hardware config's nki_engine entry (assumed Vector for
// arithmetic); an explicit engine= wins over it.
TEST(NkiOpsKernels, EngineChoiceComesFromTheConfigTable) {
  const std::string trace = temp_path("engines.jsonl");
  run::trace_nki_file(kernel_path("elementwise_ops.py"), trace);
  const nki::TraceKernel kernel = nki::TraceKernel::load(trace);
  HwConfig hw = testing::trn1();
  const isa::Program vector = run::build_trace_program(kernel, hw);
  apply_override(hw, "nki_engine.add=gpsimd");
  const isa::Program gpsimd = run::build_trace_program(kernel, hw);
  using isa::Opcode;
  // Tile + tile with nl.add: `nl.add(xt, yt)` and `xt + yt` -> 2 TENSOR_TENSOR; tile + number:
  // `nl.add(xt, 0.5)` -> 1 TENSOR_SCALAR. The one GpSimd TENSOR_SCALAR written with
  // engine=nisa.gpsimd_engine is there in both programs.
  EXPECT_EQ(count(gpsimd, Engine::gpsimd, Opcode::tensor_tensor) -
                count(vector, Engine::gpsimd, Opcode::tensor_tensor),
            2);
  EXPECT_EQ(count(gpsimd, Engine::gpsimd, Opcode::tensor_scalar), 2);
  EXPECT_EQ(count(vector, Engine::gpsimd, Opcode::tensor_scalar), 1);
  EXPECT_EQ(count(vector, Engine::scalar, Opcode::tensor_copy), 1);  // engine=scalar_engine
  EXPECT_EQ(vector.instruction_count(), gpsimd.instruction_count());
}

TEST(NkiOpsKernels, AnUnknownLoweringOrEngineIsOneLine) {
  const std::string trace = temp_path("lowering.jsonl");
  const std::string view = "[0, [], 0, 128, 0, 64]";
  std::ofstream(trace)
      << "{\"format\": \"trnsim-nki-trace\", \"version\": 2, \"kernel\": \"k\"}\n"
      << "{\"event\": \"tile\", \"id\": 0, \"name\": \"t\", \"site\": \"k.py:3\", "
         "\"memory\": \"sbuf\", \"dtype\": \"fp32\", \"block_dims\": [], \"partitions\": 128, "
         "\"free\": 64, \"bufs\": 1}\n"
      << "{\"event\": \"tensor_tensor\", \"dst\": " << view << ", \"a\": " << view
      << ", \"b\": " << view
      << ", \"op\": \"add\", \"lowering\": \"nl.frobnicate\", \"at\": \"k.py:4\"}\n";
  EXPECT_TRUE(testing::throws_user_error(
      [&] { run::build_trace_program(nki::TraceKernel::load(trace), testing::trn1()); },
      "k.py:4 (" + trace + ":3): lowering 'nl.frobnicate': no entry nki_engine.frobnicate"));
}

// What the tracer cannot express of these calls stops it with one line naming the kernel file
// and the line of the call (line 8: the body starts at line 7 with `xt = nl.load(x)`).
TEST(NkiOpsKernels, AnUnsupportedUseIsOneLineNamingTheKernelLine) {
  struct Case {
    std::string line, message;
  };
  for (const Case& c : std::vector<Case>{
           {"    y = nl.sum(xt, axis=0)", "nl.sum over axis 0 is not yet supported"},
           {"    y = nl.add(xt, 'a')", "nl.add needs a tile and a tile or a number"},
           {"    y = nl.add(xt, xt[:, 0:2])",
            "nl.add: shapes (128, 64) and (128, 2) do not broadcast"},
           {"    y = nisa.tensor_scalar(xt, nl.add, xt[:, 0:2])",
            "nisa.tensor_scalar operand0 tile has shape (128, 2)"},
           {"    nl.loop_reduce(xt, op=nl.add, loop_indices=[])",
            "nl.loop_reduce: assign the result to the tile it accumulates into"},
           {"    y = nisa.tensor_reduce(nl.add, xt, axis=1, negate=True)",
            "nisa.tensor_reduce with negate=True is not yet supported"}}) {
    SCOPED_TRACE(c.line);
    const std::string file = testing::write(
        "ops_error.py",
        "import neuronxcc.nki as nki\nimport neuronxcc.nki.isa as nisa\n"
        "import neuronxcc.nki.language as nl\n\n@nki.jit\ndef k(x):\n"
        "    xt = nl.load(x)\n" + c.line + "\n    return x\n\n\n"
        "KERNEL = k\nDTYPE = \"float32\"\nINPUT_SHAPES = {\"x\": (128, 64)}\n");
    EXPECT_TRUE(testing::throws_user_error(
        [&] { run::trace_nki_file(file, temp_path("ops_error.jsonl")); },
        file + ":8: " + c.message));
  }
}

}  // namespace
}  // namespace trnsim

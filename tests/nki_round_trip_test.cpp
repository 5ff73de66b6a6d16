// Issue 9's round trip: every kernel of the library, emitted as NKI Python (`trnsim emit-nki`),
// traced by the Python stand-in (python/trnsim_nki, tracing mode) and replayed on the
// SimBackend (`trnsim run-nki`), gives the program `trnsim run --timing-only` builds from the
// C++ kernel. Equal is expected, not just close: the emitted file makes the same Backend calls
// in the same order (loops as nested for_range, tiles declared in the same scopes with the
// same buffer counts, carried by the `# trnsim: bufs=N` comments), so the same SimBackend
// makes the same instructions, waits and placements. The issue asks for a time within 1%;
// the test checks that, the instruction count and multiset, and the whole program exactly.
// With numerics, the same seed gives the same inputs (seed + tensor index, and the tensors are
// declared in the same order), so the same program computes bit-identical outputs; the emitted
// file's numpy reference() then checks them within the bound of tests/kernel_cases.h.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "kernels/nki/nki_file.h"
#include "sim/isa/program_json.h"
#include "sim/model/neuron_core.h"
#include "sim/run/kernel_run.h"
#include "sim/run/nki_numerics.h"
#include "sim/run/nki_run.h"
#include "tests/kernel_cases.h"
#include "tests/cli_runner.h"
#include "tests/operation_multiset.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::simulated_operations;
using testing::temp_path;

// `trnsim emit-nki K` at one case, then `trnsim run-nki` on the file: the file, its trace and
// the replayed program.
struct Emitted {
  std::string file, trace;
  isa::Program program;
};

Emitted emit_and_replay(const testing::KernelCase& c, const HwConfig& hw) {
  Emitted e;
  e.file = temp_path(c.kernel + "_round_trip.py");
  std::ofstream(e.file) << nki::emit_nki_file(find_kernel(c.kernel), c.shape, c.params,
                                              Dtype::bf16, hw.sbuf.usable_bytes_per_partition());
  e.trace = temp_path(c.kernel + "_round_trip.jsonl");
  run::trace_nki_file(e.file, e.trace);
  e.program = run::build_trace_program(nki::TraceKernel::load(e.trace), hw);
  return e;
}

TEST(NkiRoundTrip, EveryEmittedKernelReplaysToTheSameProgramAndTime) {
  const HwConfig hw = testing::trn1();
  for (const testing::KernelCase& c : testing::kernel_cases()) {
    SCOPED_TRACE(c.kernel + " " + std::to_string(c.shape.begin()->second));
    // 1. `trnsim run K --timing-only`.
    const isa::Program direct =
        run::build_kernel_program(find_kernel(c.kernel), hw, c.shape, c.params, Dtype::bf16);

    // 2. `trnsim emit-nki K`, then `trnsim run-nki` on the file.
    const isa::Program replayed = emit_and_replay(c, hw).program;

    // 3. The same instructions, and the same simulated time. The whole program is equal too:
    //    every instruction's operands, addresses, queue and semaphore waits.
    EXPECT_EQ(replayed.instruction_count(), direct.instruction_count());
    EXPECT_EQ(simulated_operations(replayed), simulated_operations(direct));
    EXPECT_TRUE(isa::program_to_json(replayed) == isa::program_to_json(direct));
    const double direct_ns = model::simulate(direct, hw, {}).sim_time_ns;
    const double replayed_ns = model::simulate(replayed, hw, {}).sim_time_ns;
    EXPECT_LE(std::fabs(replayed_ns - direct_ns), 0.01 * direct_ns)
        << replayed_ns << " ns replayed, " << direct_ns << " ns direct";
    EXPECT_EQ(replayed_ns, direct_ns);
  }
}

// With numerics (a test of its own, so that ctest runs it beside the one above).
TEST(NkiRoundTrip, EveryEmittedKernelGivesTheNumericsOfRunOnTheSameSeed) {
  const HwConfig hw = testing::trn1();
  for (const testing::KernelCase& c : testing::kernel_cases()) {
    SCOPED_TRACE(c.kernel + " " + std::to_string(c.shape.begin()->second));
    // `trnsim run K` and `trnsim run-nki` of `emit-nki K`, on the same seed.
    const run::KernelRunOutput cpp = testing::run_case(c, hw, Dtype::bf16, 7);
    const Emitted e = emit_and_replay(c, hw);
    const run::NkiReference reference{e.file, "reference", true,
                                      nki::TraceKernel::load(e.trace).returns(), {}};
    const run::NkiNumerics nki = run::simulate_nki_numerics(
        e.program, hw, {}, run::nki_inputs(e.program, "", 7), reference);
    // Bit-identical HBM contents, inputs and outputs: the same program on the same inputs.
    ASSERT_EQ(nki.hbm.size(), cpp.hbm.size());
    for (size_t t = 0; t < cpp.hbm.size(); ++t)
      EXPECT_TRUE(nki.hbm[t] == cpp.hbm[t]) << "tensor " << e.program.tensors[t].name;
    // And the emitted file's numpy reference() within the bound of tests/kernel_cases.h.
    ASSERT_TRUE(nki.max_abs_err && nki.max_abs_reference);
    EXPECT_GT(*nki.max_abs_reference, c.least_reference);  // a real result, not zeros
    EXPECT_LE(*nki.max_abs_err, c.bound(e.program, nki.hbm, *nki.max_abs_reference));
  }
}

// Kernels written by hand in the NKI tutorial's style (tests/nki_kernels: implicit tiles,
// nl.matmul, nl.zeros in SBUF, tile arrays with block dimensions, SBUF +=) make the C++
// ports' calls in the same scopes (tiles declared inside a loop get the pipeline's 2 buffers
// by default; one comment keeps the optimized kernel's result_tiles in one, as its port
// does), so each gives its port's program.
TEST(NkiRoundTrip, TutorialStyleKernelsGiveTheProgramsOfTheirCppPorts) {
  struct Port {
    std::string file, cpp_kernel;
    Assignments params;
  };
  const Assignments shape = {{"M", 256}, {"K", 512}, {"N", 1024}};  // their INPUT_SHAPES
  const HwConfig hw = testing::trn1();
  for (const Port& port :
       {Port{"matmul_tiled", "matmul_naive", {}}, Port{"matmul_hoisted", "matmul_hoisted", {}},
        Port{"matmul_blocked", "matmul_blocked",
             {{"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 2}}},
        Port{"matmul_fully_optimized", "matmul_optimized",
             {{"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 2}}}}) {
    SCOPED_TRACE(port.file);
    const std::string trace = temp_path(port.file + ".jsonl");
    run::trace_nki_file(std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/" + port.file + ".py",
                        trace);
    const isa::Program replayed = run::build_trace_program(nki::TraceKernel::load(trace), hw);
    isa::Program direct = run::build_kernel_program(find_kernel(port.cpp_kernel), hw, shape,
                                                    port.params, Dtype::bf16);
    direct.name = port.file;
    EXPECT_TRUE(isa::program_to_json(replayed) == isa::program_to_json(direct));
  }
}

// NKI 0.1 replaces Python's range by nl.sequential_range, so a kernel with `range` loops keeps
// its loop scopes (tiles rotate per iteration, not one site per iteration) and its program.
TEST(NkiRoundTrip, PythonRangeLoopsKeepTheirScopes) {
  const HwConfig hw = testing::trn1();
  const std::string original =
      std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/matmul_tiled.py";
  std::string text = testing::read_text(original);
  for (size_t at; (at = text.find("nl.affine_range(")) != std::string::npos;)
    text.replace(at, std::string("nl.affine_range(").size(), "range(");
  const std::string with_range = testing::write("matmul_tiled_range.py", text);
  auto program_of = [&](const std::string& file) {
    const std::string trace = temp_path("range.jsonl");
    run::trace_nki_file(file, trace);
    return isa::program_to_json(run::build_trace_program(nki::TraceKernel::load(trace), hw));
  };
  EXPECT_TRUE(program_of(with_range) == program_of(original));
}

TEST(NkiRoundTrip, ATraceErrorNamesTheTraceLineAndWhatWasExpected) {
  const std::string trace = temp_path("bad.jsonl");
  std::ofstream(trace) << "{\"format\": \"trnsim-nki-trace\", \"version\": 2, "
                          "\"kernel\": \"k\"}\n"
                       << "{\"event\": \"loop_begin\", \"name\": \"i\", \"count\": 2, "
                          "\"kind\": \"affine\"}\n"
                       << "{\"event\": \"iteration\", \"index\": 0}\n"
                       << "{\"event\": \"loop_end\"}\n";
  EXPECT_TRUE(testing::throws_user_error([&] { nki::TraceKernel::load(trace); },
                                         trace + ":4: loop_end: expected 2 iterations"));
  std::ofstream(trace) << "{\"format\": \"other\", \"version\": 1}\n";
  EXPECT_TRUE(testing::throws_user_error([&] { nki::TraceKernel::load(trace); },
                                         trace + ":1: expected the header"));
}

// (NKI itself refuses an index that mixes slices with nl.arange.)
TEST(NkiRoundTrip, AKernelTheTracerCannotExpressNamesItsFileAndLine) {
  const std::string file = temp_path("implicit_tile.py");
  std::ofstream(file) << "import neuronxcc.nki as nki\n"
                         "import neuronxcc.nki.language as nl\n\n"
                         "@nki.jit\n"
                         "def k(a):\n"
                         "    x = nl.load(a[nl.arange(128)[:, None], 0:512])\n"
                         "    return a\n\n"
                         "KERNEL = k\nDTYPE = \"bfloat16\"\nINPUT_SHAPES = {\"a\": (128, 512)}\n";
  EXPECT_TRUE(testing::throws_user_error([&] { run::trace_nki_file(file, temp_path("t.jsonl")); },
                                         file + ":6: the index of 'a' (128, 512) mixes slices "
                                                    "with nl.arange expressions"));
}

}  // namespace
}  // namespace trnsim

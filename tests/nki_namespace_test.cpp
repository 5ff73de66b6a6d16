// The `nki` namespace of NKI 0.2/0.3 (`import nki`, destination-passing `nisa.op(dst, ...)`)
// where it maps onto the calls the NKI 0.1 stand-in traces: tests/nki_kernels/
// matmul_tiled_nki03.py, its 0.1 twin matmul_tiled.py written with destination passing, gives
// the twin's program and time (and so matmul_naive's), and its numerics on the numpy stand-in;
// row_stats_nki03.py the element-wise calls' instructions and engines; nc_matmul's accumulate=
// is checked against the backend's rule; what does not map is one line.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "sim/isa/program_json.h"
#include "sim/run/kernel_run.h"
#include "sim/run/nki_numerics.h"
#include "sim/run/nki_run.h"
#include "tests/cli_runner.h"
#include "tests/kernel_cases.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::temp_path;
using testing::trnsim;

const std::string kKernels = std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/";

nlohmann::json program_of(const std::string& file, const std::string& trace_name) {
  const std::string trace = temp_path(trace_name + ".jsonl");
  run::trace_nki_file(file, trace);
  isa::Program p = run::build_trace_program(nki::TraceKernel::load(trace), testing::trn1());
  p.name = "matmul";  // the kernels' names differ, nothing else may
  return isa::program_to_json(p);
}

double sim_time_ns(const testing::Result& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out).at("sim_time_ns").get<double>();
}

// The 0.3 kernel with the nc_matmul call given one more argument.
std::string with_matmul_option(const std::string& name, const std::string& option) {
  std::string text = testing::read_text(kKernels + "matmul_tiled_nki03.py");
  const std::string call = "nisa.nc_matmul(res_psum, stationary=lhsT_tile, moving=rhs_tile";
  const size_t at = text.find(call);
  EXPECT_NE(at, std::string::npos);
  text.insert(at + call.size(), ", " + option);
  return testing::write(name, text);
}

TEST(NkiNamespace, TheNki03TiledMatmulGivesTheProgramOfItsNki01Twin) {
  const nlohmann::json nki03 = program_of(kKernels + "matmul_tiled_nki03.py", "nki03");
  EXPECT_TRUE(nki03 == program_of(kKernels + "matmul_tiled.py", "nki01"));
  // Both files' INPUT_SHAPES: lhsT 512 x 256, rhs 512 x 1024.
  isa::Program direct = run::build_kernel_program(find_kernel("matmul_naive"), testing::trn1(),
                                                  {{"M", 256}, {"K", 512}, {"N", 1024}}, {},
                                                  Dtype::bf16);
  direct.name = "matmul";
  EXPECT_TRUE(nki03 == isa::program_to_json(direct));
}

// The simulator's numerics (run-nki without --timing-only): on one seed both files get the same
// inputs and, being one program, compute bit-identical HBM contents; the 0.3 file's reference()
// (lhsT.T @ rhs) is met within matmul_naive's bound of tests/kernel_cases.h (fp32 accumulation
// of K products, one rounding to bf16).
TEST(NkiNamespace, SimulatedNumericsAreTheTwinsAndMeetTheReference) {
  const HwConfig hw = testing::trn1();
  auto numerics = [&](const std::string& file, const std::string& name) {
    const std::string trace = temp_path(name + ".jsonl");
    run::trace_nki_file(file, trace);
    const nki::TraceKernel traced = nki::TraceKernel::load(trace);
    const isa::Program program = run::build_trace_program(traced, hw);
    run::NkiNumerics n = run::simulate_nki_numerics(
        program, hw, {}, run::nki_inputs(program, "", 7),
        {file, "reference", false, traced.returns(), {}});
    return std::make_pair(program, n);
  };
  const auto [program, nki03] = numerics(kKernels + "matmul_tiled_nki03.py", "num03");
  const auto [twin_program, nki01] = numerics(kKernels + "matmul_tiled.py", "num01");
  ASSERT_EQ(nki03.hbm.size(), nki01.hbm.size());
  for (size_t t = 0; t < nki03.hbm.size(); ++t)
    EXPECT_TRUE(nki03.hbm[t] == nki01.hbm[t]) << "tensor " << program.tensors[t].name;
  ASSERT_TRUE(nki03.max_abs_err && nki03.max_abs_reference);
  EXPECT_GT(*nki03.max_abs_reference, 1.0);  // a real result, not zeros
  EXPECT_LE(*nki03.max_abs_err,
            testing::matmul_bound(1)(program, nki03.hbm, *nki03.max_abs_reference));
}

// 0.3 keeps tiles that live together in Python lists (one declared per iteration, read after
// the loop); the tracer makes each list the tile array of the 0.1 twin, so
// matmul_hoisted_nki03.py and matmul_fully_optimized_nki03.py (nested lists, SBUF accumulation
// by nisa.tensor_tensor) give their 0.1 twins' programs, which are the C++ ports'.
TEST(NkiNamespace, ListsOfTilesBecomeTheTileArraysOfThe01Twin) {
  struct Twin {
    std::string file, cpp_kernel;
    Assignments params;
  };
  for (const Twin& twin :
       {Twin{"matmul_hoisted", "matmul_hoisted", {}},
        Twin{"matmul_fully_optimized", "matmul_optimized",
             {{"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 2}}}}) {
    SCOPED_TRACE(twin.file);
    const nlohmann::json nki03 = program_of(kKernels + twin.file + "_nki03.py", "lists03");
    EXPECT_TRUE(nki03 == program_of(kKernels + twin.file + ".py", "lists01"));
    isa::Program direct =
        run::build_kernel_program(find_kernel(twin.cpp_kernel), testing::trn1(),
                                  {{"M", 256}, {"K", 512}, {"N", 1024}}, twin.params, Dtype::bf16);
    direct.name = "matmul";
    EXPECT_TRUE(nki03 == isa::program_to_json(direct));
  }
  // A list of PSUM tiles kept after its loop has no tile array to become (PSUM has no block
  // dimensions here): one line at the declaration.
  const std::string psum = testing::write(
      "nki03_psum_list.py",
      "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n@nki.jit\n"
      "def k(a):\n    ps = []\n    for i in nl.affine_range(2):\n"
      "        ps.append(nl.ndarray((128, 512), nl.float32, nl.psum))\n"
      "        nisa.memset(ps[i], 0.0)\n    nisa.memset(ps[0], 1.0)\n    return a\n\n\n"
      "KERNEL = k\nDTYPE = \"bfloat16\"\nINPUT_SHAPES = {\"a\": (128, 512)}\n");
  testing::expect_one_line_error(trnsim("run-nki " + psum + " --timing-only"), 1,
                                 psum + ":10: a list of psum tiles kept after their loop is not "
                                        "yet supported");
}

// As NkiCli.RunNkiTakesTheKernelsInputsAsArgs does for the 0.1 twin.
TEST(NkiNamespace, RunNkiOfTheNki03KernelGivesTheTimeOfMatmulNaive) {
  const double direct =
      sim_time_ns(trnsim("run matmul_naive --shape M=128,K=256,N=512 --timing-only --json"));
  const std::string args = " --arg lhsT=256x128:bf16 --arg rhs=256x512:bf16 --timing-only --json";
  EXPECT_EQ(sim_time_ns(trnsim("run-nki " + kKernels + "matmul_tiled_nki03.py" + args)), direct);
  EXPECT_EQ(sim_time_ns(trnsim("run-nki " + kKernels + "matmul_tiled.py:matmul_tiled" + args)),
            direct);
}

// tests/nki_kernels/spmd_rows_nki03.py over a grid of 4, as NkiCli.AnSpmdGridRunsEveryProgram-
// SeriallyOnOneCore runs its 0.1 twin: 4 x (load, tensor_scalar, store) = 12 instructions, the
// 512 x 512 bf16 x read once and out written once (524,288 bytes each), the twin's time.
TEST(NkiNamespace, AnSpmdGridRunsAsItsNki01TwinDoes) {
  const std::string args = " --arg x=512x512:bf16 --grid 4 --timing-only --json";
  const testing::Result r = trnsim("run-nki " + kKernels + "spmd_rows_nki03.py:scale_rows_nki03" +
                                   args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json s = nlohmann::json::parse(r.out);
  EXPECT_EQ(s.at("instructions"), 12);
  EXPECT_EQ(s.at("hbm_read_bytes"), 524288);
  EXPECT_EQ(s.at("hbm_write_bytes"), 524288);
  EXPECT_EQ(s.at("sim_time_ns").get<double>(),
            sim_time_ns(trnsim("run-nki " + kKernels + "spmd_rows.py:scale_rows" + args)));
}

// The backend overwrites with the first matmul into a fresh PSUM tile and accumulates the
// others (0.2's rule, 0.3's accumulate=None): accumulate=(k > 0) says the same, so the same
// program; True on the first matmul (undefined in NKI) and False on a later one (an overwrite
// the backend cannot make) stop the trace at the call's line (line 34 of the file).
TEST(NkiNamespace, AccumulateIsCheckedAgainstTheBackendsRule) {
  const std::string twin = kKernels + "matmul_tiled.py";
  EXPECT_TRUE(program_of(with_matmul_option("nki03_k0.py", "accumulate=(k > 0)"), "k0") ==
              program_of(twin, "nki01"));
  const std::string always = with_matmul_option("nki03_true.py", "accumulate=True");
  testing::expect_one_line_error(trnsim("run-nki " + always + " --timing-only"), 1,
                                 always + ":34: nisa.nc_matmul(accumulate=True) onto a PSUM "
                                          "region no matmul has written since its allocation");
  const std::string never = with_matmul_option("nki03_false.py", "accumulate=False");
  testing::expect_one_line_error(trnsim("run-nki " + never + " --timing-only"), 1,
                                 never + ":34: nisa.nc_matmul(accumulate=False) onto a PSUM "
                                         "region a matmul has already written");
}

// A partition-first tile (128, 2, 512) is one tile of 128 partitions x 1024 free elements (0.3
// has no block dimensions: the 0.1 tracer's reading of a shape without nl.par_dim), and
// t[0:128, 1, 0:256] the free range 1 x 512 + 0 .. + 256; t[:, 0:2, 0:256] is two runs of 256
// elements 512 apart.
TEST(NkiNamespace, APartitionFirstTileIsOneTileWithItsFreeAxesFlattened) {
  const std::string file = testing::write(
      "nki03_free_axes.py",
      "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n@nki.jit\n"
      "def k(a):\n"
      "    t = nl.ndarray((128, 2, 512), dtype=a.dtype, buffer=nl.sbuf)\n"
      "    nisa.dma_copy(dst=t[0:128, 1, 0:256], src=a[0:128, 0:256])\n"
      "    nisa.dma_copy(dst=t[:, 0, :], src=a[0:128, 0:512])\n"
      "    nisa.dma_copy(dst=t[:, 0:2, 0:256], src=a[0:128, 0:512])\n"
      "    return a\n\n\nKERNEL = k\nDTYPE = \"bfloat16\"\nINPUT_SHAPES = {\"a\": (128, 512)}\n");
  const std::string trace = temp_path("free_axes.jsonl");
  run::trace_nki_file(file, trace);
  std::ifstream in(trace);
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(in, line);) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 6u);  // header, hbm a, tile t, three dma_copy
  EXPECT_EQ(events[2].at("partitions"), 128);
  EXPECT_EQ(events[2].at("free"), 1024);
  EXPECT_EQ(events[2].at("block_dims"), nlohmann::json::array());
  // A view is [tensor, [block...], p0, np, f0, nf(, partition_stride, free_dims)].
  EXPECT_EQ(events[3].at("dst"), nlohmann::json::parse("[1, [], 0, 128, 512, 256]"));
  EXPECT_EQ(events[4].at("dst"), nlohmann::json::parse("[1, [], 0, 128, 0, 512]"));
  EXPECT_EQ(events[5].at("dst"),
            nlohmann::json::parse("[1, [], 0, 128, 0, 512, null, [[512, 2], [1, 256]]]"));
}

// tests/nki_kernels/row_stats_nki03.py on a 256 x 256 bf16 x: per 128-row tile (2), a load and
// a store (DMA), the copy into the pair tile, the reduce over both of its free axes and the
// tensor_tensor (Vector: 3), exp (activation) and the tensor_scalar, whose engine is left to the
// compiler and so is hwconfig/trn1.yaml's nki_engine.tensor_scalar (Scalar: 2), and the copy of
// the row sums with engine=gpsimd (GpSimd): 16 instructions. x is read once (256 x 256 x 2 bytes)
// and the 256 x 513 output written once (x 2 bytes).
TEST(NkiNamespace, TheElementwiseCallsMapOntoTheirInstructionsAndEngines) {
  const testing::Result r =
      trnsim("run-nki " + kKernels + "row_stats_nki03.py --timing-only --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json s = nlohmann::json::parse(r.out);
  EXPECT_EQ(s.at("instructions"), 16);
  EXPECT_EQ(s.at("engines").at("DMA").at("instructions"), 4);
  EXPECT_EQ(s.at("engines").at("Vector").at("instructions"), 6);
  EXPECT_EQ(s.at("engines").at("Scalar").at("instructions"), 4);
  EXPECT_EQ(s.at("engines").at("GpSimd").at("instructions"), 2);
  EXPECT_EQ(s.at("hbm_read_bytes"), 256 * 256 * 2);
  EXPECT_EQ(s.at("hbm_write_bytes"), 256 * 513 * 2);
  // With numerics, against the file's reference(): every output is one bf16 rounding (2^-8 of
  // the largest |reference|) of fp32 values; the row sums add 512 terms, each |x| + e below
  // 1 + e^0.5 < 2.65, within 512 x 2^-24 x 512 x 2.65 < 0.05.
  const testing::Result n = trnsim("run-nki " + kKernels + "row_stats_nki03.py --json");
  ASSERT_EQ(n.exit_code, 0) << n.err;
  const nlohmann::json checked = nlohmann::json::parse(n.out);
  const double reference = checked.at("max_abs_reference").get<double>();
  EXPECT_GT(reference, 1.0);
  EXPECT_LE(checked.at("max_abs_err").get<double>(),
            testing::kBf16 * reference * (1 + 1.0 / 128) + 0.05);
}

// nisa.dma_transpose(dst=, src=) of a 2-D HBM tensor into SBUF is 0.1's nl.load_transpose2d:
// the same program, and the transposed values unchanged (a reference a.T met exactly).
TEST(NkiNamespace, DmaTransposeIsLoadTranspose2d) {
  const std::string tail = "    return out\n\n\ndef reference(a):\n    return a.T\n";
  const std::string nki01 = testing::write(
      "nki01_transpose.py",
      "import neuronxcc.nki as nki\nimport neuronxcc.nki.language as nl\n\n\n@nki.jit\n"
      "def k(a):\n    out = nl.ndarray((64, 128), dtype=a.dtype, buffer=nl.shared_hbm)\n"
      "    t = nl.load_transpose2d(a[0:128, 0:64])\n    nl.store(out, value=t)\n" + tail);
  const std::string nki03 = testing::write(
      "nki03_transpose.py",
      "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n@nki.jit\n"
      "def k(a):\n    out = nl.ndarray((64, 128), dtype=a.dtype, buffer=nl.shared_hbm)\n"
      "    t = nl.ndarray((64, 128), dtype=a.dtype, buffer=nl.sbuf)\n"
      "    nisa.dma_transpose(dst=t, src=a[0:128, 0:64])\n    nisa.dma_copy(dst=out, src=t)\n" +
          tail);
  auto program = [](const std::string& file) {
    const std::string trace = temp_path("transpose.jsonl");
    run::trace_nki_file(file + ":k", trace, {"a=128x64:bf16"});
    isa::Program p = run::build_trace_program(nki::TraceKernel::load(trace), testing::trn1());
    return isa::program_to_json(p);
  };
  EXPECT_TRUE(program(nki03) == program(nki01));
  const testing::Result r = trnsim("run-nki " + nki03 + ":k --arg a=128x64:bf16 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("max_abs_err").get<double>(), 0.0);
}

// 0.3's nl.load(src, dtype=) and nl.store(dst, value) are 0.1's: the same program, and the
// values unchanged (bf16 widened to fp32 exactly: a reference returning the input is met).
TEST(NkiNamespace, LoadAndStoreAreThe01Calls) {
  const std::string body =
      "\n\n@nki.jit\ndef k(a):\n"
      "    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)\n"
      "    t = nl.load(a[0:128, 0:512], dtype=nl.float32)\n    nl.store(out, value=t)\n"
      "    return out\n\n\ndef reference(a):\n    return a\n";
  const std::string nki01 = testing::write(
      "nki01_load.py", "import neuronxcc.nki as nki\nimport neuronxcc.nki.language as nl\n" + body);
  const std::string nki03 =
      testing::write("nki03_load.py", "import nki\nimport nki.language as nl\n" + body);
  auto program = [](const std::string& file) {
    const std::string trace = temp_path("load.jsonl");
    run::trace_nki_file(file + ":k", trace, {"a=128x512:bf16"});
    return isa::program_to_json(
        run::build_trace_program(nki::TraceKernel::load(trace), testing::trn1()));
  };
  EXPECT_TRUE(program(nki03) == program(nki01));
  const testing::Result r = trnsim("run-nki " + nki03 + ":k --arg a=128x512:bf16 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("max_abs_err").get<double>(), 0.0);
}

// tests/nki_namespace_numerics.py: the tiled matmul against numpy and its 0.1 twin, and
// row_stats_nki03.py against numpy, each within a bound derived there.
TEST(NkiNamespace, TheNumpyStandInRunsItAgainstNumpyAndItsTwin) {
  const std::string command = "PYTHONPATH=" + std::string(TRNSIM_SOURCE_DIR) +
                              "/python /usr/bin/python3 " + std::string(TRNSIM_SOURCE_DIR) +
                              "/tests/nki_namespace_numerics.py > " + temp_path("numerics.out");
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << testing::read_text(temp_path("numerics.out"));
}

// trnsim.simulate (python/trnsim) takes a kernel of the nki namespace as it takes a 0.1 one:
// tests/python/simulate_nki03_test.py checks the result against numpy and the 0.1 twin, and
// prints the time, which is matmul_naive's at that shape (M=128, K=256, N=512).
TEST(NkiNamespace, ThePythonApiSimulatesAnNki03Kernel) {
  const std::string out = temp_path("simulate_nki03.out");
  const std::string command = "PYTHONPATH=" + std::string(TRNSIM_SOURCE_DIR) +
                              "/python TRNSIM_BINARY=" + testing::trnsim_binary() +
                              " /usr/bin/python3 " + std::string(TRNSIM_SOURCE_DIR) +
                              "/tests/python/simulate_nki03_test.py > " + out;
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << testing::read_text(out);
  EXPECT_EQ(std::stod(testing::read_text(out)),
            sim_time_ns(trnsim("run matmul_naive --shape M=128,K=256,N=512 --timing-only "
                               "--json")));
}

TEST(NkiNamespace, WhatDoesNotMapIsOneLineNamingTheKernelsLine) {
  auto kernel = [](const std::string& name, const std::string& line) {
    return testing::write(name, "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n"
                                "\n\n@nki.jit\ndef k(a):\n" + line + "\n    return a\n\n\n"
                                "KERNEL = k\nDTYPE = \"bfloat16\"\nINPUT_SHAPES = {\"a\": "
                                "(128, 512)}\n");
  };
  const std::string iota = kernel("nki03_iota.py", "    nisa.iota(a, [[1, 512]])");
  testing::expect_one_line_error(trnsim("run-nki " + iota + " --timing-only"), 1,
                                 iota + ":8: nisa.iota is not yet supported");
  const std::string placed = kernel(
      "nki03_address.py", "    t = nl.ndarray((128, 4), nl.float32, nl.sbuf, address=(0, 0))");
  testing::expect_one_line_error(trnsim("run-nki " + placed + " --timing-only"), 1,
                                 placed + ":8: nl.ndarray with address= (direct allocation) "
                                          "is not yet supported");
  const std::string arange = kernel("nki03_arange.py", "    i = nl.arange(128)[:, None]");
  testing::expect_one_line_error(trnsim("run-nki " + arange + " --timing-only"), 1,
                                 arange + ":8: nl.arange was removed in NKI 0.2");
  const std::string psum_dma = kernel(
      "nki03_psum_dma.py",
      "    p = nl.ndarray((128, 512), nl.float32, nl.psum)\n    nisa.dma_copy(dst=a, src=p)");
  testing::expect_one_line_error(trnsim("run-nki " + psum_dma + " --timing-only"), 1,
                                 psum_dma + ":9: nisa.dma_copy cannot read PSUM");
}

}  // namespace
}  // namespace trnsim

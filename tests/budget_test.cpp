// Hostile sizes (issue 8): a block parameter that wraps a product, a shape or a program whose
// run would take hours and all the memory, a DMA whose descriptor count overflows 32 bits. Each
// is one line and a non-zero exit, decided before the run starts, or a right number.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/checked.h"
#include "kernels/api/footprint.h"
#include "kernels/registry.h"
#include "tests/cli_runner.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::expect_one_line_error;
using testing::trnsim;
using testing::write;

// One HBM -> HBM DMA_COPY of `rows` rows of `cols` bf16 (`dims` the free pattern of both
// sides), between two tensors of that size.
std::string dma_program(const std::string& rows, const std::string& cols,
                        const std::string& dims) {
  const std::string side = "\"partitions\": " + rows + ", \"partition_stride\": " + cols +
                           ", \"dims\": " + dims;
  return write("dma_" + rows + "_" + cols + ".json",
               "{\"format\": \"trnsim-program\", \"version\": 1, \"name\": \"dma\", "
               "\"tensors\": [{\"name\": \"a\", \"rows\": " + rows + ", \"cols\": " + cols +
                   ", \"dtype\": \"bf16\", \"role\": \"input\"}, {\"name\": \"b\", \"rows\": " +
                   rows + ", \"cols\": " + cols +
                   ", \"dtype\": \"bf16\", \"role\": \"output\"}], \"streams\": {\"qDma0\": "
                   "[{\"op\": \"DMA_COPY\", \"dst\": {\"memory\": \"hbm\", \"tensor\": \"b\", " +
                   side + "}, \"src0\": {\"memory\": \"hbm\", \"tensor\": \"a\", " + side +
                   "}}]}}");
}

TEST(Budget, CheckedArithmeticNamesWhatOverflowed) {
  EXPECT_EQ(checked_mul(int64_t{1} << 31, int64_t{1} << 31, "x"), int64_t{1} << 62);
  EXPECT_TRUE(testing::throws_user_error(
      [] { checked_mul(int64_t{1} << 32, int64_t{1} << 31, "tile 't' bytes"); },
      "tile 't' bytes overflows 64 bits: 4294967296 x 2147483648"));
  EXPECT_TRUE(testing::throws_user_error([] { checked_add(INT64_MAX, 1, "count"); },
                                         "count overflows 64 bits"));
}

TEST(Budget, AHugeBlockParameterIsOneLineNotADivisionByZero) {
  // 144115188075855872 = 2^57: TILE_M (128 = 2^7) x it wrapped to 0 and M % 0 raised SIGFPE.
  for (const char* command : {"run --timing-only", "emit-nki"})
    expect_one_line_error(trnsim(std::string(command) +
                                 " matmul_optimized --param TILES_IN_BLOCK_M=144115188075855872"),
                          1, "parameter TILES_IN_BLOCK_M=144115188075855872 is outside 0..");
  expect_one_line_error(trnsim("tune matmul_optimized --values 144115188075855872"), 1,
                        "none of the");
}

TEST(Budget, EveryKernelSurvivesTheLargestValueOfEachKnob) {
  // 2^31 - 1, the largest value accepted, in every shape key and block parameter of every
  // kernel, one at a time: each run either finishes or fails with one line, quickly.
  for (const KernelSpec& spec : kernel_library())
    for (const Assignments* knobs : {&spec.default_shape, &spec.default_params})
      for (const auto& [key, value] : *knobs) {
        const bool shape = knobs == &spec.default_shape;
        const testing::Result r =
            trnsim("run " + spec.name + (shape ? " --shape " : " --param ") + key +
                   "=2147483647 --timing-only");
        EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << spec.name << " " << key << r.err;
        if (r.exit_code != 0) {
          EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
        }
      }
}

TEST(Budget, ARunawayShapeIsRefusedBeforeBuilding) {
  // matmul_optimized at M=65536, K=65536, N=16384 fits HBM (8 + 2 + 2 GiB of bf16) but makes
  // (65536/128) x (16384/512) x (65536/128) = 8,388,608 matmuls, plus their loads: about 9.7 M
  // instructions x ~500 B each, over the 4 GiB memory budget. Refused from the dry run.
  const auto start = std::chrono::steady_clock::now();
  expect_one_line_error(
      trnsim("run matmul_optimized --shape M=65536,K=65536,N=16384 --timing-only"), 1,
      "(--max-memory-gib)");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1);
  // With a smaller instruction budget the same shape is refused on that count instead.
  expect_one_line_error(trnsim("run matmul_optimized --shape M=65536,K=65536,N=16384 "
                               "--timing-only --max-instructions 1000000"),
                        1, "the budget is 1000000 (--max-instructions)");
}

TEST(Budget, DryRunCountsEachOperationTimesItsLoopTrips) {
  // Two nested loops of 3 and 5 trips around two operations, plus one outside: 3 x 5 x 2 + 1.
  const int64_t n = estimated_operations(1 << 16, [](Backend& b) {
    const TensorRef t = b.sbuf_tile("t", {}, 128, 512, Dtype::bf16, 2);
    const TensorRef x = b.hbm_input("x", 128, 512, Dtype::bf16);
    b.for_range("i", 3, Loop::sequential, [&](Expr) {
      b.for_range("j", 5, Loop::sequential, [&](Expr) {
        b.dma_copy(t.all(), x.all());
        b.memset(t.all(), 0);
      });
    });
    b.memset(t.all(), 1);
  });
  EXPECT_EQ(n, 3 * 5 * 2 + 1);
}

TEST(Budget, ARunawayProgramIsRefusedBeforeSimulating) {
  // 2^40 rows of bf16 in each of two tensors: 4 TiB, over trn1's 16 GiB of HBM.
  expect_one_line_error(trnsim("run-program " + dma_program("1099511627776", "1", "[[1, 1]]")), 1,
                        "hbm.capacity_bytes is 17179869184");
  // 2^30 rows (2 GiB each, fits): one share per 8 rows is 134,217,728 DMA packets, over the
  // 20,000,000 of the budget; before the budget, 86 s and 16 GB of memory.
  const auto start = std::chrono::steady_clock::now();
  const std::string rows30 = dma_program("1073741824", "1", "[[1, 1]]");
  expect_one_line_error(trnsim("run-program " + rows30), 1,
                        "up to 134217728 DMA packets (engine shares); the budget is 20000000");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1);
  // Allowed that many packets, the shares of the one transfer need 134,217,728 x (48 + 72) B.
  expect_one_line_error(
      trnsim("run-program " + rows30 + " --max-dma-packets 200000000 --max-memory-gib 1"), 1,
      "the memory budget is 1073741824 (--max-memory-gib)");
}

TEST(Budget, ADescriptorCountBeyond32BitsIsCountedRight) {
  // One row of 2^31 bf16 read with stride 2 from a row of 2^32: every element is a descriptor
  // of its own, 2^31 = 2147483648 of them, which wrapped to -2147483648 in an int.
  const testing::Result r =
      trnsim("run-program " + dma_program("1", "4294967296", "[[2, 2147483648]]") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"dma_descriptors\":2147483648"), std::string::npos) << r.out;
}

TEST(Budget, ARunPastItsTimeLimitStopsWithOneLine) {
  // matmul_naive at M=32768 simulates for several seconds; a limit of 0.2 s stops it.
  expect_one_line_error(trnsim("run matmul_naive --shape M=32768,K=8192,N=8192 --timing-only "
                               "--max-seconds 0.2"),
                        1, "matmul_naive stopped after its time limit of 0.2 s (--max-seconds");
}

TEST(Budget, ACompareRowOverBudgetIsNamedAndRefusedAtOnce) {
  // Row 2 asks for the runaway shape above; it is refused from its dry run, naming the row.
  const std::string measured = write(
      "huge_rows.json",
      R"({"description": "d", "source": "s", "method": "m", "caveats": "c", "hw": "trn1",
          "dtype": "bf16", "measurements": [
          {"kernel": "matmul_naive", "shape": "M=256,K=512,N=1024", "latency_ms": 1},
          {"kernel": "matmul_optimized", "shape": "M=65536,K=65536,N=16384", "latency_ms": 1}]})");
  const auto start = std::chrono::steady_clock::now();
  expect_one_line_error(trnsim("compare " + measured), 1,
                        "row 2 (matmul_optimized M=65536,K=65536,N=16384): matmul_optimized at "
                        "this shape makes about");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1);
}

TEST(Budget, TheIssuesRunawayCasesRefuseWithinASecondUnder200MB) {
  // Issue 8's reproducers of runaway memory, exactly as filed: the shape grew 50 MB/s until
  // killed, the 2^40-row program 0.5 GiB/s, the compare row ran for minutes. Each must now be
  // one line within 1 s of wall time, at a peak resident memory under 200 MB (wait4's rusage).
  const std::string compare_rows = write(
      "runaway_rows.json",
      R"({"description": "d", "source": "s", "method": "m", "caveats": "c", "hw": "trn1",
          "dtype": "bf16", "measurements": [
          {"kernel": "matmul_optimized", "shape": "M=1048576,K=65536,N=65536",
           "latency_ms": 1}]})");
  const std::vector<std::vector<std::string>> cases = {
      {"run", "matmul_optimized", "--shape", "M=1048576,K=65536,N=65536", "--timing-only"},
      {"run-program", dma_program("1099511627776", "1", "[[1, 1]]")},
      {"compare", compare_rows}};
  for (const std::vector<std::string>& args : cases) {
    const auto start = std::chrono::steady_clock::now();
    const testing::Result r = testing::run_trnsim(args, 20);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    expect_one_line_error(r, 1, "");
    EXPECT_LT(seconds, 1.0) << args[0];
    EXPECT_GT(r.max_rss_kib, 0);
    EXPECT_LT(r.max_rss_kib, 200000000 / 1024) << args[0];  // 200 MB, in KiB
  }
}

}  // namespace
}  // namespace trnsim

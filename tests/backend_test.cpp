// The simulator backend's plain parts: the allocator, hazard tracking, and the program the
// SimBackend builds for a kernel (instruction counts and semaphores derived from the loops).
#include <gtest/gtest.h>

#include "kernels/registry.h"
#include "sim/backend/free_list_allocator.h"
#include "sim/backend/hazard_tracker.h"
#include "sim/backend/sim_backend.h"
#include "sim/model/neuron_core.h"
#include "sim/run/kernel_run.h"
#include "tests/program_builder.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using backend::FreeListAllocator;
using backend::HazardTracker;
using backend::Region;

TEST(FreeListAllocator, FirstFitReleaseAndCoalesce) {
  FreeListAllocator a(1024, 64);
  EXPECT_EQ(*a.allocate(100), 0);    // rounded to 128
  EXPECT_EQ(*a.allocate(64), 128);
  EXPECT_EQ(*a.allocate(512), 192);
  EXPECT_EQ(a.used(), 128 + 64 + 512);
  EXPECT_FALSE(a.allocate(512).has_value());  // 320 left
  a.release(0, 100);
  a.release(128, 64);  // coalesces with [0, 128) into [0, 192)
  EXPECT_EQ(*a.allocate(192), 0);
  EXPECT_EQ(a.peak(), 128 + 64 + 512);
}

Region sbuf_bytes(int64_t begin, int64_t end) { return {Memory::sbuf, -1, 0, 0, begin, end}; }

TEST(HazardTracker, ReadAfterWriteWaitsForTheWriter) {
  HazardTracker h(196608, 16384);
  const isa::Stream q0 = isa::dma_queue_stream(0), vec = testing::vector_stream();
  EXPECT_TRUE(h.track(q0, 0, {}, {sbuf_bytes(0, 1024)}, false).empty());
  const auto waits = h.track(vec, 0, {sbuf_bytes(512, 768)}, {sbuf_bytes(4096, 4352)}, false);
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_EQ(waits[0].stream, q0);
  EXPECT_EQ(waits[0].count, 1u);  // queue 0 must have completed instruction 0
  // Disjoint bytes: no wait.
  EXPECT_TRUE(h.track(testing::scalar_stream(), 0, {sbuf_bytes(2048, 3072)},
                      {sbuf_bytes(8192, 9216)}, false)
                  .empty());
}

TEST(HazardTracker, WriteAfterReadWaitsForEveryReader) {
  HazardTracker h(196608, 16384);
  h.track(isa::dma_queue_stream(0), 0, {}, {sbuf_bytes(0, 1024)}, false);
  h.track(testing::tensor_stream(), 0, {sbuf_bytes(0, 1024)}, {}, false);
  h.track(testing::vector_stream(), 0, {sbuf_bytes(0, 512)}, {}, false);
  const auto waits = h.track(isa::dma_queue_stream(1), 0, {}, {sbuf_bytes(0, 1024)}, false);
  // WAW on queue 0 plus WAR on Tensor and Vector.
  EXPECT_EQ(waits.size(), 3u);
}

TEST(HazardTracker, AccumulatingMatmulsFollowEachOtherWithoutWaiting) {
  HazardTracker h(196608, 16384);
  const Region psum{Memory::psum, -1, 0, 0, 0, 2048};
  const isa::Stream te = testing::tensor_stream();
  EXPECT_TRUE(h.track(te, 0, {}, {psum}, false).empty());
  EXPECT_TRUE(h.track(te, 1, {psum}, {psum}, true).empty());  // PSUM accumulation in order
  // But a Vector read of the result waits for the last matmul.
  const auto waits = h.track(testing::vector_stream(), 0, {psum}, {sbuf_bytes(0, 1024)}, false);
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_EQ(waits[0].count, 2u);
}

TEST(HazardTracker, HbmRectanglesOnlyConflictWhenTheyOverlap) {
  HazardTracker h(196608, 16384);
  const isa::Stream q0 = isa::dma_queue_stream(0), q1 = isa::dma_queue_stream(1);
  // Two stores into different column blocks of the same rows: independent.
  h.track(q0, 0, {sbuf_bytes(0, 1024)}, {{Memory::hbm, 2, 0, 128, 0, 1024}}, false);
  EXPECT_TRUE(
      h.track(q1, 0, {sbuf_bytes(2048, 3072)}, {{Memory::hbm, 2, 0, 128, 1024, 2048}}, false)
          .empty());
  // A read of the first block waits for its store.
  const auto waits =
      h.track(q1, 1, {{Memory::hbm, 2, 64, 65, 0, 16}}, {sbuf_bytes(8192, 8208)}, false);
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_EQ(waits[0].stream, q0);
}

TEST(SimBackend, NaiveProgramHasOneInstructionPerCall) {
  // M=256, K=512, N=1024: (M/128) x (N/512) = 4 output tiles, each K/128 = 4 x (2 loads + 1
  // matmul) then one PSUM copy and one store: 4 x (12 + 2) = 56 instructions.
  const isa::Program p = run::build_kernel_program(
      find_kernel("matmul_naive"), testing::trn1(), {{"M", 256}, {"K", 512}, {"N", 1024}}, {},
      Dtype::bf16);
  EXPECT_EQ(p.instruction_count(), 56u);
  const auto& matmuls = p.stream(testing::tensor_stream());
  ASSERT_EQ(matmuls.size(), 16u);
  for (size_t i = 0; i < matmuls.size(); ++i)  // the first of each 4-step K loop overwrites
    EXPECT_EQ(matmuls[i].accumulate, i % 4 != 0) << i;
}

TEST(SimBackend, DoubleBufferedLoadWaitsForTheMatmulTwoIterationsBack) {
  // matmul_naive loads lhsT_tile into 2 rotating buffers: the load of step k + 2 reuses the
  // buffer that matmul k read, so it must wait for Tensor to have completed matmul k.
  const isa::Program p = run::build_kernel_program(
      find_kernel("matmul_naive"), testing::trn1(), {{"M", 128}, {"K", 512}, {"N", 512}}, {},
      Dtype::bf16);
  bool found = false;
  for (int q = 0; q < isa::kDmaQueues; ++q)
    for (const auto& in : p.stream(isa::dma_queue_stream(q)))
      for (const auto& w : in.waits)
        if (w.stream == testing::tensor_stream()) {
          found = true;
          EXPECT_LE(w.count, 2u);  // only matmuls 0 and 1 can be waited for by loads 2 and 3
        }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace trnsim

namespace trnsim {
namespace {

TEST(SimBackend, APartitionStrideAloneKeepsTheViewsFreeAxis) {
  // An HBM view [4 rows, 8 elements] with rows 8 elements apart inside a [1, 32] tensor (a
  // token's four heads as rows): its free axis is the contiguous run of 8. It once lost its
  // free axis when no free dims were given, so the copy moved one element per row.
  const HwConfig hw = testing::trn1();
  backend::SimBackend b(hw, "partition_stride");
  const TensorRef in = b.hbm_input("in", 1, 32, Dtype::fp32);
  const TensorRef out = b.hbm_output("out", 4, 8, Dtype::fp32);
  const TensorRef tile = b.sbuf_tile("tile", {}, 4, 8, Dtype::fp32, 1);
  View heads = in.all().cols(0, 8);
  heads.np = 4;
  heads.partition_stride = 8;
  b.dma_copy(tile.all(), heads);
  b.dma_copy(out.all(), tile.all());
  const isa::Program program = b.finish();
  std::vector<std::vector<float>> hbm(program.tensors.size());
  for (int i = 0; i < 32; ++i) hbm[0].push_back(static_cast<float>(i));
  model::SimulationOptions options;
  options.numerics = true;
  model::simulate(program, hw, options, &hbm);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(hbm[1][i], static_cast<float>(i)) << i;  // row-major
}

}  // namespace
}  // namespace trnsim

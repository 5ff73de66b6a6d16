// Allocation by liveness for traced NKI kernels (issue 9): the pass over a trace
// (kernels/nki/trace_liveness.h) and its effect through TileStore. A kernel-scope tile array
// of 4 MiB per partition whose blocks are short-lived runs with no spill; one whose blocks are
// all live at once spills, and the summary says how much.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kernels/nki/trace_liveness.h"
#include "sim/backend/tile_store.h"
#include "tests/cli_runner.h"

namespace trnsim {
namespace {

using nki::BlockKey;
using nki::LivenessEvent;
using Kind = LivenessEvent::Kind;

LivenessEvent declaration(size_t event, int64_t tile, const std::string& site) {
  return {Kind::declaration, event, {tile, {}}, site};
}
LivenessEvent access(size_t event, int64_t tile, std::vector<int64_t> block, bool reads,
                     bool writes_whole) {
  return {Kind::access, event, {tile, std::move(block)}, "", reads, writes_whole};
}

TEST(NkiLiveness, EachValueOfABlockDiesAfterItsLastAccess) {
  // Tile 0, block [1]: written whole at 1, read at 2 and 3, written whole again at 4 (a new
  // value: the first died after 3), read at 5 (the second dies there). Block [0]: written at 1
  // and read-and-written at 2 (tensor_tensor into its own source: one value), dead after 2.
  const std::vector<LivenessEvent> events = {
      declaration(0, 0, "k.py:3"),     access(1, 0, {1}, false, true),
      access(1, 0, {0}, false, true),  access(2, 0, {1}, true, false),
      access(2, 0, {0}, true, false),  access(2, 0, {0}, false, true),
      access(3, 0, {1}, true, false),  access(4, 0, {1}, false, true),
      access(5, 0, {1}, true, false)};
  const auto dead = nki::dead_after(events);
  const std::vector<std::pair<size_t, BlockKey>> expected = {
      {2, {0, {0}}}, {3, {0, {1}}}, {5, {0, {1}}}};
  EXPECT_EQ(dead, expected);
}

TEST(NkiLiveness, ATileUsedAfterItsDeclarationRanAgainIsNeverReleased) {
  // Tile 0 is declared at site s, then tile 1 at the same site (the next execution of the
  // declaration, which the backend maps to the same rotating buffers); tile 0 is read after
  // that, so its blocks are kept. Tile 1 dies after its read at 4.
  const std::vector<LivenessEvent> events = {
      declaration(0, 0, "s"), access(1, 0, {}, false, true), declaration(2, 1, "s"),
      access(3, 0, {}, true, false), access(4, 1, {}, true, false)};
  const std::vector<std::pair<size_t, BlockKey>> expected = {{4, {1, {}}}};
  EXPECT_EQ(nki::dead_after(events), expected);
}

TEST(NkiLiveness, AReleasedBlockIsReclaimedWithoutASpill) {
  // SBUF of 2048 bytes per partition (no reserve); a kernel-scope array of 3 blocks of 1024
  // bytes. Blocks 0 and 1 fill it; placing block 2 spills the least recently used live block
  // (0) unless block 0 was released, in which case its room is taken with no move.
  for (const bool release : {false, true}) {
    HwConfig cfg = testing::cost_rules_machine();
    cfg.sbuf.bytes_per_partition = 2048;
    cfg.sbuf.reserved_bytes_per_partition = 0;
    cfg.sbuf.alignment_bytes = 64;
    backend::TileStore tiles(cfg);
    const TensorRef t = tiles.allocate(Memory::sbuf, "scratch", {3}, 128, 512, Dtype::bf16, 1);
    for (int64_t b : {0, 1}) {
      EXPECT_TRUE(tiles.place(t.block({b}), true).moves.empty());
      tiles.end_instruction();
    }
    if (release) tiles.release(t.block({0}));
    const backend::TileStore::Placement p = tiles.place(t.block({2}), true);
    EXPECT_EQ(p.moves.size(), release ? 0u : 1u);
    EXPECT_EQ(p.offset, 0);  // block 0's room, either way
  }
}

nlohmann::json run_scratch_kernel(const std::string& kernel) {
  const testing::Result r = testing::trnsim(
      "run-nki " + std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/kernel_scope_scratch.py:" +
      kernel + " --timing-only --json --quiet");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

// Sizes of tests/nki_kernels/kernel_scope_scratch.py: x and out are [128, 512] float32
// (262,144 bytes each); `scratch` is 2048 blocks of [128, 512] float32, 2048 bytes per
// partition each, 262,144 bytes in all.
constexpr int64_t kBlocks = 2048, kBlockBytes = 128 * 512 * 4;

TEST(NkiLiveness, AKernelScopeArrayOfShortLivedBlocksDoesNotSpill) {
  // 4 MiB per partition of scratch against trn1's 192 KiB of SBUF, but each block is read
  // right after it is written: no spill, and HBM sees only x read and out written.
  const nlohmann::json s = run_scratch_kernel("short_lived_blocks");
  EXPECT_EQ(s.at("spill_bytes"), 0);
  EXPECT_EQ(s.at("reload_bytes"), 0);
  EXPECT_EQ(s.at("hbm_read_bytes"), kBlockBytes);
  EXPECT_EQ(s.at("hbm_write_bytes"), kBlockBytes);
  // The load of x, a memset and an add per block, the store of out.
  EXPECT_EQ(s.at("instructions"), 1 + 2 * kBlocks + 1);
}

TEST(NkiLiveness, LiveDataThatDoesNotFitSpillsAndTheSummarySaysSo) {
  // All 2048 blocks are live after the first loop. trn1's SBUF holds 196,608 - 16,384 reserved
  // = 180,224 bytes per partition = 88 blocks of 2048 bytes, one of them `acc`: at most 87
  // scratch blocks stay resident, so at least 2048 - 87 = 1961 blocks are spilled, and each
  // spilled block is reloaded once for its read in the second loop.
  const nlohmann::json s = run_scratch_kernel("all_blocks_live");
  const int64_t spill = s.at("spill_bytes").get<int64_t>();
  EXPECT_GE(spill, (kBlocks - 87) * kBlockBytes);
  EXPECT_LE(spill, kBlocks * kBlockBytes);
  EXPECT_EQ(spill % kBlockBytes, 0);
  EXPECT_EQ(s.at("reload_bytes").get<int64_t>(), spill);
  EXPECT_EQ(s.at("hbm_read_bytes").get<int64_t>(), kBlockBytes + spill);
}

}  // namespace
}  // namespace trnsim

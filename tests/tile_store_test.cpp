// TileStore on its own: rotating buffers, dead data reclaimed without moves, LRU spill and
// reload, and the error for a block larger than SBUF. SBUF is made small (`sbuf_kib` KiB per
// partition, no reserve, 64-byte alignment) so the byte offsets below are easy to follow.
#include <gtest/gtest.h>

#include "sim/backend/tile_store.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using backend::TileStore;
using Kind = TileStore::SpillMove::Kind;

HwConfig small_sbuf(int64_t bytes) {
  HwConfig cfg = testing::cost_rules_machine();
  cfg.sbuf.bytes_per_partition = bytes;
  cfg.sbuf.reserved_bytes_per_partition = 0;
  cfg.sbuf.alignment_bytes = 64;
  return cfg;
}

TEST(TileStore, RotatingBuffersTakeTurnsInALoop) {
  // A [128, 512] bf16 tile with bufs=2 declared in a loop: 1024 bytes a buffer; iterations
  // 0, 1, 2 use buffers at 0, 1024, 0 (the third reuses the first, whose data is dead).
  const HwConfig cfg = small_sbuf(4096);
  TileStore tiles(cfg);
  std::vector<int64_t> offsets;
  tiles.enter_scope();
  for (int i = 0; i < 3; ++i) {
    tiles.next_iteration();
    const TensorRef t = tiles.allocate(Memory::sbuf, "t", {}, 128, 512, Dtype::bf16, 2);
    const TileStore::Placement p = tiles.place(t.all(), true);
    EXPECT_TRUE(p.moves.empty());
    offsets.push_back(p.offset);
    tiles.end_instruction();
  }
  tiles.exit_scope();
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 1024, 0}));
}

TEST(TileStore, LeastRecentlyUsedLiveBlockSpillsAndReloads) {
  // SBUF of 2048 bytes; tiles a, b, c of 1024 bytes each, all live (kernel scope). Placing c
  // evicts a (least recently used) as a spill to slot 0; touching a again evicts b (slot 1)
  // and reloads a from slot 0 into the space b left, at offset 1024.
  const HwConfig cfg = small_sbuf(2048);
  TileStore tiles(cfg);
  const TensorRef a = tiles.allocate(Memory::sbuf, "a", {}, 128, 512, Dtype::bf16, 1);
  const TensorRef b = tiles.allocate(Memory::sbuf, "b", {}, 128, 512, Dtype::bf16, 1);
  const TensorRef c = tiles.allocate(Memory::sbuf, "c", {}, 128, 512, Dtype::bf16, 1);
  for (const TensorRef& t : {a, b}) {
    EXPECT_TRUE(tiles.place(t.all(), true).moves.empty());
    tiles.end_instruction();
  }
  const TileStore::Placement pc = tiles.place(c.all(), true);
  tiles.end_instruction();
  ASSERT_EQ(pc.moves.size(), 1u);
  EXPECT_EQ(pc.moves[0].kind, Kind::spill);
  EXPECT_EQ(pc.moves[0].tile.name, "a");
  EXPECT_EQ(pc.moves[0].offset, 0);
  EXPECT_EQ(pc.moves[0].slot, 0);
  EXPECT_EQ(pc.offset, 0);

  const TileStore::Placement pa = tiles.place(a.all(), false);
  ASSERT_EQ(pa.moves.size(), 2u);
  EXPECT_EQ(pa.moves[0].kind, Kind::spill);
  EXPECT_EQ(pa.moves[0].tile.name, "b");
  EXPECT_EQ(pa.moves[0].slot, 1);
  EXPECT_EQ(pa.moves[1].kind, Kind::reload);
  EXPECT_EQ(pa.moves[1].slot, 0);
  EXPECT_EQ(pa.offset, 1024);
  EXPECT_EQ(pa.moves[1].offset, 1024);
}

TEST(TileStore, DeadDataIsReclaimedWithoutMoves) {
  // A 1536-byte tile in a loop that ended is dead: a second 1536-byte tile in a 2048-byte SBUF
  // takes its place with no spill.
  const HwConfig cfg = small_sbuf(2048);
  TileStore tiles(cfg);
  tiles.enter_scope();
  tiles.next_iteration();
  const TensorRef inner = tiles.allocate(Memory::sbuf, "inner", {}, 128, 768, Dtype::bf16, 1);
  tiles.place(inner.all(), true);
  tiles.end_instruction();
  tiles.exit_scope();
  const TensorRef after = tiles.allocate(Memory::sbuf, "after", {}, 128, 768, Dtype::bf16, 1);
  const TileStore::Placement p = tiles.place(after.all(), true);
  EXPECT_TRUE(p.moves.empty());
  EXPECT_EQ(p.offset, 0);
}

TEST(TileStore, ABlockLargerThanSbufIsAnError) {
  // 2048 bf16 = 4096 bytes per partition against 2048 usable.
  const HwConfig cfg = small_sbuf(2048);
  TileStore tiles(cfg);
  EXPECT_TRUE(testing::throws_user_error(
      [&] { tiles.allocate(Memory::sbuf, "huge", {}, 128, 2048, Dtype::bf16, 1); },
      "tile 'huge' [128 x 2048 bf16] needs 4096 bytes per partition; sbuf has 2048 usable bytes"));
}

}  // namespace
}  // namespace trnsim

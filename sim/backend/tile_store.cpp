#include "sim/backend/tile_store.h"

#include <algorithm>
#include <cassert>

#include "common/checked.h"
#include "common/excerpt.h"

namespace trnsim::backend {
namespace {

std::string s(int64_t v) { return std::to_string(v); }

// A declaration's tiles (its block dims times its buffers) each cost about 100 bytes of
// bookkeeping here; the library's kernels declare at most a few thousand.
constexpr int64_t kMaxTilesPerDeclaration = int64_t{1} << 20;

std::string shape_of(const TensorRef& t) {
  std::string out = "[";
  for (int64_t d : t.block_dims) out += s(d) + " x ";
  return out + s(t.partitions) + " x " + s(t.free) + " " + dtype_name(t.dtype) + "]";
}

}  // namespace

std::string TileStore::slot_name(const Site& site, const Block& block) {
  return "spill:" + site.ref.name + "#" + std::to_string(&block - site.blocks.data());
}

TileStore::TileStore(const HwConfig& cfg)
    : cfg_(cfg),
      sbuf_(cfg.sbuf.usable_bytes_per_partition(), cfg.sbuf.alignment_bytes),
      psum_(cfg.psum.usable_bytes_per_partition(), cfg.psum.bank_bytes()) {
  active_.push_back(&kernel_scope_);
}

TensorRef TileStore::allocate(Memory memory, const std::string& name,
                              std::vector<int64_t> block_dims, int64_t partitions, int64_t free,
                              Dtype dtype, int bufs) {
  Scope& scope = *active_.back();
  if (scope.cursor < scope.sites.size()) {  // this declaration ran before: next buffer
    Site& site = sites_[scope.sites[scope.cursor++]];
    if (site.ref.name != name || site.ref.free != free || site.ref.partitions != partitions ||
        site.ref.dtype != dtype || site.ref.memory != memory || site.ref.block_dims != block_dims)
      throw UserError("tile '" + name + "' is declared in a different order or shape than "
                      "in an earlier iteration of its loop");
    site.in_scope = true;
    site.current = (site.current + 1) % site.bufs;
    for (int64_t b = 0; b < site.blocks_per_buf; ++b)
      start_afresh(site.blocks[site.current * site.blocks_per_buf + b]);
    return site.ref;
  }
  if (bufs < 1) throw UserError("tile '" + excerpt(name) + "': bufs must be at least 1");
  Site site;
  site.ref = {static_cast<int>(sites_.size()), memory, name, dtype, block_dims, partitions, free};
  // The sizes may come from a trace file (run-trace), not only from a kernel: checked, and
  // the bookkeeping bounded before it is allocated.
  const std::string what = "tile '" + excerpt(name) + "' " + shape_of(site.ref);
  if (partitions < 1 || free < 1 ||
      std::any_of(block_dims.begin(), block_dims.end(), [](int64_t d) { return d < 1; }))
    throw UserError(what + ": every dimension must be at least 1");
  site.bufs = bufs;
  for (int64_t d : block_dims) site.blocks_per_buf = checked_mul(site.blocks_per_buf, d, what);
  site.block_bytes = checked_mul(free, dtype_size(dtype), what);
  const int64_t blocks = checked_mul(bufs, site.blocks_per_buf, what);
  if (blocks > kMaxTilesPerDeclaration)
    throw UserError(what + " with " + s(bufs) + " buffers is " + s(blocks) + " tiles; at most " +
                    s(kMaxTilesPerDeclaration) + " are kept per declaration");
  const OnChipMemoryConfig& mem = memory == Memory::sbuf ? cfg_.sbuf : cfg_.psum;
  if (partitions > mem.partitions)
    throw UserError(std::string(memory_name(memory)) + " allocation of tile '" + excerpt(name) +
                    "' " + shape_of(site.ref) + " spans " + s(partitions) + " partitions; " +
                    memory_name(memory) + " has " + s(mem.partitions));
  if (pool(memory).rounded(site.block_bytes) > pool(memory).capacity())
    throw UserError(std::string(memory_name(memory)) + " allocation of tile '" + excerpt(name) +
                    "' " + shape_of(site.ref) + " needs " + s(site.block_bytes) +
                    " bytes per partition; " + memory_name(memory) + " has " +
                    s(pool(memory).capacity()) + " usable bytes per partition (" +
                    s(mem.reserved_bytes_per_partition) + " reserved), " +
                    s(pool(memory).free_bytes()) + " free");
  site.blocks.resize(static_cast<size_t>(blocks));
  sites_.push_back(std::move(site));
  scope.sites.push_back(sites_.back().ref.id);
  ++scope.cursor;
  return sites_.back().ref;
}

void TileStore::enter_scope() {
  Scope& parent = *active_.back();
  if (parent.loop_cursor == parent.loops.size()) parent.loops.push_back(std::make_unique<Scope>());
  active_.push_back(parent.loops[parent.loop_cursor++].get());
}

void TileStore::next_iteration() {
  active_.back()->cursor = 0;
  active_.back()->loop_cursor = 0;
}

// The loop ended: the tiles declared in it, and in the loops inside it, hold dead data.
void TileStore::leave(Scope& scope) {
  for (int id : scope.sites) sites_[id].in_scope = false;
  for (auto& loop : scope.loops) leave(*loop);
}

void TileStore::exit_scope() {
  leave(*active_.back());
  active_.pop_back();
}

TileStore::Block& TileStore::block_of(const View& v, Site*& site) {
  site = &sites_[v.tensor.id];
  if (!site->in_scope)
    throw UserError("tile '" + site->ref.name + "' is used after the loop that declared it ended");
  int64_t linear = 0;
  for (size_t i = 0; i < v.block.size(); ++i)
    linear = linear * site->ref.block_dims[i] + v.block[i].value();
  return site->blocks[site->current * site->blocks_per_buf + linear];
}

void TileStore::start_afresh(Block& block) {
  block.has_data = block.in_hbm = block.released = false;
  block.psum_written.clear();
}

TileStore::Placement TileStore::place(const View& v, bool writes) {
  Site* site = nullptr;
  Block& block = block_of(v, site);
  if (block.released) start_afresh(block);  // its old data, here or spilled, is dead
  Placement placed;
  if (block.offset < 0 && place_buffer(*site)) {
    // placed with the rest of its buffer
  } else if (block.offset < 0) {
    make_room(*site, site->block_bytes, placed.moves);
    block.offset = *pool(site->ref.memory).allocate(site->block_bytes);
    if (block.in_hbm) {
      placed.moves.push_back({SpillMove::Kind::reload, site->ref, block.offset,
                              block.spill_slot, slot_name(*site, block)});
      block.in_hbm = false;
    }
  }
  block.last_use = ++clock_;
  if (writes) block.has_data = true;
  if (!block.pinned) pinned_.push_back(&block);
  block.pinned = true;
  placed.offset = block.offset;
  return placed;
}

// Places the whole current buffer of `site` in one contiguous range, as NKI allocates a tile
// array, if none of it is placed yet and a free range is large enough without evicting.
bool TileStore::place_buffer(Site& site) {
  Block* first = &site.blocks[site.current * site.blocks_per_buf];
  for (int64_t b = 0; b < site.blocks_per_buf; ++b)
    if (first[b].offset >= 0 || first[b].in_hbm) return false;
  FreeListAllocator& memory = pool(site.ref.memory);
  const int64_t stride = memory.rounded(site.block_bytes);
  const std::optional<int64_t> base = memory.allocate(stride * site.blocks_per_buf);
  if (!base) return false;
  // The allocator keeps only holes, so each block can later be released on its own.
  for (int64_t b = 0; b < site.blocks_per_buf; ++b) first[b].offset = *base + b * stride;
  return true;
}

void TileStore::release(const View& v) {
  Site* site = nullptr;
  block_of(v, site).released = true;
}

void TileStore::end_instruction() {
  for (Block* b : pinned_) b->pinned = false;
  pinned_.clear();
}

// Frees room for `bytes`: dead blocks first (no DMA), then the least recently used live
// block (spilled to HBM). Only SBUF spills.
void TileStore::make_room(Site& site, int64_t bytes, std::vector<SpillMove>& moves) {
  FreeListAllocator& memory = pool(site.ref.memory);
  for (;;) {
    if (auto probe = memory.allocate(bytes)) {
      memory.release(*probe, bytes);
      return;
    }
    Site* victim_site = nullptr;
    size_t victim = 0;
    bool victim_dead = false;
    for (Site& other : sites_) {
      if (other.ref.memory != site.ref.memory) continue;
      for (size_t i = 0; i < other.blocks.size(); ++i) {
        const Block& b = other.blocks[i];
        const bool dead = other.dead(i);
        if (b.offset < 0 || b.pinned || (!dead && site.ref.memory == Memory::psum)) continue;
        const Block* best = victim_site ? &victim_site->blocks[victim] : nullptr;
        if (!best || (dead && !victim_dead) ||
            (dead == victim_dead && b.last_use < best->last_use)) {
          victim_site = &other;
          victim = i;
          victim_dead = dead;
        }
      }
    }
    if (!victim_site)
      throw UserError(std::string(memory_name(site.ref.memory)) + " is full: tile '" +
                      site.ref.name + "' " + shape_of(site.ref) + " needs " + s(bytes) +
                      " bytes per partition, " + s(memory.free_bytes()) + " of " +
                      s(memory.capacity()) + " free; tiles in use: " +
                      describe_live(site.ref.memory));
    Block& b = victim_site->blocks[victim];
    if (victim_dead) b.has_data = false;
    evict(*victim_site, b, moves);
  }
}

void TileStore::evict(Site& site, Block& block, std::vector<SpillMove>& moves) {
  if (block.has_data) {
    if (block.spill_slot < 0) block.spill_slot = spill_slots_++;
    moves.push_back(
        {SpillMove::Kind::spill, site.ref, block.offset, block.spill_slot, slot_name(site, block)});
    block.in_hbm = true;
  }
  pool(site.ref.memory).release(block.offset, site.block_bytes);
  block.offset = -1;
}

bool TileStore::mark_psum_written(const View& v, int64_t begin, int64_t end) {
  Site* site = nullptr;
  Block& block = block_of(v, site);
  bool written = false;
  for (const auto& [b, e] : block.psum_written) written |= b < end && begin < e;
  block.psum_written.emplace_back(begin, end);
  return written;
}

std::string TileStore::describe_live(Memory memory) const {
  std::string out;
  for (const Site& site : sites_)
    if (site.in_scope && site.ref.memory == memory)
      out += (out.empty() ? "" : ", ") + site.ref.name + " " + shape_of(site.ref) + " x" +
             s(site.bufs);
  return out.empty() ? "none" : out;
}

}  // namespace trnsim::backend

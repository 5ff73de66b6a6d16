#include "sim/backend/tile_store.h"

#include <cassert>

namespace trnsim::backend {
namespace {

std::string s(int64_t v) { return std::to_string(v); }

std::string shape_of(const TensorRef& t) {
  std::string out = "[";
  for (int64_t d : t.block_dims) out += s(d) + " x ";
  return out + s(t.partitions) + " x " + s(t.free) + " " + dtype_name(t.dtype) + "]";
}

}  // namespace

TileStore::TileStore(const HwConfig& cfg, Mover& mover)
    : cfg_(cfg),
      mover_(mover),
      sbuf_(cfg.sbuf.usable_bytes_per_partition(), 64),
      psum_(cfg.psum.usable_bytes_per_partition(), cfg.psum.bank_bytes()) {
  scopes_.emplace_back();  // kernel scope: tiles allocated outside any loop
}

TensorRef TileStore::allocate(Memory memory, const std::string& name,
                              std::vector<int64_t> block_dims, int64_t partitions, int64_t free,
                              Dtype dtype, int bufs) {
  Scope& scope = scopes_.back();
  if (scope.cursor < scope.sites.size()) {  // the same allocation in a later iteration
    Site& site = sites_[scope.sites[scope.cursor++]];
    if (site.ref.name != name || site.ref.free != free || site.ref.partitions != partitions)
      throw UserError("tile '" + name + "' is allocated in a different order or shape in a "
                      "later loop iteration than in the first");
    site.current = (site.current + 1) % site.bufs;
    for (int64_t b = 0; b < site.blocks_per_buf; ++b) {
      Block& block = site.blocks[site.current * site.blocks_per_buf + b];
      block.has_data = block.in_hbm = false;
      block.psum_written.clear();
    }
    return site.ref;
  }
  if (bufs < 1) throw UserError("tile '" + name + "': bufs must be at least 1");
  Site site;
  site.ref = {static_cast<int>(sites_.size()), memory, name, dtype, block_dims, partitions, free};
  site.bufs = bufs;
  for (int64_t d : block_dims) site.blocks_per_buf *= d;
  site.block_bytes = free * dtype_size(dtype);
  site.blocks.resize(static_cast<size_t>(bufs * site.blocks_per_buf));
  FreeListAllocator& pool = memory == Memory::sbuf ? sbuf_ : psum_;
  const OnChipMemoryConfig& mem = memory == Memory::sbuf ? cfg_.sbuf : cfg_.psum;
  if (partitions > mem.partitions || pool.rounded(site.block_bytes) > pool.capacity())
    throw UserError(std::string(memory_name(memory)) + " allocation of tile '" + name + "' " +
                    shape_of(site.ref) + " needs " + s(site.block_bytes) +
                    " bytes per partition; " + memory_name(memory) + " has " +
                    s(pool.capacity()) + " usable bytes per partition (" +
                    s(mem.reserved_bytes_per_partition) + " reserved), " +
                    s(pool.free_bytes()) + " free");
  sites_.push_back(std::move(site));
  scope.sites.push_back(sites_.back().ref.id);
  ++scope.cursor;
  return sites_.back().ref;
}

void TileStore::enter_scope() { scopes_.emplace_back(); }

void TileStore::next_iteration() { scopes_.back().cursor = 0; }

void TileStore::exit_scope() {
  for (int id : scopes_.back().sites) {
    Site& site = sites_[id];
    FreeListAllocator& pool = site.ref.memory == Memory::sbuf ? sbuf_ : psum_;
    for (Block& block : site.blocks)
      if (block.offset >= 0) pool.release(block.offset, site.block_bytes);
    site.live = false;
  }
  scopes_.pop_back();
}

TileStore::Block& TileStore::block_of(const View& v, Site*& site) {
  site = &sites_[v.tensor.id];
  assert(site->live && "a tile was used after its loop ended");
  int64_t linear = 0;
  for (size_t i = 0; i < v.block.size(); ++i)
    linear = linear * site->ref.block_dims[i] + v.block[i].value();
  return site->blocks[site->current * site->blocks_per_buf + linear];
}

int64_t TileStore::place(const View& v, bool writes) {
  Site* site = nullptr;
  Block& block = block_of(v, site);
  if (block.offset < 0) {
    make_room(*site, site->block_bytes);
    FreeListAllocator& pool = site->ref.memory == Memory::sbuf ? sbuf_ : psum_;
    block.offset = *pool.allocate(site->block_bytes);
    if (block.in_hbm) {
      mover_.reload(site->ref, block.offset, block.spill_tensor);
      block.in_hbm = false;
    }
  }
  block.last_use = ++clock_;
  if (writes) block.has_data = true;
  if (!block.pinned) pinned_.push_back(&block);
  block.pinned = true;
  return block.offset;
}

void TileStore::end_instruction() {
  for (Block* b : pinned_) b->pinned = false;
  pinned_.clear();
}

// Frees SBUF for `bytes` by spilling least recently used blocks; PSUM cannot spill.
void TileStore::make_room(Site& site, int64_t bytes) {
  FreeListAllocator& pool = site.ref.memory == Memory::sbuf ? sbuf_ : psum_;
  for (;;) {
    if (auto probe = pool.allocate(bytes)) {
      pool.release(*probe, bytes);
      return;
    }
    Site* victim_site = nullptr;
    Block* victim = nullptr;
    if (site.ref.memory == Memory::sbuf)
      for (Site& other : sites_) {
        if (!other.live || other.ref.memory != Memory::sbuf) continue;
        for (Block& b : other.blocks)
          if (b.offset >= 0 && !b.pinned && (!victim || b.last_use < victim->last_use)) {
            victim = &b;
            victim_site = &other;
          }
      }
    if (!victim)
      throw UserError(std::string(memory_name(site.ref.memory)) + " is full: tile '" +
                      site.ref.name + "' " + shape_of(site.ref) + " needs " + s(bytes) +
                      " bytes per partition, " + s(pool.free_bytes()) + " of " +
                      s(pool.capacity()) + " free; live tiles: " +
                      describe_live(site.ref.memory));
    evict(*victim_site, *victim);
  }
}

void TileStore::evict(Site& site, Block& block) {
  if (block.has_data) {
    if (block.spill_tensor < 0)
      block.spill_tensor = mover_.new_spill_tensor("spill:" + site.ref.name, site.ref.partitions,
                                                   site.ref.free, site.ref.dtype);
    mover_.spill(site.ref, block.offset, block.spill_tensor);
    block.in_hbm = true;
  }
  sbuf_.release(block.offset, site.block_bytes);
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
    if (site.live && site.ref.memory == memory)
      out += (out.empty() ? "" : ", ") + site.ref.name + " " + shape_of(site.ref) + " x" +
             s(site.bufs);
  return out.empty() ? "none" : out;
}

}  // namespace trnsim::backend

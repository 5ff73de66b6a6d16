// Where each on-chip tile lives. As the NKI compiler allocates statically, each tile
// declaration (a call site within its loop nest) owns `bufs` rotating buffers for the whole
// kernel: every execution of the declaration moves to the next buffer, also across
// re-entries of its loop, so the DMA of one iteration overlaps compute of the previous one.
// Blocks are placed in SBUF lazily, when first touched.
//
// Data in a buffer the declaration has rotated away from, or of a tile whose loop has ended,
// is dead: its space is reclaimed without any DMA. When SBUF is still full, the least recently
// used live block not needed by the current instruction is spilled to HBM and reloaded when
// touched again, as the Neuron compiler spills. place() returns those moves; the backend emits
// them as DMAs before the instruction that needed the room. Only a tile block larger than SBUF
// itself is an error. PSUM tiles are placed in whole banks and never spill.
//
// release() says a block's data is dead before its declaration rotates or its loop ends (its
// last read, from a liveness pass over a traced NKI kernel): the block keeps its place until
// the room is needed, and is then reclaimed like any dead block, without a spill. Its next
// touch starts it afresh. The C++ kernels never release, so their placement is unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/api/tensor.h"
#include "sim/backend/free_list_allocator.h"
#include "sim/config/hw_config.h"

namespace trnsim::backend {

class TileStore {
 public:
  // One block moved between SBUF and its spill slot: the [partitions, free] block of `tile`
  // at byte `offset` of each partition. Slots are numbered from 0 in order of first spill;
  // `slot_name` names the block ("spill:lhsT_tiles#3") for the HBM tensor that holds it.
  struct SpillMove {
    enum class Kind { spill, reload } kind;
    TensorRef tile;
    int64_t offset;
    int slot;
    std::string slot_name;
  };
  // Where a view's block is, and the spills and reloads that placing it took, in order.
  struct Placement {
    int64_t offset;
    std::vector<SpillMove> moves;
  };

  explicit TileStore(const HwConfig& cfg);
  explicit TileStore(HwConfig&& cfg) = delete;  // it keeps a reference: no temporaries

  TensorRef allocate(Memory memory, const std::string& name, std::vector<int64_t> block_dims,
                     int64_t partitions, int64_t free, Dtype dtype, int bufs);
  void enter_scope();
  void next_iteration();
  void exit_scope();

  // Byte offset (within a partition) of the block `v` refers to, in the current buffer;
  // places or reloads it as needed and keeps it resident until end_instruction().
  Placement place(const View& v, bool writes);
  void end_instruction();
  // The data of the block `v` refers to is dead until the block is next written.
  void release(const View& v);

  // Marks [begin, end) of the PSUM block `v` as written; returns whether any of it already
  // was since the tile's buffer was (re)allocated, i.e. whether a matmul must accumulate.
  bool mark_psum_written(const View& v, int64_t begin, int64_t end);

  int64_t peak_sbuf_bytes_per_partition() const { return sbuf_.peak(); }
  int64_t peak_psum_bytes_per_partition() const { return psum_.peak(); }

 private:
  struct Block {
    int64_t offset = -1;       // resident slot, or -1
    bool has_data = false;     // written since its buffer was (re)allocated
    bool in_hbm = false;       // its data currently lives in its spill tensor
    int spill_slot = -1;
    uint64_t last_use = 0;
    bool pinned = false;
    bool released = false;     // its data is dead (release()) until it is touched again
    std::vector<std::pair<int64_t, int64_t>> psum_written;
  };
  struct Site {
    TensorRef ref;
    int bufs = 1;
    int current = 0;
    int64_t blocks_per_buf = 1;
    int64_t block_bytes = 0;
    bool in_scope = true;  // false once its loop has ended: all its data is dead
    std::vector<Block> blocks;  // bufs x blocks_per_buf
    bool dead(size_t block) const {
      return !in_scope || static_cast<int64_t>(block) / blocks_per_buf != current ||
             blocks[block].released;
    }
  };
  // One loop body (or the kernel body): its declarations and its loops, in program order.
  struct Scope {
    std::vector<int> sites;
    size_t cursor = 0;
    std::vector<std::unique_ptr<Scope>> loops;
    size_t loop_cursor = 0;
  };

  Block& block_of(const View& v, Site*& site);
  static void start_afresh(Block& block);  // no data, none spilled, no PSUM region written
  FreeListAllocator& pool(Memory memory) { return memory == Memory::sbuf ? sbuf_ : psum_; }
  void leave(Scope& scope);
  bool place_buffer(Site& site);
  void make_room(Site& site, int64_t bytes, std::vector<SpillMove>& moves);
  void evict(Site& site, Block& block, std::vector<SpillMove>& moves);
  std::string describe_live(Memory memory) const;
  static std::string slot_name(const Site& site, const Block& block);

  const HwConfig& cfg_;
  FreeListAllocator sbuf_;
  FreeListAllocator psum_;
  std::vector<Site> sites_;
  Scope kernel_scope_;
  std::vector<Scope*> active_;  // kernel scope, then each loop being executed
  std::vector<Block*> pinned_;
  uint64_t clock_ = 0;
  int spill_slots_ = 0;
};

}  // namespace trnsim::backend

// The liveness pass of the NKI front end (issue 9): NKI's block dimensions are logical, and its
// compiler allocates tiles by liveness over the whole kernel, so a kernel-scope tile array far
// larger than SBUF whose blocks are short-lived does not spill. A traced kernel is unrolled, so
// the whole future of every tile block is known: each value a block holds (from a write of the
// whole block that does not read it, to the next such write) is dead after its last access, and
// the replay tells the backend so there (Backend::release), which lets SimBackend's TileStore
// reclaim the room instead of spilling it. A kernel whose live data does not fit still spills.
//
// The pass sees accesses only, not the trace's encoding: trace_kernel.cpp lists them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace trnsim::nki {

// One tile block: the trace id of the tile (one execution of its declaration) and its block
// indices.
struct BlockKey {
  int64_t tile = -1;
  std::vector<int64_t> block;
  bool operator<(const BlockKey& o) const {
    return tile != o.tile ? tile < o.tile : block < o.block;
  }
  bool operator==(const BlockKey& o) const { return tile == o.tile && block == o.block; }
};

struct LivenessEvent {
  enum class Kind { declaration, access } kind;
  size_t event;  // index in the trace, in increasing order
  BlockKey key;  // a declaration: only key.tile
  std::string site;           // a declaration: its source line (file:line)
  bool reads = false;         // an access: reads the block's data
  bool writes_whole = false;  // an access: writes every element of the block
};

// The blocks whose value is dead after each event, as (event index, block) sorted by event: the
// last access of each value. A value starts with a write of the whole block by an access that
// does not read it; an access to a tile after its declaration ran again (another execution of
// the same site) makes that tile's blocks never released, since the backend maps both
// executions to the same rotating buffers.
std::vector<std::pair<size_t, BlockKey>> dead_after(const std::vector<LivenessEvent>& events);

}  // namespace trnsim::nki

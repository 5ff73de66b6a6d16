// Tensors and views as kernels see them. HBM tensors are 2-D [rows, cols] (an N-D tensor of
// NKI is flattened row-major: its leading dimensions make the rows). On-chip tiles are
// [blocks..., partitions, free], like NKI's `nl.ndarray((n, nl.par_dim(128), 512))`: the
// partition axis first after any block axes, one free axis (NKI's several free dimensions
// flattened row-major). A View picks one block and a rectangle [rows or partitions] x [free]
// out of a tensor, with affine offsets; or, for NKI's advanced indexing, a general access
// pattern: a partition stride (HBM) and up to four free [stride, count] dims.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/api/expr.h"
#include "common/types.h"

namespace trnsim {

struct TensorRef {
  int id = -1;
  Memory memory = Memory::hbm;
  std::string name;
  Dtype dtype = Dtype::bf16;
  std::vector<int64_t> block_dims;  // on chip only
  int64_t partitions = 0;           // on chip: partitions; HBM: rows
  int64_t free = 0;                 // on chip: elements per partition; HBM: cols

  struct View all() const;                               // a tensor without block axes
  struct View block(std::vector<Expr> index) const;      // one block of a tile array
};

// One free dimension of a general view: `count` elements, `stride` elements apart (0 repeats
// one element: a broadcast; negative runs backwards).
struct FreeAxis {
  int64_t stride = 1;
  int64_t count = 1;
  bool operator==(const FreeAxis& o) const { return stride == o.stride && count == o.count; }
};

constexpr size_t kMaxViewFreeAxes = 4;  // the ISA's free dims (sim/isa/free_dims.h)

struct View {
  TensorRef tensor;
  std::vector<Expr> block;  // one index per block axis
  Expr p0 = 0;              // first partition (on chip) or row (HBM)
  int64_t np = 0;
  Expr f0 = 0;              // first free element (on chip) or column (HBM)
  int64_t nf = 0;
  // A general access pattern, in elements, from element (p0, f0). HBM: `partition_stride`
  // elements from one partition (row) of the view to the next; 0 means the tensor's row (cols
  // elements); on chip it stays 0 (partitions are always consecutive). `free_dims`: the free
  // axis as [stride, count] dims, innermost last, at most kMaxViewFreeAxes, whose counts
  // multiply to nf; empty means one contiguous run [1, nf]. A view with neither is the
  // rectangle p0..p0+np x f0..f0+nf, which is all the C++ kernels make.
  int64_t partition_stride = 0;
  std::vector<FreeAxis> free_dims;

  bool rectangular() const { return partition_stride == 0 && free_dims.empty(); }
  // The free dims of the pattern, [1, nf] for a rectangle.
  std::vector<FreeAxis> free_pattern() const;

  // Narrow the view; offsets are relative to the view.
  View rows(Expr first, int64_t count) const;
  View cols(Expr first, int64_t count) const;
};

// An HBM rectangle: rows [r0, r0+nr), cols [c0, c0+nc).
View hbm_slice(const TensorRef& t, Expr r0, int64_t nr, Expr c0, int64_t nc);

}  // namespace trnsim

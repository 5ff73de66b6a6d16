// Tensors and views as kernels see them. HBM tensors are 2-D [rows, cols]. On-chip tiles are
// [blocks..., partitions, free], like NKI's `nl.ndarray((n, nl.par_dim(128), 512))`: the
// partition axis first after any block axes, one free axis. A View picks one block and a
// rectangle [rows or partitions] x [free] out of a tensor, with affine offsets.
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

struct View {
  TensorRef tensor;
  std::vector<Expr> block;  // one index per block axis
  Expr p0 = 0;              // first partition (on chip) or row (HBM)
  int64_t np = 0;
  Expr f0 = 0;              // first free element (on chip) or column (HBM)
  int64_t nf = 0;

  // Narrow the view; offsets are relative to the view.
  View rows(Expr first, int64_t count) const;
  View cols(Expr first, int64_t count) const;
};

// An HBM rectangle: rows [r0, r0+nr), cols [c0, c0+nc).
View hbm_slice(const TensorRef& t, Expr r0, int64_t nr, Expr c0, int64_t nc);

}  // namespace trnsim

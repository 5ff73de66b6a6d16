// How a kernel's views read in NKI Python: basic indexing of tiles and HBM tensors in either
// API generation, and strided operands over a common grid (nl.arange in NKI 0.1, tile.ap in
// the nki namespace). Used by NkiBackend (nki_backend.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/api/tensor.h"

namespace trnsim::nki {

enum class NkiApi { v0_1, v0_3 };  // the generations NkiBackend writes (nki_backend.h)

// How a view reads in NKI 0.1: `lhsT[k * 128:k * 128 + 128, 0:128]`, `rhs_tiles[bk]`,
// `res_psum`. As an assignment target a whole tile is written `name[...]`. In the nki
// namespace the partition comes first: `rhs_tiles[:, bk, :]`. A strided view is a UserError.
std::string read_expression(const View& v, NkiApi api = NkiApi::v0_1);
std::string write_expression(const View& v, NkiApi api = NkiApi::v0_1);

// The free-axis counts of a call's strided operands (all must agree), or none if every
// operand is a rectangle: NKI's elementwise calls take operands of one shape, so a strided
// operand [P, c1, c2] makes the call's rectangles [P, c1, c2] as well.
std::vector<int64_t> common_grid(const std::vector<const View*>& views);

// `v` over the grid [np, counts...]: with nl.arange indices (NKI 0.1), or as an access pattern
// on its tile's storage (the nki namespace's tile.ap).
std::string grid_indexed(const View& v, const std::vector<int64_t>& counts);
std::string ap_indexed(const View& v, const std::vector<int64_t>& counts);

}  // namespace trnsim::nki

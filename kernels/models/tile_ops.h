// Small on-chip steps the decoder operators share (kernels/models/decoder_ops.h).
#pragma once

#include "kernels/api/backend.h"

namespace trnsim {

// [rows, row.nf] in SBUF, every row a copy of the HBM row `row` [1, n]: made on the Tensor
// Engine as ones[1, rows]^T @ row (a partition broadcast; a DMA cannot repeat a row).
TensorRef broadcast_rows(Backend& b, const View& row, int64_t rows);

// The columns [first, first + groups * width) of `v` taken as `groups` runs of `width`,
// `group_stride` apart (0: the same run repeated, a broadcast).
View grouped(const View& v, int64_t first, int64_t groups, int64_t group_stride, int64_t width);

// y = x / sqrt(mean(x^2) + eps) * gamma over each group of `group` columns of the on-chip
// view x [s, F] (F a multiple of group), gamma_rows [>= s, group]; y may be x.
void normalize_groups(Backend& b, const View& x, const View& y, const View& gamma_rows,
                      int64_t group, float eps);

}  // namespace trnsim

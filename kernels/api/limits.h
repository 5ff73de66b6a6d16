// NKI's tile and layout limits (reference trainium.md §2.2 and §6.2), checked by every backend
// before it accepts a call, so a schedule that breaks one fails the same way on both targets.
// These are properties of the NKI programming model (`nl.tile_size`), the same on trn1/trn2.
#pragma once

#include "kernels/api/scalar.h"
#include "kernels/api/tensor.h"

namespace trnsim::limits {

constexpr int64_t kPmax = 128;           // nl.tile_size.pmax
constexpr int64_t kPsumFmax = 512;       // nl.tile_size.psum_fmax (fp32 elements, one bank)
constexpr int64_t kStationaryFmax = 128;  // nl.tile_size.gemm_stationary_fmax
constexpr int64_t kMovingFmax = 512;     // nl.tile_size.gemm_moving_fmax
constexpr int64_t kBnStatsFmax = 512;    // nl.tile_size.bn_stats_fmax (nki.isa.bn_stats)

// Each throws UserError naming the operation, the limit and the values.
void check_view(const char* op, const View& v);
void check_dma_copy(const View& dst, const View& src);
void check_dma_transpose(const View& dst, const View& src);
void check_matmul(const View& psum, const View& stationary, const View& moving);
void check_transpose(const View& psum, const View& src);
void check_elementwise(const char* op, const View& dst, const View& src);
void check_tensor_tensor(const View& dst, const View& a, const View& b);
void check_on_chip(const char* op, const View& v);
void check_reduce(const View& dst, const View& src);
void check_engine_memory(const char* op, Engine engine, const View& v);
// A tile operand of tensor_scalar / activation: on chip, [src.np, 1]. A number passes.
// data0 / data1 as for tensor_tensor (not both in PSUM); `initial` a number or a [P, 1] tile.
void check_tensor_tensor_scan(const View& dst, const View& a, const View& b,
                              const Scalar& initial);
// iota / affine_select on the GpSimd: on chip and not in PSUM; a comparison as the predicate.
void check_affine_select(const View& dst, AluOp cmp, const View& on_true);
void check_scalar_operand(const char* op, const View& src, const Scalar& operand);
// bn_stats: src [P, F <= bn_stats_fmax] -> dst [P, 6]; bn_aggr: src [P, 3k] -> dst [P, 2];
// on chip, on the Vector Engine.
void check_bn_stats(const View& dst, const View& src);
void check_bn_aggr(const View& dst, const View& src);

}  // namespace trnsim::limits

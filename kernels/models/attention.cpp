// Grouped-query attention for prefill (causal, flash style) and decode (one token against the
// KV cache), kernels/models/decoder_ops.h. Scores are q k^T with the head dimension contracted
// on partitions, so q^T and k^T are made on the Tensor Engine from the token-major tensors;
// P V contracts over keys, so each probability tile is transposed the same way.
#include <cmath>

#include "kernels/matmul/matmul_kernels.h"
#include "kernels/models/decoder_ops.h"
#include "kernels/registry.h"

namespace trnsim {
namespace {

constexpr float kMaskedScore = -3.0e38f;  // below every score: exp() of it is 0

void check_heads(const std::string& kernel, const AttentionShape& a) {
  if (a.batch < 1 || a.q_heads < 1 || a.kv_heads < 1 || a.head_dim < 1)
    throw UserError(kernel + ": batch, heads and head_dim must be positive");
  require_multiple(kernel, "q_heads", a.q_heads, a.kv_heads, "whole groups of query heads");
  if (a.head_dim > kTileK || a.q_heads / a.kv_heads > kTileM)
    throw UserError(kernel + ": head_dim and q_heads / kv_heads must be at most 128");
}

// src [p, f] on chip -> dst [f, p] on chip through a PSUM transpose.
void transpose_to(Backend& b, const View& dst, const View& src, const std::string& name) {
  const TensorRef ps = b.psum_tile(name + "_psum", src.nf, src.np, kPipelineBufs);
  b.transpose(ps.all(), src);
  b.tensor_copy(dst, ps.all(), Engine::scalar);
}

// The running state of one query tile's online softmax: row max m, row sum l, output o.
struct SoftmaxState {
  View m, l, o;
};

// One key tile into the state: scores (masked on the diagonal), then
// m' = max(m, rowmax), p = exp(s - m'), c = exp(m - m'), l = l c + rowsum(p), o = o c + p V.
void online_softmax_step(Backend& b, const View& qT, const View& kT, const View& v,
                         const SoftmaxState& st, float scale, bool diagonal, Dtype dt) {
  const int64_t s = qT.nf, keys = kT.nf, d = v.nf;
  const TensorRef scores_ps = b.psum_tile("scores_psum", s, keys, kPipelineBufs);
  b.matmul(scores_ps.all(), qT, kT);
  const TensorRef scores = b.sbuf_tile("scores", {}, s, keys, Dtype::fp32, kPipelineBufs);
  b.activation(scores.all(), scores_ps.all(), ActFunc::identity, scale);
  // query p sees key f of the same tile if p - f >= 0
  if (diagonal) b.affine_select(scores.all(), {0, 1, -1}, AluOp::greater_equal, scores.all(),
                                kMaskedScore);
  const TensorRef stats = b.sbuf_tile("tile_stats", {}, s, 4, Dtype::fp32, kPipelineBufs);
  const View tile_max = stats.all().cols(0, 1), new_max = stats.all().cols(1, 1);
  const View neg_max = stats.all().cols(2, 1), correction = stats.all().cols(3, 1);
  b.reduce(tile_max, scores.all(), AluOp::max);
  b.tensor_tensor(new_max, st.m, tile_max, AluOp::max);
  b.tensor_scalar(neg_max, new_max, AluOp::multiply, -1.0f);
  const TensorRef p = b.sbuf_tile("probs", {}, s, keys, dt, kPipelineBufs);
  b.activation(p.all(), scores.all(), ActFunc::exp, 1.0f, neg_max);
  b.activation(correction, st.m, ActFunc::exp, 1.0f, neg_max);
  b.tensor_copy(st.m, new_max, Engine::vector);
  const TensorRef tile_sum = b.sbuf_tile("tile_sum", {}, s, 1, Dtype::fp32, kPipelineBufs);
  b.reduce(tile_sum.all(), p.all(), AluOp::add);
  b.tensor_scalar(st.l, st.l, ScalarOp{AluOp::multiply, correction},
                  ScalarOp{AluOp::add, tile_sum.all()}, Engine::vector);
  const TensorRef pT = b.sbuf_tile("probs_T", {}, keys, s, dt, kPipelineBufs);
  transpose_to(b, pT.all(), p.all(), "probs_T");
  const TensorRef pv = b.psum_tile("pv_psum", s, d, kPipelineBufs);
  b.matmul(pv.all(), pT.all(), v);
  b.tensor_scalar(st.o, st.o, ScalarOp{AluOp::multiply, correction}, ScalarOp{},
                  Engine::vector);
  b.tensor_tensor(st.o, st.o, pv.all(), AluOp::add);
}

}  // namespace

void attention_prefill(Backend& b, const View& q, const View& k, const View& v, const View& out,
                       const AttentionShape& a) {
  const std::string name = "attention_prefill";
  check_heads(name, a);
  const int64_t d = a.head_dim, group = a.q_heads / a.kv_heads;
  require_multiple(name, "q rows", q.np, a.batch, "the same prompt length per sequence");
  const int64_t S = q.np / a.batch, s = token_tile(name, S), tiles = S / s;
  if (q.nf != a.q_heads * d || k.nf != a.kv_heads * d || v.nf != a.kv_heads * d ||
      k.np != q.np || v.np != q.np || out.np != q.np || out.nf != q.nf)
    throw UserError(name + ": q, out [tokens, q_heads * d] and k, v [tokens, kv_heads * d]");
  const Dtype dt = q.tensor.dtype;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));

  b.for_range("bt", a.batch, Loop::affine, [&](Expr bt) {
    const Expr row0 = bt * S;
    b.for_range("g", a.kv_heads, Loop::affine, [&](Expr g) {
      // k^T [d, S] and the V tiles of this KV head, for every query head of its group.
      const TensorRef kT = b.sbuf_tile("kT", {}, d, S, dt, kPipelineBufs);
      const TensorRef vt = b.sbuf_tile("v_tiles", {tiles}, s, d, dt, kPipelineBufs);
      b.for_range("kt", tiles, Loop::affine, [&](Expr kt) {
        const TensorRef kt_tile = b.sbuf_tile("k_tile", {}, s, d, dt, kPipelineBufs);
        b.dma_copy(kt_tile.all(), k.rows(row0 + kt * s, s).cols(g * d, d));
        transpose_to(b, kT.all().cols(kt * s, s), kt_tile.all(), "kT");
        b.dma_copy(vt.block({kt}), v.rows(row0 + kt * s, s).cols(g * d, d));
      });
      b.for_range("hh", group, Loop::affine, [&](Expr hh) {
        const Expr head = g * group + hh;
        const TensorRef qT = b.sbuf_tile("qT_tiles", {tiles}, d, s, dt, kPipelineBufs);
        const TensorRef m = b.sbuf_tile("row_max", {tiles}, s, 1, Dtype::fp32, kPipelineBufs);
        const TensorRef l = b.sbuf_tile("row_sum", {tiles}, s, 1, Dtype::fp32, kPipelineBufs);
        const TensorRef o = b.sbuf_tile("o_acc", {tiles}, s, d, Dtype::fp32, kPipelineBufs);
        b.for_range("qt", tiles, Loop::affine, [&](Expr qt) {
          const TensorRef q_tile = b.sbuf_tile("q_tile", {}, s, d, dt, kPipelineBufs);
          b.dma_copy(q_tile.all(), q.rows(row0 + qt * s, s).cols(head * d, d));
          transpose_to(b, qT.block({qt}), q_tile.all(), "qT");
          b.memset(m.block({qt}), kMaskedScore);
          b.memset(l.block({qt}), 0.0f);
          b.memset(o.block({qt}), 0.0f);
        });
        // Key tile j for query tile j + delta: one loop per diagonal, so the causal mask is
        // only on delta = 0 and the pairs of one diagonal are independent.
        for (int64_t delta = 0; delta < tiles; ++delta) {
          b.for_range("j", tiles - delta, Loop::affine, [&](Expr j) {
            const Expr i = j + delta;
            online_softmax_step(b, qT.block({i}), kT.all().cols(j * s, s), vt.block({j}),
                                {m.block({i}), l.block({i}), o.block({i})}, scale, delta == 0,
                                dt);
          });
        }
        b.for_range("qt", tiles, Loop::affine, [&](Expr qt) {
          const TensorRef inv = b.sbuf_tile("inv_sum", {}, s, 1, Dtype::fp32, kPipelineBufs);
          b.reciprocal(inv.all(), l.block({qt}));
          const TensorRef ot = b.sbuf_tile("o_tile", {}, s, d, out.tensor.dtype, kPipelineBufs);
          b.tensor_scalar(ot.all(), o.block({qt}), ScalarOp{AluOp::multiply, inv.all()},
                          ScalarOp{}, Engine::vector);
          b.dma_copy(out.rows(row0 + qt * s, s).cols(head * d, d), ot.all());
        });
      });
    });
  });
}

void attention_decode(Backend& b, const View& q, const View& k_cache, const View& v_cache,
                      const View& out, const AttentionShape& a, int64_t cached) {
  const std::string name = "attention_decode";
  check_heads(name, a);
  const int64_t d = a.head_dim, group = a.q_heads / a.kv_heads, L = cached;
  if (L < 1) throw UserError(name + ": the cache must hold at least the new token");
  if (q.np != a.batch * a.q_heads || q.nf != d || out.np != q.np || out.nf != q.nf ||
      k_cache.np != a.batch * L || v_cache.np != k_cache.np || k_cache.nf != a.kv_heads * d ||
      v_cache.nf != k_cache.nf)
    throw UserError(name + ": q, out [batch * q_heads, d]; k_cache, v_cache [batch * " +
                    std::to_string(L) + ", kv_heads * d]");
  const Dtype dt = q.tensor.dtype;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));

  b.for_range("bt", a.batch, Loop::affine, [&](Expr bt) {
    const Expr row0 = bt * L;
    b.for_range("g", a.kv_heads, Loop::affine, [&](Expr g) {
      const TensorRef q_tile = b.sbuf_tile("q_heads", {}, group, d, dt, kPipelineBufs);
      const Expr head0 = bt * a.q_heads + g * group;  // the group's first row of q and out
      b.dma_copy(q_tile.all(), q.rows(head0, group));
      const TensorRef qT = b.sbuf_tile("qT", {}, d, group, dt, kPipelineBufs);
      transpose_to(b, qT.all(), q_tile.all(), "qT");
      const TensorRef kT = b.sbuf_tile("kT", {}, d, L, dt, kPipelineBufs);
      for_chunks(b, "kt", L, kTileK, Loop::affine, [&](Expr k0, int64_t n) {
        const TensorRef k_tile = b.sbuf_tile("k_tile", {}, n, d, dt, kPipelineBufs);
        b.dma_copy(k_tile.all(), k_cache.rows(row0 + k0, n).cols(g * d, d));
        transpose_to(b, kT.all().cols(k0, n), k_tile.all(), "kT");
      });
      // scores [G, L] = q k^T * scale, then one softmax along the free axis
      const TensorRef scores = b.sbuf_tile("scores", {}, group, L, Dtype::fp32, kPipelineBufs);
      for_chunks(b, "sc", L, kTileN, Loop::affine, [&](Expr c0, int64_t n) {
        const TensorRef ps = b.psum_tile("scores_psum", group, n, kPipelineBufs);
        b.matmul(ps.all(), qT.all(), kT.all().cols(c0, n));
        b.activation(scores.all().cols(c0, n), ps.all(), ActFunc::identity, scale);
      });
      const TensorRef stats = b.sbuf_tile("row_stats", {}, group, 3, Dtype::fp32, kPipelineBufs);
      const View row_max = stats.all().cols(0, 1), neg_max = stats.all().cols(1, 1);
      const View inv_sum = stats.all().cols(2, 1);
      b.reduce(row_max, scores.all(), AluOp::max);
      b.tensor_scalar(neg_max, row_max, AluOp::multiply, -1.0f);
      const TensorRef p = b.sbuf_tile("probs", {}, group, L, dt, kPipelineBufs);
      b.activation(p.all(), scores.all(), ActFunc::exp, 1.0f, neg_max);
      b.reduce(row_max, p.all(), AluOp::add);  // the row sum, over the max no longer needed
      b.reciprocal(inv_sum, row_max);
      // out [G, d] = P V, accumulated over key tiles in one PSUM bank
      const TensorRef acc = b.psum_tile("pv_psum", group, d, kPipelineBufs);
      for_chunks(b, "vt", L, kTileK, Loop::affine, [&](Expr k0, int64_t n) {
        const TensorRef pT = b.sbuf_tile("probs_T", {}, n, group, dt, kPipelineBufs);
        transpose_to(b, pT.all(), p.all().cols(k0, n), "probs_T");
        const TensorRef v_tile = b.sbuf_tile("v_tile", {}, n, d, dt, kPipelineBufs);
        b.dma_copy(v_tile.all(), v_cache.rows(row0 + k0, n).cols(g * d, d));
        b.matmul(acc.all(), pT.all(), v_tile.all());
      });
      const TensorRef o = b.sbuf_tile("o_tile", {}, group, d, out.tensor.dtype, kPipelineBufs);
      b.tensor_scalar(o.all(), acc.all(), ScalarOp{AluOp::multiply, inv_sum}, ScalarOp{},
                      Engine::vector);
      b.dma_copy(out.rows(head0, group), o.all());
    });
  });
}

}  // namespace trnsim

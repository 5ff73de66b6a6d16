// The operators of a decoder-only LLM layer, as schedules on the shared backend (DESIGN.md §3):
// each reads its operands from HBM views and writes its result to one, so that a layer is a
// sequence of kernels with HBM between them. Activations are token-major, [tokens, features]
// (row = token); weights are [in features, out features], the layout the Tensor Engine streams
// as its moving operand. Tokens are tiled by 128 on partitions (fewer tokens: one partial tile).
#pragma once

#include <functional>
#include <string>

#include "kernels/api/backend.h"

namespace trnsim {

// body(first, size) for consecutive chunks of `chunk` elements covering [0, total): the whole
// chunks under one loop named `name`, then the last, shorter one (if any) on its own.
void for_chunks(Backend& b, const std::string& name, int64_t total, int64_t chunk, Loop kind,
                const std::function<void(Expr first, int64_t size)>& body);

// Tokens per tile: all of them below 128, else 128 (and then a multiple of 128 is required).
int64_t token_tile(const std::string& kernel, int64_t tokens);

// y = x / sqrt(mean(x^2 over each group of `group` columns) + eps) * gamma, gamma [1, group]
// the same for every group: one group per row (RMSNorm, group = features) or one per head
// (Qwen3's q/k norm, group = head_dim). x, y [S, F]. With `transposed`, y is [F, S] (y = x^T
// normalized: the layout NeuronMM's dense MLP baseline reads), made by Tensor Engine
// transposes before the store.
void rmsnorm(Backend& b, const View& x, const View& gamma, const View& y, int64_t group,
             float eps, bool transposed = false);

// y = a + b, all [S, F].
void residual_add(Backend& b, const View& a, const View& c, const View& y);

// y = x W with x [S, K] and W [K, N]: x^T is made on the Tensor Engine (128 x 128 transposes)
// and kept in SBUF for a block of token tiles; W streams in [128, 512] tiles, once per block.
void linear(Backend& b, const View& x, const View& w, const View& y);

// Rotary position embedding (rotate-half, as Llama and Qwen3 apply it) of `heads` heads of
// `head_dim` columns each: x [S, heads * head_dim], cos and sin [S, head_dim / 2] (the rows of
// the tokens' positions), y like x. out1 = x1 cos - x2 sin, out2 = x2 cos + x1 sin for the two
// halves x1, x2 of each head. With a `norm_gamma` view [1, head_dim], each head is first
// RMS-normalized (Qwen3's q_norm / k_norm) with `eps`.
struct RopeShape {
  int64_t heads = 0, head_dim = 0;
};
void rope(Backend& b, const View& x, const View& cos, const View& sin, const View& y,
          const RopeShape& shape, const View* norm_gamma = nullptr, float eps = 0);

// Grouped-query attention shapes: `q_heads` query heads share each of `kv_heads` K/V heads.
struct AttentionShape {
  int64_t batch = 1, q_heads = 0, kv_heads = 0, head_dim = 0;
};

// Causal self-attention over a prompt, flash style: per query tile, key tiles up to the
// diagonal with an online softmax (running max, sum and output rescaled per key tile), so no
// score matrix larger than 128 x 128 exists. q [B * S, q_heads * d], k and v
// [B * S, kv_heads * d], out like q; softmax scale 1 / sqrt(d).
void attention_prefill(Backend& b, const View& q, const View& k, const View& v, const View& out,
                       const AttentionShape& shape);

// One new token per sequence against a KV cache in HBM: q [B * q_heads, d] (the bytes of the
// projection's [B, q_heads * d], one head per row); k_cache and v_cache [B * L, kv_heads * d],
// the L = `cached` positions of each sequence including the new one (the projection wrote its
// row); out like q. Per KV head, the G = q/kv heads' scores [G, L] are one softmax in SBUF.
void attention_decode(Backend& b, const View& q, const View& k_cache, const View& v_cache,
                      const View& out, const AttentionShape& shape, int64_t cached);

}  // namespace trnsim

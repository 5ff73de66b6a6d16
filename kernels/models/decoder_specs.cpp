// The decoder operators as kernels of the library (kernels/registry.h), so each can be run,
// checked against Eigen, tuned and emitted as NKI on its own: `trnsim run llm_linear ...`.
// The LLM runner (sim/run/llm_run.h) calls the same functions on the model's tensors.
#include "kernels/models/decoder_ops.h"
#include "kernels/models/decoder_specs.h"

namespace trnsim {
namespace {

void llm_rmsnorm(Backend& b, const Assignments& s, const Assignments& p, Dtype dt) {
  require_positive("llm_rmsnorm", s);
  const int64_t S = s.at("S"), F = s.at("F"), group = s.at("GROUP");
  const bool transposed = p.at("TRANSPOSED") != 0;
  const TensorRef x = b.hbm_input("x", S, F, dt);
  const TensorRef gamma = b.hbm_input("gamma", 1, group, dt);
  const TensorRef y = transposed ? b.hbm_output("yT", F, S, dt) : b.hbm_output("y", S, F, dt);
  rmsnorm(b, x.all(), gamma.all(), y.all(), group, kLibraryNormEps, transposed);
}

void llm_residual_add(Backend& b, const Assignments& s, const Assignments&, Dtype dt) {
  require_positive("llm_residual_add", s);
  const int64_t S = s.at("S"), F = s.at("F");
  const TensorRef a = b.hbm_input("a", S, F, dt), c = b.hbm_input("b", S, F, dt);
  residual_add(b, a.all(), c.all(), b.hbm_output("y", S, F, dt).all());
}

void llm_linear(Backend& b, const Assignments& s, const Assignments&, Dtype dt) {
  require_positive("llm_linear", s);
  const int64_t S = s.at("S"), K = s.at("K"), N = s.at("N");
  const TensorRef x = b.hbm_input("x", S, K, dt), w = b.hbm_input("W", K, N, dt);
  linear(b, x.all(), w.all(), b.hbm_output("y", S, N, dt).all());
}

void llm_rope(Backend& b, const Assignments& s, const Assignments& p, Dtype dt) {
  require_positive("llm_rope", s);
  const RopeShape r{s.at("HEADS"), s.at("D")};
  const int64_t S = s.at("S");
  const TensorRef x = b.hbm_input("x", S, r.heads * r.head_dim, dt);
  const TensorRef cos = b.hbm_input("cos", S, r.head_dim / 2, dt);
  const TensorRef sin = b.hbm_input("sin", S, r.head_dim / 2, dt);
  const bool norm = p.at("QK_NORM") != 0;
  TensorRef gamma;
  if (norm) gamma = b.hbm_input("gamma", 1, r.head_dim, dt);
  const View gamma_view = norm ? gamma.all() : View{};
  const TensorRef y = b.hbm_output("y", S, r.heads * r.head_dim, dt);
  rope(b, x.all(), cos.all(), sin.all(), y.all(), r, norm ? &gamma_view : nullptr,
       kLibraryNormEps);
}

AttentionShape attention_shape(const Assignments& s) {
  return {s.at("B"), s.at("QH"), s.at("KVH"), s.at("D")};
}

void llm_attention_prefill(Backend& b, const Assignments& s, const Assignments&, Dtype dt) {
  require_positive("llm_attention_prefill", s);
  const AttentionShape a = attention_shape(s);
  const int64_t rows = a.batch * s.at("S");
  const TensorRef q = b.hbm_input("q", rows, a.q_heads * a.head_dim, dt);
  const TensorRef k = b.hbm_input("k", rows, a.kv_heads * a.head_dim, dt);
  const TensorRef v = b.hbm_input("v", rows, a.kv_heads * a.head_dim, dt);
  const TensorRef out = b.hbm_output("out", rows, a.q_heads * a.head_dim, dt);
  attention_prefill(b, q.all(), k.all(), v.all(), out.all(), a);
}

void llm_attention_decode(Backend& b, const Assignments& s, const Assignments&, Dtype dt) {
  require_positive("llm_attention_decode", s);
  const AttentionShape a = attention_shape(s);
  const int64_t L = s.at("L");
  const TensorRef q = b.hbm_input("q", a.batch * a.q_heads, a.head_dim, dt);
  const TensorRef k = b.hbm_input("k_cache", a.batch * L, a.kv_heads * a.head_dim, dt);
  const TensorRef v = b.hbm_input("v_cache", a.batch * L, a.kv_heads * a.head_dim, dt);
  const TensorRef out = b.hbm_output("out", a.batch * a.q_heads, a.head_dim, dt);
  attention_decode(b, q.all(), k.all(), v.all(), out.all(), a, L);
}

}  // namespace

std::vector<KernelSpec> decoder_kernel_specs() {
  // Llama-3.2-1B's dimensions (kernels/models/configs/llama-3.2-1b.yaml) at 512 tokens.
  const Assignments heads = {{"QH", 32}, {"KVH", 8}, {"D", 64}};
  Assignments prefill = heads, decode = heads;
  prefill.insert({{"B", 1}, {"S", 512}});
  decode.insert({{"B", 1}, {"L", 544}});
  return {
      {"llm_rmsnorm", "RMSNorm of each row (GROUP = F) or head (GROUP = head_dim) times gamma",
       {{"S", 512}, {"F", 2048}, {"GROUP", 2048}}, {{"TRANSPOSED", 0}}, KernelMath::rmsnorm,
       llm_rmsnorm},
      {"llm_residual_add", "y = a + b, token-major", {{"S", 512}, {"F", 2048}}, {},
       KernelMath::elementwise_sum, llm_residual_add},
      {"llm_linear", "y = x W: x^T transposed on the Tensor Engine, W streamed in 128 x 512 tiles",
       {{"S", 512}, {"K", 2048}, {"N", 3072}}, {}, KernelMath::x_times_w, llm_linear},
      {"llm_rope", "rotary embedding (rotate-half) of every head, QK_NORM=1: Qwen3's head norm",
       {{"S", 512}, {"HEADS", 32}, {"D", 64}}, {{"QK_NORM", 0}}, KernelMath::rope, llm_rope},
      {"llm_attention_prefill", "causal grouped-query attention, flash style (online softmax)",
       prefill, {}, KernelMath::causal_attention, llm_attention_prefill},
      {"llm_attention_decode", "one token per sequence against an L-token KV cache in HBM",
       decode, {}, KernelMath::decode_attention, llm_attention_decode},
  };
}

}  // namespace trnsim

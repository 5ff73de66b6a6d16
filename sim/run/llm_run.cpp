#include "sim/run/llm_run.h"

#include <functional>
#include <map>

#include "common/checked.h"
#include "kernels/compress/block_svd.h"
#include "kernels/models/decoder_ops.h"
#include "kernels/registry.h"
#include "sim/backend/sim_backend.h"
#include "sim/model/neuron_core.h"
#include "sim/trace/summary.h"

namespace trnsim::run {
namespace {

constexpr Dtype kDtype = Dtype::bf16;  // weights, activations and the KV cache
constexpr int64_t kTile = 128;         // tokens per tile; the factors' rank granularity
constexpr int64_t kMlpBlock = 512;     // mlp_dense takes the tokens in blocks of this many

using Build = std::function<void(Backend&)>;

// What one simulation of an operator kernel gave.
struct Measured {
  double ns = 0;
  int64_t read = 0, write = 0, flops = 0;
  std::string bound_by;
  double busy_ns = 0;
};

double value_of(const trace::Stat* s) { return trace::numeric_value(s).value_or(0); }

// Each distinct operator kernel (by its key: the kernel and its shape) is simulated once.
class OperatorCache {
 public:
  OperatorCache(const HwConfig& hw, const Budget& budget) : hw_(hw), budget_(budget) {}

  const Measured& measure(const std::string& key, const Build& build) {
    const auto found = cache_.find(key);
    if (found != cache_.end()) return found->second;
    backend::SimBackend b(hw_, key, budget_);
    build(b);
    const isa::Program program = b.finish();
    model::SimulationOptions options;
    options.budget = budget_;
    const model::RunResult run = model::simulate(program, hw_, options);
    const trace::Summary s = trace::summarize(program, run, hw_, {});
    Measured m;
    m.ns = run.sim_time_ns;
    m.read = static_cast<int64_t>(value_of(trace::find(s, "hbm_read_bytes")));
    m.write = static_cast<int64_t>(value_of(trace::find(s, "hbm_write_bytes")));
    m.flops = static_cast<int64_t>(value_of(trace::find(s, "flops")));
    for (const char* engine : {"Tensor", "Vector", "Scalar", "GpSimd", "DMA"}) {
      const double busy = value_of(trace::find_engine_stat(s, engine, "busy_ns"));
      if (busy > m.busy_ns) m.busy_ns = busy, m.bound_by = engine;
    }
    return cache_.emplace(key, m).first->second;
  }
  int simulations() const { return static_cast<int>(cache_.size()); }

 private:
  const HwConfig& hw_;
  Budget budget_;
  std::map<std::string, Measured> cache_;
};

std::string dims(std::initializer_list<int64_t> values) {
  std::string out;
  for (int64_t v : values) out += (out.empty() ? "" : "x") + std::to_string(v);
  return out;
}

// The operators of the model, each a kernel with its own HBM tensors.
struct Operators {
  const LlmConfig& m;
  std::string mlp;  // "dense" or "neuronmm"
  int64_t rank;

  std::pair<std::string, Build> norm(int64_t rows, bool transposed) const {
    const LlmConfig& c = m;
    return {"rmsnorm " + dims({rows, c.hidden, transposed}), [&c, rows, transposed](Backend& b) {
              const TensorRef x = b.hbm_input("x", rows, c.hidden, kDtype);
              const TensorRef g = b.hbm_input("gamma", 1, c.hidden, kDtype);
              const TensorRef y = transposed ? b.hbm_output("yT", c.hidden, rows, kDtype)
                                             : b.hbm_output("y", rows, c.hidden, kDtype);
              rmsnorm(b, x.all(), g.all(), y.all(), c.hidden, static_cast<float>(c.norm_eps),
                      transposed);
            }};
  }
  // An operator that is a library kernel as it stands (kernels/models/decoder_specs.cpp).
  static std::pair<std::string, Build> library(const std::string& kernel, Assignments shape) {
    std::string key = kernel;
    for (const auto& [name, value] : shape) key += " " + name + "=" + std::to_string(value);
    return {key, [kernel, shape](Backend& b) {
              const KernelSpec& spec = find_kernel(kernel);
              spec.build(b, shape, spec.default_params, kDtype);
            }};
  }
  static std::pair<std::string, Build> linear_op(int64_t rows, int64_t k, int64_t n) {
    return library("llm_linear", {{"S", rows}, {"K", k}, {"N", n}});
  }
  std::pair<std::string, Build> rope_op(int64_t rows, int64_t first, int64_t heads) const {
    const LlmConfig& c = m;
    return {"rope " + dims({rows, first, heads}), [&c, rows, first, heads](Backend& b) {
              const int64_t d = c.head_dim;
              const TensorRef qkv = b.hbm_input("qkv", rows, c.qkv_width(), kDtype);
              const TensorRef cos = b.hbm_input("cos", rows, d / 2, kDtype);
              const TensorRef sin = b.hbm_input("sin", rows, d / 2, kDtype);
              View gamma;
              if (c.qk_norm) gamma = b.hbm_input("head_gamma", 1, d, kDtype).all();
              const TensorRef y = b.hbm_output("y", rows, heads * d, kDtype);
              rope(b, qkv.all().cols(first, heads * d), cos.all(), sin.all(), y.all(), {heads, d},
                   c.qk_norm ? &gamma : nullptr, static_cast<float>(c.norm_eps));
            }};
  }
  AttentionShape heads(int64_t batch) const {
    return {batch, m.heads, m.kv_heads, m.head_dim};
  }
  std::pair<std::string, Build> prefill_attention(int64_t batch, int64_t tokens) const {
    const LlmConfig& c = m;
    const AttentionShape a = heads(batch);
    return {"attention prefill " + dims({batch, tokens}), [&c, a, tokens](Backend& b) {
              const int64_t rows = a.batch * tokens;
              const TensorRef q = b.hbm_input("q", rows, c.q_width(), kDtype);
              const TensorRef k = b.hbm_input("k", rows, c.kv_width(), kDtype);
              const TensorRef qkv = b.hbm_input("qkv", rows, c.qkv_width(), kDtype);  // v
              const TensorRef out = b.hbm_output("attn", rows, c.q_width(), kDtype);
              attention_prefill(b, q.all(), k.all(),
                                qkv.all().cols(c.q_width() + c.kv_width(), c.kv_width()),
                                out.all(), a);
            }};
  }
  std::pair<std::string, Build> decode_attention(int64_t batch, int64_t cached) const {
    const LlmConfig& c = m;
    const AttentionShape a = heads(batch);
    return {"attention decode " + dims({batch, cached}), [&c, a, cached](Backend& b) {
              // q and the output as [B * heads, d]: the bytes of [B, heads * d]
              const TensorRef q = b.hbm_input("q", a.batch * c.heads, c.head_dim, kDtype);
              const TensorRef k = b.hbm_input("k_cache", a.batch * cached, c.kv_width(), kDtype);
              const TensorRef v = b.hbm_input("v_cache", a.batch * cached, c.kv_width(), kDtype);
              const TensorRef out = b.hbm_output("attn", a.batch * c.heads, c.head_dim, kDtype);
              attention_decode(b, q.all(), k.all(), v.all(), out.all(), a, cached);
            }};
  }
  static std::pair<std::string, Build> residual(int64_t rows, int64_t width) {
    return library("llm_residual_add", {{"S", rows}, {"F", width}});
  }
  std::pair<std::string, Build> mlp_op(int64_t rows) const {
    if (mlp == "dense")
      return library("mlp_dense", {{"S", rows}, {"H", m.hidden}, {"I", m.intermediate}});
    return library("mlp_neuronmm",
                   {{"S", rows}, {"H", m.hidden}, {"I", m.intermediate}, {"R", rank}});
  }
};

class PhaseCounter {
 public:
  PhaseCounter(OperatorCache& cache, PhaseTotal& phase) : cache_(cache), phase_(phase) {}
  void add(const std::string& name, const std::pair<std::string, Build>& op) {
    const Measured& m = cache_.measure(op.first, op.second);
    auto it = index_.find(name);
    if (it == index_.end()) {
      it = index_.emplace(name, phase_.operators.size()).first;
      phase_.operators.emplace_back();
      phase_.operators.back().name = name;
    }
    OperatorTotal& t = phase_.operators[it->second];
    t.calls += 1;
    t.ns += m.ns;
    t.hbm_read_bytes += m.read;
    t.hbm_write_bytes += m.write;
    t.flops += m.flops;
    if (m.ns > slowest_[name]) {
      slowest_[name] = m.ns;
      t.bound_by = m.bound_by;
      t.busy_share = m.ns > 0 ? m.busy_ns / m.ns : 0;
    }
    phase_.calls.push_back({static_cast<int>(it->second), m.ns});
    phase_.ns += m.ns;
  }

 private:
  OperatorCache& cache_;
  PhaseTotal& phase_;
  std::map<std::string, size_t> index_;
  std::map<std::string, double> slowest_;
};

// One pass of `rows` token rows through every layer, then the final norm and the LM head on
// the last position of each of `batch` sequences, in the order they run.
void count_pass(PhaseCounter& phase, const Operators& ops, int64_t rows, int64_t batch,
                const std::pair<std::string, Build>& attention) {
  const LlmConfig& m = ops.m;
  // NeuronMM's dense baseline reads x^T; its fused kernels read x as it is.
  const std::vector<std::pair<std::string, std::pair<std::string, Build>>> layer = {
      {"attn_norm", ops.norm(rows, false)},
      {"qkv_proj", Operators::linear_op(rows, m.hidden, m.qkv_width())},
      {"rope_q", ops.rope_op(rows, 0, m.heads)},
      {"rope_k", ops.rope_op(rows, m.q_width(), m.kv_heads)},
      {"attention", attention},
      {"o_proj", Operators::linear_op(rows, m.q_width(), m.hidden)},
      {"attn_residual", Operators::residual(rows, m.hidden)},
      {"mlp_norm", ops.norm(rows, ops.mlp == "dense")},
      {"mlp", ops.mlp_op(rows)},
      {"mlp_residual", Operators::residual(rows, m.hidden)},
  };
  for (int64_t l = 0; l < m.layers; ++l)
    for (const auto& [name, op] : layer) phase.add(name, op);
  phase.add("final_norm", ops.norm(batch, false));
  phase.add("lm_head", Operators::linear_op(batch, m.hidden, m.vocab));
}

// The prompt length the kernels run: the batch's token rows must be one partial tile (below
// 128), whole tiles up to 512, or whole blocks of 512 (the dense MLP's tutorial matmul); the
// shortest length from `prompt` up that gives such rows, in whole tiles above one tile.
int64_t padded_prompt(int64_t prompt, int64_t batch) {
  for (int64_t p = prompt;; ++p) {
    const int64_t rows = batch * p;
    const bool tiles = rows < kTile || (rows <= kMlpBlock ? rows % kTile == 0
                                                         : rows % kMlpBlock == 0);
    if ((p <= kTile || p % kTile == 0) && tiles) return p;
  }
}

// A product of sizes from the model file and the command line, checked (common/checked.h).
int64_t product(std::initializer_list<int64_t> factors, const std::string& what) {
  int64_t p = 1;
  for (int64_t f : factors) p = checked_mul(p, f, what);
  return p;
}

int64_t weight_bytes(const LlmConfig& m, int64_t rank) {
  const std::string what = m.name + "'s weight bytes";
  const int64_t H = m.hidden, I = m.intermediate;
  const int64_t mlp = rank > 0 ? product({3, rank, H + I}, what) : product({3, H, I}, what);
  const int64_t norms = 2 * H + (m.qk_norm ? 2 * m.head_dim : 0);
  const int64_t attention = product({H, m.qkv_width()}, what) + product({m.q_width(), H}, what);
  const int64_t layer = checked_add(attention, mlp + norms, what);
  const int64_t embeddings = product({m.vocab, H, m.tied_embeddings ? 1 : 2}, what);
  return product({checked_add(product({m.layers, layer}, what), embeddings + H, what),
                  dtype_size(kDtype)}, what);
}

}  // namespace

LlmResult run_llm(const LlmRequest& r) {
  const LlmConfig& m = r.model;
  if (r.prompt < 1 || r.generate < 0 || r.batch < 1 || r.prompt > kMaxAssignment ||
      r.generate > kMaxAssignment || r.batch > kMaxAssignment)
    throw UserError("llm: --prompt and --batch must be at least 1, --generate at least 0, "
                    "each at most 2^31 - 1");
  if (r.prompt + r.generate > m.max_context)
    throw UserError("llm: a prompt of " + std::to_string(r.prompt) + " tokens and " +
                    std::to_string(r.generate) + " generated is longer than " + m.name +
                    "'s context of " + std::to_string(m.max_context) + " tokens");
  LlmResult out;
  out.model = m.name;
  out.hw = r.hw.label();
  out.prompt = r.prompt;
  out.padded_prompt = padded_prompt(r.prompt, r.batch);
  out.generate = r.generate;
  out.batch = r.batch;
  out.peak_flop_per_ns = 2.0 * r.hw.tensor.rows * r.hw.tensor.columns * r.hw.tensor.clock_ghz;
  out.hbm_bytes_per_ns = r.hw.hbm.bandwidth_bytes_per_ns;

  std::vector<std::pair<std::string, int64_t>> variants = {{"dense", 0}};
  if (r.ratio) {
    const int64_t rank = compress::block_aligned_rank(m.hidden, m.intermediate, *r.ratio, kTile);
    variants.push_back({"neuronmm", rank});
  }
  OperatorCache cache(r.hw, r.budget);
  for (const auto& [mlp, rank] : variants) {
    LlmVariant v;
    v.mlp = mlp;
    v.rank = rank;
    v.weight_bytes = weight_bytes(m, rank);
    v.kv_cache_bytes = product({2, m.layers, r.batch, r.prompt + r.generate, m.kv_width(),
                                dtype_size(kDtype)}, "the KV cache bytes");
    const int64_t needed = checked_add(v.weight_bytes, v.kv_cache_bytes, "the HBM bytes");
    if (needed > r.hw.hbm.capacity_bytes)
      throw UserError("llm: " + m.name + (mlp == "dense" ? "" : " (NeuronMM)") + " needs " +
                      std::to_string(v.weight_bytes) + " bytes of weights and " +
                      std::to_string(v.kv_cache_bytes) + " of KV cache, " +
                      std::to_string(needed) + " bytes; HBM has " +
                      std::to_string(r.hw.hbm.capacity_bytes) + " (hbm.capacity_bytes)");
    const Operators ops{m, mlp, rank};
    PhaseCounter prefill(cache, v.prefill);
    const int64_t tokens = out.padded_prompt;
    count_pass(prefill, ops, r.batch * tokens, r.batch, ops.prefill_attention(r.batch, tokens));
    PhaseCounter decode(cache, v.decode);
    for (int64_t step = 1; step <= r.generate; ++step)  // the cache holds the new token too
      count_pass(decode, ops, r.batch, r.batch, ops.decode_attention(r.batch, r.prompt + step));
    out.variants.push_back(std::move(v));
  }
  out.simulations = cache.simulations();
  return out;
}

}  // namespace trnsim::run

// A decoder-only LLM as trnsim simulates it: the dimensions of its published config
// (kernels/models/configs/*.yaml, loaded by sim/run/llm_model_file.h). Pure data.
#pragma once

#include <cstdint>
#include <string>

namespace trnsim {

struct LlmConfig {
  std::string name;    // "Llama-3.2-1B"
  std::string source;  // where the numbers come from
  int64_t hidden = 0;        // hidden_size
  int64_t intermediate = 0;  // intermediate_size (the SwiGLU MLP's)
  int64_t layers = 0;        // num_hidden_layers
  int64_t heads = 0;         // num_attention_heads
  int64_t kv_heads = 0;      // num_key_value_heads
  int64_t head_dim = 0;
  int64_t vocab = 0;         // vocab_size
  int64_t max_context = 0;   // max_position_embeddings
  bool tied_embeddings = false;  // tie_word_embeddings: the LM head is the embedding matrix
  bool qk_norm = false;          // an RMSNorm on each head of q and k before RoPE (Qwen3)
  double rope_theta = 0;
  double norm_eps = 0;       // rms_norm_eps

  int64_t q_width() const { return heads * head_dim; }
  int64_t kv_width() const { return kv_heads * head_dim; }
  int64_t qkv_width() const { return q_width() + 2 * kv_width(); }
};

}  // namespace trnsim

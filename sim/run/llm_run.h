// A whole decoder-only LLM on one NeuronCore (`trnsim llm`): the prefill of a prompt, then one
// decode step per generated token, each a sequence of operator kernels (kernels/models) with
// HBM between them. How the time is counted:
// - every operator is its own kernel, simulated alone from an idle core to its last
//   instruction, and an operator starts when the one before it has finished: consecutive
//   operators do not overlap and nothing is counted between them (no launch overhead), so the
//   operators' times add up to the total exactly;
// - the layers are identical, so each operator is simulated once per phase and counted
//   `layers` times; a decode step's attention is simulated at its own KV length (each distinct
//   length once), every other decode operator once (one token per sequence at every step);
// - the prompt is padded (a bucket) until the batch's token rows tile the kernels: below 128
//   rows as they are, up to 512 in whole tiles of 128, above in whole blocks of 512 (the dense
//   MLP's matmul); the padded tokens are computed, not kept in the KV cache. The LM head runs
//   on the last position of each sequence only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/budget.h"
#include "kernels/models/llm_config.h"
#include "sim/config/hw_config.h"

namespace trnsim::run {

struct LlmRequest {
  LlmConfig model;
  HwConfig hw;
  int64_t prompt = 128;
  int64_t generate = 32;
  int64_t batch = 1;
  std::optional<double> ratio;  // also run NeuronMM's MLP on SVD factors at this ratio
  Budget budget;                // per operator simulation
};

// One operator over a phase: all its calls (layers x steps).
struct OperatorTotal {
  std::string name;
  int64_t calls = 0;
  double ns = 0;
  int64_t hbm_read_bytes = 0, hbm_write_bytes = 0;
  int64_t flops = 0;
  std::string bound_by;  // the engine (or "DMA") busy longest in its slowest call
  double busy_share = 0;  // that engine's busy time over the operator's time
};

struct PhaseTotal {
  double ns = 0;
  std::vector<OperatorTotal> operators;  // in layer order, then the final norm and LM head
  struct Call {
    int op = 0;  // index into operators
    double ns = 0;
  };
  std::vector<Call> calls;  // every operator call in the order they run
};

// One model variant (dense MLP, or NeuronMM's at a ratio) end to end.
struct LlmVariant {
  std::string mlp;   // "dense" or "neuronmm"
  int64_t rank = 0;  // the factors' rank (neuronmm)
  PhaseTotal prefill, decode;
  int64_t weight_bytes = 0, kv_cache_bytes = 0;
  double time_to_first_token_ns() const { return prefill.ns; }
  double time_per_output_token_ns(int64_t generate) const {
    return generate > 0 ? decode.ns / generate : 0;
  }
  double end_to_end_ns() const { return prefill.ns + decode.ns; }
};

struct LlmResult {
  std::string model, hw;
  int64_t prompt = 0, padded_prompt = 0, generate = 0, batch = 0;
  double peak_flop_per_ns = 0, hbm_bytes_per_ns = 0;  // the roofline's two peaks
  std::vector<LlmVariant> variants;  // dense first
  int simulations = 0;               // distinct operator simulations
};

// Throws UserError for a prompt past the model's context, weights or a KV cache larger than
// HBM (with the bytes), or a shape an operator cannot tile.
LlmResult run_llm(const LlmRequest& request);

}  // namespace trnsim::run

// `trnsim llm` (issue 11): the model files, the runner's accounting and its refusals. Numbers
// asserted here come from the models' published configs, from the operators' byte counts
// derived by hand, or from simulating the same operator kernel through the kernel library.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "sim/run/kernel_run.h"
#include "sim/run/llm_model_file.h"
#include "sim/run/llm_run.h"
#include "tests/cli_runner.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::contains;

const run::OperatorTotal& op(const run::PhaseTotal& p, const std::string& name) {
  for (const run::OperatorTotal& o : p.operators)
    if (o.name == name) return o;
  throw std::logic_error("no operator " + name);
}

run::LlmResult llama_1b(int64_t prompt, int64_t generate, std::optional<double> ratio) {
  run::LlmRequest r;
  r.model = run::load_llm_model("Llama-3.2-1B");
  r.hw = testing::trn1();
  r.prompt = prompt;
  r.generate = generate;
  r.ratio = ratio;
  return run::run_llm(r);
}

TEST(LlmModels, TheBundledModelsCarryTheirPublishedConfigs) {
  // config.json of each model on Hugging Face (the files' `source:`): hidden, intermediate,
  // layers, heads, KV heads, head_dim, vocabulary.
  struct Published {
    const char* name;
    int64_t hidden, intermediate, layers, heads, kv_heads, head_dim, vocab;
    bool tied, qk_norm;
  };
  const std::vector<Published> published = {
      {"Llama-3.2-1B", 2048, 8192, 16, 32, 8, 64, 128256, true, false},
      {"Llama-3.2-3B", 3072, 8192, 28, 24, 8, 128, 128256, true, false},
      {"Llama-3.1-8B", 4096, 14336, 32, 32, 8, 128, 128256, false, false},
      {"Qwen3-1.7B", 2048, 6144, 28, 16, 8, 128, 151936, true, true},
      {"Qwen3-4B", 2560, 9728, 36, 32, 8, 128, 151936, true, true}};
  for (const Published& p : published) {
    SCOPED_TRACE(p.name);
    const LlmConfig m = run::load_llm_model(p.name);
    EXPECT_EQ(m.name, p.name);
    EXPECT_EQ(m.hidden, p.hidden);
    EXPECT_EQ(m.intermediate, p.intermediate);
    EXPECT_EQ(m.layers, p.layers);
    EXPECT_EQ(m.heads, p.heads);
    EXPECT_EQ(m.kv_heads, p.kv_heads);
    EXPECT_EQ(m.head_dim, p.head_dim);
    EXPECT_EQ(m.vocab, p.vocab);
    EXPECT_EQ(m.tied_embeddings, p.tied);
    EXPECT_EQ(m.qk_norm, p.qk_norm);
  }
  EXPECT_EQ(run::bundled_models().size(), 5u);
}

TEST(LlmModels, ABadModelFileIsOneLineNamingTheKey) {
  const std::string good = testing::read_text(run::models_dir() + "/llama-3.2-1b.yaml");
  auto error_of = [&](const std::string& from, const std::string& to) {
    const std::string path = testing::temp_path("model.yaml");
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    std::ofstream(path) << text;
    return testing::user_error_of([&] { run::load_llm_model(path); });
  };
  EXPECT_TRUE(contains(error_of("head_dim: 64\n", ""), "head_dim: missing"));
  EXPECT_TRUE(
      contains(error_of("head_dim:", "head_dimm:"), "unknown key; did you mean 'head_dim'"));
  EXPECT_TRUE(contains(error_of("vocab_size: 128256", "vocab_size: many"),
                       ":11: vocab_size: expected an integer"));
  EXPECT_TRUE(contains(error_of("head_dim: 64", "head_dim: 63"), "head_dim: must be even"));
  EXPECT_TRUE(contains(error_of("num_key_value_heads: 8", "num_key_value_heads: 5"),
                       "must divide num_attention_heads"));
  EXPECT_TRUE(contains(error_of("qk_norm: false", "qk_norm: 0"), "expected true or false"));
  EXPECT_TRUE(contains(testing::user_error_of([] { run::load_llm_model("Llama-3.2-2B"); }),
                       "unknown model 'Llama-3.2-2B'; did you mean"));
}

TEST(Llm, OperatorTimesAddUpAndEachIsItsKernelSimulatedAlone) {
  const run::LlmResult r = llama_1b(32, 2, 0.2);
  ASSERT_EQ(r.variants.size(), 2u);
  for (const run::LlmVariant& v : r.variants)
    for (const run::PhaseTotal* p : {&v.prefill, &v.decode}) {
      double sum = 0;
      for (const run::OperatorTotal& o : p->operators) sum += o.ns;
      EXPECT_NEAR(sum, p->ns, 1e-9 * p->ns);
      EXPECT_EQ(v.end_to_end_ns(), v.prefill.ns + v.decode.ns);
    }
  // The prefill's qkv_proj: 16 calls of the library kernel llm_linear at S=32, K=2048,
  // N = (32 + 2 x 8) x 64 = 3072, simulated on its own.
  run::KernelRunRequest k;
  k.kernel = "llm_linear";
  k.hw = testing::trn1();
  k.shape = {{"S", 32}, {"K", 2048}, {"N", 3072}};
  const double alone = run::run_kernel(k).run.sim_time_ns;
  const run::OperatorTotal& qkv = op(r.variants[0].prefill, "qkv_proj");
  EXPECT_EQ(qkv.calls, 16);
  EXPECT_DOUBLE_EQ(qkv.ns, 16 * alone);
  // NeuronMM changes only the MLP (and its norm's layout): the attention operators are equal.
  EXPECT_EQ(op(r.variants[1].prefill, "qkv_proj").ns, qkv.ns);
  EXPECT_EQ(r.variants[1].rank, 1280);  // round(2048 x 8192 x 0.8 / (10240 x 128)) x 128
}

TEST(Llm, DecodeReadsEachWeightOncePerStepAndTheCacheAtItsLength) {
  const int64_t P = 32, G = 3;
  const run::LlmResult r = llama_1b(P, G, std::nullopt);
  const run::PhaseTotal& d = r.variants[0].decode;
  // qkv_proj per call reads W [2048, 3072] and the token's x [1, 2048] in bf16 and writes
  // [1, 3072]: 16 layers x G steps.
  const run::OperatorTotal& qkv = op(d, "qkv_proj");
  EXPECT_EQ(qkv.calls, 16 * G);
  EXPECT_EQ(qkv.hbm_read_bytes, 16 * G * (2048 * 3072 + 2048) * 2);
  EXPECT_EQ(qkv.hbm_write_bytes, 16 * G * 3072 * 2);
  // The LM head reads the [2048, 128256] embedding once per step.
  EXPECT_EQ(op(d, "lm_head").hbm_read_bytes, G * (2048LL * 128256 + 2048) * 2);
  // Step t attends over L = P + t positions: K and V [L, 8 x 64] each, q [32, 64] in, out
  // [32, 64] written, per layer.
  int64_t attention = 0;
  for (int64_t t = 1; t <= G; ++t) attention += 16 * (2 * (P + t) * 512 + 32 * 64) * 2;
  EXPECT_EQ(op(d, "attention").hbm_read_bytes, attention);
  // One token per step: every weight matrix is streamed for 2 FLOPs per weight, 1 FLOP per
  // byte, below the ridge of trn1's roofline (2 x 128 x 128 x 2.8 GHz / 410 GB/s = 224).
  const run::OperatorTotal& mlp = op(d, "mlp");
  EXPECT_LT(static_cast<double>(mlp.flops) / (mlp.hbm_read_bytes + mlp.hbm_write_bytes), 1.01);
  EXPECT_EQ(mlp.bound_by, "DMA");
}

TEST(Llm, ALongPromptsMlpIsAboveTheRidgeOfTheRoofline) {
  // 2048 tokens: the MLP does 2 x 2048 x 3 x 2048 x 8192 FLOPs per layer on 100 MB of weights
  // read at least once, 2 x 2048 / 2 = 2048 FLOPs per weight byte at best; the tutorial
  // matmul reads them several times, but its FLOPs per byte stay above trn1's ridge of 224.
  const run::LlmResult r = llama_1b(2048, 0, std::nullopt);
  const run::OperatorTotal& mlp = op(r.variants[0].prefill, "mlp");
  EXPECT_EQ(mlp.flops, 16LL * 2 * 2048 * 3 * 2048 * 8192);
  EXPECT_GT(static_cast<double>(mlp.flops) / (mlp.hbm_read_bytes + mlp.hbm_write_bytes),
            r.peak_flop_per_ns / r.hbm_bytes_per_ns);
}

TEST(Llm, WhatCannotRunIsOneLine) {
  testing::expect_one_line_error(testing::trnsim("llm --model Qwen3-1.7B --prompt 40000 "
                                                 "--generate 1000"),
                                 1, "longer than Qwen3-1.7B's context of 40960 tokens");
  // Llama-3.1-8B's bf16 weights are 16,060,522,496 bytes: more than 8 GiB of HBM.
  testing::expect_one_line_error(testing::trnsim("llm --model Llama-3.1-8B --set "
                                                 "hbm.capacity_bytes=8589934592"),
                                 1, "needs 16060522496 bytes of weights");
  testing::expect_one_line_error(testing::trnsim("llm --model llama-3.2-1bb"), 2,
                                 "unknown model 'llama-3.2-1bb'");
  testing::expect_one_line_error(testing::trnsim("llm --model Llama-3.2-1B --ratio 1.5"), 2,
                                 "--ratio: expected a fraction");
  testing::expect_one_line_error(testing::trnsim("llm --model Llama-3.2-1B --prompt 0"), 1,
                                 "--prompt and --batch must be at least 1");
}

}  // namespace
}  // namespace trnsim

namespace trnsim {
namespace {

TEST(LlmCommand, JsonAndTraceCarryEveryOperatorCall) {
  const std::string trace = testing::temp_path("llm.trace.json");
  const testing::Result r = testing::trnsim("llm --model Llama-3.2-1B --prompt 32 --generate 2 "
                                            "--ratio 0.2 --json --trace " + trace);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["variants"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["speedup_end_to_end"].get<double>(),
                   j["variants"][0]["end_to_end_ns"].get<double>() /
                       j["variants"][1]["end_to_end_ns"].get<double>());
  // Per variant: 16 layers x 10 operators + the final norm and the LM head, once for the
  // prefill and once per decode step (3 passes), as slices; plus one name record.
  const nlohmann::json t = nlohmann::json::parse(testing::read_text(trace));
  EXPECT_EQ(t["traceEvents"].size(), 2u * (1 + 3 * (16 * 10 + 2)));
}

TEST(LlmCommand, ThePromptIsPaddedUntilTheBatchsRowsTileTheKernels) {
  // 300 tokens: 384 rows, whole tiles; two sequences of 300: 600 rows are neither tiles up to
  // 512 nor blocks of 512, so 512 each (1024 rows).
  auto padded = [](int64_t prompt, int64_t batch) {
    run::LlmRequest r;
    r.model = run::load_llm_model("Llama-3.2-1B");
    r.hw = testing::trn1();
    r.prompt = prompt;
    r.generate = 0;
    r.batch = batch;
    return run::run_llm(r).padded_prompt;
  };
  EXPECT_EQ(padded(300, 1), 384);
  EXPECT_EQ(padded(300, 2), 512);
  EXPECT_EQ(padded(100, 1), 100);
}

}  // namespace
}  // namespace trnsim

// The PE-level Tensor Engine (sim/model/pe_tensor_engine.h) against the transaction-level one,
// cycle by cycle, on hwconfig/teaching-pe.yaml (a 4x4 array: fast_weight_load_factor 4,
// mm_init_latency 0, result_latency 6, fp32 factor 4) and on a 16x16 variant of it. Every
// expected cycle is worked out by hand next to its assertion: the transaction-level ones from
// the cost rules (reference trainium.md §2, sim/cost/engine_cost.h), the PE-level ones from the
// array's geometry:
//   - a LoadStationary of M columns writes 4 columns per edge, one group every f edges; the
//     matmul may start feeding at the edge after the last group (as the cost rule's M/4 x f);
//   - moving column n enters at edge s + n f; PE (r, c) sees it at s + n f + r + c; the
//     partial sum leaves the bottom row (row R - 1) at s + n f + R - 1 + c and reaches PSUM
//     one edge later, so the last output (n = N - 1, c = M - 1) is in PSUM at
//     s + (N - 1) f + R + M - 1;
//   - the next weights may load into the idle bank from the edge the current matmul starts,
//     but a column group only once no moving value in flight still multiplies with it.
// Where the two models agree exactly and where (and why) they part is stated at each case.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/registry.h"
#include "sim/backend/sim_backend.h"
#include "sim/config/hw_config_loader.h"
#include "sim/model/neuron_core.h"
#include "sim/model/pe_tensor_engine.h"
#include "sim/run/kernel_run.h"
#include "tests/program_builder.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::psum;
using testing::sbuf;

HwConfig teaching(const std::vector<std::string>& overrides = {}) {
  HwConfig cfg = load_hw_config("teaching-pe");
  apply_overrides(cfg, overrides);
  return cfg;
}

HwConfig transaction_level(HwConfig cfg) {
  apply_override(cfg, "tensor.model=transaction");
  return cfg;
}

// Each Tensor Engine instruction's start, end (input port free) and completion, in TensorE
// cycles from time 0.
struct Cycles {
  int64_t start, end, complete;
  bool operator==(const Cycles& o) const {
    return start == o.start && end == o.end && complete == o.complete;
  }
};

std::ostream& operator<<(std::ostream& os, const Cycles& c) {
  return os << "{" << c.start << ", " << c.end << ", " << c.complete << "}";
}

std::vector<Cycles> tensor_cycles(const isa::Program& p, const HwConfig& cfg) {
  const model::RunResult run = model::simulate(p, cfg, {});
  std::vector<Cycles> out(p.stream(testing::tensor_stream()).size());
  const auto cycle = [&](double ns) { return std::llround(ns * cfg.tensor.clock_ghz); };
  for (const model::InstructionEvent& e : run.instructions)
    if (e.stream == testing::tensor_stream())
      out[e.index] = {cycle(e.start_ns), cycle(e.end_ns), cycle(e.complete_ns)};
  return out;
}

// One matmul on operands already in SBUF (no waits: every one is ready at time 0). Each
// stationary has its own SBUF offset unless `stationary_slot` repeats one; outputs go to
// distinct PSUM offsets.
struct Mm {
  int stationary_slot;
  int64_t k, m, n;
  Dtype dtype = Dtype::bf16;
};

isa::Program matmuls(const std::vector<Mm>& list) {
  isa::Program p;
  p.name = "pe_cycles";
  for (size_t i = 0; i < list.size(); ++i) {
    const Mm& mm = list[i];
    p.stream(testing::tensor_stream())
        .push_back(testing::matmul(psum(static_cast<int64_t>(i) * 2048, mm.m, mm.n),
                                   sbuf(mm.stationary_slot * 1024, mm.k, mm.m, mm.dtype),
                                   sbuf(65536 + static_cast<int64_t>(i) * 1024, mm.k, mm.n,
                                        mm.dtype)));
  }
  return p;
}

TEST(PeArray, FourByFourCycleByCycleAgainstTheCostRules) {
  const HwConfig pe = teaching();
  const HwConfig tl = transaction_level(pe);
  // W1 twice (reused), a narrow W2 (M = 2), then two short matmuls with new weights, then fp32.
  const isa::Program p = matmuls({{1, 4, 4, 8},
                                  {1, 4, 4, 8},
                                  {2, 4, 2, 8},
                                  {3, 4, 4, 2},
                                  {4, 4, 4, 2},
                                  {5, 4, 4, 3, Dtype::fp32}});
  // Transaction level (load = ceil(M / 4) f, MultiplyMoving = N f, complete = end + 6):
  //   A: load 0-1, start 1, end 9, complete 15.
  //   B: same stationary, no load; array free at 9: 9, 17, 23.
  //   C: load from B's start, 9 to 10; array free at 17: 17, 25, 31.
  //   D: load 17-18 (after C's start); array free at 25: 25, 27, 33.
  //   E: load 25-26; array free at 27: 27, 29, 35.
  //   F: fp32, load 27-31 (1 group x 4); start 31, end 31 + 3 x 4 = 43, complete 49.
  EXPECT_EQ(tensor_cycles(p, tl), (std::vector<Cycles>{{1, 9, 15},
                                                        {9, 17, 23},
                                                        {17, 25, 31},
                                                        {25, 27, 33},
                                                        {27, 29, 35},
                                                        {31, 43, 49}}));
  // PE level (R = 4):
  //   A: group 0 written at edge 0, feeds from 1; last output 1 + 7 + 4 + 3 = 15. Equal: 6 is
  //      R + M - 1 - f for M = 4, bf16, which teaching-pe's result_latency is derived from.
  //   B: reuses bank 0; starts when the port frees at 9; 9 + 7 + 7 = 23. Equal.
  //   C: loads bank 1 at edge 9 (nothing in flight uses it); starts 17; ends 25; completes
  //      17 + 7 + 4 + 1 = 29: two edges before the cost rule, its partial sums leave the
  //      bottom of column 1, not column 3 (the constant result latency ignores M).
  //   D: loads bank 0, whose B values are still in flight: B's last column entered at edge 16
  //      and reaches PE (3, 3) at 16 + 3 + 3 = 22, so the load waits until edge 22, done 23;
  //      the port frees at 25 anyway: 25, 27, 25 + 1 + 7 = 33. Equal: the wait was hidden.
  //   E: loads bank 1; C's values (width 2) need it until row 3's last one leaves column 0 at
  //      24 + 3 = 27, so the group is written at 28, done 29; start 29 (the cost rule: 27,
  //      it lets the load run as soon as D starts), end 31, complete 29 + 1 + 7 = 37.
  //   F: loads bank 0; D's last value (entered at 26) leaves column 2 of row 3 at 26 + 3 + 3 =
  //      32, so the group is written at 32, done 32 + 4 = 36; start 36, end 36 + 12 = 48,
  //      complete 36 + 2 x 4 + 4 + 3 = 51.
  EXPECT_EQ(tensor_cycles(p, pe), (std::vector<Cycles>{{1, 9, 15},
                                                        {9, 17, 23},
                                                        {17, 25, 29},
                                                        {25, 27, 33},
                                                        {29, 31, 37},
                                                        {36, 48, 51}}));
}

TEST(PeArray, SixteenBySixteenCycleByCycleAgainstTheCostRules) {
  // The same teaching config with a 16x16 array; result_latency stays 6, derived for 4x4, so
  // the cost rule's completions come R + M - 1 - f - 6 = 24 cycles early for M = 16.
  const HwConfig pe = teaching({"tensor.rows=16", "tensor.columns=16"});
  const HwConfig tl = transaction_level(pe);
  // Two long matmuls with different weights, then the first weights again (the cost rule
  // remembers only the last stationary, so it reloads), then two short ones.
  const isa::Program p = matmuls({{1, 16, 16, 32},
                                  {2, 16, 16, 32},
                                  {1, 16, 16, 32},
                                  {3, 16, 16, 16},
                                  {4, 16, 16, 16}});
  // Transaction level (load = 16 / 4 = 4 cycles):
  //   A: load 0-4, start 4, end 36, complete 42.
  //   B: load 4-8; start 36, end 68, complete 74.
  //   C: load 36-40; start 68, end 100, complete 106.
  //   D: load 68-72; start 100, end 116, complete 122.
  //   E: load 100-104; start 116, end 132, complete 138.
  EXPECT_EQ(tensor_cycles(p, tl), (std::vector<Cycles>{{4, 36, 42},
                                                        {36, 68, 74},
                                                        {68, 100, 106},
                                                        {100, 116, 122},
                                                        {116, 132, 138}}));
  // PE level (R = M = 16; completion = start + (N - 1) + 16 + 15):
  //   A: groups at edges 0-3, start 4, end 36, complete 4 + 31 + 31 = 66.
  //   B: bank 1 free, groups at 4-7; start 36, end 68, complete 98.
  //   C: bank 0 holds A's weights; A's last column entered at 35, row 15 passes column c at
  //      35 + 15 + c. Group g (columns 4g .. 4g + 3) is free once that value is past column
  //      4g + 2: g0 at 53, g1 at 57, g2 at 61, g3 at 65, done 66. The port frees at 68:
  //      start 68, end 100, complete 130. Starts equal: the long feed hides the wait.
  //   D: bank 1 (B's, last column at 67): groups at 85, 89, 93, 97, done 98; start 100 (the
  //      port), end 116, complete 100 + 15 + 31 = 146.
  //   E: bank 0 (C's, last column at 99): groups at 117, 121, 125, 129, done 130; the port
  //      freed at 116, so E starts at 130, 14 cycles after the cost rule's 116: a 16-column
  //      feed is shorter than the drain of the matmul two back. End 146, complete 176.
  EXPECT_EQ(tensor_cycles(p, pe), (std::vector<Cycles>{{4, 36, 66},
                                                        {36, 68, 98},
                                                        {68, 100, 130},
                                                        {100, 116, 146},
                                                        {130, 146, 176}}));
}

// Three matmuls accumulating into one PSUM tile (new weights each), one that reuses the last
// weights, and one with a narrow stationary, each result copied out: [16, 24], [16, 8], [8, 24].
isa::Program accumulating_program(const HwConfig& cfg, Dtype dt) {
  backend::SimBackend b(cfg, "pe_numerics");
  const TensorRef w = b.hbm_input("w", 16, 56, dt), x = b.hbm_input("x", 16, 80, dt);
  const auto load = [&](const char* name, const TensorRef& from, int64_t col, int64_t cols) {
    const TensorRef t = b.sbuf_tile(name, {}, 16, cols, dt, 1);
    b.dma_copy(t.all(), hbm_slice(from, 0, 16, col, cols));
    return t;
  };
  const TensorRef w0 = load("w0", w, 0, 16), w1 = load("w1", w, 16, 16);
  const TensorRef w2 = load("w2", w, 32, 16), narrow = load("narrow", w, 48, 8);
  const TensorRef x0 = load("x0", x, 0, 24), x1 = load("x1", x, 24, 24);
  const TensorRef x2 = load("x2", x, 48, 24), x3 = load("x3", x, 72, 8);
  const auto store = [&](const char* name, const TensorRef& acc, int64_t rows, int64_t cols) {
    const TensorRef out = b.hbm_output(name, rows, cols, dt);
    const TensorRef sb = b.sbuf_tile(std::string(name) + "_sb", {}, rows, cols, dt, 1);
    b.tensor_copy(sb.all(), acc.all(), Engine::vector);
    b.dma_copy(out.all(), sb.all());
  };
  const TensorRef acc = b.psum_tile("acc", 16, 24, 1);
  b.matmul(acc.all(), w0.all(), x0.all());
  b.matmul(acc.all(), w1.all(), x1.all());
  b.matmul(acc.all(), w2.all(), x2.all());
  const TensorRef reuse = b.psum_tile("reuse", 16, 8, 1);
  b.matmul(reuse.all(), w2.all(), x3.all());
  const TensorRef thin = b.psum_tile("thin", 8, 24, 1);
  b.matmul(thin.all(), narrow.all(), x0.all());
  store("acc_out", acc, 16, 24);
  store("reuse_out", reuse, 16, 8);
  store("thin_out", thin, 8, 24);
  return b.finish();
}

std::vector<std::vector<float>> run_numerics(const isa::Program& p, const HwConfig& cfg) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<std::vector<float>> hbm(p.tensors.size());
  for (size_t t = 0; t < 2; ++t) {
    hbm[t].resize(static_cast<size_t>(p.tensors[t].rows * p.tensors[t].cols));
    for (float& v : hbm[t]) v = uniform(rng);
  }
  model::SimulationOptions options;
  options.numerics = true;
  model::simulate(p, cfg, options, &hbm);
  return hbm;
}

TEST(PeArray, NumericsAreBitIdenticalToTheTransactionLevelModel) {
  // Both models sum each output over k in row order and round alike (pe_arithmetic.h), so
  // every output bit must agree, in bf16 (exact products) and fp32 (rounded products).
  const HwConfig pe = teaching({"tensor.rows=16", "tensor.columns=16"});
  const HwConfig tl = transaction_level(pe);
  for (Dtype dt : {Dtype::bf16, Dtype::fp32}) {
    const isa::Program p = accumulating_program(pe, dt);
    const auto by_pe = run_numerics(p, pe), by_tl = run_numerics(p, tl);
    for (size_t t = 2; t < p.tensors.size(); ++t) {
      ASSERT_EQ(by_pe[t].size(), by_tl[t].size());
      EXPECT_EQ(std::memcmp(by_pe[t].data(), by_tl[t].data(), by_pe[t].size() * sizeof(float)),
                0)
          << p.tensors[t].name << " " << dtype_name(dt);
    }
    // And both are the product: acc = sum of three 16-deep products, within fp32 accumulation
    // of 48 terms (48 x 2^-24 of the absolute sum, at most 48) plus one rounding to the dtype
    // (2^-8 in bf16, 2^-24 in fp32, of a value at most 48).
    const std::vector<float>& w = by_pe[0];
    const std::vector<float>& x = by_pe[1];
    const double rounding = dt == Dtype::bf16 ? 1.0 / 256 : 1.0 / (1 << 24);
    double worst = 0;
    for (int m = 0; m < 16; ++m)
      for (int n = 0; n < 24; ++n) {
        double sum = 0;
        for (int block = 0; block < 3; ++block)
          for (int k = 0; k < 16; ++k)
            sum += double(w[k * 56 + block * 16 + m]) * x[k * 80 + block * 24 + n];
        worst = std::max(worst, std::fabs(sum - by_pe[2][m * 24 + n]));
      }
    EXPECT_LE(worst, 48 * (48.0 / (1 << 24) + rounding)) << dtype_name(dt);
  }
}

TEST(PeArray, RefusesTheTutorialShapeAndTransposesWithOneLine) {
  // The tutorial shape on trn1's 128x128 array: 32 x 16 x 64 = 32768 matmuls of N = 512, each
  // bounded by 32 + 512 + 128 + 128 + 1 = 801 edges of 16384 PEs: 32768 x 801 x 16384 =
  // 430,033,600,512 PE-cycles, past 1e9.
  HwConfig cfg = testing::trn1();
  apply_override(cfg, "tensor.model=pe");
  const isa::Program tutorial = run::build_kernel_program(
      find_kernel("matmul_naive"), cfg, find_kernel("matmul_naive").default_shape, {},
      Dtype::bf16);
  EXPECT_EQ(model::pe_edge_bound(tutorial, cfg), int64_t{32768} * 801);
  EXPECT_EQ(testing::user_error_of([&] { model::simulate(tutorial, cfg, {}); }),
            "the PE-level Tensor Engine (tensor.model=pe) would step up to 430033600512 "
            "PE-cycles for 32768 matmuls on a 128x128 array; it is meant for small arrays and "
            "shapes (at most 1000000000); use tensor.model=transaction");
  isa::Program transpose;
  isa::Instruction t;
  t.op = isa::Opcode::transpose;
  t.dst = psum(0, 4, 4);
  t.src0 = sbuf(0, 4, 4);
  transpose.stream(testing::tensor_stream()).push_back(t);
  EXPECT_EQ(testing::user_error_of([&] { model::simulate(transpose, teaching(), {}); }),
            "tensor[0]: the PE-level Tensor Engine (tensor.model=pe) runs matmuls only; this is "
            "TRANSPOSE (use tensor.model=transaction)");
}

TEST(PeArray, EveryFrameOfTheFourByFourLessonFollowsTheSkew) {
  // matmul_tile K = M = N = 4 on teaching-pe, with its recorded frames. By the geometry (top of
  // this file), with the weights written at the first edge L and the feed starting at s = L + 1:
  //   - after edge e, PE (r, c) holds moving column n = e - s - r - c (if 0 <= n < 4), the value
  //     rhs[r][n], and the partial sum of output (c, n) over rows 0..r: r + 1 terms, summed in
  //     row order, with weights lhsT[r][c];
  //   - output (c, n) reaches PSUM at edge s + n + 4 + c; the last, (3, 3), at s + 10 = L + 11,
  //     so the array steps edges L .. L + 11: 12 frames.
  model::PeFrameLog log;
  run::KernelRunRequest request;
  request.kernel = "matmul_tile";
  request.hw = teaching();
  request.numerics = true;
  request.pe_frames = &log;
  const run::KernelRunOutput out = run::run_kernel(request);
  const std::vector<float>& lhsT = out.hbm[0];
  const std::vector<float>& rhs = out.hbm[1];
  ASSERT_EQ(log.frames.size(), 12u);
  const int64_t load = log.frames[0].cycle, s = load + 1;
  EXPECT_EQ(log.frames[0].loading_job, 0);
  EXPECT_EQ(log.frames[0].loaded_columns_end, 4);
  ASSERT_EQ(log.matmuls.size(), 1u);
  EXPECT_EQ(log.matmuls[0].feed_start_cycle, s);
  EXPECT_EQ(log.matmuls[0].done_cycle, s + 10);
  int written = 0;
  for (const model::PeFrame& f : log.frames) {
    const int64_t e = f.cycle;
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) {
        const model::ProcessingElement& pe = f.pes[static_cast<size_t>(r) * 4 + c];
        EXPECT_EQ(pe.weight[0], lhsT[r * 4 + c]);
        const int64_t n = e - s - r - c;
        if (n < 0 || n >= 4) {
          EXPECT_FALSE(pe.moving.tag.valid()) << "edge " << e << " PE " << r << "," << c;
          continue;
        }
        EXPECT_EQ(pe.moving.tag.n, n);
        EXPECT_EQ(pe.moving.value, rhs[r * 4 + n]);
        float sum = 0;
        for (int k = 0; k <= r; ++k) {
          const float product = lhsT[k * 4 + c] * rhs[k * 4 + n];
          sum = k == 0 ? product : sum + product;
        }
        EXPECT_EQ(pe.partial.value, sum);
        EXPECT_EQ(pe.partial.terms, r + 1);
      }
    for (const model::FinishedOutput& o : f.written) {
      EXPECT_EQ(e, s + o.sum.tag.n + 4 + o.column);
      ++written;
    }
  }
  EXPECT_EQ(written, 16);
}

TEST(PeArray, AReusedStationaryWhoseBytesChangedIsAnErrorNotAWrongNumber) {
  // Both models skip the reload of a stationary at the same SBUF bytes as the last one. Here a
  // DMA rewrites those bytes between two matmuls: the transaction level reads the new bytes
  // (its skip is timing only), the array still holds the old weights. The PE-level model says
  // so instead of returning a number that differs from the transaction level's.
  isa::Program p;
  p.tensors.push_back({"w", 4, 4, Dtype::bf16, isa::TensorRole::input});
  auto& tensor = p.stream(testing::tensor_stream());
  tensor.push_back(testing::matmul(psum(0, 4, 4), sbuf(0, 4, 4), sbuf(1024, 4, 4)));
  tensor.push_back(testing::matmul(psum(2048, 4, 4), sbuf(0, 4, 4), sbuf(1024, 4, 4)));
  tensor[1].waits = {{isa::dma_queue_stream(0), 1}};
  isa::Instruction reload = testing::dma(sbuf(0, 4, 4), testing::hbm(0, 4, 0, 0, 4, 4));
  reload.waits = {{testing::tensor_stream(), 1}};
  p.stream(isa::dma_queue_stream(0)).push_back(reload);
  std::vector<std::vector<float>> hbm = {std::vector<float>(16, 1.0f)};
  model::SimulationOptions options;
  options.numerics = true;
  const HwConfig pe = teaching(), tl = transaction_level(pe);
  EXPECT_NO_THROW(model::simulate(p, tl, options, &hbm));
  // Last: under ASan, the stack after an exception out of a SystemC run gives false reports
  // (Debian's SystemC switches stacks without telling ASan; README "Speed").
  EXPECT_EQ(testing::user_error_of([&] { model::simulate(p, pe, options, &hbm); }),
            "tensor[1]: reuses the stationary weights already in the array, but their SBUF "
            "bytes changed since they were loaded; the PE-level model cannot multiply with both");
}

}  // namespace
}  // namespace trnsim

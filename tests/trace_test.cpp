// sim/trace on a hand-built program and run (no simulation): every expected number below is
// derived in the comment next to it from the shapes and times chosen here.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/trace/instruction_csv.h"
#include "sim/trace/json_text.h"
#include "sim/trace/operands.h"
#include "sim/trace/perfetto_trace.h"
#include "sim/trace/summary.h"
#include "tests/test_helpers.h"

namespace trnsim::trace {
namespace {

using isa::AccessPattern;
using isa::Instruction;
using isa::Opcode;
using isa::Stream;

AccessPattern on_chip(Memory m, int64_t partitions, int64_t free, Dtype dt, int64_t offset = 0) {
  AccessPattern ap;
  ap.memory = m;
  ap.dtype = dt;
  ap.partitions = partitions;
  ap.offset_bytes = offset;
  ap.dims = {{1, free}};
  return ap;
}

// rows x cols of tensor `tensor`, row-major.
AccessPattern hbm(int32_t tensor, int64_t rows, int64_t cols, Dtype dt) {
  AccessPattern ap = on_chip(Memory::hbm, rows, cols, dt);
  ap.tensor = tensor;
  ap.partition_stride = cols;
  return ap;
}

Instruction make(Opcode op, AccessPattern dst, AccessPattern src0, AccessPattern src1 = {},
                 std::vector<isa::SemaphoreWait> waits = {}, std::string label = "") {
  Instruction in;
  in.op = op;
  in.dst = dst;
  in.src0 = src0;
  in.src1 = src1;
  in.waits = std::move(waits);
  in.label = std::move(label);
  return in;
}

const Stream kTensor = isa::compute_stream(Engine::tensor);
const Stream kVector = isa::compute_stream(Engine::vector);
const Stream kQ0 = isa::dma_queue_stream(0);
const Stream kQ1 = isa::dma_queue_stream(1);

// Tensor clock 2 GHz, 128x128 PEs: peak = 2 * 128 * 128 * 2 = 65,536 FLOP/ns.
HwConfig hand_config() {
  HwConfig cfg;
  cfg.name = "hand";
  cfg.tensor = {TensorModel::transaction, /*clock_ghz*/ 2.0, /*rows*/ 128, /*columns*/ 128};
  return cfg;
}

// Tensors (bytes = rows * cols * dtype size):
//   0 x      bf16 128x512 = 131,072     1 w    bf16 128x128 = 32,768
//   2 out    fp32 128x512 = 262,144     3 sp0  bf16 128x512 = 131,072 (role spill)
// qDma0: load x, load w.  qDma1: spill x, reload x, store out.
// Tensor: MATMUL psum[128x512 fp32] = w[K=128, M=128]^T @ x[K=128, N=512]; TRANSPOSE of w.
// Vector: TENSOR_COPY sbuf fp32 [128x512] <- psum.
isa::Program hand_program() {
  isa::Program p;
  p.name = "hand_matmul";
  p.footprint.peak_sbuf_bytes = 500000;
  p.tensors = {{"x", 128, 512, Dtype::bf16, isa::TensorRole::input},
               {"w", 128, 128, Dtype::bf16, isa::TensorRole::input},
               {"out", 128, 512, Dtype::fp32, isa::TensorRole::output},
               {"sp0", 128, 512, Dtype::bf16, isa::TensorRole::spill}};
  auto x_sb = on_chip(Memory::sbuf, 128, 512, Dtype::bf16, 0);
  auto w_sb = on_chip(Memory::sbuf, 128, 128, Dtype::bf16, 0x400);
  auto y_ps = on_chip(Memory::psum, 128, 512, Dtype::fp32);
  auto y_sb = on_chip(Memory::sbuf, 128, 512, Dtype::fp32, 0x500);
  p.stream(kQ0) = {make(Opcode::dma_copy, x_sb, hbm(0, 128, 512, Dtype::bf16)),
                   make(Opcode::dma_copy, w_sb, hbm(1, 128, 128, Dtype::bf16))};
  p.stream(kQ1) = {make(Opcode::dma_copy, hbm(3, 128, 512, Dtype::bf16), x_sb),
                   make(Opcode::dma_copy, x_sb, hbm(3, 128, 512, Dtype::bf16)),
                   make(Opcode::dma_copy, hbm(2, 128, 512, Dtype::fp32), y_sb)};
  p.stream(kTensor) = {
      make(Opcode::matmul, y_ps, w_sb, x_sb, {{kQ0, 2}}, "mm"),
      make(Opcode::transpose, on_chip(Memory::psum, 128, 128, Dtype::fp32), w_sb)};
  p.stream(kVector) = {make(Opcode::tensor_copy, y_sb, y_ps, {}, {{kTensor, 2}},
                            "evict \"psum\", fp32")};
  return p;
}

// The hand-built events start as soon as their semaphores allow: waited_ns = start_ns.
model::InstructionEvent ev(Stream s, uint32_t i, double ready, double start, double end,
                           double complete) {
  return {s, i, ready, start, start, end, complete};
}

// sim_time 1024 ns. qDma0's two transfers overlap in flight ([0,300] and [100,350]).
// Packets (engine, queue, transfer, bytes, descriptors, start, end); DMA busy is their union:
// [0,300] + [300,400] + [500,600] + [850,1000] = 300 + 100 + 100 + 150 = 650 ns.
model::RunResult hand_run() {
  model::RunResult r;
  r.sim_time_ns = 1024;
  r.wall_seconds = 0.002;
  r.instructions = {
      ev(kQ0, 0, 0, 0, 100, 300),          ev(kQ0, 1, 100, 100, 150, 350),
      ev(kQ1, 0, 300, 300, 320, 420),      ev(kQ1, 1, 320, 500, 520, 620),
      ev(kQ1, 2, 520, 850, 870, 1024),     ev(kTensor, 0, 0, 350, 533.5, 600),
      ev(kTensor, 1, 533.5, 533.5, 600, 650), ev(kVector, 0, 0, 650, 800, 850)};
  r.dma_packets = {{0, 0, 0, 65536, 8, 0, 200},    {1, 0, 0, 65536, 8, 0, 200},
                   {0, 0, 1, 32768, 8, 200, 300},  {2, 1, 0, 131072, 16, 300, 400},
                   {2, 1, 1, 131072, 16, 500, 600}, {3, 1, 2, 262144, 32, 850, 1000}};
  for (const model::DmaPacketEvent& p : r.dma_packets) {  // what the model keeps, as it does
    r.dma_busy.add(p.start_ns, p.end_ns);
    r.dma_descriptors += p.descriptors;
  }
  r.busy_ns[size_t(isa::index(kTensor))] = 250;  // 183.5 + 66.5
  r.busy_ns[size_t(isa::index(kVector))] = 150;
  return r;
}

int64_t int_stat(const Summary& s, const char* name) {
  const Stat* st = find(s, name);
  EXPECT_NE(st, nullptr) << name;
  return st ? std::get<int64_t>(st->value) : -1;
}

double double_stat(const Summary& s, const char* name) {
  const Stat* st = find(s, name);
  EXPECT_NE(st, nullptr) << name;
  return st ? std::get<double>(st->value) : -1;
}

TEST(TraceSummary, NumbersDerivedByHand) {
  Summary s = summarize(hand_program(), hand_run(), hand_config(),
                        {"", "", std::nullopt, {}, std::nullopt});
  EXPECT_EQ(std::get<std::string>(find(s, "kernel")->value), "hand_matmul");  // from Program
  EXPECT_EQ(std::get<std::string>(find(s, "hw")->value), "hand");             // from HwConfig
  EXPECT_DOUBLE_EQ(double_stat(s, "sim_time_ns"), 1024);
  EXPECT_EQ(int_stat(s, "sim_cycles"), 2048);  // 1024 ns * 2 GHz
  // 2*K*M*N = 2*128*128*512 = 16,777,216; the TRANSPOSE adds nothing.
  EXPECT_EQ(int_stat(s, "flops"), 2LL * 128 * 128 * 512);
  // 16,777,216 / (65,536 FLOP/ns * 1024 ns) = 0.25
  EXPECT_DOUBLE_EQ(double_stat(s, "mfu"), 0.25);
  // Reads: x 131,072 + w 32,768 + reload 131,072 = 294,912. Writes: spill 131,072 + out
  // 262,144 = 393,216. Without spills: 294,912 + 393,216 - 2 * 131,072 = 425,984.
  EXPECT_EQ(int_stat(s, "hbm_read_bytes"), 294912);
  EXPECT_EQ(int_stat(s, "hbm_write_bytes"), 393216);
  EXPECT_EQ(int_stat(s, "spill_bytes"), 131072);
  EXPECT_EQ(int_stat(s, "reload_bytes"), 131072);
  EXPECT_EQ(int_stat(s, "kernel_hbm_bytes"), 425984);
  // Compute engines in SBUF: matmul reads w 32,768 + x 131,072; transpose reads w 32,768;
  // tensor_copy writes 128*512*4 = 262,144. DMA SBUF traffic is not counted.
  EXPECT_EQ(int_stat(s, "sbuf_engine_bytes"), 32768 + 131072 + 32768 + 262144);
  // PSUM: matmul writes 262,144 (not accumulating), transpose writes 128*128*4 = 65,536,
  // tensor_copy reads 262,144.
  EXPECT_EQ(int_stat(s, "psum_bytes"), 262144 + 65536 + 262144);
  EXPECT_EQ(int_stat(s, "dma_transfers"), 5);
  EXPECT_EQ(int_stat(s, "dma_descriptors"), 8 + 8 + 8 + 16 + 16 + 32);
  EXPECT_EQ(int_stat(s, "peak_sbuf_bytes"), 500000);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(find(s, "peak_psum_bytes")->value));
  EXPECT_EQ(int_stat(s, "instructions"), 8);
  EXPECT_DOUBLE_EQ(double_stat(s, "sim_instructions_per_second"), 4000);  // 8 / 0.002 s
  EXPECT_TRUE(std::holds_alternative<std::monostate>(find(s, "max_abs_err")->value));

  EXPECT_DOUBLE_EQ(std::get<double>(find_engine_stat(s, "Tensor", "utilization")->value),
                   250.0 / 1024);
  EXPECT_EQ(std::get<int64_t>(find_engine_stat(s, "Tensor", "instructions")->value), 2);
  EXPECT_DOUBLE_EQ(std::get<double>(find_engine_stat(s, "DMA", "busy_ns")->value), 650);
  EXPECT_EQ(std::get<int64_t>(find_engine_stat(s, "DMA", "instructions")->value), 5);
  EXPECT_DOUBLE_EQ(std::get<double>(find_engine_stat(s, "Scalar", "busy_ns")->value), 0);
}

TEST(TraceSummary, AccumulatingMatmulReadsAndWritesPsum) {
  isa::Program p;
  Instruction mm = make(Opcode::matmul, on_chip(Memory::psum, 128, 512, Dtype::fp32),
                        on_chip(Memory::sbuf, 128, 128, Dtype::bf16),
                        on_chip(Memory::sbuf, 128, 512, Dtype::bf16));
  mm.accumulate = true;
  p.stream(kTensor) = {mm};
  Summary s = summarize(p, model::RunResult{}, hand_config(), {"k", "trn1", 0.5, {}, 2.0});
  EXPECT_EQ(int_stat(s, "psum_bytes"), 2 * 262144);  // read + write of 128*512*4
  // Empty run: ratios over zero time are null rather than inf.
  EXPECT_TRUE(std::holds_alternative<std::monostate>(find(s, "mfu")->value));
  EXPECT_TRUE(
      std::holds_alternative<std::monostate>(find(s, "sim_instructions_per_second")->value));
  EXPECT_DOUBLE_EQ(double_stat(s, "max_abs_err"), 0.5);
  EXPECT_DOUBLE_EQ(double_stat(s, "max_abs_reference"), 2.0);
  EXPECT_EQ(std::get<std::string>(find(s, "hw")->value), "trn1");
}

TEST(TraceSummary, JsonHasEveryKeyAndTextIsAligned) {
  Summary s =
      summarize(hand_program(), hand_run(), hand_config(),
                {"mm", "trn1", std::nullopt, {}, std::nullopt});
  nlohmann::json j = summary_to_json(s);
  for (const char* key :
       {"kernel", "hw", "sim_time_ns", "sim_cycles", "flops", "mfu", "hbm_read_bytes",
        "hbm_write_bytes", "spill_bytes", "reload_bytes", "kernel_hbm_bytes",
        "sbuf_engine_bytes", "psum_bytes", "dma_transfers", "dma_descriptors",
        "peak_sbuf_bytes", "peak_psum_bytes", "instructions", "wall_s",
        "sim_instructions_per_second", "max_abs_err", "max_abs_reference", "engines"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_TRUE(j["max_abs_err"].is_null());
  EXPECT_TRUE(j["max_abs_reference"].is_null());
  EXPECT_EQ(j["kernel"], "mm");
  EXPECT_EQ(j["flops"].get<int64_t>(), 16777216);
  for (const char* e : {"Tensor", "Vector", "Scalar", "GpSimd", "DMA"}) {
    ASSERT_TRUE(j["engines"].contains(e)) << e;
    for (const char* k : {"busy_ns", "utilization", "instructions"})
      EXPECT_TRUE(j["engines"][e].contains(k)) << e << "." << k;
  }
  EXPECT_EQ(j["engines"].size(), 5u);

  std::string text = summary_to_text(s);
  EXPECT_NE(text.find("flops"), std::string::npos);
  EXPECT_NE(text.find("16777216 FLOP"), std::string::npos);
  EXPECT_NE(text.find("# flops / (2 * PE rows"), std::string::npos);
  // Every top-level line puts its "#" in the same column.
  std::istringstream lines(text);
  std::string line;
  size_t hash_col = std::string::npos;
  for (size_t n = 0; n < s.stats.size() && std::getline(lines, line); ++n) {
    size_t col = line.find("  # ");
    ASSERT_NE(col, std::string::npos) << line;
    if (hash_col == std::string::npos) hash_col = col;
    EXPECT_EQ(col, hash_col) << line;
  }
  EXPECT_NE(text.find("\nengines\n"), std::string::npos);
}

TEST(TracePerfetto, TracksEventsAndCounters) {
  std::ostringstream trace;
  write_perfetto_trace(trace, hand_program(), hand_run(), hand_config());
  nlohmann::json j = nlohmann::json::parse(trace.str());  // throws if malformed
  ASSERT_TRUE(j["traceEvents"].is_array());

  std::map<int, std::string> track;  // tid -> name
  std::map<int, int> sort_index;
  std::vector<nlohmann::json> slices, counters;
  for (const auto& e : j["traceEvents"]) {
    EXPECT_EQ(e["pid"], 1);
    if (e["ph"] == "M" && e["name"] == "thread_name") track[e["tid"]] = e["args"]["name"];
    if (e["ph"] == "M" && e["name"] == "thread_sort_index")
      sort_index[e["tid"]] = e["args"]["sort_index"];
    if (e["ph"] == "X") slices.push_back(e);
    if (e["ph"] == "C") counters.push_back(e);
  }
  // 4 compute engines (Scalar and GpSimd idle but present), qDma0 on two lanes because its
  // transfers overlap in flight, qDma1, and the four DMA engines that moved packets.
  std::set<std::string> names;
  for (const auto& [tid, name] : track) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"Tensor", "Vector", "Scalar", "GpSimd", "qDma0",
                                          "qDma0 #2", "qDma1", "DMA engine 0", "DMA engine 1",
                                          "DMA engine 2", "DMA engine 3"}));
  std::map<std::string, int> order;
  for (const auto& [tid, name] : track) order[name] = sort_index[tid];
  EXPECT_LT(order["Tensor"], order["Vector"]);
  EXPECT_LT(order["GpSimd"], order["qDma0"]);
  EXPECT_LT(order["qDma0"], order["qDma0 #2"]);
  EXPECT_LT(order["qDma0 #2"], order["qDma1"]);
  EXPECT_LT(order["qDma1"], order["DMA engine 0"]);

  EXPECT_EQ(slices.size(), 8u + 6u);  // instructions + packets
  int matmuls = 0;
  for (const auto& e : slices) {
    if (e["name"] != "MATMUL") continue;
    ++matmuls;
    EXPECT_EQ(track[e["tid"]], "Tensor");
    EXPECT_DOUBLE_EQ(e["ts"].get<double>(), 0.35);     // 350 ns
    EXPECT_DOUBLE_EQ(e["dur"].get<double>(), 0.1835);  // 533.5 - 350 ns
    EXPECT_EQ(e["args"]["semaphore_waits"], "qDma0>=2");
    EXPECT_DOUBLE_EQ(e["args"]["wait_ns"].get<double>(), 350);
    EXPECT_DOUBLE_EQ(e["args"]["complete_ns"].get<double>(), 600);
    EXPECT_EQ(e["args"]["label"], "mm");
    EXPECT_TRUE(e["args"]["operands"].contains("src1"));
  }
  EXPECT_EQ(matmuls, 1);

  // One 1 µs bucket holds the whole run: reads 294,912 B / 1000 ns = 294.912 GB/s, writes
  // 393,216 B / 1000 ns = 393.216 GB/s. Outstanding transfers peak at 2 (qDma0 at 100 ns).
  double read0 = -1, write0 = -1;
  int64_t max_outstanding = 0, last_outstanding = -1;
  for (const auto& c : counters) {
    if (c["name"] == "HBM bandwidth (GB/s)" && c["ts"] == 0) {
      read0 = c["args"]["read"];
      write0 = c["args"]["write"];
    }
    if (c["name"] == "Outstanding DMA transfers") {
      last_outstanding = c["args"]["transfers"];
      max_outstanding = std::max(max_outstanding, last_outstanding);
    }
  }
  EXPECT_DOUBLE_EQ(read0, 294.912);
  EXPECT_DOUBLE_EQ(write0, 393.216);
  EXPECT_EQ(max_outstanding, 2);
  EXPECT_EQ(last_outstanding, 0);
}

// 6,000 transfers on qDma0, transfer i in flight over [1000 i, 1000 i + 1500] ns: the count
// steps 1 -> 2 -> 1 every 500 ns, 12,000 steps, more than the 10,000 written exactly. The run
// spans 6,000.5 µs, so buckets are 2 µs (1 µs would be 6,000 buckets, over the 5,000 cap).
// Buckets 0..2999 each contain a start while the previous transfer is in flight: peak 2. The
// last bucket [6000, 6002) µs holds only transfer 5999 (until 6000.5 µs): peak 1. After it the
// count is 0, written at the end of that bucket, 6002 µs.
TEST(TracePerfetto, LongRunCounterIsBucketed) {
  isa::Program p;
  model::RunResult r;
  for (uint32_t i = 0; i < 6000; ++i) {
    p.stream(kQ0).push_back(make(Opcode::dma_copy, on_chip(Memory::sbuf, 1, 1, Dtype::bf16),
                                 hbm(0, 1, 1, Dtype::bf16)));
    r.instructions.push_back(ev(kQ0, i, 1000.0 * i, 1000.0 * i, 1000.0 * i + 10,
                                1000.0 * i + 1500));
  }
  p.tensors = {{"x", 1, 1, Dtype::bf16, isa::TensorRole::input}};
  r.sim_time_ns = 6000500;
  std::ostringstream trace;
  write_perfetto_trace(trace, p, r, hand_config());
  nlohmann::json j = nlohmann::json::parse(trace.str());
  std::vector<std::pair<double, int>> steps;
  for (const auto& e : j["traceEvents"])
    if (e["ph"] == "C" && e["name"] == "Outstanding DMA transfers")
      steps.emplace_back(e["ts"].get<double>(), e["args"]["transfers"].get<int>());
  EXPECT_EQ(steps, (std::vector<std::pair<double, int>>{{0, 2}, {6000, 1}, {6002, 0}}));
}

TEST(TraceJsonText, ExactMicrosecondsAndEscapes) {
  EXPECT_EQ(ps_as_us(183500), "0.1835");  // 183.5 ns
  EXPECT_EQ(ps_as_us(2000000), "2");
  EXPECT_EQ(ps_as_us(1), "0.000001");
  EXPECT_EQ(ps_as_us(-1500000), "-1.5");
  EXPECT_EQ(json_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
  EXPECT_EQ(nlohmann::json::parse(json_quote("bad \xff utf8")).get<std::string>(),
            "bad \xef\xbf\xbd utf8");  // U+FFFD
}

// Splits RFC 4180 CSV text into rows of fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') rows.back().back() += text[++i];
      else if (c == '"') quoted = false;
      else rows.back().back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

TEST(TraceCsv, OneQuotedRowPerInstruction) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");

  std::ostringstream csv;
  write_instruction_csv(csv, hand_program(), hand_run(), hand_config());
  const std::string text = csv.str();
  auto rows = parse_csv(text);
  ASSERT_EQ(rows.size(), 1u + 8u);  // header + one per instruction
  EXPECT_EQ(rows[0], (std::vector<std::string>{"engine", "opcode", "start_ns", "end_ns",
                                               "duration_ns", "complete_ns", "index", "operands",
                                               "semaphore_waits", "wait_ns", "label"}));
  for (const auto& r : rows) EXPECT_EQ(r.size(), 11u);
  // Ordered by start: qDma0#0 (0), qDma0#1 (100), qDma1#0 (300), Tensor#0 (350), ...
  EXPECT_EQ(rows[1][0], "qDma0");
  const auto& mm = rows[4];
  EXPECT_EQ(mm[0], "Tensor");
  EXPECT_EQ(mm[1], "MATMUL");
  EXPECT_EQ(mm[2], "350");
  EXPECT_EQ(mm[3], "533.5");
  EXPECT_EQ(mm[4], "183.5");
  EXPECT_EQ(mm[5], "600");
  EXPECT_EQ(mm[8], "qDma0>=2");
  EXPECT_EQ(mm[9], "350");
  EXPECT_EQ(std::count(mm[7].begin(), mm[7].end(), ';'), 2);  // dst; src0; src1
  // The Vector row's label has a quote and a comma; it survives the round trip.
  const auto& copy = rows[7];
  EXPECT_EQ(copy[0], "Vector");
  EXPECT_EQ(copy[10], "evict \"psum\", fp32");
  EXPECT_NE(text.find("\"evict \"\"psum\"\", fp32\""), std::string::npos);
}

}  // namespace
}  // namespace trnsim::trace

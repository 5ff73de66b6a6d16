// NKI 0.1 indexing through the tracer (python/trnsim_nki, tracing mode) and the simulator: N-D
// HBM tensors, nl.arange / nl.mgrid arithmetic, nl.ds, int indices, stepped slices, strided
// free patterns and mask= (python/TRACE_FORMAT.md, "Views" and "Masks"). Each test kernel of
// tests/nki_kernels gives the instructions and the HBM bytes derived by hand below, and its
// result on the numpy stand-in equals its numpy reference; a bad index is one line naming the
// kernel file and line.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "kernels/nki/trace_kernel.h"
#include "sim/backend/sim_backend.h"
#include "sim/model/neuron_core.h"
#include "sim/run/nki_run.h"
#include "tests/cli_runner.h"
#include "tests/operation_multiset.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::Operations;
using testing::simulated_operations;
using testing::temp_path;

const std::string kKernels = std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/";

isa::Program traced_program(const std::string& kernel) {
  const std::string trace = temp_path(kernel + ".jsonl");
  run::trace_nki_file(kKernels + kernel + ".py", trace);
  return run::build_trace_program(nki::TraceKernel::load(trace), testing::trn1());
}

struct HbmBytes {
  int64_t read = 0, written = 0;
};

// Bytes every DMA reads from or writes to HBM, summed from the instructions' access patterns.
HbmBytes hbm_bytes(const isa::Program& p) {
  HbmBytes b;
  for (const auto& stream : p.streams)
    for (const isa::Instruction& in : stream) {
      if (in.src0.memory == Memory::hbm) b.read += in.src0.total_bytes();
      if (in.dst.memory == Memory::hbm) b.written += in.dst.total_bytes();
    }
  return b;
}

std::vector<const isa::Instruction*> loads(const isa::Program& p) {
  std::vector<const isa::Instruction*> out;
  for (int q = 0; q < isa::kDmaQueues; ++q)
    for (const isa::Instruction& in : p.stream(isa::dma_queue_stream(q)))
      if (in.src0.memory == Memory::hbm) out.push_back(&in);
  return out;
}

// Small integers, exact in bf16 and in sums of two: -30..30.
float small_int(int64_t i) { return static_cast<float>(i % 61 - 30); }

std::vector<float> small_ints(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = small_int(i);
  return v;
}

// The simulator's own numerics: `input` in tensor 0, the output tensor's final contents.
std::vector<float> simulated_output(const isa::Program& p, const std::vector<float>& input) {
  std::vector<std::vector<float>> hbm(p.tensors.size());
  hbm[0] = input;
  model::SimulationOptions options;
  options.numerics = true;
  model::simulate(p, testing::trn1(), options, &hbm);
  for (size_t t = 0; t < p.tensors.size(); ++t)
    if (p.tensors[t].role == isa::TensorRole::output) return hbm[t];
  return {};
}

// The kernel's result on the numpy stand-in equals its numpy reference (numpy_check.py).
void expect_numpy_reference(const std::string& kernel) {
  const std::string command = "PYTHONPATH=" + std::string(TRNSIM_SOURCE_DIR) +
                              "/python /usr/bin/python3 " + kKernels + "numpy_check.py " +
                              kKernels + kernel + ".py > " + temp_path(kernel + ".check");
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << command << ": " << testing::read_text(temp_path(kernel + ".check"));
}

TEST(NkiIndexing, ThreeDimensionalTensorProcessedPerBatch) {
  // nd_tensors.py: x[2, 256, 512] bf16; per batch b (2) and 128-row block s (2): the even
  // columns x[b, s*128:+128, 0:512:2] and the odd ones x[b, s*128 + i_p, 2*i_f + 1], each a
  // [128, 256] load, one tensor_tensor add, one [128, 256] store into out[2, 256, 256].
  const isa::Program p = traced_program("nd_tensors");
  const Operations expected = {{"DMA_COPY hbm->sbuf 128x256", 2 * 2 * 2},
                               {"TENSOR_TENSOR 128x256", 2 * 2},
                               {"DMA_COPY sbuf->hbm 128x256", 2 * 2}};
  EXPECT_EQ(simulated_operations(p), expected);
  // Read: 8 loads of 128 x 256 x 2 bytes = 524288 = all of x (2 x 256 x 512 x 2); written:
  // 4 stores of 128 x 256 x 2 = 262144 = all of out.
  const HbmBytes bytes = hbm_bytes(p);
  EXPECT_EQ(bytes.read, 524288);
  EXPECT_EQ(bytes.written, 262144);
  // x is flattened to [512 rows, 512 cols]. The first odd-column load (b = 0, s = 0) starts
  // at element 1: rows 512 elements apart, every other element (stride 2, 256 of them). The
  // even load of b = 1, s = 1 starts at row 1 x 256 + 128 = 384: byte 384 x 512 x 2.
  const auto l = loads(p);
  ASSERT_EQ(l.size(), 8u);
  std::vector<int64_t> offsets;
  for (const isa::Instruction* in : l) {
    EXPECT_EQ(in->src0.partition_stride, 512);
    EXPECT_EQ(in->src0.dims, (isa::FreeDims{{2, 256}}));
    offsets.push_back(in->src0.offset_bytes);
  }
  std::sort(offsets.begin(), offsets.end());
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 2, 131072, 131074, 262144, 262146, 393216,
                                           393218}));
  // The simulator computes it too: out[b, s, j] = x[b, s, 2j] + x[b, s, 2j + 1].
  const std::vector<float> x = small_ints(2 * 256 * 512);
  const std::vector<float> out = simulated_output(p, x);
  ASSERT_EQ(out.size(), 2u * 256 * 256);
  for (size_t row = 0; row < 512; ++row)  // (b, s) flattened
    for (size_t j = 0; j < 256; ++j)
      ASSERT_EQ(out[row * 256 + j], x[row * 512 + 2 * j] + x[row * 512 + 2 * j + 1])
          << row << ", " << j;
  expect_numpy_reference("nd_tensors");
  // An input of any rank on the command line: x = 2 x 128 x 512 is read once (262144 bytes)
  // and half as many bytes are written.
  const testing::Result r = testing::trnsim("run-nki " + kKernels +
                                            "nd_tensors.py --arg x=2x128x512:bf16 --timing-only "
                                            "--json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary.at("hbm_read_bytes").get<int64_t>(), 262144);
  EXPECT_EQ(summary.at("hbm_write_bytes").get<int64_t>(), 131072);
}

TEST(NkiIndexing, MasksClipTheTilesOfARaggedShape) {
  // arange_indexing.py: a[300, 700] fp32 in tiles of 128 x 512, rows p*128.. (p < 4), cols
  // f*512.. (f < 2). Rows left per p: 128, 128, 300 - 256 = 44, none (p = 3: masked away, no
  // instruction); cols per f: 512, 700 - 512 = 188. Each remaining tile is one load, one
  // tensor_scalar and one store of its clipped shape.
  const isa::Program p = traced_program("arange_indexing");
  Operations expected;
  for (const char* op : {"DMA_COPY hbm->sbuf ", "TENSOR_SCALAR ", "DMA_COPY sbuf->hbm "})
    for (const auto& [shape, count] : std::map<std::string, int64_t>{
             {"128x512", 2}, {"128x188", 2}, {"44x512", 1}, {"44x188", 1}})
      expected[op + shape] = count;
  EXPECT_EQ(simulated_operations(p), expected);
  EXPECT_EQ(p.instruction_count(), 18u);  // 6 tiles x 3
  // Every element read once and written once: 300 x 700 x 4 bytes = 840000.
  const HbmBytes bytes = hbm_bytes(p);
  EXPECT_EQ(bytes.read, 840000);
  EXPECT_EQ(bytes.written, 840000);
  const std::vector<float> a = small_ints(300 * 700);
  const std::vector<float> out = simulated_output(p, a);
  ASSERT_EQ(out.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(out[i], 3 * a[i]) << i;
  expect_numpy_reference("arange_indexing");
}

TEST(NkiIndexing, StridedAndBroadcastOnChipViews) {
  // free_transpose.py, a[128, 256] bf16 with F1 = 4, F2 = 64: four [128, 64] loads into the
  // blocks of a [128, 4, 64] tile, one copy [128, 256] whose destination walks [1, 4] then
  // [4, 64] (i_2 * F1 + i_1), one [128, 1] load of column 0, one add whose second operand is
  // that column repeated ([0, 256]), one [128, 256] store.
  const isa::Program p = traced_program("free_transpose");
  const Operations expected = {{"DMA_COPY hbm->sbuf 128x64", 4},
                               {"DMA_COPY hbm->sbuf 128x1", 1},
                               {"TENSOR_COPY 128x256", 1},
                               {"TENSOR_TENSOR 128x256", 1},
                               {"DMA_COPY sbuf->hbm 128x256", 1}};
  EXPECT_EQ(simulated_operations(p), expected);
  const auto& vector = p.stream(isa::compute_stream(Engine::vector));
  ASSERT_EQ(vector.size(), 2u);
  EXPECT_EQ(vector[0].dst.dims, (isa::FreeDims{{1, 4}, {4, 64}}));
  EXPECT_EQ(vector[1].src1.dims, (isa::FreeDims{{0, 256}}));
  // Read: 128 x 256 x 2 + 128 x 1 x 2 = 65792 bytes; written: 128 x 256 x 2 = 65536.
  const HbmBytes bytes = hbm_bytes(p);
  EXPECT_EQ(bytes.read, 65792);
  EXPECT_EQ(bytes.written, 65536);
  // out[r, f2 * 4 + f1] = a[r, f1 * 64 + f2] + a[r, 0].
  const std::vector<float> a = small_ints(128 * 256);
  const std::vector<float> out = simulated_output(p, a);
  ASSERT_EQ(out.size(), a.size());
  for (size_t r = 0; r < 128; ++r)
    for (size_t f1 = 0; f1 < 4; ++f1)
      for (size_t f2 = 0; f2 < 64; ++f2)
        ASSERT_EQ(out[r * 256 + f2 * 4 + f1], a[r * 256 + f1 * 64 + f2] + a[r * 256])
            << r << ", " << f1 << ", " << f2;
  expect_numpy_reference("free_transpose");
}

// `trnsim run-nki` with numerics: the simulator's outputs against each file's `reference`
// (computed in fp32 from the same inputs, uniform in [-1, 1)). nd_tensors and free_transpose
// store bf16 sums of two inputs, |sum| <= 2: rounding to bf16 errs by at most half an ulp of
// [1, 2), 2^-8 (the reference is not rounded); arange_indexing multiplies fp32 by 3 in fp32 on
// both sides: exact. An N-D output is written as an N-D .npy.
TEST(NkiIndexing, RunNkiNumericsMatchTheNumpyReferences) {
  for (const auto& [kernel, bound] : std::vector<std::pair<std::string, double>>{
           {"nd_tensors", 1.0 / 256}, {"arange_indexing", 0.0}, {"free_transpose", 1.0 / 256}}) {
    SCOPED_TRACE(kernel);
    const std::string dir = testing::fresh_dir(kernel + "_outputs");
    const testing::Result r =
        testing::trnsim("run-nki " + kKernels + kernel + ".py --json --outputs " + dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LE(nlohmann::json::parse(r.out).at("max_abs_err").get<double>(), bound);
  }
  const std::string npy = testing::read_text(testing::temp_path("nd_tensors_outputs/out.npy"));
  EXPECT_NE(npy.substr(0, 128).find("'shape': (2, 256, 256)"), std::string::npos);
}

// A 128 x 512 kernel k(a) whose body (lines from 7 on) is `body`.
std::string kernel_file(const std::string& name, const std::string& body) {
  return testing::write(
      name, "import neuronxcc.nki as nki\nimport neuronxcc.nki.language as nl\n"
            "import neuronxcc.nki.isa as nisa\n\n@nki.jit\ndef k(a):\n" + body +
                "    return a\n\n\nKERNEL = k\nDTYPE = \"bfloat16\"\n"
                "INPUT_SHAPES = {\"a\": (128, 512)}\n");
}

TEST(NkiIndexing, ABadIndexIsOneLineNamingTheKernelLine) {
  struct Case {
    std::string name, line, error;
  };
  const std::string grid = "    i_p, i_f = nl.mgrid[0:128, 0:512]\n";
  for (const Case& c : std::vector<Case>{
           {"product", "    x = nl.load(a[i_p, i_p * i_f])\n",
            "a product of two index expressions in `x = nl.load(a[i_p, i_p * i_f])` is not "
            "affine"},
           {"power", "    x = nl.load(a[i_p ** 2, i_f])\n", "with `pow`"},
           {"bounds", "    x = nl.load(a[i_p, i_f + 1])\n",
            "'a' of shape (128, 512) is indexed out of bounds: dimension 1 reaches 1..512, "
            "outside 0..511"},
           {"pmax", "    t = nl.ndarray((256, 512), dtype=a.dtype, buffer=nl.sbuf)\n",
            "partition dimension 256 exceeds nl.tile_size.pmax (128)"},
           {"shape", "    x = nl.load(a)\n    nl.store(a[0:64, :], value=x)\n",
            "the shapes differ: 'a' (64, 512) and 'x' (128, 512)"},
           {"mask", "    x = nl.load(a[i_p, i_f], mask=(i_p < i_f))\n",
            "bounds an expression of several axes"},
           {"oned", "    x = nl.load(a[nl.arange(128), 0])\n", "1-D nl.arange"},
           {"or", "    x = nl.load(a[i_p, i_f], mask=(i_p < 4) | (i_f < 4))\n",
            "is not a conjunction (&) of per-axis bounds"},
           {"diagonal", "    t = nl.load(a)\n    u = nl.copy(t[i_p, i_p])\n",
            "a free index of 't' depends on the partition index"},
           {"dims", "    t = nl.ndarray((128, 4, 4, 4, 4, 4), dtype=a.dtype, buffer=nl.sbuf)\n"
                    "    u = nl.copy(t[:, 0:2, 0:2, 0:2, 0:2, 0:2])\n",
            "'t' is accessed with 5 free dimensions; the hardware has at most 4"}}) {
    SCOPED_TRACE(c.name);
    const std::string file = kernel_file("bad_" + c.name + ".py", grid + c.line);
    const bool second = c.name == "shape" || c.name == "diagonal" || c.name == "dims";
    const int line = second ? 9 : 8;
    const testing::Result r = testing::trnsim("run-nki " + file + " --timing-only");
    testing::expect_one_line_error(r, 1, file + ":" + std::to_string(line) + ": ");
    EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
  }
}

// A store through a strided (transposed) HBM pattern and a later load of a rectangle of the
// same tensor: the hazard regions of strided views are conservative bounding boxes, so the
// load waits for the store.
TEST(NkiIndexing, AStridedStoreIsWaitedForByAnOverlappingLoad) {
  const HwConfig trn1 = testing::trn1();
  backend::SimBackend b(trn1, "strided");
  const TensorRef scratch = b.hbm_scratch("s", 128, 128, Dtype::bf16);
  const TensorRef t = b.sbuf_tile("t", {}, 128, 128, Dtype::bf16, 1);
  const TensorRef u = b.sbuf_tile("u", {}, 64, 64, Dtype::bf16, 1);
  b.memset(t.all(), 1.0f);
  View transposed = scratch.all();  // element (p, f) at f x 128 + p
  transposed.partition_stride = 1;
  transposed.free_dims = {{128, 128}};
  b.dma_copy(transposed, t.all());
  b.dma_copy(u.all(), hbm_slice(scratch, 64, 64, 0, 64));
  const isa::Program p = b.finish();
  const isa::Instruction* store = nullptr;
  const isa::Instruction* load = nullptr;
  isa::Stream store_stream{};
  for (int q = 0; q < isa::kDmaQueues; ++q)
    for (const isa::Instruction& in : p.stream(isa::dma_queue_stream(q))) {
      if (in.dst.memory == Memory::hbm) store = &in, store_stream = isa::dma_queue_stream(q);
      if (in.src0.memory == Memory::hbm) load = &in;
    }
  ASSERT_TRUE(store && load);
  EXPECT_EQ(store->dst.partition_stride, 1);
  EXPECT_EQ(store->dst.dims, (isa::FreeDims{{128, 128}}));
  bool waits_for_store = false;
  for (const isa::SemaphoreWait& w : load->waits) waits_for_store |= w.stream == store_stream;
  EXPECT_TRUE(waits_for_store);
}

// The trace's new fields are read as strictly as the others: an N-D shape must multiply to
// rows x cols, free dims are [stride, count] pairs of positive counts that make nf elements,
// and every element a pattern reaches lies inside its tensor.
TEST(NkiIndexing, TheTraceLoaderChecksShapesAndPatterns) {
  const std::string header =
      "{\"format\": \"trnsim-nki-trace\", \"version\": 2, \"kernel\": \"k\"}\n"
      "{\"event\": \"hbm\", \"id\": 0, \"name\": \"x\", \"rows\": 8, \"cols\": 64, "
      "\"dtype\": \"bf16\", \"role\": \"input\", \"shape\": ";
  const std::string tile =
      "{\"event\": \"tile\", \"id\": 1, \"name\": \"t\", \"site\": \"k.py:3\", "
      "\"memory\": \"sbuf\", \"dtype\": \"bf16\", \"block_dims\": [], \"partitions\": 8, "
      "\"free\": 64, \"bufs\": 1}\n";
  auto replay = [&](const std::string& shape, const std::string& src) {
    const std::string text =
        header + shape + "}\n" + tile +
        "{\"event\": \"dma_copy\", \"at\": \"k.py:4\", \"dst\": [1, [], 0, 8, 0, 64], "
        "\"src\": " +
        src + "}\n";
    const HwConfig trn1 = testing::trn1();
    backend::SimBackend b(trn1, "k");
    nki::TraceKernel::from_text(text, "t.jsonl").replay(b);
  };
  const std::string rows = "[0, [], 0, 8, 0, 64";
  replay("[2, 4, 64]", rows + "]");  // 2 x 4 x 64 = 8 x 64: fine
  EXPECT_TRUE(testing::throws_user_error([&] { replay("[2, 3, 64]", rows + "]"); },
                                         "expected 'shape' to be positive integers whose "
                                         "product is rows x cols"));
  EXPECT_TRUE(testing::throws_user_error(
      [&] { replay("[8, 64]", rows + ", null, [[1, 0]]]"); },
      "free_dims: expected [stride, count] integer pairs, count > 0"));
  EXPECT_TRUE(testing::throws_user_error(
      [&] { replay("[8, 64]", rows + ", null, [[2, 16]]]"); },
      "free dims make 16 elements, not nf = 64"));
  // Transposed: element (p, f) at f x 64 + p reaches 63 x 64 + 7 = 4039 of 512 elements.
  EXPECT_TRUE(testing::throws_user_error(
      [&] { replay("[8, 64]", rows + ", 1, [[64, 64]]]"); },
      "'x' elements 0..4040 are outside the tensor's 0..512"));
  EXPECT_TRUE(testing::throws_user_error(
      [&] { replay("[8, 64]", rows + ", 1]"); }, "expected a view [tensor, [block...], p0"));
}

}  // namespace
}  // namespace trnsim

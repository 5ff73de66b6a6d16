// sim/isa: names, access-pattern arithmetic, validate() and the JSON program format.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "sim/isa/program_json.h"
#include "tests/test_helpers.h"

#ifndef TRNSIM_SOURCE_DIR
#define TRNSIM_SOURCE_DIR "."
#endif

namespace trnsim::isa {
namespace {

using nlohmann::json;

AccessPattern on_chip(Memory m, int64_t partitions, std::vector<FreeDim> dims, int64_t offset = 0,
                      Dtype dtype = Dtype::bf16) {
  AccessPattern ap;
  ap.memory = m;
  ap.dtype = dtype;
  ap.partitions = partitions;
  ap.offset_bytes = offset;
  ap.dims = std::move(dims);
  return ap;
}

AccessPattern hbm(int32_t tensor, int64_t rows, int64_t row_stride, std::vector<FreeDim> dims) {
  AccessPattern ap = on_chip(Memory::hbm, rows, std::move(dims));
  ap.tensor = tensor;
  ap.partition_stride = row_stride;
  return ap;
}

Instruction make(Opcode op, AccessPattern dst, AccessPattern src0 = {}, AccessPattern src1 = {},
                 std::vector<SemaphoreWait> waits = {}) {
  Instruction in;
  in.op = op;
  in.dst = std::move(dst);
  in.src0 = std::move(src0);
  in.src1 = std::move(src1);
  in.waits = std::move(waits);
  return in;
}

const Stream kTensor = compute_stream(Engine::tensor), kVector = compute_stream(Engine::vector),
             kScalar = compute_stream(Engine::scalar), kGpSimd = compute_stream(Engine::gpsimd),
             kQ0 = dma_queue_stream(0), kQ1 = dma_queue_stream(1);

// traces/programs/tiny_matmul.json: out[128,512] = lhsT[128,128]^T @ rhs[128,512].
Program tiny_matmul() {
  Program p;
  p.name = "tiny_matmul";
  p.tensors = {{"lhsT", 128, 128, Dtype::bf16, TensorRole::input},
               {"rhs", 128, 512, Dtype::bf16, TensorRole::input},
               {"out", 128, 512, Dtype::bf16, TensorRole::output}};
  const AccessPattern acc = on_chip(Memory::psum, 128, {{1, 512}}, 0, Dtype::fp32);
  p.stream(kQ0).push_back(
      make(Opcode::dma_copy, on_chip(Memory::sbuf, 128, {{1, 128}}), hbm(0, 128, 128, {{1, 128}})));
  p.stream(kQ1).push_back(make(Opcode::dma_copy, on_chip(Memory::sbuf, 128, {{1, 512}}, 256),
                               hbm(1, 128, 512, {{1, 512}})));
  p.stream(kTensor).push_back(make(Opcode::matmul, acc, on_chip(Memory::sbuf, 128, {{1, 128}}),
                                   on_chip(Memory::sbuf, 128, {{1, 512}}, 256),
                                   {{kQ0, 1}, {kQ1, 1}}));
  p.stream(kVector).push_back(make(
      Opcode::tensor_copy, on_chip(Memory::sbuf, 128, {{1, 512}}, 1280), acc, {}, {{kTensor, 1}}));
  p.stream(kQ0).push_back(make(Opcode::dma_copy, hbm(2, 128, 512, {{1, 512}}),
                               on_chip(Memory::sbuf, 128, {{1, 512}}, 1280), {}, {{kVector, 1}}));
  return p;
}

// Every field of every instruction, defaults included, so a failed comparison shows the diff.
std::string everything(const Program& p) {
  std::ostringstream s;
  s << p.name << " sbuf " << p.footprint.peak_sbuf_bytes << " psum " << p.footprint.peak_psum_bytes
    << "\n";
  for (const HbmTensor& t : p.tensors) {
    s << t.name << " " << t.rows << "x" << t.cols << " " << dtype_name(t.dtype) << " "
      << tensor_role_name(t.role) << "\n";
  }
  for (int st = 0; st < kStreamCount; ++st) {
    for (const Instruction& in : p.stream(Stream(st))) {
      s << stream_name(Stream(st)) << " " << opcode_name(in.op) << " " << alu_op_name(in.alu) << " "
        << act_func_name(in.func) << " " << in.imm0 << " " << in.imm1 << " " << in.accumulate
        << " '" << in.label << "'";
      for (const AccessPattern* ap : {&in.dst, &in.src0, &in.src1}) {
        s << " | " << describe(*ap) << " sp" << ap->start_partition;
      }
      for (const SemaphoreWait& w : in.waits)
        s << " wait " << stream_name(w.stream) << ">=" << w.count;
      s << "\n";
    }
  }
  return s.str();
}

using testing::user_error_of;

TEST(IsaNames, RoundTrip) {
  for (int s = 0; s < kStreamCount; ++s) EXPECT_EQ(parse_stream(stream_name(Stream(s))), Stream(s));
  EXPECT_EQ(stream_name(dma_queue_stream(15)), "qDma15");
  EXPECT_EQ(stream_name(kGpSimd), "GpSimd");
  EXPECT_EQ(user_error_of([] { parse_stream("qDma16"); }),
            "unknown stream 'qDma16'; did you mean 'qDma1'? (allowed: Tensor, Vector, Scalar, "
            "GpSimd, qDma0..qDma15)");
  for (int op = 0; op <= static_cast<int>(Opcode::reduce); ++op) {
    EXPECT_EQ(parse_opcode(opcode_name(Opcode(op))), Opcode(op));
  }
  EXPECT_STREQ(opcode_name(Opcode::activation), "ACTIVATE");
  EXPECT_STREQ(opcode_name(Opcode::reduce), "TENSOR_REDUCE");
  EXPECT_TRUE(testing::throws_user_error(
      [] { parse_opcode("matmul"); },
      "unknown opcode 'matmul' (allowed: DMA_COPY, DMA_TRANSPOSE, MATMUL, TRANSPOSE, "));
  EXPECT_EQ(parse_tensor_role("spill"), TensorRole::spill);
  EXPECT_EQ(user_error_of([] { parse_tensor_role("temp"); }),
            "unknown tensor role 'temp' (allowed: input, output, scratch, spill, constant)");
}

TEST(IsaAccessPattern, ContiguousBytes) {
  // [1,512] bf16: 512 consecutive elements = 1024 B.
  EXPECT_EQ(on_chip(Memory::sbuf, 1, {{1, 512}}).contiguous_bytes(), 1024);
  // [512,4][1,512]: the outer stride 512 equals the run so far, so 4*512 elements = 4096 B.
  EXPECT_EQ(on_chip(Memory::sbuf, 1, {{512, 4}, {1, 512}}).contiguous_bytes(), 4096);
  // [1024,4][1,512]: a 512-element gap between rows, so the run stops at 1024 B.
  EXPECT_EQ(on_chip(Memory::sbuf, 1, {{1024, 4}, {1, 512}}).contiguous_bytes(), 1024);
  // fp32 [2,256]: innermost stride 2, every element is its own run: 4 B.
  EXPECT_EQ(on_chip(Memory::sbuf, 1, {{2, 256}}, 0, Dtype::fp32).contiguous_bytes(), 4);
  // [7,1][1,64]: a count-1 dim does not move, so it does not break the run: 128 B.
  EXPECT_EQ(on_chip(Memory::sbuf, 1, {{7, 1}, {1, 64}}).contiguous_bytes(), 128);
  // [-1,512]: reversed elements, runs of one element: 2 B.
  EXPECT_EQ(on_chip(Memory::sbuf, 1, {{-1, 512}}).contiguous_bytes(), 2);
}

TEST(IsaAccessPattern, SpanAndSize) {
  // @0x400 [1,512] bf16: bytes [1024, 1024 + 512*2) = [1024, 2048).
  AccessPattern a = on_chip(Memory::sbuf, 128, {{1, 512}}, 0x400);
  EXPECT_EQ(a.span_begin_bytes(), 1024);
  EXPECT_EQ(a.span_end_bytes(), 2048);
  EXPECT_EQ(a.total_bytes(), 128 * 1024);
  // @4096 [-512,4][1,512] bf16: lowest element 4096/2 - 3*512 = 512 -> byte 1024; highest element
  // 2048 + 511 = 2559 -> end byte 2560*2 = 5120.
  AccessPattern b = on_chip(Memory::sbuf, 1, {{-512, 4}, {1, 512}}, 4096);
  EXPECT_EQ(b.span_begin_bytes(), 1024);
  EXPECT_EQ(b.span_end_bytes(), 5120);
  EXPECT_EQ(b.free_elements(), 2048);
  EXPECT_EQ(AccessPattern{}.free_elements(), 0);
  EXPECT_EQ(describe(a), "sbuf[0:128]@0x400 bf16 [1,512]");
  EXPECT_EQ(describe(hbm(0, 128, 8192, {{1, 512}}), "X"),
            "hbm:X[rows 128 stride 8192]@0x0 bf16 [1,512]");
  EXPECT_EQ(describe(hbm(2, 4, 64, {{64, 2}, {1, 8}})),
            "hbm:#2[rows 4 stride 64]@0x0 bf16 [64,2][1,8]");
}

TEST(IsaValidate, SampleShapedProgramPasses) {
  EXPECT_NO_THROW(validate(tiny_matmul()));
  EXPECT_EQ(tiny_matmul().instruction_count(), 5u);
}

struct BadProgram {
  std::function<void(Program&)> mutate;
  std::string message;
};

TEST(IsaValidate, EachErrorIsOneLineNamingStreamAndIndex) {
  const std::string at = "program 'tiny_matmul': ";
  auto mm = [](Program& p) -> Instruction& { return p.stream(kTensor)[0]; };
  auto load_rhs = [](Program& p) -> Instruction& { return p.stream(kQ1)[0]; };
  const std::vector<BadProgram> cases = {
      {[&](Program& p) { mm(p).src0.dims.clear(); },
       "Tensor[0]: src0 has 0 free dims (1..4 allowed)"},
      {[&](Program& p) { mm(p).src1.dims[0].count = 0; },
       "Tensor[0]: src1 dim 0 has count 0 (must be > 0)"},
      {[&](Program& p) { mm(p).dst.partitions = -1; },
       "Tensor[0]: dst has -1 partitions (must be > 0)"},
      {[&](Program& p) { load_rhs(p).src0.tensor = 5; },
       "qDma1[0]: src0 hbm tensor 5 out of range (program has 3 tensors)"},
      // Rows 513 elements apart: last byte (127*513 + 511)*2 + 2 = 131326 > 128*512*2 = 131072.
      {[&](Program& p) { load_rhs(p).src0.partition_stride = 513; },
       "qDma1[0]: src0 hbm:rhs[rows 128 stride 513]@0x0 bf16 [1,512] touches bytes [0, 131326) of "
       "hbm tensor 'rhs', which has 131072 bytes"},
      // Reversed rows starting at element 0 reach back 511 elements = 1022 bytes; the highest
      // element is the first of row 127, 127*512 = 65024, so the range ends at 65025*2 = 130050.
      {[&](Program& p) { load_rhs(p).src0.dims[0].stride = -1; },
       "qDma1[0]: src0 hbm:rhs[rows 128 stride 512]@0x0 bf16 [-1,512] touches bytes [-1022, "
       "130050) of hbm tensor 'rhs', which has 131072 bytes"},
      {[&](Program& p) {
         mm(p).src1.dims = {{0, int64_t(1) << 40}, {0, int64_t(1) << 40}};
       },
       "Tensor[0]: src1 sbuf[0:128]@0x100 bf16 [0,1099511627776][0,1099511627776] is too large for "
       "64-bit byte arithmetic"},
      {[&](Program& p) { load_rhs(p).src0.dtype = Dtype::fp16; },
       "qDma1[0]: src0 is fp16 but hbm tensor 'rhs' is bf16"},
      {[&](Program& p) { load_rhs(p).dst.tensor = 1; },
       "qDma1[0]: dst is on sbuf but names hbm tensor 1 (must be -1 on chip)"},
      {[&](Program& p) { load_rhs(p).dst.start_partition = -1; },
       "qDma1[0]: dst starts at partition -1 (must be >= 0)"},
      {[&](Program& p) { load_rhs(p).dst.offset_bytes = -2; },
       "qDma1[0]: dst sbuf[0:128]@-0x2 bf16 [1,512] starts at byte -2 of its partition (must be >= "
       "0)"},
      {[&](Program& p) { p.stream(kVector).push_back(mm(p)); },
       "Vector[1]: MATMUL runs on Tensor, not on Vector"},
      {[&](Program& p) { p.stream(kTensor).push_back(load_rhs(p)); },
       "Tensor[1]: DMA_COPY runs on DMA queues, not on Tensor"},
      {[&](Program& p) { p.stream(kVector)[0].op = Opcode::activation; },
       "Vector[0]: ACTIVATE runs on Scalar, not on Vector"},
      {[&](Program& p) { p.stream(kScalar).push_back(make(Opcode::memset, load_rhs(p).dst)); },
       "Scalar[0]: MEMSET runs on Vector, GpSimd, not on Scalar"},
      {[&](Program& p) {
         p.stream(kGpSimd).push_back(p.stream(kVector)[0]);
         p.stream(kGpSimd)[0].op = Opcode::reduce;
       },
       "GpSimd[0]: TENSOR_REDUCE runs on Vector, not on GpSimd"},
      {[&](Program& p) { p.stream(kQ0)[0].op = Opcode::tensor_copy; },
       "qDma0[0]: TENSOR_COPY runs on Vector, Scalar, GpSimd, not on qDma0"},
      {[&](Program& p) { mm(p).src1 = {}; }, "Tensor[0]: MATMUL needs a src1 operand"},
      {[&](Program& p) { p.stream(kVector)[0].src1 = p.stream(kVector)[0].src0; },
       "Vector[0]: TENSOR_COPY takes no src1 operand, but one is given"},
      {[&](Program& p) { mm(p).src0.memory = Memory::psum; },
       "Tensor[0]: MATMUL src0 must be on sbuf, not psum"},
      {[&](Program& p) { mm(p).dst.memory = Memory::sbuf; },
       "Tensor[0]: MATMUL dst must be on psum, not sbuf"},
      {[&](Program& p) { mm(p).src1.partitions = 64; },
       "Tensor[0]: MATMUL src0 and src1 must have the same partition count K (128 vs 64)"},
      {[&](Program& p) { mm(p).dst.dims[0].count = 256; },
       "Tensor[0]: MATMUL of src0 (stationary) [128 x 128] and src1 (moving) [128 x 512] gives "
       "[128 x 512] but dst is [128 x 256]"},
      {[&](Program& p) { p.stream(kVector)[0].src0 = load_rhs(p).src0; },
       "Vector[0]: TENSOR_COPY on Vector cannot access hbm; only DMA queues can"},
      {[&](Program& p) {
         mm(p).waits.push_back({kScalar, 1});
       },
       "Tensor[0]: wait 2 for Scalar to reach 1 can never hold: Scalar has 0 instructions"},
      {[&](Program& p) {
         p.stream(kQ0)[1].waits.push_back({kQ0, 2});
       },
       "qDma0[1]: wait 1 for qDma0 to reach 2 can never hold: this is instruction 1 of that stream "
       "itself"},
      {[&](Program& p) { p.tensors[2].name = "rhs"; }, "tensors[2]: duplicate tensor name 'rhs'"},
  };
  for (const BadProgram& c : cases) {
    Program p = tiny_matmul();
    c.mutate(p);
    EXPECT_EQ(user_error_of([&] { validate(p); }), at + c.message);
  }
  // A stream may wait for all of its own earlier instructions.
  Program p = tiny_matmul();
  p.stream(kQ0)[1].waits.push_back({kQ0, 1});
  EXPECT_NO_THROW(validate(p));
}

// Exercises every field that has a non-default value somewhere.
Program rich_program() {
  Program p = tiny_matmul();
  p.footprint = {294912, 262144};
  p.tensors.push_back({"spill0", 64, 256, Dtype::fp16, TensorRole::spill});
  AccessPattern strided = hbm(3, 32, -256, {{256, 2}, {-1, 128}});
  strided.dtype = Dtype::fp16;
  strided.offset_bytes = 64 * 256 * 2 - 2 - 256 * 2;  // last row, last element: walks backwards
  AccessPattern quarter = on_chip(Memory::sbuf, 32, {{1, 256}}, 4096, Dtype::fp16);
  quarter.start_partition = 96;
  p.stream(dma_queue_stream(15)).push_back(make(Opcode::dma_copy, quarter, strided));
  Instruction& scale = p.stream(kGpSimd).emplace_back(
      make(Opcode::tensor_scalar, quarter, quarter, {}, {{dma_queue_stream(15), 1}}));
  scale.alu = AluOp::multiply;
  scale.imm0 = 0.125f;
  scale.imm1 = -3.5f;
  scale.label = "scale \"spill\" tile";
  Instruction act = make(Opcode::activation, quarter, quarter, {}, {{kGpSimd, 1}});
  act.func = ActFunc::silu;
  act.imm0 = 1.0f;
  p.stream(kScalar).push_back(act);
  p.stream(kTensor)[0].accumulate = true;
  return p;
}

TEST(IsaJson, RoundTripKeepsEveryField) {
  const Program p = rich_program();
  ASSERT_NO_THROW(validate(p));
  const json j = program_to_json(p);
  const Program q = program_from_json(json::parse(j.dump()), "round trip");
  EXPECT_EQ(everything(q), everything(p));
  EXPECT_EQ(program_to_json(q), j);
  // Defaults are omitted: the Vector copy has no alu, func, immediates, accumulate or label.
  const json& copy = j["streams"]["Vector"][0];
  for (const char* key : {"alu", "func", "imm0", "imm1", "accumulate", "label", "src1"}) {
    EXPECT_FALSE(copy.contains(key)) << key;
  }
  EXPECT_EQ(j["streams"]["qDma1"][0]["src0"]["tensor"], "rhs");
  EXPECT_FALSE(j["streams"].contains("qDma2"));
}

TEST(IsaJson, WriteThenLoadIsTheSameProgram) {
  const std::string path = ::testing::TempDir() + "isa_test_program.json";
  std::ostringstream text;
  write_program(text, rich_program(), path);
  std::ofstream(path) << text.str();
  EXPECT_EQ(everything(load_program(path)), everything(rich_program()));
  std::filesystem::remove(path);
  Program bad = tiny_matmul();
  bad.stream(kTensor)[0].src1 = {};
  std::ostringstream unwritten;
  EXPECT_EQ(user_error_of([&] { write_program(unwritten, bad, path); }),
            path + ": not saved: program 'tiny_matmul': Tensor[0]: MATMUL needs a src1 operand");
  EXPECT_EQ(unwritten.str(), "");
}

TEST(IsaJson, MalformedInputNamesOriginAndPath) {
  const json good = program_to_json(tiny_matmul());
  struct Case {
    std::function<void(json&)> mutate;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](json& j) { j = json::array(); }, "top level: expected an object, got array []"},
      {[](json& j) { j.erase("format"); }, "format: missing required key"},
      {[](json& j) { j["format"] = "neuron-profile"; },
       "format: expected \"trnsim-program\", got \"neuron-profile\""},
      {[](json& j) { j["version"] = 2; },
       "version: version 2 is not supported (this build reads 1)"},
      {[](json& j) { j["stream"] = json::object(); },
       "stream: unknown key; did you mean 'streams'? (allowed: format, version, name, footprint, "
       "tensors, streams)"},
      {[](json& j) { j["streams"]["Tensr"] = j["streams"]["Tensor"]; },
       "streams.Tensr: unknown stream 'Tensr'; did you mean 'Tensor'? (allowed: Tensor, Vector, "
       "Scalar, GpSimd, qDma0..qDma15)"},
      {[](json& j) { j["streams"]["Tensor"][0]["dst"]["dims"] = "x"; },
       "streams.Tensor[0].dst.dims: expected an array, got string \"x\""},
      {[](json& j) { j["streams"]["Tensor"][0]["dst"]["dims"][0] = {1}; },
       "streams.Tensor[0].dst.dims[0]: expected [stride, count], got array [1]"},
      {[](json& j) {
         j["streams"]["Tensor"][0]["dst"]["dims"] = {{1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
       },
       "streams.Tensor[0].dst.dims: 5 free dims (1..4 allowed)"},
      {[](json& j) { j["streams"]["Tensor"][0]["dst"]["partitions"] = 1.5; },
       "streams.Tensor[0].dst.partitions: expected an integer, got number 1.5"},
      {[](json& j) { j["streams"]["Tensor"][0]["dst"]["stride"] = 1; },
       "streams.Tensor[0].dst.stride: unknown key (allowed: memory, tensor, dtype, "
       "start_partition, "
       "partitions, partition_stride, offset_bytes, dims)"},
      {[](json& j) { j["streams"]["Tensor"][0].erase("dst"); },
       "streams.Tensor[0].dst: missing required key"},
      {[](json& j) { j["streams"]["Tensor"][0]["dst"]["dtype"] = "bf61"; },
       "streams.Tensor[0].dst.dtype: unknown dtype 'bf61'; did you mean 'bf16'? (allowed: bf16, "
       "fp16, fp32)"},
      {[](json& j) { j["streams"]["qDma1"][0]["src0"]["tensor"] = "rsh"; },
       "streams.qDma1[0].src0.tensor: unknown tensor 'rsh'; did you mean 'rhs'? (tensors: lhsT, "
       "out, rhs)"},
      {[](json& j) { j["streams"]["qDma1"][0]["dst"]["tensor"] = "rhs"; },
       "streams.qDma1[0].dst.tensor: only hbm operands name a tensor"},
      {[](json& j) { j["streams"]["Vector"][0]["waits"][0]["count"] = -1; },
       "streams.Vector[0].waits[0].count: count -1 is out of range"},
      {[](json& j) { j["streams"]["Vector"][0]["accumulate"] = 1; },
       "streams.Vector[0].accumulate: expected true or false, got number 1"},
      {[](json& j) { j["tensors"][1]["name"] = "lhsT"; },
       "tensors[1].name: duplicate tensor name 'lhsT' (also tensors[0])"},
      {[](json& j) { j["streams"]["Vector"][0]["waits"][0]["count"] = 2; },
       "program 'tiny_matmul': Vector[0]: wait 0 for Tensor to reach 2 can never hold: Tensor has "
       "1 "
       "instructions"},
  };
  EXPECT_NO_THROW(program_from_json(good, "t.json"));
  for (const Case& c : cases) {
    json j = good;
    c.mutate(j);
    EXPECT_EQ(user_error_of([&] { program_from_json(j, "t.json"); }), "t.json: " + c.message);
  }
}

TEST(IsaJson, FileErrorsNameThePath) {
  const std::string path = ::testing::TempDir() + "isa_test_not_json.json";
  std::ofstream(path) << "{ \"format\": nope }";
  // Byte 13 (column 14) is the 'o' of "nope", where the literal stops being "null"; nlohmann's
  // last token runs from the key on.
  EXPECT_EQ(user_error_of([&] { load_program(path); }),
            path +
                ":1:14: not valid JSON at byte 13 (in format): syntax error while parsing "
                "value - invalid literal; last read: '\"format\": no'");
  std::filesystem::remove(path);
  EXPECT_EQ(user_error_of([&] { load_program(path); }),
            path + ": cannot open: No such file or directory (expected a program JSON file)");
}

TEST(IsaJson, SampleProgramsLoadAndValidate) {
  int samples = 0, deadlocks = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(TRNSIM_SOURCE_DIR) + "/traces/programs")) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    const Program p = load_program(entry.path().string());
    EXPECT_GT(p.instruction_count(), 0u);
    EXPECT_EQ(everything(program_from_json(program_to_json(p), "again")), everything(p));
    ++samples;
    const std::string name = entry.path().filename().string();
    deadlocks += name.size() > 14 && name.substr(name.size() - 14) == "_deadlock.json";
  }
  EXPECT_GE(samples, 2);
  EXPECT_GE(deadlocks, 1);
}

}  // namespace
}  // namespace trnsim::isa

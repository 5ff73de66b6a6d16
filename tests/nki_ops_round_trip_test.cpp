// The new backend calls (and an HBM constant, nl.shared_constant) survive NKI emission: a
// kernel made of them, emitted as NKI Python (NkiBackend), traced by the Python stand-in and
// replayed, gives the program the SimBackend builds from the C++ calls directly, instruction
// for instruction.
#include <gtest/gtest.h>

#include <fstream>

#include "kernels/nki/nki_file.h"
#include "sim/isa/program_json.h"
#include "sim/run/kernel_run.h"
#include "sim/run/nki_run.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

void new_ops_kernel(Backend& b, const Assignments&, const Assignments&, Dtype dtype) {
  const TensorRef x = b.hbm_input("x", 128, 64, dtype);
  const TensorRef s = b.hbm_input("s", 128, 1, dtype);
  const TensorRef out = b.hbm_output("out", 128, 64, dtype);
  const TensorRef xt = b.sbuf_tile("xt", {}, 128, 64, dtype, 1);
  const TensorRef st = b.sbuf_tile("st", {}, 128, 1, dtype, 1);
  const TensorRef t = b.sbuf_tile("t", {}, 128, 64, dtype, 1);
  const TensorRef u = b.sbuf_tile("u", {}, 128, 64, dtype, 1);
  b.dma_copy(xt.all(), x.all());
  b.dma_copy(st.all(), s.all());
  const TensorRef c = b.hbm_constant("c", 128, 1, dtype, std::vector<float>(128, 0.75f));
  const TensorRef ct = b.sbuf_tile("ct", {}, 128, 1, dtype, 1);
  b.dma_copy(ct.all(), c.all());
  b.tensor_scalar(t.all(), xt.all(), ScalarOp{AluOp::subtract, st.all(), true},
                  ScalarOp{AluOp::divide, 4.0f}, Engine::gpsimd);
  b.activation(u.all(), t.all(), ActFunc::gelu, st.all(), ct.all());
  b.tensor_tensor(t.all(), t.all(), u.all(), AluOp::greater_equal, Engine::gpsimd);
  b.reciprocal(u.all(), t.all());
  b.tensor_tensor_scan(t.all(), u.all(), xt.all(), st.all(), AluOp::multiply, AluOp::add,
                       false, true);
  b.iota(u.all(), AffineIndex{3, 64, -1});
  b.affine_select(t.all(), AffineIndex{-2, 1, -1}, AluOp::less_equal, u.all(), -5.0f);
  const TensorRef stats = b.sbuf_tile("stats", {}, 128, 12, Dtype::fp32, 1);
  const TensorRef moments = b.sbuf_tile("moments", {}, 128, 2, dtype, 1);
  b.bn_stats(stats.all().cols(0, 6), t.all().cols(0, 32));
  b.bn_stats(stats.all().cols(6, 6), t.all().cols(32, 32));
  b.bn_aggr(moments.all(), stats.all());
  b.tensor_scalar(t.all(), t.all(), ScalarOp{AluOp::subtract, moments.all().cols(0, 1)},
                  ScalarOp{}, Engine::vector);
  b.dma_copy(out.all(), t.all());
}

TEST(NkiOpsRoundTrip, NewCallsEmitTraceAndReplayToTheSameProgram) {
  const KernelSpec spec{"new_ops", "the new backend calls", {{"N", 64}}, {},
                        KernelMath::lhsT_transposed_times_rhs, new_ops_kernel};
  const HwConfig hw = testing::trn1();
  const isa::Program direct = run::build_kernel_program(spec, hw, {{"N", 64}}, {}, Dtype::bf16);
  const std::string file = testing::temp_path("new_ops.py"), trace = testing::temp_path("n.jsonl");
  std::ofstream(file) << nki::emit_nki_file(spec, {{"N", 64}}, {}, Dtype::bf16,
                                            hw.sbuf.usable_bytes_per_partition());
  run::trace_nki_file(file, trace);
  const isa::Program replayed = run::build_trace_program(nki::TraceKernel::load(trace), hw);
  EXPECT_EQ(replayed.instruction_count(), direct.instruction_count());
  EXPECT_TRUE(isa::program_to_json(replayed) == isa::program_to_json(direct))
      << testing::read_text(file);
}

}  // namespace
}  // namespace trnsim

#include "kernels/nki/nki_backend.h"

#include <algorithm>
#include <sstream>

#include "kernels/api/limits.h"
#include "kernels/nki/nki_views.h"

namespace trnsim::nki {
namespace {

std::string nl_dtype(Dtype d) {
  switch (d) {
    case Dtype::bf16: return "nl.bfloat16";
    case Dtype::fp16: return "nl.float16";
    case Dtype::fp32: break;
  }
  return "nl.float32";
}

// NKI's name of an ALU operator; bypass has none (a call that bypasses is written another way).
std::string nl_alu(AluOp op) {
  switch (op) {
    case AluOp::add: return "nl.add";
    case AluOp::subtract: return "nl.subtract";
    case AluOp::multiply: return "nl.multiply";
    case AluOp::max: return "nl.maximum";
    case AluOp::min: return "nl.minimum";
    case AluOp::divide: return "nl.divide";
    case AluOp::equal: return "nl.equal";
    case AluOp::not_equal: return "nl.not_equal";
    case AluOp::greater: return "nl.greater";
    case AluOp::greater_equal: return "nl.greater_equal";
    case AluOp::less: return "nl.less";
    case AluOp::less_equal: return "nl.less_equal";
    case AluOp::bypass: break;
  }
  throw UserError("NKI emission: AluOp bypass has no NKI operator");
}

std::string nl_activation(ActFunc f) {
  switch (f) {
    case ActFunc::identity: return "nl.copy";
    case ActFunc::exp: return "nl.exp";
    case ActFunc::silu: return "nl.silu";
    case ActFunc::relu: return "nl.relu";
    case ActFunc::sigmoid: return "nl.sigmoid";
    case ActFunc::tanh: return "nl.tanh";
    case ActFunc::log: return "nl.log";
    case ActFunc::gelu: return "nl.gelu";
    case ActFunc::rsqrt: return "nl.rsqrt";
    case ActFunc::sqrt: return "nl.sqrt";
    case ActFunc::square: return "nl.square";
    case ActFunc::reciprocal: return "nl.reciprocal";
  }
  return "nl.copy";
}

std::string number(float v) {
  std::ostringstream out;
  out.precision(9);  // enough digits that the float reads back exactly
  out << v;
  std::string s = out.str();
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// A number, or the [P, 1] tile of per-partition scalars.
std::string operand(const Scalar& s, NkiApi api) {
  return s.tile ? read_expression(*s.tile, api) : number(s.value);
}

// ", engine=nisa.vector_engine" and the like, for every call whose engine NKI lets a kernel
// choose (tensor_copy, tensor_tensor, tensor_scalar, memset, nc_transpose): the schedule ran on
// that engine in the simulator, so the emitted call names it (left out, NKI leaves the engine
// to its compiler and trnsim's tracer to the hardware config's nki_engine table).
std::string engine_argument(Engine e) {
  switch (e) {
    case Engine::vector: return ", engine=nisa.vector_engine";
    case Engine::scalar: return ", engine=nisa.scalar_engine";
    case Engine::gpsimd: return ", engine=nisa.gpsimd_engine";
    case Engine::tensor: break;
  }
  return ", engine=nisa.tensor_engine";
}

// NKI has no buffer count (its compiler chooses); the comment carries the schedule's to the
// trnsim tracer (python/TRACE_FORMAT.md), so that a replayed trace rotates tiles the same way.
std::string bufs_comment(int bufs) { return "  # trnsim: bufs=" + std::to_string(bufs); }

}  // namespace

NkiBackend::NkiBackend(std::string kernel_name, int64_t sbuf_bytes, NkiApi api)
    : name_(std::move(kernel_name)), api_(api), sbuf_bytes_(sbuf_bytes) {}

std::string NkiBackend::read(const View& v) const { return read_expression(v, api_); }
std::string NkiBackend::target(const View& v) const { return write_expression(v, api_); }

void NkiBackend::isa_call(const std::string& function, const View& dst, const std::string& args,
                          const std::string& dst_text) {
  if (api_ == NkiApi::v0_1)
    line((dst_text.empty() ? target(dst) : dst_text) + " = nisa." + function + "(" + args +
         ", dtype=" + nl_dtype(dst.tensor.dtype) + ")");
  else
    line("nisa." + function + "(" + (dst_text.empty() ? target(dst) : dst_text) + ", " + args +
         ")");
}

void NkiBackend::line(const std::string& text) {
  body_.push_back(std::string(4 * (loop_variables_.size() + 1), ' ') + text);
}

TensorRef NkiBackend::declare(Memory memory, const std::string& name,
                              std::vector<int64_t> block_dims, int64_t partitions,
                              int64_t free, Dtype dtype) {
  return {next_id_++, memory, name, dtype, std::move(block_dims), partitions, free};
}

TensorRef NkiBackend::hbm_input(const std::string& name, int64_t rows, int64_t cols, Dtype d) {
  inputs_.push_back(declare(Memory::hbm, name, {}, rows, cols, d));
  return inputs_.back();
}

TensorRef NkiBackend::hbm_output(const std::string& name, int64_t rows, int64_t cols, Dtype d) {
  outputs_.push_back(declare(Memory::hbm, name, {}, rows, cols, d));
  line(name + " = nl.ndarray((" + std::to_string(rows) + ", " + std::to_string(cols) +
       "), dtype=" + nl_dtype(d) + ", buffer=nl.shared_hbm)");
  return outputs_.back();
}

TensorRef NkiBackend::hbm_constant(const std::string& name, int64_t rows, int64_t cols, Dtype d,
                                   const std::vector<float>& values) {
  if (api_ == NkiApi::v0_3)
    throw UserError("NKI emission (--nki-api 0.3): HBM constants are not written yet");
  std::string list;
  for (size_t i = 0; i < values.size(); ++i) list += (i ? ", " : "") + number(values[i]);
  line(name + " = nl.shared_constant(np.array([" + list + "], dtype=np.float32).reshape(" +
       std::to_string(rows) + ", " + std::to_string(cols) + "), dtype=" + nl_dtype(d) + ")");
  return declare(Memory::hbm, name, {}, rows, cols, d);
}

TensorRef NkiBackend::hbm_scratch(const std::string& name, int64_t rows, int64_t cols, Dtype d) {
  line(name + " = nl.ndarray((" + std::to_string(rows) + ", " + std::to_string(cols) +
       "), dtype=" + nl_dtype(d) + ", buffer=nl.hbm)");
  return declare(Memory::hbm, name, {}, rows, cols, d);
}

TensorRef NkiBackend::sbuf_tile(const std::string& name, std::vector<int64_t> block_dims,
                                int64_t partitions, int64_t free, Dtype dtype, int bufs) {
  std::string blocks;
  for (int64_t b : block_dims) blocks += std::to_string(b) + ", ";
  const std::string shape =
      api_ == NkiApi::v0_1
          ? blocks + "nl.par_dim(" + std::to_string(partitions) + "), " + std::to_string(free)
          : std::to_string(partitions) + ", " + blocks + std::to_string(free);
  line(name + " = nl.ndarray((" + shape + "), dtype=" + nl_dtype(dtype) + ", buffer=nl.sbuf)" +
       bufs_comment(bufs));
  return declare(Memory::sbuf, name, std::move(block_dims), partitions, free, dtype);
}

TensorRef NkiBackend::psum_tile(const std::string& name, int64_t partitions, int64_t free,
                                int bufs) {
  // NKI 0.1 accumulates with `+=` onto zeros; in the nki namespace the first matmul into an
  // element overwrites it and later ones accumulate, as SimBackend marks PSUM written.
  const std::string shape = "(" + std::to_string(partitions) + ", " + std::to_string(free) + ")";
  psum_uses_[next_id_] = {body_.size()};
  line(name + (api_ == NkiApi::v0_1 ? " = nl.zeros(" + shape + ", nl.float32"
                                    : " = nl.ndarray(" + shape + ", dtype=nl.float32") +
       ", buffer=nl.psum)" + bufs_comment(bufs));
  return declare(Memory::psum, name, {}, partitions, free, Dtype::fp32);
}

void NkiBackend::for_range(const std::string& name, int64_t count, Loop kind,
                           const std::function<void(Expr)>& body) {
  if (count <= 0)
    throw UserError("loop '" + name + "' has " + std::to_string(count) + " iterations");
  if (std::find(loop_variables_.begin(), loop_variables_.end(), name) != loop_variables_.end())
    throw UserError("loop variable '" + name + "' shadows an enclosing loop of the same name");
  line("for " + name + " in nl." + (kind == Loop::affine ? "affine_range(" : "sequential_range(") +
       std::to_string(count) + "):");
  const size_t before = body_.size();
  loop_variables_.push_back(name);
  body(Expr::variable(name));
  if (body_.size() == before) line("pass");
  loop_variables_.pop_back();
}

void NkiBackend::dma_copy(const View& dst, const View& src) {
  limits::check_dma_copy(dst, src);
  if (api_ == NkiApi::v0_3)
    line("nisa.dma_copy(dst=" + target(dst) + ", src=" + read(src) + ")");
  else if (dst.tensor.memory == Memory::hbm)
    line("nl.store(" + read(dst) + ", value=" + read(src) + ")");
  else if (src.tensor.memory == Memory::hbm)
    line(target(dst) + " = nl.load(" + read(src) + ")");
  else
    line("nisa.dma_copy(dst=" + target(dst) + ", src=" + read(src) + ")");
}

void NkiBackend::dma_transpose(const View& dst, const View& src) {
  limits::check_dma_transpose(dst, src);
  if (api_ == NkiApi::v0_3)
    line("nisa.dma_transpose(dst=" + target(dst) + ", src=" + read(src) + ")");
  else
    line(target(dst) + " = nl.load_transpose2d(" + read(src) + ")");
}

void NkiBackend::matmul(const View& psum, const View& stationary, const View& moving) {
  limits::check_matmul(psum, stationary, moving);
  PsumUse& use = psum_uses_.at(psum.tensor.id);
  if (use.transposed)
    throw UserError("NKI emission: PSUM tile '" + psum.tensor.name + "' holds both a " +
                    dtype_name(*use.transposed) +
                    " transpose, whose destination must have its dtype, and fp32 matmuls");
  use.matmul = true;
  if (api_ == NkiApi::v0_3) {
    line("nisa.nc_matmul(" + target(psum) + ", " + read(stationary) + ", " + read(moving) + ")");
  } else
    line(target(psum) + " += nisa.nc_matmul(" + read(stationary) + ", " + read(moving) + ")");
}

void NkiBackend::transpose(const View& psum, const View& src) {
  limits::check_transpose(psum, src);
  if (api_ == NkiApi::v0_3) {
    transpose_into(psum, src.tensor.dtype);
    line("nisa.nc_transpose(" + target(psum) + ", " + read(src) +
         engine_argument(Engine::tensor) + ")");
  } else
    line(target(psum) + " = nisa.nc_transpose(" + read(src) + engine_argument(Engine::tensor) +
         ")");
}

void NkiBackend::transpose_into(const View& psum, Dtype dtype) {
  PsumUse& use = psum_uses_.at(psum.tensor.id);
  if (dtype == Dtype::fp32 || use.transposed == dtype) return;
  if (use.matmul || use.transposed)
    throw UserError("NKI emission: PSUM tile '" + psum.tensor.name +
                    "' holds a " + dtype_name(dtype) + " transpose, whose destination must " +
                    "have its dtype, and other results");
  std::string& declaration = body_[use.declaration];
  const std::string fp32 = nl_dtype(Dtype::fp32);
  declaration.replace(declaration.find(fp32), fp32.size(), nl_dtype(dtype));
  use.transposed = dtype;
}

void NkiBackend::tensor_copy(const View& dst, const View& src, Engine engine) {
  limits::check_elementwise("tensor_copy", dst, src);
  limits::check_engine_memory("tensor_copy", engine, dst);
  limits::check_engine_memory("tensor_copy", engine, src);
  isa_call("tensor_copy", dst, read(src) + engine_argument(engine));
}

void NkiBackend::tensor_tensor(const View& dst, const View& a, const View& b, AluOp op,
                               Engine engine) {
  limits::check_tensor_tensor(dst, a, b);
  limits::check_engine_memory("tensor_tensor", engine, dst);
  const std::vector<int64_t> grid = common_grid({&dst, &a, &b});
  auto text = [&](const View& v, bool is_target) {
    if (!grid.empty()) return api_ == NkiApi::v0_1 ? grid_indexed(v, grid) : ap_indexed(v, grid);
    return is_target ? target(v) : read(v);
  };
  isa_call("tensor_tensor", dst,
           text(a, false) + ", " + text(b, false) + ", op=" + nl_alu(op) + engine_argument(engine),
           text(dst, true));
}

void NkiBackend::tensor_scalar(const View& dst, const View& src, const ScalarOp& op0,
                               const ScalarOp& op1, Engine engine) {
  limits::check_elementwise("tensor_scalar", dst, src);
  limits::check_engine_memory("tensor_scalar", engine, dst);
  limits::check_engine_memory("tensor_scalar", engine, src);
  // NKI has no bypass operator: (src bypass a) op1 b is src op1 b, and with both bypassed the
  // instruction copies, which multiplying by 1 does exactly.
  if (op0.op == AluOp::bypass)
    return tensor_scalar(dst, src, op1.op == AluOp::bypass ? ScalarOp{AluOp::multiply, 1.0f} : op1,
                         ScalarOp{}, engine);
  limits::check_scalar_operand("tensor_scalar", src, op0.operand);
  std::string args = read(src) + ", op0=" + nl_alu(op0.op) + ", operand0=" +
                     operand(op0.operand, api_) + (op0.reverse ? ", reverse0=True" : "");
  if (op1.op != AluOp::bypass) {
    limits::check_scalar_operand("tensor_scalar", src, op1.operand);
    args += ", op1=" + nl_alu(op1.op) + ", operand1=" + operand(op1.operand, api_) +
            (op1.reverse ? ", reverse1=True" : "");
  }
  isa_call("tensor_scalar", dst, args + engine_argument(engine));
}

void NkiBackend::activation(const View& dst, const View& src, ActFunc func, const Scalar& scale,
                            const Scalar& bias) {
  limits::check_elementwise("activation", dst, src);
  limits::check_scalar_operand("activation", src, scale);
  limits::check_scalar_operand("activation", src, bias);
  if (!bias.tile && bias.value != 0.0f)
    throw UserError("NKI emission: nisa.activation takes its bias as a tile, not a number");
  isa_call("activation", dst,
           "op=" + nl_activation(func) + ", data=" + read(src) +
               (bias.tile ? ", bias=" + read(*bias.tile) : "") + ", scale=" + operand(scale, api_));
}

void NkiBackend::memset(const View& dst, float value) {
  limits::check_on_chip("memset", dst);
  if (api_ == NkiApi::v0_3) {
    line("nisa.memset(" + target(dst) + ", value=" + number(value) +
         engine_argument(kMemsetEngine) + ")");
    return;
  }
  line(target(dst) + " = nisa.memset(shape=(" + std::to_string(dst.np) + ", " +
       std::to_string(dst.nf) + "), value=" + number(value) + ", dtype=" +
       nl_dtype(dst.tensor.dtype) + engine_argument(kMemsetEngine) + ")");
}

void NkiBackend::reduce(const View& dst, const View& src, AluOp op) {
  limits::check_reduce(dst, src);
  isa_call("tensor_reduce", dst,
           "op=" + nl_alu(op) + ", data=" + read(src) + ", axis=[1], keepdims=True");
}

void NkiBackend::reciprocal(const View& dst, const View& src) {
  limits::check_elementwise("reciprocal", dst, src);
  limits::check_engine_memory("reciprocal", Engine::vector, dst);
  isa_call("reciprocal", dst, read(src));
}

void NkiBackend::tensor_tensor_scan(const View& dst, const View& a, const View& b,
                                    const Scalar& initial, AluOp op0, AluOp op1, bool reverse0,
                                    bool reverse1) {
  limits::check_tensor_tensor_scan(dst, a, b, initial);
  isa_call("tensor_tensor_scan", dst,
           read(a) + ", " + read(b) + ", initial=" + operand(initial, api_) + ", op0=" +
               nl_alu(op0) + ", op1=" + nl_alu(op1) + (reverse0 ? ", reverse0=True" : "") +
               (reverse1 ? ", reverse1=True" : ""));
}

void NkiBackend::bn_stats(const View& dst, const View& src) {
  limits::check_bn_stats(dst, src);
  isa_call("bn_stats", dst, read(src));
}

void NkiBackend::bn_aggr(const View& dst, const View& src) {
  limits::check_bn_aggr(dst, src);
  isa_call("bn_aggr", dst, read(src));
}

// "nl.arange(P)[:, None] * a + nl.arange(F)[None, :] * b + c" over the view's shape (NKI 0.1).
std::string affine_expression(const View& v, const AffineIndex& a) {
  return "nl.arange(" + std::to_string(v.np) + ")[:, None] * " +
         std::to_string(a.partition_step) + " + nl.arange(" + std::to_string(v.nf) +
         ")[None, :] * " + std::to_string(a.free_step) + " + " + std::to_string(a.offset);
}

// The same affine value in the nki namespace's terms: a pattern over the free elements, a
// channel (partition) multiplier and an offset.
std::string affine_arguments(const View& v, const AffineIndex& a) {
  return "pattern=[[" + std::to_string(a.free_step) + ", " + std::to_string(v.nf) +
         "]], channel_multiplier=" + std::to_string(a.partition_step) +
         ", offset=" + std::to_string(a.offset);
}

void NkiBackend::iota(const View& dst, const AffineIndex& index) {
  limits::check_on_chip("iota", dst);
  limits::check_engine_memory("iota", Engine::gpsimd, dst);
  if (api_ == NkiApi::v0_3)
    line("nisa.iota(" + target(dst) + ", " + affine_arguments(dst, index) + ")");
  else
    isa_call("iota", dst, affine_expression(dst, index));
}

void NkiBackend::affine_select(const View& dst, const AffineIndex& index, AluOp cmp,
                               const View& on_true, float on_false) {
  limits::check_affine_select(dst, cmp, on_true);
  if (api_ == NkiApi::v0_3) {
    line("nisa.affine_select(" + target(dst) + ", " + affine_arguments(dst, index) +
         ", on_true_tile=" + read(on_true) + ", on_false_value=" + number(on_false) +
         ", cmp_op=" + nl_alu(cmp) + ")");
    return;
  }
  const char* symbol = cmp == AluOp::equal           ? " == "
                       : cmp == AluOp::not_equal     ? " != "
                       : cmp == AluOp::greater       ? " > "
                       : cmp == AluOp::greater_equal ? " >= "
                       : cmp == AluOp::less          ? " < "
                                                     : " <= ";
  isa_call("affine_select", dst,
           "(" + affine_expression(dst, index) + ")" + symbol + "0, " + read(on_true) + ", " +
               number(on_false));
}

std::string NkiBackend::kernel_source() const {
  std::string params;
  for (size_t i = 0; i < inputs_.size(); ++i) params += (i ? ", " : "") + inputs_[i].name;
  std::string out = "@nki.jit\ndef " + name_ + "(" + params + "):\n";
  for (const std::string& l : body_) out += l + "\n";
  std::string results;
  for (size_t i = 0; i < outputs_.size(); ++i) results += (i ? ", " : "") + outputs_[i].name;
  return out + "    return " + results + "\n";
}

}  // namespace trnsim::nki

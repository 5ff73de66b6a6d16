#include "sim/backend/sim_backend.h"

#include <algorithm>

#include "kernels/api/limits.h"
#include "sim/backend/api_limits_check.h"

namespace trnsim::backend {

using isa::Opcode;

namespace {

// The operands of one kernel call stay resident (never spilled) until the call is emitted.
class PinnedOperands {
 public:
  explicit PinnedOperands(TileStore& tiles) : tiles_(tiles) {}
  ~PinnedOperands() { tiles_.end_instruction(); }

 private:
  TileStore& tiles_;
};

}  // namespace

SimBackend::SimBackend(const HwConfig& cfg, const std::string& program_name,
                       const Budget& budget, RunWatch* watch)
    : cfg_(cfg),
      budget_(budget),
      watch_(watch),
      hazards_(cfg.sbuf.bytes_per_partition, cfg.psum.bytes_per_partition),
      scheduler_(cfg, [this](ListScheduler::Item& item) { append(item); }),
      tiles_(cfg),
      queues_(cfg.dma.queues_per_engine) {
  check_api_limits(cfg);
  program_.name = program_name;
}

isa::Program SimBackend::finish() {
  scheduler_.flush();
  program_.data_movement = movement_.report(program_.tensors);
  program_.footprint.peak_sbuf_bytes =
      tiles_.peak_sbuf_bytes_per_partition() * cfg_.sbuf.partitions;
  program_.footprint.peak_psum_bytes =
      tiles_.peak_psum_bytes_per_partition() * cfg_.psum.partitions;
  return std::move(program_);
}

TensorRef SimBackend::declare_hbm(const std::string& name, int64_t rows, int64_t cols,
                                  Dtype dtype, isa::TensorRole role) {
  // All tensors together must fit the NeuronCore's HBM (hbm.capacity_bytes).
  const int64_t capacity = cfg_.hbm.capacity_bytes;
  const int64_t free_bytes = capacity - hbm_bytes_;
  if (rows <= 0 || cols <= 0 || rows > free_bytes / cols / dtype_size(dtype))
    throw UserError("HBM tensor '" + name + "' [" + std::to_string(rows) + " x " +
                    std::to_string(cols) + " " + dtype_name(dtype) + "] does not fit HBM: " +
                    std::to_string(free_bytes) + " of hbm.capacity_bytes = " +
                    std::to_string(capacity) + " bytes are free");
  hbm_bytes_ += rows * cols * dtype_size(dtype);
  const int32_t id = static_cast<int32_t>(program_.tensors.size());
  program_.tensors.push_back({name, rows, cols, dtype, role});
  if (role == isa::TensorRole::input || role == isa::TensorRole::constant)
    hazards_.set_read_only(id);
  TensorRef t;
  t.id = id;
  t.memory = Memory::hbm;
  t.name = name;
  t.dtype = dtype;
  t.partitions = rows;
  t.free = cols;
  return t;
}

TensorRef SimBackend::hbm_constant(const std::string& n, int64_t r, int64_t c, Dtype d,
                                   const std::vector<float>& values) {
  if (static_cast<int64_t>(values.size()) != r * c)
    throw UserError("HBM constant '" + n + "' [" + std::to_string(r) + " x " + std::to_string(c) +
                    "] has " + std::to_string(values.size()) + " values");
  const TensorRef t = declare_hbm(n, r, c, d, isa::TensorRole::constant);
  program_.tensors[static_cast<size_t>(t.id)].values = values;
  return t;
}

TensorRef SimBackend::hbm_input(const std::string& n, int64_t r, int64_t c, Dtype d) {
  return declare_hbm(n, r, c, d, isa::TensorRole::input);
}
TensorRef SimBackend::hbm_output(const std::string& n, int64_t r, int64_t c, Dtype d) {
  return declare_hbm(n, r, c, d, isa::TensorRole::output);
}
TensorRef SimBackend::hbm_scratch(const std::string& n, int64_t r, int64_t c, Dtype d) {
  return declare_hbm(n, r, c, d, isa::TensorRole::scratch);
}

TensorRef SimBackend::sbuf_tile(const std::string& name, std::vector<int64_t> block_dims,
                                int64_t partitions, int64_t free, Dtype dtype, int bufs) {
  return tiles_.allocate(Memory::sbuf, name, std::move(block_dims), partitions, free, dtype, bufs);
}

TensorRef SimBackend::psum_tile(const std::string& name, int64_t partitions, int64_t free,
                                int bufs) {
  return tiles_.allocate(Memory::psum, name, {}, partitions, free, Dtype::fp32, bufs);
}

void SimBackend::for_range(const std::string& name, int64_t count, Loop,
                           const std::function<void(Expr)>& body) {
  if (count <= 0)
    throw UserError("loop '" + name + "' has " + std::to_string(count) + " iterations");
  tiles_.enter_scope();
  for (int64_t i = 0; i < count; ++i) {
    tiles_.next_iteration();
    body(Expr(i));
  }
  tiles_.exit_scope();
}

namespace {

// A view's free pattern as the ISA's dims, and the element reach of the dims (relative to the
// first element) for hazard regions.
void free_pattern(const View& v, isa::AccessPattern& ap, int64_t& low, int64_t& high) {
  ap.dims.clear();
  low = high = 0;
  if (v.rectangular()) {
    ap.dims.push_back({1, v.nf});
    high = v.nf - 1;
    return;
  }
  for (const FreeAxis& d : v.free_pattern()) {  // [1, nf] when only the partition stride is set
    ap.dims.push_back({d.stride, d.count});
    const int64_t r = d.stride * (d.count - 1);  // bounded: limits::check_view passed
    (r < 0 ? low : high) += r;
  }
}

}  // namespace

SimBackend::Operand SimBackend::resolve(const View& v, bool writes) {
  const int64_t size = dtype_size(v.tensor.dtype);
  Operand op;
  isa::AccessPattern& ap = op.ap;
  ap.memory = v.tensor.memory;
  ap.dtype = v.tensor.dtype;
  ap.partitions = v.np;
  int64_t low = 0, high = 0;  // elements of the free pattern, relative to its first
  free_pattern(v, ap, low, high);
  op.region.memory = v.tensor.memory;
  if (v.tensor.memory == Memory::hbm) {
    const isa::HbmTensor& t = program_.tensors[v.tensor.id];
    if (writes && (t.role == isa::TensorRole::input || t.role == isa::TensorRole::constant))
      throw UserError("the kernel writes its input tensor '" + t.name + "'");
    ap.tensor = v.tensor.id;
    ap.partition_stride = v.partition_stride != 0 ? v.partition_stride : t.cols;
    const int64_t first = v.p0.value() * t.cols + v.f0.value();
    ap.offset_bytes = first * size;
    op.region.tensor = v.tensor.id;
    hbm_region(t, first, ap.partition_stride, v.np, low, high, op.region);
    return op;
  }
  ap.start_partition = v.p0.value();
  const TileStore::Placement placed = tiles_.place(v, writes);
  emit_spill_moves(placed.moves);
  ap.offset_bytes = placed.offset + v.f0.value() * size;
  // Hazards: the free pattern's byte span in every partition (a bounding box when strided).
  op.region.byte_begin = ap.offset_bytes + low * size;
  op.region.byte_end = ap.offset_bytes + (high + 1) * size;
  return op;
}

// The rows x bytes rectangle of an HBM tensor that a pattern touches: exact for a rectangle
// (rows one partition apart, the free pattern inside one row), else the bounding box of its
// flattened elements in whole rows (conservative: hazards may see an overlap that is not).
void SimBackend::hbm_region(const isa::HbmTensor& t, int64_t first, int64_t partition_stride,
                            int64_t partitions, int64_t low, int64_t high, Region& r) {
  const int64_t size = dtype_size(t.dtype);
  const int64_t column = first % t.cols;
  const bool row_steps =
      partitions == 1 || (partition_stride > 0 && partition_stride % t.cols == 0);
  if (row_steps && column + low >= 0 && column + high < t.cols) {
    const int64_t step = partitions == 1 ? 0 : partition_stride / t.cols;
    r.row_begin = first / t.cols;
    r.row_end = r.row_begin + step * (partitions - 1) + 1;
    r.byte_begin = (column + low) * size;
    r.byte_end = (column + high + 1) * size;
    return;
  }
  const int64_t reach = partition_stride * (partitions - 1);
  const int64_t lowest = first + low + std::min<int64_t>(reach, 0);
  const int64_t highest = first + high + std::max<int64_t>(reach, 0);
  r.row_begin = lowest / t.cols;
  r.row_end = highest / t.cols + 1;
  r.byte_begin = 0;
  r.byte_end = t.cols * size;
}

void SimBackend::emit(isa::Stream stream, isa::Instruction in, std::vector<Region> reads,
                      std::vector<Region> writes) {
  const auto count = static_cast<int64_t>(++instruction_count_);
  if (count > budget_.max_instructions)
    throw UserError("the program exceeds its budget of " +
                    std::to_string(budget_.max_instructions) +
                    " instructions (--max-instructions); use a smaller shape");
  if (isa::Program::approximate_bytes(count) > budget_.max_memory_bytes)
    throw UserError("the program's " + std::to_string(count) + " instructions exceed its " +
                    "memory budget of " + std::to_string(budget_.max_memory_bytes) +
                    " bytes (--max-memory-gib)");
  if (watch_ && !watch_->tick("building", count, 0))
    throw UserError(watch_->time_limit_message());
  const isa::OpcodeInfo& info = isa::opcode_info(in.op);
  if (!isa::is_dma(stream) && !(info.streams & isa::on_engine(isa::engine_of(stream))))
    throw UserError(std::string(info.name) + " runs on " + isa::stream_set_name(info.streams) +
                    ", not on " + engine_name(isa::engine_of(stream)));
  scheduler_.push({stream, std::move(in), std::move(reads), std::move(writes)});
}

void SimBackend::append(ListScheduler::Item& item) {
  auto& instructions = program_.stream(item.stream);
  const bool accumulate_chain = item.in.op == Opcode::matmul && item.in.accumulate;
  item.in.waits = hazards_.track(item.stream, static_cast<uint32_t>(instructions.size()),
                                 item.reads, item.writes, accumulate_chain);
  instructions.push_back(std::move(item.in));
}

void SimBackend::emit_dma(Opcode op, const Operand& dst, const Operand& src,
                          const std::string& label) {
  isa::Instruction in;
  in.op = op;
  in.dst = dst.ap;
  in.src0 = src.ap;
  in.label = label;
  emit(dma_queue_for(dst, src), std::move(in), {src.region}, {dst.region});
}

isa::Stream SimBackend::dma_queue_for(const Operand& dst, const Operand& src) {
  const bool store = dst.ap.memory == Memory::hbm;
  const int32_t tensor = store ? dst.ap.tensor : src.ap.tensor;
  const bool spill = tensor >= 0 && program_.tensors[tensor].role == isa::TensorRole::spill;
  return queues_.queue_for(tensor, store, spill);
}

void SimBackend::dma_copy(const View& dst, const View& src) {
  const PinnedOperands pins(tiles_);
  limits::check_dma_copy(dst, src);
  movement_.dma(dst, src);
  const Operand s = resolve(src, false);
  emit_dma(Opcode::dma_copy, resolve(dst, true), s, dst.tensor.name + " <- " + src.tensor.name);
}

void SimBackend::dma_transpose(const View& dst, const View& src) {
  const PinnedOperands pins(tiles_);
  limits::check_dma_transpose(dst, src);
  movement_.dma(dst, src);
  const Operand s = resolve(src, false);
  emit_dma(Opcode::dma_transpose, resolve(dst, true), s,
           dst.tensor.name + " <- " + src.tensor.name + "^T");
}

void SimBackend::matmul(const View& psum, const View& stationary, const View& moving) {
  const PinnedOperands pins(tiles_);
  limits::check_matmul(psum, stationary, moving);
  isa::Instruction in;
  in.op = Opcode::matmul;
  const Operand s = resolve(stationary, false), m = resolve(moving, false);
  const Operand d = resolve(psum, true);
  in.accumulate = tiles_.mark_psum_written(psum, d.region.byte_begin, d.region.byte_end);
  in.src0 = s.ap;
  in.src1 = m.ap;
  in.dst = d.ap;
  in.label = psum.tensor.name + " += " + stationary.tensor.name + "^T @ " + moving.tensor.name;
  movement_.matmul(psum, stationary, moving);
  std::vector<Region> reads = {s.region, m.region};
  if (in.accumulate) reads.push_back(d.region);
  emit(isa::compute_stream(Engine::tensor), std::move(in), std::move(reads), {d.region});
}

void SimBackend::transpose(const View& psum, const View& src) {
  const PinnedOperands pins(tiles_);
  limits::check_transpose(psum, src);
  isa::Instruction in;
  in.op = Opcode::transpose;
  const Operand s = resolve(src, false), d = resolve(psum, true);
  tiles_.mark_psum_written(psum, d.region.byte_begin, d.region.byte_end);
  in.src0 = s.ap;
  in.dst = d.ap;
  in.label = psum.tensor.name + " <- " + src.tensor.name + "^T";
  emit(isa::compute_stream(Engine::tensor), std::move(in), {s.region}, {d.region});
}

void SimBackend::emit_lane(Engine engine, isa::Instruction in, const Operand& dst,
                           const std::vector<Operand>& srcs) {
  std::vector<Region> reads;
  for (const Operand& s : srcs) reads.push_back(s.region);
  in.dst = dst.ap;
  if (!srcs.empty()) in.src0 = srcs[0].ap;
  if (srcs.size() > 1) in.src1 = srcs[1].ap;
  emit(isa::compute_stream(engine), std::move(in), std::move(reads), {dst.region});
}

void SimBackend::tensor_copy(const View& dst, const View& src, Engine engine) {
  movement_.move(dst, src);
  const PinnedOperands pins(tiles_);
  limits::check_elementwise("tensor_copy", dst, src);
  limits::check_engine_memory("tensor_copy", engine, dst);
  limits::check_engine_memory("tensor_copy", engine, src);
  isa::Instruction in;
  in.op = Opcode::tensor_copy;
  in.label = dst.tensor.name + " <- " + src.tensor.name;
  const Operand s = resolve(src, false);
  emit_lane(engine, std::move(in), resolve(dst, true), {s});
}

void SimBackend::tensor_tensor(const View& dst, const View& a, const View& b, AluOp op,
                               Engine engine) {
  movement_.move(dst, a);
  movement_.move(dst, b);
  const PinnedOperands pins(tiles_);
  limits::check_tensor_tensor(dst, a, b);
  limits::check_engine_memory("tensor_tensor", engine, dst);
  limits::check_engine_memory("tensor_tensor", engine, a);
  limits::check_engine_memory("tensor_tensor", engine, b);
  isa::Instruction in;
  in.op = Opcode::tensor_tensor;
  in.alu = op;
  in.label = dst.tensor.name + " <- " + a.tensor.name + " " + alu_op_name(op) + " " +
             b.tensor.name;
  const Operand sa = resolve(a, false), sb = resolve(b, false);
  emit_lane(engine, std::move(in), resolve(dst, true), {sa, sb});
}

// A number becomes the immediate; a [P, 1] tile the operand `slot` (src1 or src2), read by
// the instruction, so its hazards and its engine port count.
void SimBackend::scalar_operand(const char* op, Engine engine, const View& src,
                                const Scalar& s, float& imm, isa::AccessPattern& slot,
                                std::vector<Region>& reads) {
  limits::check_scalar_operand(op, src, s);
  if (!s.tile) {
    imm = s.value;
    return;
  }
  limits::check_engine_memory(op, engine, *s.tile);
  const Operand t = resolve(*s.tile, false);
  slot = t.ap;
  reads.push_back(t.region);
}

void SimBackend::tensor_scalar(const View& dst, const View& src, const ScalarOp& op0,
                               const ScalarOp& op1, Engine engine) {
  const PinnedOperands pins(tiles_);
  limits::check_elementwise("tensor_scalar", dst, src);
  limits::check_engine_memory("tensor_scalar", engine, dst);
  limits::check_engine_memory("tensor_scalar", engine, src);
  isa::Instruction in;
  in.op = Opcode::tensor_scalar;
  in.alu = op0.op;
  in.reverse0 = op0.reverse;
  in.alu1 = op1.op;
  in.reverse1 = op1.op != AluOp::bypass && op1.reverse;
  in.label = dst.tensor.name + " <- " + src.tensor.name + " " + alu_op_name(op0.op) +
             (op1.op != AluOp::bypass ? std::string(" ") + alu_op_name(op1.op) : "") + " scalar";
  const Operand s = resolve(src, false);
  std::vector<Region> reads = {s.region};
  scalar_operand("tensor_scalar", engine, src, op0.operand, in.imm0, in.src1, reads);
  if (op1.op != AluOp::bypass)
    scalar_operand("tensor_scalar", engine, src, op1.operand, in.imm1, in.src2, reads);
  const Operand d = resolve(dst, true);
  in.dst = d.ap;
  in.src0 = s.ap;
  emit(isa::compute_stream(engine), std::move(in), std::move(reads), {d.region});
}

void SimBackend::activation(const View& dst, const View& src, ActFunc func, const Scalar& scale,
                            const Scalar& bias) {
  const PinnedOperands pins(tiles_);
  limits::check_elementwise("activation", dst, src);
  isa::Instruction in;
  in.op = Opcode::activation;
  in.func = func;
  in.label = dst.tensor.name + " <- " + act_func_name(func) + "(" + src.tensor.name + ")";
  const Operand s = resolve(src, false);
  std::vector<Region> reads = {s.region};
  scalar_operand("activation", Engine::scalar, src, scale, in.imm0, in.src1, reads);
  scalar_operand("activation", Engine::scalar, src, bias, in.imm1, in.src2, reads);
  const Operand d = resolve(dst, true);
  in.dst = d.ap;
  in.src0 = s.ap;
  emit(isa::compute_stream(Engine::scalar), std::move(in), std::move(reads), {d.region});
}

void SimBackend::memset(const View& dst, float value) {
  const PinnedOperands pins(tiles_);
  limits::check_on_chip("memset", dst);
  isa::Instruction in;
  in.op = Opcode::memset;
  in.imm0 = value;
  in.label = dst.tensor.name + " <- " + std::to_string(value);
  emit_lane(kMemsetEngine, std::move(in), resolve(dst, true), {});
}

void SimBackend::reduce(const View& dst, const View& src, AluOp op) {
  const PinnedOperands pins(tiles_);
  limits::check_reduce(dst, src);
  isa::Instruction in;
  in.op = Opcode::reduce;
  in.alu = op;
  in.label = dst.tensor.name + " <- reduce " + alu_op_name(op) + " " + src.tensor.name;
  const Operand s = resolve(src, false);
  emit_lane(Engine::vector, std::move(in), resolve(dst, true), {s});
}

void SimBackend::iota(const View& dst, const AffineIndex& index) {
  const PinnedOperands pins(tiles_);
  limits::check_on_chip("iota", dst);
  limits::check_engine_memory("iota", Engine::gpsimd, dst);
  isa::Instruction in;
  in.op = Opcode::iota;
  in.affine = {index.offset, index.partition_step, index.free_step};
  in.label = dst.tensor.name + " <- iota";
  emit_lane(Engine::gpsimd, std::move(in), resolve(dst, true), {});
}

void SimBackend::affine_select(const View& dst, const AffineIndex& index, AluOp cmp,
                               const View& on_true, float on_false) {
  const PinnedOperands pins(tiles_);
  limits::check_affine_select(dst, cmp, on_true);
  isa::Instruction in;
  in.op = Opcode::affine_select;
  in.alu = cmp;
  in.imm0 = on_false;
  in.affine = {index.offset, index.partition_step, index.free_step};
  in.label = dst.tensor.name + " <- affine_select " + on_true.tensor.name;
  const Operand s = resolve(on_true, false);
  emit_lane(Engine::gpsimd, std::move(in), resolve(dst, true), {s});
}

void SimBackend::reciprocal(const View& dst, const View& src) {
  const PinnedOperands pins(tiles_);
  limits::check_elementwise("reciprocal", dst, src);
  isa::Instruction in;
  in.op = Opcode::reciprocal;
  in.label = dst.tensor.name + " <- 1 / " + src.tensor.name;
  const Operand s = resolve(src, false);
  emit_lane(Engine::vector, std::move(in), resolve(dst, true), {s});
}

void SimBackend::tensor_tensor_scan(const View& dst, const View& a, const View& b,
                                    const Scalar& initial, AluOp op0, AluOp op1, bool reverse0,
                                    bool reverse1) {
  movement_.move(dst, a);
  movement_.move(dst, b);
  const PinnedOperands pins(tiles_);
  limits::check_tensor_tensor_scan(dst, a, b, initial);
  isa::Instruction in;
  in.op = Opcode::tensor_tensor_scan;
  in.alu = op0;
  in.alu1 = op1;
  in.reverse0 = reverse0;
  in.reverse1 = reverse1;
  in.label = dst.tensor.name + " <- scan " + alu_op_name(op0) + " " + alu_op_name(op1) + " " +
             a.tensor.name + ", " + b.tensor.name;
  const Operand sa = resolve(a, false), sb = resolve(b, false);
  std::vector<Region> reads = {sa.region, sb.region};
  scalar_operand("tensor_tensor_scan", Engine::vector, a, initial, in.imm0, in.src2, reads);
  const Operand d = resolve(dst, true);
  in.dst = d.ap;
  in.src0 = sa.ap;
  in.src1 = sb.ap;
  emit(isa::compute_stream(Engine::vector), std::move(in), std::move(reads), {d.region});
}

static_assert(limits::kBnStatsFmax == isa::kBnStatsFmax, "one bn_stats_fmax");

void SimBackend::bn_stats(const View& dst, const View& src) {
  const PinnedOperands pins(tiles_);
  limits::check_bn_stats(dst, src);
  isa::Instruction in;
  in.op = Opcode::bn_stats;
  in.label = dst.tensor.name + " <- bn_stats " + src.tensor.name;
  const Operand s = resolve(src, false);
  emit_lane(Engine::vector, std::move(in), resolve(dst, true), {s});
}

void SimBackend::bn_aggr(const View& dst, const View& src) {
  const PinnedOperands pins(tiles_);
  limits::check_bn_aggr(dst, src);
  isa::Instruction in;
  in.op = Opcode::bn_aggr;
  in.label = dst.tensor.name + " <- bn_aggr " + src.tensor.name;
  const Operand s = resolve(src, false);
  emit_lane(Engine::vector, std::move(in), resolve(dst, true), {s});
}

SimBackend::Operand SimBackend::resolve_tile_bytes(const TensorRef& tile, int64_t offset) {
  Operand op;
  op.ap.memory = Memory::sbuf;
  op.ap.dtype = tile.dtype;
  op.ap.partitions = tile.partitions;
  op.ap.offset_bytes = offset;
  op.ap.dims = {{1, tile.free}};
  op.region.memory = Memory::sbuf;
  op.region.byte_begin = offset;
  op.region.byte_end = offset + tile.free * dtype_size(tile.dtype);
  return op;
}

// The HBM tensor of a spill slot, declared when the slot is first used.
SimBackend::Operand SimBackend::resolve_spill_slot(const TileStore::SpillMove& move) {
  if (move.slot >= static_cast<int>(spill_tensors_.size()))
    spill_tensors_.resize(static_cast<size_t>(move.slot) + 1, -1);
  int32_t& tensor = spill_tensors_[static_cast<size_t>(move.slot)];
  if (tensor < 0)
    tensor = declare_hbm(move.slot_name, move.tile.partitions, move.tile.free, move.tile.dtype,
                         isa::TensorRole::spill).id;
  const isa::HbmTensor& t = program_.tensors[tensor];
  Operand op;
  op.ap.memory = Memory::hbm;
  op.ap.tensor = tensor;
  op.ap.dtype = t.dtype;
  op.ap.partitions = t.rows;
  op.ap.partition_stride = t.cols;
  op.ap.dims = {{1, t.cols}};
  op.region = {Memory::hbm, tensor, 0, t.rows, 0, t.cols * dtype_size(t.dtype)};
  return op;
}

void SimBackend::emit_spill_moves(const std::vector<TileStore::SpillMove>& moves) {
  for (const TileStore::SpillMove& move : moves) {
    const Operand slot = resolve_spill_slot(move);
    const Operand tile = resolve_tile_bytes(move.tile, move.offset);
    if (move.kind == TileStore::SpillMove::Kind::spill)
      emit_dma(Opcode::dma_copy, slot, tile, "spill " + move.tile.name);
    else
      emit_dma(Opcode::dma_copy, tile, slot, "reload " + move.tile.name);
  }
}

}  // namespace trnsim::backend

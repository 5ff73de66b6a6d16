#include "sim/backend/sim_backend.h"

#include "kernels/api/limits.h"

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

SimBackend::SimBackend(const HwConfig& cfg, const std::string& program_name)
    : cfg_(cfg),
      hazards_(cfg.sbuf.bytes_per_partition, cfg.psum.bytes_per_partition),
      tiles_(cfg, *this) {
  program_.name = program_name;
}

isa::Program SimBackend::finish() {
  program_.data_movement = data_movement();
  program_.footprint.peak_sbuf_bytes = tiles_.peak_sbuf_bytes_per_partition() * cfg_.sbuf.partitions;
  program_.footprint.peak_psum_bytes = tiles_.peak_psum_bytes_per_partition() * cfg_.psum.partitions;
  return std::move(program_);
}

TensorRef SimBackend::declare_hbm(const std::string& name, int64_t rows, int64_t cols,
                                  Dtype dtype, isa::TensorRole role) {
  // Larger than a NeuronCore's HBM share can ever be (trn2: 96 GiB per chip): a bad shape.
  constexpr int64_t kMaxTensorBytes = int64_t{1} << 37;
  if (rows <= 0 || cols <= 0 || rows > kMaxTensorBytes / cols / dtype_size(dtype))
    throw UserError("HBM tensor '" + name + "' [" + std::to_string(rows) + " x " +
                    std::to_string(cols) + "] is larger than 128 GiB");
  const int32_t id = static_cast<int32_t>(program_.tensors.size());
  program_.tensors.push_back({name, rows, cols, dtype, role});
  if (role == isa::TensorRole::input) hazards_.set_read_only(id);
  TensorRef t;
  t.id = id;
  t.memory = Memory::hbm;
  t.name = name;
  t.dtype = dtype;
  t.partitions = rows;
  t.free = cols;
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

SimBackend::Operand SimBackend::resolve(const View& v, bool writes) {
  const int64_t size = dtype_size(v.tensor.dtype);
  Operand op;
  isa::AccessPattern& ap = op.ap;
  ap.memory = v.tensor.memory;
  ap.dtype = v.tensor.dtype;
  ap.partitions = v.np;
  ap.dims = {{1, v.nf}};
  op.region.memory = v.tensor.memory;
  if (v.tensor.memory == Memory::hbm) {
    const isa::HbmTensor& t = program_.tensors[v.tensor.id];
    if (writes && t.role == isa::TensorRole::input)
      throw UserError("the kernel writes its input tensor '" + t.name + "'");
    ap.tensor = v.tensor.id;
    ap.partition_stride = t.cols;
    ap.offset_bytes = (v.p0.value() * t.cols + v.f0.value()) * size;
    op.region.tensor = v.tensor.id;
    op.region.row_begin = v.p0.value();
    op.region.row_end = v.p0.value() + v.np;
    op.region.byte_begin = v.f0.value() * size;
  } else {
    ap.start_partition = v.p0.value();
    ap.offset_bytes = tiles_.place(v, writes) + v.f0.value() * size;
    op.region.byte_begin = ap.offset_bytes;
  }
  op.region.byte_end = op.region.byte_begin + v.nf * size;
  return op;
}

void SimBackend::emit(isa::Stream stream, isa::Instruction in, const std::vector<Region>& reads,
                      const std::vector<Region>& writes) {
  auto& instructions = program_.stream(stream);
  // A program this long would take hours to build and simulate: almost surely a bad shape.
  constexpr size_t kMaxInstructions = 50'000'000;
  if (++instruction_count_ > kMaxInstructions)
    throw UserError("the program exceeds " + std::to_string(kMaxInstructions) +
                    " instructions; use a smaller shape");
  const bool accumulate_chain = in.op == Opcode::matmul && in.accumulate;
  in.waits = hazards_.track(stream, static_cast<uint32_t>(instructions.size()), reads, writes,
                            accumulate_chain);
  instructions.push_back(std::move(in));
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

// The Neuron compiler gives each data stream a queue of its own (profiles show qSyncIO0,
// qSyncSpillReload0, ...). Here each (HBM tensor, direction) stream gets one queue, in order of
// first use, wrapping around the 16. A queue is in order, so a stream's transfers complete
// first-in first-out, and a store waiting for compute never holds up the loads of another
// stream. Spills and reloads have one queue each. (Spreading one stream over several queues makes the engines serve its transfers
// round-robin, so consecutive loads finish together instead of one after the other.)
isa::Stream SimBackend::dma_queue_for(const Operand& dst, const Operand& src) {
  const bool store = dst.ap.memory == Memory::hbm;
  int32_t tensor = store ? dst.ap.tensor : src.ap.tensor;
  // All spills share one queue and all reloads another, like the compiler's
  // qSyncSpillReload queues, whatever block they move.
  if (tensor >= 0 && program_.tensors[tensor].role == isa::TensorRole::spill) tensor = -1;
  const auto [it, added] = dma_queues_.try_emplace(
      {tensor, store}, static_cast<int>(dma_queues_.size()) % isa::kDmaQueues);
  return isa::dma_queue_stream(it->second);
}

void SimBackend::record(const std::string& path, const View& v, int64_t bytes) {
  flows_.push_back({path, v.tensor.memory != Memory::hbm, v.tensor.id, bytes});
}

std::string SimBackend::tensor_label(int32_t hbm_tensor) const {
  const isa::HbmTensor& t = program_.tensors[hbm_tensor];
  if (t.role == isa::TensorRole::spill) return "spill";
  if (t.role == isa::TensorRole::scratch) return "intermediate";
  return t.name;
}

// A tile holds the tensor it was loaded from; otherwise the one its data is finally stored
// to (following copies PSUM -> SBUF -> HBM); otherwise an on-chip intermediate.
std::string SimBackend::site_label(int site, int depth) const {
  if (auto it = loaded_from_.find(site); it != loaded_from_.end()) return tensor_label(it->second);
  if (auto it = stored_to_.find(site); it != stored_to_.end()) return tensor_label(it->second);
  if (auto it = flows_into_.find(site); it != flows_into_.end() && depth < 8)
    return site_label(it->second, depth + 1);
  return "intermediate";
}

isa::DataMovement SimBackend::data_movement() const {
  isa::DataMovement dm;
  for (const Flow& f : flows_)
    dm.bytes[f.path][f.on_chip ? site_label(f.source, 0) : tensor_label(f.source)] += f.bytes;
  for (const isa::HbmTensor& t : program_.tensors) {
    if (t.role == isa::TensorRole::input) dm.minimum["HBM->SBUF"] += t.bytes();
    if (t.role == isa::TensorRole::output) dm.minimum["SBUF->HBM"] += t.bytes();
  }
  return dm;
}

void SimBackend::dma_copy(const View& dst, const View& src) {
  const PinnedOperands pins(tiles_);
  limits::check_dma_copy(dst, src);
  const int64_t bytes = src.np * src.nf * dtype_size(src.tensor.dtype);
  if (src.tensor.memory == Memory::hbm && dst.tensor.memory != Memory::hbm) {
    loaded_from_.try_emplace(dst.tensor.id, src.tensor.id);
    record("HBM->SBUF", src, bytes);
  } else if (dst.tensor.memory == Memory::hbm && src.tensor.memory != Memory::hbm) {
    stored_to_[src.tensor.id] = dst.tensor.id;
    record("SBUF->HBM", dst, bytes);
  }
  const Operand s = resolve(src, false);
  emit_dma(Opcode::dma_copy, resolve(dst, true), s, dst.tensor.name + " <- " + src.tensor.name);
}

void SimBackend::dma_transpose(const View& dst, const View& src) {
  const PinnedOperands pins(tiles_);
  limits::check_dma_transpose(dst, src);
  loaded_from_.try_emplace(dst.tensor.id, src.tensor.id);
  record("HBM->SBUF", src, src.np * src.nf * dtype_size(src.tensor.dtype));
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
  record("SBUF->PE", stationary, stationary.np * stationary.nf * dtype_size(stationary.tensor.dtype));
  record("SBUF->PE", moving, moving.np * moving.nf * dtype_size(moving.tensor.dtype));
  record("PE->PSUM", psum, psum.np * psum.nf * dtype_size(psum.tensor.dtype));
  std::vector<Region> reads = {s.region, m.region};
  if (in.accumulate) reads.push_back(d.region);
  emit(isa::compute_stream(Engine::tensor), std::move(in), reads, {d.region});
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
  emit(isa::compute_stream(engine), std::move(in), reads, {dst.region});
}

// A compute instruction moves an input's data into its output: a PSUM input is PSUM->SBUF
// traffic, and the input's tile takes the tensor label of wherever the output goes.
void SimBackend::record_move(const View& dst, const View& src) {
  if (src.tensor.memory == Memory::hbm || dst.tensor.memory == Memory::hbm) return;
  if (src.tensor.id != dst.tensor.id || src.tensor.memory != dst.tensor.memory)
    flows_into_[src.tensor.id] = dst.tensor.id;
  if (src.tensor.memory == Memory::psum)
    record("PSUM->SBUF", src, src.np * src.nf * dtype_size(src.tensor.dtype));
}

void SimBackend::tensor_copy(const View& dst, const View& src, Engine engine) {
  record_move(dst, src);
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

void SimBackend::tensor_tensor(const View& dst, const View& a, const View& b, AluOp op) {
  record_move(dst, a);
  record_move(dst, b);
  const PinnedOperands pins(tiles_);
  limits::check_tensor_tensor(dst, a, b);
  isa::Instruction in;
  in.op = Opcode::tensor_tensor;
  in.alu = op;
  in.label = dst.tensor.name + " <- " + a.tensor.name + " " + alu_op_name(op) + " " +
             b.tensor.name;
  const Operand sa = resolve(a, false), sb = resolve(b, false);
  emit_lane(Engine::vector, std::move(in), resolve(dst, true), {sa, sb});
}

void SimBackend::tensor_scalar(const View& dst, const View& src, AluOp op, float operand,
                               Engine engine) {
  const PinnedOperands pins(tiles_);
  limits::check_elementwise("tensor_scalar", dst, src);
  limits::check_engine_memory("tensor_scalar", engine, dst);
  limits::check_engine_memory("tensor_scalar", engine, src);
  isa::Instruction in;
  in.op = Opcode::tensor_scalar;
  in.alu = op;
  in.imm0 = operand;
  in.label = dst.tensor.name + " <- " + src.tensor.name + " " + alu_op_name(op) + " scalar";
  const Operand s = resolve(src, false);
  emit_lane(engine, std::move(in), resolve(dst, true), {s});
}

void SimBackend::activation(const View& dst, const View& src, ActFunc func, float scale,
                            float bias) {
  const PinnedOperands pins(tiles_);
  limits::check_elementwise("activation", dst, src);
  isa::Instruction in;
  in.op = Opcode::activation;
  in.func = func;
  in.imm0 = scale;
  in.imm1 = bias;
  in.label = dst.tensor.name + " <- " + act_func_name(func) + "(" + src.tensor.name + ")";
  const Operand s = resolve(src, false);
  emit_lane(Engine::scalar, std::move(in), resolve(dst, true), {s});
}

void SimBackend::memset(const View& dst, float value) {
  const PinnedOperands pins(tiles_);
  limits::check_on_chip("memset", dst);
  isa::Instruction in;
  in.op = Opcode::memset;
  in.imm0 = value;
  in.label = dst.tensor.name + " <- " + std::to_string(value);
  emit_lane(Engine::vector, std::move(in), resolve(dst, true), {});
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

int32_t SimBackend::new_spill_tensor(const std::string& name, int64_t rows, int64_t cols,
                                     Dtype dtype) {
  return declare_hbm(name, rows, cols, dtype, isa::TensorRole::spill).id;
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

SimBackend::Operand SimBackend::resolve_hbm_tensor(int32_t tensor) {
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

void SimBackend::spill(const TensorRef& tile, int64_t offset, int32_t spill_tensor) {
  emit_dma(Opcode::dma_copy, resolve_hbm_tensor(spill_tensor), resolve_tile_bytes(tile, offset),
           "spill " + tile.name);
}

void SimBackend::reload(const TensorRef& tile, int64_t offset, int32_t spill_tensor) {
  emit_dma(Opcode::dma_copy, resolve_tile_bytes(tile, offset), resolve_hbm_tensor(spill_tensor),
           "reload " + tile.name);
}

}  // namespace trnsim::backend

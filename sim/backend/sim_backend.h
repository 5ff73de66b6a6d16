// The Backend that builds a NeuronCore program for the simulator (DESIGN.md §2 step 3). Each
// call becomes one isa::Instruction on the engine or DMA queue that runs it, with concrete
// access patterns and the semaphore waits its hazards need, in the order the ListScheduler
// gives it (as the compiler schedules). Loops run their body once per index. Tiles are placed,
// rotated and spilled by the TileStore (spill traffic is emitted where an operand is resolved),
// queues are chosen by the DmaQueuePolicy and the data-movement report is kept by the
// DataMovementRecorder.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/budget.h"
#include "common/run_watch.h"
#include "kernels/api/backend.h"
#include "sim/backend/data_movement_recorder.h"
#include "sim/backend/dma_queue_policy.h"
#include "sim/backend/hazard_tracker.h"
#include "sim/backend/list_scheduler.h"
#include "sim/backend/tile_store.h"
#include "sim/config/hw_config.h"
#include "sim/isa/data_movement.h"
#include "sim/isa/program.h"

namespace trnsim::backend {

class SimBackend : public Backend {
 public:
  // `budget` bounds the program's instructions and memory while it is built; `watch` (may be
  // null) is ticked per instruction for the time limit and the progress line.
  SimBackend(const HwConfig& cfg, const std::string& program_name, const Budget& budget = {},
             RunWatch* watch = nullptr);
  // The backend keeps a reference to the machine: a temporary one would dangle (ASan found
  // tests doing `SimBackend b(testing::trn1(), ...)`).
  SimBackend(HwConfig&& cfg, const std::string& program_name, const Budget& budget = {},
             RunWatch* watch = nullptr) = delete;

  // The finished program, with its SBUF/PSUM footprint and data movement.
  isa::Program finish();

  int64_t sbuf_bytes_per_partition() const override {
    return cfg_.sbuf.usable_bytes_per_partition();
  }
  TensorRef hbm_input(const std::string& name, int64_t rows, int64_t cols, Dtype dtype) override;
  TensorRef hbm_output(const std::string& name, int64_t rows, int64_t cols, Dtype dtype) override;
  TensorRef hbm_scratch(const std::string& name, int64_t rows, int64_t cols,
                        Dtype dtype) override;
  TensorRef sbuf_tile(const std::string& name, std::vector<int64_t> block_dims,
                      int64_t partitions, int64_t free, Dtype dtype, int bufs) override;
  TensorRef psum_tile(const std::string& name, int64_t partitions, int64_t free,
                      int bufs) override;
  void for_range(const std::string& name, int64_t count, Loop kind,
                 const std::function<void(Expr)>& body) override;

  void dma_copy(const View& dst, const View& src) override;
  void dma_transpose(const View& dst, const View& src) override;
  void matmul(const View& psum, const View& stationary, const View& moving) override;
  void transpose(const View& psum, const View& src) override;
  void tensor_copy(const View& dst, const View& src, Engine engine) override;
  void tensor_tensor(const View& dst, const View& a, const View& b, AluOp op,
                     Engine engine) override;
  using Backend::tensor_scalar;
  void tensor_scalar(const View& dst, const View& src, const ScalarOp& op0, const ScalarOp& op1,
                     Engine engine) override;
  void activation(const View& dst, const View& src, ActFunc func, const Scalar& scale,
                  const Scalar& bias) override;
  void memset(const View& dst, float value) override;
  void reduce(const View& dst, const View& src, AluOp op) override;
  void reciprocal(const View& dst, const View& src) override;
  TensorRef hbm_constant(const std::string& name, int64_t rows, int64_t cols, Dtype dtype,
                         const std::vector<float>& values) override;
  void iota(const View& dst, const AffineIndex& index) override;
  void affine_select(const View& dst, const AffineIndex& index, AluOp cmp, const View& on_true,
                     float on_false) override;
  void tensor_tensor_scan(const View& dst, const View& a, const View& b, const Scalar& initial,
                          AluOp op0, AluOp op1, bool reverse0, bool reverse1) override;
  void bn_stats(const View& dst, const View& src) override;
  void bn_aggr(const View& dst, const View& src) override;
  void release(const View& block) override { tiles_.release(block); }

 private:
  struct Operand {
    isa::AccessPattern ap;
    Region region;
  };

  TensorRef declare_hbm(const std::string& name, int64_t rows, int64_t cols, Dtype dtype,
                        isa::TensorRole role);
  Operand resolve(const View& v, bool writes);
  static void hbm_region(const isa::HbmTensor& t, int64_t first, int64_t partition_stride,
                         int64_t partitions, int64_t low, int64_t high, Region& r);
  Operand resolve_tile_bytes(const TensorRef& tile, int64_t offset);
  void emit(isa::Stream stream, isa::Instruction in, std::vector<Region> reads,
            std::vector<Region> writes);
  // Appends an instruction in its scheduled order, with the waits its hazards need.
  void append(ListScheduler::Item& item);
  void emit_dma(isa::Opcode op, const Operand& dst, const Operand& src, const std::string& label);
  isa::Stream dma_queue_for(const Operand& dst, const Operand& src);
  void scalar_operand(const char* op, Engine engine, const View& src, const Scalar& s,
                      float& imm, isa::AccessPattern& slot, std::vector<Region>& reads);
  void emit_lane(Engine engine, isa::Instruction in, const Operand& dst,
                 const std::vector<Operand>& srcs);
  // The spills and reloads placing an operand took, as DMAs ahead of the instruction.
  void emit_spill_moves(const std::vector<TileStore::SpillMove>& moves);
  Operand resolve_spill_slot(const TileStore::SpillMove& move);

  const HwConfig& cfg_;
  const Budget budget_;
  RunWatch* watch_;
  isa::Program program_;
  size_t instruction_count_ = 0;
  int64_t hbm_bytes_ = 0;  // all tensors declared so far
  HazardTracker hazards_;
  ListScheduler scheduler_;
  TileStore tiles_;
  DmaQueuePolicy queues_;
  DataMovementRecorder movement_;
  std::vector<int32_t> spill_tensors_;  // spill slot -> HBM tensor
};

}  // namespace trnsim::backend

// The Backend that builds a NeuronCore program for the simulator (DESIGN.md §2 step 3). Each
// call becomes one isa::Instruction on the engine or DMA queue that runs it, with concrete
// access patterns and the semaphore waits its hazards need. Loops run their body once per
// index; tiles are placed, rotated and spilled by the TileStore.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernels/api/backend.h"
#include "sim/backend/hazard_tracker.h"
#include "sim/backend/tile_store.h"
#include "sim/config/hw_config.h"
#include "sim/isa/data_movement.h"
#include "sim/isa/program.h"

namespace trnsim::backend {

class SimBackend : public Backend, private TileStore::Mover {
 public:
  SimBackend(const HwConfig& cfg, const std::string& program_name);

  // The finished program, with its SBUF/PSUM footprint and data movement.
  isa::Program finish();
  isa::DataMovement data_movement() const;

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
  void tensor_tensor(const View& dst, const View& a, const View& b, AluOp op) override;
  void tensor_scalar(const View& dst, const View& src, AluOp op, float operand,
                     Engine engine) override;
  void activation(const View& dst, const View& src, ActFunc func, float scale,
                  float bias) override;
  void memset(const View& dst, float value) override;
  void reduce(const View& dst, const View& src, AluOp op) override;

 private:
  struct Operand {
    isa::AccessPattern ap;
    Region region;
  };

  TensorRef declare_hbm(const std::string& name, int64_t rows, int64_t cols, Dtype dtype,
                        isa::TensorRole role);
  Operand resolve(const View& v, bool writes);
  Operand resolve_tile_bytes(const TensorRef& tile, int64_t offset);
  Operand resolve_hbm_tensor(int32_t tensor);
  void emit(isa::Stream stream, isa::Instruction in, const std::vector<Region>& reads,
            const std::vector<Region>& writes);
  void emit_dma(isa::Opcode op, const Operand& dst, const Operand& src, const std::string& label);
  isa::Stream dma_queue_for(const Operand& dst, const Operand& src);
  void emit_lane(Engine engine, isa::Instruction in, const Operand& dst,
                 const std::vector<Operand>& srcs);

  // TileStore::Mover
  int32_t new_spill_tensor(const std::string& name, int64_t rows, int64_t cols,
                           Dtype dtype) override;
  void spill(const TensorRef& tile, int64_t offset, int32_t spill_tensor) override;
  void reload(const TensorRef& tile, int64_t offset, int32_t spill_tensor) override;

  const HwConfig& cfg_;
  isa::Program program_;
  size_t instruction_count_ = 0;
  HazardTracker hazards_;
  TileStore tiles_;
  // Data-movement bookkeeping: bytes per path and per source (an HBM tensor id, or a tile
  // site id resolved to a tensor at the end), and where each tile's data came from or went.
  struct Flow {
    std::string path;
    bool on_chip;  // `source` is a tile site id, else an HBM tensor id
    int source;
    int64_t bytes;
  };
  void record(const std::string& path, const View& v, int64_t bytes);
  void record_move(const View& dst, const View& src);
  std::string tensor_label(int32_t hbm_tensor) const;
  std::string site_label(int site, int depth) const;
  std::vector<Flow> flows_;
  std::map<int, int32_t> loaded_from_, stored_to_;  // tile site -> HBM tensor
  std::map<int, int> flows_into_;                   // tile site -> tile site its data moves to

  // DMA queue of each data stream: (HBM tensor, is a store) -> queue id.
  std::map<std::pair<int32_t, bool>, int> dma_queues_;
};

}  // namespace trnsim::backend

// The compute engines of a NeuronCore. Each is an in-order sequencer (an SC_THREAD) that takes
// the next instruction of its stream, waits for its semaphores, asks the engine-specific
// schedule() when it can start and how long it takes, performs its arithmetic when numerics
// are on, and publishes its completion on its stream's semaphore.
#pragma once

#include <systemc>

#include "sim/cost/engine_cost.h"
#include "sim/model/core_context.h"

namespace trnsim::model {

struct Timing {
  sc_core::sc_time start;       // execution starts (after any port or array contention)
  sc_core::sc_time busy_until;  // the engine's data path is free again
  sc_core::sc_time next_issue;  // the sequencer may take the next instruction
  sc_core::sc_time complete;    // the result is visible to dependants
};

class ComputeEngine : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ComputeEngine);
  ComputeEngine(const sc_core::sc_module_name& name, Engine engine, CoreContext& ctx);

 protected:
  virtual Timing schedule(const isa::Instruction& in, sc_core::sc_time now) = 0;
  sc_core::sc_time cycles(cost::Cycles c) const;
  CoreContext& ctx_;
  const Engine engine_;

 private:
  void run();
};

// The 128x128 systolic array: LoadStationary on the weight path (fast weight load, and in the
// background of the previous MultiplyMoving), MultiplyMoving on the array.
class TensorEngine : public ComputeEngine {
 public:
  explicit TensorEngine(const sc_core::sc_module_name& name, CoreContext& ctx);

 private:
  Timing schedule(const isa::Instruction& in, sc_core::sc_time now) override;
  sc_core::sc_time array_free_at_ = sc_core::SC_ZERO_TIME;   // MultiplyMoving path
  sc_core::sc_time weights_free_at_ = sc_core::SC_ZERO_TIME; // LoadStationary path
  sc_core::sc_time last_mm_start_ = sc_core::SC_ZERO_TIME;
  isa::AccessPattern loaded_stationary_;
};

// Vector, Scalar and GpSimd: one lane per partition, cost rules of reference trainium.md §5.1, and
// the NC-v2 shared-port rules (Vector/GpSimd share SBUF access; Vector/Scalar share PSUM access).
class LaneEngine : public ComputeEngine {
 public:
  LaneEngine(const sc_core::sc_module_name& name, Engine engine, CoreContext& ctx);

 private:
  Timing schedule(const isa::Instruction& in, sc_core::sc_time now) override;
};

}  // namespace trnsim::model

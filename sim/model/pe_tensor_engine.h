// The Tensor Engine PE by PE (tensor.model = pe): the systolic array of pe_array.h stepped at
// every TensorE clock edge, for teaching and for checking the cost rules on small arrays.
//
// Two SystemC threads. The sequencer takes the Tensor Engine's instructions in order, waits for
// their semaphores and hands each matmul to the array, moving on once its moving data has
// started to enter, as the transaction-level sequencer does. The clock thread, while any
// matmul is in flight, wakes at each clock edge and
//   1. starts feeding the next matmul when its weights are in and the input port is free (the
//      port is held max(N, mm_init_latency) x f edges, f the fp32 factor for fp32 operands), and
//      feeds one moving column every f edges;
//   2. steps the array once; outputs leaving the bottom row reach PSUM;
//   3. a delta cycle later (once the sequencer has handed over what a started matmul let it
//      issue), lets the weight loader write fast_weight_load_factor columns of the next matmul's
//      weights into the idle bank, one group every f edges, each group only once no moving value
//      still has to pass it with that bank (the background load of A2, double-buffered).
// A matmul completes when its last output is in PSUM; completions are published in program
// order. Numerics are those of the transaction-level model bit for bit (pe_arithmetic.h);
// timing is what the array's geometry gives, compared with the cost rules in
// tests/pe_array_test.cpp.
#pragma once

#include <deque>
#include <string>
#include <systemc>
#include <vector>

#include "sim/model/core_context.h"
#include "sim/model/pe_array.h"
#include "sim/model/pe_frames.h"

namespace trnsim::model {

class PeTensorEngine : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(PeTensorEngine);
  // `frames` (or null) receives every clock edge.
  PeTensorEngine(const sc_core::sc_module_name& name, CoreContext& ctx, PeFrameLog* frames);

  // Empty unless the run cannot go on (a reused stationary whose contents changed); simulate()
  // reports it.
  const std::string& error() const { return error_; }

 private:
  struct Job {
    const isa::Instruction* in = nullptr;
    InstructionEvent event;
    int32_t id = 0;
    int64_t k = 0, m = 0, n = 0, factor = 1;
    int bank = 0;
    bool needs_load = false;
    int64_t load_groups = 0, groups_written = 0, next_group_cycle = 0, load_done_cycle = 0;
    bool load_started = false;
    int64_t feed_start = -1;
    std::vector<float> stationary, moving, out;  // numerics only
    int64_t outputs_left = 0;
  };

  void sequence();
  void clock();
  void feed_and_step(int64_t cycle, PeFrame& frame);
  void load_weights(int64_t cycle, PeFrame& frame);
  void start_feed(Job& job, int64_t cycle);
  void retire_finished(int64_t cycle);
  void record_frame(PeFrame& frame, int64_t cycle);
  Job* find(int32_t id);
  sc_core::sc_time time_of(int64_t cycle) const;
  int64_t first_cycle_at_or_after(sc_core::sc_time t) const;

  CoreContext& ctx_;
  PeFrameLog* frames_;
  PeArray array_;
  std::deque<Job> jobs_;  // handed over and not yet retired, in program order
  int32_t next_id_ = 0;
  int32_t started_through_ = -1;  // the last job whose moving data has started to enter
  int last_bank_ = 1;  // the first load goes to bank 0
  isa::AccessPattern loaded_stationary_;
  std::vector<float> loaded_values_[2];  // numerics: what each bank holds
  int64_t next_cycle_ = 0;       // the first edge not yet stepped
  int64_t port_free_cycle_ = 0;  // the input port takes the next matmul from this edge
  std::vector<MovingValue> inputs_;
  sc_core::sc_event work_arrived_, feed_started_;
  std::string error_;
};

// What the PE-level model refuses before a run: a TensorE transpose (it runs matmuls only), and
// a program that would step more than kMaxPeSteps PE-cycles (rows x columns x edges), such as
// the tutorial shape. Throws UserError naming the count; nothing for tensor.model=transaction.
// With frames asked for, also more than kMaxPeFrames edges: a teaching view is for a handful
// of small matmuls.
constexpr int64_t kMaxPeSteps = 1'000'000'000;
constexpr int64_t kMaxPeFrames = 1000;
void check_pe_program(const isa::Program& program, const HwConfig& cfg, bool frames);
// An upper bound on the edges the PE-level model steps for the program (load, feed and drain of
// every matmul back to back), which also bounds the frames --pe-frames writes.
int64_t pe_edge_bound(const isa::Program& program, const HwConfig& cfg);

}  // namespace trnsim::model

// The validated description of one NeuronCore, decoded from hwconfig/*.yaml by load_hw_config().
// Every number the cost rules and the model use lives here; model code has no hardware
// constants of its own. Units are in the member names.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/types.h"

namespace trnsim {

// How the Tensor Engine is simulated: by its cost rules (one event per instruction), or PE by PE,
// one clock edge per step (sim/model/pe_tensor_engine.h; for small arrays and shapes).
enum class TensorModel : uint8_t { transaction, pe };

struct TensorEngineConfig {
  TensorModel model = TensorModel::transaction;
  double clock_ghz = 0;
  int rows = 0;                      // PE rows = contraction (partition) size
  int columns = 0;                   // PE columns = stationary free size
  int moving_free_max = 0;           // largest moving free size of one matmul
  int mm_init_latency_cycles = 0;    // MultiplyMoving issue floor: max(N, this)
  int fast_weight_load_factor = 0;   // LoadStationary of C columns takes C / this cycles
  int fp32_cost_factor = 0;          // fp32 matmul costs this many times bf16
  int fp32_transpose_cost_factor = 0;  // an fp32 transpose costs this many times a bf16 one
  int result_latency_cycles = 0;     // last moving column in -> result visible in PSUM
  int transpose_free_cap_cycles = 0; // a transpose of [P, F] occupies max(P, min(F, this))
};

// Vector, Scalar and GpSimd share one shape of cost rule (reference trainium.md §5.1).
struct LaneEngineConfig {
  double clock_ghz = 0;
  int lanes = 0;
  int min_ii_cycles = 0;           // MIN_II: the floor of an instruction's issue interval
  int access_start_cycles = 0;     // static cost of starting an SBUF/PSUM access
  int static_overhead_cycles = 0;  // fixed per-instruction cost seen by a dependent consumer
  int start_cycles = 0;            // fixed start cost added to busy time (GpSimd: ~150)
  int max_fast_stride_bytes = 0;   // an innermost stride above this streams at reduced rate
  int strided_cost_factor = 0;     // ... costing this many times the element cycles
  // Element cycles per free element of an instruction streaming two input tiles from SBUF
  // (tensor_tensor without a PSUM operand, tensor_tensor_scan): ISA-OLD's 2N.
  double two_input_cycles_per_element = 0;
  double reciprocal_cycles_per_element = 0;  // nisa.reciprocal: ISA-OLD's 8N
};

struct OnChipMemoryConfig {
  int partitions = 0;
  int64_t bytes_per_partition = 0;
  int64_t reserved_bytes_per_partition = 0;  // not available to kernels
  int banks = 0;                             // PSUM: accumulation banks per partition
  int64_t alignment_bytes = 0;               // SBUF: tile placement granule (PSUM: whole banks)
  int64_t usable_bytes_per_partition() const {
    return bytes_per_partition - reserved_bytes_per_partition;
  }
  int64_t bank_bytes() const { return banks ? bytes_per_partition / banks : 0; }
};

struct DmaConfig {
  int engines = 0;
  int queues_per_engine = 0;
  int partitions_per_engine = 0;
  double engine_bytes_per_ns = 0;      // per-engine data rate
  double engine_elements_per_ns = 0;   // per-engine element rate (elements of any dtype)
  double engine_hbm_write_bytes_per_ns = 0;  // per-engine byte rate of a share writing HBM
  double setup_latency_ns = 0;         // issue -> first byte (pipelined across transfers)
  double descriptor_overhead_ns = 0;   // per contiguous buffer, on the engine
  double completion_latency_ns = 0;    // last byte -> semaphore visible to the waiter
  double transpose_efficiency = 0;     // a DMA transpose's fraction of a copy's engine rate
};

// The memory model behind the DMA engines' TLM port (sim/model/hbm.h).
enum class HbmModel : uint8_t { simple, interleaved };

struct HbmConfig {
  HbmModel model = HbmModel::simple;
  double bandwidth_bytes_per_ns = 0;  // simple: peak per NeuronCore (= GB/s)
  double efficiency = 0;              // simple: achieved fraction of peak for tile DMAs
  int64_t capacity_bytes = 0;         // HBM a NeuronCore's program may use
  int64_t burst_bytes = 0;            // largest TLM payload; bursts never cross a multiple of it
  int64_t tensor_alignment_bytes = 0;  // address map: each tensor's base is a multiple of this
  // The interleaved model: address -> (channel, bank, row) every interleave_bytes.
  int channels = 0;
  int banks_per_channel = 0;
  int64_t interleave_bytes = 0;        // consecutive chunks of this size go to the next channel
  int64_t row_bytes = 0;               // one bank's row buffer
  double channel_bytes_per_ns = 0;     // data rate of one channel
  double row_hit_ns = 0;               // access to the open row -> first data
  double row_miss_ns = 0;              // precharge + activate + access -> first data
  double effective_bytes_per_ns() const { return bandwidth_bytes_per_ns * efficiency; }
};

// What trnsim models of the Neuron compiler's instruction scheduling (reference
// nki-frontend.md §4.4: "not documented"; sim/backend/list_scheduler.h).
struct CompilerConfig {
  int schedule_window = 0;  // instructions the scheduler may reorder among; 0 or 1: none
};

struct HwConfig {
  std::string name;         // "trn1", "trn2", or the user's
  std::string source_file;  // where it was loaded from
  std::vector<std::string> overrides;  // "--set" assignments applied after loading, in order
  TensorEngineConfig tensor;
  LaneEngineConfig vector;
  LaneEngineConfig scalar;
  LaneEngineConfig gpsimd;
  OnChipMemoryConfig sbuf;
  OnChipMemoryConfig psum;
  DmaConfig dma;
  HbmConfig hbm;
  CompilerConfig compiler;
  bool shared_sbuf_port_vector_gpsimd = true;  // NC-v2: VectorE and GpSimdE serialise on SBUF
  bool shared_psum_port_vector_scalar = true;  // NC-v2: VectorE and ScalarE serialise on PSUM
  // The engine each nl.* call (and each nisa call left to the compiler) runs on, by function
  // name ("add", "exp", "tensor_scalar"): section nki_engine of the YAML. AWS documents no
  // such table (reference nki-frontend.md §4.4); each entry says where its value comes from.
  std::map<std::string, Engine> nki_engines;

  // What a report calls this machine: the name, then each override, so that a changed trn1
  // never reads as plain trn1: "trn1 + hbm.efficiency=0.3".
  std::string label() const {
    std::string out = name;
    for (const std::string& o : overrides) out += " + " + o;
    return out;
  }
};

}  // namespace trnsim

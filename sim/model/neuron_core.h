// One NeuronCore: four compute engines, sixteen DMA queues and engines, HBM, and the shared
// semaphores and ports, elaborated for one program. simulate() runs it in a SystemC context
// of its own, so any number of simulations can run one after another in a process.
#pragma once

#include <vector>

#include "common/budget.h"
#include "common/run_watch.h"
#include "sim/config/hw_config.h"
#include "sim/isa/program.h"
#include "sim/model/pe_frames.h"
#include "sim/model/run_result.h"

namespace trnsim::model {

struct SimulationOptions {
  bool numerics = false;  // keep memory contents and compute results (else timing only)
  // Keep every DMA packet in RunResult::dma_packets (what a trace draws; a million in a
  // DMA-bound kernel). Their totals are kept either way.
  bool record_dma_packets = false;
  Budget budget;              // DMA packets, packet memory, time: checked before and during
  RunWatch* watch = nullptr;  // may be null: ticked per completed instruction
  // With tensor.model=pe, receives every clock edge of the array (may be null).
  PeFrameLog* pe_frames = nullptr;
};

// Runs `program`. With numerics on, `hbm` holds one value vector per program tensor (rows x
// cols; empty vectors read as zeros) and receives every tensor's final contents.
// Throws UserError for a program that does not fit the configuration or that deadlocks.
RunResult simulate(const isa::Program& program, const HwConfig& cfg,
                   const SimulationOptions& options,
                   std::vector<std::vector<float>>* hbm = nullptr);

// The checks simulate() makes before it starts: every on-chip access inside SBUF/PSUM, matmul
// operands within the array and one PSUM bank, DMA queues that exist, and what the PE-level
// Tensor Engine refuses (check_pe_program; `pe_frames`: if frames are to be kept). Throws
// UserError.
void check_fits(const isa::Program& program, const HwConfig& cfg, bool pe_frames = false);

}  // namespace trnsim::model

// What the PE-level Tensor Engine records of each clock edge when asked (trnsim run
// --pe-frames): the registers of every PE after the edge, the skew lines, the weights written
// and the outputs that reached PSUM. sim/trace/pe_frames_json.h writes it out for the teaching
// view (python/trnsim/pe_frames.py).
#pragma once

#include <cstdint>
#include <vector>

#include "sim/model/pe_array.h"

namespace trnsim::model {

// One matmul as the array ran it; cycles are TensorE clock edges counted from time 0.
struct PeMatmulRecord {
  int32_t job = 0;          // the tag its values carry
  uint32_t instruction = 0;  // its index in the Tensor Engine's stream
  int64_t k = 0, m = 0, n = 0;
  int bank = 0;
  bool loaded = false;           // false: it reused the weights already in its bank
  int64_t feed_start_cycle = 0;  // moving column 0 entered the skew lines
  int64_t done_cycle = 0;        // its last output reached PSUM
};

struct PeFrame {
  int64_t cycle = 0;
  std::vector<ProcessingElement> pes;  // rows x columns, row-major
  std::vector<MovingValue> skew;       // row r's line at r (r - 1) / 2, [0] nearest the input
  std::vector<FinishedOutput> written;  // reached PSUM at this edge
  int32_t loading_job = -1;             // wrote weights at this edge ...
  int32_t loaded_columns_begin = 0, loaded_columns_end = 0;  // ... into these columns
};

struct PeFrameLog {
  int rows = 0, columns = 0;
  double clock_ghz = 0;
  std::vector<PeMatmulRecord> matmuls;
  std::vector<PeFrame> frames;
};

}  // namespace trnsim::model

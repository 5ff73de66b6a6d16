// The processing elements of the systolic array, register by register, for the PE-level Tensor
// Engine (pe_tensor_engine.h). No SystemC here: the engine calls step() once per clock edge.
//
// PE (r, c) holds two weight registers (banks: one in use, one loading in the background), the
// moving value passing through it to the right and the partial sum passing through it downward.
// Moving column n of a matmul enters every row at once, row r through a line of r registers
// (the skew), so PE (r, c) sees it r + c edges after it entered, exactly when the partial sum of
// output (c, n) arrives from PE (r - 1, c). A PE whose bank holds no weight for the value's
// matmul passes the partial sum on unchanged: rows >= K get no moving values, and each value
// carries its matmul's stationary width M, so columns >= M only pass it on. A partial sum leaving
// the bottom row is a finished output, written to PSUM at the next edge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trnsim::model {

// Which element a value belongs to: matmul `job` (the engine's numbering), moving column `n`.
struct ValueTag {
  int32_t job = -1;
  int32_t n = 0;
  bool valid() const { return job >= 0; }
};

struct MovingValue {
  ValueTag tag;
  float value = 0;
  int8_t bank = 0;   // the weight bank its matmul multiplies with
  int32_t width = 0;  // its matmul's M: columns at or beyond it hold no weight for it
};

struct PartialSum {
  ValueTag tag;
  float value = 0;
  int32_t terms = 0;  // rows that have added a product so far
};

struct ProcessingElement {
  float weight[2] = {0, 0};
  MovingValue moving;
  PartialSum partial;
};

// A finished output leaving the bottom row at one edge: PSUM partition `column`, element tag.n.
struct FinishedOutput {
  int32_t column = 0;
  PartialSum sum;
};

class PeArray {
 public:
  PeArray(int rows, int columns);

  int rows() const { return rows_; }
  int columns() const { return columns_; }

  void write_weight(int bank, int row, int column, float w) { at(row, column).weight[bank] = w; }

  // Whether some moving value in flight has still to multiply with `bank`'s weights in a column
  // of [begin, end): until then the loader may not overwrite them.
  bool bank_needed(int bank, int begin, int end) const;
  bool empty() const;  // nothing moving, no partial sum in flight

  // One clock edge. `inputs` (one per row, an invalid tag for none) enter the skew lines; the
  // returned outputs are the partial sums that left the bottom row at this edge.
  const std::vector<FinishedOutput>& step(const std::vector<MovingValue>& inputs);

  const ProcessingElement& pe(int row, int column) const { return pes_[index(row, column)]; }
  // The skew line of `row`: `row` registers, [0] nearest the input.
  const MovingValue& skew(int row, int stage) const { return skew_[skew_index(row, stage)]; }

 private:
  size_t index(int r, int c) const { return static_cast<size_t>(r) * columns_ + c; }
  size_t skew_index(int r, int stage) const {
    return static_cast<size_t>(r) * (r - 1) / 2 + stage;
  }
  ProcessingElement& at(int r, int c) { return pes_[index(r, c)]; }

  int rows_, columns_;
  std::vector<ProcessingElement> pes_;
  std::vector<MovingValue> skew_;  // row r's line starts at r (r - 1) / 2
  std::vector<FinishedOutput> finished_;
};

}  // namespace trnsim::model

#include "sim/model/pe_array.h"

#include <algorithm>

#include "sim/model/pe_arithmetic.h"

namespace trnsim::model {

PeArray::PeArray(int rows, int columns)
    : rows_(rows),
      columns_(columns),
      pes_(static_cast<size_t>(rows) * columns),
      skew_(static_cast<size_t>(rows) * (rows - 1) / 2) {
  finished_.reserve(static_cast<size_t>(columns));
}

bool PeArray::bank_needed(int bank, int begin, int end) const {
  // A value multiplies in columns 0 .. width - 1; in column c it has used that column already.
  const auto needs = [&](const MovingValue& v, int from) {
    return v.tag.valid() && v.bank == bank && std::max(from, begin) < std::min(v.width, end);
  };
  for (const MovingValue& v : skew_)
    if (needs(v, 0)) return true;
  for (int r = 0; r < rows_; ++r)
    for (int c = 0; c < columns_; ++c)
      if (needs(pe(r, c).moving, c + 1)) return true;
  return false;
}

bool PeArray::empty() const {
  for (const MovingValue& v : skew_)
    if (v.tag.valid()) return false;
  for (const ProcessingElement& p : pes_)
    if (p.moving.tag.valid() || p.partial.tag.valid()) return false;
  return true;
}

const std::vector<FinishedOutput>& PeArray::step(const std::vector<MovingValue>& inputs) {
  finished_.clear();
  for (int c = 0; c < columns_; ++c)
    if (pe(rows_ - 1, c).partial.tag.valid()) finished_.push_back({c, pe(rows_ - 1, c).partial});
  // Every register takes its neighbour's value from before this edge: walking from the bottom
  // right corner, each PE reads its left and upper neighbours before they are overwritten.
  for (int r = rows_ - 1; r >= 0; --r) {
    for (int c = columns_ - 1; c >= 0; --c) {
      ProcessingElement& p = at(r, c);
      if (c > 0)
        p.moving = at(r, c - 1).moving;
      else
        p.moving = r == 0 ? inputs[0] : skew_[skew_index(r, r - 1)];
      const PartialSum above = r > 0 ? at(r - 1, c).partial : PartialSum{};
      const MovingValue& x = p.moving;
      if (x.tag.valid() && c < x.width) {
        const bool first = !above.tag.valid();
        p.partial.tag = first ? x.tag : above.tag;
        p.partial.value = pe_multiply_add(first, above.value, p.weight[x.bank], x.value);
        p.partial.terms = above.terms + 1;
      } else {
        p.partial = above;
      }
    }
  }
  for (int r = 1; r < rows_; ++r) {
    for (int stage = r - 1; stage > 0; --stage)
      skew_[skew_index(r, stage)] = skew_[skew_index(r, stage - 1)];
    skew_[skew_index(r, 0)] = inputs[r];
  }
  return finished_;
}

}  // namespace trnsim::model

// The total length of a union of intervals that arrive in nondecreasing order of start: the
// time during which at least one was active, kept as they arrive instead of sorted at the end.
// The DMA engines add each packet when it starts (sim/model/dma.h).
#pragma once

#include <algorithm>

namespace trnsim::model {

class IntervalUnion {
 public:
  // `begin` must not be earlier than that of the previous interval.
  void add(double begin, double end) {
    if (open_ && begin <= end_) {
      end_ = std::max(end_, end);
      return;
    }
    if (open_) closed_ += end_ - begin_;
    begin_ = begin;
    end_ = end;
    open_ = true;
  }
  double length() const { return open_ ? closed_ + (end_ - begin_) : closed_; }

 private:
  double closed_ = 0;         // the merged intervals before the current one
  double begin_ = 0, end_ = 0;  // the current merged interval
  bool open_ = false;
};

}  // namespace trnsim::model

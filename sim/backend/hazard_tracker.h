// Finds the semaphore waits an instruction needs, as the Neuron compiler inserts them: for
// every region it reads, the last writer (RAW); for every region it writes, the last writer
// (WAW) and the readers since (WAR). A wait names the producer's stream and the count its
// semaphore must reach (producer index + 1). Waits on the consumer's own stream are kept only
// for RAW (an in-order engine still has to wait for a result), except that matmuls
// accumulating into PSUM on the Tensor Engine follow each other without waiting.
//
// SBUF and PSUM are tracked per byte range within a partition, conservatively treating all
// partitions alike; HBM per tensor as row x byte rectangles.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "sim/isa/program.h"

namespace trnsim::backend {

struct Region {
  Memory memory = Memory::sbuf;
  int32_t tensor = -1;        // HBM only
  int64_t row_begin = 0;      // HBM only
  int64_t row_end = 0;
  int64_t byte_begin = 0;     // within a partition (on chip) or a row (HBM)
  int64_t byte_end = 0;
};

// Two HBM regions share a byte: the same tensor, overlapping rows and bytes within a row.
inline bool hbm_overlap(const Region& a, const Region& b) {
  return a.tensor == b.tensor && a.row_begin < b.row_end && b.row_begin < a.row_end &&
         a.byte_begin < b.byte_end && b.byte_begin < a.byte_end;
}

class HazardTracker {
 public:
  HazardTracker(int64_t sbuf_bytes, int64_t psum_bytes);

  // A tensor that is never written (a kernel input) needs no read history.
  void set_read_only(int32_t tensor) { read_only_[tensor] = true; }

  std::vector<isa::SemaphoreWait> track(isa::Stream consumer, uint32_t index,
                                        const std::vector<Region>& reads,
                                        const std::vector<Region>& writes,
                                        bool tensor_accumulate);

 private:
  struct Access {
    int8_t stream = -1;
    uint32_t index = 0;
  };
  struct Segment {
    int64_t end = 0;
    Access writer;
    std::array<int32_t, isa::kStreamCount> last_reader;  // -1: none since the last write
  };
  struct HbmAccess {
    Region region;
    Access access;
    bool write = false;
  };
  using SegmentMap = std::map<int64_t, Segment>;

  SegmentMap& segments(Memory m) { return m == Memory::sbuf ? sbuf_ : psum_; }
  void on_chip(const Region& r, bool write, Access self, std::vector<Access>& deps,
               std::vector<Access>& raw);
  void hbm(const Region& r, bool write, Access self, std::vector<Access>& deps,
           std::vector<Access>& raw);

  SegmentMap sbuf_, psum_;
  std::map<int32_t, std::vector<HbmAccess>> hbm_;
  std::map<int32_t, bool> read_only_;
  // Scratch lists of track(), kept between calls so that building a program does not
  // allocate two vectors per instruction. deps: WAR/WAW; raw: read-after-write.
  std::vector<Access> deps_, raw_;
  // Per consumer stream: the count of each producer stream it already waited for.
  std::array<std::array<uint32_t, isa::kStreamCount>, isa::kStreamCount> waited_{};
};

}  // namespace trnsim::backend

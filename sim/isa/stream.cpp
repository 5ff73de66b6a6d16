#include "sim/isa/stream.h"

#include <vector>

#include "common/did_you_mean.h"
#include "common/excerpt.h"

namespace trnsim::isa {

std::string stream_name(Stream s) {
  if (index(s) >= kStreamCount) return "stream#" + std::to_string(index(s));
  if (is_dma(s)) return "qDma" + std::to_string(dma_queue_of(s));
  return engine_name(engine_of(s));
}

Stream parse_stream(const std::string& n) {
  std::vector<std::string> names;
  for (int i = 0; i < kStreamCount; ++i) {
    if (stream_name(Stream(i)) == n) return Stream(i);
    names.push_back(stream_name(Stream(i)));
  }
  throw UserError("unknown stream '" + excerpt(n) + "'" + did_you_mean(n, names) +
                  " (allowed: Tensor, Vector, Scalar, GpSimd, qDma0..qDma" +
                  std::to_string(kDmaQueues - 1) + ")");
}

}  // namespace trnsim::isa

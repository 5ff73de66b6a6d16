#include "sim/isa/stream.h"

namespace trnsim::isa {

std::string stream_name(Stream s) {
  if (index(s) >= kStreamCount) return "stream#" + std::to_string(index(s));
  if (is_dma(s)) return "qDma" + std::to_string(dma_queue_of(s));
  return engine_name(engine_of(s));
}

Stream parse_stream(const std::string& n) {
  for (int i = 0; i < kStreamCount; ++i) {
    if (stream_name(Stream(i)) == n) return Stream(i);
  }
  throw UserError("unknown stream '" + n +
                  "' (allowed: Tensor, Vector, Scalar, GpSimd, qDma0..qDma" +
                  std::to_string(kDmaQueues - 1) + ")");
}

}  // namespace trnsim::isa

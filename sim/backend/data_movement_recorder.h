// The data-movement report of a program as its kernel calls build it: bytes per path of the
// memory hierarchy (isa/data_movement.h) and per logical tensor. An HBM transfer is labelled by
// its tensor; an on-chip transfer by the tensor its tile was loaded from, else the one its data
// is finally stored to (following copies PSUM -> SBUF -> HBM), else "intermediate".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels/api/tensor.h"
#include "sim/isa/data_movement.h"
#include "sim/isa/program.h"

namespace trnsim::backend {

class DataMovementRecorder {
 public:
  void dma(const View& dst, const View& src);  // HBM->SBUF or SBUF->HBM; on-chip copies ignored
  void matmul(const View& psum, const View& stationary, const View& moving);
  // A compute instruction moves `src`'s data into `dst`: a PSUM source is PSUM->SBUF traffic,
  // and `src`'s tile takes the label of wherever `dst` goes.
  void move(const View& dst, const View& src);

  isa::DataMovement report(const std::vector<isa::HbmTensor>& tensors) const;

 private:
  enum class Path : uint8_t { hbm_to_sbuf, sbuf_to_hbm, sbuf_to_pe, pe_to_psum, psum_to_sbuf };
  static const char* path_name(Path p);
  // Bytes per (path, tile site or HBM tensor), summed as the kernel runs: a program makes
  // hundreds of thousands of transfers but only tens of distinct flows. The key packs the path,
  // whether `source` is a tile site (else an HBM tensor) and `source`.
  static uint64_t flow_key(Path path, bool on_chip, int source);
  void record(Path path, const View& v);
  std::string tensor_label(const std::vector<isa::HbmTensor>& tensors, int32_t tensor) const;
  std::string site_label(const std::vector<isa::HbmTensor>& tensors, int site, int depth) const;

  std::unordered_map<uint64_t, int64_t> flows_;  // flow_key -> bytes
  std::map<int, int32_t> loaded_from_, stored_to_;  // tile site -> HBM tensor
  std::map<int, int> flows_into_;                   // tile site -> tile site its data moves to
};

}  // namespace trnsim::backend

#include "sim/backend/data_movement_recorder.h"

namespace trnsim::backend {
namespace {

int64_t bytes_of(const View& v) { return v.np * v.nf * dtype_size(v.tensor.dtype); }

}  // namespace

const char* DataMovementRecorder::path_name(Path p) {
  switch (p) {
    case Path::hbm_to_sbuf: return "HBM->SBUF";
    case Path::sbuf_to_hbm: return "SBUF->HBM";
    case Path::sbuf_to_pe: return "SBUF->PE";
    case Path::pe_to_psum: return "PE->PSUM";
    case Path::psum_to_sbuf: return "PSUM->SBUF";
  }
  return "?";
}

uint64_t DataMovementRecorder::flow_key(Path path, bool on_chip, int source) {
  return uint64_t{static_cast<uint8_t>(path)} << 40 | uint64_t{on_chip} << 32 |
         static_cast<uint32_t>(source);
}

void DataMovementRecorder::record(Path path, const View& v) {
  flows_[flow_key(path, v.tensor.memory != Memory::hbm, v.tensor.id)] += bytes_of(v);
}

void DataMovementRecorder::dma(const View& dst, const View& src) {
  const bool load = src.tensor.memory == Memory::hbm && dst.tensor.memory != Memory::hbm;
  const bool store = dst.tensor.memory == Memory::hbm && src.tensor.memory != Memory::hbm;
  if (load) {
    loaded_from_.try_emplace(dst.tensor.id, src.tensor.id);
    record(Path::hbm_to_sbuf, src);
  } else if (store) {
    stored_to_[src.tensor.id] = dst.tensor.id;
    record(Path::sbuf_to_hbm, dst);
  }
}

void DataMovementRecorder::matmul(const View& psum, const View& stationary, const View& moving) {
  record(Path::sbuf_to_pe, stationary);
  record(Path::sbuf_to_pe, moving);
  record(Path::pe_to_psum, psum);
}

void DataMovementRecorder::move(const View& dst, const View& src) {
  if (src.tensor.memory == Memory::hbm || dst.tensor.memory == Memory::hbm) return;
  if (src.tensor.id != dst.tensor.id || src.tensor.memory != dst.tensor.memory)
    flows_into_[src.tensor.id] = dst.tensor.id;
  if (src.tensor.memory == Memory::psum) record(Path::psum_to_sbuf, src);
}

std::string DataMovementRecorder::tensor_label(const std::vector<isa::HbmTensor>& tensors,
                                               int32_t tensor) const {
  const isa::HbmTensor& t = tensors[tensor];
  if (t.role == isa::TensorRole::spill) return "spill";
  if (t.role == isa::TensorRole::scratch) return "intermediate";
  return t.name;
}

std::string DataMovementRecorder::site_label(const std::vector<isa::HbmTensor>& tensors, int site,
                                             int depth) const {
  if (auto it = loaded_from_.find(site); it != loaded_from_.end())
    return tensor_label(tensors, it->second);
  if (auto it = stored_to_.find(site); it != stored_to_.end())
    return tensor_label(tensors, it->second);
  if (auto it = flows_into_.find(site); it != flows_into_.end() && depth < 8)
    return site_label(tensors, it->second, depth + 1);
  return "intermediate";
}

isa::DataMovement DataMovementRecorder::report(const std::vector<isa::HbmTensor>& tensors) const {
  isa::DataMovement dm;
  for (const auto& [key, bytes] : flows_) {
    const auto path = static_cast<Path>(key >> 40);
    const bool on_chip = (key >> 32 & 1) != 0;
    const auto source = static_cast<int>(static_cast<uint32_t>(key));
    const std::string label =
        on_chip ? site_label(tensors, source, 0) : tensor_label(tensors, source);
    dm.bytes[path_name(path)][label] += bytes;
  }
  for (const isa::HbmTensor& t : tensors) {
    if (t.role == isa::TensorRole::input || t.role == isa::TensorRole::constant)
      dm.minimum["HBM->SBUF"] += t.bytes();
    if (t.role == isa::TensorRole::output) dm.minimum["SBUF->HBM"] += t.bytes();
  }
  return dm;
}

}  // namespace trnsim::backend

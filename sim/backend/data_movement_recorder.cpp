#include "sim/backend/data_movement_recorder.h"

namespace trnsim::backend {
namespace {

int64_t bytes_of(const View& v) { return v.np * v.nf * dtype_size(v.tensor.dtype); }

}  // namespace

void DataMovementRecorder::record(const char* path, const View& v) {
  flows_.push_back({path, v.tensor.memory != Memory::hbm, v.tensor.id, bytes_of(v)});
}

void DataMovementRecorder::dma(const View& dst, const View& src) {
  const bool load = src.tensor.memory == Memory::hbm && dst.tensor.memory != Memory::hbm;
  const bool store = dst.tensor.memory == Memory::hbm && src.tensor.memory != Memory::hbm;
  if (load) {
    loaded_from_.try_emplace(dst.tensor.id, src.tensor.id);
    record("HBM->SBUF", src);
  } else if (store) {
    stored_to_[src.tensor.id] = dst.tensor.id;
    record("SBUF->HBM", dst);
  }
}

void DataMovementRecorder::matmul(const View& psum, const View& stationary, const View& moving) {
  record("SBUF->PE", stationary);
  record("SBUF->PE", moving);
  record("PE->PSUM", psum);
}

void DataMovementRecorder::move(const View& dst, const View& src) {
  if (src.tensor.memory == Memory::hbm || dst.tensor.memory == Memory::hbm) return;
  if (src.tensor.id != dst.tensor.id || src.tensor.memory != dst.tensor.memory)
    flows_into_[src.tensor.id] = dst.tensor.id;
  if (src.tensor.memory == Memory::psum) record("PSUM->SBUF", src);
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
  for (const Flow& f : flows_) {
    const std::string label =
        f.on_chip ? site_label(tensors, f.source, 0) : tensor_label(tensors, f.source);
    dm.bytes[f.path][label] += f.bytes;
  }
  for (const isa::HbmTensor& t : tensors) {
    if (t.role == isa::TensorRole::input) dm.minimum["HBM->SBUF"] += t.bytes();
    if (t.role == isa::TensorRole::output) dm.minimum["SBUF->HBM"] += t.bytes();
  }
  return dm;
}

}  // namespace trnsim::backend

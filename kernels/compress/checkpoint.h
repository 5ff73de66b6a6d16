// Compressing a sharded Hugging Face checkpoint: `trnsim compress` given the
// model.safetensors.index.json of a model (or the folder that holds it). The index maps each
// tensor to its shard; the output is a folder with the same shards and an index of its own, in
// which each selected tensor NAME [K, N] is replaced by NAME.U [K, R] and NAME.V [R, N] and
// every other tensor is copied as it is. The default selection is NeuronMM's: the MLP weights
// (names ending in mlp.gate_proj.weight, mlp.up_proj.weight, mlp.down_proj.weight).
#pragma once

#include <string>
#include <vector>

#include "kernels/compress/compress_weights.h"

namespace trnsim::compress {

// True for an index JSON or a folder: what compress_checkpoint takes.
bool is_checkpoint(const std::string& weights);

struct CheckpointReport {
  std::vector<TensorReport> factored;
  int64_t copied = 0;  // tensors written as they were
  int64_t shards = 0;
};

// Validates the index, every shard, the selection and the output folder (it must not exist)
// first; then writes the new checkpoint under a temporary name and renames it into place, so
// that it appears whole or not at all. `request.weights` is the index or its folder,
// `request.output` the new folder; whitening (`calibration`) is not offered here. Throws
// UserError (one line) on bad input.
CheckpointReport compress_checkpoint(const CompressRequest& request,
                                     const std::function<void(const CheckpointReport&)>&
                                         report_before_commit = {});

}  // namespace trnsim::compress

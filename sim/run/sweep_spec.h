// A design sweep (`trnsim sweep SPEC.yaml`): the grid, or a seeded random sample of it, over
// hardware keys (any `--set` key), kernels, shapes and block parameters. The spec:
//
//   hw: trn1                      # the machine every point starts from (a name or a path)
//   dtype: bf16                   # optional
//   runs:                         # kernels, each with its shapes and (optional) parameters
//     - kernel: matmul_optimized
//       shapes: ["M=512,K=1024,N=1024", "M=1024,K=1024,N=2048"]
//       params: ["TILES_IN_BLOCK_M=2,TILES_IN_BLOCK_N=2,TILES_IN_BLOCK_K=2"]
//   set:                          # every combination of these values
//     sbuf.bytes_per_partition: [98304, 196608]
//     hbm.efficiency: [0.2, 0.3]
//   sample: 0                     # > 0: that many points drawn from the grid (seed below)
//   seed: 1
//
// Every point is checked when the spec is read (the kernel, its shape and parameter keys, each
// --set key and value on the machine), so a malformed spec is one line before anything runs.
// A point's identity is the hash of its run record (sim/run/run_record.h: the trnsim version,
// every resolved machine parameter, the kernel with its resolved shape and parameters).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/run/kernel_run.h"

namespace trnsim::run {

struct SweepPoint {
  KernelRunRequest request;       // timing only
  std::vector<std::string> sets;  // the point's --set assignments, in spec order
  std::string hash;               // "fnv1a64:..." of its run record
  nlohmann::json describe() const;  // kernel, shape, params, dtype, set, hash
};

struct SweepSpec {
  std::string path;
  std::vector<std::string> set_keys;  // the swept hardware keys, in spec order
  std::vector<SweepPoint> points;
};

// Throws InputError (one line: the file, the line, the key) for a malformed spec.
SweepSpec load_sweep_spec(const std::string& path);

}  // namespace trnsim::run

// Runs a few backend calls on fp32 tiles through the SimBackend and the model with numerics,
// for tests of one operation's arithmetic: each input vector is one [128, F_i] HBM tensor
// loaded into an SBUF tile, `body` writes the [128, out_free] result tile, which is stored
// and returned.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/backend/sim_backend.h"
#include "sim/model/neuron_core.h"
#include "tests/test_helpers.h"

namespace trnsim::testing {

constexpr int64_t kOpPartitions = 128;

using TileBody =
    std::function<void(Backend&, const std::vector<View>& inputs, const View& output)>;

inline std::vector<float> run_on_tiles(const std::vector<std::vector<float>>& inputs,
                                       int64_t out_free, const TileBody& body) {
  const HwConfig hw = cost_rules_machine();
  backend::SimBackend b(hw, "op_numerics");
  std::vector<View> tiles;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const int64_t free = static_cast<int64_t>(inputs[i].size()) / kOpPartitions;
    const std::string name = "in" + std::to_string(i);
    const TensorRef hbm = b.hbm_input(name, kOpPartitions, free, Dtype::fp32);
    const TensorRef tile = b.sbuf_tile(name + "_tile", {}, kOpPartitions, free, Dtype::fp32, 1);
    b.dma_copy(tile.all(), hbm.all());
    tiles.push_back(tile.all());
  }
  const TensorRef out = b.hbm_output("out", kOpPartitions, out_free, Dtype::fp32);
  const TensorRef out_tile = b.sbuf_tile("out_tile", {}, kOpPartitions, out_free, Dtype::fp32, 1);
  body(b, tiles, out_tile.all());
  b.dma_copy(out.all(), out_tile.all());
  const isa::Program program = b.finish();
  std::vector<std::vector<float>> hbm = inputs;
  hbm.resize(program.tensors.size());
  model::SimulationOptions options;
  options.numerics = true;
  model::simulate(program, hw, options, &hbm);
  return hbm[inputs.size()];
}

// n values from `first` to `last`, evenly spaced.
inline std::vector<float> ramp(int64_t n, float first, float last) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = first + (last - first) * static_cast<float>(i) / (n - 1);
  return v;
}

}  // namespace trnsim::testing

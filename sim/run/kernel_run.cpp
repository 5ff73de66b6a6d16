#include "sim/run/kernel_run.h"

#include <algorithm>
#include <cmath>

#include "kernels/api/footprint.h"
#include "sim/backend/sim_backend.h"
#include "sim/run/reference.h"
#include "sim/model/neuron_core.h"

namespace trnsim::run {

namespace {

void check_estimate(const KernelSpec& spec, const HwConfig& hw, const Assignments& shape,
                    const Assignments& params, Dtype dtype, const Budget& budget) {
  const int64_t estimate =
      estimated_operations(hw.sbuf.usable_bytes_per_partition(),
                           [&](Backend& probe) { spec.build(probe, shape, params, dtype); });
  const std::string about = spec.name + " at this shape makes about " + std::to_string(estimate) +
                            " instructions (a dry run of its loops)";
  if (estimate > budget.max_instructions)
    throw UserError(about + "; the budget is " + std::to_string(budget.max_instructions) +
                    " (--max-instructions)");
  const int64_t bytes = estimate > INT64_MAX / (1 << 12)
                            ? INT64_MAX
                            : isa::Program::approximate_bytes(estimate);
  if (bytes > budget.max_memory_bytes)
    throw UserError(about + ", which need about " + std::to_string(bytes) +
                    " bytes of memory; the budget is " + std::to_string(budget.max_memory_bytes) +
                    " (--max-memory-gib)");
}

}  // namespace

isa::Program build_kernel_program(const KernelSpec& spec, const HwConfig& hw,
                                  const Assignments& shape, const Assignments& params,
                                  Dtype dtype, const Budget& budget, RunWatch* watch) {
  const Assignments s = merge_assignments(spec.default_shape, shape, spec.name, "shape key");
  const Assignments p = merge_assignments(spec.default_params, params, spec.name, "parameter");
  check_estimate(spec, hw, s, p, dtype, budget);
  backend::SimBackend backend(hw, spec.name, budget, watch);
  spec.build(backend, s, p, dtype);
  return backend.finish();
}

KernelRunOutput run_kernel(const KernelRunRequest& request, RunWatch* watch) {
  const KernelSpec& spec = find_kernel(request.kernel);
  KernelRunOutput out;
  out.program = build_kernel_program(spec, request.hw, request.shape, request.params,
                                     request.dtype, request.budget, watch);
  const isa::Program& program = out.program;
  const model::SimulationOptions timing{false, request.record_dma_packets, request.budget,
                                        watch, request.pe_frames};
  if (!request.numerics) {
    out.run = model::simulate(program, request.hw, timing);
    return out;
  }
  // 1. Random inputs, rounded to their dtype, one seed per tensor.
  std::vector<std::vector<float>> hbm(program.tensors.size());
  std::vector<const isa::HbmTensor*> input_shapes;
  std::vector<std::vector<float>> inputs;
  int output = -1;
  for (size_t t = 0; t < program.tensors.size(); ++t) {
    const isa::HbmTensor& tensor = program.tensors[t];
    if (tensor.role == isa::TensorRole::output) output = static_cast<int>(t);
    if (tensor.role != isa::TensorRole::input) continue;
    hbm[t] = random_values(tensor.rows * tensor.cols, tensor.dtype, request.seed + t);
    input_shapes.push_back(&tensor);
    inputs.push_back(hbm[t]);
  }
  // 2. Simulate with numerics; 3. compare the output with the Eigen reference.
  model::SimulationOptions numerics = timing;
  numerics.numerics = true;
  out.run = model::simulate(program, request.hw, numerics, &hbm);
  Assignments dims = merge_assignments(spec.default_shape, request.shape, spec.name, "shape key");
  for (const auto& kv : merge_assignments(spec.default_params, request.params, spec.name,
                                          "parameter"))
    dims.insert(kv);
  const std::vector<float> expected = reference_output(spec.math, dims, input_shapes, inputs);
  double err = 0, ref = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    err = std::max(err, std::fabs(static_cast<double>(hbm[output][i]) - expected[i]));
    ref = std::max(ref, std::fabs(static_cast<double>(expected[i])));
  }
  out.max_abs_err = err;
  out.max_abs_reference = ref;
  out.hbm = std::move(hbm);
  return out;
}

}  // namespace trnsim::run

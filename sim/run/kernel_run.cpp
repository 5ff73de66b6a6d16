#include "sim/run/kernel_run.h"

#include <algorithm>
#include <cmath>

#include "sim/backend/sim_backend.h"
#include "sim/run/reference.h"
#include "sim/model/neuron_core.h"

namespace trnsim::run {

isa::Program build_kernel_program(const KernelSpec& spec, const HwConfig& hw,
                                  const Assignments& shape, const Assignments& params,
                                  Dtype dtype) {
  const Assignments s = merge_assignments(spec.default_shape, shape, spec.name, "shape key");
  const Assignments p = merge_assignments(spec.default_params, params, spec.name, "parameter");
  backend::SimBackend backend(hw, spec.name);
  spec.build(backend, s, p, dtype);
  return backend.finish();
}

KernelRunOutput run_kernel(const KernelRunRequest& request) {
  const KernelSpec& spec = find_kernel(request.kernel);
  KernelRunOutput out;
  out.program = build_kernel_program(spec, request.hw, request.shape, request.params,
                                     request.dtype);
  const isa::Program& program = out.program;
  if (!request.numerics) {
    out.run = model::simulate(program, request.hw, {false, request.record_dma_packets});
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
  out.run = model::simulate(program, request.hw, {true, request.record_dma_packets}, &hbm);
  const std::vector<float> expected = reference_output(spec.math, input_shapes, inputs);
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

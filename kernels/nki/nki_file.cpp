#include "kernels/nki/nki_file.h"

#include "kernels/nki/nki_backend.h"

namespace trnsim::nki {
namespace {

std::string joined(const Assignments& values) {
  std::string out;
  for (const auto& [k, v] : values) out += (out.empty() ? "" : ",") + k + "=" + std::to_string(v);
  return out;
}

// The numpy expression the kernel's output must equal, over its inputs in order.
std::string numpy_reference(KernelMath math, const std::vector<TensorRef>& in) {
  auto f32 = [&](size_t i) { return in[i].name + ".astype(np.float32)"; };
  const std::string silu = "(lambda g: g / (1.0 + np.exp(-g)))";
  switch (math) {
    case KernelMath::lhsT_transposed_times_rhs: return f32(0) + ".T @ " + f32(1);
    case KernelMath::xT_times_u_times_v: return f32(0) + ".T @ " + f32(1) + " @ " + f32(2);
    case KernelMath::swiglu_dense:
      return "(" + silu + "(" + f32(0) + ".T @ " + f32(1) + ") * (" + f32(0) + ".T @ " + f32(2) +
             ")) @ " + f32(3);
    case KernelMath::swiglu_svd:
      return "(" + silu + "(" + f32(0) + " @ " + f32(1) + " @ " + f32(2) + ") * (" + f32(0) +
             " @ " + f32(3) + " @ " + f32(4) + ")) @ " + f32(5) + " @ " + f32(6);
  }
  return "None";
}

const char* kMain = R"PY(

def make_inputs(seed=0):
    """Uniform [-1, 1) inputs of the kernel's shapes, as float32."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, shape).astype(np.float32) for shape in INPUT_SHAPES.values()]


def device_dtype():
    if DTYPE == "float32":
        return np.float32
    if DTYPE == "float16":
        return np.float16
    import ml_dtypes  # installed with neuronxcc

    return ml_dtypes.bfloat16


if __name__ == "__main__":
    inputs = [x.astype(device_dtype()) for x in make_inputs()]
    expected = reference(*inputs)
    benchmarked = nki.benchmark(
        warmup=10,
        iters=100,
        save_neff_name=f"{KERNEL_NAME}.neff",
        save_trace_name=f"{KERNEL_NAME}.ntff",
    )(KERNEL)
    result = benchmarked(*inputs)
    error = np.max(np.abs(np.asarray(result, dtype=np.float32) - expected))
    largest = np.max(np.abs(expected))
    print(f"{KERNEL_NAME}: max |result - numpy| = {error:.4g} (largest |expected| = {largest:.4g})")
    latency_us = benchmarked.benchmark_result.nc_latency.get_latency_percentile(99)
    print(f"{KERNEL_NAME}: P99 latency {latency_us:.1f} us ({SHAPE})")
    # One entry for a trnsim measurements file (traces/measured/*.json): `trnsim compare` it.
    entry = {
        "kernel": KERNEL_NAME,
        "shape": SHAPE,
        "params": PARAMS,
        "latency_ms": latency_us / 1000,
    }
    print("measurement:", json.dumps(entry))
    print(f"profile: neuron-profile view -n {KERNEL_NAME}.neff -s {KERNEL_NAME}.ntff")
)PY";

}  // namespace

std::string emit_nki_file(const KernelSpec& spec, const Assignments& shape,
                          const Assignments& params, Dtype dtype, int64_t sbuf_bytes) {
  const Assignments s = merge_assignments(spec.default_shape, shape, spec.name, "shape key");
  const Assignments p = merge_assignments(spec.default_params, params, spec.name, "parameter");
  NkiBackend backend(spec.name, sbuf_bytes);
  spec.build(backend, s, p, dtype);

  const std::string numpy_dtype =
      dtype == Dtype::bf16 ? "bfloat16" : dtype == Dtype::fp16 ? "float16" : "float32";
  std::string out = "\"\"\"" + spec.name + ": " + spec.description + ".\n\n";
  out += "Emitted by trnsim from its C++ schedule, shape " + joined(s) +
         (p.empty() ? "" : ", params " + joined(p)) + ", " + dtype_name(dtype) + ".\n";
  out += "NKI API generation: neuronxcc.nki (NKI 0.1, Neuron SDK 2.26 and earlier).\n";
  out += "On a trn1 instance: python3 THIS_FILE  (benchmarks one NeuronCore, saves NEFF/NTFF).\n";
  out += "\"\"\"\nimport json\n\nimport numpy as np\n\ntry:\n    import neuronxcc.nki as nki\n"
         "    import neuronxcc.nki.isa as nisa\n    import neuronxcc.nki.language as nl\n"
         "except ImportError as missing:\n"
         "    raise SystemExit(f\"{missing}: run this file on a Trn1/Inf2 instance with the "
         "Neuron SDK (neuronxcc), or against trnsim's python/trnsim_nki\")\n\n\n";
  out += backend.kernel_source();
  out += "\n\nKERNEL = " + spec.name + "\nKERNEL_NAME = \"" + spec.name + "\"\n";
  out += "SHAPE = \"" + joined(s) + "\"\nPARAMS = \"" + joined(p) + "\"\nDTYPE = \"" + numpy_dtype +
         "\"\nINPUT_SHAPES = {";
  const auto& inputs = backend.inputs();
  for (size_t i = 0; i < inputs.size(); ++i)
    out += (i ? ", " : "") + std::string("\"") + inputs[i].name + "\": (" +
           std::to_string(inputs[i].partitions) + ", " + std::to_string(inputs[i].free) + ")";
  out += "}\n\n\ndef reference(";
  for (size_t i = 0; i < inputs.size(); ++i) out += (i ? ", " : "") + inputs[i].name;
  out += "):\n    return " + numpy_reference(spec.math, inputs) + "\n";
  return out + kMain;
}

}  // namespace trnsim::nki

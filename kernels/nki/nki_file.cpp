#include "kernels/nki/nki_file.h"

#include "common/error.h"
#include "common/excerpt.h"
#include "kernels/nki/nki_backend.h"

namespace trnsim::nki {
namespace {

std::string joined(const Assignments& values) {
  std::string out;
  for (const auto& [k, v] : values) out += (out.empty() ? "" : ",") + k + "=" + std::to_string(v);
  return out;
}

// The numpy expression the kernel's output must equal, over its inputs in order.
std::string numpy_reference(KernelMath math, const std::vector<TensorRef>& in,
                            const Assignments& dims) {
  auto f32 = [&](size_t i) { return in[i].name + ".astype(np.float32)"; };
  auto dim = [&](const char* key) { return std::to_string(dims.at(key)); };
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
    case KernelMath::rmsnorm:
      return "rms_norm(" + f32(0) + ", " + f32(1) + ", " + dim("GROUP") + ")" +
             (dims.at("TRANSPOSED") ? ".T" : "");
    case KernelMath::elementwise_sum: return f32(0) + " + " + f32(1);
    case KernelMath::x_times_w: return f32(0) + " @ " + f32(1);
    case KernelMath::rope: {
      const std::string x = dims.at("QK_NORM") ? "rms_norm(" + f32(0) + ", " + f32(3) + ", " +
                                                     dim("D") + ")"
                                               : f32(0);
      return "rotate_half(" + x + ", " + f32(1) + ", " + f32(2) + ", " + dim("D") + ")";
    }
    case KernelMath::causal_attention:
      return "grouped_attention(" + f32(0) + ", " + f32(1) + ", " + f32(2) + ", " + dim("B") +
             ", " + dim("QH") + ", " + dim("KVH") + ", " + dim("D") + ", True)";
    case KernelMath::decode_attention:  // q and out [B * QH, D]: one token's heads as rows
      return "grouped_attention(" + f32(0) + ".reshape(" + dim("B") + ", -1), " + f32(1) +
             ", " + f32(2) + ", " + dim("B") + ", " + dim("QH") + ", " + dim("KVH") + ", " +
             dim("D") + ", False).reshape(" + f32(0) + ".shape)";
  }
  return "None";
}

// The numpy forms of the decoder operators that reference() may call (decoder_reference.cpp
// computes the same in C++).
const char* kNumpyHelpers = R"PY(
def rms_norm(x, gamma, group, eps=1e-5):
    g = x.reshape(x.shape[0], -1, group)
    return (g / np.sqrt(np.mean(g * g, axis=-1, keepdims=True) + eps) * gamma).reshape(x.shape)


def rotate_half(x, cos, sin, d):
    h = x.reshape(x.shape[0], -1, d)
    x1, x2 = h[..., : d // 2], h[..., d // 2 :]
    c, s = cos[:, None, :], sin[:, None, :]
    return np.concatenate([x1 * c - x2 * s, x2 * c + x1 * s], axis=-1).reshape(x.shape)


def grouped_attention(q, k, v, batch, q_heads, kv_heads, d, causal):
    n, length = q.shape[0] // batch, k.shape[0] // batch
    out = np.zeros_like(q)
    for b in range(batch):
        for h in range(q_heads):
            g = h // (q_heads // kv_heads)
            qh = q[b * n : (b + 1) * n, h * d : (h + 1) * d]
            kh = k[b * length : (b + 1) * length, g * d : (g + 1) * d]
            vh = v[b * length : (b + 1) * length, g * d : (g + 1) * d]
            scores = qh @ kh.T / np.sqrt(d)
            if causal:
                scores = np.where(np.tril(np.ones(scores.shape, bool)), scores, -np.inf)
            p = np.exp(scores - scores.max(axis=-1, keepdims=True))
            out[b * n : (b + 1) * n, h * d : (h + 1) * d] = p @ vh / p.sum(axis=-1, keepdims=True)
    return out
)PY";

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
    # 1. Accuracy: a plain call, which runs the kernel on these numpy inputs (baremetal).
    result = KERNEL(*inputs)
    error = np.max(np.abs(np.asarray(result, dtype=np.float32) - expected))
    largest = np.max(np.abs(expected))
    print(f"{KERNEL_NAME}: max |result - numpy| = {error:.4g} (largest |expected| = {largest:.4g})")
    # 2. Latency: nki.benchmark, whose output is undefined (it does not run on these inputs), so
    #    only its latency is read. With a trace name the SDK needs the NEFF named "file.neff".
    benchmarked = nki.benchmark(
        warmup=10, iters=100, save_neff_name="file.neff", save_trace_name=f"{KERNEL_NAME}.ntff"
    )(KERNEL)
    benchmarked(*inputs)
    if os.path.exists("file.neff"):
        os.replace("file.neff", f"{KERNEL_NAME}.neff")
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

NkiApi parse_nki_api(const std::string& text) {
  if (text == "0.1") return NkiApi::v0_1;
  if (text == "0.3") return NkiApi::v0_3;
  throw UserError("--nki-api: '" + excerpt(text) + "' is not an NKI API generation (0.1: "
                  "neuronxcc.nki, SDK 2.21 to 2.26; 0.3: the nki namespace, SDK 2.27 and later)");
}

std::string emit_nki_file(const KernelSpec& spec, const Assignments& shape,
                          const Assignments& params, Dtype dtype, int64_t sbuf_bytes,
                          NkiApi api) {
  const Assignments s = merge_assignments(spec.default_shape, shape, spec.name, "shape key");
  const Assignments p = merge_assignments(spec.default_params, params, spec.name, "parameter");
  NkiBackend backend(spec.name, sbuf_bytes, api);
  spec.build(backend, s, p, dtype);

  const std::string numpy_dtype =
      dtype == Dtype::bf16 ? "bfloat16" : dtype == Dtype::fp16 ? "float16" : "float32";
  std::string out = "\"\"\"" + spec.name + ": " + spec.description + ".\n\n";
  out += "Emitted by trnsim from its C++ schedule, shape " + joined(s) +
         (p.empty() ? "" : ", params " + joined(p)) + ", " + dtype_name(dtype) + ".\n";
  const bool v0_1 = api == NkiApi::v0_1;
  out += v0_1 ? "NKI API generation: neuronxcc.nki (NKI 0.1), Neuron SDK 2.21 to 2.26.\n"
              : "NKI API generation: the nki namespace (NKI 0.3 layout: partition-first tiles,\n"
                "destination-passing ISA calls), Neuron SDK 2.27 and later; AWS's notes say NKI\n"
                "0.3 kernels are not supported on Trn1/Inf2 from SDK 2.29.\n";
  out += "On a Neuron instance: python3 THIS_FILE  (benchmarks one NeuronCore, saves NEFF/NTFF).\n";
  const std::string package = v0_1 ? "neuronxcc.nki" : "nki";
  out += std::string("\"\"\"\nimport json\nimport os\n\nimport numpy as np\n\ntry:\n    import ") +
         (v0_1 ? "neuronxcc.nki as nki" : "nki") + "\n    import " + package +
         ".isa as nisa\n    import " + package + ".language as nl\n"
         "except ImportError as missing:\n"
         "    raise SystemExit(f\"{missing}: run this file on a Neuron instance with the "
         "Neuron SDK, or against trnsim's python/trnsim_nki\")\n\n\n";
  out += backend.kernel_source();
  out += "\n\nKERNEL = " + spec.name + "\nKERNEL_NAME = \"" + spec.name + "\"\n";
  out += "SHAPE = \"" + joined(s) + "\"\nPARAMS = \"" + joined(p) + "\"\nDTYPE = \"" + numpy_dtype +
         "\"\nINPUT_SHAPES = {";
  const auto& inputs = backend.inputs();
  for (size_t i = 0; i < inputs.size(); ++i)
    out += (i ? ", " : "") + std::string("\"") + inputs[i].name + "\": (" +
           std::to_string(inputs[i].partitions) + ", " + std::to_string(inputs[i].free) + ")";
  const bool decoder_math = spec.math != KernelMath::lhsT_transposed_times_rhs &&
                            spec.math != KernelMath::xT_times_u_times_v &&
                            spec.math != KernelMath::swiglu_dense &&
                            spec.math != KernelMath::swiglu_svd;
  out += "}\n\n" + std::string(decoder_math ? kNumpyHelpers : "") + "\n\ndef reference(";
  for (size_t i = 0; i < inputs.size(); ++i) out += (i ? ", " : "") + inputs[i].name;
  Assignments dims = s;
  dims.insert(p.begin(), p.end());
  out += "):\n    return " + numpy_reference(spec.math, inputs, dims) + "\n";
  return out + kMain;
}

}  // namespace trnsim::nki

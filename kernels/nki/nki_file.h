// A whole runnable NKI Python file for one kernel of the library at one shape: the kernel
// (from NkiBackend), its input shapes, a numpy reference, and a __main__ block that, on a
// trn1 instance with neuronxcc installed, benchmarks it with nki.benchmark (saving NEFF and
// NTFF for neuron-profile) and checks the result against numpy.
#pragma once

#include <string>

#include "kernels/nki/nki_backend.h"
#include "kernels/registry.h"

namespace trnsim::nki {

// `sbuf_bytes`: the target's usable SBUF per partition (kernels check their blocks against it);
// `api`: the NKI generation written (nki_backend.h).
std::string emit_nki_file(const KernelSpec& spec, const Assignments& shape,
                          const Assignments& params, Dtype dtype, int64_t sbuf_bytes,
                          NkiApi api = NkiApi::v0_1);

// "0.1" or "0.3"; anything else is a UserError naming both.
NkiApi parse_nki_api(const std::string& text);

}  // namespace trnsim::nki

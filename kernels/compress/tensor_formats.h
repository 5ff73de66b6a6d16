// The byte layouts of safetensors and .npy headers, for weights_file.cpp. Parsers validate
// everything against the file size and throw InputError("<path>: <what is wrong>").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/input_file.h"
#include "kernels/compress/weights_file.h"

namespace trnsim::compress {

// safetensors: u64 little-endian header length N, N bytes of JSON
// {"NAME": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then the
// data buffer that the offsets index.
std::vector<TensorEntry> parse_safetensors(const InputFile& file);
// The length prefix and JSON header for `layout`, with tensors stored back to back in layout
// order; padded with spaces so the data buffer starts 8-byte aligned.
std::string safetensors_header(const std::vector<WeightsWriter::Layout>& layout,
                               const std::map<std::string, std::string>& metadata);

// .npy v1/v2/v3: "\x93NUMPY", version, u16 (v1) or u32 header length, a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (K, N)}, then the data.
TensorEntry parse_npy(const InputFile& file, const std::string& tensor_name);
// A v1.0 header (v2.0 if it would not fit) for a C-order 2-D array, or one of any `shape`.
std::string npy_header(Dtype dtype, int64_t rows, int64_t cols);
std::string npy_header(Dtype dtype, const std::vector<int64_t>& shape);

// The product of `shape`; throws InputError("<where>: ...") if a dimension is over 2^40 or
// the product over 2^50 (neither fits any file or memory).
int64_t checked_element_count(const std::vector<int64_t>& shape, const std::string& where);

}  // namespace trnsim::compress

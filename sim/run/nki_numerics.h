// Numerics of a traced NKI kernel (`trnsim run-nki` and `run-trace` without --timing-only):
// its inputs from .npy files or seeded random values, a simulation with numerics, its outputs
// as .npy files, and the check against the kernel file's numpy reference.
//
// How the inputs reach the numpy reference: the simulator's inputs (after rounding to their
// dtypes) are written as float32 .npy files into a private temporary directory (mkdtemp),
// `/usr/bin/python3 -m trnsim_nki reference FILE.py --function FUNC -o DIR IN.npy ...`
// (python/trnsim_nki/reference_command.py) calls FUNC(*inputs) and writes what it returns as
// DIR/0.npy, DIR/1.npy, ...; those are read back with the same .npy reader and compared with
// the tensors the kernel returned. The directory is removed afterwards, whatever happens.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/output_set.h"
#include "sim/config/hw_config.h"
#include "sim/isa/program.h"
#include "sim/model/neuron_core.h"
#include "sim/model/run_result.h"

namespace trnsim::run {

// N-D shapes of HBM tensors by name (nki::TraceKernel::hbm_shapes()); a tensor not in it is
// rows x cols.
using TensorShapes = std::map<std::string, std::vector<int64_t>>;

// The shape of an HBM tensor as its .npy file has it.
std::vector<int64_t> npy_shape(const isa::HbmTensor& tensor, const TensorShapes& shapes = {});

// DIR/<name>.npy for each input (or, with `outputs`, output) tensor of the program, in order.
std::vector<NamedFile> nki_tensor_files(const isa::Program& program, const std::string& dir,
                                        bool outputs);

// One value vector per program tensor (model::simulate's HBM image): the inputs filled, every
// other tensor empty. With `inputs_dir`, DIR/<name>.npy per input: a regular .npy file whose
// shape is the tensor's and whose dtype is '<f4' for float32 and bfloat16 tensors (numpy has no
// bfloat16: the values are rounded to bf16, to nearest even) and '<f2' for float16 ones; else
// any mismatch is an InputError of one line naming the file. Without it, uniform [-1, 1)
// values rounded to the dtype, seed + tensor index per tensor, as `trnsim run` makes them.
std::vector<std::vector<float>> nki_inputs(const isa::Program& program,
                                           const std::string& inputs_dir, uint64_t seed,
                                           const TensorShapes& shapes = {});

struct NkiReference {
  std::string kernel_file;  // the file that holds the function; "" -> no reference
  std::string function = "reference";
  bool required = false;    // --reference given: a file without it is an error
  // The tensors the reference's arrays are compared with, by name (TraceKernel::returns());
  // empty -> the program's output tensors in order.
  std::vector<std::string> returns;
  TensorShapes shapes;  // of the inputs written for it and the arrays it must return
};

struct NkiNumerics {
  model::RunResult run;
  std::vector<std::vector<float>> hbm;     // final contents of every HBM tensor
  std::optional<double> max_abs_err;       // over the compared outputs, with a reference
  std::optional<double> max_abs_reference;  // largest |reference| value
};

// Simulates `program` with numerics from `hbm` (nki_inputs()), then computes the reference
// if there is one. A reference that raises, returns the wrong number of arrays or a wrong
// shape is a UserError of one line naming the kernel file.
NkiNumerics simulate_nki_numerics(const isa::Program& program, const HwConfig& hw,
                                  model::SimulationOptions options,
                                  std::vector<std::vector<float>> hbm,
                                  const NkiReference& reference);

// Adds DIR/<name>.npy (float32, the tensor's shape) for every output tensor to `files`.
void write_nki_outputs(OutputSet& files, const isa::Program& program,
                       const std::vector<std::vector<float>>& hbm, const std::string& dir,
                       const TensorShapes& shapes = {});

}  // namespace trnsim::run

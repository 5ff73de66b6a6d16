#include "kernels/api/types.h"

#include <array>

namespace trnsim {
namespace {

template <typename Enum, size_t N>
Enum parse_name(const std::array<const char*, N>& names, const std::string& name,
                const char* what) {
  std::string allowed;
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<Enum>(i);
    allowed += (i ? ", " : "") + std::string(names[i]);
  }
  throw UserError("unknown " + std::string(what) + " '" + name + "' (allowed: " + allowed + ")");
}

constexpr std::array<const char*, 3> kDtypeNames = {"bf16", "fp16", "fp32"};
constexpr std::array<const char*, 4> kEngineNames = {"Tensor", "Vector", "Scalar", "GpSimd"};
constexpr std::array<const char*, 6> kAluNames = {"add", "subtract", "multiply",
                                                  "max", "min",      "bypass"};
constexpr std::array<const char*, 6> kActNames = {"identity", "exp",     "silu",
                                                  "relu",     "sigmoid", "tanh"};
constexpr std::array<const char*, 3> kMemoryNames = {"hbm", "sbuf", "psum"};

}  // namespace

const char* dtype_name(Dtype d) { return kDtypeNames[static_cast<size_t>(d)]; }
Dtype parse_dtype(const std::string& n) { return parse_name<Dtype>(kDtypeNames, n, "dtype"); }
const char* engine_name(Engine e) { return kEngineNames[static_cast<size_t>(e)]; }
const char* alu_op_name(AluOp op) { return kAluNames[static_cast<size_t>(op)]; }
AluOp parse_alu_op(const std::string& n) { return parse_name<AluOp>(kAluNames, n, "ALU op"); }
const char* act_func_name(ActFunc f) { return kActNames[static_cast<size_t>(f)]; }
ActFunc parse_act_func(const std::string& n) {
  return parse_name<ActFunc>(kActNames, n, "activation function");
}
const char* memory_name(Memory m) { return kMemoryNames[static_cast<size_t>(m)]; }

}  // namespace trnsim

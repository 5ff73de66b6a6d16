#include "common/types.h"

#include "common/names.h"

namespace trnsim {
namespace {

constexpr std::array<NamedValue<Dtype>, 3> kDtypes = {
    {{Dtype::bf16, "bf16"}, {Dtype::fp16, "fp16"}, {Dtype::fp32, "fp32"}}};
constexpr std::array<NamedValue<Engine>, 4> kEngines = {{{Engine::tensor, "Tensor"},
                                                         {Engine::vector, "Vector"},
                                                         {Engine::scalar, "Scalar"},
                                                         {Engine::gpsimd, "GpSimd"}}};
constexpr std::array<NamedValue<AluOp>, 13> kAluOps = {{{AluOp::add, "add"},
                                                        {AluOp::subtract, "subtract"},
                                                        {AluOp::multiply, "multiply"},
                                                        {AluOp::max, "max"},
                                                        {AluOp::min, "min"},
                                                        {AluOp::bypass, "bypass"},
                                                        {AluOp::divide, "divide"},
                                                        {AluOp::equal, "equal"},
                                                        {AluOp::not_equal, "not_equal"},
                                                        {AluOp::greater, "greater"},
                                                        {AluOp::greater_equal, "greater_equal"},
                                                        {AluOp::less, "less"},
                                                        {AluOp::less_equal, "less_equal"}}};
constexpr std::array<NamedValue<ActFunc>, 12> kActFuncs = {
    {{ActFunc::identity, "identity"}, {ActFunc::exp, "exp"},
     {ActFunc::silu, "silu"},         {ActFunc::relu, "relu"},
     {ActFunc::sigmoid, "sigmoid"},   {ActFunc::tanh, "tanh"},
     {ActFunc::log, "log"},           {ActFunc::gelu, "gelu"},
     {ActFunc::rsqrt, "rsqrt"},       {ActFunc::sqrt, "sqrt"},
     {ActFunc::square, "square"},     {ActFunc::reciprocal, "reciprocal"}}};
constexpr std::array<NamedValue<Memory>, 3> kMemories = {
    {{Memory::hbm, "hbm"}, {Memory::sbuf, "sbuf"}, {Memory::psum, "psum"}}};

static_assert(names_in_order(kDtypes) && kDtypes.size() == size_t(Dtype::fp32) + 1);
static_assert(names_in_order(kEngines) && kEngines.size() == size_t(Engine::gpsimd) + 1);
static_assert(names_in_order(kAluOps) && kAluOps.size() == size_t(AluOp::less_equal) + 1);
static_assert(names_in_order(kActFuncs) &&
              kActFuncs.size() == size_t(ActFunc::reciprocal) + 1);
static_assert(names_in_order(kMemories) && kMemories.size() == size_t(Memory::psum) + 1);

}  // namespace

const char* dtype_name(Dtype d) { return name_of(kDtypes, d); }
Dtype parse_dtype(const std::string& n) { return parse_named(kDtypes, n, "dtype"); }
const char* engine_name(Engine e) { return name_of(kEngines, e); }
const char* alu_op_name(AluOp op) { return name_of(kAluOps, op); }
AluOp parse_alu_op(const std::string& n) { return parse_named(kAluOps, n, "ALU op"); }
const char* act_func_name(ActFunc f) { return name_of(kActFuncs, f); }
ActFunc parse_act_func(const std::string& n) {
  return parse_named(kActFuncs, n, "activation function");
}
const char* memory_name(Memory m) { return name_of(kMemories, m); }
Memory parse_memory(const std::string& n) { return parse_named(kMemories, n, "memory"); }

}  // namespace trnsim

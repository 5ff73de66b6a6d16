#include "sim/isa/program.h"

#include "common/names.h"

namespace trnsim::isa {
namespace {

constexpr std::array<NamedValue<TensorRole>, 5> kRoles = {{{TensorRole::input, "input"},
                                                           {TensorRole::output, "output"},
                                                           {TensorRole::scratch, "scratch"},
                                                           {TensorRole::spill, "spill"},
                                                           {TensorRole::constant, "constant"}}};
static_assert(names_in_order(kRoles) && kRoles.size() == size_t(TensorRole::constant) + 1);

}  // namespace

const char* tensor_role_name(TensorRole r) { return name_of(kRoles, r); }
TensorRole parse_tensor_role(const std::string& n) { return parse_named(kRoles, n, "tensor role"); }

size_t Program::instruction_count() const {
  size_t n = 0;
  for (const auto& s : streams) n += s.size();
  return n;
}

}  // namespace trnsim::isa

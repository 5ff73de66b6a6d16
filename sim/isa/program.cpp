#include "sim/isa/program.h"

#include <array>

namespace trnsim::isa {
namespace {

constexpr std::array<const char*, 4> kRoleNames = {"input", "output", "scratch", "spill"};

}  // namespace

const char* tensor_role_name(TensorRole r) { return kRoleNames[static_cast<size_t>(r)]; }

TensorRole parse_tensor_role(const std::string& n) {
  std::string allowed;
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (n == kRoleNames[i]) return static_cast<TensorRole>(i);
    allowed += (i ? ", " : "") + std::string(kRoleNames[i]);
  }
  throw UserError("unknown tensor role '" + n + "' (allowed: " + allowed + ")");
}

size_t Program::instruction_count() const {
  size_t n = 0;
  for (const auto& s : streams) n += s.size();
  return n;
}

}  // namespace trnsim::isa

#include "kernels/registry.h"

#include <sstream>

#include "common/did_you_mean.h"
#include "common/excerpt.h"

#include "kernels/matmul/matmul_kernels.h"
#include "kernels/models/decoder_specs.h"
#include "kernels/neuronmm/neuronmm_kernels.h"

namespace trnsim {

const std::vector<KernelSpec>& kernel_library() {
  static const std::vector<KernelSpec> library = [] {
    std::vector<KernelSpec> all = matmul_kernel_specs();
    for (KernelSpec& k : neuronmm_kernel_specs()) all.push_back(std::move(k));
    for (KernelSpec& k : decoder_kernel_specs()) all.push_back(std::move(k));
    return all;
  }();
  return library;
}

const KernelSpec& find_kernel(const std::string& name) {
  std::vector<std::string> names;
  for (const KernelSpec& k : kernel_library()) {
    if (k.name == name) return k;
    names.push_back(k.name);
  }
  throw UserError(unknown_name("kernel", name, names));
}

Assignments parse_assignments(const std::string& text, const std::string& what) {
  Assignments out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError(what + ": '" + excerpt(item) + "' is not NAME=VALUE");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    size_t used = 0;
    int64_t number = 0;
    try {
      number = std::stoll(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != value.size())
      throw UserError(what + ": " + excerpt(item) + " is not an integer");
    out[key] = number;
  }
  return out;
}

Assignments merge_assignments(const Assignments& defaults, const Assignments& given,
                              const std::string& kernel, const std::string& what) {
  Assignments out = defaults;
  for (const auto& [key, value] : given) {
    if (!defaults.count(key)) {
      std::vector<std::string> known;
      for (const auto& d : defaults) known.push_back(d.first);
      throw UserError(kernel + ": unknown " + what + " '" + excerpt(key) + "'" +
                      did_you_mean(key, known) +
                      " (known: " + (known.empty() ? "none" : join_names(known)) + ")");
    }
    if (value < 0 || value > kMaxAssignment)
      throw UserError(kernel + ": " + what + " " + key + "=" + std::to_string(value) +
                      " is outside 0.." + std::to_string(kMaxAssignment));
    out[key] = value;
  }
  return out;
}

void require_positive(const std::string& kernel, const Assignments& values) {
  for (const auto& [key, value] : values)
    if (value <= 0)
      throw UserError(kernel + ": " + key + "=" + std::to_string(value) + " must be positive");
}

void require_multiple(const std::string& kernel, const std::string& key, int64_t value,
                      int64_t of, const std::string& why) {
  if (value % of != 0)
    throw UserError(kernel + ": " + key + "=" + std::to_string(value) +
                    " is not a multiple of " + std::to_string(of) + " (" + why + ")");
}

}  // namespace trnsim

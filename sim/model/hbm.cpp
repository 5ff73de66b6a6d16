#include "sim/model/hbm.h"

#include "sim/model/hbm_interleaved.h"
#include "sim/model/hbm_simple.h"

namespace trnsim::model {

// The built-in models need only the payloads' addresses; `map` is there for one that wants the
// tensor layout too.
std::unique_ptr<HbmMemory> make_hbm_memory(const HbmConfig& cfg, const HbmAddressMap& /*map*/) {
  switch (cfg.model) {
    case HbmModel::simple:
      return std::make_unique<SimpleHbm>("HBM", cfg);
    case HbmModel::interleaved:
      return std::make_unique<InterleavedHbm>("HBM", cfg);
  }
  return nullptr;  // unreachable: the parameter table accepts only the names above
}

}  // namespace trnsim::model

// NKI's tile limits (kernels/api/limits.h: nl.tile_size.*) are facts of the programming model;
// the machine's sizes are facts of the config. Kernels are written to NKI's limits, so a config
// smaller than one of them cannot run them: check_api_limits() rejects it with one line naming
// the config key, before any kernel call. (run-program takes programs for any config.) The PE
// array is the exception: matmul_tile runs on arrays of any size, and a matmul too large for
// the array is refused when the program is checked (model::check_fits).
#pragma once

#include "sim/config/hw_config.h"

namespace trnsim::backend {

void check_api_limits(const HwConfig& cfg);  // throws UserError

}  // namespace trnsim::backend

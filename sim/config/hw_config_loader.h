// Loads hwconfig/*.yaml into a validated HwConfig and applies `--set section.key=value`
// overrides. The YAML layout and every accepted key come from the table in hw_parameters.h.
//
// A file is a map with an optional `name:` (default: the file stem), an optional `base:`
// (a preset name or a path relative to the file; loaded first, this file's keys override it)
// and one map per section (`tensor`, `vector`, ..., `ports`). A file without `base:` must set
// every parameter. Unknown keys, wrong types, out-of-range values and inconsistent combinations
// throw UserError with one line: `<file>:<line>: <dotted.key>: <problem> (allowed: ...)`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/config/hw_config.h"

namespace trnsim {

// "trn1", "trn2" or any other name -> <hwconfig_dir>/<name>.yaml; anything containing '/' or
// ending in .yaml is a path. The result has passed check_hw_config().
HwConfig load_hw_config(const std::string& name_or_path);

// Applies one "section.key=value" with the same per-key checks as the YAML (unknown key, not a
// number, out of range) and appends "key=value" to cfg.overrides. Leaves `cfg` unchanged on
// error. Does not run the cross-parameter
// checks, because a consistent change can need several keys: use apply_overrides for that.
void apply_override(HwConfig& cfg, const std::string& assignment);

// Applies every assignment in order, then runs check_hw_config(). This is what a CLI wants.
void apply_overrides(HwConfig& cfg, const std::vector<std::string>& assignments);

// A config rebuilt from recorded values (a replay), without reading any YAML, so that a later
// edit of trn1.yaml does not change it: `values` holds every dotted key of the parameter table
// with its value as text ("2.8", "196608", "true"). A missing or unknown key, a bad value or a
// broken cross-parameter rule throws UserError "<origin>: <key>: <problem> (allowed: ...)".
// name, source_file and overrides are left empty for the caller to restore.
HwConfig hw_config_from_values(const std::map<std::string, std::string>& values,
                               const std::string& origin);

// The rules that relate several parameters (DMA engines x partitions per engine = SBUF
// partitions, a matmul result fits one PSUM bank, ...). Throws UserError naming cfg.source_file.
void check_hw_config(const HwConfig& cfg);

// Env TRNSIM_HWCONFIG_DIR if set, else the compile-time TRNSIM_HWCONFIG_DIR.
std::string hwconfig_dir();

// The names (file stems) of <hwconfig_dir>/*.yaml, sorted.
std::vector<std::string> list_hw_configs();

// One line per parameter: "dma.setup_latency_ns  ns  [0, 1000000]  description".
std::string describe_parameters();

}  // namespace trnsim

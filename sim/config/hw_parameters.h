// The single table of HwConfig parameters: every tunable number is declared here once, with its
// dotted YAML key, unit, allowed range and one-line meaning. The YAML decoder, `--set` overrides,
// validation and `trnsim list` all read this table; nothing else knows the field names.
// Beside it, the rules that relate several parameters (checked once all values are in).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/config/hw_config.h"

namespace trnsim {

struct HwParameter {
  // `choice`: one of the names in `choices` (an enum member); its value is the name's index.
  enum class Type { integer, real, boolean, choice };

  std::string key;   // "dma.engine_bytes_per_ns": section, '.', HwConfig member name
  Type type;         // follows the member's C++ type
  std::string unit;  // "bytes/ns"; empty for plain counts
  double min;        // inclusive bounds; booleans use 0 .. 1, choices 0 .. choices - 1
  double max;
  std::string description;  // one line
  std::function<void(HwConfig&, double)> set;
  std::function<double(const HwConfig&)> get;
  std::vector<std::string> choices;  // `choice` only: the accepted names, in enum order

  std::string section() const;  // "dma"
  std::string name() const;     // "engine_bytes_per_ns"
  std::string allowed() const;  // "0.1 .. 1000 bytes/ns", "true, false", "simple, interleaved"
  std::string format(const HwConfig& cfg) const;  // the value as YAML would spell it

  // Parses `text` (a YAML scalar or the right side of `--set k=v`) and checks the type and the
  // range. On success returns "" and stores the value; otherwise returns the problem, e.g.
  // "-3 is out of range" or "2.5 is not an integer", without the key or the allowed range.
  std::string parse(const std::string& text, double* value) const;
};

// All parameters, grouped by section in the order sections appear in the YAML files.
const std::vector<HwParameter>& hw_parameters();

// The parameter with this dotted key, or nullptr.
const HwParameter* find_hw_parameter(const std::string& key);

// Section names in table order ("tensor", "vector", ..., "ports").
std::vector<std::string> hw_parameter_sections();

// Where each parameter got its value ("x.yaml:12", "--set ..."), in the order they were set.
class Origins {
 public:
  void record(const std::string& key, const std::string& where);
  // Of `keys`, the one set most recently and where; (keys[0], fallback) if none was recorded.
  std::pair<std::string, std::string> latest(const std::vector<std::string>& keys,
                                             const std::string& fallback) const;

 private:
  std::map<std::string, std::pair<int, std::string>> where_;
  int sequence_ = 0;
};

// Checks the cross-parameter rules. The error blames the key of the broken rule that was set
// last (usually the one the user changed): "<where>: <key>: ... (allowed: <rule>)".
void check_consistency(const HwConfig& cfg, const Origins& origins);

// Shortest text that reads back as `v`: "17", "0.25", "196608".
std::string format_number(double v);

}  // namespace trnsim

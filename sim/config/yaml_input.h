// Reading YAML that a user wrote (hardware configs): the one way from bytes to a YAML::Node,
// as common/json_input.h is for JSON. Every failure is one InputError line with the origin and
// line: malformed YAML (yaml-cpp's own exceptions, its text bounded), nesting deeper than
// kMaxYamlNesting, or more than kMaxYamlNodes nodes reached through aliases (an alias shares
// its anchor's node, so a few lines can hold a tree of billions of nodes, or a node can hold
// itself). The tree is walked without recursion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

namespace trnsim {

// Maps and lists nest at most this deep; a hardware config nests 2 levels.
constexpr size_t kMaxYamlNesting = 64;
// Nodes in the tree, each alias counted again; trn1.yaml has about 200.
constexpr size_t kMaxYamlNodes = 100000;

// `origin` names the source in errors (usually the path as an excerpt). Throws InputError.
YAML::Node parse_yaml_input(const std::string& text, const std::string& origin);

// A scalar whose whole text is an integer, resp. a finite number; none otherwise (the caller
// says what it expected, at the node's line).
std::optional<int64_t> yaml_integer(const YAML::Node& node);
std::optional<double> yaml_number(const YAML::Node& node);

}  // namespace trnsim

#include "sim/config/yaml_input.h"

#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

#include <yaml-cpp/depthguard.h>

#include "common/error.h"
#include "common/excerpt.h"

namespace trnsim {
namespace {

std::string at_line(const std::string& origin, const YAML::Mark& mark) {
  return origin + ":" + std::to_string(mark.line + 1);
}

std::string too_deep() {
  return "nested more than " + std::to_string(kMaxYamlNesting) + " maps and lists deep (at most " +
         std::to_string(kMaxYamlNesting) + " allowed)";
}

// Depth and node count, with an explicit stack (YAML::Node copies are handles, not trees).
void check_tree(const YAML::Node& root, const std::string& origin) {
  std::vector<std::pair<YAML::Node, size_t>> pending = {{root, 1}};
  size_t nodes = 0;
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (++nodes > kMaxYamlNodes)
      throw InputError(origin + ": more than " + std::to_string(kMaxYamlNodes) +
                       " YAML nodes (aliases repeating a part of the file count each time)");
    if (depth > kMaxYamlNesting) throw InputError(at_line(origin, node.Mark()) + ": " + too_deep());
    if (node.IsSequence()) {
      for (const YAML::Node& child : node) pending.emplace_back(child, depth + 1);
    } else if (node.IsMap()) {
      for (const auto& entry : node) {
        pending.emplace_back(entry.first, depth + 1);
        pending.emplace_back(entry.second, depth + 1);
      }
    }
  }
}

}  // namespace

YAML::Node parse_yaml_input(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard, at 500 levels; its message is only "bad file".
    throw InputError(at_line(origin, e.mark) + ": malformed YAML: " + too_deep());
  } catch (const YAML::Exception& e) {
    throw InputError(at_line(origin, e.mark) +
                     ": malformed YAML: " + excerpt(e.msg, kLongExcerptChars));
  }
  check_tree(root, origin);
  return root;
}

namespace {

// A scalar whose whole text reads as a T, or nothing.
template <class T>
std::optional<T> whole_scalar(const YAML::Node& node) {
  if (!node.IsScalar()) return std::nullopt;
  const std::string& text = node.Scalar();
  T v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<int64_t> yaml_integer(const YAML::Node& node) { return whole_scalar<int64_t>(node); }

std::optional<double> yaml_number(const YAML::Node& node) {
  const std::optional<double> v = whole_scalar<double>(node);
  if (v && !std::isfinite(*v)) return std::nullopt;
  return v;
}

}  // namespace trnsim

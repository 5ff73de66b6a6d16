#include "sim/config/hw_config_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "common/did_you_mean.h"
#include "common/excerpt.h"
#include "common/input_file.h"
#include "common/types.h"
#include "sim/config/hw_parameters.h"
#include "sim/config/yaml_input.h"

#ifndef TRNSIM_HWCONFIG_DIR
#define TRNSIM_HWCONFIG_DIR "hwconfig"
#endif

namespace trnsim {
namespace {

namespace fs = std::filesystem;

// A hardware config is a few hundred lines (trn1.yaml is 9 KB).
constexpr uint64_t kMaxHwConfigBytes = uint64_t{1} << 20;
// Each base is decoded before the file that names it, one call deeper.
constexpr size_t kMaxBaseChain = 16;

bool is_path(const std::string& name_or_path) {
  const std::string ext = ".yaml";
  return name_or_path.find('/') != std::string::npos ||
         (name_or_path.size() >= ext.size() &&
          name_or_path.compare(name_or_path.size() - ext.size(), ext.size(), ext) == 0);
}

std::string available_configs() {
  std::vector<std::string> names = list_hw_configs();
  return "available in " + hwconfig_dir() + ": " + (names.empty() ? "none" : join_names(names));
}

std::string location(const std::string& file, const YAML::Node& node) {
  return path_excerpt(file) + ":" + std::to_string(node.Mark().line + 1);
}

// `key` may be the user's (an unknown key): it is shown as an excerpt.
[[noreturn]] void fail(const std::string& where, const std::string& key,
                       const std::string& problem) {
  throw InputError(where + ": " + excerpt(key) + ": " + problem);
}

// The canonical form of a path that could be opened, for the base chain; the path itself if
// the file system cannot say (it was opened, so it exists).
fs::path canonical_or_same(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  return ec ? fs::path(path) : canonical;
}

std::vector<std::string> keys_in_section(const std::string& section) {
  std::vector<std::string> names;
  for (const HwParameter& p : hw_parameters()) {
    if (p.section() == section) names.push_back(p.name());
  }
  return names;
}

std::vector<std::string> top_level_keys() {
  std::vector<std::string> keys = {"name", "base"};
  for (const std::string& s : hw_parameter_sections()) keys.push_back(s);
  return keys;
}

std::string kind(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "'" + excerpt(node.Scalar()) + "'";
  return "nothing";
}

// One `key: value` of a YAML map, with the file:line of its key.
struct Entry {
  std::string key;
  std::string where;
  YAML::Node value;
};

// Reads one file (and, first, its base chain) on top of `cfg`. `chain` holds the files being
// loaded, outermost first, so that a base cycle is reported instead of recursing forever.
class FileDecoder {
 public:
  FileDecoder(HwConfig& cfg, Origins& origins) : cfg_(cfg), origins_(origins) {}

  // Steps: 1 parse, 2 load the base, 3 decode this file's keys, 4 require completeness.
  void decode(const std::string& path, std::vector<fs::path> chain) {
    const YAML::Node root = parse(path);
    chain.push_back(canonical_or_same(path));
    std::vector<Entry> entries = entries_of(path, "", root);

    auto base = std::find_if(entries.begin(), entries.end(),
                             [](const Entry& e) { return e.key == "base"; });
    if (base != entries.end()) load_base(path, *base, chain);

    std::set<std::string> set_here;
    std::map<std::string, std::string> section_lines;
    cfg_.name = fs::path(path).stem().string();
    for (const Entry& e : entries) {
      if (e.key == "base") continue;
      if (e.key == "name") {
        // The name heads every report: one short line of printable text.
        const std::string name = e.value.IsScalar() ? e.value.Scalar() : "";
        if (name.empty() || excerpt(name) != name)
          fail(e.where, "name",
               "expected a name of at most " + std::to_string(kExcerptChars) +
                   " printable characters, got " + kind(e.value));
        cfg_.name = name;
      } else if (keys_in_section(e.key).empty()) {
        fail(e.where, e.key,
             "unknown top-level key" + did_you_mean(e.key, top_level_keys()) +
                 " (known top-level keys: " + join_names(top_level_keys()) + ")");
      } else {
        section_lines[e.key] = e.where;
        decode_section(path, e, &set_here);
      }
    }
    if (base == entries.end()) require_every_parameter(path, set_here, section_lines);
  }

 private:
  static YAML::Node parse(const std::string& path) {
    const std::string origin = path_excerpt(path);
    const YAML::Node root = parse_yaml_input(
        read_input_file(path, "a hardware config YAML file", kMaxHwConfigBytes), origin);
    if (root.IsNull()) throw InputError(origin + ": empty file (expected 'name:' and sections)");
    if (!root.IsMap()) {
      throw InputError(location(path, root) + ": expected a map with 'name:' and sections, got " +
                       kind(root));
    }
    return root;
  }

  // The entries of a map in file order; rejects non-scalar and duplicate keys.
  static std::vector<Entry> entries_of(const std::string& path, const std::string& section,
                                       const YAML::Node& map) {
    std::vector<Entry> entries;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string where = location(path, it->first);
      if (!it->first.IsScalar()) throw InputError(where + ": expected a plain key");
      std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        fail(where, section.empty() ? key : section + "." + key, "duplicate key");
      }
      entries.push_back({key, where, it->second});
    }
    return entries;
  }

  void load_base(const std::string& path, const Entry& base, const std::vector<fs::path>& chain) {
    if (!base.value.IsScalar())
      fail(base.where, "base", "expected a name, got " + kind(base.value));
    std::string name = base.value.Scalar();
    std::string base_path = is_path(name) ? (fs::path(path).parent_path() / name).string()
                                          : hwconfig_dir() + "/" + name + ".yaml";
    std::error_code ec;
    if (!is_path(name) && !fs::exists(base_path, ec)) {
      fail(base.where, "base",
           "cannot open hardware config '" + excerpt(name) + "' (" + available_configs() + ")");
    }
    fs::path canonical = canonical_or_same(base_path);
    if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
      std::string cycle;
      for (const fs::path& p : chain) cycle += excerpt(p.filename().string()) + " -> ";
      fail(base.where, "base",
           "cycle " + cycle + excerpt(canonical.filename().string()) +
               " (a config cannot be its own base)");
    }
    if (chain.size() >= kMaxBaseChain) {
      fail(base.where, "base",
           "more than " + std::to_string(kMaxBaseChain) + " configs in a chain of bases");
    }
    FileDecoder(cfg_, origins_).decode(base_path, chain);
  }

  void decode_section(const std::string& path, const Entry& section,
                      std::set<std::string>* set_here) {
    if (section.value.IsNull()) return;
    if (!section.value.IsMap()) {
      fail(section.where, section.key, "expected a map of parameters, got " + kind(section.value));
    }
    for (const Entry& e : entries_of(path, section.key, section.value)) {
      std::string dotted = section.key + "." + e.key;
      const HwParameter* param = find_hw_parameter(dotted);
      if (!param) {
        std::vector<std::string> known = keys_in_section(section.key);
        fail(e.where, dotted,
             "unknown key" + did_you_mean(e.key, known) + " (known keys in " + section.key + ": " +
                 join_names(known) + ")");
      }
      std::string allowed = " (allowed: " + param->allowed() + ")";
      if (!e.value.IsScalar())
        fail(e.where, dotted, "expected a value, got " + kind(e.value) + allowed);
      // A quoted scalar is a string in YAML, even if it looks like a number.
      if (e.value.Tag() == "!" && param->type != HwParameter::Type::choice) {
        fail(e.where, dotted, "\"" + excerpt(e.value.Scalar()) + "\" is a quoted string" + allowed);
      }
      double v = 0;
      std::string problem = param->parse(e.value.Scalar(), &v);
      if (!problem.empty()) fail(e.where, dotted, problem + allowed);
      param->set(cfg_, v);
      origins_.record(dotted, e.where);
      set_here->insert(dotted);
    }
  }

  // The first missing parameter is reported at its section's line (or the file, if the whole
  // section is missing).
  static void require_every_parameter(const std::string& path,
                                      const std::set<std::string>& set_here,
                                      const std::map<std::string, std::string>& section_lines) {
    std::vector<const HwParameter*> missing;
    for (const HwParameter& p : hw_parameters()) {
      if (!set_here.count(p.key)) missing.push_back(&p);
    }
    if (missing.empty()) return;
    const HwParameter& first = *missing.front();
    auto section = section_lines.find(first.section());
    std::string where = section != section_lines.end() ? section->second : path;
    std::string others =
        missing.size() > 1 ? " (and " + std::to_string(missing.size() - 1) + " more)" : "";
    fail(where, first.key,
         "missing key" + others + "; a file without 'base:' must set every " +
             "parameter, or start with 'base: trn1' (allowed: " + first.allowed() + ")");
  }

  HwConfig& cfg_;
  Origins& origins_;
};

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  size_t end = s.find_last_not_of(" \t");
  return begin == std::string::npos ? "" : s.substr(begin, end - begin + 1);
}

// Applies one override and records it in `origins`.
void apply_one(HwConfig& cfg, const std::string& assignment, Origins& origins) {
  const std::string where = "--set " + excerpt(assignment);
  size_t eq = assignment.find('=');
  if (eq == std::string::npos) {
    throw InputError(where + ": expected section.key=value, e.g. dma.setup_latency_ns=900");
  }
  std::string key = trim(assignment.substr(0, eq));
  std::string text = trim(assignment.substr(eq + 1));
  const HwParameter* param = find_hw_parameter(key);
  if (!param) {
    std::vector<std::string> known;
    for (const HwParameter& p : hw_parameters()) known.push_back(p.key);
    fail(where, key,
         "unknown key" + did_you_mean(key, known) + " (run `trnsim list` for the parameters)");
  }
  double v = 0;
  std::string problem = param->parse(text, &v);
  if (!problem.empty()) fail(where, key, problem + " (allowed: " + param->allowed() + ")");
  param->set(cfg, v);
  origins.record(key, where);
  cfg.overrides.push_back(key + "=" + text);
}

}  // namespace

HwConfig load_hw_config(const std::string& name_or_path) {
  std::string path =
      is_path(name_or_path) ? name_or_path : hwconfig_dir() + "/" + name_or_path + ".yaml";
  // A name without a file lists the names there are; a path that cannot be read is refused
  // by the reading itself (a FIFO, a directory, a symlink loop, ...).
  std::error_code ec;
  if (!is_path(name_or_path) && !fs::exists(path, ec)) {
    std::string looked = path == name_or_path ? "" : "looked for " + path_excerpt(path) + "; ";
    throw InputError("cannot open hardware config '" + path_excerpt(name_or_path) + "' (" + looked +
                     available_configs() + ")");
  }
  HwConfig cfg;
  Origins origins;
  FileDecoder(cfg, origins).decode(path, {});
  cfg.source_file = path;
  check_consistency(cfg, origins);
  return cfg;
}

void apply_override(HwConfig& cfg, const std::string& assignment) {
  Origins unused;
  apply_one(cfg, assignment, unused);
}

void apply_overrides(HwConfig& cfg, const std::vector<std::string>& assignments) {
  Origins origins;
  HwConfig updated = cfg;
  for (const std::string& a : assignments) apply_one(updated, a, origins);
  check_consistency(updated, origins);
  cfg = updated;
}

HwConfig hw_config_from_values(const std::map<std::string, std::string>& values,
                               const std::string& origin) {
  std::vector<std::string> known;
  for (const HwParameter& p : hw_parameters()) known.push_back(p.key);
  for (const auto& [key, text] : values) {
    if (!find_hw_parameter(key))
      fail(origin, key,
           "unknown parameter" + did_you_mean(key, known) + " (see `trnsim list --parameters`)");
  }
  HwConfig cfg;
  Origins origins;
  for (const HwParameter& p : hw_parameters()) {
    auto it = values.find(p.key);
    if (it == values.end()) fail(origin, p.key, "missing (allowed: " + p.allowed() + ")");
    double v = 0;
    std::string problem = p.parse(it->second, &v);
    if (!problem.empty()) fail(origin, p.key, problem + " (allowed: " + p.allowed() + ")");
    p.set(cfg, v);
    origins.record(p.key, origin);
  }
  check_consistency(cfg, origins);
  return cfg;
}

void check_hw_config(const HwConfig& cfg) { check_consistency(cfg, Origins()); }

std::string hwconfig_dir() {
  const char* env = std::getenv("TRNSIM_HWCONFIG_DIR");
  return env && *env ? env : TRNSIM_HWCONFIG_DIR;
}

std::vector<std::string> list_hw_configs() {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(hwconfig_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".yaml") names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string describe_parameters() {
  size_t key_width = 0, unit_width = 0, range_width = 0;
  auto range = [](const HwParameter& p) {
    if (p.type == HwParameter::Type::choice) return "[" + p.allowed() + "]";
    return p.type == HwParameter::Type::boolean
               ? std::string("[false, true]")
               : "[" + format_number(p.min) + ", " + format_number(p.max) + "]";
  };
  for (const HwParameter& p : hw_parameters()) {
    key_width = std::max(key_width, p.key.size());
    unit_width = std::max(unit_width, p.unit.size());
    range_width = std::max(range_width, range(p).size());
  }
  std::ostringstream out;
  for (const HwParameter& p : hw_parameters()) {
    out << p.key << std::string(key_width - p.key.size() + 2, ' ') << p.unit
        << std::string(unit_width - p.unit.size() + 2, ' ') << range(p)
        << std::string(range_width - range(p).size() + 2, ' ') << p.description << "\n";
  }
  return out.str();
}

}  // namespace trnsim

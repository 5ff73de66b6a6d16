// The two renderings of a Summary. Both walk the same Stat list; neither computes anything.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "sim/trace/summary.h"

namespace trnsim::trace {
namespace {

nlohmann::json to_json(const Stat::Value& v) {
  struct Visitor {
    nlohmann::json operator()(std::monostate) const { return nullptr; }
    nlohmann::json operator()(int64_t i) const { return i; }
    nlohmann::json operator()(double d) const {
      return std::isfinite(d) ? nlohmann::json(d) : nlohmann::json(nullptr);
    }
    nlohmann::json operator()(const std::string& s) const { return s; }
  };
  return std::visit(Visitor{}, v);
}

// Enough digits to read, not so many that the columns drown: 3 decimals from 1 up, one from
// 1000 up, 4 significant digits below 1.
std::string format_double(double d) {
  if (!std::isfinite(d)) return "-";
  char buf[64];
  double a = std::fabs(d);
  if (a == 0) return "0";
  if (a < 1) {
    std::snprintf(buf, sizeof buf, "%.4g", d);
    return buf;
  }
  std::snprintf(buf, sizeof buf, a >= 1000 ? "%.1f" : "%.3f", d);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string format_value(const Stat::Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return "-";
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return format_double(*d);
  return std::get<std::string>(v);
}

std::string value_with_unit(const Stat& s) {
  std::string text = format_value(s.value);
  if (!s.unit.empty() && !std::holds_alternative<std::monostate>(s.value)) text += " " + s.unit;
  return text;
}

std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

void write_engine_table(std::ostream& out, const std::vector<EngineStats>& rows) {
  if (rows.empty()) return;
  const std::vector<Stat>& columns = rows.front().stats;
  std::vector<std::string> header = {"engine"};
  for (const Stat& c : columns)
    header.push_back(c.unit.empty() ? c.name : c.name + " (" + c.unit + ")");

  std::vector<std::vector<std::string>> cells = {header};
  for (const EngineStats& row : rows) {
    std::vector<std::string> line = {row.engine};
    for (const Stat& st : row.stats) line.push_back(format_value(st.value));
    cells.push_back(line);
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& line : cells)
    for (size_t c = 0; c < line.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], line[c].size());

  out << "\nengines\n";
  for (const auto& line : cells) {
    out << "  " << pad_right(line[0], width[0]);
    for (size_t c = 1; c < line.size() && c < width.size(); ++c)
      out << "  " << pad_left(line[c], width[c]);
    out << "\n";
  }
  for (const Stat& c : columns) out << "  # " << c.name << ": " << c.description << "\n";
}

}  // namespace

nlohmann::json summary_to_json(const Summary& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const Stat& st : s.stats) j[st.name] = to_json(st.value);
  nlohmann::json engines = nlohmann::json::object();
  for (const EngineStats& row : s.engines) {
    nlohmann::json e = nlohmann::json::object();
    for (const Stat& st : row.stats) e[st.name] = to_json(st.value);
    engines[row.engine] = e;
  }
  j["engines"] = engines;
  if (!s.data_movement.empty()) {
    nlohmann::json dm = nlohmann::json::object();
    for (const auto& [path, tensors] : s.data_movement.bytes) {
      int64_t total = 0;
      for (const auto& [tensor, bytes] : tensors) {
        dm[path][tensor] = bytes;
        total += bytes;
      }
      dm[path]["total"] = total;
      if (auto m = s.data_movement.minimum.find(path); m != s.data_movement.minimum.end())
        dm[path]["minimum"] = m->second;
    }
    j["data_movement"] = dm;
  }
  if (!s.replay.is_null()) j["replay"] = s.replay;
  return j;
}

namespace {

std::string format_mb(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / 1e6);
  return buf;
}

// Bytes per path (rows) and tensor (columns), in MB, with the analytic minimum HBM traffic.
void write_data_movement(std::ostringstream& out, const isa::DataMovement& dm) {
  if (dm.empty()) return;
  std::vector<std::string> tensors;
  for (const auto& [path, row] : dm.bytes)
    for (const auto& [tensor, bytes] : row)
      if (std::find(tensors.begin(), tensors.end(), tensor) == tensors.end())
        tensors.push_back(tensor);
  out << "\ndata movement (MB)\n  " << pad_right("path", 11);
  for (const std::string& t : tensors) out << "  " << pad_left(t, 12);
  out << "  " << pad_left("total", 12) << "  " << pad_left("minimum", 12) << "\n";
  for (const auto& [path, row] : dm.bytes) {
    out << "  " << pad_right(path, 11);
    int64_t total = 0;
    for (const std::string& t : tensors) {
      const auto it = row.find(t);
      total += it == row.end() ? 0 : it->second;
      out << "  " << pad_left(it == row.end() ? "-" : format_mb(it->second), 12);
    }
    const auto m = dm.minimum.find(path);
    out << "  " << pad_left(format_mb(total), 12) << "  "
        << pad_left(m == dm.minimum.end() ? "-" : format_mb(m->second), 12) << "\n";
  }
  out << "  # minimum: every input read once from HBM, every output written once\n";
}

}  // namespace

std::string summary_to_text(const Summary& s) {
  size_t name_width = 0, value_width = 0;
  for (const Stat& st : s.stats) {
    name_width = std::max(name_width, st.name.size());
    value_width = std::max(value_width, value_with_unit(st).size());
  }
  std::ostringstream out;
  for (const Stat& st : s.stats) {
    out << pad_right(st.name, name_width) << "  " << pad_right(value_with_unit(st), value_width)
        << "  # " << st.description << "\n";
  }
  write_engine_table(out, s.engines);
  write_data_movement(out, s.data_movement);
  return out.str();
}

}  // namespace trnsim::trace

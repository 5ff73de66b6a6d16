#include "sim/cli/text_table.h"

#include <algorithm>
#include <cstdio>

namespace trnsim::cli {

void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  if (rows.empty()) return;
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      line += c == 0 ? row[c] + pad : "  " + pad + row[c];
    }
    out << line << "\n";
  }
}

std::string formatted(const char* spec, double value) {
  char text[96];
  std::snprintf(text, sizeof text, spec, value);
  return text;
}

}  // namespace trnsim::cli

#include "common/did_you_mean.h"

#include <algorithm>

#include "common/excerpt.h"

namespace trnsim {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::string* closest_name(const std::string& word,
                                const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const std::string& c : candidates) {
    const size_t limit = std::max<size_t>(2, c.size() / 5);
    // The distance is at least the difference in length: skip a hopeless (or huge) word.
    const size_t gap = std::max(word.size(), c.size()) - std::min(word.size(), c.size());
    if (gap > limit) continue;
    const size_t distance = edit_distance(word, c);
    if (distance <= limit && (!best || distance < best_distance)) {
      best = &c;
      best_distance = distance;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string* best = closest_name(word, candidates);
  return best ? "; did you mean '" + *best + "'?" : "";
}

std::string unknown_name(const std::string& what, const std::string& word,
                         const std::vector<std::string>& names) {
  return "unknown " + what + " '" + excerpt(word) + "'" + did_you_mean(word, names) +
         " (allowed: " + join_names(names) + ")";
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& s : names) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace trnsim

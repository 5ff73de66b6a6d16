// The aligned text tables the commands print (compress's per-tensor report, llm's breakdown).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace trnsim::cli {

// Columns padded to their widest cell; the first column left-aligned, the others right-aligned.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out);

// printf-style formatting of one number: formatted("%.2f ms", 1.5) is "1.50 ms".
std::string formatted(const char* spec, double value);

}  // namespace trnsim::cli

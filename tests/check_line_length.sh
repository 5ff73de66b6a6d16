#!/usr/bin/env bash
# Fails, listing each offending line, if a C++ source line (*.h, *.cpp) under common/, sim/,
# kernels/ or tests/ of SOURCE_DIR is wider than .clang-format's 100 columns (one column per
# UTF-8 character).
set -euo pipefail
cd "${1:?usage: check_line_length.sh SOURCE_DIR}"
limit=100
long=$(find common sim kernels tests -type f \( -name '*.h' -o -name '*.cpp' \) -print0 |
       sort -z | xargs -0 env LC_ALL=C.UTF-8 grep -nP "^.{$((limit + 1)),}" || true)
if [[ -n $long ]]; then
  echo "lines over $limit columns (see .clang-format):"
  echo "$long"
  exit 1
fi
echo "every C++ line is within $limit columns"

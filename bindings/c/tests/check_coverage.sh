#!/usr/bin/env bash
# Every function declared in crmnf.h is used by another file:
#   check_coverage.sh HEADER TEST_SOURCE               each function is called by the C API test
#   check_coverage.sh --referenced HEADER WRAPPER      each function has its place in the C++
#                                                      wrapper (called, or handed over as a `_free`)
set -euo pipefail
mode=called
if [ "${1:-}" = "--referenced" ]; then
  mode=referenced
  shift
fi
header=$1 other=$2
missing=0 total=0
for f in $(grep -oE '\bcrmnf_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u); do
  total=$((total + 1))
  if [ "$mode" = called ]; then pattern="\\b$f\\("; else pattern="\\b$f\\b"; fi
  if ! grep -qE "$pattern" "$other"; then
    echo "not $mode by $(basename "$other"): $f"
    missing=$((missing + 1))
  fi
done
echo "header coverage: $((total - missing)) of $total functions $mode by $(basename "$other")"
[ "$missing" -eq 0 ]

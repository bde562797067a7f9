#!/usr/bin/env bash
# Every function declared in crmnf.h is called by the C API test.
# usage: check_coverage.sh HEADER TEST_SOURCE
set -euo pipefail
header=$1 test=$2
missing=0 total=0
for f in $(grep -oE '\bcrmnf_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u); do
  total=$((total + 1))
  if ! grep -qE "\\b$f\\(" "$test"; then
    echo "not called by $(basename "$test"): $f"
    missing=$((missing + 1))
  fi
done
echo "header coverage: $((total - missing)) of $total functions called by $(basename "$test")"
[ "$missing" -eq 0 ]

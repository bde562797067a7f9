#!/usr/bin/env bash
# Decoding the 50-charge charges/list response through the C API against the Rust core, in one
# run. The Rust program alternates rounds of the core and of the C API (called as C calls it) in one
# process; the C program (gcc -O2, linked to libcrmnf.a) times the C API from C, alternating with
# the Rust program. Each figure is the best round. Target: C within 1.1x of Rust.
#
# usage: compare.sh C_BENCH RUST_BENCH FILE
set -euo pipefail
c_bench=$1 rust_bench=$2 file=$3
rust= c_in= c_prog=
min() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
for _ in 1 2 3; do
  out=$("$rust_bench" "$file")
  rust=$(min "$rust" "$(awk '/^rust_core_ns_per_decode/ {print $2}' <<<"$out")")
  c_in=$(min "$c_in" "$(awk '/^c_api_in_process_ns_per_decode/ {print $2}' <<<"$out")")
  c_prog=$(min "$c_prog" "$("$c_bench" "$file" | awk '/^c_api_ns_per_decode/ {print $2}')")
done
awk -v r="$rust" -v ci="$c_in" -v cp="$c_prog" -v f="$file" 'BEGIN {
  printf "decode %s (50 charges), best round\n", f
  printf "  Rust core   decode::<ListCharges>                         %8.2f us\n", r / 1000
  printf "  C API       crmnf_charges_decode + free, same process     %8.2f us\n", ci / 1000
  printf "  C API       from a C program (gcc -O2, libcrmnf.a)        %8.2f us\n", cp / 1000
  printf "  ratio C API / Rust core, same process:   %.3fx (target <= 1.1x: %s)\n", ci / r, ci / r <= 1.1 ? "met" : "MISSED"
  printf "  ratio C program / Rust core:              %.3fx (target <= 1.1x: %s)\n", cp / r, cp / r <= 1.1 ? "met" : "MISSED"
}'

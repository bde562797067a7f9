# The README's commands. `make demo` runs the main job on an embedded default; `make test` builds
# everything and runs every test. Each part of the project keeps its targets in mk/<part>.mk and
# adds to SETUP_TARGETS, TEST_TARGETS and BENCH_TARGETS; the part whose job is the main one sets
# DEMO_TARGET (mk/ files are read in name order; a later `:=` overrides an earlier `?=`).

SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
PYTHON ?= python3

.PHONY: help setup demo test bench lint fmt
help:
	@echo "make demo   - the nightly billing job (crmnf sync) against crmnf mock, over loopback"
	@echo "make demo-python - the Python nightly billing job against its in-process fake CRM.COM"
	@echo "make test   - build everything and run every test"
	@echo "make bench  - run the benchmarks (ratios against the alternatives)"
	@echo "make lint   - rustfmt and clippy"
	@echo "make install PREFIX=/usr/local - install libcrmnf, its headers and crmnf.pc"

include $(sort $(wildcard mk/*.mk))

setup: $(SETUP_TARGETS)

demo: $(DEMO_TARGET)

test: $(TEST_TARGETS)
	@echo "make test: all suites passed"

bench: $(BENCH_TARGETS)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

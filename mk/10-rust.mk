# Rust: the core crate, the simulator, the vectors and the spec drift test.

SETUP_TARGETS += setup-rust
TEST_TARGETS += test-rust
DEMO_TARGET ?= demo-rust
BENCH_TARGETS += bench-rust

.PHONY: setup-rust test-rust bench-rust demo-rust

# Every part builds on the Rust core, so the toolchain is the one thing set-up cannot install.
RUST_VERSION := $(shell sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml */*/Cargo.toml | sort -V | tail -n 1)
setup-rust:
	@command -v $(CARGO) >/dev/null || { echo "setup-rust: cargo not found: install a Rust toolchain, $(RUST_VERSION) or later, from https://rustup.rs"; exit 1; }
	@echo "setup-rust: $$($(CARGO) --version) (the first build compiles the core and its dependencies: minutes; later ones: seconds)"
test-rust: setup-rust
	$(CARGO) fmt --all -- --check
	$(CARGO) test --locked -p crmcom-netflix

bench-rust:
	$(CARGO) bench --locked -p crmcom-netflix --bench decode

demo-rust:
	$(CARGO) run --locked -q -p crmcom-netflix --example demo

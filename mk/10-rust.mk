# Rust: the core crate, the simulator, the vectors and the spec drift test.

TEST_TARGETS += test-rust
DEMO_TARGET ?= demo-rust
BENCH_TARGETS += bench-rust

.PHONY: test-rust bench-rust demo-rust
test-rust:
	$(CARGO) fmt --all -- --check
	$(CARGO) test --locked -p crmcom-netflix

bench-rust:
	$(CARGO) bench --locked -p crmcom-netflix --bench decode

demo-rust:
	$(CARGO) run --locked -q -p crmcom-netflix --example demo

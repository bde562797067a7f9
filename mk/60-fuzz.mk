# Fuzzing and Miri, long runs kept out of `make test`.
#
# fuzz/ is a cargo-fuzz project on nightly, outside the workspace. `make fuzz` fuzzes every target
# for FUZZ_SECONDS (one process each, one after the other; new inputs go to target/fuzz/, the
# committed fuzz/corpus/ is read only) and prints the executions of each. A crash leaves its input
# in fuzz/artifacts/<target>/: once fixed, move it to fuzz/reproducers/<target>/. `make test`
# needs none of this: the C crate's `fuzz_replay` test (stable) runs every file of fuzz/corpus/
# and fuzz/reproducers/ through the same target functions.
#
# `make fuzz-seed` writes seeds from spec/vectors/; `make fuzz-corpus` merges the seeds and what
# fuzzing found into a minimized fuzz/corpus/ (to commit). `make miri` runs the C crate's Rust
# tests under Miri.

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := decode_json prepare_json project sync_state c_decode c_sync money
FUZZ_WORK := $(C_TARGET)/fuzz
FUZZ_RUN = cd fuzz && $(CARGO) +nightly fuzz run --sanitizer address

.PHONY: fuzz fuzz-setup fuzz-seed fuzz-corpus miri miri-setup

fuzz-setup:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked

# The seeds are made by the fuzz crate's own code (fuzz/src/seed.rs), through the replay test.
fuzz-seed:
	rm -rf $(FUZZ_WORK)/seed
	FUZZ_SEED_DIR=$(FUZZ_WORK)/seed $(CARGO) test --locked -q -p crmcom-netflix-c \
		--test fuzz_replay seeds

fuzz: fuzz-setup
	@mkdir -p $(FUZZ_WORK)
	@failed=""; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_WORK)/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		( $(FUZZ_RUN) $$t $(FUZZ_WORK)/corpus/$$t corpus/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 ) > $(FUZZ_WORK)/$$t.log 2>&1 \
			|| failed="$$failed $$t"; \
	done; \
	printf '%-14s %14s %10s\n' target executions corpus; \
	for t in $(FUZZ_TARGETS); do \
		printf '%-14s %14s %10s\n' $$t \
			"$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_WORK)/$$t.log | tail -n 1)" \
			"$$(ls $(FUZZ_WORK)/corpus/$$t | wc -l)"; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: failures in$$failed (logs in $(FUZZ_WORK), inputs in fuzz/artifacts/)"; exit 1; \
	fi

fuzz-corpus: fuzz-setup fuzz-seed
	@for t in $(FUZZ_TARGETS); do \
		rm -rf $(FUZZ_WORK)/merged/$$t; mkdir -p $(FUZZ_WORK)/merged/$$t $(FUZZ_WORK)/corpus/$$t; \
		( $(FUZZ_RUN) $$t -- -merge=1 $(FUZZ_WORK)/merged/$$t corpus/$$t \
			$(FUZZ_WORK)/seed/$$t $(FUZZ_WORK)/corpus/$$t ) > $(FUZZ_WORK)/$$t.merge.log 2>&1 \
			|| { tail -n 20 $(FUZZ_WORK)/$$t.merge.log; exit 1; }; \
		rm -rf fuzz/corpus/$$t && mkdir -p fuzz/corpus && cp -r $(FUZZ_WORK)/merged/$$t fuzz/corpus/$$t; \
		echo "fuzz/corpus/$$t: $$(ls fuzz/corpus/$$t | wc -l) files"; \
	done

miri-setup:
	@rustup +nightly component list --installed | grep -q '^miri' || \
		rustup component add miri rust-src --toolchain nightly

# The boundary's own tests (panics caught, statuses named, errors built). Miri cannot run the C
# tests (they are C programs linking the built library) nor the fuzz replay (it would take hours
# under the interpreter); valgrind and the sanitizers of `make test-c` cover those.
miri: miri-setup
	$(CARGO) +nightly miri test --locked -p crmcom-netflix-c --lib

# The mock server (crates/crmcom-netflix-mock) and the command line `crmnf`
# (crates/crmcom-netflix-cli): their Rust tests, over real HTTP on 127.0.0.1.

TEST_TARGETS += test-cli

CRMNF_BIN := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/debug/crmnf

.PHONY: test-cli crmnf-bin

crmnf-bin:
	$(CARGO) build --locked -q -p crmcom-netflix-cli --bin crmnf

test-cli: crmnf-bin
	$(CARGO) test --locked -p crmcom-netflix-mock -p crmcom-netflix-cli

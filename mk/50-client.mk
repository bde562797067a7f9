# The Rust client (crates/crmcom-netflix-client): its tests against the simulator in-process and
# over loopback HTTP, the kill test (its figures printed), the journal-only build the Python
# bindings use. The docs' Rust blocks (README, docs/rust.md) are run once, by test-docs.

TEST_TARGETS += test-client test-client-python

.PHONY: test-client test-client-python
test-client:
	$(CARGO) test --locked -p crmcom-netflix-client -- --skip a_job_killed_at_random_moments
	$(CARGO) test --locked -p crmcom-netflix-client --test kill a_job_killed_at_random_moments -- --nocapture
	$(CARGO) build --locked -p crmcom-netflix-client --no-default-features

# One journal, two languages: a run begun by the Python client is finished by the Rust one and
# the other way round (needs the wheel that test-python installs).
test-client-python: python-wheel
	CRMNF_PYTHON=$(CURDIR)/$(PY) $(CARGO) test --locked -p crmcom-netflix-client --test python_interop -- --nocapture

# The mock server (crates/crmcom-netflix-mock) and the command line `crmnf`
# (crates/crmcom-netflix-cli): their Rust tests over real HTTP on 127.0.0.1, and every other
# language's client against `crmnf mock`: the Python client (UrllibTransport) in test-python, the
# C nightly billing example over libcurl in test-c-mock.

TEST_TARGETS += test-cli test-c-mock

CRMNF_BIN := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/debug/crmnf
# docs/cli.md, docs/mock.md and the README run `crmnf` (mk/90-docs.mk builds it first).
DOCS_PACKAGES += crmcom-netflix-cli

.PHONY: test-cli test-c-mock crmnf-bin

crmnf-bin:
	$(CARGO) build --locked -q -p crmcom-netflix-cli --bin crmnf

test-cli: crmnf-bin
	$(CARGO) test --locked -p crmcom-netflix-mock -p crmcom-netflix-cli

# The Python tests start `crmnf mock` (bindings/python/tests/test_mock_server.py).
test-python: crmnf-bin
test-python: export CRMNF_BIN := $(CRMNF_BIN)

# The C example (plain and with the sanitizers) against the mock, two nights with faults.
test-c-mock: C_PROFILE := debug
test-c-mock: crmnf-bin c-build
	$(PYTHON) tests/mock/c_nightly_billing.py $(CRMNF_BIN) $(C_BUILD)/bin/nightly_billing \
		$(C_BUILD)/asan/nightly_billing

# schemathesis (pinned in tests/mock/requirements.txt, in a virtualenv of its own) drives the
# running mock from spec/openapi.yaml: a bounded number of cases per operation, no server error,
# every answer valid for the spec.
TEST_TARGETS += test-schemathesis
SETUP_TARGETS += setup-schemathesis
SCHEMATHESIS_VENV := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/schemathesis-venv

.PHONY: setup-schemathesis test-schemathesis

$(SCHEMATHESIS_VENV)/.installed: tests/mock/requirements.txt
	$(PYTHON) -m venv $(SCHEMATHESIS_VENV)
	$(SCHEMATHESIS_VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/mock/requirements.txt
	touch $@

setup-schemathesis: $(SCHEMATHESIS_VENV)/.installed

test-schemathesis: setup-schemathesis crmnf-bin
	CRMNF_BIN=$(CRMNF_BIN) $(SCHEMATHESIS_VENV)/bin/python -m pytest -q -p no:cacheprovider \
		tests/mock/test_schemathesis.py

# `make demo`: the nightly job with crmnf sync against crmnf mock over loopback, two nights.
DEMO_TARGET := demo-cli
.PHONY: demo-cli
demo-cli: crmnf-bin
	bash examples/cli/nightly_demo.sh $(CRMNF_BIN) target/demo

# `make bench`: a nightly run of 10,000 and 100,000 charges end to end on loopback through
# crmnf sync, the Python client and a naive loop with the same client (no journal), with the
# ratios; and the mock alone under 32 concurrent clients.
BENCH_TARGETS += bench-cli
.PHONY: bench-cli
bench-cli: python-wheel
	CRMNF_BENCH_PYTHON=$(CURDIR)/$(PY) $(CARGO) bench --locked -p crmcom-netflix-cli --bench nightly

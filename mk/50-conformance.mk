# Conformance of spec/openapi.yaml, checked by third-party tools (tests/conformance): the spec is
# valid OpenAPI 3.1 (openapi-spec-validator); every prepared request of spec/vectors is a valid
# request for it (openapi-core); every response vector is valid, or invalid at the vector's path,
# for the response schemas (jsonschema, 2020-12); parameter objects drawn from every request
# schema at every release (hypothesis-jsonschema) pass the SDK's `validate`, and single mutations
# the schema forbids fail it at their path. The tools live in their own virtualenv, pinned by
# tests/conformance/requirements.txt; the SDK is the wheel `make test-python` builds.
# CRMNF_CONFORMANCE_EXAMPLES sets how many parameter objects are drawn per method and release.

CONF_DIR := tests/conformance
CONF_VENV := $(CONF_DIR)/.venv
CONF_PY := $(CONF_VENV)/bin/python

SETUP_TARGETS += setup-conformance
TEST_TARGETS += test-conformance

.PHONY: setup-conformance test-conformance

$(CONF_VENV)/.tools: $(CONF_DIR)/requirements.txt
	rm -rf $(CONF_VENV)
	$(PYTHON) -m venv $(CONF_VENV)
	$(CONF_PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(CONF_PY) -m pip install --quiet --disable-pip-version-check -r $(CONF_DIR)/requirements.txt
	touch $@

setup-conformance: $(CONF_VENV)/.tools

test-conformance: setup-conformance python-wheel
	$(CONF_PY) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(PY_WHEELS)/*.whl
	cd $(CONF_DIR) && .venv/bin/python -m pytest -q -p no:cacheprovider

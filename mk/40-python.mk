# Python: the crmcom_netflix package (bindings/python). A virtualenv under bindings/python/.venv
# holds the tools (maturin, pytest, mypy, pyright, and msgspec and pydantic for the benchmark);
# the wheel is built by maturin (with Cargo.toml's `wheel` profile: release, LTO, one codegen
# unit; for the venv's Python: the module uses the full CPython API, so each Python version gets
# its own wheel) and installed there. `make test` then checks the
# generated request classes, the stubs against the built module (stubtest), mypy --strict and
# pyright strict on the examples and a typing test, and runs pytest (spec vectors, classes,
# errors, client against the fake, the kill-at-random-points test).

PY_DIR := bindings/python
PY_VENV := $(PY_DIR)/.venv
PY := $(PY_VENV)/bin/python
PY_WHEELS := target/python-wheels
PY_TOOLS := "maturin>=1.9,<2" "pytest>=7" "mypy>=1.10" "msgspec>=0.18" "pydantic>=2" \
	"pyright[nodejs]==1.1.414"

SETUP_TARGETS += setup-python
TEST_TARGETS += test-python
BENCH_TARGETS += bench-python
# `make demo` is the nightly billing job of examples/python against the fake CRM.COM.
DEMO_TARGET := demo-python

.PHONY: setup-python python-wheel test-python bench-python demo-python

# Rebuilt when this file changes, so that a new tool reaches existing checkouts.
$(PY_VENV)/.tools: mk/40-python.mk
	@echo 'setup-python: making the virtualenv $(PY_VENV) with $(PY_TOOLS) from PyPI (to build the wheel, type-check and test it, and benchmark it against msgspec and pydantic)'
	$(PYTHON) -m venv $(PY_VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check $(PY_TOOLS)
	touch $@

setup-python: $(PY_VENV)/.tools
	@echo "setup-python: $(PY_VENV) has the tools"

python-wheel: setup-python
	rm -rf $(PY_WHEELS)
	$(PY_VENV)/bin/maturin build --quiet --locked --manifest-path $(PY_DIR)/Cargo.toml \
		--interpreter $(PY) --out $(PY_WHEELS)
	$(PY) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(PY_WHEELS)/*.whl

test-python: python-wheel
	$(PY) $(PY_DIR)/scripts/gen_models.py --check
	$(PY) -m mypy.stubtest crmcom_netflix._native
	$(PY) -m mypy --strict --no-incremental examples/python/nightly_billing.py $(PY_DIR)/tests/typing/check_types.py
	$(PY_VENV)/bin/pyright --pythonpath $(PY) -p $(PY_DIR)/pyrightconfig.json \
		examples/python/nightly_billing.py $(PY_DIR)/tests/typing/check_types.py
	cd $(PY_DIR) && .venv/bin/python -m pytest -q

bench-python: python-wheel
	$(PY) $(PY_DIR)/bench/bench_decode.py

demo-python: python-wheel
	$(PY) examples/python/nightly_billing.py --out target/nightly-billing

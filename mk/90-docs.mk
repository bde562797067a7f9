# The documents: every fenced code block of every Markdown file (README.md, docs/, ...) is run,
# compiled, parsed, compared or skipped with a stated reason, by tests/docs (crmcom-netflix-docs).
# The conventions are in tests/README.md. `make test-docs DOCS=docs/c.md` runs one document;
# `make docs-list` shows what is done with each block.

TEST_TARGETS += test-docs

.PHONY: test-docs docs-runner docs-list

DOCS_RUNNER = $(C_TARGET)/debug/crmcom-netflix-docs

# Packages whose programs the documents run (`crmnf ...` in a shell block): a part adds its
# package with `DOCS_PACKAGES += name` in its own mk file, and its binaries are built (debug, on
# the blocks' PATH) before the documents run. Each is built on its own, as its tests build it.
DOCS_PACKAGES ?=

docs-runner:
	$(CARGO) build --locked -q -p crmcom-netflix-docs
	$(foreach p,$(DOCS_PACKAGES),$(CARGO) build --locked -q -p $(p) --bins &&) true

# The Python blocks use the project's virtualenv with the wheel installed, the C and C++ blocks
# the debug build of libcrmnf the C tests use; blocks that install build what they install.
test-docs: C_PROFILE := debug
test-docs: setup-c python-wheel c-lib docs-runner
	$(CARGO) test --locked -q -p crmcom-netflix-docs
	DOCS_PYTHON=$(CURDIR)/$(PY) DOCS_C_LIB=$(C_BUILD)/lib $(DOCS_RUNNER) $(DOCS)

docs-list: docs-runner
	@$(DOCS_RUNNER) --list

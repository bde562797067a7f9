# C and C++: libcrmnf (bindings/c). The header drift check, the C tests (every function, the spec
# vectors) and the C++17 test, each run plainly, under valgrind memcheck and built with
# -fsanitize=address,undefined; the nightly billing example; `make install` into a scratch prefix,
# then programs built against it with pkg-config (shared and static) and with CMake's
# find_package (shared and static); the decode benchmark against the Rust core.

TEST_TARGETS += test-c
BENCH_TARGETS += bench-c
SETUP_TARGETS += setup-c

.PHONY: setup-c test-c bench-c install install-c install-c-files c-install-lib c-lib \
	c-header-check c-rust-test c-build c-run c-valgrind c-sanitizers c-install-check

C_DIR := bindings/c
C_TARGET := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
# `make install` and `make bench` use the release build. The tests use the debug build, with
# Rust's overflow checks and debug assertions on, which is also the one the Rust tests and the
# header generator build anyway (a second, optimized build would double the test time).
C_PROFILE ?= release
C_CARGO_PROFILE = $(if $(filter release,$(C_PROFILE)),--release,)
C_LIBDIR = $(C_TARGET)/$(C_PROFILE)
C_BUILD = $(C_TARGET)/c/$(C_PROFILE)
C_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
C_MAJOR := $(word 1,$(subst ., ,$(C_VERSION)))
C_MINOR := $(word 2,$(subst ., ,$(C_VERSION)))
# What a program linking libcrmnf.a also needs (rustc --print native-static-libs).
C_NATIVE_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
C_EMPTY :=
C_NATIVE_LIBS_CMAKE := $(subst $(C_EMPTY) $(C_EMPTY),;,$(C_NATIVE_LIBS))

C_WARN := -Wall -Wextra -Werror -Wpedantic
C_CFLAGS := -std=c11 -g -O1 $(C_WARN) -I$(C_DIR)/include -I$(C_DIR)/tests/c
C_CXXFLAGS := -std=c++17 -g -O1 $(C_WARN) -I$(C_DIR)/include
C_SHARED = -L$(C_BUILD)/lib -lcrmnf -Wl,-rpath,$(C_BUILD)/lib -pthread
C_STATIC = $(C_LIBDIR)/libcrmnf.a $(C_NATIVE_LIBS) -pthread
C_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
C_VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
	--suppressions=$(C_DIR)/tests/valgrind.supp \
	--errors-for-leak-kinds=definite,indirect,possible \
	--show-leak-kinds=definite,indirect,possible
C_VECTORS := spec/vectors
C_TESTS_C := $(C_DIR)/tests/c/test_api.c $(C_DIR)/tests/c/test_vectors.c
C_JSON := $(C_DIR)/tests/c/json.c
# The nightly billing example does its HTTP with libcurl.
C_CURL = $(shell pkg-config --cflags --libs libcurl)

# A fresh machine of this kind has gcc and g++; the tools the C tests need besides are installed
# with apt-get when missing, saying which and why (and libcurl's headers, for the nightly billing
# example's HTTP transport).
C_TOOLS := valgrind:valgrind:"memcheck runs of the C and C++ tests" \
	pkg-config:pkg-config:"the build against the installed copy with pkg-config" \
	cmake:cmake:"the build against the installed copy with find_package(crmnf)"
setup-c:
	@missing=; for tool in $(C_TOOLS); do \
		IFS=: read -r cmd package why <<< "$$tool"; \
		if ! command -v "$$cmd" >/dev/null; then \
			echo "setup-c: installing $$package with apt-get, for $$why"; missing="$$missing $$package"; \
		fi; \
	done; \
	if ! pkg-config --exists libcurl 2>/dev/null; then \
		echo "setup-c: installing libcurl4-openssl-dev with apt-get, for the nightly billing example over HTTP"; \
		missing="$$missing libcurl4-openssl-dev"; \
	fi; \
	if [ -n "$$missing" ]; then \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing; \
	else \
		echo "setup-c: valgrind, pkg-config, cmake and libcurl's headers are installed"; \
	fi

test-c: C_PROFILE := debug
test-c: setup-c c-header-check c-rust-test c-run c-valgrind c-sanitizers c-install-check
	@echo "test-c: libcrmnf passed (header, Rust, C, C++, valgrind, sanitizers, install)"

# libcrmnf.so (with its soname link beside it) and libcrmnf.a. Built with the examples (the header
# generator, the benchmark) so that the dependencies resolve to one feature set for every step.
c-lib:
	$(CARGO) build $(C_CARGO_PROFILE) --locked -p crmcom-netflix-c --lib --examples
	@mkdir -p $(C_BUILD)/lib
	cp -f $(C_LIBDIR)/libcrmnf.so $(C_BUILD)/lib/libcrmnf.so
	ln -sf libcrmnf.so $(C_BUILD)/lib/libcrmnf.so.$(C_MAJOR)

# The committed header is what cbindgen makes of the source now; every function is tested.
c-header-check:
	@mkdir -p $(C_TARGET)/c
	$(CARGO) run --locked -q -p crmcom-netflix-c --example generate_header -- $(C_TARGET)/c/crmnf.h
	@diff -u $(C_DIR)/include/crmnf.h $(C_TARGET)/c/crmnf.h || \
		{ echo "$(C_DIR)/include/crmnf.h is stale: run 'cargo run -p crmcom-netflix-c --example generate_header' and commit it"; exit 1; }
	@echo "header check: $(C_DIR)/include/crmnf.h is current"
	$(C_DIR)/tests/check_coverage.sh $(C_DIR)/include/crmnf.h $(C_DIR)/tests/c/test_api.c
	$(C_DIR)/tests/check_coverage.sh --referenced $(C_DIR)/include/crmnf.h $(C_DIR)/include/crmnf.hpp

# The boundary's own Rust tests (panics caught, statuses named).
c-rust-test: c-header-check
	$(CARGO) test --locked -q -p crmcom-netflix-c

c-build: c-rust-test c-lib
	@mkdir -p $(C_BUILD)/bin $(C_BUILD)/asan
	$(CC) $(C_CFLAGS) $(C_DIR)/tests/c/test_api.c $(C_JSON) $(C_SHARED) -o $(C_BUILD)/bin/test_api
	$(CC) $(C_CFLAGS) $(C_DIR)/tests/c/test_vectors.c $(C_JSON) $(C_SHARED) -o $(C_BUILD)/bin/test_vectors
	$(CXX) $(C_CXXFLAGS) $(C_DIR)/tests/cpp/test_cpp.cpp $(C_SHARED) -o $(C_BUILD)/bin/test_cpp
	$(CC) $(C_CFLAGS) examples/c/nightly_billing.c $(C_SHARED) $(C_CURL) -o $(C_BUILD)/bin/nightly_billing
	$(CC) $(C_CFLAGS) $(C_SAN) $(C_DIR)/tests/c/test_api.c $(C_JSON) $(C_SHARED) -o $(C_BUILD)/asan/test_api
	$(CC) $(C_CFLAGS) $(C_SAN) $(C_DIR)/tests/c/test_vectors.c $(C_JSON) $(C_SHARED) -o $(C_BUILD)/asan/test_vectors
	$(CXX) $(C_CXXFLAGS) $(C_SAN) $(C_DIR)/tests/cpp/test_cpp.cpp $(C_SHARED) -o $(C_BUILD)/asan/test_cpp
	$(CC) $(C_CFLAGS) $(C_SAN) examples/c/nightly_billing.c $(C_SHARED) $(C_CURL) -o $(C_BUILD)/asan/nightly_billing

c-run: c-build
	$(C_BUILD)/bin/test_api
	$(C_BUILD)/bin/test_vectors $(C_VECTORS)
	$(C_BUILD)/bin/test_cpp
	$(C_BUILD)/bin/nightly_billing >/dev/null

c-valgrind: c-run
	$(C_VALGRIND) $(C_BUILD)/bin/test_api
	$(C_VALGRIND) $(C_BUILD)/bin/test_vectors $(C_VECTORS)
	$(C_VALGRIND) $(C_BUILD)/bin/test_cpp
	$(C_VALGRIND) $(C_BUILD)/bin/nightly_billing >/dev/null
	@echo "valgrind: no errors, no leaks"

c-sanitizers: c-valgrind
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1; \
	$(C_BUILD)/asan/test_api && \
	$(C_BUILD)/asan/test_vectors $(C_VECTORS) && \
	$(C_BUILD)/asan/test_cpp && \
	$(C_BUILD)/asan/nightly_billing >/dev/null
	@echo "sanitizers: address and undefined clean"

# Installs into a scratch prefix (the files of `make install`, from the debug build the tests
# use), then builds and runs programs against it with no environment variable set at run time:
# pkg-config's crmnf (shared, found through its rpath) and crmnf-static, and a CMake project with
# find_package(crmnf), shared and static. The static programs must not need libcrmnf.so.
C_PREFIX = $(C_BUILD)/prefix
C_INSTALLED = $(C_BUILD)/installed
C_CMAKE_TEST := $(C_DIR)/tests/cmake
c-install-check: c-sanitizers
	rm -rf $(C_PREFIX) $(C_INSTALLED)
	$(MAKE) --no-print-directory install-c-files PREFIX=$(C_PREFIX) C_PROFILE=$(C_PROFILE)
	@mkdir -p $(C_INSTALLED)
	export PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig; \
	$(CC) -std=c11 $(C_WARN) $(C_DIR)/tests/install/installed.c $$(pkg-config --cflags --libs crmnf) \
		-o $(C_INSTALLED)/installed_c && \
	$(CXX) -std=c++17 $(C_WARN) $(C_DIR)/tests/install/installed.cpp $$(pkg-config --cflags --libs crmnf) \
		-o $(C_INSTALLED)/installed_cpp && \
	$(CC) -std=c11 $(C_WARN) $(C_DIR)/tests/install/installed.c $$(pkg-config --cflags --libs crmnf-static) \
		-o $(C_INSTALLED)/installed_static
	env -u LD_LIBRARY_PATH $(C_INSTALLED)/installed_c
	env -u LD_LIBRARY_PATH $(C_INSTALLED)/installed_cpp
	env -u LD_LIBRARY_PATH $(C_INSTALLED)/installed_static
	! readelf -d $(C_INSTALLED)/installed_static | grep -q 'NEEDED.*libcrmnf'
	for how in shared static component; do \
		cmake -S $(C_CMAKE_TEST) -B $(C_INSTALLED)/cmake-$$how -DCMAKE_PREFIX_PATH=$(C_PREFIX) \
			-DCHECK=$$how --log-level=WARNING >/dev/null && \
		cmake --build $(C_INSTALLED)/cmake-$$how >/dev/null && \
		env -u LD_LIBRARY_PATH ctest --test-dir $(C_INSTALLED)/cmake-$$how --output-on-failure -Q || exit 1; \
		echo "cmake: find_package(crmnf), crmnf::crmnf ($$how): C and C++ programs built, linked as asked, run"; \
	done

PREFIX ?= /usr/local
install: install-c

# What `make install` builds: the library alone (no examples, tests or header generator).
c-install-lib:
	$(CARGO) build $(C_CARGO_PROFILE) --locked -p crmcom-netflix-c --lib

install-c: c-install-lib
	$(MAKE) --no-print-directory install-c-files PREFIX=$(PREFIX) C_PROFILE=$(C_PROFILE)

# A program linked with pkg-config's `crmnf` finds the library by its rpath, unless the prefix is
# /usr, whose lib directory the loader searches anyway.
C_RPATH = $(if $(filter /usr /usr/,$(PREFIX)),, -Wl,-rpath,$${libdir})
install-c-files:
	@case "$(PREFIX)" in /*) ;; *) echo "PREFIX must be an absolute path, not '$(PREFIX)'"; exit 1;; esac
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/crmnf $(DESTDIR)$(PREFIX)/include
	install -m 644 $(C_LIBDIR)/libcrmnf.a $(DESTDIR)$(PREFIX)/lib/libcrmnf.a
	install -m 755 $(C_LIBDIR)/libcrmnf.so $(DESTDIR)$(PREFIX)/lib/libcrmnf.so.$(C_VERSION)
	ln -sf libcrmnf.so.$(C_VERSION) $(DESTDIR)$(PREFIX)/lib/libcrmnf.so.$(C_MAJOR)
	ln -sf libcrmnf.so.$(C_MAJOR) $(DESTDIR)$(PREFIX)/lib/libcrmnf.so
	install -m 644 $(C_DIR)/include/crmnf.h $(C_DIR)/include/crmnf.hpp $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(C_VERSION)|' -e 's|@NATIVE_LIBS@|$(C_NATIVE_LIBS)|' \
		-e 's|@RPATH@|$(C_RPATH)|' $(C_DIR)/crmnf.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/crmnf.pc
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(C_VERSION)|' -e 's|@NATIVE_LIBS@|$(C_NATIVE_LIBS)|' \
		$(C_DIR)/crmnf-static.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/crmnf-static.pc
	for f in crmnf-config crmnf-config-version; do \
		sed -e 's|@VERSION@|$(C_VERSION)|' -e 's|@MAJOR@|$(C_MAJOR)|' -e 's|@MINOR@|$(C_MINOR)|' \
			-e 's|@NATIVE_LIBS@|$(C_NATIVE_LIBS_CMAKE)|' \
			$(C_DIR)/cmake/$$f.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/crmnf/$$f.cmake; \
	done
	@echo "installed libcrmnf $(C_VERSION) into $(DESTDIR)$(PREFIX) (pkg-config: crmnf, crmnf-static; CMake: find_package(crmnf))"

bench-c: c-lib
	@mkdir -p $(C_BUILD)/bin
	$(CC) -std=c11 -O2 $(C_WARN) -I$(C_DIR)/include $(C_DIR)/bench/bench_decode.c $(C_STATIC) \
		-o $(C_BUILD)/bin/bench_decode
	$(C_DIR)/bench/compare.sh $(C_BUILD)/bin/bench_decode $(C_LIBDIR)/examples/bench_decode \
		bench/data/charges-list-50.json

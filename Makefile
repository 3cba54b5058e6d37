# Entry points; the README's first lines name `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: deps configure build run test test-fast clean

# CivetWeb's Debian source, fetched once (scripts/fetch-debian-source.sh at
# configure time) and shared by the sanitizer and fuzz build trees.
CIVETWEB_DIR = -DPROCTREE_CIVETWEB_DIR=$(abspath $(BUILD_DIR))/_deps/civetweb

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/proctree_exporter $(ARGS)

# The whole suite, as CI runs it: the release build's tests, the soak, then the
# same tests under ASan+UBSan and under TSan, a fuzz smoke run of every target,
# the container image built, run and checked, and the Debian package built,
# installed, run and purged, and the Windows build's tests under Wine. `make test-fast` is the first step alone
# (everything but the soak, a few minutes); `make soak` the second.
test: test-fast soak test-asan test-tsan fuzz-smoke container-test package-test test-windows
	@echo "make test: every step passed"

test-fast: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE soak

# 10,000 scrapes against 2,000 extra processes, alone on the machine (docs/soak.md).
.PHONY: soak
soak: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L soak

# docs/metrics.md from the metric catalog (ctest docs.metrics fails when stale).
.PHONY: docs
docs: build
	python3 tests/docs/check_docs.py --tool $(BUILD_DIR)/tests/docs/metrics_doc --update

# Rewrites tests/golden/*.prom from this build's scrape of the fixture tree;
# review the diff (git diff tests/golden) as you would code.
.PHONY: golden-update
golden-update: build
	python3 tests/golden/golden_scrape.py --binary $(BUILD_DIR)/proctree_exporter --update

clean:
	rm -rf $(BUILD_DIR)

# The fleet-scale benchmark: this exporter (default and every-process configs) vs ../shared/bench/floor.c,
# process-exporter and node_exporter at 500 to 20,000 processes (~20 min on 2 cores); rewrites the
# generated section of docs/benchmarks.md and docs/benchmarks.png, appends to docs/benchmarks-log.md.
# BENCH_ARGS go to tests/bench/fleet_bench.py, e.g. BENCH_ARGS="--counts 500,2000" for a quick run.
.PHONY: bench
bench: build
	@scripts/install-deps.sh --bench
	python3 tests/bench/fleet_bench.py --binary $(BUILD_DIR)/proctree_exporter --build-dir $(BUILD_DIR) $(BENCH_ARGS)

# Sanitizer configurations: the same tests under ASan+UBSan, and under TSan;
# the soak (label soak) runs only in the release build. TSan keeps the
# robustness tests that drive concurrency (concurrency; churn runs in
# integration.churn too) and leaves the single-scraper ones to ASan, which
# runs them all: under TSan they cost CI minutes and find no races.
.PHONY: test-asan test-tsan
test-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPROCTREE_SANITIZE=address $(CIVETWEB_DIR) >/dev/null
	@cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -LE soak

test-tsan: deps
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DPROCTREE_SANITIZE=thread $(CIVETWEB_DIR) >/dev/null
	@cmake --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --output-on-failure -j $(JOBS) -LE soak \
	  -E '^robustness\.(hostile_processes|permissions|churn_storm|bad_http)$$'

# Fuzzing (libFuzzer, clang, with ASan+UBSan; docs/fuzzing.md): `make fuzz` runs
# every target for FUZZ_SECONDS, one after another; `make fuzz-smoke` (for CI)
# builds only the fuzz targets and runs each for FUZZ_SMOKE_SECONDS.
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS = fuzz_proc_parsers fuzz_config fuzz_text fuzz_web_config fuzz_query_filter fuzz_http_headers fuzz_name_template
.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROCTREE_SANITIZE=fuzz $(CIVETWEB_DIR) >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)

fuzz: fuzz-build
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh build-fuzz $(FUZZ_SMOKE_SECONDS)

# The container image (Dockerfile) built with buildah and run with podman, no
# Docker engine; the debootstrapped base image is kept in $(BUILD_DIR)/container.
.PHONY: container-test
container-test:
	@scripts/install-deps.sh --container
	BUILD_DIR=$(BUILD_DIR) /usr/bin/python3 tests/container/test_container.py

# The Debian package, $(BUILD_DIR)/deb/proctree-exporter_<version>_<arch>.deb,
# and `make install` (PREFIX, DESTDIR) of the same files: packaging/install.cmake.
# Each fixes the install prefix in $(BUILD_DIR) first (the unit and the paths
# it names follow it); nothing recompiles for that.
PREFIX ?= /usr/local
.PHONY: deb install package-test
deb: deps
	@scripts/install-deps.sh --package
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target proctree_exporter proctree_exporter_packaging
	cd $(BUILD_DIR) && cpack -G DEB

install: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target proctree_exporter proctree_exporter_packaging
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD_DIR)

# The package installed with apt into a clean Debian 12 root (the container
# test's debootstrapped base), run as its unit would run it, scraped, reloaded,
# purged; lintian and systemd-analyze verify on it (tests/package/).
package-test: deb
	BUILD_DIR=$(BUILD_DIR) /usr/bin/python3 tests/package/test_package.py

# The Windows build (issue #17): proctree_exporter.exe cross-built with Debian's
# MinGW-w64 against dependencies cross-built from Debian 12's sources (cached in
# $(WINDOWS_BUILD_DIR)/_deps), and its tests run under Wine (scripts/test-windows.sh).
WINDOWS_BUILD_DIR ?= build-windows
.PHONY: windows-build test-windows
windows-build:
	@scripts/install-deps.sh --windows
	@JOBS=$(JOBS) scripts/build-windows-deps.sh $(WINDOWS_BUILD_DIR)/_deps
	@cmake -S . -B $(WINDOWS_BUILD_DIR) -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw64.cmake \
	  -DPROCTREE_WINDOWS_DEPS=$(abspath $(WINDOWS_BUILD_DIR))/_deps/prefix -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(WINDOWS_BUILD_DIR) -j $(JOBS)

test-windows: windows-build
	scripts/test-windows.sh $(WINDOWS_BUILD_DIR)

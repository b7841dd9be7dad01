# hoop's front door.
#
#   make demo    install what is missing, build, run the demo
#   make test    install what is missing, build, run every test (ctest)
#   make bench   build and run the benchmarks
#
# Knobs: BUILD (build dir), JOBS, CMAKE_FLAGS (e.g. -DHOOP_WERROR=ON),
# CTEST_FLAGS (e.g. -L integration, -R postgres).

BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?=

.PHONY: all deps configure build demo test test-asan bench clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 \
	  || { cat $(BUILD).configure.log; exit 1; }

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

# The unit tests again under AddressSanitizer and UBSan (integration tests
# against real servers and the install test are left to `make test`).
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DHOOP_SANITIZE=ON \
	  -DHOOP_BUILD_BENCH=OFF -DHOOP_INSTALL=OFF $(CMAKE_FLAGS) > $(ASAN_BUILD).configure.log 2>&1 \
	  || { cat $(ASAN_BUILD).configure.log; exit 1; }
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -LE integration $(CTEST_FLAGS)

# The Google Benchmarks, then the gateway benchmark (bench/README.md: pgbench,
# 1 M rows and connection setup, direct and through HAProxy, PgBouncer and
# hoop-pg-gateway; ~10 min; GWBENCH_* knobs; skipped without PostgreSQL).
bench: build
	@for b in $(BUILD)/bench/*bench; do echo "== $$b"; $$b $(BENCH_FLAGS) || exit 1; done
	@echo "== bench/postgres_gateway_bench.sh"; JOBS=$(JOBS) bench/postgres_gateway_bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BUILD).configure.log $(ASAN_BUILD).configure.log

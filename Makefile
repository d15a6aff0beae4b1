# connguard: `make test` and `make demo` are all a new user needs; both install
# what a fresh machine lacks first (`make setup`, idempotent and quick when done).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BUILD ?= build
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# mariadb-server-core and mariadb-client bring mariadbd, mariadb-install-db and
# the client without installing (or starting) a system MariaDB service.
APT_PACKAGES := g++ cmake pkg-config mariadb-server-core mariadb-client libmariadb-dev \
	libtomlplusplus-dev libgtest-dev nlohmann-json3-dev clang-format valgrind
NATIVE_SOURCES := $(shell find native -name '*.cpp' -o -name '*.hpp' -o -name 'CMakeLists.txt')

# The C++ suites run under this: it starts a throwaway MariaDB (max_connections=10)
# and hands it to the tests as CONNGUARD_TEST_* variables.
WITH_SERVER := $(PY) -m connguard.testing run --

CARGO ?= cargo
RUST_SHIM := rust-shim/Cargo.toml
# npm's own stamp: npm ci rewrites node_modules/.package-lock.json.
NODE_MODULES := node-shim/node_modules/.package-lock.json

.PHONY: setup apt node rust build-native build-rust test test-cpp test-sanitize test-python test-node test-rust lint \
	lint-node lint-rust demo bench clean

setup: apt node rust $(VENV)/.installed $(NODE_MODULES)

# Node 20 and stable Rust come with the machine (Debian's nodejs is too old);
# say so plainly where they are missing.
node:
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null || \
		{ echo "make setup: Node.js 20 or newer is needed for node-shim/ (https://nodejs.org)"; exit 1; }

rust:
	@command -v $(CARGO) >/dev/null || { echo "make setup: install stable Rust (https://rustup.rs)"; exit 1; }
	@! command -v rustup >/dev/null || rustup component add clippy rustfmt >/dev/null 2>&1
	$(CARGO) fetch --locked --quiet --manifest-path $(RUST_SHIM)

$(NODE_MODULES): node-shim/package.json node-shim/package-lock.json
	npm ci --prefix node-shim --no-audit --no-fund --loglevel=error

apt:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make setup: installing$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Every extra, and the dev group (pip 25.1+, hence the pip upgrade first).
EXTRAS := mariadb,mysql-connector,pymysql,aiomysql,sqlalchemy,storm,prometheus,otel
# --no-build-isolation keeps the editable C++ build incremental; it also builds
# the mariadb sdist (no Linux wheel) in this venv, which needs setuptools with
# bdist_wheel built in (70.1+; Python 3.11's venv brings 65).
BUILD_REQUIRES := "scikit-build-core>=0.10" "pybind11>=2.12" "setuptools>=70.1"

# Rebuilt when the C++ engine or the package metadata changes.
$(VENV)/.installed: pyproject.toml $(NATIVE_SOURCES) | apt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(BUILD_REQUIRES)
	$(PY) -m pip install -q --no-build-isolation -e ".[$(EXTRAS)]" --group dev
	touch $@

test: setup
	$(MAKE) --no-print-directory test-cpp
	$(MAKE) --no-print-directory test-sanitize
	$(MAKE) --no-print-directory test-node
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-python

# The C++ engine, its tests and the storm's cpp worker.
build-native: setup
	cmake -S native -B $(BUILD)/native -DCONNGUARD_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	cmake --build $(BUILD)/native -j2

test-cpp: build-native
	$(WITH_SERVER) ctest --test-dir $(BUILD)/native --output-on-failure

# The same suites built with AddressSanitizer (LeakSanitizer included) and
# UndefinedBehaviorSanitizer: any finding, a leak at exit too, fails the test.
test-sanitize: setup
	cmake -S native -B $(BUILD)/native-asan -DCONNGUARD_BUILD_TESTS=ON -DCONNGUARD_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug > /dev/null
	cmake --build $(BUILD)/native-asan -j2
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(WITH_SERVER) ctest --test-dir $(BUILD)/native-asan --output-on-failure

# test:pack installs the packed tarball into a fresh project (CJS, ESM, TS).
test-node: setup
	npm --prefix node-shim test
	npm --prefix node-shim run test:pack
	$(WITH_SERVER) npm --prefix node-shim run test:integration

# The shim, its tests and the storm's rust worker; built before the runner
# starts, so no server idles through the compile.
build-rust: setup
	$(CARGO) build --locked --all-targets --manifest-path $(RUST_SHIM)

test-rust: build-rust
	$(WITH_SERVER) $(CARGO) test --locked --manifest-path $(RUST_SHIM)

# The storm tests run every adapter's worker.
test-python: build-native build-rust
	$(PY) tests/vectors/generate.py --check
	$(PY) -m pytest

# The Python integration suite against a server of yours, MySQL or MariaDB (docs/testing.md):
#   MYSQL_TEST_URL=mysql://app:pw@127.0.0.1:3306/connguard_test \
#   MYSQL_TEST_ADMIN_URL=mysql://root:pw@127.0.0.1:3306/ make test-mysql
# Tests that need a server of their own (restarts, kills) still use the embedded MariaDB.
.PHONY: test-mysql
test-mysql:
	@if [ -z "$$MYSQL_TEST_URL" ] || [ -z "$$MYSQL_TEST_ADMIN_URL" ]; then \
		echo "make test-mysql: set MYSQL_TEST_URL=mysql://user:password@host:port/database" \
			"(an account with privileges on its own database only) and" \
			"MYSQL_TEST_ADMIN_URL=mysql://admin:password@host:port/ (global status, process" \
			"list, KILL, GRANT, SET GLOBAL max_connections); see docs/testing.md" >&2; \
		exit 2; \
	fi
	$(MAKE) --no-print-directory build-native build-rust
	$(PY) -m pytest tests/python/integration
	$(WITH_SERVER) ctest --test-dir $(BUILD)/native --output-on-failure
	$(WITH_SERVER) $(CARGO) test --locked --manifest-path $(RUST_SHIM)
	$(WITH_SERVER) npm --prefix node-shim run test:integration

lint: setup
	$(VENV)/bin/ruff check python tests benchmarks examples
	$(VENV)/bin/ruff format --check python tests benchmarks examples
	$(VENV)/bin/mypy
	clang-format --dry-run --Werror $(filter %.cpp %.hpp,$(NATIVE_SOURCES)) \
		$(wildcard examples/adoption/cpp/*/*.hpp examples/adoption/cpp/*/*/*.cpp examples/adoption/cpp/*/*/*.hpp)
	$(MAKE) --no-print-directory lint-node lint-rust

lint-node: $(NODE_MODULES)
	npm --prefix node-shim run lint

lint-rust:
	$(CARGO) fmt --all --manifest-path $(RUST_SHIM) --check
	$(CARGO) clippy --locked --quiet --all-targets --manifest-path $(RUST_SHIM) -- -D warnings

# The main job: 200 clients against max_connections=10, with and without connguard.
demo: setup
	$(VENV)/bin/connguard storm --adapter python-async --strategy all --metrics --plot storm.png

BENCH := $(BUILD)/bench
# Runs per storm (each row of the report is their median) and, for a trimmed
# run, the matrix entries to run: make bench BENCH_RUNS=1 BENCH_ONLY="base-p1 mix".
BENCH_RUNS ?= 3
BENCH_ONLY ?=
# The storm matrix: a name, then `connguard storm` arguments. Each line runs
# BENCH_RUNS times against its own throwaway MariaDB and becomes one table of
# docs/benchmarks.md (benchmarks/report.py, which says what each name shows).
define STORM_MATRIX
base-p1 --clients 200 --hold 50ms --max-connections 10 --processes 1 --adapter all --strategy tenacity,connguard,oracle
base-p4 --clients 200 --hold 50ms --max-connections 10 --processes 4 --adapter all --strategy tenacity,connguard,oracle
short-5ms --clients 500 --hold 5ms --max-connections 10 --adapter all --strategy connguard,oracle
short-1ms --clients 500 --hold 1ms --max-connections 10 --adapter all --strategy connguard,oracle
big-p1 --clients 2000 --hold 50ms --max-connections 151 --processes 1 --adapter python-async,cpp,node --strategy connguard,oracle
big-p4 --clients 2000 --hold 50ms --max-connections 151 --processes 4 --adapter python-async,cpp,node --strategy connguard,oracle
foreign-fixed --clients 40 --hold 200ms --max-connections 10 --foreign 6 --processes 2 --adapter python-async,cpp,rust --strategy tenacity,connguard,oracle
foreign-pareto --clients 40 --hold 200ms --hold-dist pareto --max-connections 10 --foreign 6 --processes 2 --adapter python-async,cpp,rust --strategy tenacity,connguard,oracle
mix --clients 200 --hold 50ms --max-connections 10 --adapter mix --strategy tenacity,connguard,oracle
pool --clients 200 --hold 5ms --max-connections 20 --processes 4 --pool 10 --queries 4000 --deadline 5s --adapter python-sync --strategy tenacity,connguard,oracle
endef
export STORM_MATRIX
# The storm matrix (3 runs of each entry) and the success-path overhead; writes
# docs/benchmarks.md and docs/storm.png, with the time the whole run took.
bench: build-native build-rust
	mkdir -p $(BENCH)
	rm -f $(BENCH)/storm-*.json
	date +%s > $(BENCH)/started
	$(PY) -m pytest benchmarks --benchmark-enable --benchmark-only --benchmark-json=$(BENCH)/overhead.json \
		--benchmark-columns=min,median,mean,ops -p no:cacheprovider
	printf '%s\n' "$$STORM_MATRIX" | while read -r name args; do \
		case " $(BENCH_ONLY) " in "  " | *" $$name "*) ;; *) continue ;; esac; \
		for run in $$(seq $(BENCH_RUNS)); do \
			echo "connguard storm $$args ($$name, run $$run)"; \
			$(VENV)/bin/connguard storm $$args --json $(BENCH)/storm-$$name-r$$run.json || exit 1; \
		done; \
	done
	$(PY) benchmarks/report.py --overhead $(BENCH)/overhead.json --out docs/benchmarks.md \
		--plot docs/storm.png --seconds $$(( $$(date +%s) - $$(cat $(BENCH)/started) )) \
		--storm $$(printf '%s\n' "$$STORM_MATRIX" | while read -r name args; do \
			ls $(BENCH)/storm-$$name-r*.json 2>/dev/null; done)

# Generated hostile policy files through every language (tests/fuzz/): 20,000
# files or 15 minutes, whichever ends first; exits 1 and prints each input
# where the verdicts differ. FUZZ_SEED=N replays a run.
FUZZ_SEED ?= $(shell date +%s)
.PHONY: fuzz
fuzz: build-rust
	PYTHONPATH=tests $(PY) -m fuzz.agree --seed $(FUZZ_SEED) --count 20000 --seconds 900

clean:
	rm -rf $(BUILD)

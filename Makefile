# Kỹ năng số. Every target is phony; CI runs the same targets (.ci/run).
# The machine's Go may be older than the toolchain we build with: the go
# command fetches go1.27.3 from the module proxy (standard library fixes).
export GOTOOLCHAIN := go1.27.3
SHELL := /bin/bash

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/kynangso
DB      ?= data/kynangso.db

.DEFAULT_GOAL := help
.PHONY: help build run test test-race test-browser test-postgres test-deps test-short lint fuzz vulncheck cover bench demo clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

build: ## build bin/kynangso
	go build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/kynangso

run: build ## build, migrate, load demo data into an empty data/kynangso.db and serve on 127.0.0.1:8080
	./$(BIN) serve --demo --db $(DB) --addr 127.0.0.1:8080 --content content

test: test-deps lint node_modules/axe-core ## install what the tests need, lint, then every test (race detector, real browser); again on PostgreSQL if KYNANGSO_TEST_POSTGRES is set
	@# Four runs side by side, as none keeps two cores busy alone: every
	@# package with the race detector; the browser tests without it (they
	@# drive a separately built binary: the detector would only slow their
	@# driver); the PostgreSQL run; the fuzzers. The browser tests wait on
	@# the browser most of the time and are the longest chain, so the
	@# others run at a lower priority (nice) and fill the gaps. No -O: it
	@# would hold each run's output until the run ends.
	@$(MAKE) --no-print-directory -j4 test-race test-browser test-postgres fuzz

test-race:
	nice -n 10 go test -race -count=1 -timeout 30m $$(go list ./... | grep -v /internal/e2e)

test-browser: node_modules/axe-core
	go test -count=1 -timeout 30m ./internal/e2e

# The second engine: every package that touches the database, without the
# race detector (the SQLite run has it) and without the browser tests,
# which check pages, not SQL.
test-postgres:
	@if [ -n "$$KYNANGSO_TEST_POSTGRES" ]; then \
	  echo "== the suite on PostgreSQL (browser tests excepted)"; \
	  KYNANGSO_TEST_BACKEND=postgres nice -n 10 go test -count=1 -timeout 30m $$(go list ./... | grep -v /internal/e2e) \
	    | sed -u 's/^/[postgres] /'; exit $${PIPESTATUS[0]}; \
	else echo "(KYNANGSO_TEST_POSTGRES is not set: PostgreSQL run skipped)"; fi

# Each fuzz target runs briefly on every make test (its seed corpus also runs
# as a plain test above); make fuzz FUZZTIME=10m searches longer.
FUZZTIME ?= 20s
# A new input is minimised for at most this long (Go's default, 60 s, ate
# whole short runs: the lesson-file fuzzer tried ~18 inputs in 20 s).
FUZZMINIMIZE ?= 1s
FUZZ_TARGETS := ./internal/curriculum/curriculumtest:FuzzLessonFile ./internal/validate:FuzzText \
	./internal/validate:FuzzPhone ./internal/web:FuzzRegisterForm
fuzz: ## run every fuzz target for FUZZTIME (default 20s)
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; echo "== fuzz $$name ($$pkg, $(FUZZTIME))"; \
	  log=$$(mktemp); nice -n 10 go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) "$$pkg" >"$$log" 2>&1 \
	    || { cat "$$log"; rm -f "$$log"; exit 1; }; grep -E '^fuzz: elapsed' "$$log" | tail -n 1; tail -n 1 "$$log"; rm -f "$$log"; \
	done

# Debian's chromium, fonts-dejavu-core and npm, through apt-get when missing
# (as root or with passwordless sudo; otherwise it prints the command).
test-deps: ## install what make test needs when it is missing (chromium, fonts, npm)
	@scripts/test-deps.sh

test-short: ## quick tests for the inner loop (no binary, no browser)
	go test -short -count=1 ./...

# axe-core, injected into pages by the browser tests, pinned in package-lock.json.
node_modules/axe-core: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

lint: ## repository hygiene, go vet, gofmt and staticcheck
	scripts/check-tree.sh
	go vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go tool staticcheck ./...

# Offline: the database is built once per pinned golang.org/x/vulndb version
# (tools/vulndb/go.mod) into ~/.cache/kynangso; exclusions, with reasons, in
# docs/vulncheck-exclusions.toml.
vulncheck: ## fail on any known vulnerability the code reaches (govulncheck, pinned database)
	scripts/vulncheck.sh

cover: ## coverage report in coverage.html
	go test -count=1 -coverprofile=coverage.out ./...
	go tool cover -html=coverage.out -o coverage.html

bench: ## budget benchmarks (lesson page rendering, ...)
	go test -run '^$$' -bench . -benchmem ./...

demo: build ## load demo data into data/demo.db
	./$(BIN) demo --db data/demo.db

clean: ## remove build outputs and local databases
	rm -rf bin data/*.db data/*.db-wal data/*.db-shm coverage.out coverage.html test-output

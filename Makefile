# Varco — the two commands: `make dev` runs everything, `make test` runs every test.
GO ?= go
PKGS := ./...

.PHONY: dev test test-clock build build-lean vet check bench profile bench-memory clean tools console-assets stack stack-down stack-reset stack-test stack-bench

dev:
	$(GO) run ./cmd/varco dev

build:
	$(GO) build -o bin/varco ./cmd/varco

# The production binary (what the Dockerfile ships): built with -tags lean it leaves out
# `varco dev` and `varco simulate`, and with them the embedded Temporal server, its Web UI and
# the simulator (docs/performance.md: size, start time, memory).
build-lean:
	$(GO) build -tags lean -trimpath -o bin/varco-lean ./cmd/varco

# Temporal's checker: no non-deterministic call (time.Now, goroutines, map ranges…) in workflow
# code. Run from the module proxy at a pinned version; it needs nothing in go.mod.
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

# staticcheck, likewise from the module proxy at a pinned version (findings: docs/development.md,
# staticcheck.conf), on every package: cmd/varco included (measured: about a minute of CPU on
# top of the rest with a warm cache, as internal/devtemporal already brings the embedded server
# into the analysis).
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

vet:
	$(GO) vet $(PKGS)
	$(GO) run $(WORKFLOWCHECK) ./workflows/...
	$(GO) run $(STATICCHECK) $(PKGS)

# The fast loop (docs/development.md): vet, the lean build, and every test but cmd/varco's
# end-to-end ones, which start the embedded Temporal server. About a minute on a warm cache;
# `make test` remains the bar before a merge.
FASTPKGS = $(shell $(GO) list ./... | grep -v '/cmd/varco$$')
check:
	$(GO) vet $(FASTPKGS)
	$(GO) build -tags lean -o /dev/null ./cmd/varco
	$(GO) test -count=1 -short $(FASTPKGS)

# Every test: unit, workflow, store (SQLite and PostgreSQL), and the end-to-end tests that
# start the embedded Temporal server, the simulator and the HTTP API in-process. Then one pass
# of the authorization benchmarks on a small world, so they cannot rot unnoticed (their
# figures come from full runs: docs/performance.md), the clock-shifted runs, and last the
# reliability suite on the production-shaped stack (stack-test: real processes, a few minutes).
test: vet tools
	$(GO) test -count=1 -timeout 45m $(PKGS)
	VARCO_SCALE_COMUNI=2 $(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./rbac/
	$(MAKE) test-clock
	$(MAKE) stack-test

# Tools the tests run that are not Go: Spectral, the OpenAPI linter of api/spectral_test.go,
# pinned by tools/spectral/package-lock.json and installed into tools/spectral/node_modules.
SPECTRAL := tools/spectral/node_modules/.bin/spectral
tools: $(SPECTRAL)
$(SPECTRAL): tools/spectral/package.json tools/spectral/package-lock.json
	cd tools/spectral && npm ci --no-audit --no-fund
	touch $@

# The packages that decide by time, again with their clock shifted (internal/clock, build tag
# clockshift): a year ahead, and across the spring DST change in Europe/Rome. A test that
# passes only near the day it was written fails here, not on some later morning in CI.
CLOCKPKGS := ./internal/clock/ ./internal/store/ ./internal/auth/ ./rbac/ ./internal/auditlog/ \
	./internal/anpr/ ./internal/simulator/ ./internal/seed/ ./api/ ./activities/
test-clock:
	VARCO_CLOCK_SHIFT=8760h $(GO) test -count=1 -tags clockshift $(CLOCKPKGS)
	VARCO_CLOCK_AT=2027-03-28T00:59:30Z TZ=Europe/Rome $(GO) test -count=1 -tags clockshift $(CLOCKPKGS)

# The whole-path benchmark against the direct simulator call (figures in docs/performance.md).
bench:
	$(GO) test -run '^$$' -bench BenchmarkQueryPath -benchtime 2000x -timeout 30m ./cmd/varco/

# The method behind every performance change of the query path (docs/performance.md): the
# default variant at concurrency 1, 400 requests of each kind, with Go's CPU and allocation
# profiles written to .varco/profile/. Read them with
# `go tool pprof -top -nodecount 40 .varco/profile/varco.test .varco/profile/cpu.out`.
PROFILE_DIR ?= .varco/profile
profile:
	mkdir -p $(PROFILE_DIR)
	$(GO) test -c -o $(PROFILE_DIR)/varco.test ./cmd/varco/
	cd cmd/varco && ../../$(PROFILE_DIR)/varco.test -test.run '^$$' -test.bench 'BenchmarkQueryPath/local\+eager/c=1$$' \
		-test.benchtime 400x -test.timeout 30m -test.cpuprofile ../../$(PROFILE_DIR)/cpu.out \
		-test.memprofile ../../$(PROFILE_DIR)/mem.out | tee ../../$(PROFILE_DIR)/bench.txt
	$(GO) tool pprof -top -nodecount 40 $(PROFILE_DIR)/varco.test $(PROFILE_DIR)/cpu.out > $(PROFILE_DIR)/cpu-top.txt
	$(GO) tool pprof -top -cum -nodecount 80 $(PROFILE_DIR)/varco.test $(PROFILE_DIR)/cpu.out > $(PROFILE_DIR)/cpu-cum.txt

# `varco dev`'s memory after 10,000 queries (RSS, reported as benchmark metrics).
bench-memory:
	$(GO) test -run '^$$' -bench BenchmarkDevMemory -benchtime 10000x -timeout 30m ./cmd/varco/

clean:
	rm -rf bin .varco

# The web console's vendored front-end files (Bootstrap Italia, pinned in console/assets.sh),
# fetched from npm into console/static/vendor. Run only to change the version: the files are
# committed, so neither `make dev` nor `make test` needs the network.
console-assets:
	./console/assets.sh

# The production-shaped stack without Docker (docs/operations.md): Temporal's server on
# PostgreSQL with Varco's authorization, its Web UI, two api and two worker replicas and the
# simulator, as processes under .stack/. stack-down stops them (the databases stay);
# stack-reset also drops the stack's databases and keys.
stack:
	deploy/stack.sh up
stack-down:
	deploy/stack.sh down
stack-reset:
	deploy/stack.sh reset

# The reliability suite on a fresh stack (build tag stack: plain `go test ./...` does not
# compile it): worker kill -9 under load, an api replica killed, PostgreSQL refusing
# connections, ANPR faults; each followed by the audit checks (README, docs/operations.md).
stack-test:
	deploy/stack.sh reset
	deploy/stack.sh up
	$(GO) test -count=1 -tags stack -run 'TestStack' -timeout 30m -v ./deploy/stacktest/ ; rc=$$?; deploy/stack.sh down; exit $$rc

# The whole-path benchmark on the stack beside the direct call (docs/performance.md).
stack-bench:
	deploy/stack.sh up
	$(GO) test -count=1 -tags stack -run '^$$' -bench BenchmarkStack -benchtime 1x -timeout 30m ./deploy/stacktest/

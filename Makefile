# Varco — the two commands: `make dev` runs everything, `make test` runs every test.
GO ?= go
PKGS := ./...

.PHONY: dev test test-clock build vet bench clean console-assets

dev:
	$(GO) run ./cmd/varco dev

build:
	$(GO) build -o bin/varco ./cmd/varco

# Temporal's checker: no non-deterministic call (time.Now, goroutines, map ranges…) in workflow
# code. Run from the module proxy at a pinned version; it needs nothing in go.mod.
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

vet:
	$(GO) vet $(PKGS)
	$(GO) run $(WORKFLOWCHECK) ./workflows/...

# Every test: unit, workflow, store (SQLite and PostgreSQL), and the end-to-end tests that
# start the embedded Temporal server, the simulator and the HTTP API in-process. Then one pass
# of the authorization benchmarks on a small world, so they cannot rot unnoticed (their
# figures come from full runs: docs/performance.md).
test: vet
	$(GO) test -count=1 -timeout 45m $(PKGS)
	VARCO_SCALE_COMUNI=2 $(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./rbac/
	$(MAKE) test-clock

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

clean:
	rm -rf bin .varco

# The web console's vendored front-end files (Bootstrap Italia, pinned in console/assets.sh),
# fetched from npm into console/static/vendor. Run only to change the version: the files are
# committed, so neither `make dev` nor `make test` needs the network.
console-assets:
	./console/assets.sh

# Varco — the two commands: `make dev` runs everything, `make test` runs every test.
GO ?= go
PKGS := ./...

.PHONY: dev test test-clock build build-lean vet check bench clean tools console-assets

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
# figures come from full runs: docs/performance.md).
test: vet tools
	$(GO) test -count=1 -timeout 45m $(PKGS)
	VARCO_SCALE_COMUNI=2 $(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./rbac/
	$(MAKE) test-clock

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

clean:
	rm -rf bin .varco

# The web console's vendored front-end files (Bootstrap Italia, pinned in console/assets.sh),
# fetched from npm into console/static/vendor. Run only to change the version: the files are
# committed, so neither `make dev` nor `make test` needs the network.
console-assets:
	./console/assets.sh

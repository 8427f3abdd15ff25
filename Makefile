# Varco — the two commands: `make dev` runs everything, `make test` runs every test.
GO ?= go
PKGS := ./...

.PHONY: dev test build vet bench clean

dev:
	$(GO) run ./cmd/varco dev

build:
	$(GO) build -o bin/varco ./cmd/varco

vet:
	$(GO) vet $(PKGS)

# Every test: unit, workflow, store (SQLite and PostgreSQL), and the end-to-end tests that
# start the embedded Temporal server, the simulator and the HTTP API in-process.
test: vet
	$(GO) test -count=1 -timeout 45m $(PKGS)

# The whole-path benchmark against the direct simulator call (figures in docs/performance.md).
bench:
	$(GO) test -run '^$$' -bench BenchmarkQueryPath -benchtime 2000x -timeout 30m ./cmd/varco/

clean:
	rm -rf bin .varco

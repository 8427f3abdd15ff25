// Package stacktest is the reliability suite and the whole-path benchmark on the
// production-shaped stack of deploy/stack.sh (docs/operations.md). Its tests carry the build
// tag stack: `go test ./...` does not compile them (there is no stack to run against), and
// `make stack-test` / `make stack-bench` bring the stack up and run them with -tags stack.
package stacktest

package store_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/varco-anpr/varco/internal/store"
)

func TestUnavailable(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"bad connection", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"connection dropped", io.EOF, true},
		{"already classified", fmt.Errorf("x: %w", store.ErrUnavailable), true},
		{"caller gave up", context.Canceled, false},
		{"caller's deadline", fmt.Errorf("q: %w", context.DeadlineExceeded), false},
		{"not found", store.ErrNotFound, false},
		{"a query's own error", errors.New("syntax error"), false},
		{"nil", nil, false},
	}
	for _, tc := range cases {
		if got := store.Unavailable(tc.err); got != tc.want {
			t.Errorf("%s: Unavailable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

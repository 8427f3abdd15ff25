package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/uptrace/bun/driver/pgdriver"
)

// Sentinel errors. Repository functions wrap them with %w: test with errors.Is.
var (
	// ErrNotFound: the requested row does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique key (username, request ID, a duplicate grant...) is already taken.
	ErrConflict = errors.New("store: conflict")
	// ErrInvalidReference: the row points at a Comune, Ente or user that does not exist.
	ErrInvalidReference = errors.New("store: invalid reference")
	// ErrUnavailable: the database cannot be reached or refuses work for now (connection
	// refused or lost, too many connections, shutting down, SQLite busy past its timeout).
	// Retrying later may succeed: the API answers 503 with Retry-After.
	ErrUnavailable = errors.New("store: database unavailable")
)

// SQLite extended result codes (https://sqlite.org/rescode.html); modernc reports them
// because it turns extended result codes on for every connection.
const (
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
	sqliteBusy                 = 5 // primary codes: the low byte of an extended code
	sqliteLocked               = 6
)

// pgUnavailable are the SQLSTATEs of a server that cannot serve now: connection exceptions
// (class 08), too many connections, and the shutdown states of class 57P.
var pgUnavailable = map[string]bool{
	"08000": true, "08001": true, "08003": true, "08004": true, "08006": true,
	"53300": true, "57P01": true, "57P02": true, "57P03": true,
}

// unavailable tells a database that cannot serve from a query that failed on its merits.
func unavailable(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false // the caller gave up: its own answer, not the database's state
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return true
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		// FATAL ends the session: the server refused or dropped the connection itself
		// (database not accepting connections, authentication, shutdown), never a query's fault.
		return pgUnavailable[pgErr.Field('C')] || pgErr.Field('S') == "FATAL" || pgErr.Field('V') == "FATAL"
	}
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		c := coder.Code() & 0xff
		return c == sqliteBusy || c == sqliteLocked
	}
	return false
}

// classify maps driver errors onto the sentinels, so callers never look at driver types.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	if unavailable(err) {
		return fmt.Errorf("store: %s: %w: %w", op, ErrUnavailable, err)
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		switch pgErr.Field('C') {
		case "23505":
			return fmt.Errorf("store: %s: %w", op, ErrConflict)
		case "23503":
			return fmt.Errorf("store: %s: %w", op, ErrInvalidReference)
		}
	}
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		switch coder.Code() {
		case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
			return fmt.Errorf("store: %s: %w", op, ErrConflict)
		case sqliteConstraintForeignKey:
			return fmt.Errorf("store: %s: %w", op, ErrInvalidReference)
		}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// Unavailable reports whether err means the database cannot serve for now, classified by
// this package or straight from a driver (a caller that used bun directly).
func Unavailable(err error) bool {
	return errors.Is(err, ErrUnavailable) || (err != nil && unavailable(err))
}

// affectedOne tells whether a statement changed exactly one row (a claim won, a row inserted once).
func affectedOne(op string, res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, classify(op, err)
	}
	n, err := res.RowsAffected()
	return err == nil && n == 1, classify(op, err)
}

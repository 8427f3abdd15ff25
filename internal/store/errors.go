package store

import (
	"database/sql"
	"errors"
	"fmt"

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
)

// SQLite extended result codes (https://sqlite.org/rescode.html); modernc reports them
// because it turns extended result codes on for every connection.
const (
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// classify maps driver errors onto the sentinels, so callers never look at driver types.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
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

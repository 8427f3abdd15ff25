// Package store is Varco's relational storage: the tenants (Comuni), the Enti and their
// convenzioni, users and their grants, the audit trail and the Casbin rules. One set of models
// and repository functions serves SQLite (the default, a file in the data directory) and
// PostgreSQL (production). Repository functions take bun.IDB so that callers can compose them
// inside one transaction (see Tx).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// Dialect names reported in DB.Kind.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "pg"
)

// DB is an open database with the dialect it speaks. It embeds *bun.DB, so *DB is itself a
// bun.IDB and can be passed to every repository function and to Tx.
type DB struct {
	*bun.DB
	// Kind is DialectSQLite or DialectPostgres.
	Kind string
}

// sqlitePragmas are applied by the driver to every connection it opens. WAL lets readers run
// beside the writer; busy_timeout makes a second process wait instead of failing with
// SQLITE_BUSY; _txlock=immediate takes the write lock at BEGIN, so a transaction never fails
// half-way when it upgrades from reader to writer.
var sqlitePragmas = []string{
	"_pragma=journal_mode(WAL)",
	"_pragma=busy_timeout(5000)",
	"_pragma=synchronous(NORMAL)",
	"_pragma=foreign_keys(1)",
	"_txlock=immediate",
}

// Open opens the database named by dsn: "sqlite:<path>" (the file and its directory are
// created when missing) or "postgres://..." / "postgresql://...". Open does not contact a
// PostgreSQL server: call Ping to check it is reachable, and Migrate to create the schema.
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(dsn)
	default:
		return nil, fmt.Errorf("store: open: unsupported DSN scheme (want sqlite:<path> or postgres://...)")
	}
}

// OpenReadOnly opens the database named by dsn for reading only, for those who must not change
// it (an auditor's `varco audit verify`, on a copy or a replica): SQLite in mode=ro, the file
// never created; PostgreSQL with every transaction read-only (default_transaction_read_only),
// on top of whatever the role is granted. It never migrates.
func OpenReadOnly(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		file, _, _ := strings.Cut(strings.TrimPrefix(dsn, "sqlite:"), "?")
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("store: open sqlite read-only: %w", err)
		}
		return sqliteDB("file:"+file+"?mode=ro&_pragma=busy_timeout(5000)&_pragma=query_only(1)", false)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, errors.New("store: open postgres read-only: invalid DSN")
		}
		q := u.Query()
		q.Set("default_transaction_read_only", "on")
		u.RawQuery = q.Encode()
		return openPostgres(u.String())
	default:
		return Open(ctx, dsn) // the same error
	}
}

func openSQLite(path string) (*DB, error) {
	file, query, _ := strings.Cut(path, "?")
	if file == "" {
		return nil, fmt.Errorf("store: open sqlite: empty path")
	}
	if file != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return nil, fmt.Errorf("store: open sqlite: create directory: %w", err)
		}
	}
	params := strings.Join(sqlitePragmas, "&")
	if query != "" {
		params = query + "&" + params
	}
	return sqliteDB("file:"+file+"?"+params, true)
}

func sqliteDB(dsn string, rw bool) (*DB, error) {
	sqldb, err := sql.Open(sqliteshim.ShimName, dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	// One connection: SQLite has one writer at a time, and queuing writers in the pool is
	// what took the measured SQLITE_BUSY failures under 32 concurrent requests to zero
	// (docs/temporal.md, "Pitfalls"). Consequence: inside Tx, use the tx, never the DB, or
	// the second statement waits forever for the connection the tx holds.
	if rw {
		sqldb.SetMaxOpenConns(1)
	}
	sqldb.SetMaxIdleConns(1)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	return &DB{DB: bun.NewDB(sqldb, sqlitedialect.New()), Kind: DialectSQLite}, nil
}

func openPostgres(dsn string) (db *DB, err error) {
	// pgdriver.WithDSN panics on a malformed DSN; turn that into an error (without echoing the
	// DSN, which may hold a password).
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("store: open postgres: invalid DSN: %v", r)
		}
	}()
	connector := pgdriver.NewConnector(pgdriver.WithDSN(dsn))
	sqldb := sql.OpenDB(connector)
	sqldb.SetMaxIdleConns(8)
	return &DB{DB: bun.NewDB(sqldb, pgdialect.New()), Kind: DialectPostgres}, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.DB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.Kind, err)
	}
	return nil
}

// Tx runs fn in a transaction on db, committing when fn returns nil and rolling back
// otherwise. When db is already a bun.Tx, fn runs in a savepoint of it.
func Tx(ctx context.Context, db bun.IDB, fn func(tx bun.Tx) error) error {
	return db.RunInTx(ctx, nil, func(_ context.Context, tx bun.Tx) error {
		return fn(tx)
	})
}

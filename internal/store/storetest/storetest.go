// Package storetest opens migrated, isolated test databases for every dialect store supports,
// so one test body runs on SQLite and PostgreSQL alike (EachDB).
//
// PostgreSQL: the DSN comes from VARCO_TEST_POSTGRES_DSN (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Each call gets a fresh random
// schema, selected through search_path and dropped at cleanup, because other packages' tests
// use the same database at the same time. An unreachable server fails the test, unless
// VARCO_TEST_SKIP_POSTGRES=1, which skips it instead.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// DefaultPostgresDSN is used when VARCO_TEST_POSTGRES_DSN is unset.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// EachDB runs fn as a subtest on a fresh, migrated database of each dialect.
func EachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run(store.DialectSQLite, func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run(store.DialectPostgres, func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated database in a file under t.TempDir().
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "varco.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// Postgres returns a migrated database living in a new schema that is dropped at cleanup.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	db, _ := PostgresDSN(t)
	return db
}

// PostgresDSN is Postgres with the DSN that reaches its schema (search_path set), for tests
// that open it again, with another role or read-only.
func PostgresDSN(t testing.TB) (*store.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := postgresDSN()
	admin := openPostgres(t, ctx, base)
	schema := "varco_test_" + randomHex(t, 8)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// Registered before the test DB's Close, so it runs after it (cleanups are LIFO).
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	dsn := withSearchPath(t, base, schema)
	db := openPostgres(t, ctx, dsn)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db, dsn
}

func postgresDSN() string {
	if dsn := os.Getenv("VARCO_TEST_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return DefaultPostgresDSN
}

// openPostgres opens and pings dsn, failing (or skipping, see package doc) when unreachable.
func openPostgres(t testing.TB, ctx context.Context, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(ctx, dsn)
	if err == nil {
		err = db.Ping(ctx)
		if err != nil {
			_ = db.Close()
		}
	}
	if err != nil {
		msg := "PostgreSQL at " + redacted(dsn) + " is unreachable (" + err.Error() +
			"); set VARCO_TEST_POSTGRES_DSN, or VARCO_TEST_SKIP_POSTGRES=1 to skip PostgreSQL tests"
		if os.Getenv("VARCO_TEST_SKIP_POSTGRES") == "1" {
			t.Skip("VARCO_TEST_SKIP_POSTGRES=1: " + msg)
		}
		t.Fatal(msg)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// withSearchPath adds search_path to the DSN; pgdriver sends unknown DSN parameters as
// startup parameters, so every pooled connection starts in the schema.
func withSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse postgres DSN: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redacted(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b)
}

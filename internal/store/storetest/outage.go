package storetest

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// Outage is a migrated PostgreSQL database of its own that a test can take down and bring
// back without touching the shared server: Down refuses new connections to it and ends the
// open ones, as a restart, a failover or max_connections would; Up lets them in again.
type Outage struct {
	t     testing.TB
	admin *store.DB
	name  string
}

// PostgresOutage creates the database (dropped at cleanup) and returns it with its switch.
func PostgresOutage(t testing.TB) (*store.DB, *Outage) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := postgresDSN()
	admin := openPostgres(t, ctx, base)
	o := &Outage{t: t, admin: admin, name: "varco_outage_" + randomHex(t, 6)}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+o.name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		o.Up()
		_, _ = admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?", o.name)
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+o.name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", o.name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse postgres DSN: %v", err)
	}
	u.Path = "/" + o.name
	db := openPostgres(t, ctx, u.String())
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db, o
}

// Down refuses new connections to the database and terminates the open ones.
func (o *Outage) Down() {
	o.exec("ALTER DATABASE " + o.name + " ALLOW_CONNECTIONS false")
	o.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + o.name + "' AND pid <> pg_backend_pid()")
}

// Up accepts connections again.
func (o *Outage) Up() { o.exec("ALTER DATABASE " + o.name + " ALLOW_CONNECTIONS true") }

func (o *Outage) exec(q string) {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := o.admin.ExecContext(ctx, q); err != nil {
		o.t.Fatalf("%s: %v", q, err)
	}
}

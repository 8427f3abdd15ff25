package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// testEachDB runs one test body on SQLite and on PostgreSQL.
func testEachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	storetest.EachDB(t, fn)
}

func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// fixture creates a Comune and an Ente and returns them.
func fixture(t *testing.T, db *store.DB, code string) (*store.Comune, *store.Ente) {
	t.Helper()
	ctx := context.Background()
	c := &store.Comune{Code: code, IstatCode: "istat-" + code, Name: "Comune " + code,
		Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser,
		PurposeIDs: map[string]string{"C020": "p-" + code}}
	mustNoErr(t, store.CreateComune(ctx, db.DB, c))
	e := &store.Ente{Name: "Ente for " + code}
	mustNoErr(t, store.CreateEnte(ctx, db.DB, e))
	return c, e
}

func TestMigrateIsIdempotent(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for range 3 {
			mustNoErr(t, db.Migrate(ctx))
		}
		n, err := db.NewSelect().Table("varco_migrations").Count(ctx)
		mustNoErr(t, err)
		files, err := os.ReadDir(filepath.Join("migrations", db.Kind))
		mustNoErr(t, err)
		if int(n) != len(files) {
			t.Fatalf("recorded migrations = %d, want one per file (%d)", n, len(files))
		}
		mustNoErr(t, db.Ping(ctx))
	})
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	if _, err := store.Open(context.Background(), "mysql://x"); err == nil {
		t.Fatal("want error for unsupported scheme")
	}
}

func TestComuni(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fixture(t, db, "H501")
		fixture(t, db, "F205")

		got, err := store.GetComune(ctx, db.DB, "H501")
		mustNoErr(t, err)
		if got.PurposeIDs["C020"] != "p-H501" || got.Environment != store.EnvSimulator || got.CreatedAt.IsZero() {
			t.Fatalf("round trip: %+v", got)
		}
		list, err := store.ListComuni(ctx, db.DB)
		mustNoErr(t, err)
		if len(list) != 2 || list[0].Code != "F205" || list[1].Code != "H501" {
			t.Fatalf("list = %+v", list)
		}
		n, err := store.CountComuni(ctx, db.DB)
		mustNoErr(t, err)
		if n != 2 {
			t.Fatalf("count = %d", n)
		}

		_, err = store.GetComune(ctx, db.DB, "Z999")
		wantErr(t, err, store.ErrNotFound)
		dup := &store.Comune{Code: "H501", IstatCode: "other", Name: "x",
			Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser}
		wantErr(t, store.CreateComune(ctx, db.DB, dup), store.ErrConflict)
	})
}

func TestUsers(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := &store.User{Username: "mario", DisplayName: "Mario", PasswordHash: "h", Active: true}
		mustNoErr(t, store.CreateUser(ctx, db.DB, u))
		if u.ID == 0 {
			t.Fatal("ID not set")
		}
		got, err := store.GetUserByUsername(ctx, db.DB, "mario")
		mustNoErr(t, err)
		if got.ID != u.ID || !got.Active || got.DisplayName != "Mario" {
			t.Fatalf("got %+v", got)
		}
		wantErr(t, store.CreateUser(ctx, db.DB, &store.User{Username: "mario"}), store.ErrConflict)

		mustNoErr(t, store.SetUserActive(ctx, db.DB, u.ID, false))
		got, err = store.GetUser(ctx, db.DB, u.ID)
		mustNoErr(t, err)
		if got.Active || got.UpdatedAt.Before(got.CreatedAt) {
			t.Fatalf("after suspend: %+v", got)
		}
		wantErr(t, store.SetUserActive(ctx, db.DB, 9999, true), store.ErrNotFound)
		_, err = store.GetUser(ctx, db.DB, 9999)
		wantErr(t, err, store.ErrNotFound)
		_, err = store.GetUserByUsername(ctx, db.DB, "nobody")
		wantErr(t, err, store.ErrNotFound)
	})
}

func TestEnti(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := &store.Ente{Name: "Polizia Locale", CodiceIPA: "pl_rm"}
		mustNoErr(t, store.CreateEnte(ctx, db.DB, e))
		got, err := store.GetEnte(ctx, db.DB, e.ID)
		mustNoErr(t, err)
		if got.Name != "Polizia Locale" || got.CodiceIPA != "pl_rm" {
			t.Fatalf("got %+v", got)
		}
		wantErr(t, store.CreateEnte(ctx, db.DB, &store.Ente{Name: "x", CodiceIPA: "pl_rm"}), store.ErrConflict)
		// Enti without an IPA code do not collide with each other.
		mustNoErr(t, store.CreateEnte(ctx, db.DB, &store.Ente{Name: "a"}))
		mustNoErr(t, store.CreateEnte(ctx, db.DB, &store.Ente{Name: "b"}))
		_, err = store.GetEnte(ctx, db.DB, 424242)
		wantErr(t, err, store.ErrNotFound)
	})
}

func TestTxRollsBackAndCommits(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := store.Tx(ctx, db.DB, func(tx bun.Tx) error {
			mustNoErr(t, store.CreateUser(ctx, tx, &store.User{Username: "ghost"}))
			return boom
		})
		wantErr(t, err, boom)
		_, err = store.GetUserByUsername(ctx, db.DB, "ghost")
		wantErr(t, err, store.ErrNotFound)

		mustNoErr(t, store.Tx(ctx, db.DB, func(tx bun.Tx) error {
			return store.CreateUser(ctx, tx, &store.User{Username: "real"})
		}))
		_, err = store.GetUserByUsername(ctx, db.DB, "real")
		mustNoErr(t, err)
	})
}

func TestDay(t *testing.T) {
	// 23:30 UTC on 31 Dec is already 1 Jan in Rome.
	got := store.Day(time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC))
	if want := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Day = %v, want %v", got, want)
	}
}

func TestOpenSQLiteCreatesFileWithPragmas(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/nested/dir/varco.db"
	db, err := store.Open(ctx, "sqlite:"+path)
	mustNoErr(t, err)
	defer db.Close()
	mustNoErr(t, db.Migrate(ctx))
	if db.Kind != store.DialectSQLite {
		t.Fatalf("dialect %q", db.Kind)
	}
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "busy_timeout": "5000", "synchronous": "1", "foreign_keys": "1",
	} {
		var got string
		mustNoErr(t, db.NewRaw("PRAGMA "+pragma).Scan(ctx, &got))
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

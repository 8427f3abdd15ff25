package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestOpenReadOnly: a database opened read-only reads what is there and refuses every write,
// on both dialects; SQLite's file is never created.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "varco.db")
	rw, err := store.Open(ctx, "sqlite:"+path)
	mustNoErr(t, err)
	mustNoErr(t, rw.Migrate(ctx))
	fixture(t, rw, "H501")
	mustNoErr(t, rw.Close())
	pg, pgDSN := storetest.PostgresDSN(t)
	fixture(t, pg, "H501")

	for kind, dsn := range map[string]string{store.DialectSQLite: "sqlite:" + path, store.DialectPostgres: pgDSN} {
		t.Run(kind, func(t *testing.T) {
			db, err := store.OpenReadOnly(ctx, dsn)
			mustNoErr(t, err)
			defer db.Close()
			comuni, err := store.ListComuni(ctx, db)
			if err != nil || len(comuni) != 1 || comuni[0].Code != "H501" {
				t.Fatalf("read: %v %v", comuni, err)
			}
			c := &store.Comune{Code: "F205", IstatCode: "015146", Name: "MILANO", Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser}
			if err := store.CreateComune(ctx, db, c); err == nil {
				t.Fatal("a read-only database took an INSERT")
			}
			if _, err := db.ExecContext(ctx, "UPDATE comuni SET name = 'X'"); err == nil {
				t.Fatal("a read-only database took an UPDATE")
			}
		})
	}
	missing := filepath.Join(t.TempDir(), "none.db")
	if _, err := store.OpenReadOnly(ctx, "sqlite:"+missing); err == nil {
		t.Fatal("opened a missing file read-only")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("read-only open created %s", missing)
	}
}

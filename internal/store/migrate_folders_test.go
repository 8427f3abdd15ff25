package store

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// TestMigrationFoldersMatch: the SQLite and PostgreSQL folders hold the same steps, by name,
// each creating the same tables and indexes: a step written for one dialect only would leave
// the other's schema behind without any test noticing until production.
func TestMigrationFoldersMatch(t *testing.T) {
	names := func(dir string) []string {
		entries, err := fs.ReadDir(migrationsFS, "migrations/"+dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	sqlite, pg := names("sqlite"), names("pg")
	if !slices.Equal(sqlite, pg) || len(sqlite) == 0 {
		t.Fatalf("migration steps differ:\n sqlite %v\n pg     %v", sqlite, pg)
	}
	for i, name := range sqlite {
		if want := fmt.Sprintf("%04d_", i+1); !strings.HasPrefix(name, want) {
			t.Errorf("%s: steps are numbered 0001, 0002… without gaps (want %s…)", name, want)
		}
		a, b := objects(t, "sqlite/"+name), objects(t, "pg/"+name)
		a = slices.DeleteFunc(a, func(o string) bool { return sqliteOnly[o] != "" })
		if !slices.Equal(a, b) {
			t.Errorf("%s creates different objects:\n sqlite %v\n pg     %v", name, a, b)
		}
	}
}

// sqliteOnly are the objects one dialect needs and the other does not, with the reason.
var sqliteOnly = map[string]string{
	"create table:audit_purge_guard": "SQLite's stand-in for PostgreSQL's varco.audit_purge session setting, which lets the retention purge past the append-only trigger (0006)",
}

// objects lists the tables and indexes a step creates or drops, sorted ("table:x", "index:y").
func objects(t *testing.T, file string) []string {
	t.Helper()
	b, err := fs.ReadFile(migrationsFS, "migrations/"+file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	f := strings.Fields(strings.ToLower(string(b)))
	for i := 0; i+2 < len(f); i++ {
		if f[i] != "create" && f[i] != "drop" {
			continue
		}
		j := i + 1
		if f[j] == "unique" {
			j++
		}
		kind := f[j]
		if kind != "table" && kind != "index" {
			continue
		}
		j++
		for j < len(f) && (f[j] == "if" || f[j] == "not" || f[j] == "exists") {
			j++
		}
		if j < len(f) {
			name := strings.TrimRight(strings.Trim(f[j], `"`), "(;")
			out = append(out, f[i]+" "+kind+":"+name)
		}
	}
	slices.Sort(out)
	return out
}

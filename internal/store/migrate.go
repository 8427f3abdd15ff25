package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// migrationsFS holds one directory per dialect. The two directories carry the same versions
// with the same meaning; only types differ (TEXT/TIMESTAMP/INTEGER vs JSONB/TIMESTAMPTZ/BIGINT).
//
//go:embed migrations/sqlite/*.sql migrations/pg/*.sql
var migrationsFS embed.FS

// migration is one embedded SQL file; its version is the file name without ".sql".
type migration struct {
	version    string
	statements []string
}

// migrationRow records an applied migration.
type migrationRow struct {
	bun.BaseModel `bun:"table:varco_migrations"`

	Version   string    `bun:"version,pk"`
	AppliedAt time.Time `bun:"applied_at,notnull"`
}

// Migrate applies the embedded migrations that are not yet recorded in varco_migrations.
// All pending migrations run in one transaction (DDL is transactional in both databases), so a
// failed upgrade leaves the schema as it was. Concurrent callers (replicas starting together)
// are serialised: by an advisory lock on PostgreSQL, by BEGIN IMMEDIATE on SQLite.
func (db *DB) Migrate(ctx context.Context) error {
	migs, err := loadMigrations(db.Kind)
	if err != nil {
		return err
	}
	return Tx(ctx, db.DB, func(tx bun.Tx) error {
		if err := db.lockMigrations(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS varco_migrations (
			version TEXT PRIMARY KEY, applied_at `+db.timestampType()+` NOT NULL)`); err != nil {
			return fmt.Errorf("store: migrate: create varco_migrations: %w", err)
		}
		applied, err := appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range migs {
			if applied[m.version] {
				continue
			}
			if err := applyMigration(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) timestampType() string {
	if db.Kind == DialectPostgres {
		return "TIMESTAMPTZ"
	}
	return "TIMESTAMP"
}

// lockMigrations takes a transaction-scoped lock keyed by the current schema, so tests using
// separate schemas of one database do not wait for each other.
func (db *DB) lockMigrations(ctx context.Context, tx bun.Tx) error {
	if db.Kind != DialectPostgres {
		return nil // BEGIN IMMEDIATE already holds SQLite's write lock.
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('varco_migrations:' || current_schema()))`)
	if err != nil {
		return fmt.Errorf("store: migrate: lock: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, tx bun.Tx) (map[string]bool, error) {
	var rows []migrationRow
	if err := tx.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: migrate: read applied versions: %w", err)
	}
	applied := make(map[string]bool, len(rows))
	for _, r := range rows {
		applied[r.Version] = true
	}
	return applied, nil
}

func applyMigration(ctx context.Context, tx bun.Tx, m migration) error {
	for i, stmt := range m.statements {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("store: migrate: %s statement %d: %w", m.version, i+1, err)
		}
	}
	row := &migrationRow{Version: m.version, AppliedAt: now()}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return fmt.Errorf("store: migrate: record %s: %w", m.version, err)
	}
	return nil
}

// loadMigrations reads the dialect's files in version order.
func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: no migrations for dialect %q: %w", dialect, err)
	}
	var migs []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		body, err := fs.ReadFile(migrationsFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: migrate: read %s: %w", e.Name(), err)
		}
		migs = append(migs, migration{
			version:    strings.TrimSuffix(e.Name(), ".sql"),
			statements: splitStatements(string(body)),
		})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	return migs, nil
}

// splitStatements splits a file on ';' at the end of a line and drops comment lines. Drivers
// differ in whether one Exec may carry several statements, so each runs on its own.
// Convention for migration files: a statement ends with ';' at end of line, and no line inside
// a statement ends with ';'.
func splitStatements(body string) []string {
	var stmts []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			stmts = append(stmts, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		stmts = append(stmts, rest)
	}
	return stmts
}

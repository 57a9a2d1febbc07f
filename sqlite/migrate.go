package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order (see
// storeutil.Migrations).
func migrations() ([]storeutil.Migration, error) {
	ms, err := storeutil.Migrations(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return ms, nil
}

// migrate applies the migrations the database lacks, each in its own
// immediate transaction, so that two processes opening a new file at once
// apply each migration once. It refuses a database that records a migration
// this program does not know: a newer actas wrote it. Opening an up-to-date
// database only reads.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	known := map[int]bool{}
	for _, m := range ms {
		known[m.Version] = true
	}
	latest := ms[len(ms)-1].Version
	applied, err := db.applied(ctx, db.w, known, latest)
	if err != nil {
		return err
	}
	// WAL lets readers work while the writer writes; the mode is stored
	// in the file, so it is set once the file is known to be ours.
	var mode string
	if err := db.w.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: open %s: journal mode: %w", db.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: open %s: journal mode is %s, not WAL", db.path, mode)
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := db.apply(ctx, m, known, latest); err != nil {
			return err
		}
	}
	return db.checkLogTables(ctx)
}

// checkLogTables refuses a database made by actas before the transparency
// log, whose first migration created no log: its elections have no entries
// to append to, and inventing them now would log, as received today, what
// was received before.
func (db *DB) checkLogTables(ctx context.Context) error {
	var n int
	if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('log_pages', 'checkpoints')`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", db.path, err)
	}
	if n != 2 {
		return actas.Errorf(actas.EINVALID, "%s was made by an earlier actas, without a transparency log: create a new database with actas init and import the same files again (the old one stays readable by that version)", db.path)
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// applied returns the versions the database records, refusing one unknown
// here.
func (db *DB) applied(ctx context.Context, q querier, known map[int]bool, latest int) (map[int]bool, error) {
	applied := map[int]bool{}
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", db.path, err)
	}
	exists := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", db.path, err)
	}
	if !exists {
		// A new file is empty; a SQLite file with tables of its own belongs
		// to another program, and gets none of ours.
		var objects int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&objects); err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", db.path, err)
		}
		if objects > 0 {
			return nil, actas.Errorf(actas.EINVALID, "%s is not an actas database: it holds other tables", db.path)
		}
		return applied, nil
	}
	rows, err = q.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: schema_migrations: %w", db.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, fmt.Errorf("sqlite: open %s: schema_migrations: %w", db.path, err)
		}
		if !known[v] {
			return nil, actas.Errorf(actas.ECONFLICT,
				"database %s has schema migration %d (%s), newer than this program knows (up to %d): use a newer actas",
				db.path, v, name, latest)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: schema_migrations: %w", db.path, err)
	}
	return applied, nil
}

// apply applies m unless the database records it by the time the
// transaction holds the write lock.
func (db *DB) apply(ctx context.Context, m storeutil.Migration, known map[int]bool, latest int) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: migration %s: %w", db.path, m.Name, err)
	}
	defer rollback(tx)
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name    TEXT NOT NULL,
		applied TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("sqlite: open %s: schema_migrations: %w", db.path, err)
	}
	// Read again under the lock: another process may have migrated the
	// file since, or may be newer than us.
	applied, err := db.applied(ctx, tx, known, latest)
	if err != nil {
		return err
	}
	if applied[m.Version] {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("sqlite: open %s: migration %s: %w", db.path, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("sqlite: open %s: migration %s: %w", db.path, m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: open %s: migration %s: %w", db.path, m.Name, err)
	}
	return nil
}

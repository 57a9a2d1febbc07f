package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order (see
// storeutil.Migrations).
func migrations() ([]storeutil.Migration, error) {
	ms, err := storeutil.Migrations(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return ms, nil
}

// migrate applies the migrations the database lacks, each in its own
// transaction, on one connection holding a session-level advisory lock: of
// several processes opening a new database at once, one migrates and the
// others wait for it, then find nothing to do. It refuses a database that
// records a migration this program does not know (a newer actas wrote it),
// and one without our migrations table that holds tables of its own.
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
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: open %s: %w", db.url, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, 0)`, int32(lockClassMigration)); err != nil {
		return fmt.Errorf("postgres: open %s: migration lock: %w", db.url, err)
	}
	defer func() {
		// Without the unlock the lock lives as long as the connection:
		// drop the connection rather than return it to the pool.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, 0)`, int32(lockClassMigration)); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	applied, err := db.applied(ctx, conn.Conn(), known, latest)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := db.apply(ctx, conn.Conn(), m); err != nil {
			return err
		}
	}
	return nil
}

// applied returns the versions the database records, refusing one unknown
// here.
func (db *DB) applied(ctx context.Context, conn *pgx.Conn, known map[int]bool, latest int) (map[int]bool, error) {
	applied := map[int]bool{}
	var exists bool
	var others int
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL,
		(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())`).Scan(&exists, &others); err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", db.url, err)
	}
	if !exists {
		if others > 0 {
			return nil, actas.Errorf(actas.EINVALID, "%s is not an actas database: it holds other tables", db.url)
		}
		return applied, nil
	}
	rows, err := conn.Query(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: schema_migrations: %w", db.url, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, fmt.Errorf("postgres: open %s: schema_migrations: %w", db.url, err)
		}
		if !known[v] {
			return nil, actas.Errorf(actas.ECONFLICT,
				"database %s has schema migration %d (%s), newer than this program knows (up to %d): use a newer actas",
				db.url, v, name, latest)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: open %s: schema_migrations: %w", db.url, err)
	}
	return applied, nil
}

// apply applies m and records it, in one transaction.
func (db *DB) apply(ctx context.Context, conn *pgx.Conn, m storeutil.Migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: open %s: migration %s: %w", db.url, m.Name, err)
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name    text NOT NULL,
		applied timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("postgres: open %s: schema_migrations: %w", db.url, err)
	}
	// The simple protocol runs a file of several statements at once.
	if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("postgres: open %s: migration %s: %w", db.url, m.Name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return fmt.Errorf("postgres: open %s: migration %s: %w", db.url, m.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: open %s: migration %s: %w", db.url, m.Name, err)
	}
	return nil
}

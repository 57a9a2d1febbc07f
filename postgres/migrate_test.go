package postgres

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/pgtest"
	"github.com/actasproject/actas/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestMigrationToPartitions opens a database that an actas before
// migration 0004 wrote (testdata/schema3.sql) and checks that what it held
// reads back whole, with every log entry derived again from the moved rows
// matching the hashes stored before the move, that writing goes on, and
// that the moved rows stay append-only.
func TestMigrationToPartitions(t *testing.T) {
	ctx := t.Context()
	url := pgtest.MustDatabase(t)
	dump, err := os.ReadFile("testdata/schema3.sql")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	old := &DB{url: Redact(url)}
	for _, m := range ms {
		if m.Version <= 3 {
			if err := old.apply(ctx, conn, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := conn.Exec(ctx, string(dump), pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatalf("loading testdata/schema3.sql: %v", err)
	}
	// The dump empties the session's search path.
	if _, err := conn.Exec(ctx, `RESET search_path`); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("Open of a database at migration 0003: %v", err)
	}
	defer db.Close()

	storetest.MustLog(t, db, "e1")
	storetest.MustLog(t, db, "e2")
	t.Run("every submission, station, total and snapshot is read back", func(t *testing.T) {
		counts := []struct {
			what string
			got  int
		}{
			{"submissions", len(storetest.MustSubmissions(t, db, "e1")) + len(storetest.MustSubmissions(t, db, "e2"))},
			{"stations", len(mustDo(t, func() ([]actas.Station, error) { return db.Stations(ctx, "e1") })) +
				len(mustDo(t, func() ([]actas.Station, error) { return db.Stations(ctx, "e2") }))},
			{"totals", len(mustDo(t, func() ([]actas.OfficialTotal, error) { return db.Totals(ctx, "e1") }))},
			{"snapshots", len(mustDo(t, func() ([]actas.Snapshot, error) { return db.Snapshots(ctx, "e1") }))},
		}
		for _, c := range counts {
			want := strings.Count(string(dump), "INSERT INTO public."+c.what+" ")
			if c.got != want || want == 0 {
				t.Errorf("%d %s read back, the old database held %d", c.got, c.what, want)
			}
		}
	})

	t.Run("writing goes on, in the old elections and a new one", func(t *testing.T) {
		more := storetest.File(actas.Witness, 7)[:4]
		storetest.MustSubmit(t, db, "e1", more...)
		// e2 had no submission: this is its first, which attaches its
		// partition of submissions.
		storetest.MustSubmit(t, db, "e2", storetest.File(actas.Witness, 7)[:2]...)
		storetest.MustCreateElection(t, db, storetest.Election("e3"), storetest.Stations())
		storetest.MustSubmit(t, db, "e3", storetest.File(actas.Witness, 0)...)
		for _, e := range []string{"e1", "e2", "e3"} {
			storetest.MustLog(t, db, e)
		}
	})

	t.Run("the moved rows stay append-only", func(t *testing.T) {
		for _, sql := range []string{
			`UPDATE submissions SET ballots = ballots + 1`,
			`UPDATE submissions_1 SET ballots = ballots + 1`,
			`DELETE FROM stations_1`,
			`DELETE FROM areas_2`,
			`UPDATE areas SET name = 'x'`,
		} {
			_, err := conn.Exec(ctx, sql)
			if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "23001" {
				t.Errorf("%s: %v, want refused by the append-only rules (restrict_violation)", sql, err)
			}
		}
	})
}

// mustDo returns what f returns, failing t on an error.
func mustDo[T any](t *testing.T, f func() (T, error)) T {
	t.Helper()
	v, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/storetest"
)

// backend opens SQLite stores on files in the test's temporary directory.
var backend = storetest.Backend{
	New: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "actas.db") },
	Open: func(tb testing.TB, addr string) actas.Store {
		tb.Helper()
		db, err := sqlite.Open(context.Background(), addr)
		if err != nil {
			tb.Fatalf("sqlite.Open(%s): %v", addr, err)
		}
		return db
	},
}

func TestStore(t *testing.T) {
	storetest.Run(t, backend)
}

// MustOpen opens a store on a new file and closes it when tb ends.
func MustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "actas.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustOpenWithElection opens a store holding the storetest election e.
func MustOpenWithElection(tb testing.TB, e string) *sqlite.DB {
	tb.Helper()
	db := MustOpen(tb)
	storetest.MustCreateElection(tb, db, storetest.Election(e), storetest.Stations())
	return db
}

// MustPlainSQL opens the store's file with plain database/sql, as someone
// with the file and the sqlite3 shell would, and closes it when tb ends.
func MustPlainSQL(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	conn, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

func TestMigrations(t *testing.T) {
	type row struct {
		version int
		name    string
		applied string
	}
	recorded := func(t *testing.T, path string) []row {
		t.Helper()
		rows, err := MustPlainSQL(t, path).Query(`SELECT version, name, applied FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatalf("schema_migrations: %v", err)
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.version, &r.name, &r.applied); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}

	t.Run("a new file records every migration", func(t *testing.T) {
		db := MustOpen(t)
		got := recorded(t, db.Path())
		if len(got) == 0 || got[0].version != 1 || got[0].name != "0001_init.sql" {
			t.Fatalf("schema_migrations = %+v, want 0001_init.sql first", got)
		}
	})

	t.Run("opening an up-to-date file applies nothing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "actas.db")
		db, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		storetest.MustCreateElection(t, db, storetest.Election("e"), storetest.Stations())
		db.Close()
		before := recorded(t, path)
		for range 2 {
			db, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatalf("Open again: %v", err)
			}
			db.Close()
		}
		after := recorded(t, path)
		if len(after) != len(before) {
			t.Fatalf("schema_migrations has %d rows after reopening, %d before", len(after), len(before))
		}
		for i := range before {
			if after[i] != before[i] {
				t.Fatalf("migration %d recorded as %+v after reopening, %+v before", before[i].version, after[i], before[i])
			}
		}
		db, err = sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Election(t.Context(), "e"); err != nil {
			t.Fatalf("the election is gone after reopening: %v", err)
		}
	})

	t.Run("a file from a newer actas is refused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "actas.db")
		db, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if _, err := MustPlainSQL(t, path).Exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (9999, '9999_future.sql', '2030-01-01T00:00:00Z')`); err != nil {
			t.Fatal(err)
		}
		db, err = sqlite.Open(t.Context(), path)
		if err == nil {
			db.Close()
			t.Fatal("Open accepted a database with an unknown, newer migration")
		}
		if actas.ErrorCode(err) != actas.ECONFLICT || !strings.Contains(actas.ErrorMessage(err), "newer") {
			t.Fatalf("Open error = %v (code %s), want a conflict saying the database is newer", err, actas.ErrorCode(err))
		}
	})

	t.Run("a file from before the transparency log is refused with what to do", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "actas.db")
		db, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		// What the first release's 0001_init.sql made lacks the log's tables.
		if _, err := MustPlainSQL(t, path).Exec(`DROP TABLE log_pages; DROP TABLE checkpoints`); err != nil {
			t.Fatal(err)
		}
		db, err = sqlite.Open(t.Context(), path)
		if err == nil {
			db.Close()
			t.Fatal("Open accepted a database without log tables")
		}
		if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(actas.ErrorMessage(err), "actas init") {
			t.Fatalf("Open error = %v (code %s), want invalid, saying to run actas init", err, actas.ErrorCode(err))
		}
	})

	t.Run("a file that is not a database is refused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "stations.csv")
		text := "station,registered,state\n" + strings.Repeat("001,500,Zulia\n", 20)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		db, err := sqlite.Open(t.Context(), path)
		if err == nil {
			db.Close()
			t.Fatal("Open accepted a CSV file")
		}
		if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(actas.ErrorMessage(err), "not an actas database") {
			t.Fatalf("Open error = %v (code %s), want invalid, not an actas database", err, actas.ErrorCode(err))
		}
		if got, _ := os.ReadFile(path); string(got) != text {
			t.Fatal("Open changed the file it refused")
		}
	})

	t.Run("another program's database is refused and left alone", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		if _, err := MustPlainSQL(t, path).Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
			t.Fatal(err)
		}
		db, err := sqlite.Open(t.Context(), path)
		if err == nil {
			db.Close()
			t.Fatal("Open accepted another program's database")
		}
		if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(actas.ErrorMessage(err), "not an actas database") {
			t.Fatalf("Open error = %v (code %s), want invalid, not an actas database", err, actas.ErrorCode(err))
		}
		var n int
		var mode string
		plain := MustPlainSQL(t, path)
		if err := plain.QueryRow(`SELECT count(*) FROM sqlite_schema`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("the other database now has %d schema objects (%v), want its 1 table only", n, err)
		}
		if err := plain.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "delete" {
			t.Fatalf("the other database's journal mode is now %q (%v), want delete as it was", mode, err)
		}
	})

	t.Run("a folder that does not exist is refused", func(t *testing.T) {
		_, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "missing", "actas.db"))
		if actas.ErrorCode(err) != actas.EINVALID {
			t.Fatalf("Open error = %v (code %s), want invalid", err, actas.ErrorCode(err))
		}
	})

	t.Run("a path that is not a file is refused", func(t *testing.T) {
		for _, p := range []string{"", ":memory:", "file::memory:?cache=shared"} {
			if db, err := sqlite.Open(t.Context(), p); actas.ErrorCode(err) != actas.EINVALID {
				if db != nil {
					db.Close()
				}
				t.Errorf("Open(%q) error = %v, want invalid", p, err)
			}
		}
	})
}

func TestAppendOnly(t *testing.T) {
	db := MustOpenWithElection(t, "e")
	storetest.MustSubmit(t, db, "e", storetest.Sub(actas.Witness, storetest.Sheet("001", "president", 0)))
	storetest.MustAddTotals(t, db, "e", actas.Report{New: 1}, actas.OfficialTotal{Contest: "president", Choice: "a", Votes: 5})
	storetest.MustAddSnapshots(t, db, "e", actas.Report{New: 1}, actas.Snapshot{Scope: "001", Station: true, Time: 600, Voters: 5, Source: actas.Witness})
	plain := MustPlainSQL(t, db.Path())
	for _, stmt := range []string{
		`UPDATE submissions SET votes = '999,80,7'`,
		`UPDATE submissions SET ballots = ballots + 1 WHERE seq = 1`,
		`DELETE FROM submissions`,
		`UPDATE totals SET votes = 6`,
		`DELETE FROM totals`,
		`UPDATE snapshots SET voters = 6`,
		`DELETE FROM snapshots`,
		`UPDATE stations SET registered = 1`,
		`DELETE FROM areas`,
		`UPDATE elections SET document = '{}'`,
		`UPDATE origins SET text = 'forged'`,
	} {
		t.Run(stmt, func(t *testing.T) {
			_, err := plain.Exec(stmt)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("plain SQL %q: error %v, want a refusal saying the table is append-only", stmt, err)
			}
		})
	}
	got := storetest.MustSubmissions(t, db, "e")
	if len(got) != 1 || got[0].Sheet.Votes[0] != 120 {
		t.Fatalf("after the refused statements the submission reads %+v", got)
	}
}

func TestPlainSQLReadsTheNumbers(t *testing.T) {
	db := MustOpenWithElection(t, "e")
	sheet := storetest.Sheet("005", "president", 3)
	storetest.MustSubmit(t, db, "e", storetest.Sub(actas.Official, sheet))
	var station, contest, source, votes, received string
	var blank, null, ballots, voters int64
	err := MustPlainSQL(t, db.Path()).QueryRow(`SELECT st.code, c.code, s.source, s.votes, s.blank_votes, s.null_votes, s.ballots, s.voters, s.received
		FROM submissions s JOIN stations st ON st.id = s.station JOIN contests c ON c.id = s.contest`).
		Scan(&station, &contest, &source, &votes, &blank, &null, &ballots, &voters, &received)
	if err != nil {
		t.Fatal(err)
	}
	if station != "005" || contest != "president" || source != "official" || votes != "123,80,7" ||
		blank != 3 || null != 2 || ballots != sheet.Ballots || voters != sheet.Voters || received != "2024-07-28T23:04:05.123456789Z" {
		t.Fatalf("plain SQL reads %s %s %s %q %d %d %d %d %s", station, contest, source, votes, blank, null, ballots, voters, received)
	}
}

func TestSubmitSetsSeq(t *testing.T) {
	db := MustOpenWithElection(t, "e")
	a := storetest.Sub(actas.Witness, storetest.Sheet("001", "president", 0))
	b := storetest.Sub(actas.Witness, storetest.Sheet("001", "president", 0))
	c := storetest.Sub(actas.Witness, storetest.Sheet("002", "president", 0))
	storetest.MustSubmit(t, db, "e", a, b, c)
	if a.Seq != 1 || a.Election != "e" || c.Seq != 2 || c.Election != "e" {
		t.Fatalf("stored submissions have Seq %d, %d and Election %q, %q; want 1, 2 and e", a.Seq, c.Seq, a.Election, c.Election)
	}
	if b.Seq != 0 || b.Election != "" {
		t.Fatalf("the present submission was changed: Seq %d, Election %q", b.Seq, b.Election)
	}
}

func TestSubmitRefusesMalformed(t *testing.T) {
	sub := func(edit func(*actas.Submission)) *actas.Submission {
		s := storetest.Sub(actas.Witness, storetest.Sheet("003", "president", 0))
		edit(s)
		return s
	}
	for _, tc := range []struct {
		name string
		bad  *actas.Submission
	}{
		{"a missing submission", nil},
		{"an unknown source", sub(func(s *actas.Submission) { s.Source = "rumour" })},
		{"no source", sub(func(s *actas.Submission) { s.Source = "" })},
		{"the reconciled view as a source", sub(func(s *actas.Submission) { s.Source = actas.Reconciled })},
		{"negative votes", sub(func(s *actas.Submission) { s.Sheet.Votes[1] = -1 })},
		{"negative ballots", sub(func(s *actas.Submission) { s.Sheet.Ballots = -3 })},
		{"voters below unknown", sub(func(s *actas.Submission) { s.Sheet.Voters = -2 })},
		{"another election", sub(func(s *actas.Submission) { s.Election = "other" })},
	} {
		t.Run(tc.name+" is refused and nothing is stored", func(t *testing.T) {
			db := MustOpenWithElection(t, "e")
			good := storetest.Sub(actas.Witness, storetest.Sheet("001", "president", 0))
			_, err := db.Submit(t.Context(), "e", []*actas.Submission{good, tc.bad}, nil)
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("Submit error = %v, want invalid", err)
			}
			if got := storetest.MustSubmissions(t, db, "e"); len(got) != 0 {
				t.Fatalf("%d submissions stored after a refused batch", len(got))
			}
		})
	}
}

func TestCreateElectionRefusesMalformed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		edit     func(*actas.Election)
		stations []actas.Station
	}{
		{"an election without contests", func(e *actas.Election) { e.Contests = nil }, storetest.Stations()},
		{"an empty station code", nil, append(storetest.Stations(), actas.Station{Area: storetest.Bolivar})},
		{"negative registered voters", nil, append(storetest.Stations(), actas.Station{Code: "X", Area: storetest.Bolivar, Registered: -1})},
		{"negative machines", nil, append(storetest.Stations(), actas.Station{Code: "X", Area: storetest.Bolivar, Machines: -1})},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			db := MustOpen(t)
			e := storetest.Election("e")
			if tc.edit != nil {
				tc.edit(e)
			}
			if err := db.CreateElection(t.Context(), e, tc.stations); actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("CreateElection error = %v, want invalid", err)
			}
			if _, err := db.Election(t.Context(), "e"); actas.ErrorCode(err) != actas.ENOTFOUND {
				t.Fatalf("after the refusal Election error = %v, want not found", err)
			}
		})
	}
}

func TestOfficialRefusesMalformed(t *testing.T) {
	db := MustOpenWithElection(t, "e")
	if _, err := db.AddTotals(t.Context(), "e", []actas.OfficialTotal{{Contest: "president", Choice: "a", Votes: -1}}); actas.ErrorCode(err) != actas.EINVALID {
		t.Errorf("AddTotals with negative votes: %v, want invalid", err)
	}
	for _, s := range []actas.Snapshot{
		{Scope: "001", Station: true, Time: 1441, Voters: 1, Source: actas.Witness},
		{Scope: "001", Station: true, Time: -1, Voters: 1, Source: actas.Witness},
		{Scope: "001", Station: true, Time: 600, Voters: -1, Source: actas.Witness},
		{Scope: "001", Station: true, Time: 600, Voters: 1, Source: "rumour"},
	} {
		if _, err := db.AddSnapshots(t.Context(), "e", []actas.Snapshot{s}); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("AddSnapshots(%+v): %v, want invalid", s, err)
		}
	}
}

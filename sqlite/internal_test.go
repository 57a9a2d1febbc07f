package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConnectionsAreConfigured(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "actas.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pragma := func(t *testing.T, pool *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := pool.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return strings.ToLower(v)
	}
	for _, tc := range []struct {
		pool   string
		db     *sql.DB
		pragma string
		want   string
	}{
		{"writer", db.w, "journal_mode", "wal"},
		{"writer", db.w, "foreign_keys", "1"},
		{"writer", db.w, "synchronous", "2"}, // FULL
		{"writer", db.w, "busy_timeout", "10000"},
		{"reader", db.r, "journal_mode", "wal"},
		{"reader", db.r, "foreign_keys", "1"},
		{"reader", db.r, "busy_timeout", "10000"},
		{"reader", db.r, "query_only", "1"},
	} {
		t.Run(tc.pool+" "+tc.pragma, func(t *testing.T) {
			if got := pragma(t, tc.db, tc.pragma); got != tc.want {
				t.Fatalf("PRAGMA %s = %s on the %s, want %s", tc.pragma, got, tc.pool, tc.want)
			}
		})
	}
	t.Run("foreign keys are enforced", func(t *testing.T) {
		_, err := db.w.ExecContext(t.Context(), `INSERT INTO areas (election, parent, level, name, path) VALUES (999, NULL, -1, 'x', '')`)
		if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
			t.Fatalf("an area of no election: error %v, want a foreign key failure", err)
		}
	})
	t.Run("the writer takes the lock when a transaction begins", func(t *testing.T) {
		// With _txlock=immediate a second connection cannot begin a write
		// transaction while the writer holds one, even before it writes.
		tx, err := db.w.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		other, err := sql.Open("sqlite", db.path+"?_txlock=immediate&_pragma=busy_timeout(50)")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		otx, err := other.BeginTx(t.Context(), nil)
		if err == nil {
			otx.Rollback()
			t.Fatal("a second writer began a transaction while the store's writer held one")
		}
	})
}

func TestMigrationFiles(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Fatalf("migration %s has number %d, want %d: numbers run 1, 2, 3, … without gaps", m.Name, m.Version, i+1)
		}
	}
}

// The package never changes a stored row: no UPDATE or DELETE statement in
// its code or its migrations (the triggers name them only to refuse them),
// but for the one that grows the last page of a log's hashes, which the
// trigger log_pages_grow_only guards.
func TestNoStatementChangesStoredRows(t *testing.T) {
	changes := regexp.MustCompile(`(?i)\b(UPDATE\s+\w+\s+SET|DELETE\s+FROM|INSERT\s+OR\s+REPLACE|REPLACE\s+INTO|ON\s+CONFLICT[^;]*DO\s+UPDATE)\b`)
	const growPage = "UPDATE log_pages SET hashes = ? WHERE election = ? AND page = ? AND length(hashes) = ?"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	sqls, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	grows := 0
	for _, f := range append(files, sqls...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(string(b), growPage)
		grows += n
		b = []byte(strings.ReplaceAll(string(b), growPage, ""))
		if m := changes.Find(b); m != nil {
			t.Errorf("%s changes stored rows: %q", f, m)
		}
	}
	if grows != 1 {
		t.Errorf("the statement that grows a log page appears %d times, want once: %s", grows, growPage)
	}
}

func TestCodec(t *testing.T) {
	t.Run("votes", func(t *testing.T) {
		for _, votes := range [][]int64{{0}, {1, 2, 3}, {9_000_000_000, 0, 12}, {-1, 5}} {
			b := appendVotes(nil, votes)
			got, err := parseVotes(b)
			if err != nil || !slices.Equal(got, votes) {
				t.Fatalf("parseVotes(%q) = %v, %v; want %v", b, got, err, votes)
			}
		}
		for _, bad := range []string{"", ",", "1,", ",1", "1,,2", "1 ,2", "a", "1.5", "99999999999999999999", "--1", "-"} {
			if got, err := parseVotes([]byte(bad)); err == nil {
				t.Errorf("parseVotes(%q) = %v, want an error", bad, got)
			}
		}
	})
	t.Run("received", func(t *testing.T) {
		for _, tm := range []time.Time{
			time.Date(2024, 7, 28, 19, 4, 5, 123456789, time.FixedZone("VET", -4*3600)),
			time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
			time.Date(2024, 2, 29, 0, 0, 0, 1, time.UTC),
		} {
			b := appendReceived(nil, tm)
			got, err := parseReceived(b)
			if err != nil || !got.Equal(tm) || got.Location() != time.UTC {
				t.Fatalf("parseReceived(%q) = %v, %v; want %v in UTC", b, got, err, tm)
			}
		}
		for _, bad := range []string{"", "2024-02-30T00:00:00.000000000Z", "2024-13-01T00:00:00.000000000Z", "yesterday", "2024-07-28T25:00:00.000000000Z"} {
			if got, err := parseReceived([]byte(bad)); err == nil {
				t.Errorf("parseReceived(%q) = %v, want an error", bad, got)
			}
		}
		// Written by hand with the sqlite3 shell, another offset still reads.
		got, err := parseReceived([]byte("2024-07-28T19:04:05-04:00"))
		if err != nil || !got.Equal(time.Date(2024, 7, 28, 23, 4, 5, 0, time.UTC)) {
			t.Fatalf("parseReceived with an offset = %v, %v", got, err)
		}
	})
}

// Stored text is parsed back from a file anyone may have edited: the
// parsers must not panic, and what they accept must write back the same.
func FuzzParseVotes(f *testing.F) {
	for _, s := range []string{"1,2,3", "0", "", ",", "-1,5", "9223372036854775807", "9223372036854775808", "1,,2", "٣"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		votes, err := parseVotes(b)
		if err != nil {
			return
		}
		again, err := parseVotes(appendVotes(nil, votes))
		if err != nil || !slices.Equal(again, votes) {
			t.Fatalf("%q parses to %v, which writes back as something else (%v, %v)", b, votes, again, err)
		}
	})
}

func FuzzParseReceived(f *testing.F) {
	for _, s := range []string{"2024-07-28T23:04:05.123456789Z", "0001-01-01T00:00:00.000000000Z", "2024-02-30T00:00:00.000000000Z",
		"2024-07-28T19:04:05-04:00", "", "2024-07-28T23:04:05.12345678xZ"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tm, err := parseReceived(b)
		if err != nil {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("%q parses to %v, not in UTC", b, tm)
		}
		if checkReceived(tm) != nil {
			return
		}
		again, err := parseReceived(appendReceived(nil, tm))
		if err != nil || !again.Equal(tm) {
			t.Fatalf("%q parses to %v, which writes back as something else (%v, %v)", b, tm, again, err)
		}
	})
}

// checkReceived refuses a time the layout cannot write back (the stores
// refuse such received times: storeutil.CheckBatch).
func checkReceived(t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("received time %s is not between years 1 and 9999", t)
	}
	return nil
}

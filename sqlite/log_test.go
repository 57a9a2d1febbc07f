package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// MustLoggedStore opens a store whose election e holds, in its log: the
// election (entry 0), witness sheets of stations 001–003 (1–3), an official
// total (4), a snapshot (5) and the official sheet of 001 (6).
func MustLoggedStore(tb testing.TB) (*sqlite.DB, *storetest.Log) {
	tb.Helper()
	db := MustOpenWithElection(tb, "e")
	storetest.MustSubmit(tb, db, "e",
		storetest.Sub(actas.Witness, storetest.Sheet("001", "president", 0)),
		storetest.Sub(actas.Witness, storetest.Sheet("002", "president", 1)),
		storetest.Sub(actas.Witness, storetest.Sheet("003", "president", 2)))
	storetest.MustAddTotals(tb, db, "e", actas.Report{New: 1}, actas.OfficialTotal{Contest: "president", Bulletin: "b1", Area: storetest.Bolivar, Choice: "a", Votes: 500})
	storetest.MustAddSnapshots(tb, db, "e", actas.Report{New: 1}, actas.Snapshot{Scope: "001", Station: true, Time: 600, Voters: 40, Source: actas.Witness})
	storetest.MustSubmit(tb, db, "e", storetest.Sub(actas.Official, storetest.Sheet("001", "president", 0)))
	return db, storetest.MustLog(tb, db, "e")
}

// MustTamper changes the store's file with plain SQL as an attacker holding
// the file would: first dropping the triggers that refuse changes.
func MustTamper(tb testing.TB, db *sqlite.DB, stmts ...string) {
	tb.Helper()
	plain := MustUntriggered(tb, db)
	for _, stmt := range stmts {
		if _, err := plain.Exec(stmt); err != nil {
			tb.Fatalf("%s: %v", stmt, err)
		}
	}
}

// MustUntriggered opens the store's file with plain SQL and drops every
// trigger, as an attacker would.
func MustUntriggered(tb testing.TB, db *sqlite.DB) *sql.DB {
	tb.Helper()
	plain := MustPlainSQL(tb, db.Path())
	rows, err := plain.Query(`SELECT name FROM sqlite_schema WHERE type = 'trigger'`)
	if err != nil {
		tb.Fatal(err)
	}
	var triggers []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			tb.Fatal(err)
		}
		triggers = append(triggers, name)
	}
	rows.Close()
	for _, name := range triggers {
		if _, err := plain.Exec("DROP TRIGGER " + name); err != nil {
			tb.Fatalf("DROP TRIGGER %s: %v", name, err)
		}
	}
	return plain
}

// entries reads the whole log the store serves, failing tb on an error.
func entries(tb testing.TB, db *sqlite.DB, size int64) [][]byte {
	tb.Helper()
	var out [][]byte
	if err := db.LogEntries(tb.Context(), "e", 0, size, func(_ int64, entry []byte) error {
		out = append(out, entry)
		return nil
	}); err != nil {
		tb.Fatalf("LogEntries: %v", err)
	}
	return out
}

// leafHashes returns the stored leaf hashes of entries 0 to size-1.
func leafHashes(tb testing.TB, db *sqlite.DB, size int64) [][32]byte {
	tb.Helper()
	idx := make([]int64, size)
	for i := range idx {
		idx[i] = tlog.StoredHashIndex(0, int64(i))
	}
	hs, err := db.LogHashes(tb.Context(), "e", idx)
	if err != nil {
		tb.Fatalf("LogHashes: %v", err)
	}
	return hs
}

// Changing a number with plain SQL changes the entry the store derives for
// it, whose leaf hash then differs from the one stored when it was
// appended: the store serves what the file holds and hides nothing.
func TestTamperingChangesEntries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stmts   []string
		changed []int64 // the entries that must differ, and no other
	}{
		{"a vote of a submission", []string{`UPDATE submissions SET votes = '999,81,7' WHERE seq = 2`}, []int64{2}},
		{"the ballots of a submission", []string{`UPDATE submissions SET ballots = ballots + 1 WHERE seq = 3`}, []int64{3}},
		{"when a submission was received", []string{`UPDATE submissions SET received = '2024-07-28T20:00:00.000000000Z' WHERE seq = 1`}, []int64{1}},
		{"who sent a submission", []string{`UPDATE submissions SET submitter = 'witness:9' WHERE seq = 6`}, []int64{6}},
		{"a submission's source", []string{`UPDATE submissions SET source = 'audit' WHERE seq = 6`}, []int64{6}},
		{"a submission's evidence", []string{`UPDATE submissions SET evidence = '[{"kind":"photo","sha256":"00"}]' WHERE seq = 1`}, []int64{1}},
		{"a submission's station", []string{`UPDATE submissions SET station = (SELECT id FROM stations WHERE code = 'P01') WHERE seq = 2`}, []int64{2}},
		{"the origin every submission shares", []string{`UPDATE origins SET text = 'forged'`}, []int64{1, 2, 3, 6}},
		{"an official total", []string{`UPDATE totals SET votes = 501`}, []int64{4}},
		{"a snapshot", []string{`UPDATE snapshots SET voters = 41`}, []int64{5}},
		{"a station's registered voters", []string{`UPDATE stations SET registered = 1 WHERE code = '006'`}, []int64{0}},
		{"the election's name", []string{`UPDATE elections SET document = json_set(document, '$.name', 'Forged')`}, []int64{0}},
		{"an area's path", []string{`UPDATE areas SET path = 'Zulia/Maracaibo/Forged' WHERE path = 'Zulia/Maracaibo/Bolívar'`}, []int64{0, 4}},
		{"the numbers of two submissions, swapped", []string{
			`UPDATE submissions SET votes = '122,80,7', ballots = 214, voters = 214 WHERE seq = 1`,
			`UPDATE submissions SET votes = '120,80,7', ballots = 212, voters = 212 WHERE seq = 3`}, []int64{1, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, before := MustLoggedStore(t)
			MustTamper(t, db, tc.stmts...)
			size, err := db.LogSize(t.Context(), "e")
			if err != nil || size != before.Size {
				t.Fatalf("LogSize = %d, %v; want %d", size, err, before.Size)
			}
			after := entries(t, db, size)
			stored := leafHashes(t, db, size)
			var changed []int64
			for i := range after {
				differs := !bytes.Equal(after[i], before.Entries[i])
				if differs != (translog.LeafHash(after[i]) != stored[i]) {
					t.Fatalf("entry %d differs (%v) but its leaf hash agrees with the stored one, or the reverse", i, differs)
				}
				if differs {
					changed = append(changed, int64(i))
				}
			}
			if !slices.Equal(changed, tc.changed) {
				t.Fatalf("entries %v changed, want %v", changed, tc.changed)
			}
			// A verifier recounting the entries finds another root than the
			// stored hashes give, and than the checkpoint signed before.
			recount := translog.NewRecount()
			for _, e := range after {
				recount.Append(e)
			}
			if recount.Root() == before.Root {
				t.Fatal("the entries recount to the root of the log before the change")
			}
		})
	}
}

// Rows deleted, added or moved behind the program's back leave an entry
// without its row, or with two: reading the log fails naming it.
func TestTamperingNamesTheEntry(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stmts []string
		entry string
	}{
		{"a deleted submission", []string{`DELETE FROM submissions WHERE seq = 2`}, "entry 2"},
		{"the last submission deleted", []string{`DELETE FROM submissions WHERE seq = 6`}, "entry 6"},
		{"a deleted official total", []string{`DELETE FROM totals`}, "entry 4"},
		{"a deleted snapshot", []string{`DELETE FROM snapshots`}, "entry 5"},
		{"a submission moved to a later index", []string{`UPDATE submissions SET id = id + 10 WHERE seq = 3`}, "entry 3"},
		{"a total claiming a submission's index", []string{`UPDATE totals SET log_index = 1`}, "entry 1"},
		{"the station of a submission deleted", []string{`DELETE FROM stations WHERE code = '002'`}, "entry 2"},
		{"the origin of submissions deleted", []string{`DELETE FROM origins`}, "entry 1"},
		{"a submission moved to another election", []string{`UPDATE submissions SET id = id + (1 << 40) WHERE seq = 2`}, "entry 2"},
		{"votes that no longer read as numbers", []string{`UPDATE submissions SET votes = '1,x,3' WHERE seq = 2`}, "entry 2"},
		{"a submission with a vote too many", []string{`UPDATE submissions SET votes = votes || ',1' WHERE seq = 3`}, "entry 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, before := MustLoggedStore(t)
			MustTamper(t, db, tc.stmts...)
			// The log is as long as its rows or its hashes say, whichever is
			// longer: what is missing cannot shorten it.
			size, err := db.LogSize(t.Context(), "e")
			if err != nil || size < before.Size {
				t.Fatalf("LogSize = %d, %v; want at least %d, as the stored hashes say", size, err, before.Size)
			}
			err = db.LogEntries(t.Context(), "e", 0, size, func(int64, []byte) error { return nil })
			if actas.ErrorCode(err) != actas.EINTERNAL || !regexp.MustCompile(`\b`+tc.entry+`\b`).MatchString(err.Error()) {
				t.Fatalf("LogEntries error = %v (code %s), want an internal error naming %s", err, actas.ErrorCode(err), tc.entry)
			}
		})
	}
}

// A log whose rows and hashes disagree takes nothing more: appending to it
// would sign over the damage.
func TestDamagedLogRefusesAppends(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stmts []string
	}{
		{"the last entry's row deleted", []string{`DELETE FROM submissions WHERE seq = 6`}},
		{"the last page of hashes deleted", []string{`DELETE FROM log_pages`}},
		{"a row added beyond the log", []string{`INSERT INTO totals (election, contest, bulletin, area, choice, votes, log_index)
			SELECT election, contest, bulletin, area, choice, votes + 1, 7 FROM totals`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := MustLoggedStore(t)
			MustTamper(t, db, tc.stmts...)
			before := storetest.MustSubmissions(t, db, "e")
			_, err := db.Submit(t.Context(), "e", []*actas.Submission{storetest.Sub(actas.Witness, storetest.Sheet("P01", "president", 0))}, nil)
			if actas.ErrorCode(err) != actas.EINTERNAL || !strings.Contains(err.Error(), "damaged") {
				t.Fatalf("Submit to a damaged log: %v, want an internal error saying the log is damaged", err)
			}
			_, err = db.AddTotals(t.Context(), "e", []actas.OfficialTotal{{Contest: "president", Choice: "b", Votes: 1}})
			if actas.ErrorCode(err) != actas.EINTERNAL {
				t.Fatalf("AddTotals to a damaged log: %v, want an internal error", err)
			}
			if after := storetest.MustSubmissions(t, db, "e"); len(after) != len(before) {
				t.Fatalf("%d submissions after the refusal, %d before", len(after), len(before))
			}
		})
	}
}

func TestTamperingWithHashes(t *testing.T) {
	db, before := MustLoggedStore(t)
	// Flip one bit of the leaf hash of entry 2.
	plain := MustUntriggered(t, db)
	var page []byte
	if err := plain.QueryRow(`SELECT hashes FROM log_pages WHERE page = 0`).Scan(&page); err != nil {
		t.Fatal(err)
	}
	page[tlog.StoredHashIndex(0, 2)*32] ^= 1
	if _, err := plain.Exec(`UPDATE log_pages SET hashes = ? WHERE page = 0`, page); err != nil {
		t.Fatal(err)
	}
	got := leafHashes(t, db, before.Size)
	if got[2] == translog.LeafHash(before.Entries[2]) {
		t.Fatal("the changed hash reads as it was")
	}
	// The proof of entry 3, which climbs past entry 2, no longer leads to
	// the root signed before.
	p, err := translog.ProveInclusion(before.Size, 3, storetest.HashReader(t.Context(), db, "e"))
	if err != nil {
		t.Fatal(err)
	}
	cp := translog.Checkpoint{Size: before.Size, Hash: before.Root}
	if err := translog.VerifyInclusion(cp, 3, translog.LeafHash(before.Entries[3]), translog.ProofBytes(p)); err == nil {
		t.Fatal("the proof of entry 3 still verifies after the hash of entry 2 changed")
	}
}

// The log's tables are append-only like the others; the last page of hashes
// may only grow, keeping what it holds.
func TestLogTablesAreAppendOnly(t *testing.T) {
	db, _ := MustLoggedStore(t)
	storetest.MustSubmit(t, db, "e", append(storetest.File(actas.Witness, 1), storetest.File(actas.QR, 0)...)...)
	signer, _ := storetest.MustSigner(t)
	if err := db.AddCheckpoint(t.Context(), "e", storetest.MustCheckpoint(t, db, signer, "e", 10)); err != nil {
		t.Fatal(err)
	}
	plain := MustPlainSQL(t, db.Path())
	var pages int
	var last []byte
	if err := plain.QueryRow(`SELECT count(*), (SELECT hashes FROM log_pages ORDER BY page DESC LIMIT 1) FROM log_pages`).Scan(&pages, &last); err != nil {
		t.Fatal(err)
	}
	// The statements name the last page and a full one by number.
	lastPage := strconv.Itoa(pages - 1)
	sql := func(s string) string { return strings.ReplaceAll(s, "LAST", lastPage) }
	if pages < 2 || len(last) >= sqlite.LogPageBytes {
		t.Fatalf("the log has %d pages, the last of %d bytes; want a full page and a partial one", pages, len(last))
	}
	for _, tc := range []struct {
		stmt string
		args []any
	}{
		{`UPDATE log_pages SET hashes = zeroblob(` + strconv.Itoa(sqlite.LogPageBytes) + `) WHERE page = 0`, nil},
		{sql(`UPDATE log_pages SET hashes = hashes WHERE page = LAST`), nil},
		{sql(`UPDATE log_pages SET hashes = ? WHERE page = LAST`), []any{append(bytes.Repeat([]byte{1}, len(last)), make([]byte, 32)...)}},
		{sql(`UPDATE log_pages SET hashes = substr(hashes, 1, 32) WHERE page = LAST`), nil},
		{sql(`UPDATE log_pages SET page = 700 WHERE page = LAST`), nil},
		{sql(`UPDATE log_pages SET election = 2 WHERE page = LAST`), nil},
		{sql(`DELETE FROM log_pages WHERE page = LAST`), nil},
		{`UPDATE checkpoints SET size = 11`, nil},
		{`DELETE FROM checkpoints`, nil},
		{`UPDATE totals SET log_index = 1`, nil},
		{`UPDATE snapshots SET log_index = 1`, nil},
	} {
		t.Run(tc.stmt, func(t *testing.T) {
			_, err := plain.Exec(tc.stmt, tc.args...)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("plain SQL %q: error %v, want a refusal saying the table is append-only", tc.stmt, err)
			}
		})
	}
	t.Run("the last page may grow, keeping its hashes", func(t *testing.T) {
		// What the store does when entries arrive; the hash added here is
		// not the log's, which the log's own checks then report.
		tx, err := plain.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec(sql(`UPDATE log_pages SET hashes = ? WHERE page = LAST`), append(slices.Clone(last), make([]byte, 32)...)); err != nil {
			t.Fatalf("growing the last page: %v", err)
		}
	})
	storetest.MustLog(t, db, "e")
}

// Plain SQL reads the log's tables: which row is which entry, and the
// checkpoints' sizes and roots.
func TestPlainSQLReadsTheLog(t *testing.T) {
	db, l := MustLoggedStore(t)
	signer, _ := storetest.MustSigner(t)
	cp := storetest.MustCheckpoint(t, db, signer, "e", l.Size)
	if err := db.AddCheckpoint(t.Context(), "e", cp); err != nil {
		t.Fatal(err)
	}
	plain := MustPlainSQL(t, db.Path())
	var total, snapshot int64
	var size int64
	var root []byte
	var note string
	if err := plain.QueryRow(`SELECT (SELECT log_index FROM totals), (SELECT log_index FROM snapshots), size, root, note FROM checkpoints`).
		Scan(&total, &snapshot, &size, &root, &note); err != nil {
		t.Fatal(err)
	}
	if total != 4 || snapshot != 5 || size != l.Size || !bytes.Equal(root, l.Root[:]) || note != string(cp.Note) {
		t.Fatalf("plain SQL reads total %d, snapshot %d, checkpoint %d %x %q", total, snapshot, size, root, note)
	}
	var seqs []int64
	rows, err := plain.Query(`SELECT seq FROM submissions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s)
	}
	if !slices.Equal(seqs, []int64{1, 2, 3, 6}) {
		t.Fatalf("plain SQL reads submissions at seqs %v, want 1, 2, 3, 6", seqs)
	}
}

// A bulk import cancelled while its rows are inserted (and its entries
// hashed beside them) stores nothing and logs nothing.
func TestCancelledImportLogsNothing(t *testing.T) {
	e, stations, subs := storetest.ScaleElection(20000)
	db := MustOpen(t)
	storetest.MustCreateElection(t, db, e, stations)
	before := storetest.MustLog(t, db, e.ID)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := db.Submit(ctx, e.ID, freshSubs(subs), func(done int) {
		if done >= 8192 {
			cancel()
		}
	})
	if err == nil {
		t.Fatal("Submit succeeded after its context was cancelled")
	}
	after := storetest.MustLog(t, db, e.ID)
	if after.Size != before.Size || after.Root != before.Root {
		t.Fatalf("the log went from %d entries to %d after a cancelled import", before.Size, after.Size)
	}
	if got := storetest.MustSubmissions(t, db, e.ID); len(got) != 0 {
		t.Fatalf("%d submissions stored by a cancelled import", len(got))
	}
	// The import then runs whole, as if the first had not been tried.
	storetest.MustSubmit(t, db, e.ID, freshSubs(subs)...)
	if l := storetest.MustLog(t, db, e.ID); l.Size != int64(1+len(subs)) {
		t.Fatalf("the log has %d entries after the import, want %d", l.Size, 1+len(subs))
	}
}

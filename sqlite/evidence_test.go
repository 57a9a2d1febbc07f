package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/storetest"
)

func TestEvidenceTable(t *testing.T) {
	t.Run("storing the same bytes again adds no row", func(t *testing.T) {
		db := MustOpenWithElection(t, "e")
		for range 3 {
			storetest.MustPutPhoto(t, db, "e", 1)
		}
		storetest.MustPutPhoto(t, db, "e", 2)
		var n int
		if err := MustPlainSQL(t, db.Path()).QueryRow(`SELECT count(*) FROM evidence`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("the evidence table has %d rows (%v), want 2", n, err)
		}
	})

	t.Run("plain SQL reads files and joins them to submissions", func(t *testing.T) {
		db := MustOpenWithElection(t, "e")
		name := storetest.MustPutPhoto(t, db, "e", 1)
		sub := storetest.Sub(actas.Witness, storetest.Sheet("003", "president", 0))
		sub.Evidence = []actas.Evidence{{Kind: "link", URL: "https://example.org/3.jpg"}, {Kind: "photo", SHA256: name}}
		storetest.MustSubmit(t, db, "e", sub)
		var seq, size int64
		var mediaType, stored string
		err := MustPlainSQL(t, db.Path()).QueryRow(`SELECT s.seq, e.media_type, e.size, e.stored
			FROM submissions s, json_each(s.evidence) j
			JOIN evidence e ON e.sha256 = j.value ->> 'sha256' AND e.election = s.election`).Scan(&seq, &mediaType, &size, &stored)
		if err != nil {
			t.Fatalf("the join the migration documents: %v", err)
		}
		if seq != 1 || mediaType != "image/png" || size != int64(len(storetest.Photo(1))) {
			t.Fatalf("plain SQL reads seq %d, %s of %d bytes", seq, mediaType, size)
		}
		if _, err := time.Parse(time.RFC3339Nano, stored); err != nil || !strings.HasSuffix(stored, "Z") {
			t.Fatalf("stored %q is not an RFC 3339 time in UTC", stored)
		}
	})

	t.Run("files cannot be changed or deleted with plain SQL", func(t *testing.T) {
		db := MustOpenWithElection(t, "e")
		name := storetest.MustPutPhoto(t, db, "e", 1)
		plain := MustPlainSQL(t, db.Path())
		for _, stmt := range []string{
			`UPDATE evidence SET data = x'89504e47'`,
			`UPDATE evidence SET media_type = 'text/html'`,
			`DELETE FROM evidence`,
		} {
			if _, err := plain.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("plain SQL %q: error %v, want a refusal saying evidence is append-only", stmt, err)
			}
		}
		if _, err := plain.Exec(`INSERT INTO evidence (election, sha256, media_type, size, data, stored)
			VALUES (1, ?, 'image/png', 3, x'010203', '2024-01-01T00:00:00Z')`, strings.ToUpper(name[:1])+name[1:]); err == nil {
			t.Error("plain SQL stored a file under a name that is not lowercase hex")
		}
		storetest.MustPutPhoto(t, db, "e", 1)
	})

	// Someone with the file and the sqlite3 shell can drop the triggers;
	// the store then refuses to serve what no longer matches its name.
	for _, tc := range []struct{ name, stmt string }{
		{"other bytes", `UPDATE evidence SET data = x'89504e470d0a1a0a00', size = 9`},
		{"another media type", `UPDATE evidence SET media_type = 'text/html'`},
	} {
		t.Run("a file changed behind the program's back to "+tc.name+" is an internal error naming it", func(t *testing.T) {
			db := MustOpenWithElection(t, "e")
			name := storetest.MustPutPhoto(t, db, "e", 1)
			if _, err := MustPlainSQL(t, db.Path()).Exec(`DROP TRIGGER evidence_no_update; ` + tc.stmt); err != nil {
				t.Fatal(err)
			}
			_, _, err := db.Evidence(t.Context(), "e", name)
			if actas.ErrorCode(err) != actas.EINTERNAL || !strings.Contains(err.Error(), name) {
				t.Fatalf("Evidence of a changed file: %v (code %s), want an internal error naming %s", err, actas.ErrorCode(err), name)
			}
		})
	}
}

// A database written before evidence existed (schema version 1) gains the
// table when opened, and keeps everything it held.
func TestMigrationAddsEvidence(t *testing.T) {
	db := MustOpenWithElection(t, "e")
	path := db.Path()
	storetest.MustSubmit(t, db, "e", storetest.File(actas.Witness, 0)...)
	before := storetest.MustSubmissions(t, db, "e")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Make the file what version 1 wrote: no evidence table, one migration.
	plain := MustPlainSQL(t, path)
	if _, err := plain.Exec(`DROP TABLE evidence; DELETE FROM schema_migrations WHERE version = 2`); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := plain.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name LIKE 'evidence%'`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("the version 1 file still has %d evidence objects (%v)", tables, err)
	}
	plain.Close()

	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open a version 1 database: %v", err)
	}
	defer db.Close()
	var versions []int
	rows, err := MustPlainSQL(t, path).Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	rows.Close()
	// Every migration in the source tree, numbered from 1 without gaps.
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) < 6 {
		t.Fatalf("migrations: %d files, %v", len(files), err)
	}
	want := make([]int, len(files))
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(versions, want) {
		t.Fatalf("schema_migrations after upgrading: %v, want %v", versions, want)
	}
	after := storetest.MustSubmissions(t, db, "e")
	if len(after) != len(before) {
		t.Fatalf("%d submissions after upgrading, %d before", len(after), len(before))
	}
	name := storetest.MustPutPhoto(t, db, "e", 1)
	sub := storetest.Sub(actas.Official, storetest.Sheet("001", "president", 0))
	sub.Evidence = []actas.Evidence{{Kind: "photo", SHA256: name}}
	storetest.MustSubmit(t, db, "e", sub)
	if _, err := MustPlainSQL(t, path).Exec(`DELETE FROM evidence`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("the upgraded database lets plain SQL delete evidence: %v", err)
	}
}

// BenchmarkSubmitBulkPhotos is BenchmarkSubmitBulk with a photo named by
// every sheet, each stored beforehand: what checking photos adds to an
// import of witnesses' sheets. Compare its sheets/s with BenchmarkSubmitBulk's,
// whose sheets name none. Storing the photos takes a transaction each, so it
// is done once, into a file that every run copies.
func BenchmarkSubmitBulkPhotos(b *testing.B) {
	e, stations, subs := storetest.ScaleElection(*benchSheets)
	dir := b.TempDir()
	db := newScaleStore(b, dir, e, stations)
	for i, s := range subs {
		name, err := db.PutEvidence(context.Background(), e.ID, storetest.Photo(i))
		if err != nil {
			b.Fatal(err)
		}
		s.Evidence = []actas.Evidence{{Kind: "photo", SHA256: name}}
	}
	if err := db.Close(); err != nil { // checkpoints the WAL into the file
		b.Fatal(err)
	}
	file, err := os.ReadFile(db.Path())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		run := b.TempDir()
		path := filepath.Join(run, "store.db")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			b.Fatal(err)
		}
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		fresh := freshSubs(subs)
		b.StartTimer()
		submitAndClose(b, db, e.ID, fresh)
		b.StopTimer()
		os.RemoveAll(run)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(subs)*b.N)/b.Elapsed().Seconds(), "sheets/s")
}

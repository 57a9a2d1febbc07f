package sqlite_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/storetest"
)

// The size of the benchmarks, 20,000 unless ACTAS_BENCH_SHEETS or the flag
// says otherwise: go test ./sqlite -run '^$' -bench Bulk -benchtime 1x -args -sheets 1050000
var benchSheets = flag.Int("sheets", envInt("ACTAS_BENCH_SHEETS", 20000), "stations (one sheet each) in the benchmarks")

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// freshSubs copies subs so that a run starts from submissions no store has
// numbered.
func freshSubs(subs []*actas.Submission) []*actas.Submission {
	out := make([]*actas.Submission, len(subs))
	for i, s := range subs {
		c := *s
		c.Seq = 0
		out[i] = &c
	}
	return out
}

// newScaleStore opens a store in dir holding the election and its stations.
func newScaleStore(tb testing.TB, dir string, e *actas.Election, stations []actas.Station) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "store.db"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.CreateElection(context.Background(), e, stations); err != nil {
		tb.Fatal(err)
	}
	return db
}

// submitAndClose imports subs in one Submit and closes the store (which
// checkpoints the WAL, as PlainInsert's close does).
func submitAndClose(tb testing.TB, db *sqlite.DB, election string, subs []*actas.Submission) {
	tb.Helper()
	out, err := db.Submit(context.Background(), election, subs, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	if len(out) != len(subs) || out[len(out)-1] != actas.New {
		tb.Fatalf("bulk import: %d outcomes, last %v", len(out), out[len(out)-1])
	}
}

// timeSubmit creates the election in a new file, then times one Submit of
// subs and the Close that follows.
func timeSubmit(tb testing.TB, dir string, e *actas.Election, stations []actas.Station, subs []*actas.Submission) time.Duration {
	tb.Helper()
	db := newScaleStore(tb, dir, e, stations)
	start := time.Now()
	submitAndClose(tb, db, e.ID, subs)
	return time.Since(start)
}

func timePlainInsert(tb testing.TB, dir string, subs []*actas.Submission) time.Duration {
	tb.Helper()
	start := time.Now()
	if err := sqlite.PlainInsert(context.Background(), filepath.Join(dir, "plain.db"), subs); err != nil {
		tb.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkSubmitBulk imports a whole file into a new store in one Submit.
func BenchmarkSubmitBulk(b *testing.B) {
	e, stations, subs := storetest.ScaleElection(*benchSheets)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		db := newScaleStore(b, dir, e, stations)
		fresh := freshSubs(subs)
		b.StartTimer()
		submitAndClose(b, db, e.ID, fresh)
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(subs)*b.N)/b.Elapsed().Seconds(), "sheets/s")
}

// BenchmarkSubmitBulkAgain imports the file into a store that holds it
// already: every sheet is present.
func BenchmarkSubmitBulkAgain(b *testing.B) {
	e, stations, subs := storetest.ScaleElection(*benchSheets)
	db := mustScaleStore(b, e, stations, subs)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := db.Submit(context.Background(), e.ID, freshSubs(subs), nil)
		if err != nil {
			b.Fatal(err)
		}
		if out[0] != actas.Present {
			b.Fatalf("outcome %v, want present", out[0])
		}
	}
	b.ReportMetric(float64(len(subs)*b.N)/b.Elapsed().Seconds(), "sheets/s")
}

// BenchmarkSubmissions reads every submission of the election, as the
// tabulation does when the server starts.
func BenchmarkSubmissions(b *testing.B) {
	e, stations, subs := storetest.ScaleElection(*benchSheets)
	db := mustScaleStore(b, e, stations, subs)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := db.Submissions(context.Background(), e.ID, 0, func(*actas.Submission) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != len(subs) {
			b.Fatalf("read %d submissions, want %d", n, len(subs))
		}
	}
	b.ReportMetric(float64(len(subs)*b.N)/b.Elapsed().Seconds(), "sheets/s")
}

// mustScaleStore returns a store holding the election and subs.
func mustScaleStore(tb testing.TB, e *actas.Election, stations []actas.Station, subs []*actas.Submission) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "store.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.CreateElection(context.Background(), e, stations); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Submit(context.Background(), e.ID, freshSubs(subs), nil); err != nil {
		tb.Fatal(err)
	}
	return db
}

// BenchmarkPlainInsert is the baseline of BenchmarkSubmitBulk: the same rows
// in one plain table.
func BenchmarkPlainInsert(b *testing.B) {
	_, _, subs := storetest.ScaleElection(*benchSheets)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		timePlainInsert(b, dir, subs)
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(subs)*b.N)/b.Elapsed().Seconds(), "sheets/s")
}

// BenchmarkCreateElection creates the election with all its stations.
func BenchmarkCreateElection(b *testing.B) {
	e, stations, _ := storetest.ScaleElection(*benchSheets)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		db, err := sqlite.Open(context.Background(), filepath.Join(dir, "store.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := db.CreateElection(context.Background(), e, stations); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(stations)*b.N)/b.Elapsed().Seconds(), "stations/s")
}

// BenchmarkSubmitOne stores one sheet per Submit (a live submission, each
// its own durable transaction) into a store holding the scale election's
// sheets: what a witness waits for, log entry and hashes included.
func BenchmarkSubmitOne(b *testing.B) {
	e, stations, subs := storetest.ScaleElection(*benchSheets)
	db := mustScaleStore(b, e, stations, subs)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := *subs[i%len(subs)]
		s.Seq, s.Source = 0, actas.QR
		s.Sheet.Blank = int64(i) // other numbers each time: stored, never present
		out, err := db.Submit(context.Background(), e.ID, []*actas.Submission{&s}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if out[0] == actas.Present {
			b.Fatal("the sheet was already present")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sheets/s")
}

// BenchmarkLogCost measures what appending to the log costs an import: each
// operation imports the file into two new stores, one as usual and one that
// skips the log (sqlite.Unlogged), in alternating order. It reports both
// rates and the cost: the logged import's extra time, in percent of the
// unlogged one's, over all operations (target: under 20% at 1,050,000).
// go test ./sqlite -run '^$' -bench LogCost -benchtime 3x -args -sheets 1050000
func BenchmarkLogCost(b *testing.B) {
	e, stations, subs := storetest.ScaleElection(*benchSheets)
	var logged, unlogged time.Duration
	run := func(skipLog bool) time.Duration {
		b.StopTimer()
		defer b.StartTimer()
		dir := b.TempDir()
		defer os.RemoveAll(dir)
		db := newScaleStore(b, dir, e, stations)
		if skipLog {
			sqlite.Unlogged(db)
		}
		fresh := freshSubs(subs)
		start := time.Now()
		submitAndClose(b, db, e.ID, fresh)
		return time.Since(start)
	}
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			logged += run(false)
			unlogged += run(true)
		} else {
			unlogged += run(true)
			logged += run(false)
		}
	}
	n := float64(len(subs) * b.N)
	b.ReportMetric(n/logged.Seconds(), "logged-sheets/s")
	b.ReportMetric(n/unlogged.Seconds(), "unlogged-sheets/s")
	b.ReportMetric(100*(logged.Seconds()/unlogged.Seconds()-1), "log-cost-%")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkLogCostOne measures what the log adds to a submission stored in
// its own transaction, as a witness's is: two stores holding the same
// election, one skipping the log (sqlite.Unlogged), take turns storing one
// new sheet each per operation. It reports both rates and the cost in
// percent of the unlogged time.
// go test ./sqlite -run '^$' -bench LogCostOne -benchtime 2000x
func BenchmarkLogCostOne(b *testing.B) {
	e, stations, subs := storetest.ScaleElection(*benchSheets)
	logged := mustScaleStore(b, e, stations, subs)
	unlogged, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "unlogged.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unlogged.Close() })
	if err := unlogged.CreateElection(context.Background(), e, stations); err != nil {
		b.Fatal(err)
	}
	sqlite.Unlogged(unlogged)
	if _, err := unlogged.Submit(context.Background(), e.ID, freshSubs(subs), nil); err != nil {
		b.Fatal(err)
	}
	var times [2]time.Duration
	submit := func(db *sqlite.DB, i int) time.Duration {
		s := *subs[i%len(subs)]
		s.Seq, s.Source = 0, actas.QR
		s.Sheet.Blank = int64(i) // other numbers each time: stored, never present
		start := time.Now()
		out, err := db.Submit(context.Background(), e.ID, []*actas.Submission{&s}, nil)
		d := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if out[0] == actas.Present {
			b.Fatal("the sheet was already present")
		}
		return d
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			times[0] += submit(logged, i)
			times[1] += submit(unlogged, i)
		} else {
			times[1] += submit(unlogged, i)
			times[0] += submit(logged, i)
		}
	}
	b.ReportMetric(float64(b.N)/times[0].Seconds(), "logged-sheets/s")
	b.ReportMetric(float64(b.N)/times[1].Seconds(), "unlogged-sheets/s")
	b.ReportMetric(100*(times[0].Seconds()/times[1].Seconds()-1), "log-cost-%")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkLiveBatch stores batches of 32 live submissions (each received
// at its own time, with its own idempotency key), as the server's group
// commit does, into a store holding the scale election's sheets: the keys
// kept in a second transaction (Submit, then RememberRequests: two commits),
// or in the submissions' own (SubmitRemembering: one).
// go test ./sqlite -run '^$' -bench LiveBatch -benchtime 200x
func BenchmarkLiveBatch(b *testing.B) {
	const batch = 32
	e, stations, subs := storetest.ScaleElection(*benchSheets)
	for _, tc := range []struct {
		name  string
		store func(db *sqlite.DB, subs []*actas.Submission, reqs []*actas.RememberedRequest) error
	}{
		{"submit then remember", func(db *sqlite.DB, subs []*actas.Submission, reqs []*actas.RememberedRequest) error {
			if _, err := db.Submit(context.Background(), e.ID, subs, nil); err != nil {
				return err
			}
			for i, r := range reqs {
				r.Seq = subs[i].Seq
			}
			return db.RememberRequests(context.Background(), reqs)
		}},
		{"submit remembering", func(db *sqlite.DB, subs []*actas.Submission, reqs []*actas.RememberedRequest) error {
			_, err := db.SubmitRemembering(context.Background(), e.ID, subs, reqs)
			return err
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			db := mustScaleStore(b, e, stations, subs)
			a := &actas.Account{Election: e.ID, Name: "Bench", Contact: "bench@example.org", Role: actas.RoleAdmin}
			if err := db.CreateAccount(context.Background(), a); err != nil {
				b.Fatal(err)
			}
			now := time.Now().UTC()
			n := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				live := make([]*actas.Submission, batch)
				reqs := make([]*actas.RememberedRequest, batch)
				for k := range live {
					s := *subs[n%len(subs)]
					s.Seq, s.Source, s.Origin, s.Submitter = 0, actas.QR, "web api", "bench"
					s.Sheet.Blank = int64(n) // other numbers each time: stored, never present
					s.Received = now.Add(time.Duration(n) * time.Microsecond)
					live[k] = &s
					reqs[k] = &actas.RememberedRequest{Account: a.ID, Key: "k" + strconv.Itoa(n), Request: [32]byte{byte(n)}}
					n++
				}
				if err := tc.store(db, live, reqs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "sheets/s")
		})
	}
}

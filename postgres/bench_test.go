package postgres_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/pgtest"
	"github.com/actasproject/actas/postgres"
	"github.com/actasproject/actas/storetest"
)

// benchStations is the size of the import benchmark: 5,000 stations (one
// sheet each) unless ACTAS_BENCH_STATIONS says otherwise, e.g.
//
//	ACTAS_BENCH_STATIONS=1050000 go test ./postgres -run '^$' -bench Import -benchtime 2x
func benchStations() int {
	if n, err := strconv.Atoi(os.Getenv("ACTAS_BENCH_STATIONS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// BenchmarkImport imports an election of benchStations stations and a sheet
// per station (CreateElection, then Submit: checks, outcomes, log entries
// and hashes, in two transactions) and, in the same run, copies the same
// rows into plain tables (PlainCopy, the storage limit). It reports the
// import's time as a multiple of the plain copy's (x-plain; the target is
// at most 2) and the import's sheets per second.
//
// Both write to one server, whose write-ahead log and caches the first
// writer warms for the second, and whose writes (its checkpoints, the
// system's write-back of dirty pages) go on after the first has finished:
// an untimed plain copy runs first, each timed run starts once the server
// has checkpointed and the system has written its dirty pages (quiesce),
// and the iterations alternate which of the two goes first (use
// -benchtime 2x or more for both orders).
func BenchmarkImport(b *testing.B) {
	n := benchStations()
	e, stations, subs := storetest.ScaleElection(n)
	b.StopTimer()
	if err := postgres.PlainCopy(b.Context(), pgtest.MustDatabase(b), stations, subs); err != nil {
		b.Fatal(err)
	}
	var imported, plain time.Duration
	for i := 0; i < b.N; i++ {
		runs := []func(){
			func() {
				url := pgtest.MustDatabase(b)
				db, err := postgres.Open(b.Context(), url)
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				fresh := make([]*actas.Submission, len(subs))
				for j, s := range subs {
					c := *s
					fresh[j] = &c
				}
				quiesce(b, url)
				b.StartTimer()
				start := time.Now()
				if err := db.CreateElection(b.Context(), e, stations); err != nil {
					b.Fatal(err)
				}
				if _, err := db.Submit(b.Context(), e.ID, fresh, nil); err != nil {
					b.Fatal(err)
				}
				imported += time.Since(start)
				b.StopTimer()
			},
			func() {
				plainURL := pgtest.MustDatabase(b)
				quiesce(b, plainURL)
				start := time.Now()
				if err := postgres.PlainCopy(b.Context(), plainURL, stations, subs); err != nil {
					b.Fatal(err)
				}
				plain += time.Since(start)
			},
		}
		if i%2 == 1 {
			runs[0], runs[1] = runs[1], runs[0]
		}
		for _, run := range runs {
			run()
		}
	}
	b.ReportMetric(float64(imported)/float64(plain), "x-plain")
	b.ReportMetric(float64(n)*float64(b.N)/imported.Seconds(), "sheets/s")
	b.ReportMetric(float64(n)*float64(b.N)/plain.Seconds(), "plain-sheets/s")
}

// BenchmarkSubmitOne measures a live submission: one sheet, one
// transaction (the log's lock, outcome, entry, hashes).
func BenchmarkSubmitOne(b *testing.B) {
	e, stations, subs := storetest.ScaleElection(1000)
	db := MustOpen(b, pgtest.MustDatabase(b))
	if err := db.CreateElection(b.Context(), e, stations); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := *subs[i%len(subs)]
		s.Sheet.Blank += int64(i / len(subs)) // another sheet each round
		s.Sheet.Ballots += int64(i / len(subs))
		if _, err := db.Submit(b.Context(), e.ID, []*actas.Submission{&s}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// quiesce waits until the server at url has written what it holds
// (CHECKPOINT) and the system has written its dirty pages to disk, so that
// a timed run does not pay for the writes of the one before.
func quiesce(b *testing.B, url string) {
	b.Helper()
	conn := MustConn(b, url)
	if _, err := conn.Exec(b.Context(), `CHECKPOINT`); err != nil {
		b.Fatalf("CHECKPOINT: %v", err)
	}
	syncDisks()
}

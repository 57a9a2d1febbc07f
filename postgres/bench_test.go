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
//	ACTAS_BENCH_STATIONS=1050000 go test ./postgres -run '^$' -bench Import -benchtime 1x
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
func BenchmarkImport(b *testing.B) {
	n := benchStations()
	e, stations, subs := storetest.ScaleElection(n)
	var imported, plain time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		url := pgtest.MustDatabase(b)
		db, err := postgres.Open(b.Context(), url)
		if err != nil {
			b.Fatal(err)
		}
		fresh := make([]*actas.Submission, len(subs))
		for j, s := range subs {
			c := *s
			fresh[j] = &c
		}
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
		db.Close()
		plainURL := pgtest.MustDatabase(b)
		start = time.Now()
		if err := postgres.PlainCopy(b.Context(), plainURL, stations, subs); err != nil {
			b.Fatal(err)
		}
		plain += time.Since(start)
		b.StartTimer()
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

package timeline_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/timeline"
)

// BenchmarkAnalyze times the timeline of a simulated election with 5
// levels and 12 choices: national and state snapshots every hour, and
// station snapshots for a 1% sample of the stations (at least 100). The
// size is ACTAS_BENCH_STATIONS (default 30,000; the scale target is
// 1,050,000). Simulating is not timed.
func BenchmarkAnalyze(b *testing.B) {
	n := 30_000
	if s := os.Getenv("ACTAS_BENCH_STATIONS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("ACTAS_BENCH_STATIONS=%q is not a positive number", s)
		}
		n = v
	}
	sample := max(100, n/100)
	ds, _ := MustSimulate(b, simulate.Config{Stations: n, Levels: 5, Choices: 12, Seed: 1, StationSample: sample,
		Fraud: []simulate.Fraud{{Model: simulate.LateTurnout}}})
	ds.Sheets = nil // only stations and snapshots are read
	b.Logf("%d stations, %d snapshots (%d stations sampled)", len(ds.Stations), len(ds.Snapshots), sample)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := timeline.Analyze(ds.Election, ds.Stations, ds.Snapshots, timeline.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/station")
}

// BenchmarkCheckExactness times one bulletin's check.
func BenchmarkCheckExactness(b *testing.B) {
	ids := []string{"nm", "eg", "others"}
	votes := []int64{5_150_092, 4_445_978, 462_704}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := timeline.CheckExactness(ids, votes, 10_058_774, timeline.ExactnessOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

package estimate_test

import (
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/simulate"
)

// benchStations is the benchmarks' election size: ACTAS_BENCH_STATIONS, or
// 20,000 (the scale target is 1,050,000).
func benchStations(tb testing.TB) int {
	if s := os.Getenv("ACTAS_BENCH_STATIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 {
			tb.Fatalf("ACTAS_BENCH_STATIONS=%q: want a number of stations ≥ 10", s)
		}
		return n
	}
	return 20_000
}

var (
	benchOnce  sync.Once
	benchPanel *actas.Panel
)

// MustBenchPanel simulates one election of the scale target's shape (5
// levels, 12 choices) and returns its witness panel, built directly from
// the dataset: the benchmarks time the estimator, not the tabulator.
func MustBenchPanel(b *testing.B) *actas.Panel {
	b.Helper()
	benchOnce.Do(func() {
		ds, _, err := simulate.Run(simulate.Config{Stations: benchStations(b), Seed: 1, Levels: 5, Choices: 12})
		if err != nil {
			b.Fatal(err)
		}
		benchPanel = DatasetPanel(ds, actas.Witness)
	})
	if benchPanel == nil {
		b.Fatal("no benchmark panel")
	}
	return benchPanel
}

// DatasetPanel is the panel of one source of a dataset whose stations have
// at most one sheet of that source (as the simulator's).
func DatasetPanel(ds *actas.Dataset, src actas.Source) *actas.Panel {
	p := &actas.Panel{Election: ds.Election, Contest: &ds.Election.Contests[0], Source: src,
		Stations: ds.Stations, Sheets: make([]*actas.Sheet, len(ds.Stations)), Flags: make([]actas.Flags, len(ds.Stations))}
	index := make(map[string]int, len(ds.Stations))
	for i, st := range ds.Stations {
		index[st.Code] = i
	}
	for _, sub := range ds.Sheets {
		if sub.Source == src {
			p.Sheets[index[sub.Sheet.Station]] = &sub.Sheet
		}
	}
	return p
}

// BenchmarkProject times the analytic projection, nationally and per area
// of the second level, with strata the top level.
func BenchmarkProject(b *testing.B) {
	p := MustBenchPanel(b)
	for _, level := range []string{actas.National, p.Election.Levels[1]} {
		b.Run("level="+level, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime(b)
			for b.Loop() {
				if _, err := estimate.Project(p, estimate.Options{Level: level, Replicates: -1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime(b)-cpu).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(len(p.Stations)), "stations")
		})
	}
}

// BenchmarkBootstrap times the projection with a bootstrap of 200
// replicates (the default is 1,000: about five times this). Besides wall
// time it reports CPU seconds per projection, over both cores.
func BenchmarkBootstrap(b *testing.B) {
	p := MustBenchPanel(b)
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		if _, err := estimate.Project(p, estimate.Options{Replicates: 200}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime(b)-cpu).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(p.Stations)), "stations")
}

// cpuTime is the process's user and system time: on a machine shared with
// other jobs it measures the work where wall time measures the contention.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

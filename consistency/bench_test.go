package consistency_test

import (
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/simulate"
)

// benchInputs are the benchmarks' inputs: a simulated election of
// ACTAS_BENCH_STATIONS stations (20,000 by default; 1050000 is the
// DESIGN.md target) in 5 levels with 12 choices, a tenth of its official
// sheets shifted and a tenth stuffed, witness sheets for about 80% of the
// stations, official totals and snapshots. Simulated and tabulated once.
var benchInputs = sync.OnceValues(func() (consistency.Inputs, error) {
	n := 20000
	if v := os.Getenv("ACTAS_BENCH_STATIONS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			return consistency.Inputs{}, actas.Errorf(actas.EINVALID, "ACTAS_BENCH_STATIONS=%q is not a station count", v)
		}
	}
	ds, _, err := simulate.Run(simulate.Config{Stations: n, Levels: 5, Choices: 12, Seed: 1,
		Fraud: []simulate.Fraud{{Model: simulate.Shift, Fraction: 0.1}, {Model: simulate.Incremental, Fraction: 0.1}}})
	if err != nil {
		return consistency.Inputs{}, err
	}
	tab, err := tabulateDataset(ds)
	if err != nil {
		return consistency.Inputs{}, err
	}
	return consistency.Inputs{Election: ds.Election, Results: tab, Totals: ds.Totals, Snapshots: ds.Snapshots}, nil
})

func mustBenchInputs(b *testing.B) consistency.Inputs {
	b.Helper()
	in, err := benchInputs()
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// BenchmarkReport runs the whole report, panels included, as the page and
// `actas` would after a change of the results, and reports the seconds of
// each analysis (e.g. bound-s/op) beside the total; an analysis's seconds
// include building the panels it is the first to need.
func BenchmarkReport(b *testing.B) {
	in := mustBenchInputs(b)
	spent := map[consistency.Analysis]time.Duration{}
	b.ReportAllocs()
	for b.Loop() {
		var last consistency.Analysis
		var at time.Time
		opts := consistency.Options{Progress: func(a consistency.Analysis, _ string) {
			now := time.Now()
			if last != "" {
				spent[last] += now.Sub(at)
			}
			last, at = a, now
		}}
		r, err := consistency.New(in)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		rep, err := r.Run(opts)
		if err != nil {
			b.Fatal(err)
		}
		spent[last] += time.Since(at)
		spent["setup"] += time.Since(start)
		for _, s := range rep.Sections() {
			if !s.Ran() {
				b.Fatalf("%s did not run: %s", s.Analysis, s.Skipped)
			}
		}
	}
	for a, d := range spent {
		if a != "setup" {
			spent["setup"] -= d
		}
	}
	for a, d := range spent {
		b.ReportMetric(d.Seconds()/float64(b.N), string(a)+"-s/op")
	}
}

// BenchmarkAnalysis runs each analysis alone on panels already built: what
// a refresh of one section costs.
func BenchmarkAnalysis(b *testing.B) {
	in := mustBenchInputs(b)
	r, err := consistency.New(in)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := r.Run(consistency.Options{Analyses: []consistency.Analysis{consistency.Compare, consistency.Timeline}}); err != nil {
		b.Fatal(err) // builds every panel
	}
	for _, a := range consistency.Analyses() {
		b.Run(string(a), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rep, err := r.Run(consistency.Options{Analyses: []consistency.Analysis{a}})
				if err != nil {
					b.Fatal(err)
				}
				if s := rep.Section(a); !s.Ran() {
					b.Fatalf("%s did not run: %s", a, s.Skipped)
				}
			}
		})
	}
}

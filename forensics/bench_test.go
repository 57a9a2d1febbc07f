package forensics_test

import (
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/simulate"
)

// benchStations is the size of the benchmarks' election: 30,000 stations
// by default; ACTAS_BENCH_STATIONS=1050000 measures the scale target
// (India 2024), with 5 levels and 12 choices.
func benchStations() int {
	if n, err := strconv.Atoi(os.Getenv("ACTAS_BENCH_STATIONS")); err == nil && n > 0 {
		return n
	}
	return 30000
}

var benchPanel struct {
	once sync.Once
	p    *actas.Panel
	err  error
}

// MustBenchPanel returns the official panel of a simulated election with
// ballot stuffing, built once per test binary. The panel is assembled from
// the dataset directly rather than through tabulate: at a million stations
// that saves the benchmark half a minute and a gigabyte, and the analyses
// only read it.
func MustBenchPanel(b *testing.B) *actas.Panel {
	b.Helper()
	benchPanel.once.Do(func() {
		ds, _, err := simulate.Run(simulate.Config{Stations: benchStations(), Levels: 5, Choices: 12, Seed: 1,
			Fraud: []simulate.Fraud{{Model: simulate.Incremental}, {Model: simulate.Extreme}}})
		if err != nil {
			benchPanel.err = err
			return
		}
		benchPanel.p = officialPanel(ds)
	})
	if benchPanel.err != nil {
		b.Fatal(benchPanel.err)
	}
	return benchPanel.p
}

// officialPanel places each official sheet of ds beside its station.
func officialPanel(ds *actas.Dataset) *actas.Panel {
	p := &actas.Panel{Election: ds.Election, Contest: &ds.Election.Contests[0], Source: actas.Official,
		Stations: ds.Stations, Sheets: make([]*actas.Sheet, len(ds.Stations)), Flags: make([]actas.Flags, len(ds.Stations))}
	index := make(map[string]int, len(ds.Stations))
	for i, st := range ds.Stations {
		index[st.Code] = i
	}
	for _, sub := range ds.Sheets {
		if sub.Source == actas.Official {
			p.Sheets[index[sub.Sheet.Station]] = &sub.Sheet
		}
	}
	return p
}

// BenchmarkForensics times each analysis with the default options (the
// integer-percent test with 1,000 replicates on every core):
//
//	ACTAS_BENCH_STATIONS=1050000 go test ./forensics -run XXX -bench Forensics -benchtime 3x
func BenchmarkForensics(b *testing.B) {
	p := MustBenchPanel(b)
	for _, bc := range []struct {
		name string
		run  func(*actas.Panel, forensics.Options) error
	}{
		{"fingerprint", func(p *actas.Panel, o forensics.Options) error { _, err := forensics.Fingerprint(p, o); return err }},
		{"integer-percent 1000 replicates", func(p *actas.Panel, o forensics.Options) error {
			_, err := forensics.IntegerPercent(p, o)
			return err
		}},
		{"last-digit", func(p *actas.Panel, o forensics.Options) error { _, err := forensics.LastDigit(p, o); return err }},
		{"adjacent-pair", func(p *actas.Panel, o forensics.Options) error { _, err := forensics.AdjacentPair(p, o); return err }},
		{"second-digit", func(p *actas.Panel, o forensics.Options) error { _, err := forensics.SecondDigit(p, o); return err }},
		{"impossible-sheets", func(p *actas.Panel, o forensics.Options) error {
			_, err := forensics.ImpossibleSheets(p, o)
			return err
		}},
		{"run (all six)", func(p *actas.Panel, o forensics.Options) error { _, err := forensics.Run(p, o); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.run(p, forensics.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(p.Stations)), "stations")
		})
	}
}

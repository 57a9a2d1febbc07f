package timeline_test

import (
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/tabulate"
	"github.com/actasproject/actas/timeline"
)

// MustSimulate runs the simulator or fails the test.
func MustSimulate(tb testing.TB, cfg simulate.Config) (*actas.Dataset, *simulate.Truth) {
	tb.Helper()
	ds, truth, err := simulate.Run(cfg)
	if err != nil {
		tb.Fatalf("simulate %+v: %v", cfg, err)
	}
	return ds, truth
}

// MustAnalyze runs Analyze or fails the test.
func MustAnalyze(tb testing.TB, e *actas.Election, stations []actas.Station, snaps []actas.Snapshot, opt timeline.Options) *timeline.Report {
	tb.Helper()
	rep, err := timeline.Analyze(e, stations, snaps, opt)
	if err != nil {
		tb.Fatalf("Analyze: %v", err)
	}
	return rep
}

// MustPanel tabulates a dataset's sheets and returns one source's panel.
func MustPanel(tb testing.TB, ds *actas.Dataset, source actas.Source) *actas.Panel {
	tb.Helper()
	tab, err := tabulate.FromDataset(ds, tabulate.DefaultRules())
	if err != nil {
		tb.Fatal(err)
	}
	p, err := tab.Panel(ds.Election.ID, ds.Election.Contests[0].ID, source)
	if err != nil {
		tb.Fatalf("Panel: %v", err)
	}
	return p
}

// series returns the report's series of a scope and kind, or fails.
func series(tb testing.TB, rep *timeline.Report, kind, scope string) *timeline.Series {
	tb.Helper()
	for _, s := range rep.Series {
		if s.Kind == kind && s.Scope == scope {
			return s
		}
	}
	tb.Fatalf("no %s series %q in the report", kind, scope)
	return nil
}

func clock(tb testing.TB, s string) int {
	tb.Helper()
	m, err := actas.ParseClock(s)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

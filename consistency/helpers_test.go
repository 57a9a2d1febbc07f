package consistency_test

import (
	"os"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/internal/realdata"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/tabulate"
)

// testdata is the repository's copy of the real elections (see its README).
func testdata(parts ...string) string { return realdata.Path(parts...) }

// MustTabulate loads a dataset's election and sheets into a tabulator, as
// the store would: each sheet gets the next log index.
func MustTabulate(tb testing.TB, ds *actas.Dataset) *tabulate.Tabulator {
	tb.Helper()
	tab, err := tabulateDataset(ds)
	if err != nil {
		tb.Fatal(err)
	}
	return tab
}

func tabulateDataset(ds *actas.Dataset) (*tabulate.Tabulator, error) {
	return tabulate.FromDataset(ds, tabulate.DefaultRules())
}

// MustSimulate runs the simulator; its dataset holds witness and official
// sheets, official totals (national and per state) and snapshots.
func MustSimulate(tb testing.TB, cfg simulate.Config) (*actas.Dataset, *simulate.Truth) {
	tb.Helper()
	ds, truth, err := simulate.Run(cfg)
	if err != nil {
		tb.Fatalf("simulate.Run: %v", err)
	}
	return ds, truth
}

// MustInputs are the runner's inputs for a dataset: the tabulation of its
// sheets, its totals and its snapshots.
func MustInputs(tb testing.TB, ds *actas.Dataset) consistency.Inputs {
	tb.Helper()
	return consistency.Inputs{Election: ds.Election, Results: MustTabulate(tb, ds), Totals: ds.Totals, Snapshots: ds.Snapshots}
}

// MustRun runs the analyses and fails the test on an error.
func MustRun(tb testing.TB, in consistency.Inputs, opts consistency.Options) *consistency.Report {
	tb.Helper()
	rep, err := consistency.Run(in, opts)
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	return rep
}

// MustRealDataset reads a real election file with its converter; the test
// is skipped when the repository's copy is missing.
func MustRealDataset(tb testing.TB, format string, path ...string) *actas.Dataset {
	tb.Helper()
	return realdata.MustDataset(tb, format, path...)
}

// MustTotals reads an official totals file as bulletin name.
func MustTotals(tb testing.TB, ds *actas.Dataset, name string, path ...string) []actas.OfficialTotal {
	tb.Helper()
	f, err := os.Open(testdata(path...))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	idx := sheetio.NewIndex(ds.Stations)
	totals, err := sheetio.ReadTotals(f, f.Name(), ds.Election, "", name, idx.Area)
	if err != nil {
		tb.Fatal(err)
	}
	return totals
}

// MustRan fails the test unless the section ran.
func MustRan(tb testing.TB, s *consistency.Section) {
	tb.Helper()
	if s == nil {
		tb.Fatal("section not in the report")
	}
	if !s.Ran() {
		tb.Fatalf("%s did not run: %s (%s)", s.Analysis, s.Skipped, s.Status)
	}
}

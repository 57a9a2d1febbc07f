package compare_test

import (
	"os"
	"testing"

	"github.com/actasproject/actas"
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
	tab, err := tabulate.FromDataset(ds, tabulate.DefaultRules())
	if err != nil {
		tb.Fatal(err)
	}
	return tab
}

// MustPanel returns the panel of one source (or the reconciled view) of
// the dataset's first contest.
func MustPanel(tb testing.TB, tab *tabulate.Tabulator, ds *actas.Dataset, source actas.Source) *actas.Panel {
	tb.Helper()
	p, err := tab.Panel(ds.Election.ID, ds.Election.Contests[0].ID, source)
	if err != nil {
		tb.Fatalf("Panel(%s): %v", source, err)
	}
	return p
}

// MustRealDataset reads a real election file with its converter; the test
// is skipped when the repository's copy is missing.
func MustRealDataset(tb testing.TB, format string, path ...string) *actas.Dataset {
	tb.Helper()
	return realdata.MustDataset(tb, format, path...)
}

// MustBulletin reads an official totals file as one bulletin per area and
// returns the one of area ("" for national).
func MustBulletin(tb testing.TB, ds *actas.Dataset, name, area string, path ...string) *actas.Bulletin {
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
	return MustFind(tb, actas.Bulletins(&ds.Election.Contests[0], totals), area)
}

// MustFind returns the bulletin of area among bs.
func MustFind(tb testing.TB, bs []*actas.Bulletin, area string) *actas.Bulletin {
	tb.Helper()
	for _, b := range bs {
		if b.Area == area {
			return b
		}
	}
	tb.Fatalf("no bulletin for area %q among %d", area, len(bs))
	return nil
}

// MustSimulate runs the simulator and tabulates its sheets.
func MustSimulate(tb testing.TB, cfg simulate.Config) (*actas.Dataset, *simulate.Truth, *tabulate.Tabulator) {
	tb.Helper()
	ds, truth, err := simulate.Run(cfg)
	if err != nil {
		tb.Fatalf("simulate: %v", err)
	}
	return ds, truth, MustTabulate(tb, ds)
}

// MustFraud parses fraud models.
func MustFraud(tb testing.TB, specs ...string) []simulate.Fraud {
	tb.Helper()
	var out []simulate.Fraud
	for _, s := range specs {
		f, err := simulate.ParseFraud(s)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

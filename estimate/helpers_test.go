package estimate_test

import (
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/realdata"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/tabulate"
)

// MustPanels tabulates a dataset and returns the panel of each source asked
// for, in order.
func MustPanels(tb testing.TB, ds *actas.Dataset, sources ...actas.Source) []*actas.Panel {
	tb.Helper()
	tab, err := tabulate.FromDataset(ds, tabulate.DefaultRules())
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]*actas.Panel, len(sources))
	for k, src := range sources {
		p, err := tab.Panel(ds.Election.ID, ds.Election.Contests[0].ID, src)
		if err != nil {
			tb.Fatal(err)
		}
		out[k] = p
	}
	return out
}

// MustConvert reads a real election from ../testdata with a sheetio layout.
func MustConvert(tb testing.TB, format, dir string) *actas.Dataset {
	tb.Helper()
	return realdata.MustDataset(tb, format, dir)
}

// MustSimulate runs the simulator.
func MustSimulate(tb testing.TB, cfg simulate.Config) (*actas.Dataset, *simulate.Truth) {
	tb.Helper()
	ds, truth, err := simulate.Run(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return ds, truth
}

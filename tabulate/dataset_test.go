package tabulate_test

import (
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

func TestFromDataset(t *testing.T) {
	e, stations := fixtureElection(), fixtureStations()
	n := numbers{votes: []int64{300, 100, 10}, blank: 2, null: 3, ballots: 415, voters: 415}
	ds := &actas.Dataset{Election: e, Stations: stations, Sheets: []*actas.Submission{
		{Source: actas.Witness, Sheet: n.sheet("1001", "president")},
		{Source: actas.Official, Sheet: n.sheet("2001", "president")},
	}}
	tab, err := tabulate.FromDataset(ds, tabulate.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := tab.MaxSeq("ve-2024"); err != nil || seq != 2 {
		t.Errorf("MaxSeq = %d, %v; want 2", seq, err)
	}
	a, _ := MustArea(t, tab, "ve-2024", "president", actas.Reconciled, "")
	if a.StationsCounted != 2 || a.Votes[0] != 600 {
		t.Errorf("national: %d counted, %d votes for eg; want 2 and 600", a.StationsCounted, a.Votes[0])
	}
	if ds.Sheets[0].Seq != 0 || ds.Sheets[0].Election != "" {
		t.Error("FromDataset changed the dataset's sheets")
	}
	ds.Sheets = append(ds.Sheets, &actas.Submission{Source: actas.Witness, Sheet: n.sheet("9999", "president")})
	if _, err := tabulate.FromDataset(ds, tabulate.DefaultRules()); err == nil {
		t.Error("a sheet of an unknown station was tabulated")
	}
}

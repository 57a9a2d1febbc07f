package opendata_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/opendata"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/tabulate"
)

// fixture is a small handmade election whose names carry what CSV and
// paths must escape: commas, quotes, a '/' inside a name, leading spaces.
func fixture() *actas.Dataset {
	e := &actas.Election{
		ID: "fixture-2024", Name: `Elección "general", 2024`, Date: "2024-07-28", Timezone: "America/Caracas",
		Open: "06:00", Close: "18:00", Levels: []string{"state", "municipality"},
		Contests: []actas.Contest{
			{ID: "president", Name: "President", Choices: []actas.Choice{{ID: "a", Name: "Ana, Pérez"}, {ID: "b", Name: `Beto "B"`}}},
			{ID: "governor", Name: "Governor", Choices: []actas.Choice{{ID: "b", Name: "Bea"}, {ID: "c", Name: "Cruz"}}},
		},
	}
	stations := []actas.Station{
		{Code: "0101", Area: actas.JoinPath("Zulia", "MP. L/DIEGO BAUTISTA"), Registered: 500},
		{Code: "0102", Area: actas.JoinPath("Zulia", "MP. L/DIEGO BAUTISTA"), Registered: 400},
		{Code: "0201", Area: actas.JoinPath(`Distrito "Capital", DC`, " Libertador"), Registered: 0},
	}
	sheet := func(src actas.Source, station, contest string, votes []int64, blank, null, ballots, voters int64) *actas.Submission {
		return &actas.Submission{Source: src, Sheet: actas.Sheet{Station: station, Contest: contest, Votes: votes,
			Blank: blank, Null: null, Ballots: ballots, Voters: voters}}
	}
	subs := []*actas.Submission{
		sheet(actas.Official, "0101", "president", []int64{200, 150}, 5, 3, 358, 358),          // seq 1
		sheet(actas.Witness, "0101", "president", []int64{200, 150}, 5, 3, 358, actas.Unknown), // seq 2
		sheet(actas.Official, "0102", "president", []int64{100, 300}, 2, 1, 403, 403),          // seq 3: ballots exceed registered
		sheet(actas.Official, "0201", "president", []int64{10, 20}, 0, 0, 30, actas.Unknown),   // seq 4
		sheet(actas.Official, "0101", "governor", []int64{180, 170}, 4, 4, 358, 358),           // seq 5
		sheet(actas.Witness, "0102", "president", []int64{120, 280}, 2, 1, 403, 403),           // seq 6: differs from official
		sheet(actas.Official, "0101", "president", []int64{201, 149}, 5, 3, 358, 358),          // seq 7: official correction
	}
	for _, s := range subs {
		s.Flags = actas.Check(&s.Sheet, stationOf(stations, s.Sheet.Station), 0)
	}
	return &actas.Dataset{Election: e, Stations: stations, Sheets: subs}
}

func stationOf(stations []actas.Station, code string) *actas.Station {
	for i := range stations {
		if stations[i].Code == code {
			return &stations[i]
		}
	}
	return nil
}

// MustTabulate tabulates a dataset or fails the test.
func MustTabulate(tb testing.TB, ds *actas.Dataset) *tabulate.Tabulator {
	tb.Helper()
	tab, err := tabulate.FromDataset(ds, tabulate.DefaultRules())
	if err != nil {
		tb.Fatalf("tabulate: %v", err)
	}
	return tab
}

// MustSimulate simulates an election of n stations or fails the test.
func MustSimulate(tb testing.TB, n int, seed uint64) *actas.Dataset {
	tb.Helper()
	ds, _, err := simulate.Run(simulate.Config{Stations: n, Seed: seed, Levels: 4, Choices: 5})
	if err != nil {
		tb.Fatalf("simulate: %v", err)
	}
	return ds
}

// MustExport writes an export or fails the test.
func MustExport(tb testing.TB, f opendata.Format, ds *actas.Dataset, tab opendata.Results, opt opendata.Options) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := opendata.Write(&buf, f, ds.Election, tab, opt); err != nil {
		tb.Fatalf("export %s: %v", f, err)
	}
	return buf.Bytes()
}

// MustReadCSV parses a CSV export (every row as wide as the header) or
// fails the test.
func MustReadCSV(tb testing.TB, data []byte) [][]string {
	tb.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		tb.Fatalf("export is not CSV: %v\n%s", err, data)
	}
	return recs
}

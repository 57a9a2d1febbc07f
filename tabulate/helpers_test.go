package tabulate_test

import (
	"reflect"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

// fixtureElection is a small presidential election with three levels.
func fixtureElection() *actas.Election {
	return &actas.Election{
		ID: "ve-2024", Name: "Presidential 2024", Date: "2024-07-28", Open: "06:00", Close: "18:00",
		Levels: []string{"state", "municipality", "parish"},
		Contests: []actas.Contest{{ID: "president", Name: "President", Choices: []actas.Choice{
			{ID: "eg", Name: "Edmundo González"}, {ID: "nm", Name: "Nicolás Maduro"}, {ID: "other", Name: "Others"},
		}}},
	}
}

// fixtureStations are deliberately not grouped by area: creation order and
// tree order differ.
func fixtureStations() []actas.Station {
	return []actas.Station{
		{Code: "1001", Area: "Zulia/Maracaibo/Chiquinquirá", Registered: 500},
		{Code: "2001", Area: "Lara/Torres/Chiquinquirá", Registered: 300},
		{Code: "1002", Area: "Zulia/Maracaibo/Chiquinquirá", Registered: 400},
		{Code: "1003", Area: "Zulia/Maracaibo/Santa Lucía", Registered: 300},
		{Code: "1004", Area: "Zulia/Cabimas/Ambrosio", Registered: 200},
		{Code: "2002", Area: "Lara/Iribarren/Catedral", Registered: 100, Machines: 1},
		{Code: "10010", Area: "Zulia/Maracaibo/Santa Lucía", Registered: 0},
	}
}

// MustTabulator returns a Tabulator holding the election and stations.
func MustTabulator(tb testing.TB, rules tabulate.Rules, e *actas.Election, stations []actas.Station) *tabulate.Tabulator {
	tb.Helper()
	tab := tabulate.New(rules)
	if err := tab.AddElection(e, stations); err != nil {
		tb.Fatalf("AddElection: %v", err)
	}
	return tab
}

// MustAdd adds a submission and fails the test on error.
func MustAdd(tb testing.TB, tab *tabulate.Tabulator, sub *actas.Submission) {
	tb.Helper()
	if err := tab.Add(sub); err != nil {
		tb.Fatalf("Add(seq %d, %s, station %s): %v", sub.Seq, sub.Source, sub.Sheet.Station, err)
	}
}

// MustDecide records a decision and fails the test on error.
func MustDecide(tb testing.TB, tab *tabulate.Tabulator, election string, d tabulate.Decision) {
	tb.Helper()
	if err := tab.Decide(election, d); err != nil {
		tb.Fatalf("Decide(index %d, station %s, %s %d): %v", d.Index, d.Station, d.Source, d.Seq, err)
	}
}

// MustArea returns an area's results and fails the test on error.
func MustArea(tb testing.TB, tab *tabulate.Tabulator, election, contest string, source actas.Source, path string) (*actas.AreaResult, []*actas.AreaResult) {
	tb.Helper()
	a, children, err := tab.Area(election, contest, source, path)
	if err != nil {
		tb.Fatalf("Area(%s, %s, %q): %v", contest, source, path, err)
	}
	return a, children
}

// MustStation returns a station's result and fails the test on error.
func MustStation(tb testing.TB, tab *tabulate.Tabulator, election, contest, code string) *actas.StationResult {
	tb.Helper()
	r, err := tab.Station(election, contest, code)
	if err != nil {
		tb.Fatalf("Station(%s): %v", code, err)
	}
	return r
}

// numbers is a sheet's content without its station and contest.
type numbers struct {
	votes                        []int64
	blank, null, ballots, voters int64
}

func (n numbers) sheet(station, contest string) actas.Sheet {
	return actas.Sheet{Station: station, Contest: contest, Votes: append([]int64(nil), n.votes...),
		Blank: n.blank, Null: n.null, Ballots: n.ballots, Voters: n.voters}
}

func sub(seq int64, src actas.Source, station string, n numbers) *actas.Submission {
	return &actas.Submission{Seq: seq, Election: "ve-2024", Source: src, Sheet: n.sheet(station, "president")}
}

// snapshot is everything a reader can see of an election.
type snapshot struct {
	Areas    map[string]*actas.AreaResult
	Stations []*actas.StationResult
	Sources  []actas.Source
	MaxSeq   int64
}

// takeSnapshot reads every area of every level, every view and contest,
// and every station.
func takeSnapshot(tb testing.TB, tab *tabulate.Tabulator, election string) snapshot {
	tb.Helper()
	e, err := tab.Election(election)
	if err != nil {
		tb.Fatal(err)
	}
	s := snapshot{Areas: map[string]*actas.AreaResult{}, Sources: tab.Sources(election)}
	s.MaxSeq, err = tab.MaxSeq(election)
	if err != nil {
		tb.Fatal(err)
	}
	views := append(append([]actas.Source(nil), actas.Sources...), actas.Reconciled)
	for _, c := range e.Contests {
		for _, v := range views {
			for _, l := range append([]string{actas.National}, e.Levels...) {
				areas, err := tab.Level(election, c.ID, v, l, "")
				if err != nil {
					tb.Fatal(err)
				}
				for _, a := range areas {
					s.Areas[c.ID+"|"+string(v)+"|"+a.Path] = a
				}
			}
		}
		st, err := tab.Stations(election, c.ID, "")
		if err != nil {
			tb.Fatal(err)
		}
		s.Stations = append(s.Stations, st...)
	}
	return s
}

func sameSnapshot(tb testing.TB, before, after snapshot) {
	tb.Helper()
	if !reflect.DeepEqual(before, after) {
		for k, a := range before.Areas {
			if !reflect.DeepEqual(a, after.Areas[k]) {
				tb.Errorf("area %s changed: %+v → %+v", k, a, after.Areas[k])
			}
		}
		tb.Fatalf("state changed (sources %v → %v, max seq %d → %d)", before.Sources, after.Sources, before.MaxSeq, after.MaxSeq)
	}
}

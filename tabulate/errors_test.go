package tabulate_test

import (
	"fmt"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

func TestAddRejectsAndChangesNothing(t *testing.T) {
	tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
	MustAdd(t, tab, sub(1, actas.Witness, "1001", sheetA))
	MustAdd(t, tab, sub(2, actas.Official, "1001", sheetB))
	MustAdd(t, tab, sub(3, actas.Witness, "2001", sheetC))

	withSheet := func(seq int64, f func(*actas.Sheet)) *actas.Submission {
		s := sub(seq, actas.Witness, "1002", sheetA)
		f(&s.Sheet)
		return s
	}
	for _, tc := range []struct {
		name string
		sub  *actas.Submission
		code string
	}{
		{"no submission", nil, actas.EINVALID},
		{"unknown election", &actas.Submission{Seq: 9, Election: "nowhere", Source: actas.Witness, Sheet: sheetA.sheet("1001", "president")}, actas.ENOTFOUND},
		{"submission never stored (no Seq)", sub(0, actas.Witness, "1002", sheetA), actas.EINVALID},
		{"negative Seq", sub(-4, actas.Witness, "1002", sheetA), actas.EINVALID},
		{"unknown source", sub(9, "rumour", "1002", sheetA), actas.EINVALID},
		{"reconciled is not a source", sub(9, actas.Reconciled, "1002", sheetA), actas.EINVALID},
		{"unknown station", sub(9, actas.Witness, "9999", sheetA), actas.EINVALID},
		{"unknown contest", withSheet(9, func(s *actas.Sheet) { s.Contest = "governor" }), actas.EINVALID},
		{"no contest named", withSheet(9, func(s *actas.Sheet) { s.Contest = "" }), actas.EINVALID},
		{"too few vote counts", withSheet(9, func(s *actas.Sheet) { s.Votes = s.Votes[:2] }), actas.EINVALID},
		{"too many vote counts", withSheet(9, func(s *actas.Sheet) { s.Votes = append(s.Votes, 1) }), actas.EINVALID},
		{"negative votes", withSheet(9, func(s *actas.Sheet) { s.Votes[1] = -80 }), actas.EINVALID},
		{"negative ballots", withSheet(9, func(s *actas.Sheet) { s.Ballots = -1 }), actas.EINVALID},
		{"negative voters", withSheet(9, func(s *actas.Sheet) { s.Voters = -2 }), actas.EINVALID},
		{"Seq already tabulated, same sheet", sub(2, actas.Official, "1001", sheetB), actas.ECONFLICT},
		{"Seq already tabulated, another station", sub(3, actas.Witness, "1002", sheetA), actas.ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := takeSnapshot(t, tab, "ve-2024")
			err := tab.Add(tc.sub)
			if actas.ErrorCode(err) != tc.code {
				t.Fatalf("Add error = %v (code %q), want code %q", err, actas.ErrorCode(err), tc.code)
			}
			if actas.ErrorMessage(err) == "internal error" {
				t.Errorf("message hides the reason: %v", err)
			}
			sameSnapshot(t, before, takeSnapshot(t, tab, "ve-2024"))
		})
	}

	t.Run("a rejected Seq stays free", func(t *testing.T) {
		MustAdd(t, tab, sub(9, actas.Witness, "1002", sheetA))
		st := MustStation(t, tab, "ve-2024", "president", "1002")
		if st.State != actas.StateSingle || st.Current[actas.Witness] != 9 {
			t.Fatalf("station 1002 after a valid Add with Seq 9: %+v", st)
		}
	})
}

func TestAddElectionRejects(t *testing.T) {
	stations := func(f func([]actas.Station) []actas.Station) []actas.Station { return f(fixtureStations()) }
	for _, tc := range []struct {
		name     string
		election *actas.Election
		stations []actas.Station
		code     string
	}{
		{"no election", nil, fixtureStations(), actas.EINVALID},
		{"invalid election", &actas.Election{ID: "Bad Id", Name: "x", Levels: []string{"state"}}, fixtureStations(), actas.EINVALID},
		{"duplicate station code", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[3].Code = "1001"; return s }), actas.EINVALID},
		{"empty station code", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[0].Code = ""; return s }), actas.EINVALID},
		{"negative registered voters", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[2].Registered = -1; return s }), actas.EINVALID},
		{"negative machines", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[2].Machines = -1; return s }), actas.EINVALID},
		{"area with too few names", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[4].Area = "Zulia/Cabimas"; return s }), actas.EINVALID},
		{"area with too many names", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[4].Area = "Zulia/Cabimas/Ambrosio/Centro 1"; return s }), actas.EINVALID},
		{"area naming a higher area", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[4].Area = "Zulia"; return s }), actas.EINVALID},
		{"area path with an empty name", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[4].Area = "Zulia//Ambrosio"; return s }), actas.EINVALID},
		{"area path with a dangling escape", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[4].Area = `Zulia/Cabimas/Ambrosio\`; return s }), actas.EINVALID},
		{"no area", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[4].Area = ""; return s }), actas.EINVALID},
		{"more levels than the program holds", func() *actas.Election {
			e := fixtureElection()
			e.Levels = nil
			for i := range 101 {
				e.Levels = append(e.Levels, fmt.Sprintf("level%d", i))
			}
			return e
		}(), fixtureStations(), actas.EINVALID},
		{"top-level area named national", fixtureElection(), stations(func(s []actas.Station) []actas.Station { s[4].Area = "national/Cabimas/Ambrosio"; return s }), actas.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := tabulate.New(tabulate.DefaultRules())
			err := tab.AddElection(tc.election, tc.stations)
			if actas.ErrorCode(err) != tc.code {
				t.Fatalf("AddElection error = %v, want code %q", err, tc.code)
			}
			if tc.election != nil {
				if _, err := tab.Election(tc.election.ID); actas.ErrorCode(err) != actas.ENOTFOUND {
					t.Errorf("after a rejected AddElection, Election(%s) error = %v, want not found", tc.election.ID, err)
				}
			}
		})
	}

	t.Run("election already present", func(t *testing.T) {
		tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
		MustAdd(t, tab, sub(1, actas.Witness, "1001", sheetA))
		before := takeSnapshot(t, tab, "ve-2024")
		if err := tab.AddElection(fixtureElection(), fixtureStations()[:2]); actas.ErrorCode(err) != actas.ECONFLICT {
			t.Fatalf("second AddElection error = %v, want conflict", err)
		}
		sameSnapshot(t, before, takeSnapshot(t, tab, "ve-2024"))
	})
}

func TestQueriesReject(t *testing.T) {
	e := fixtureElection()
	e.ID = "two-contests"
	e.Contests = append(e.Contests, actas.Contest{ID: "assembly", Name: "Assembly", Choices: []actas.Choice{{ID: "x", Name: "X"}}})
	tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
	if err := tab.AddElection(e, fixtureStations()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"area of an unknown election", func() error { _, _, err := tab.Area("nowhere", "", actas.Witness, ""); return err }, actas.ENOTFOUND},
		{"area of an unknown contest", func() error { _, _, err := tab.Area("ve-2024", "governor", actas.Witness, ""); return err }, actas.ENOTFOUND},
		{"no contest named when there are two", func() error { _, _, err := tab.Area("two-contests", "", actas.Witness, ""); return err }, actas.EINVALID},
		{"unknown source", func() error { _, _, err := tab.Area("ve-2024", "", "rumour", ""); return err }, actas.EINVALID},
		{"unknown area", func() error { _, _, err := tab.Area("ve-2024", "", actas.Witness, "Zulia/Nowhere"); return err }, actas.ENOTFOUND},
		{"malformed area path", func() error { _, _, err := tab.Area("ve-2024", "", actas.Witness, "Zulia//Maracaibo"); return err }, actas.EINVALID},
		{"unknown level", func() error { _, err := tab.Level("ve-2024", "", actas.Witness, "county", ""); return err }, actas.ENOTFOUND},
		{"level above the area", func() error {
			_, err := tab.Level("ve-2024", "", actas.Witness, "state", "Zulia/Maracaibo")
			return err
		}, actas.EINVALID},
		{"national level within a state", func() error { _, err := tab.Level("ve-2024", "", actas.Witness, "national", "Zulia"); return err }, actas.EINVALID},
		{"stations of an unknown area", func() error { _, err := tab.Stations("ve-2024", "", "Falcón"); return err }, actas.ENOTFOUND},
		{"unknown station", func() error { _, err := tab.Station("ve-2024", "", "9999"); return err }, actas.ENOTFOUND},
		{"station of an unknown contest", func() error { _, err := tab.Station("ve-2024", "governor", "1001"); return err }, actas.ENOTFOUND},
		{"search in an unknown election", func() error { _, err := tab.Search("nowhere", "zulia", 5); return err }, actas.ENOTFOUND},
		{"max seq of an unknown election", func() error { _, err := tab.MaxSeq("nowhere"); return err }, actas.ENOTFOUND},
		{"unknown election", func() error { _, err := tab.Election("nowhere"); return err }, actas.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); actas.ErrorCode(err) != tc.code {
				t.Fatalf("error = %v, want code %q", err, tc.code)
			}
		})
	}
	if s := tab.Sources("nowhere"); s != nil {
		t.Errorf("Sources of an unknown election = %v, want nil", s)
	}
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules tabulate.Rules
		ok    bool
	}{
		{"default", tabulate.DefaultRules(), true},
		{"witness only", tabulate.Rules{Rank: []actas.Source{actas.Witness}}, true},
		{"nothing ranked", tabulate.Rules{}, true},
		{"reconciled ranked", tabulate.Rules{Rank: []actas.Source{actas.Reconciled}}, false},
		{"unknown source", tabulate.Rules{Rank: []actas.Source{"rumour"}}, false},
		{"source ranked twice", tabulate.Rules{Rank: []actas.Source{actas.Witness, actas.Audit, actas.Witness}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rules.Validate()
			if (err == nil) != tc.ok || (err != nil && actas.ErrorCode(err) != actas.EINVALID) {
				t.Fatalf("Validate = %v, want ok %v", err, tc.ok)
			}
			defer func() {
				if r := recover(); (r == nil) != tc.ok {
					t.Fatalf("New panicked %v, want a panic: %v", r, !tc.ok)
				}
			}()
			tabulate.New(tc.rules)
		})
	}
}

package tabulate_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

func paths(areas []*actas.AreaResult) []string {
	out := []string{}
	for _, a := range areas {
		out = append(out, a.Path)
	}
	return out
}

func TestAreas(t *testing.T) {
	tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
	for _, tc := range []struct {
		name     string
		path     string
		wantPath string
		areaName string
		level    string
		stations int64
		children []string
	}{
		{"national, by empty path", "", "", "Presidential 2024", "national", 7, []string{"Zulia", "Lara"}},
		{"national, by name", "national", "", "Presidential 2024", "national", 7, []string{"Zulia", "Lara"}},
		{"a state", "Zulia", "Zulia", "Zulia", "state", 5, []string{"Zulia/Maracaibo", "Zulia/Cabimas"}},
		{"a state, with spaces around", "  Lara ", "Lara", "Lara", "state", 2, []string{"Lara/Torres", "Lara/Iribarren"}},
		{"a municipality", "Zulia/Maracaibo", "Zulia/Maracaibo", "Maracaibo", "municipality", 4,
			[]string{"Zulia/Maracaibo/Chiquinquirá", "Zulia/Maracaibo/Santa Lucía"}},
		{"a parish has no children", "Zulia/Maracaibo/Chiquinquirá", "Zulia/Maracaibo/Chiquinquirá", "Chiquinquirá", "parish", 2, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, children := MustArea(t, tab, "ve-2024", "president", actas.Reconciled, tc.path)
			if a.Path != tc.wantPath || a.Name != tc.areaName || a.Level != tc.level || a.Stations != tc.stations || a.Children != len(tc.children) {
				t.Errorf("area = %q %q %s, %d stations, %d children", a.Path, a.Name, a.Level, a.Stations, a.Children)
			}
			if got := paths(children); !reflect.DeepEqual(got, tc.children) {
				t.Errorf("children = %q, want %q", got, tc.children)
			}
			if a.Election != "ve-2024" || a.Contest != "president" || a.Source != actas.Reconciled || len(a.Votes) != 3 {
				t.Errorf("area result names %s %s %s with %d vote counts", a.Election, a.Contest, a.Source, len(a.Votes))
			}
		})
	}
}

func TestLevel(t *testing.T) {
	tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
	for _, tc := range []struct {
		name, level, within string
		want                []string
	}{
		{"the national level", "national", "", []string{""}},
		{"states", "state", "", []string{"Zulia", "Lara"}},
		{"municipalities, in order of first appearance", "municipality", "", []string{"Zulia/Maracaibo", "Lara/Torres", "Zulia/Cabimas", "Lara/Iribarren"}},
		{"parishes of Zulia", "parish", "Zulia", []string{"Zulia/Maracaibo/Chiquinquirá", "Zulia/Maracaibo/Santa Lucía", "Zulia/Cabimas/Ambrosio"}},
		{"parishes of Lara", "parish", "Lara", []string{"Lara/Torres/Chiquinquirá", "Lara/Iribarren/Catedral"}},
		{"parishes of a municipality", "parish", "Zulia/Cabimas", []string{"Zulia/Cabimas/Ambrosio"}},
		{"the level of the area itself", "municipality", "Zulia/Cabimas", []string{"Zulia/Cabimas"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			areas, err := tab.Level("ve-2024", "president", actas.Witness, tc.level, tc.within)
			if err != nil {
				t.Fatal(err)
			}
			if got := paths(areas); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Level(%s within %q) = %q, want %q", tc.level, tc.within, got, tc.want)
			}
			for _, a := range areas {
				if a.Level != tc.level {
					t.Errorf("area %q has level %s, want %s", a.Path, a.Level, tc.level)
				}
			}
		})
	}
}

func TestStations(t *testing.T) {
	tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
	MustAdd(t, tab, sub(1, actas.Witness, "1002", sheetA))
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"every station, in creation order", "", []string{"1001", "2001", "1002", "1003", "1004", "2002", "10010"}},
		{"a state", "Zulia", []string{"1001", "1002", "1003", "1004", "10010"}},
		{"a municipality", "Zulia/Maracaibo", []string{"1001", "1002", "1003", "10010"}},
		{"a parish", "Zulia/Maracaibo/Santa Lucía", []string{"1003", "10010"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tab.Stations("ve-2024", "", tc.path)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, s := range got {
				codes = append(codes, s.Station.Code)
				if !strings.HasPrefix(s.Station.Area, tc.path) {
					t.Errorf("station %s in %q is not under %q", s.Station.Code, s.Station.Area, tc.path)
				}
			}
			if !reflect.DeepEqual(codes, tc.want) {
				t.Fatalf("Stations(%q) = %v, want %v", tc.path, codes, tc.want)
			}
		})
	}
	t.Run("pages", func(t *testing.T) {
		for _, tc := range []struct {
			name, path    string
			offset, limit int
			want          []string
		}{
			{"first page of every station", "", 0, 3, []string{"1001", "2001", "1002"}},
			{"last page of every station", "", 6, 3, []string{"10010"}},
			{"a page of a state", "Zulia", 1, 2, []string{"1002", "1003"}},
			{"past the end", "Zulia", 9, 2, []string{}},
			{"an empty page", "Lara", 0, 0, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, total, err := tab.StationsPage("ve-2024", "", tc.path, tc.offset, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				all, _ := tab.Stations("ve-2024", "", tc.path)
				codes := []string{}
				for _, s := range page {
					codes = append(codes, s.Station.Code)
				}
				if !reflect.DeepEqual(codes, tc.want) || total != len(all) {
					t.Fatalf("page = %v of %d, want %v of %d", codes, total, tc.want, len(all))
				}
			})
		}
		if _, _, err := tab.StationsPage("ve-2024", "", "", -1, 2); actas.ErrorCode(err) != actas.EINVALID {
			t.Fatalf("negative offset: error %v, want invalid", err)
		}
	})
	t.Run("a station with its sheet", func(t *testing.T) {
		st := MustStation(t, tab, "ve-2024", "", "1002")
		want := &actas.StationResult{
			Station: actas.Station{Code: "1002", Area: "Zulia/Maracaibo/Chiquinquirá", Registered: 400},
			Contest: "president", State: actas.StateSingle, From: actas.Witness,
			Sheet:   &actas.Sheet{Station: "1002", Contest: "president", Votes: []int64{120, 80, 5}, Blank: 3, Null: 2, Ballots: 210, Voters: 210},
			Current: map[actas.Source]int64{actas.Witness: 1},
		}
		if !reflect.DeepEqual(st, want) {
			t.Fatalf("Station(1002) =\n%+v\nwant\n%+v", st, want)
		}
		// The result is the caller's: changing it changes nothing inside.
		st.Sheet.Votes[0] = 0
		if again := MustStation(t, tab, "ve-2024", "", "1002"); again.Sheet.Votes[0] != 120 {
			t.Fatalf("a caller's change leaked into the tabulation: %v", again.Sheet.Votes)
		}
	})
	t.Run("a station without submissions", func(t *testing.T) {
		st := MustStation(t, tab, "ve-2024", "", "2002")
		if st.State != actas.StateNone || st.Sheet != nil || st.From != "" || len(st.Current) != 0 || st.Current == nil {
			t.Fatalf("Station(2002) = %+v", st)
		}
		if st.Station.Machines != 1 || st.Station.Registered != 100 {
			t.Fatalf("station details lost: %+v", st.Station)
		}
	})
}

func TestAreaNamesWithSlashes(t *testing.T) {
	e := fixtureElection()
	e.Levels = []string{"state", "municipality"}
	stations := []actas.Station{
		{Code: "1", Area: actas.JoinPath("TÁCHIRA", "MP. L/DIEGO BAUTISTA"), Registered: 10},
		{Code: "2", Area: actas.JoinPath(`A\B`, "C"), Registered: 20},
		{Code: "3", Area: actas.JoinPath("TÁCHIRA", "MP. L"), Registered: 30},
	}
	tab := MustTabulator(t, tabulate.DefaultRules(), e, stations)
	a, children := MustArea(t, tab, "ve-2024", "", actas.Witness, "TÁCHIRA")
	if a.Stations != 2 || !reflect.DeepEqual(paths(children), []string{`TÁCHIRA/MP. L\/DIEGO BAUTISTA`, "TÁCHIRA/MP. L"}) {
		t.Fatalf("TÁCHIRA: %d stations, children %q", a.Stations, paths(children))
	}
	if children[0].Name != "MP. L/DIEGO BAUTISTA" || children[0].Registered != 10 {
		t.Fatalf("escaped name: %+v", children[0])
	}
	b, _ := MustArea(t, tab, "ve-2024", "", actas.Witness, `A\\B`)
	if b.Name != `A\B` || b.Registered != 20 {
		t.Fatalf(`area A\B: %+v`, b)
	}
}

func TestElectionAndSources(t *testing.T) {
	tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
	e, err := tab.Election("ve-2024")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(e, fixtureElection()) {
		t.Fatalf("Election = %+v", e)
	}
	e.Contests[0].Choices[0].Name = "changed"
	e.Levels[0] = "changed"
	if again, _ := tab.Election("ve-2024"); !reflect.DeepEqual(again, fixtureElection()) {
		t.Fatalf("a caller's change leaked into the tabulation: %+v", again)
	}

	if s := tab.Sources("ve-2024"); len(s) != 0 {
		t.Fatalf("Sources before any submission = %v", s)
	}
	MustAdd(t, tab, sub(7, actas.Official, "1001", sheetA))
	MustAdd(t, tab, sub(3, actas.Witness, "1002", sheetA))
	if s := tab.Sources("ve-2024"); !reflect.DeepEqual(s, []actas.Source{actas.Witness, actas.Official}) {
		t.Fatalf("Sources = %v, want witness, official", s)
	}
	if n, err := tab.MaxSeq("ve-2024"); err != nil || n != 7 {
		t.Fatalf("MaxSeq = %d, %v; want 7", n, err)
	}
}

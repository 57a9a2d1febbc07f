package tabulate_test

import (
	"reflect"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

// TestPanel checks a panel of every view against what Station says of each
// station: the analyses must see the sheets the pages show.
func TestPanel(t *testing.T) {
	e, stations := fixtureElection(), fixtureStations()
	tab := MustTabulator(t, tabulate.DefaultRules(), e, stations)
	a := numbers{votes: []int64{300, 100, 10}, blank: 2, null: 3, ballots: 415, voters: 415}
	b := numbers{votes: []int64{290, 110, 10}, blank: 2, null: 3, ballots: 415, voters: 415}
	MustAdd(t, tab, sub(1, actas.Witness, "1001", a))
	MustAdd(t, tab, sub(2, actas.Official, "1001", b)) // conflict with the witness
	MustAdd(t, tab, sub(3, actas.Official, "2001", b))
	MustAdd(t, tab, sub(4, actas.Witness, "1002", a))
	MustAdd(t, tab, sub(5, actas.Witness, "1002", b)) // the witness corrects itself: current is b
	tests := []struct {
		source  actas.Source
		counted []string // stations with a sheet
	}{
		{actas.Witness, []string{"1001", "1002"}},
		{actas.Official, []string{"1001", "2001"}},
		{actas.Audit, nil},
		// 1002's witness stated two different sheets: a conflict no rule
		// resolves, so it has no reconciled sheet.
		{actas.Reconciled, []string{"1001", "2001"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.source), func(t *testing.T) {
			p, err := tab.Panel("ve-2024", "president", tt.source)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Stations) != len(stations) || len(p.Sheets) != len(stations) || len(p.Flags) != len(stations) {
				t.Fatalf("panel of %d stations, %d sheets, %d flags; want %d each", len(p.Stations), len(p.Sheets), len(p.Flags), len(stations))
			}
			if p.Contest.ID != "president" || p.Election.ID != "ve-2024" || p.Source != tt.source {
				t.Errorf("panel of %s/%s/%s", p.Election.ID, p.Contest.ID, p.Source)
			}
			var counted []string
			for i, st := range p.Stations {
				if st != stations[i] {
					t.Errorf("station %d is %+v, want %+v", i, st, stations[i])
				}
				res := MustStation(t, tab, "ve-2024", "president", st.Code)
				var want *actas.Sheet
				if tt.source == actas.Reconciled {
					want = res.Sheet
					if p.Sheets[i] != nil && p.From[i] != res.From {
						t.Errorf("station %s: from %s, want %s", st.Code, p.From[i], res.From)
					}
				} else if _, ok := res.Current[tt.source]; ok {
					want = currentSheet(t, tab, st.Code, tt.source)
				}
				if !reflect.DeepEqual(p.Sheets[i], want) {
					t.Errorf("station %s: sheet %+v, want %+v", st.Code, p.Sheets[i], want)
				}
				if p.Sheets[i] != nil {
					counted = append(counted, st.Code)
				}
			}
			if !reflect.DeepEqual(counted, tt.counted) || p.Counted() != len(tt.counted) {
				t.Errorf("counted %v (%d), want %v", counted, p.Counted(), tt.counted)
			}
		})
	}
	if _, err := tab.Panel("ve-2024", "president", "rumour"); actas.ErrorCode(err) != actas.EINVALID {
		t.Errorf("unknown source: %v, want EINVALID", err)
	}
	if _, err := tab.Panel("ve-2025", "president", actas.Witness); actas.ErrorCode(err) != actas.ENOTFOUND {
		t.Errorf("unknown election: %v, want ENOTFOUND", err)
	}
}

// currentSheet is the latest sheet the test gave for a station and source:
// the tabulator shows a source's current sheet only through area totals.
func currentSheet(t *testing.T, tab *tabulate.Tabulator, code string, src actas.Source) *actas.Sheet {
	t.Helper()
	want := map[string]map[actas.Source]numbers{
		"1001": {actas.Witness: {votes: []int64{300, 100, 10}, blank: 2, null: 3, ballots: 415, voters: 415},
			actas.Official: {votes: []int64{290, 110, 10}, blank: 2, null: 3, ballots: 415, voters: 415}},
		"2001": {actas.Official: {votes: []int64{290, 110, 10}, blank: 2, null: 3, ballots: 415, voters: 415}},
		"1002": {actas.Witness: {votes: []int64{290, 110, 10}, blank: 2, null: 3, ballots: 415, voters: 415}},
	}
	n, ok := want[code][src]
	if !ok {
		t.Fatalf("station %s has a current %s sheet the test did not expect", code, src)
	}
	s := n.sheet(code, "president")
	return &s
}

package compare_test

import (
	"fmt"
	"testing"

	"github.com/actasproject/actas"
)

// The hand-made election: two states of two municipalities each, one
// contest with choices a and b, every station with 600 registered voters.
func handElection() *actas.Election {
	return &actas.Election{
		ID: "hand", Name: "Hand-made election", Levels: []string{"state", "municipality"},
		Contests: []actas.Contest{{ID: "president", Name: "President", Choices: []actas.Choice{
			{ID: "a", Name: "Ana"}, {ID: "b", Name: "Bruno"},
		}}},
	}
}

const handRegistered = 600

// handStations returns n stations spread over the four municipalities, in
// creation order s000, s001, …
func handStations(n int) []actas.Station {
	states := []string{"Norte", "Sur"}
	out := make([]actas.Station, n)
	for i := range out {
		out[i] = actas.Station{
			Code:       fmt.Sprintf("s%03d", i),
			Area:       actas.JoinPath(states[i%2], fmt.Sprintf("M%d", i%4/2)),
			Registered: handRegistered,
		}
	}
	return out
}

// handSheet is the sheet station i states in the ordinary case: a and b
// vary a little from station to station, blank 5, null 5, and it adds up.
func handSheet(i int) actas.Sheet {
	a, b := int64(180+i%21), int64(160+(i*7)%17)
	return actas.Sheet{Station: fmt.Sprintf("s%03d", i), Contest: "president", Votes: []int64{a, b},
		Blank: 5, Null: 5, Ballots: a + b + 10, Voters: actas.Unknown}
}

// handTotals sums handSheet over stations from..to-1.
type handTotals struct{ a, b, blank, null, ballots int64 }

func handSum(from, to int) handTotals {
	var t handTotals
	for i := from; i < to; i++ {
		s := handSheet(i)
		t.a += s.Votes[0]
		t.b += s.Votes[1]
		t.blank += s.Blank
		t.null += s.Null
		t.ballots += s.Ballots
	}
	return t
}

// MustHandPanel tabulates n stations of which the first counted have the
// source's ordinary sheet, changed by edit when it is not nil, and returns
// the source's panel.
func MustHandPanel(tb testing.TB, n, counted int, source actas.Source, edit func(i int, s *actas.Sheet)) *actas.Panel {
	tb.Helper()
	ds := &actas.Dataset{Election: handElection(), Stations: handStations(n)}
	for i := range counted {
		s := handSheet(i)
		if edit != nil {
			edit(i, &s)
		}
		ds.Sheets = append(ds.Sheets, &actas.Submission{Source: source, Sheet: s})
	}
	return MustPanel(tb, MustTabulate(tb, ds), ds, source)
}

// MustHandPanels tabulates the same n stations with two sources' sheets,
// each source's sheets given by a function returning nil for none.
func MustHandPanels(tb testing.TB, n int, a, b actas.Source, sheetA, sheetB func(i int) *actas.Sheet) (*actas.Panel, *actas.Panel) {
	tb.Helper()
	ds := &actas.Dataset{Election: handElection(), Stations: handStations(n)}
	for _, side := range []struct {
		src   actas.Source
		sheet func(int) *actas.Sheet
	}{{a, sheetA}, {b, sheetB}} {
		for i := range n {
			if s := side.sheet(i); s != nil {
				ds.Sheets = append(ds.Sheets, &actas.Submission{Source: side.src, Sheet: *s})
			}
		}
	}
	tab := MustTabulate(tb, ds)
	return MustPanel(tb, tab, ds, a), MustPanel(tb, tab, ds, b)
}

// bulletin returns a national bulletin of the hand-made contest; figures
// left at actas.Unknown are not stated.
func bulletin(a, b, blank, null, ballots, registered int64) *actas.Bulletin {
	return &actas.Bulletin{ID: "final", Votes: []int64{a, b}, Blank: blank, Null: null, Ballots: ballots,
		Voters: actas.Unknown, Registered: registered}
}

package tabulate_test

import (
	"fmt"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

func TestDecisions(t *testing.T) {
	const st = "1001"
	noRank := tabulate.Rules{}
	accept := func(index int64, src actas.Source, seq int64) tabulate.Decision {
		return tabulate.Decision{Index: index, Station: st, Contest: "president", Source: src, Seq: seq}
	}
	reject := func(index int64) tabulate.Decision {
		return tabulate.Decision{Index: index, Station: st, Contest: "president"}
	}
	cases := []struct {
		name      string
		rules     tabulate.Rules
		subs      []*actas.Submission
		decisions []tabulate.Decision
		state     actas.State
		sheet     *numbers // nil: no reconciled sheet
		from      actas.Source
	}{
		{"without a decision an unranked conflict has no sheet", noRank,
			[]*actas.Submission{sub(1, actas.Witness, st, sheetA), sub(2, actas.Official, st, sheetB)}, nil,
			actas.StateConflict, nil, ""},
		{"a coordinator's acceptance settles a conflict the rules cannot", noRank,
			[]*actas.Submission{sub(1, actas.Witness, st, sheetA), sub(2, actas.Official, st, sheetB)},
			[]tabulate.Decision{accept(3, actas.Witness, 1)}, actas.StateConflict, &sheetA, actas.Witness},
		{"an acceptance overrides the rules' preferred source", tabulate.DefaultRules(),
			[]*actas.Submission{sub(1, actas.Witness, st, sheetA), sub(2, actas.Official, st, sheetB)},
			[]tabulate.Decision{accept(3, actas.Official, 2)}, actas.StateConflict, &sheetB, actas.Official},
		{"a later submission makes the decision stale", tabulate.DefaultRules(),
			[]*actas.Submission{sub(1, actas.Witness, st, sheetA), sub(2, actas.Official, st, sheetB), sub(4, actas.Machine, st, sheetC)},
			[]tabulate.Decision{accept(3, actas.Official, 2)}, actas.StateConflict, &sheetA, actas.Witness},
		{"an acceptance of a submission its source corrected does not apply", tabulate.DefaultRules(),
			[]*actas.Submission{sub(1, actas.Witness, st, sheetA), sub(2, actas.Official, st, sheetB), sub(3, actas.Official, st, sheetC)},
			[]tabulate.Decision{accept(4, actas.Official, 2)}, actas.StateConflict, &sheetA, actas.Witness},
		{"rejecting every sheet leaves an agreed station without one", tabulate.DefaultRules(),
			[]*actas.Submission{sub(1, actas.Witness, st, sheetA), sub(2, actas.Official, st, sheetA)},
			[]tabulate.Decision{reject(3)}, actas.StateConflict, nil, ""},
		{"rejecting a single sheet leaves the station uncounted", tabulate.DefaultRules(),
			[]*actas.Submission{sub(1, actas.Witness, st, sheetA)},
			[]tabulate.Decision{reject(2)}, actas.StateConflict, nil, ""},
		{"the latest decision rules whatever the order they arrive in", noRank,
			[]*actas.Submission{sub(1, actas.Witness, st, sheetA), sub(2, actas.Official, st, sheetB)},
			[]tabulate.Decision{accept(5, actas.Official, 2), accept(3, actas.Witness, 1)}, actas.StateConflict, &sheetB, actas.Official},
		{"a decision on a station without submissions changes nothing", noRank,
			nil, []tabulate.Decision{accept(3, actas.Witness, 1)}, actas.StateNone, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := MustTabulator(t, c.rules, fixtureElection(), fixtureStations())
			// Decisions go in first: the result must not depend on it.
			for _, d := range c.decisions {
				MustDecide(t, tab, "ve-2024", d)
			}
			for _, s := range c.subs {
				MustAdd(t, tab, s)
			}
			res := MustStation(t, tab, "ve-2024", "president", st)
			if res.State != c.state || res.From != c.from || (res.Sheet == nil) != (c.sheet == nil) {
				t.Fatalf("state %s from %q sheet %+v; want %s from %q sheet %+v", res.State, res.From, res.Sheet, c.state, c.from, c.sheet)
			}
			if c.sheet != nil {
				want := c.sheet.sheet(st, "president")
				if !res.Sheet.Equal(&want) {
					t.Fatalf("sheet %+v, want %+v", res.Sheet, want)
				}
			}
			// The area totals count what the station shows.
			nat, _ := MustArea(t, tab, "ve-2024", "president", actas.Reconciled, "")
			var counted int64
			if c.sheet != nil {
				counted = 1
			}
			if nat.StationsCounted != counted {
				t.Fatalf("national counts %d stations, want %d", nat.StationsCounted, counted)
			}
			if c.sheet != nil && nat.Votes[0] != c.sheet.votes[0] {
				t.Fatalf("national votes %v, want those of %+v", nat.Votes, c.sheet)
			}
		})
	}
}

func TestDecisionSeqs(t *testing.T) {
	tab := MustTabulator(t, noRules(), fixtureElection(), fixtureStations())
	MustAdd(t, tab, sub(1, actas.Witness, "1001", sheetA))
	MustAdd(t, tab, sub(2, actas.Official, "1001", sheetB))
	d := tabulate.Decision{Index: 7, Station: "1001", Contest: "president", Source: actas.Witness, Seq: 1}
	MustDecide(t, tab, "ve-2024", d)
	if seq, _ := tab.MaxSeq("ve-2024"); seq != 7 {
		t.Errorf("MaxSeq %d after a decision at 7: pages must see results change", seq)
	}
	if seq, _ := tab.SubmissionSeq("ve-2024"); seq != 2 {
		t.Errorf("SubmissionSeq %d, want 2: catching up must not skip submissions before the decision", seq)
	}
	errs := []struct {
		name string
		d    tabulate.Decision
		code string
	}{
		{"the same decision twice", d, actas.ECONFLICT},
		{"a decision at a submission's index", tabulate.Decision{Index: 2, Station: "1001", Contest: "president"}, actas.ECONFLICT},
		{"a decision without a log index", tabulate.Decision{Station: "1001", Contest: "president"}, actas.EINVALID},
		{"an acceptance of a later entry", tabulate.Decision{Index: 9, Station: "1001", Contest: "president", Source: actas.Witness, Seq: 9}, actas.EINVALID},
		{"an unknown station", tabulate.Decision{Index: 10, Station: "9999", Contest: "president"}, actas.EINVALID},
		{"an unknown contest", tabulate.Decision{Index: 11, Station: "1001", Contest: "mayor"}, actas.EINVALID},
		{"an unknown source", tabulate.Decision{Index: 12, Station: "1001", Contest: "president", Source: "rumour", Seq: 1}, actas.EINVALID},
	}
	before := takeSnapshot(t, tab, "ve-2024")
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			if err := tab.Decide("ve-2024", c.d); actas.ErrorCode(err) != c.code {
				t.Fatalf("Decide = %v, want %s", err, c.code)
			}
			sameSnapshot(t, before, takeSnapshot(t, tab, "ve-2024"))
		})
	}
	if err := tab.Decide("nowhere", d); actas.ErrorCode(err) != actas.ENOTFOUND {
		t.Fatalf("Decide in an unknown election = %v, want not found", err)
	}
}

func noRules() tabulate.Rules { return tabulate.Rules{} }

func TestConflicts(t *testing.T) {
	tab := MustTabulator(t, noRules(), fixtureElection(), fixtureStations())
	MustAdd(t, tab, sub(1, actas.Witness, "1003", sheetA))
	MustAdd(t, tab, sub(2, actas.Official, "1003", sheetB))
	MustAdd(t, tab, sub(3, actas.Witness, "2001", sheetA))
	MustAdd(t, tab, sub(4, actas.Official, "2001", sheetB))
	MustAdd(t, tab, sub(5, actas.Witness, "1001", sheetA))
	cases := []struct {
		name, area string
		limit      int
		want       []string
		total      int
		code       string
	}{
		{"the whole election, in creation order", "", 10, []string{"2001", "1003"}, 2, ""},
		{"one state", "Zulia", 10, []string{"1003"}, 1, ""},
		{"a parish without conflicts", "Zulia/Maracaibo/Chiquinquirá", 10, nil, 0, ""},
		{"a page of one", "", 1, []string{"2001"}, 2, ""},
		{"an unknown area", "Nowhere", 10, nil, 0, actas.ENOTFOUND},
		{"a negative limit", "", -1, nil, 0, actas.EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, n, err := tab.Conflicts("ve-2024", "president", c.area, c.limit)
			if actas.ErrorCode(err) != c.code {
				t.Fatalf("Conflicts = %v, want %q", err, c.code)
			}
			var codes []string
			for _, r := range got {
				codes = append(codes, r.Station.Code)
			}
			if n != c.total || len(codes) != len(c.want) || (len(codes) > 0 && fmt.Sprint(codes) != fmt.Sprint(c.want)) {
				t.Fatalf("Conflicts = %v of %d, want %v of %d", codes, n, c.want, c.total)
			}
		})
	}
}

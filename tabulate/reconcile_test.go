package tabulate_test

import (
	"reflect"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

var (
	sheetA = numbers{votes: []int64{120, 80, 5}, blank: 3, null: 2, ballots: 210, voters: 210}
	sheetB = numbers{votes: []int64{100, 100, 5}, blank: 3, null: 2, ballots: 210, voters: 210}
	sheetC = numbers{votes: []int64{130, 70, 5}, blank: 3, null: 2, ballots: 210, voters: 210}
	// sheetA as a hand count states it: the ballots, not the voters' list.
	sheetAOpen       = numbers{votes: sheetA.votes, blank: 3, null: 2, ballots: 210, voters: actas.Unknown}
	sheetAMoreVoters = numbers{votes: sheetA.votes, blank: 3, null: 2, ballots: 210, voters: 214}
)

func TestReconciliation(t *testing.T) {
	type given struct {
		seq   int64
		src   actas.Source
		n     numbers
		flags actas.Flags
	}
	for _, tc := range []struct {
		name  string
		rules *tabulate.Rules // nil: DefaultRules
		subs  []given

		state   actas.State
		from    actas.Source // "" when the station has no reconciled sheet
		votes   []int64      // national reconciled votes
		flagged int64
		// National state counts.
		agreed, single, conflict int64
		// Per-source national votes, for the sources named.
		perSource map[actas.Source][]int64
		current   map[actas.Source]int64
	}{
		{
			name:  "single witness sheet counts",
			subs:  []given{{1, actas.Witness, sheetA, 0}},
			state: actas.StateSingle, from: actas.Witness, votes: sheetA.votes, single: 1,
			perSource: map[actas.Source][]int64{actas.Witness: sheetA.votes, actas.Official: {0, 0, 0}},
			current:   map[actas.Source]int64{actas.Witness: 1},
		},
		{
			name:  "witness equals official: agreed",
			subs:  []given{{1, actas.Official, sheetA, 0}, {2, actas.Witness, sheetA, 0}},
			state: actas.StateAgreed, from: actas.Witness, votes: sheetA.votes, agreed: 1,
			perSource: map[actas.Source][]int64{actas.Witness: sheetA.votes, actas.Official: sheetA.votes},
			current:   map[actas.Source]int64{actas.Witness: 2, actas.Official: 1},
		},
		{
			name:  "witness differs from official: conflict, the witness sheet counts",
			subs:  []given{{1, actas.Witness, sheetA, 0}, {2, actas.Official, sheetB, 0}},
			state: actas.StateConflict, from: actas.Witness, votes: sheetA.votes, conflict: 1,
			perSource: map[actas.Source][]int64{actas.Witness: sheetA.votes, actas.Official: sheetB.votes},
			current:   map[actas.Source]int64{actas.Witness: 1, actas.Official: 2},
		},
		{
			name:  "two different witness sheets: conflict, not counted",
			subs:  []given{{1, actas.Witness, sheetA, 0}, {2, actas.Witness, sheetB, 0}},
			state: actas.StateConflict, votes: []int64{0, 0, 0}, conflict: 1,
			perSource: map[actas.Source][]int64{actas.Witness: sheetB.votes},
			current:   map[actas.Source]int64{actas.Witness: 2},
		},
		{
			name:  "audit hand count overrides witness and official",
			subs:  []given{{1, actas.Witness, sheetA, 0}, {2, actas.Official, sheetB, 0}, {3, actas.Audit, sheetC, 0}},
			state: actas.StateConflict, from: actas.Audit, votes: sheetC.votes, conflict: 1,
			perSource: map[actas.Source][]int64{actas.Witness: sheetA.votes, actas.Official: sheetB.votes, actas.Audit: sheetC.votes},
			current:   map[actas.Source]int64{actas.Witness: 1, actas.Official: 2, actas.Audit: 3},
		},
		{
			name:  "a hand count that leaves voters open agrees with the official sheet that states them",
			subs:  []given{{1, actas.Official, sheetA, 0}, {2, actas.Audit, sheetAOpen, 0}},
			state: actas.StateAgreed, from: actas.Audit, votes: sheetA.votes, agreed: 1,
			perSource: map[actas.Source][]int64{actas.Audit: sheetA.votes, actas.Official: sheetA.votes},
			current:   map[actas.Source]int64{actas.Official: 1, actas.Audit: 2},
		},
		{
			name:  "two sheets stating different voters disagree, whatever a third leaves open",
			subs:  []given{{1, actas.Witness, sheetAOpen, 0}, {2, actas.Machine, sheetAMoreVoters, 0}, {3, actas.Official, sheetA, 0}},
			state: actas.StateConflict, from: actas.Witness, votes: sheetA.votes, conflict: 1,
			perSource: map[actas.Source][]int64{actas.Witness: sheetA.votes, actas.Official: sheetA.votes},
			current:   map[actas.Source]int64{actas.Witness: 1, actas.Machine: 2, actas.Official: 3},
		},
		{
			name:  "witness corrects its sheet: the witness view shows the correction",
			subs:  []given{{1, actas.Witness, sheetA, 0}, {2, actas.Official, sheetB, 0}, {3, actas.Witness, sheetB, 0}},
			state: actas.StateConflict, votes: []int64{0, 0, 0}, conflict: 1,
			perSource: map[actas.Source][]int64{actas.Witness: sheetB.votes, actas.Official: sheetB.votes},
			current:   map[actas.Source]int64{actas.Witness: 3, actas.Official: 2},
		},
		{
			name:  "an earlier submission arriving late does not replace the latest",
			subs:  []given{{5, actas.Witness, sheetB, 0}, {3, actas.Witness, sheetA, 0}},
			state: actas.StateConflict, votes: []int64{0, 0, 0}, conflict: 1,
			perSource: map[actas.Source][]int64{actas.Witness: sheetB.votes},
			current:   map[actas.Source]int64{actas.Witness: 5},
		},
		{
			name:  "official alone counts",
			subs:  []given{{1, actas.Official, sheetB, 0}},
			state: actas.StateSingle, from: actas.Official, votes: sheetB.votes, single: 1,
			perSource: map[actas.Source][]int64{actas.Official: sheetB.votes, actas.Witness: {0, 0, 0}},
			current:   map[actas.Source]int64{actas.Official: 1},
		},
		{
			name:  "official contradicts itself, consistent witness settles it",
			subs:  []given{{1, actas.Official, sheetA, 0}, {2, actas.Official, sheetB, 0}, {3, actas.Witness, sheetA, 0}},
			state: actas.StateConflict, from: actas.Witness, votes: sheetA.votes, conflict: 1,
			perSource: map[actas.Source][]int64{actas.Official: sheetB.votes, actas.Witness: sheetA.votes},
			current:   map[actas.Source]int64{actas.Official: 2, actas.Witness: 3},
		},
		{
			name:  "conflict between unranked sources is left to a person",
			rules: &tabulate.Rules{Rank: []actas.Source{actas.Witness}},
			subs:  []given{{1, actas.Official, sheetA, 0}, {2, actas.Machine, sheetB, 0}},
			state: actas.StateConflict, votes: []int64{0, 0, 0}, conflict: 1,
			current: map[actas.Source]int64{actas.Official: 1, actas.Machine: 2},
		},
		{
			name:  "agreement between unranked sources still counts",
			rules: &tabulate.Rules{Rank: []actas.Source{actas.Witness}},
			subs:  []given{{1, actas.Official, sheetA, 0}, {2, actas.Machine, sheetA, 0}},
			state: actas.StateAgreed, from: actas.Machine, votes: sheetA.votes, agreed: 1,
			current: map[actas.Source]int64{actas.Official: 1, actas.Machine: 2},
		},
		{
			name:  "reconciled flags are those of the chosen submission",
			subs:  []given{{1, actas.Official, sheetB, 0}, {2, actas.Witness, sheetA, actas.FlagSumMismatch}},
			state: actas.StateConflict, from: actas.Witness, votes: sheetA.votes, flagged: 1, conflict: 1,
			perSource: map[actas.Source][]int64{actas.Official: sheetB.votes},
			current:   map[actas.Source]int64{actas.Official: 1, actas.Witness: 2},
		},
		{
			name:  "official sheet with a count beyond two thousand million is kept exact",
			subs:  []given{{1, actas.Official, numbers{votes: []int64{3_000_000_000, 80, 5}, ballots: 3_000_000_085, voters: actas.Unknown}, actas.FlagOverRegistered}},
			state: actas.StateSingle, from: actas.Official, votes: []int64{3_000_000_000, 80, 5}, flagged: 1, single: 1,
			perSource: map[actas.Source][]int64{actas.Official: {3_000_000_000, 80, 5}},
			current:   map[actas.Source]int64{actas.Official: 1},
		},
		{
			name: "a sheet with the largest count allowed, corrected back to a normal one",
			subs: []given{
				{1, actas.Official, numbers{votes: []int64{actas.MaxCount, 80, 5}, ballots: 85, voters: actas.Unknown}, 0},
				{2, actas.Official, sheetB, 0}, {3, actas.Witness, sheetB, 0},
			},
			state: actas.StateConflict, from: actas.Witness, votes: sheetB.votes, conflict: 1,
			perSource: map[actas.Source][]int64{actas.Official: sheetB.votes, actas.Witness: sheetB.votes},
			current:   map[actas.Source]int64{actas.Official: 2, actas.Witness: 3},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := tabulate.DefaultRules()
			if tc.rules != nil {
				rules = *tc.rules
			}
			tab := MustTabulator(t, rules, fixtureElection(), fixtureStations())
			for _, g := range tc.subs {
				s := sub(g.seq, g.src, "1001", g.n)
				s.Flags = g.flags
				MustAdd(t, tab, s)
			}
			st := MustStation(t, tab, "ve-2024", "president", "1001")
			if st.State != tc.state || st.From != tc.from {
				t.Errorf("station state %s from %q, want %s from %q", st.State, st.From, tc.state, tc.from)
			}
			if (st.Sheet != nil) != (tc.from != "") {
				t.Errorf("station sheet = %+v, want one: %v", st.Sheet, tc.from != "")
			}
			if st.Sheet != nil && !reflect.DeepEqual(st.Sheet.Votes, tc.votes) {
				t.Errorf("station sheet votes %v, want %v", st.Sheet.Votes, tc.votes)
			}
			if !reflect.DeepEqual(st.Current, tc.current) {
				t.Errorf("current submissions %v, want %v", st.Current, tc.current)
			}
			nat, _ := MustArea(t, tab, "ve-2024", "president", actas.Reconciled, "")
			counted := int64(0)
			if tc.from != "" {
				counted = 1
			}
			if nat.StationsCounted != counted || !reflect.DeepEqual(nat.Votes, tc.votes) {
				t.Errorf("national reconciled: %d stations counted, votes %v; want %d, %v", nat.StationsCounted, nat.Votes, counted, tc.votes)
			}
			if nat.Agreed != tc.agreed || nat.Single != tc.single || nat.Conflict != tc.conflict {
				t.Errorf("national agreed/single/conflict = %d/%d/%d, want %d/%d/%d", nat.Agreed, nat.Single, nat.Conflict, tc.agreed, tc.single, tc.conflict)
			}
			if nat.Flagged != tc.flagged || (st.Flags != 0) != (tc.flagged != 0) {
				t.Errorf("flagged stations %d (station flags %v), want %d", nat.Flagged, st.Flags, tc.flagged)
			}
			for src, want := range tc.perSource {
				a, _ := MustArea(t, tab, "ve-2024", "president", src, "")
				if !reflect.DeepEqual(a.Votes, want) {
					t.Errorf("%s view: national votes %v, want %v", src, a.Votes, want)
				}
				if a.Agreed+a.Single+a.Conflict != 0 {
					t.Errorf("%s view counts reconciled states: %+v", src, a.Totals)
				}
			}
		})
	}
}

func TestTotalsFields(t *testing.T) {
	tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
	MustAdd(t, tab, sub(1, actas.Witness, "1001", sheetA))
	MustAdd(t, tab, sub(2, actas.Witness, "1002", numbers{votes: []int64{50, 40, 1}, blank: 1, null: 0, ballots: 92, voters: actas.Unknown}))
	s := sub(3, actas.Witness, "2001", numbers{votes: []int64{10, 20, 0}, blank: 0, null: 4, ballots: 40, voters: 35})
	s.Flags = actas.FlagSumMismatch | actas.FlagVotersMismatch
	MustAdd(t, tab, s)

	want := actas.Totals{
		Stations: 7, Registered: 1800,
		StationsCounted: 3, RegisteredCounted: 1200,
		Ballots: 210 + 92 + 40, Blank: 3 + 1, Null: 2 + 4,
		Voters: 210 + 35, VotersStations: 2, // the sheet without voters is left out
		Votes: []int64{180, 140, 6}, Flagged: 1,
	}
	a, _ := MustArea(t, tab, "ve-2024", "president", actas.Witness, "")
	if !reflect.DeepEqual(a.Totals, want) {
		t.Errorf("witness national totals\n got %+v\nwant %+v", a.Totals, want)
	}
	want.Single = 3
	r, _ := MustArea(t, tab, "ve-2024", "president", actas.Reconciled, "national")
	if !reflect.DeepEqual(r.Totals, want) {
		t.Errorf("reconciled national totals\n got %+v\nwant %+v", r.Totals, want)
	}
}

func TestCoverage(t *testing.T) {
	tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
	// Zulia: 1001 (500), 1002 (400), 1003 (300), 1004 (200), 10010 (0): 1400 registered.
	MustAdd(t, tab, sub(1, actas.Witness, "1001", sheetA))
	MustAdd(t, tab, sub(2, actas.Witness, "1004", sheetB))
	MustAdd(t, tab, sub(3, actas.Witness, "10010", sheetC)) // a station without a list
	MustAdd(t, tab, sub(4, actas.Official, "1003", sheetC))
	MustAdd(t, tab, sub(5, actas.Witness, "1002", sheetA))
	MustAdd(t, tab, sub(6, actas.Witness, "1002", sheetB)) // conflict within the witnesses: not counted

	for _, tc := range []struct {
		name                      string
		source                    actas.Source
		path                      string
		stations, counted         int64
		registered, regCounted    int64
		stationCov, registeredCov float64
	}{
		{"witness sheets in Zulia", actas.Witness, "Zulia", 5, 4, 1400, 1100, 4.0 / 5, 1100.0 / 1400},
		{"reconciled in Zulia", actas.Reconciled, "Zulia", 5, 4, 1400, 1000, 4.0 / 5, 1000.0 / 1400},
		{"official in Zulia", actas.Official, "Zulia", 5, 1, 1400, 300, 1.0 / 5, 300.0 / 1400},
		{"reconciled nationally", actas.Reconciled, "", 7, 4, 1800, 1000, 4.0 / 7, 1000.0 / 1800},
		{"nothing in Lara", actas.Reconciled, "Lara", 2, 0, 400, 0, 0, 0},
		{"a parish without registered voters counted", actas.Witness, "Zulia/Maracaibo/Santa Lucía", 2, 1, 300, 0, 0.5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := MustArea(t, tab, "ve-2024", "", tc.source, tc.path)
			if a.Stations != tc.stations || a.StationsCounted != tc.counted || a.Registered != tc.registered || a.RegisteredCounted != tc.regCounted {
				t.Errorf("stations %d/%d registered %d/%d, want %d/%d and %d/%d",
					a.StationsCounted, a.Stations, a.RegisteredCounted, a.Registered, tc.counted, tc.stations, tc.regCounted, tc.registered)
			}
			if a.StationCoverage() != tc.stationCov || a.RegisteredCoverage() != tc.registeredCov {
				t.Errorf("coverage %.4f of stations, %.4f of registered; want %.4f, %.4f",
					a.StationCoverage(), a.RegisteredCoverage(), tc.stationCov, tc.registeredCov)
			}
		})
	}
}

package tabulate_test

import (
	"fmt"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

// An election's own rules give the reconciled view a recount with those
// rules gives, whatever rules the Tabulator was built with.
func TestElectionRulesMatchRecount(t *testing.T) {
	reversed := tabulate.Rules{Rank: []actas.Source{actas.Official, actas.Machine, actas.QR, actas.Witness, actas.Audit}}
	for seed := range uint64(15) {
		w := randomWorld(300 + seed)
		t.Run(fmt.Sprintf("seed %d, %d submissions, %d decisions", 300+seed, len(w.subs), len(w.decisions)), func(t *testing.T) {
			tab := MustTabulator(t, reversed, w.election, w.stations)
			half := len(w.subs) / 2
			for _, s := range w.subs[:half] {
				MustAdd(t, tab, s)
			}
			if err := tab.SetRules("random", w.rules); err != nil {
				t.Fatal(err)
			}
			// Later submissions follow the election's rules too.
			for _, s := range w.subs[half:] {
				MustAdd(t, tab, s)
			}
			for _, d := range w.decisions {
				MustDecide(t, tab, "random", d)
			}
			checkAgainstRecount(t, tab, w, w.subs, w.decisions)
		})
	}
}

func TestElectionRules(t *testing.T) {
	tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
	other := fixtureElection()
	other.ID = "other"
	if err := tab.AddElection(other, fixtureStations()); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"ve-2024", "other"} {
		for _, s := range []*actas.Submission{sub(1, actas.Witness, "1001", sheetA), sub(2, actas.Official, "1001", sheetB)} {
			s.Election = e
			MustAdd(t, tab, s)
		}
	}
	officialFirst := tabulate.Rules{Rank: []actas.Source{actas.Official, actas.Witness}}
	if err := tab.SetRules("other", officialFirst); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, election string
		from           actas.Source
	}{
		{"an election with its own rules takes the official sheet", "other", actas.Official},
		{"another election keeps the Tabulator's rules", "ve-2024", actas.Witness},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if res := MustStation(t, tab, c.election, "president", "1001"); res.From != c.from {
				t.Fatalf("reconciled sheet from %q, want %s", res.From, c.from)
			}
			nat, _ := MustArea(t, tab, c.election, "president", actas.Reconciled, "")
			want := sheetA.votes[0]
			if c.from == actas.Official {
				want = sheetB.votes[0]
			}
			if nat.Votes[0] != want || nat.Conflict != 1 || nat.StationsCounted != 1 {
				t.Fatalf("national %+v, want %d votes for the first choice from one conflict station", nat.Totals, want)
			}
		})
	}
	errs := []struct {
		name, election string
		rules          tabulate.Rules
		code           string
	}{
		{"rules for an unknown election", "nowhere", officialFirst, actas.ENOTFOUND},
		{"a source ranked twice", "other", tabulate.Rules{Rank: []actas.Source{actas.Witness, actas.Witness}}, actas.EINVALID},
		{"the reconciled view ranked as a source", "other", tabulate.Rules{Rank: []actas.Source{actas.Reconciled}}, actas.EINVALID},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			before := takeSnapshot(t, tab, "other")
			if err := tab.SetRules(c.election, c.rules); actas.ErrorCode(err) != c.code {
				t.Fatalf("SetRules = %v, want %s", err, c.code)
			}
			sameSnapshot(t, before, takeSnapshot(t, tab, "other"))
		})
	}
}

// An election that states its own rules (actas.Election.Rules) is
// tabulated with them from the start.
func TestElectionDefinitionRules(t *testing.T) {
	e := fixtureElection()
	e.Rules = []actas.Source{actas.Official, actas.Witness}
	tab := MustTabulator(t, tabulate.DefaultRules(), e, fixtureStations())
	for _, s := range []*actas.Submission{sub(1, actas.Witness, "1001", sheetA), sub(2, actas.Official, "1001", sheetB)} {
		MustAdd(t, tab, s)
	}
	if res := MustStation(t, tab, e.ID, "president", "1001"); res.From != actas.Official {
		t.Fatalf("reconciled sheet from %q, want official: the election ranks it first", res.From)
	}
}

package tabulate_test

import (
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

func ExampleTabulator_Decide() {
	// No source may settle a conflict: a person must.
	tab := tabulate.New(tabulate.Rules{})
	election := &actas.Election{
		ID: "demo", Name: "Demo election", Levels: []string{"state"},
		Contests: []actas.Contest{{ID: "president", Name: "President", Choices: []actas.Choice{{ID: "a", Name: "Ana"}, {ID: "b", Name: "Bruno"}}}},
	}
	if err := tab.AddElection(election, []actas.Station{{Code: "001", Area: "Zulia", Registered: 400}}); err != nil {
		panic(err)
	}
	sheet := func(a, b int64) actas.Sheet {
		return actas.Sheet{Station: "001", Contest: "president", Votes: []int64{a, b}, Ballots: a + b, Voters: actas.Unknown}
	}
	show := func(when string) {
		st, _ := tab.Station("demo", "president", "001")
		fmt.Printf("%s: %s, sheet from %q\n", when, st.State, st.From)
	}
	for _, s := range []*actas.Submission{
		{Seq: 1, Election: "demo", Source: actas.Witness, Sheet: sheet(250, 100)},
		{Seq: 2, Election: "demo", Source: actas.Official, Sheet: sheet(100, 250)},
	} {
		if err := tab.Add(s); err != nil {
			panic(err)
		}
	}
	show("two sheets")
	// A coordinator compares the photo and accepts the witness's sheet:
	// the decision is log entry 3.
	if err := tab.Decide("demo", tabulate.Decision{Index: 3, Station: "001", Contest: "president", Source: actas.Witness, Seq: 1}); err != nil {
		panic(err)
	}
	show("decided")
	// A hand count arrives later: new evidence, the rules apply again.
	if err := tab.Add(&actas.Submission{Seq: 4, Election: "demo", Source: actas.Audit, Sheet: sheet(250, 100)}); err != nil {
		panic(err)
	}
	show("hand counted")
	// Output:
	// two sheets: conflict, sheet from ""
	// decided: conflict, sheet from "witness"
	// hand counted: conflict, sheet from ""
}

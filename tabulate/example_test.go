package tabulate_test

import (
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

func Example() {
	tab := tabulate.New(tabulate.DefaultRules())
	election := &actas.Election{
		ID: "demo", Name: "Demo election", Levels: []string{"state", "parish"},
		Contests: []actas.Contest{{ID: "president", Name: "President", Choices: []actas.Choice{{ID: "a", Name: "Ana"}, {ID: "b", Name: "Bruno"}}}},
	}
	stations := []actas.Station{
		{Code: "001", Area: "Zulia/Chiquinquirá", Registered: 400},
		{Code: "002", Area: "Zulia/Chiquinquirá", Registered: 350},
		{Code: "003", Area: "Lara/Catedral", Registered: 500},
	}
	if err := tab.AddElection(election, stations); err != nil {
		panic(err)
	}

	sheet := func(code string, a, b int64) actas.Sheet {
		return actas.Sheet{Station: code, Contest: "president", Votes: []int64{a, b}, Ballots: a + b, Voters: actas.Unknown}
	}
	// Submissions as the store accepted them, each with its Seq.
	for _, s := range []*actas.Submission{
		{Seq: 1, Source: actas.Witness, Sheet: sheet("001", 250, 100)},
		{Seq: 2, Source: actas.Official, Sheet: sheet("001", 250, 100)}, // agrees with the witness
		{Seq: 3, Source: actas.Witness, Sheet: sheet("002", 200, 90)},
		{Seq: 4, Source: actas.Official, Sheet: sheet("002", 90, 200)}, // contradicts the witness
	} {
		s.Election = "demo"
		if err := tab.Add(s); err != nil {
			panic(err)
		}
	}

	for _, src := range []actas.Source{actas.Official, actas.Reconciled} {
		nat, _, err := tab.Area("demo", "president", src, "national")
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-10s Ana %d, Bruno %d; %d of %d stations counted (%.0f%% of registered voters)\n",
			src, nat.Votes[0], nat.Votes[1], nat.StationsCounted, nat.Stations, 100*nat.RegisteredCoverage())
	}
	st, _ := tab.Station("demo", "president", "002")
	fmt.Printf("station 002: %s, counted from the %s sheet\n", st.State, st.From)
	hits, _ := tab.Search("demo", "chiquinquira", 5)
	fmt.Printf("search chiquinquira: %s (%s)\n", hits[0].Path, hits[0].Level)
	// Output:
	// official   Ana 340, Bruno 300; 2 of 3 stations counted (60% of registered voters)
	// reconciled Ana 450, Bruno 190; 2 of 3 stations counted (60% of registered voters)
	// station 002: conflict, counted from the witness sheet
	// search chiquinquira: Zulia/Chiquinquirá (parish)
}

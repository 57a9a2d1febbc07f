package compare_test

import (
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/tabulate"
)

// Three of four stations have a witness sheet; the authority announces a
// total that gives Ana fewer votes than those three sheets alone.
func ExampleBound() {
	e := &actas.Election{ID: "example", Name: "Example", Levels: []string{"state"},
		Contests: []actas.Contest{{ID: "president", Name: "President", Choices: []actas.Choice{{ID: "ana", Name: "Ana"}, {ID: "bruno", Name: "Bruno"}}}}}
	stations := []actas.Station{
		{Code: "1", Area: "Norte", Registered: 500}, {Code: "2", Area: "Norte", Registered: 500},
		{Code: "3", Area: "Sur", Registered: 500}, {Code: "4", Area: "Sur", Registered: 500},
	}
	tab := tabulate.New(tabulate.DefaultRules())
	if err := tab.AddElection(e, stations); err != nil {
		panic(err)
	}
	for i, v := range [][2]int64{{200, 100}, {180, 120}, {150, 150}} {
		sheet := actas.Sheet{Station: stations[i].Code, Contest: "president", Votes: []int64{v[0], v[1]}, Ballots: v[0] + v[1], Voters: actas.Unknown}
		if err := tab.Add(&actas.Submission{Seq: int64(i + 1), Election: e.ID, Source: actas.Witness, Sheet: sheet}); err != nil {
			panic(err)
		}
	}
	p, err := tab.Panel(e.ID, "", actas.Witness)
	if err != nil {
		panic(err)
	}
	official := &actas.Bulletin{ID: "final", Votes: []int64{480, 620}, Blank: 0, Null: 0, Ballots: 1100,
		Voters: actas.Unknown, Registered: actas.Unknown}
	r, err := compare.Bound(p, official, compare.BoundOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Verdict)
	for _, id := range []string{"ana", "bruno"} {
		c := r.Choices[id]
		fmt.Printf("%s: official %d, counted %d, required %d\n", id, c.Official, c.Counted, c.Required)
	}
	fmt.Println(r.Reasons[0].Text)
	// Output:
	// impossible
	// ana: official 480, counted 530, required -50
	// bruno: official 620, counted 370, required 250
	// Ana (ana): the official total 480 is 50 below the 530 votes the counted sheets alone give; the uncounted stations would have to contribute -50 votes, which is impossible unless those sheets are false.
}

// A witness's copy and the official publication of three stations: the
// official sheet of station 2 moved 30 votes from Ana to Bruno, and the
// witness miscopied station 3's 150 as 159.
func ExampleCompare() {
	e := &actas.Election{ID: "example", Name: "Example", Levels: []string{"state"},
		Contests: []actas.Contest{{ID: "president", Name: "President", Choices: []actas.Choice{{ID: "ana", Name: "Ana"}, {ID: "bruno", Name: "Bruno"}}}}}
	stations := []actas.Station{{Code: "1", Area: "Norte", Registered: 500}, {Code: "2", Area: "Norte", Registered: 500}, {Code: "3", Area: "Sur", Registered: 500}}
	tab := tabulate.New(tabulate.DefaultRules())
	if err := tab.AddElection(e, stations); err != nil {
		panic(err)
	}
	seq := int64(0)
	add := func(src actas.Source, station string, ana, bruno, ballots int64) {
		seq++
		sheet := actas.Sheet{Station: station, Contest: "president", Votes: []int64{ana, bruno}, Ballots: ballots, Voters: actas.Unknown}
		if err := tab.Add(&actas.Submission{Seq: seq, Election: e.ID, Source: src, Sheet: sheet}); err != nil {
			panic(err)
		}
	}
	add(actas.Witness, "1", 200, 100, 300)
	add(actas.Witness, "2", 180, 120, 300)
	add(actas.Witness, "3", 159, 150, 300) // does not add up
	add(actas.Official, "1", 200, 100, 300)
	add(actas.Official, "2", 150, 150, 300)
	add(actas.Official, "3", 150, 150, 300)
	w, err := tab.Panel(e.ID, "", actas.Witness)
	if err != nil {
		panic(err)
	}
	o, err := tab.Panel(e.ID, "", actas.Official)
	if err != nil {
		panic(err)
	}
	cmp, err := compare.Compare(w, o, compare.CompareOptions{})
	if err != nil {
		panic(err)
	}
	for _, d := range cmp.Discrepancies {
		fmt.Printf("%d. station %s (%s): %d votes at stake, ana %+d, bruno %+d\n", d.Rank, d.Station, d.Kind, d.VotesAtStake, d.Diff.Votes["ana"], d.Diff.Votes["bruno"])
	}
	fmt.Println("national net effect on bruno:", cmp.National.Net.Votes["bruno"])
	// Output:
	// 1. station 2 (consistent): 60 votes at stake, ana -30, bruno +30
	// 2. station 3 (slip): 9 votes at stake, ana -9, bruno +0
	// national net effect on bruno: 30
}

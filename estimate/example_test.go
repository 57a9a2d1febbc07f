package estimate_test

import (
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/estimate"
)

// Project a result from the sheets of five of seven stations, stratified
// by region.
func ExampleProject() {
	e := &actas.Election{ID: "tiny", Name: "Tiny", Levels: []string{"region", "town"},
		Contests: []actas.Contest{{ID: "mayor", Name: "Mayor", Choices: []actas.Choice{{ID: "x", Name: "X"}, {ID: "y", Name: "Y"}}}}}
	p := &actas.Panel{Election: e, Contest: &e.Contests[0], Source: actas.Witness,
		Stations: []actas.Station{
			{Code: "s1", Area: "R1/T1", Registered: 100}, {Code: "s2", Area: "R1/T1", Registered: 200},
			{Code: "s3", Area: "R1/T2", Registered: 150}, {Code: "s4", Area: "R1/T2", Registered: 50},
			{Code: "s5", Area: "R2/T3", Registered: 300}, {Code: "s6", Area: "R2/T3", Registered: 100},
			{Code: "s7", Area: "R2/T3", Registered: 200},
		}}
	sheet := func(code string, x, y, blank, null int64) *actas.Sheet {
		return &actas.Sheet{Station: code, Contest: "mayor", Votes: []int64{x, y}, Blank: blank, Null: null, Ballots: x + y + blank + null, Voters: actas.Unknown}
	}
	p.Sheets = []*actas.Sheet{sheet("s1", 40, 30, 2, 3), sheet("s2", 60, 80, 1, 4), sheet("s3", 70, 40, 0, 5), nil,
		sheet("s5", 100, 120, 5, 5), sheet("s6", 50, 20, 1, 2), nil}

	pr, err := estimate.Project(p, estimate.Options{Strata: "region", Replicates: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range pr.Choices {
		est := pr.Estimates[id]
		fmt.Printf("%s: %.1f%% (95%% interval %.1f%% to %.1f%%)\n", id, 100*est.Share, 100*est.Low, 100*est.High)
	}
	fmt.Printf("turnout: %.1f%%; %d of %d stations counted\n", 100*pr.Turnout.Share, pr.StationsCounted, pr.Stations)
	// Output:
	// x: 52.4% (95% interval 45.8% to 59.0%)
	// y: 47.6% (95% interval 41.0% to 54.2%)
	// turnout: 75.1%; 5 of 7 stations counted
}

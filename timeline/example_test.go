package timeline_test

import (
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/timeline"
)

// Venezuela's Constituent Assembly election of 30 July 2017, from published
// figures: 3,720,465 voters at 17:30 (internal CNE data reported by
// Reuters), 8,089,320 in all at the extended close of 19:00, 24,000
// machines at 40 s per voter, nobody voting after 19:00.
func ExampleModel_Intervals() {
	m := timeline.Model{Open: 6 * 60, Close: 19 * 60, SecondsPerVoter: 40}
	intervals, err := m.Intervals([]timeline.Point{{Time: 17*60 + 30, Voters: 3_720_465}, {Time: 19 * 60, Voters: 8_089_320}}, 24_000)
	if err != nil {
		panic(err)
	}
	for _, iv := range intervals {
		fmt.Printf("%s-%s %d votes, capacity %d, ratio %.3f, feasible %v\n", iv.From, iv.To, iv.Votes, iv.Capacity, float64(iv.Ratio), iv.Feasible)
	}
	last := intervals[len(intervals)-1]
	fmt.Printf("feasible only with %d machines, or %.1f s per voter\n", last.MachinesNeeded, last.SecondsPerVoterNeeded)
	// Output:
	// 06:00-17:30 3720465 votes, capacity 24840000, ratio 0.150, feasible true
	// 17:30-19:00 4368855 votes, capacity 3240000, ratio 1.348, feasible false
	// feasible only with 32362 machines, or 29.7 s per voter
}

// CNE bulletin 1 of Venezuela's 2024 presidential election: each figure is
// the whole number of votes nearest to a round percentage of the total.
func ExampleCheckExactness() {
	x, err := timeline.CheckExactness([]string{"maduro", "gonzalez", "others"},
		[]int64{5_150_092, 4_445_978, 462_704}, 10_058_774, timeline.ExactnessOptions{})
	if err != nil {
		panic(err)
	}
	for _, d := range x.Shares {
		fmt.Printf("%-8s %.6f%% is %+.2f votes from %.1f%%\n", d.Choice, d.Share*100, d.Offset, d.Round*100)
	}
	fmt.Printf("chance %.2g, flagged %v\n", x.PValue, x.Flag)
	// Output:
	// maduro   51.199997% is -0.29 votes from 51.2%
	// gonzalez 44.199999% is -0.11 votes from 44.2%
	// others   4.600004% is +0.40 votes from 4.6%
	// chance 9.9e-09, flagged true
}

// Analyze reads the snapshots of an election: here one station with a
// single machine reports 150 voters in half an hour, more than it can take
// at 20 s per voter (90).
func ExampleAnalyze() {
	e := &actas.Election{ID: "demo", Name: "Demo", Open: "06:00", Close: "18:00", Levels: []string{"state"},
		Contests: []actas.Contest{{ID: "p", Name: "P", Choices: []actas.Choice{{ID: "a", Name: "A"}}}}}
	stations := []actas.Station{{Code: "001", Area: "North", Registered: 600, Machines: 1}}
	snaps := []actas.Snapshot{
		{Scope: "001", Station: true, Time: 7 * 60, Voters: 100, Source: actas.Official},
		{Scope: "001", Station: true, Time: 7*60 + 30, Voters: 250, Source: actas.Official},
	}
	rep, err := timeline.Analyze(e, stations, snaps, timeline.Options{})
	if err != nil {
		panic(err)
	}
	for _, s := range rep.Flagged() {
		for _, iv := range s.Intervals {
			if !iv.Feasible {
				fmt.Printf("station %s %s-%s: %d votes, capacity %d (ratio %.2f)\n", s.Scope, iv.From, iv.To, iv.Votes, iv.Capacity, float64(iv.Ratio))
			}
		}
	}
	// Output:
	// station 001 07:00-07:30: 150 votes, capacity 90 (ratio 1.67)
}

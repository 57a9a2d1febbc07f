package forensics_test

import (
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/simulate"
)

func TestFingerprintBins(t *testing.T) {
	p := MustHandPanel(t, actas.Official,
		// turnout = valid votes ÷ registered; share = a's votes ÷ valid votes
		row{"edge", 100, 0, sheet(10, 19, 1, 0, 30, 30)},        // 29% turnout, share 10/29
		row{"full", 100, 0, sheet(100, 0, 0, 0, 100, 100)},      // 100% and 100%: the last bins
		row{"none for a", 200, 0, sheet(0, 50, 0, 0, 50, 50)},   // 25%, share 0
		row{"no list", 0, 0, sheet(10, 10, 0, 0, 20, 20)},       // excluded
		row{"no votes", 100, 0, sheet(0, 0, 3, 2, 5, 5)},        // excluded
		row{"over 100%", 100, 0, sheet(90, 20, 0, 0, 110, 110)}, // off the map
		row{"uncounted", 100, 0, nil},
	)
	r, err := forensics.Fingerprint(p, forensics.Options{Leader: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Stations != 3 || r.Excluded != 2 || r.Over100 != 1 || r.Votes != 29+100+50 {
		t.Errorf("stations %d, excluded %d, over 100%% %d, votes %d; want 3, 2, 1, 179", r.Stations, r.Excluded, r.Over100, r.Votes)
	}
	for _, c := range []struct {
		name        string
		share, turn int
		stations    int64
		votes       int64
	}{
		{"a ratio on an edge opens the bin", 34, 29, 1, 29},
		{"100% is in the last bin", 99, 99, 1, 100},
		{"no votes for the leader", 0, 25, 1, 50},
	} {
		if got := r.StationGrid[c.share][c.turn]; got != c.stations {
			t.Errorf("%s: cell (%d, %d) holds %d stations, want %d", c.name, c.share, c.turn, got, c.stations)
		}
		if got := r.VoteGrid[c.share][c.turn]; got != c.votes {
			t.Errorf("%s: cell (%d, %d) holds %d votes, want %d", c.name, c.share, c.turn, got, c.votes)
		}
	}
	if a, b := r.Corners[0], r.Corners[1]; a.Choice != "a" || a.Stations != 1 || a.VoteShare != 100.0/179 || b.Stations != 0 {
		t.Errorf("corners: %+v and %+v; want one station with 100 of 179 votes for a, none for b", a, b)
	}
	if len(r.TurnoutEdges) != 101 || r.TurnoutEdges[29] != 0.29 || r.ShareEdges[100] != 1 {
		t.Errorf("edges %d, [29] = %v, [100] = %v", len(r.TurnoutEdges), r.TurnoutEdges[29], r.ShareEdges[100])
	}
	t.Run("coarser bins", func(t *testing.T) {
		r, err := forensics.Fingerprint(p, forensics.Options{Leader: "a", Bins: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.StationGrid) != 10 || r.StationGrid[9][9] != 1 || r.StationGrid[3][2] != 1 {
			t.Errorf("10 bins: %v", r.StationGrid)
		}
	})
}

// Ballot stuffing of the "extreme" kind (Klimek et al.'s) drives a few
// percent of stations to 100% turnout and 100% for the beneficiary; an
// honest simulated election has no station there.
func TestFingerprintSimulated(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fraud []simulate.Fraud
		flag  bool
	}{
		{"honest election", nil, false},
		{"extreme stuffing at 3% of stations", []simulate.Fraud{{Model: simulate.Extreme}}, true},
		{"extreme stuffing at 1% of stations", []simulate.Fraud{{Model: simulate.Extreme, Fraction: 0.01}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, truth := MustSimPanel(t, simulate.Config{Stations: 8000, Seed: 11, Fraud: tc.fraud})
			r, err := forensics.Fingerprint(p, forensics.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Flag != tc.flag {
				t.Errorf("flag %v, want %v: %s", r.Flag, tc.flag, r.Note)
			}
			if tc.flag {
				// The falsifier is not the leader: the corner found is the
				// beneficiary's.
				c := r.Corners[r.Worst]
				if c.Choice != truth.Config.Incumbent || !c.Flag || r.Leader == c.Choice {
					t.Errorf("flagged corner of %s (flag %v), map of %s; the beneficiary is %s, not the leader",
						c.Choice, c.Flag, r.Leader, truth.Config.Incumbent)
				}
				// Every extreme falsification ends in the corner.
				var falsified int64
				for _, f := range truth.Falsified {
					if f.Model == simulate.Extreme {
						falsified++
					}
				}
				if c.Stations < falsified*9/10 {
					t.Errorf("%d stations in the corner, fewer than 90%% of the %d falsified", c.Stations, falsified)
				}
			}
		})
	}
}

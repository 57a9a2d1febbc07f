package forensics_test

import (
	"math"
	"testing"

	"github.com/actasproject/actas/forensics"
)

// The published figures: Kobak, Shpilkin & Pshenichnikov, "Integer
// percentages as electoral falsification fingerprints", Annals of Applied
// Statistics 10(1), 2016, as recomputed by the first author with the same
// inclusion rules in the public repository dkobak/elections
// (significance2018/elections2018.ipynb, function anomaly; its results in
// significance2018/montecarlo.pickle, commit 8003707e): excess of stations
// with a whole-number turnout or leader's share over the mean of 1,000
// binomial replicates, the replicates' standard deviation, and their 99.9th
// percentile minus their mean.
//
// Tolerances. Our count of whole-number stations is exact; the null's
// mean is a Monte-Carlo estimate on each side, with a standard error of
// sd/√1000 ≈ 3.6 stations, so the two excesses differ by chance with a
// standard error of about 5: ±20 is 4 of them. A standard deviation from
// 1,000 replicates has a standard error of sd/√2000 ≈ 2.6, so two differ
// with about 3.7: ±15. The 99.9th percentile of 1,000 replicates is their
// second largest value, whose standard error is about 0.3 sd (35 stations):
// ±150.
func TestIntegerPercentRussia(t *testing.T) {
	for _, tc := range []struct {
		name, dir, file, leader    string
		excess, sd, threshold      float64
		turnoutExcess, shareExcess float64
		stations                   int64 // every station of the file
	}{
		{name: "State Duma 2011", dir: "ru-2011-duma", file: "2011.csv.zip", leader: "er",
			excess: 1003.5, sd: 113.1, threshold: 346.5, turnoutExcess: 449.3, shareExcess: 767.1, stations: 95225},
		{name: "President 2012", dir: "ru-2012-president", file: "2012.csv.zip", leader: "putin",
			excess: 1159.6, sd: 116.3, threshold: 354.7, turnoutExcess: 634.6, shareExcess: 734.6, stations: 95415},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := MustRealPanel(t, "ru-cik", tc.dir, tc.file)
			r, err := forensics.IntegerPercent(p, forensics.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Leader != tc.leader {
				t.Errorf("leader %s, want %s", r.Leader, tc.leader)
			}
			ex := r.Excluded
			if got := r.Stations + ex.NoSheet + ex.NoBallots + ex.Under100 + ex.HighTurnout + ex.HighShare; got != tc.stations {
				t.Errorf("included and excluded stations add up to %d, want every station of the file, %d", got, tc.stations)
			}
			if r.VotersFromBallots != 0 {
				t.Errorf("%d sheets without voters: the protocols state ballots issued on every sheet", r.VotersFromBallots)
			}
			for _, c := range []struct {
				what      string
				got, want float64
				tol       float64
			}{
				{"excess of stations with a whole turnout or share", r.Either.Excess, tc.excess, 20},
				{"standard deviation of the null", r.Either.NullSD, tc.sd, 15},
				{"99.9th percentile of the null above its mean", r.Either.Threshold, tc.threshold, 150},
				{"excess of stations with a whole turnout", r.Turnout.Excess, tc.turnoutExcess, 20},
				{"excess of stations with a whole leader's share", r.Share.Excess, tc.shareExcess, 20},
			} {
				if math.Abs(c.got-c.want) > c.tol {
					t.Errorf("%s: %.1f, published %.1f (tolerance %.0f)", c.what, c.got, c.want, c.tol)
				}
			}
			t.Logf("%d stations included; whole-number stations %d (turnout %d, share %d); excess %.1f (turnout %.1f, share %.1f), "+
				"null sd %.1f, 99.9th percentile %.1f above the mean; exact null mean %.1f",
				r.Stations, r.Either.Observed, r.Turnout.Observed, r.Share.Observed, r.Either.Excess, r.Turnout.Excess,
				r.Share.Excess, r.Either.NullSD, r.Either.Threshold, r.Either.Expected)
			if !r.Flag || r.Either.PValue > 0.001 {
				t.Errorf("not flagged (p = %v): the published excess lies far beyond the null's 99.9th percentile", r.Either.PValue)
			}
			// The replicates' mean estimates the exact mean, Σ of every
			// station's chance, within a few standard errors.
			for _, c := range []forensics.IntegerCount{r.Either, r.Turnout, r.Share} {
				if se := c.NullSD / math.Sqrt(float64(r.Replicates)); math.Abs(c.NullMean-c.Expected) > 4*se {
					t.Errorf("null mean %.1f is more than 4 standard errors (%.1f) from the exact mean %.1f", c.NullMean, se, c.Expected)
				}
			}
		})
	}
}

// Klimek et al. (PNAS 2012, figure 1) show Russia's 2011 fingerprint
// smeared towards the upper right, with a cluster of stations at 100%
// turnout and 100% for United Russia.
func TestFingerprintRussia2011(t *testing.T) {
	p := MustRealPanel(t, "ru-cik", "ru-2011-duma", "2011.csv.zip")
	r, err := forensics.Fingerprint(p, forensics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Leader != "er" {
		t.Errorf("leader %s, want er (United Russia)", r.Leader)
	}
	if c := r.Corners[r.Worst]; !r.Flag || c.Choice != "er" {
		t.Errorf("the upper-right corner is not flagged for United Russia (worst corner: %s): %s", c.Choice, r.Note)
	}
	top := r.StationGrid[len(r.StationGrid)-1][len(r.StationGrid)-1]
	for s, row := range r.StationGrid {
		for c, n := range row {
			if n > top {
				t.Errorf("cell (share %d%%, turnout %d%%) holds %d stations, more than the 99–100%% × 99–100%% cell (%d): no cluster at 100%%", s, c, n, top)
			}
		}
	}
	c := r.Corners[r.Worst]
	t.Logf("corner of %s: %d of %d stations (%.2f%%), %.1f expected; the 99–100%% × 99–100%% cell holds %d", c.Choice,
		c.Stations, r.Stations, 100*c.Share, c.Expected, top)
	var sum int64
	for _, row := range r.StationGrid {
		for _, n := range row {
			sum += n
		}
	}
	if sum != r.Stations || r.Stations+r.Excluded+r.Over100 != int64(p.Counted()) {
		t.Errorf("map holds %d stations, says %d, with %d excluded and %d over 100%% of %d counted", sum, r.Stations, r.Excluded, r.Over100, p.Counted())
	}
}

// The opposition's witness sheets of Venezuela 2024: the README states
// that the candidate columns add up to the valid votes on every row, so
// no sheet may fail to add up. The other tests' figures are logged for
// the method note.
func TestVenezuela2024WitnessSheets(t *testing.T) {
	p := MustRealPanel(t, "ve-2024-actas", "ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv")
	r, err := forensics.Run(p, forensics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != "witness" || r.Counted != 24532 || r.Leader != "eg" {
		t.Errorf("source %s, %d sheets, leader %s; want witness, 24,532, eg (González)", r.Source, r.Counted, r.Leader)
	}
	if n := r.Impossible.ByFlag["sum-mismatch"]; n != 0 {
		t.Errorf("%d sheets do not add up", n)
	}
	for _, test := range r.Tests {
		t.Logf("%s: flag %v. %s", test.Name, test.Flag, test.Note)
	}
}

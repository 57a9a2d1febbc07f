package forensics_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/simulate"
	"gonum.org/v1/gonum/stat/distuv"
)

// wholePercent is the authors' test of a whole percentage, written out
// again here so that the check below does not lean on the package's.
func wholePercent(k, n float64) bool {
	p := 100 * k / n
	return math.Abs(p-math.Round(p)) <= 0.05
}

// The package draws, per replicate, only whether each station's redrawn
// numerators land on a whole percentage. Redrawing the numerators
// themselves, with gonum's binomial sampler, must give the same null.
func TestIntegerPercentNullMatchesRedrawingNumerators(t *testing.T) {
	p, _ := MustSimPanel(t, simulate.Config{Stations: 3000, Seed: 5})
	r, err := forensics.IntegerPercent(p, forensics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	leader := p.Contest.ChoiceIndex(r.Leader)
	type station struct{ given, reg, lead, recv float64 }
	var in []station
	for i, s := range p.Sheets {
		if s == nil {
			continue
		}
		reg, recv := float64(p.Stations[i].Registered), float64(s.Valid()+s.Blank+s.Null)
		given, lead := float64(s.Voters), float64(s.Votes[leader])
		if recv > 0 && reg >= 100 && given/reg <= 0.99 && lead/recv <= 0.99 {
			in = append(in, station{given, reg, lead, recv})
		}
	}
	if int64(len(in)) != r.Stations {
		t.Fatalf("%d stations meet the inclusion rules, the package includes %d", len(in), r.Stations)
	}
	const replicates = 300
	src := rand.NewPCG(8, 9)
	counts := make([]float64, replicates)
	for k := range counts {
		for _, st := range in {
			g := distuv.Binomial{N: st.reg, P: st.given / st.reg, Src: src}.Rand()
			l := distuv.Binomial{N: st.recv, P: st.lead / st.recv, Src: src}.Rand()
			if wholePercent(g, st.reg) || wholePercent(l, st.recv) {
				counts[k]++
			}
		}
	}
	var mean, ss float64
	for _, c := range counts {
		mean += c
	}
	mean /= replicates
	for _, c := range counts {
		ss += (c - mean) * (c - mean)
	}
	sd := math.Sqrt(ss / replicates)
	se := math.Sqrt(sd*sd/replicates + r.Either.NullSD*r.Either.NullSD/float64(r.Replicates))
	if math.Abs(mean-r.Either.NullMean) > 4*se {
		t.Errorf("redrawn numerators: null mean %.1f; the package's %.1f (4 standard errors: %.1f)", mean, r.Either.NullMean, 4*se)
	}
	if math.Abs(sd-r.Either.NullSD) > 0.2*sd {
		t.Errorf("redrawn numerators: null sd %.2f; the package's %.2f", sd, r.Either.NullSD)
	}
}

// Commissions that write a round percentage for the leader instead of the
// count: the test must see them, and must not see anything in the same
// election without them.
func TestIntegerPercentRoundedSheets(t *testing.T) {
	p, _ := MustSimPanel(t, simulate.Config{Stations: 20000, Seed: 21})
	honest, err := forensics.IntegerPercent(p, forensics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if honest.Flag {
		t.Errorf("honest election flagged: %s", honest.Note)
	}
	rounded := roundShares(p, honest.Leader, 40)
	r, err := forensics.IntegerPercent(p, forensics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Flag {
		t.Errorf("%d sheets rounded to a whole percentage, not flagged: %s", rounded, r.Note)
	}
	// A rounded station was already whole by chance about a quarter of
	// the time: most of them add to the excess.
	if gain := r.Either.Excess - honest.Either.Excess; gain < 0.5*float64(rounded) || gain > float64(rounded)+4*r.Either.NullSD {
		t.Errorf("%d sheets rounded raised the excess by %.0f", rounded, gain)
	}
}

func TestIntegerPercentDeterministic(t *testing.T) {
	p, _ := MustSimPanel(t, simulate.Config{Stations: 5000, Seed: 3})
	one, err := forensics.IntegerPercent(p, forensics.Options{Seed: 42, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{2, 3, 7} {
		got, err := forensics.IntegerPercent(p, forensics.Options{Seed: 42, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, one) {
			t.Errorf("%d workers: %+v; 1 worker: %+v", workers, got.Either, one.Either)
		}
	}
	other, err := forensics.IntegerPercent(p, forensics.Options{Seed: 43})
	if err != nil {
		t.Fatal(err)
	}
	if other.Either.Observed != one.Either.Observed || other.Either.NullMean == one.Either.NullMean {
		t.Errorf("another seed: observed %d (want %d, the data's), null mean %v (want another draw than %v)",
			other.Either.Observed, one.Either.Observed, other.Either.NullMean, one.Either.NullMean)
	}
	if math.Abs(other.Either.NullMean-one.Either.NullMean) > 6*one.Either.NullSD/math.Sqrt(float64(one.Replicates)) {
		t.Errorf("null means of two seeds differ by more than 6 standard errors: %v and %v", other.Either.NullMean, one.Either.NullMean)
	}
}

func TestIntegerPercentInclusion(t *testing.T) {
	p := MustHandPanel(t, actas.Official,
		row{"included", 1000, 0, sheet(300, 200, 0, 10, 510, 510)},
		row{"small list", 99, 0, sheet(30, 20, 0, 1, 51, 51)},
		row{"no ballots", 1000, 0, sheet(0, 0, 0, 0, 0, 0)},
		row{"turnout over 99%", 1000, 0, sheet(600, 391, 0, 0, 991, 991)},
		row{"share over 99%", 1000, 0, sheet(600, 6, 0, 0, 606, 606)},
		row{"exactly 99% turnout is in", 1000, 0, sheet(600, 390, 0, 0, 990, 990)},
		row{"no voters stated: ballots stand in", 1000, 0, sheet(300, 200, 0, 0, 500, actas.Unknown)},
		row{"uncounted", 1000, 0, nil},
	)
	r, err := forensics.IntegerPercent(p, forensics.Options{Leader: "a", Replicates: 200})
	if err != nil {
		t.Fatal(err)
	}
	want := forensics.IntegerExclusions{NoSheet: 1, NoBallots: 1, Under100: 1, HighTurnout: 1, HighShare: 1}
	if r.Excluded != want || r.Stations != 3 || r.VotersFromBallots != 1 {
		t.Errorf("excluded %+v, included %d, %d without voters; want %+v, 3, 1", r.Excluded, r.Stations, r.VotersFromBallots, want)
	}
	// Whole: 51.0% turnout and a's 300/510 = 58.82% (no: fractional) at
	// the first; 99% turnout at the sixth; 50% turnout and 60% share at the
	// seventh.
	if r.Either.Observed != 3 || r.Turnout.Observed != 3 || r.Share.Observed != 1 {
		t.Errorf("whole: either %d, turnout %d, share %d; want 3, 3, 1", r.Either.Observed, r.Turnout.Observed, r.Share.Observed)
	}
	if len(r.Note) == 0 || r.Replicates != 200 {
		t.Errorf("replicates %d, note %q", r.Replicates, r.Note)
	}
}

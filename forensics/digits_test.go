package forensics_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/simulate"
)

func TestBenfordSecondDigit(t *testing.T) {
	// Mebane's table: r_0 = .1197, …, r_9 = .0850, mean 4.187.
	want := [10]float64{.1197, .1139, .1088, .1043, .1003, .0967, .0934, .0904, .0876, .0850}
	sum, mean := 0.0, 0.0
	for j, r := range forensics.BenfordSecond() {
		if math.Abs(r-want[j]) > 0.00005 {
			t.Errorf("r_%d = %.5f, want %.4f", j, r, want[j])
		}
		sum += r
		mean += float64(j) * r
	}
	if math.Abs(sum-1) > 1e-12 || math.Abs(mean-forensics.BenfordSecondMean) > 1e-12 || math.Abs(mean-4.187) > 0.0005 {
		t.Errorf("frequencies sum to %v, mean %v (constant %v); want 1 and 4.187", sum, mean, forensics.BenfordSecondMean)
	}
}

// countsPanel returns a panel of n stations whose two vote counts each
// come from draw; registered voters, ballots and the rest follow.
func countsPanel(tb testing.TB, n int, draw func() int64) *actas.Panel {
	tb.Helper()
	rows := make([]row, n)
	for i := range rows {
		a, b := draw(), draw()
		rows[i] = row{code: "s" + string(rune('a'+i%26)) + itoa(i), registered: 2 * (a + b), sheet: sheet(a, b, 0, 0, a+b, a+b)}
	}
	return MustHandPanel(tb, actas.Official, rows...)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func TestSecondDigitKnownDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name string
		draw func() int64
		flag bool
	}{
		// Counts spread evenly in the logarithm over three decades have
		// Benford's second digits.
		{"counts that follow Benford's law", func() int64 { return int64(math.Pow(10, 1+3*rng.Float64())) }, false},
		{"counts spread evenly from 100 to 999 (mean second digit 4.5)", func() int64 { return 100 + rng.Int64N(900) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := forensics.SecondDigit(countsPanel(t, 5000, tc.draw), forensics.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Flag != tc.flag {
				t.Errorf("flag %v, want %v: %s", r.Flag, tc.flag, r.Note)
			}
			if covers := r.Low <= forensics.BenfordSecondMean && forensics.BenfordSecondMean <= r.High; covers == tc.flag {
				t.Errorf("interval %.3f to %.3f around the mean %.3f; Benford's 4.187 inside: %v", r.Low, r.High, r.Mean, covers)
			}
			if r.Counts != 10000 || len(r.Choices) != 2 || r.Choices[0].Counts+r.Choices[1].Counts != r.Counts {
				t.Errorf("counts %d, choices %d", r.Counts, len(r.Choices))
			}
			// The bootstrap's spread is the binomial standard error of a
			// mean of 10,000 digits (sd about 2.9).
			if se := 2.9 / math.Sqrt(10000); math.Abs(r.BootstrapSD-se) > 0.3*se {
				t.Errorf("bootstrap sd %.4f, want about %.4f", r.BootstrapSD, se)
			}
		})
	}
}

// Honest simulated counts fail exact uniformity, because many of them
// sit just above the minimum of 10 where the count distribution slopes;
// the smoothed null must not flag them, and must flag made-up digits.
func TestLastDigits(t *testing.T) {
	cfg := simulate.Config{Stations: 20000, Seed: 1}
	t.Run("honest counts", func(t *testing.T) {
		p, _ := MustSimPanel(t, cfg)
		l, err := forensics.LastDigit(p, forensics.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Flag {
			t.Errorf("last digit flagged: %s", l.Note)
		}
		if l.PValueUniform > 1e-6 {
			t.Errorf("against exact uniformity p = %v: this election should show why the smoothed null is needed", l.PValueUniform)
		}
		a, err := forensics.AdjacentPair(p, forensics.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Flag {
			t.Errorf("adjacent pairs flagged: %s", a.Note)
		}
	})
	t.Run("one station in ten with made-up last digits", func(t *testing.T) {
		p, _ := MustSimPanel(t, cfg)
		inventDigits(p, 10, 2)
		l, err := forensics.LastDigit(p, forensics.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !l.Flag {
			t.Errorf("not flagged: %s", l.Note)
		}
	})
	t.Run("one count in ten ending in two adjacent digits", func(t *testing.T) {
		p, _ := MustSimPanel(t, cfg)
		for i, s := range p.Sheets {
			if s == nil || i%10 != 0 {
				continue
			}
			for j, v := range s.Votes {
				if v >= 20 {
					tens := v / 10 % 10
					s.Votes[j] = v - v%10 + (tens+1)%10
				}
			}
		}
		a, err := forensics.AdjacentPair(p, forensics.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !a.Flag || a.Excess <= 0 {
			t.Errorf("not flagged: %s", a.Note)
		}
	})
}

// Counts of large precincts lie beyond the histogram (16,384 votes): they
// are tested as themselves, and the minimum still applies to them.
func TestLastDigitLargeCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	p := countsPanel(t, 3000, func() int64 { return 20000 + rng.Int64N(70000) })
	for _, tc := range []struct {
		name string
		min  int64
	}{
		{"every count", 10},
		{"counts of at least 50,000", 50000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := forensics.LastDigit(p, forensics.Options{MinCount: tc.min})
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			for _, s := range p.Sheets {
				for _, v := range s.Votes {
					if v >= tc.min {
						want++
					}
				}
			}
			if r.Counts != want || r.Flag || math.Abs(r.Expected[3]-float64(want)/10) > 1e-6 {
				t.Errorf("%d counts (want %d), flag %v, expected %v: %s", r.Counts, want, r.Flag, r.Expected, r.Note)
			}
		})
	}
}

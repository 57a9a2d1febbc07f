package audit

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// MustLargeElection returns n stations of 12 choices with ballots from 100
// to 900 and a leader ahead by about 4 points: the scale target.
func MustLargeElection(tb testing.TB, n int) (Setup, []Batch) {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	const c = 12
	votes := make([]int64, n*c)
	batches := make([]Batch, n)
	shares := []float64{0.30, 0.26, 0.12, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02, 0.02, 0.01, 0.01}
	for p := range batches {
		ballots := 100 + r.Int64N(800)
		v := votes[p*c : (p+1)*c : (p+1)*c]
		var sum int64
		for i, s := range shares {
			v[i] = int64(float64(ballots) * s * (0.8 + 0.4*r.Float64()))
			sum += v[i]
		}
		batches[p] = Batch{ID: fmt.Sprintf("%07d", p), Ballots: max(ballots, sum), Votes: v}
	}
	choices := make([]string, c)
	for i := range choices {
		choices[i] = fmt.Sprintf("c%02d", i)
	}
	return Setup{Contest: "bench", Choices: choices, Winners: []string{"c00"}, RiskLimit: 5, Seed: "01382438112797316654"}, batches
}

// BenchmarkAudit1050000 measures one audit at the scale target: New (the
// error bounds of 1,050,000 stations in decimal arithmetic), the first
// round's draw, and the risk after hand counts that agree.
// go test ./audit -run XXX -bench Audit1050000 -benchtime 1x
func BenchmarkAudit1050000(b *testing.B) {
	setup, batches := MustLargeElection(b, 1_050_000)
	var a *Audit
	b.Run("new", func(b *testing.B) {
		for range b.N {
			var err error
			if a, err = New(setup, batches); err != nil {
				b.Fatal(err)
			}
		}
	})
	first, err := a.Risk(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	var d []Draw
	b.Run(fmt.Sprintf("draw %d", first.Next), func(b *testing.B) {
		for range b.N {
			if d, err = a.Draw(first.Next, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	counts := make(map[string]HandCount, len(d))
	for _, x := range d {
		bt := a.Batch(x.Batch)
		counts[x.ID] = HandCount{Ballots: bt.Ballots, Votes: bt.Votes}
	}
	b.Run("risk", func(b *testing.B) {
		for range b.N {
			r, err := a.Risk(d, counts)
			if err != nil {
				b.Fatal(err)
			}
			if r.Decision != Confirmed {
				b.Fatalf("decision %s", r.Decision)
			}
		}
	})
	b.Run("second round draw", func(b *testing.B) {
		for range b.N {
			if _, err := a.Draw(first.Next, d); err != nil {
				b.Fatal(err)
			}
		}
	})
}

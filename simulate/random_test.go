package simulate

import (
	"math"
	"strconv"
	"testing"
)

// The samplers are checked against the exact binomial distribution with a
// chi-square test; seeds are fixed, so the test is deterministic, and the
// bound (the statistic's mean plus six standard deviations) fails any
// sampler whose distribution is visibly off.
func TestBinomialMatchesTheExactDistribution(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int64
		p    float64
	}{
		{"small mean, by inversion", 20, 0.1},
		{"tiny p, many trials", 1_000_000, 3e-6},
		{"station ballots, by rejection", 600, 0.62},
		{"votes of a main choice", 350, 0.45},
		{"half", 40, 0.5},
		{"beyond the factorial table", 5000, 0.3},
		{"p near one", 500, 0.995},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const draws = 200_000
			r := stream(1, 99, 0)
			counts := make(map[int64]int)
			var sum, sumsq float64
			for range draws {
				k := binomial(r, tc.n, tc.p)
				if k < 0 || k > tc.n {
					t.Fatalf("draw %d outside 0..%d", k, tc.n)
				}
				counts[k]++
				sum += float64(k)
				sumsq += float64(k) * float64(k)
			}
			mean, variance := sum/draws, sumsq/draws-(sum/draws)*(sum/draws)
			wantMean, wantVar := float64(tc.n)*tc.p, float64(tc.n)*tc.p*(1-tc.p)
			if math.Abs(mean-wantMean) > 6*math.Sqrt(wantVar/draws) {
				t.Errorf("mean %.4f, want %.4f", mean, wantMean)
			}
			if math.Abs(variance/wantVar-1) > 0.03 {
				t.Errorf("variance %.4f, want %.4f", variance, wantVar)
			}
			// Pool the tails so that every cell expects at least 5 draws.
			lo, hi := int64(math.Max(0, wantMean-12*math.Sqrt(wantVar)-2)), int64(math.Min(float64(tc.n), wantMean+12*math.Sqrt(wantVar)+2))
			chi2, cells := 0.0, 0
			var pooledObs, pooledExp float64
			flush := func() {
				chi2 += (pooledObs - pooledExp) * (pooledObs - pooledExp) / pooledExp
				cells++
				pooledObs, pooledExp = 0, 0
			}
			for k := lo; k <= hi; k++ {
				pooledObs += float64(counts[k])
				pooledExp += draws * exactPMF(tc.n, tc.p, k)
				if pooledExp >= 5 {
					flush()
				}
			}
			if pooledExp > 0 {
				flush()
			}
			df := float64(cells - 1)
			if bound := df + 6*math.Sqrt(2*df); chi2 > bound {
				t.Errorf("chi-square %.1f over %d cells, above %.1f: the draws do not follow Binomial(%d, %g)", chi2, cells, bound, tc.n, tc.p)
			}
		})
	}
	t.Run("edge cases", func(t *testing.T) {
		r := stream(1, 99, 1)
		for _, tc := range []struct {
			n    int64
			p    float64
			want int64
		}{{0, 0.5, 0}, {-3, 0.5, 0}, {10, 0, 0}, {10, -1, 0}, {10, math.NaN(), 0}, {10, 1, 10}, {10, 2, 10}} {
			if got := binomial(r, tc.n, tc.p); got != tc.want {
				t.Errorf("binomial(%d, %v) = %d, want %d", tc.n, tc.p, got, tc.want)
			}
		}
	})
}

func exactPMF(n int64, p float64, k int64) float64 {
	a, _ := math.Lgamma(float64(n) + 1)
	b, _ := math.Lgamma(float64(k) + 1)
	c, _ := math.Lgamma(float64(n-k) + 1)
	return math.Exp(a - b - c + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
}

func TestMultinomialSplitsEveryTrial(t *testing.T) {
	r := stream(2, 99, 0)
	p := []float64{0.45, 0.4, 0.1, 0.03, 0.012, 0.008}
	out := make([]int64, len(p))
	totals := make([]float64, len(p))
	const draws, n = 20000, 500
	for range draws {
		multinomial(r, n, p, out)
		var s int64
		for j, k := range out {
			if k < 0 {
				t.Fatalf("negative count %v", out)
			}
			s += k
			totals[j] += float64(k)
		}
		if s != n {
			t.Fatalf("counts %v add up to %d, want %d", out, s, n)
		}
	}
	for j := range p {
		want := float64(draws*n) * p[j]
		if math.Abs(totals[j]-want) > 6*math.Sqrt(want) {
			t.Errorf("category %d got %.0f in all, want about %.0f", j, totals[j], want)
		}
	}
}

func TestSlipDigit(t *testing.T) {
	r := stream(3, 99, 0)
	for _, v := range []int64{0, 1, 7, 10, 11, 99, 100, 345, 900} {
		for range 200 {
			w := slipDigit(r, v)
			if w == v || w < 0 {
				t.Fatalf("slipDigit(%d) = %d, want another non-negative count", v, w)
			}
			// One digit: a doubled digit is the most a slip adds.
			if len(strconv.FormatInt(w, 10)) > len(strconv.FormatInt(v, 10))+1 {
				t.Fatalf("slipDigit(%d) = %d: more than one digit's slip", v, w)
			}
		}
	}
}

func TestSplitKeepsEveryStation(t *testing.T) {
	r := stream(4, 99, 0)
	for _, tc := range []struct{ n, k int }{{1, 1}, {10, 10}, {1000, 7}, {30000, 27}} {
		sizes := split(r, tc.n, tc.k, sizeSpreadAreas)
		total := 0
		for _, s := range sizes {
			if s < 1 {
				t.Fatalf("split(%d, %d) = %v: an empty area", tc.n, tc.k, sizes)
			}
			total += s
		}
		if len(sizes) != tc.k || total != tc.n {
			t.Fatalf("split(%d, %d) = %v", tc.n, tc.k, sizes)
		}
	}
}

func TestFitScale(t *testing.T) {
	w := []float64{5, 1, 1, 1, 1, 0, 1, 1, 1, 1}
	for _, want := range []float64{0.5, 3, 8.5, 9} {
		k := fitScale(w, want)
		got := 0.0
		for _, x := range w {
			got += min(1, k*x)
		}
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("fitScale(%v, %v): expected picks %v", w, want, got)
		}
	}
}

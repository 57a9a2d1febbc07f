package forensics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestWhole(t *testing.T) {
	for _, tc := range []struct {
		name string
		k, n int64
		want bool
	}{
		{"exactly 85%", 17, 20, true},
		{"85.03% rounds to a whole percentage", 1658, 1950, true},
		{"84.99% rounds to a whole percentage", 1619, 1905, true},
		{"85.11% is fractional", 263, 309, false},
		{"0% is whole", 0, 350, true},
		{"100% is whole", 350, 350, true},
		{"exactly 0.05 from a whole number counts as whole", 1, 2000, true},
		{"0.06 from a whole number does not", 3, 5000, false},
		{"half a percent is fractional", 1, 200, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := whole(tc.k, tc.n); got != tc.want {
				t.Errorf("whole(%d, %d) = %v, want %v (100k/n = %v)", tc.k, tc.n, got, tc.want, float64(100*tc.k)/float64(tc.n))
			}
		})
	}
}

// bruteWholeChance sums the binomial probabilities of every whole-number
// numerator, each computed on its own with the log-gamma function.
func bruteWholeChance(k, n int64) float64 {
	p := float64(k) / float64(n)
	q := 0.0
	for x := int64(0); x <= n; x++ {
		if !whole(x, n) {
			continue
		}
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(x + 1))
		c, _ := math.Lgamma(float64(n - x + 1))
		switch {
		case p == 0 && x == 0, p == 1 && x == n:
			q++
		case p > 0 && p < 1:
			q += math.Exp(a - b - c + float64(x)*math.Log(p) + float64(n-x)*math.Log1p(-p))
		}
	}
	return q
}

func TestWholeChance(t *testing.T) {
	lg := newLogFactorials(1 << 16)
	for _, tc := range []struct {
		name string
		k, n int64
		want float64 // < 0: compare with the brute-force sum
	}{
		{"every count of 100 registered voters is a whole percentage", 37, 100, 1},
		{"a station of 200 is whole on even counts: about half the time", 87, 200, -1},
		{"no vote at all is certainly whole", 0, 731, 1},
		{"a unanimous station is certainly whole", 731, 731, 1},
		{"a typical Russian station", 1203, 1987, -1},
		{"a small share", 3, 1500, -1},
		{"a large station", 21034, 40000, -1},
		{"an odd size", 451, 977, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := wholeChance(tc.k, tc.n, lg)
			want := tc.want
			if want < 0 {
				want = bruteWholeChance(tc.k, tc.n)
			}
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("wholeChance(%d, %d) = %.12f, want %.12f", tc.k, tc.n, got, want)
			}
		})
	}
	// A station of 50 million: the binomial's spread (3,400 voters) is
	// far narrower than a whole percentage's window (±25,000 voters).
	for _, tc := range []struct {
		name string
		k    int64
		want float64
	}{
		{"far larger than real ones: centred on 62%", 31_000_000, 1},
		{"far larger than real ones: centred on the window's edge, 62.05%", 31_025_000, 0.5},
		{"far larger than real ones: centred on 62.5%", 31_250_000, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := wholeChance(tc.k, 50_000_000, lg)
			if math.Abs(got-tc.want) > 0.001 {
				t.Errorf("wholeChance(%d, 50000000) = %v, want %v", tc.k, got, tc.want)
			}
		})
	}
}

func TestDrawBernoulli(t *testing.T) {
	const n = 1000
	const reps = 400
	for _, q := range []float64{0, 0.001, 0.03, 0.049, 0.05, 0.1, 0.2137, 0.5, 0.93, 0.9999999, 1} {
		rng := rand.NewPCG(1, 2)
		out := make([]uint64, (n+63)/64)
		total := 0
		for range reps {
			drawBernoulli(rng, q, n, out)
			if out[len(out)-1]>>(n&63) != 0 {
				t.Fatalf("q=%v: bits set beyond replicate %d", q, n)
			}
			for _, w := range out {
				for ; w != 0; w &= w - 1 {
					total++
				}
			}
		}
		got := float64(total) / (n * reps)
		se := math.Sqrt(q*(1-q)/(n*reps)) + 1e-12
		if math.Abs(got-q) > 5*se {
			t.Errorf("q=%v: share of set bits %v, more than 5 standard errors (%v) away", q, got, se)
		}
	}
}

func TestBivariateUpper(t *testing.T) {
	for _, tc := range []struct {
		name      string
		h, k, rho float64
		want      float64
	}{
		{"independent, both above the mean", 0, 0, 0, 0.25},
		{"correlated 0.5, both above the mean", 0, 0, 0.5, 0.25 + math.Asin(0.5)/(2*math.Pi)},
		{"anticorrelated -0.5", 0, 0, -0.5, 0.25 + math.Asin(-0.5)/(2*math.Pi)},
		{"independent, one sd", 1, 1, 0, normalUpper(1) * normalUpper(1)},
		{"independent, far in the tail", 4, 3, 0, normalUpper(4) * normalUpper(3)},
		{"a threshold below everything", math.Inf(-1), 1, 0.3, normalUpper(1)},
		{"a threshold above everything", math.Inf(1), -5, 0.3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := bivariateUpper(tc.h, tc.k, tc.rho)
			if math.Abs(got-tc.want) > 1e-9*max(1, tc.want) && math.Abs(got-tc.want)/tc.want > 1e-6 {
				t.Errorf("bivariateUpper(%v, %v, %v) = %v, want %v", tc.h, tc.k, tc.rho, got, tc.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := map[string][]float64{
		"one value":       {7},
		"two values":      {3, 1},
		"ties everywhere": {2, 2, 2, 2, 1, 2, 2, 3},
	}
	sorted := make([]float64, 10001)
	for i := range sorted {
		sorted[i] = float64(i)
	}
	cases["already sorted"] = sorted
	reversed := slices.Clone(sorted)
	slices.Reverse(reversed)
	cases["reversed"] = reversed
	organ := make([]float64, 10000) // up then down: a classic bad case for median-of-three
	for i := range organ {
		organ[i] = float64(min(i, len(organ)-i))
	}
	cases["organ pipe"] = organ
	random := make([]float64, 9999)
	for i := range random {
		random[i] = rng.NormFloat64()
	}
	cases["random"] = random
	few := make([]float64, 5000)
	for i := range few {
		few[i] = float64(rng.IntN(3))
	}
	cases["three distinct values"] = few
	for name, x := range cases {
		t.Run(name, func(t *testing.T) {
			s := slices.Clone(x)
			slices.Sort(s)
			want := s[len(s)/2]
			if len(s)%2 == 0 {
				want = (s[len(s)/2-1] + s[len(s)/2]) / 2
			}
			if got := median(slices.Clone(x)); got != want {
				t.Errorf("median = %v, want %v", got, want)
			}
		})
	}
}

func TestQuantile7(t *testing.T) {
	x := make([]float64, 1000)
	for i := range x {
		x[i] = float64(i + 1)
	}
	// numpy.percentile(range(1, 1001), 99.9) = 999.001
	if got := quantile7(x, 0.999); math.Abs(got-999.001) > 1e-9 {
		t.Errorf("quantile7(1..1000, 0.999) = %v, want 999.001", got)
	}
	if got := quantile7(x, 0.5); got != 500.5 {
		t.Errorf("median of 1..1000 = %v, want 500.5", got)
	}
	if got := quantile7(x, 1); got != 1000 {
		t.Errorf("maximum = %v, want 1000", got)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{count(0), "0"},
		{count(999), "999"},
		{count(1000), "1,000"},
		{count(-1234567), "-1,234,567"},
		{fmtFloat(1003.49), "1,003"},
		{fmtFloat(4.9e-6), "4.9e-06"},
		{pct(0.0626), "6.3%"},
		{pct(0.0000088), "0.00088%"},
		{pvalue(1e-9), "p < 0.000001"},
		{pvalue(0.0123), "p = 0.012"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestDigitsOfCounts(t *testing.T) {
	for _, tc := range []struct {
		v        int64
		second   int
		adjacent bool
	}{
		{10, 0, true}, // 1 and 0
		{11, 1, false},
		{12, 2, true},
		{19, 9, false},
		{21, 1, true},
		{90, 0, true}, // 9 and 0 are adjacent, as Beber and Scacco count them
		{109, 0, true},
		{123, 2, true},
		{135, 3, false},
		{1000, 0, false},
		{98765, 8, true},
		{4343, 3, true},
	} {
		if got := secondDigit(tc.v); got != tc.second {
			t.Errorf("second digit of %d = %d, want %d", tc.v, got, tc.second)
		}
		if got := adjacent(tc.v); got != tc.adjacent {
			t.Errorf("last two digits of %d adjacent = %v, want %v", tc.v, got, tc.adjacent)
		}
	}
}

func TestBinomialUpper(t *testing.T) {
	for _, tc := range []struct {
		name string
		k, n int64
		p    float64
		want float64
	}{
		{"at least nothing", 0, 10, 0.3, 1},
		{"one trial", 1, 1, 0.3, 0.3},
		{"ten heads in ten tosses", 10, 10, 0.5, 1.0 / 1024},
		{"more than the trials", 11, 10, 0.5, 0},
		{"a probability of zero", 1, 10, 0, 0},
		// Far beyond where 1 − CDF rounds to zero; the exact sum of the
		// probabilities, with whole binomial coefficients.
		{"five rare events", 5, 100000, 1e-10, 8.332430595428544e-28},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := binomialUpper(tc.k, tc.n, tc.p)
			if math.Abs(got-tc.want) > 1e-12*max(1e-300, tc.want) && math.Abs(got-tc.want) > 1e-6*tc.want {
				t.Errorf("P(X ≥ %d; %d, %v) = %v, want %v", tc.k, tc.n, tc.p, got, tc.want)
			}
		})
	}
}

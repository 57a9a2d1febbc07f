package forensics

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// chiSquareP is the upper tail of the χ² distribution with df degrees of
// freedom at x.
func chiSquareP(x float64, df int) float64 {
	if x <= 0 {
		return 1
	}
	return distuv.ChiSquared{K: float64(df)}.Survival(x)
}

// binomialUpper is P(X ≥ k) for X ~ Binomial(n, p).
func binomialUpper(k, n int64, p float64) float64 {
	switch {
	case k <= 0:
		return 1
	case k > n || p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	// P(X ≥ k) = I_p(k, n − k + 1), accurate far into the tail, where
	// 1 − CDF would round to zero.
	return mathext.RegIncBeta(float64(k), float64(n-k+1), p)
}

// quantile7 is the q-quantile of sorted x with linear interpolation
// between order statistics (Hyndman & Fan's type 7, numpy's default, as
// the integer-percent authors computed it).
func quantile7(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := q * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// meanSD returns the mean and the standard deviation with divisor n
// (numpy's default, as the integer-percent authors computed it).
func meanSD(x []float64) (float64, float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return m, math.Sqrt(ss / float64(len(x)))
}

// median returns the median of x, reordering x. It selects in linear
// expected time and falls back to sorting when the selection degrades,
// so that no input (the sheets are untrusted) makes it quadratic.
func median(x []float64) float64 {
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	hi := selectK(x, n/2)
	if n%2 == 1 {
		return hi
	}
	// The lower middle is the largest of the elements left of n/2.
	return (slices.Max(x[:n/2]) + hi) / 2
}

// selectK reorders x so that x[k] is the element a sort would put there,
// with no larger element before it and no smaller after it, and returns it.
func selectK(x []float64, k int) float64 {
	lo, hi := 0, len(x)-1
	budget := 2 * bitsLen(len(x)) // rounds before giving up on selection
	for hi > lo {
		if budget == 0 {
			slices.Sort(x[lo : hi+1])
			return x[k]
		}
		budget--
		// Median of three as the pivot.
		mid := lo + (hi-lo)/2
		if x[mid] < x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] < x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[hi] < x[mid] {
			x[hi], x[mid] = x[mid], x[hi]
		}
		pivot := x[mid]
		// Three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot.
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch {
			case x[i] < pivot:
				x[lt], x[i] = x[i], x[lt]
				lt++
				i++
			case x[i] > pivot:
				x[i], x[gt] = x[gt], x[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return x[k]
		}
	}
	return x[k]
}

func bitsLen(n int) int {
	b := 0
	for n > 0 {
		b++
		n >>= 1
	}
	return b
}

// madScale returns 1.4826 × the median absolute deviation of x from c,
// reordering x: a robust standard deviation (it equals the standard
// deviation for normal data and ignores a minority of outliers).
func madScale(x []float64, c float64) float64 {
	for i, v := range x {
		x[i] = math.Abs(v - c)
	}
	return 1.482602218505602 * median(x)
}

// normalUpper is P(Z > z) for a standard normal Z.
func normalUpper(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// bivariateUpper is P(X > h, Y > k) for standard normals X, Y with
// correlation rho, by Simpson's rule over X: the integrand is smooth and
// negligible beyond 10 standard deviations.
func bivariateUpper(h, k, rho float64) float64 {
	rho = max(-0.9999, min(0.9999, rho))
	s := math.Sqrt(1 - rho*rho)
	a := max(h, -10.0)
	b := max(a, 10.0)
	if a >= b {
		return 0
	}
	const n = 2000 // even
	step := (b - a) / n
	g := func(x float64) float64 {
		return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) * normalUpper((k-rho*x)/s)
	}
	sum := g(a) + g(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * g(a+float64(i)*step)
	}
	return sum * step / 3
}

// newRand returns the random stream of one block of an analysis: the
// seed and the block are mixed so that neighbouring blocks' streams are
// unrelated. The concrete generator, not a rand.Rand, because the
// integer-percent null draws billions of words and an interface call per
// word would cost a third of its time.
func newRand(seed uint64, analysis, block uint64) *rand.PCG {
	return rand.NewPCG(splitmix(seed^splitmix(analysis)), splitmix(block+0x9e3779b97f4a7c15*analysis))
}

// splitmix is SplitMix64's output function: a bijective mix of 64 bits.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Analyses' random streams (newRand's analysis argument).
const (
	streamInteger = 1 + iota
	streamSecondDigit
)

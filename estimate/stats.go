package estimate

import (
	"math"
	"slices"
)

// normalQuantile returns the q-quantile of the standard normal distribution,
// for q in (0, 1).
func normalQuantile(q float64) float64 {
	return -math.Sqrt2 * math.Erfcinv(2*q)
}

// normalTwoSided returns the two-sided p-value of a standard normal z.
func normalTwoSided(z float64) float64 {
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

// chiSquareSF returns P(X > x) for X chi-square with df degrees of freedom.
func chiSquareSF(x, df float64) float64 {
	if x <= 0 {
		return 1
	}
	return gammaQ(df/2, x/2)
}

// gammaQ is the regularized upper incomplete gamma function Q(a, x) =
// Γ(a, x)/Γ(a), a > 0, x ≥ 0: the power series of P(a, x) where it
// converges fast (x < a+1), the continued fraction of Q(a, x) elsewhere
// (Abramowitz & Stegun 6.5.29 and 6.5.31, evaluated by the modified Lentz
// method).
func gammaQ(a, x float64) float64 {
	if x <= 0 {
		return 1
	}
	lg, _ := math.Lgamma(a)
	front := math.Exp(a*math.Log(x) - x - lg)
	if x < a+1 {
		sum, term := 1/a, 1/a
		for n := 1; n < 10000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-16 {
				break
			}
		}
		return max(0, 1-sum*front)
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 10000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return min(1, front*h)
}

// quantileSorted returns the q-quantile of sorted values by linear
// interpolation between order statistics (Hyndman & Fan's type 7, the
// default of R and NumPy).
func quantileSorted(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	h := q * float64(len(v)-1)
	lo := int(math.Floor(h))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[lo] + (h-float64(lo))*(v[lo+1]-v[lo])
}

// percentile returns the (alpha/2, 1-alpha/2) percentile interval of v,
// sorting v in place. NaN values (replicates where the ratio is undefined)
// are left out.
func percentile(v []float64, confidence float64) (lo, hi float64) {
	v = slices.DeleteFunc(v, math.IsNaN)
	slices.Sort(v)
	a := (1 - confidence) / 2
	return quantileSorted(v, a), quantileSorted(v, 1-a)
}

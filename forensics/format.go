package forensics

import (
	"math"
	"strconv"
)

// count formats n with thousands separators: 1,003.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// fmtFloat formats x rounded to a whole number with thousands separators,
// or with two significant decimals when it is below 10.
func fmtFloat(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return strconv.FormatFloat(x, 'g', -1, 64)
	case math.Abs(x) >= 10:
		return count(int64(math.Round(x)))
	case x == 0:
		return "0"
	}
	return strconv.FormatFloat(x, 'g', 2, 64)
}

// pct formats a fraction as a percentage with one decimal, or more when
// the fraction is small but not zero (0.0012%).
func pct(x float64) string {
	v := 100 * x
	switch {
	case v == 0 || math.Abs(v) >= 0.1:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	case math.IsNaN(v):
		return "n/a"
	}
	return strconv.FormatFloat(v, 'g', 2, 64) + "%"
}

// pvalue formats a p-value: small ones as an upper bound.
func pvalue(p float64) string {
	if p < 1e-6 {
		return "p < 0.000001"
	}
	return "p = " + strconv.FormatFloat(p, 'g', 2, 64)
}

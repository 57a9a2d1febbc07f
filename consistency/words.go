package consistency

import (
	"math"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
)

// Group writes n with thousands separators: -1,830,358.
func Group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/3 + 1)
	if neg {
		b.WriteByte('-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Signed is Group with a plus sign for positive numbers: +10,234.
func Signed(n int64) string {
	if n > 0 {
		return "+" + Group(n)
	}
	return Group(n)
}

// Percent writes a fraction as a percentage with two decimals: 0.4318 →
// 43.18%.
func Percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }

// Small writes a small positive number with two significant digits and no
// exponent, for readers: 2.86e-06 → 0.0000029.
func Small(x float64) string {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', 2, 64)
	}
	decimals := max(0, 1-int(math.Floor(math.Log10(x))))
	return strconv.FormatFloat(x, 'f', decimals, 64)
}

// ChoiceName names a choice for a headline: "Edmundo González (eg)", or
// the id alone when the choice has no other name.
func ChoiceName(c *actas.Contest, id string) string {
	j := c.ChoiceIndex(id)
	if j < 0 {
		return id
	}
	ch := c.Choices[j]
	if ch.Name == "" || ch.Name == ch.ID {
		return ch.ID
	}
	return ch.Name + " (" + ch.ID + ")"
}

// plural writes "1 station", "2 stations".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Group(n) + " " + many
}

// lowerFirst makes a package's sentence continue a headline: "Impossible
// if …" → "impossible if …".
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

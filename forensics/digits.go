package forensics

import (
	"fmt"
	"math"
	"slices"

	"github.com/actasproject/actas"
	"gonum.org/v1/gonum/stat/distuv"
)

// The digit tests look at every choice's vote count on every sheet that
// is at least Options.MinCount, pooled over the choices, and report each
// choice on its own too. Counts below the minimum are left out: a count
// needs two digits to have a last pair and a second digit.
//
// Beber and Scacco compare last digits with exact uniformity (10% each,
// 20% adjacent pairs), which holds when counts spread smoothly over a
// range much wider than 100. Real and simulated counts often do not: a
// minor party's counts pile up near the minimum, and the cut at the
// minimum tilts the last digits towards 0 and 1 (all 200 honest simulated
// elections of the detection study failed the uniform test at 10 votes). So the expected digits
// come from the data's own shape, smoothed over 10 votes: the null is that
// the counts' distribution is smooth at the scale of 10 votes, with no
// preference for any last digit. The smoothing kernel (weights ½, 1, …,
// 1, ½ over 11 neighbours, divided by 10) gives every last digit the same
// weight, so away from the minimum the expectation is exactly uniform;
// near it, the kernel reaches below the minimum and accounts for the
// slope. The uniform statistics are reported beside, as the authors
// computed them.

// DigitChoice is one choice's part of a digit test.
type DigitChoice struct {
	Choice    string    `json:"choice"`
	Counts    int64     `json:"counts"`
	Digits    [10]int64 `json:"digits"`
	Expected  []float64 `json:"expected"` // expected counts per digit under the test's null
	ChiSquare float64   `json:"chi_square"`
	// PValue is null when the choice has too few counts for the χ²
	// approximation (an expected frequency below 5).
	PValue *float64 `json:"p_value"`
	Mean   float64  `json:"mean"` // mean digit
}

// LastDigitResult tests whether the last digits of vote counts are
// uniform (Beber & Scacco 2012): counts of real ballots end in any digit
// equally often, while people inventing numbers favour some digits.
type LastDigitResult struct {
	MinCount int64     `json:"min_count"`
	Counts   int64     `json:"counts"`   // vote counts tested
	Digits   [10]int64 `json:"digits"`   // how many end in 0, 1, …, 9
	Expected []float64 `json:"expected"` // expected counts per digit, smoothed null
	// ChiSquare is Pearson's statistic against Expected, 9 degrees of
	// freedom; PValue its upper tail.
	ChiSquare float64 `json:"chi_square"`
	PValue    float64 `json:"p_value"`
	// The same against exact uniformity (Beber & Scacco's null).
	ChiSquareUniform float64       `json:"chi_square_uniform"`
	PValueUniform    float64       `json:"p_value_uniform"`
	MaxDeviation     float64       `json:"max_deviation"` // the largest |observed − expected| share of a digit
	Choices          []DigitChoice `json:"choices"`
	Flag             bool          `json:"flag"` // PValue < Alpha
	Note             string        `json:"note"`
}

// LastDigit tests the uniformity of the last digit of vote counts.
// Errors: those of Run's options and panel; EINVALID when fewer than 50
// counts reach MinCount (χ² needs 5 expected per digit).
func LastDigit(p *actas.Panel, o Options) (*LastDigitResult, error) {
	o, _, err := prepare(p, o)
	if err != nil {
		return nil, err
	}
	t := tallyCounts(p, o.MinCount)
	r := &LastDigitResult{MinCount: o.MinCount, Choices: make([]DigitChoice, len(t.hist)), Expected: make([]float64, 10)}
	for j := range t.hist {
		e := t.expect(j, o.MinCount)
		c := DigitChoice{Choice: p.Contest.Choices[j].ID, Counts: e.n, Digits: e.digits, Expected: e.digitsExp[:]}
		if e.n > 0 {
			c.Mean = meanDigit(e.digits, e.n)
			c.ChiSquare = chiSquare(e.digits, e.digitsExp[:])
			if slices.Min(e.digitsExp[:]) >= 5 {
				c.PValue = f(chiSquareP(c.ChiSquare, 9))
			}
		}
		r.Choices[j] = c
		r.Counts += e.n
		for d := range 10 {
			r.Digits[d] += e.digits[d]
			r.Expected[d] += e.digitsExp[d]
		}
	}
	if r.Counts < 50 {
		return nil, actas.Errorf(actas.EINVALID, "forensics: last digit: %d vote counts of at least %d; the test needs 50", r.Counts, o.MinCount)
	}
	r.ChiSquare = chiSquare(r.Digits, r.Expected)
	r.PValue = chiSquareP(r.ChiSquare, 9)
	uniform := make([]float64, 10)
	for d := range uniform {
		uniform[d] = float64(r.Counts) / 10
	}
	r.ChiSquareUniform = chiSquare(r.Digits, uniform)
	r.PValueUniform = chiSquareP(r.ChiSquareUniform, 9)
	for d, c := range r.Digits {
		r.MaxDeviation = max(r.MaxDeviation, math.Abs(float64(c)-r.Expected[d])/float64(r.Counts))
	}
	r.Flag = r.PValue < o.Alpha
	r.Note = r.note(p.Source)
	return r, nil
}

// Test returns the summary: the statistic is χ² with 9 degrees of freedom.
func (r *LastDigitResult) Test() Test {
	return Test{Name: NameLastDigit, Statistic: r.ChiSquare, PValue: f(r.PValue), Flag: r.Flag, Note: r.Note}
}

func (r *LastDigitResult) note(source actas.Source) string {
	lo, hi := 0, 0
	for d, c := range r.Digits {
		if c < r.Digits[lo] {
			lo = d
		}
		if c > r.Digits[hi] {
			hi = d
		}
	}
	n := float64(r.Counts)
	s := fmt.Sprintf("Last digits of %s %s vote counts of at least %d: from %s ending in %d (%s expected) to %s ending in %d (%s expected); "+
		"χ² = %.1f, %s (against exactly 10%% each: χ² = %.1f, %s). ",
		count(r.Counts), source, r.MinCount, pct(float64(r.Digits[lo])/n), lo, pct(r.Expected[lo]/n),
		pct(float64(r.Digits[hi])/n), hi, pct(r.Expected[hi]/n), r.ChiSquare, pvalue(r.PValue),
		r.ChiSquareUniform, pvalue(r.PValueUniform))
	if r.Flag {
		s += "Some last digits are more frequent than counting gives, as when people write numbers rather than count ballots. "
	} else {
		s += "The last digits are as even as counting gives. "
	}
	return s + "A flag, not proof: with hundreds of thousands of counts a small, harmless unevenness is significant; " +
		"numbers that were computed (a share of the register) rather than invented leave the digits even."
}

// AdjacentPairResult tests how often the last two digits of a vote count
// are adjacent (Beber & Scacco 2012): people inventing numbers favour
// neighbouring digits (23, 87); counting gives them about one time in
// five. Adjacent means differing by 1, with 0 and 9 adjacent (as the
// authors count them: 20 of the 100 pairs). The expected number comes
// from the counts smoothed over 10 votes, as for LastDigit: close to 20%
// for counts spread widely, it follows the tens digits of small ones.
type AdjacentPairResult struct {
	MinCount  int64   `json:"min_count"`
	Counts    int64   `json:"counts"`
	Adjacent  int64   `json:"adjacent"`
	Share     float64 `json:"share"`      // Adjacent ÷ Counts
	Expected  float64 `json:"expected"`   // expected adjacent counts, smoothed null
	SD        float64 `json:"sd"`         // its binomial spread
	Excess    float64 `json:"excess"`     // Adjacent − Expected
	ChiSquare float64 `json:"chi_square"` // 1 degree of freedom
	PValue    float64 `json:"p_value"`
	// The same against exactly 20% (Beber & Scacco's null).
	ChiSquareUniform float64 `json:"chi_square_uniform"`
	PValueUniform    float64 `json:"p_value_uniform"`
	Flag             bool    `json:"flag"` // PValue < Alpha and more adjacent pairs than expected
	Note             string  `json:"note"`
}

// AdjacentPairShare is the share of the 100 last-two-digit pairs that are
// adjacent.
const AdjacentPairShare = 0.2

// AdjacentPair tests the share of vote counts whose last two digits are
// adjacent. Errors: those of Run's options and panel; EINVALID when fewer
// than 25 counts reach MinCount.
func AdjacentPair(p *actas.Panel, o Options) (*AdjacentPairResult, error) {
	o, _, err := prepare(p, o)
	if err != nil {
		return nil, err
	}
	t := tallyCounts(p, o.MinCount)
	r := &AdjacentPairResult{MinCount: o.MinCount}
	for j := range t.hist {
		e := t.expect(j, o.MinCount)
		r.Counts += e.n
		r.Adjacent += e.adjacent
		r.Expected += e.adjacentExp
	}
	if r.Counts < 25 {
		return nil, actas.Errorf(actas.EINVALID, "forensics: adjacent pairs: %d vote counts of at least %d; the test needs 25", r.Counts, o.MinCount)
	}
	n := float64(r.Counts)
	q := r.Expected / n
	r.Share = float64(r.Adjacent) / n
	r.SD = math.Sqrt(n * q * (1 - q))
	r.Excess = float64(r.Adjacent) - r.Expected
	r.ChiSquare = r.Excess * r.Excess / (n * q * (1 - q))
	r.PValue = chiSquareP(r.ChiSquare, 1)
	u := float64(r.Adjacent) - AdjacentPairShare*n
	r.ChiSquareUniform = u * u / (n * AdjacentPairShare * (1 - AdjacentPairShare))
	r.PValueUniform = chiSquareP(r.ChiSquareUniform, 1)
	r.Flag = r.PValue < o.Alpha && r.Excess > 0
	r.Note = r.note(p.Source)
	return r, nil
}

// Test returns the summary: the statistic is χ² with 1 degree of freedom;
// excess and sd are in counts.
func (r *AdjacentPairResult) Test() Test {
	return Test{Name: NameAdjacentPair, Statistic: r.ChiSquare, PValue: f(r.PValue), Excess: f(r.Excess), SD: f(r.SD),
		Flag: r.Flag, Note: r.Note}
}

func (r *AdjacentPairResult) note(source actas.Source) string {
	s := fmt.Sprintf("%s of %s %s vote counts of at least %d end in two adjacent digits (%s expected); χ² = %.1f, %s "+
		"(against exactly 20%%: %s). ",
		pct(r.Share), count(r.Counts), source, r.MinCount, pct(r.Expected/float64(r.Counts)), r.ChiSquare, pvalue(r.PValue),
		pvalue(r.PValueUniform))
	switch {
	case r.Flag:
		s += "More than counting gives, as when people write numbers. "
	case r.PValue < 0.001:
		s += "Fewer than counting gives: not the pattern of invented numbers. "
	default:
		s += "As counting gives. "
	}
	return s + "A flag, not proof: the test has little power against numbers that were computed rather than invented."
}

// tallyCap bounds the histogram of counts: larger counts are far from any
// minimum, where the smoothed expectation is exactly uniform.
const tallyCap = 1 << 14

// countTally holds every choice's vote counts: a histogram of the values
// below tallyCap (all of them, those below the minimum too: they shape the
// expectation near it), and the last two digits of larger ones that reach
// the minimum.
type countTally struct {
	hist [][]int64
	big  [][100]int64
}

func tallyCounts(p *actas.Panel, min int64) *countTally {
	k := len(p.Contest.Choices)
	t := &countTally{hist: make([][]int64, k), big: make([][100]int64, k)}
	cells := make([]int64, k*tallyCap)
	for j := range t.hist {
		t.hist[j] = cells[j*tallyCap : (j+1)*tallyCap : (j+1)*tallyCap]
	}
	for _, s := range p.Sheets {
		if s == nil {
			continue
		}
		for j, v := range s.Votes {
			switch {
			case v < tallyCap:
				t.hist[j][v]++
			case v >= min:
				t.big[j][v%100]++
			}
		}
	}
	return t
}

// digitExpectation is one choice's observed and expected digits.
type digitExpectation struct {
	n           int64
	digits      [10]int64
	digitsExp   [10]float64
	adjacent    int64
	adjacentExp float64
}

// expect returns choice j's counts of at least min, their last digits and
// adjacent pairs, and what a distribution smooth at the scale of 10 votes
// gives (scaled to the same number of counts).
func (t *countTally) expect(j int, min int64) digitExpectation {
	var e digitExpectation
	h := t.hist[j]
	var expN float64
	for v := max(min, 0); v < tallyCap; v++ {
		if c := h[v]; c > 0 {
			e.n += c
			e.digits[v%10] += c
			if adjacent(v) {
				e.adjacent += c
			}
		}
		// The smoothed frequency at v: the kernel ½, 1, …, 1, ½ over
		// v−5 … v+5, divided by 10. Near the cap, where the kernel would
		// reach beyond the histogram, counts are far from the minimum and
		// the expectation is uniform: they count as themselves, below.
		var sm float64
		if v+5 < tallyCap {
			lo := v - 5
			if lo >= 0 {
				sm += 0.5 * float64(h[lo])
			}
			for u := max(0, v-4); u <= v+4; u++ {
				sm += float64(h[u])
			}
			sm += 0.5 * float64(h[v+5])
			sm /= 10
		} else {
			sm = float64(h[v])
		}
		if sm > 0 {
			if v+5 < tallyCap {
				e.digitsExp[v%10] += sm
				if adjacent(v) {
					e.adjacentExp += sm
				}
			} else {
				for d := range e.digitsExp {
					e.digitsExp[d] += sm / 10
				}
				e.adjacentExp += sm * AdjacentPairShare
			}
			expN += sm
		}
	}
	for pair, c := range t.big[j] {
		if c == 0 {
			continue
		}
		e.n += c
		e.digits[pair%10] += c
		if adjacent(int64(pair) + 100) {
			e.adjacent += c
		}
		for d := range e.digitsExp {
			e.digitsExp[d] += float64(c) / 10
		}
		e.adjacentExp += float64(c) * AdjacentPairShare
		expN += float64(c)
	}
	// The smoothing moves a little mass across the minimum; the test
	// compares shares, conditional on the number of counts.
	if expN > 0 {
		scale := float64(e.n) / expN
		for d := range e.digitsExp {
			e.digitsExp[d] *= scale
		}
		e.adjacentExp *= scale
	}
	return e
}

// adjacent reports whether the last two digits of v ≥ 10 differ by one,
// 0 and 9 included.
func adjacent(v int64) bool {
	d := v/10%10 - v%10
	return d == 1 || d == -1 || d == 9 || d == -9
}

// SecondDigitResult is the second-digit Benford test (Mebane 2006): the
// second significant digit of vote counts compared with Benford's law,
// r_j = Σ_{k=1..9} log10(1 + 1/(10k + j)), whose mean is 4.187.
type SecondDigitResult struct {
	MinCount     int64       `json:"min_count"`
	Counts       int64       `json:"counts"`
	Digits       [10]int64   `json:"digits"`
	Benford      [10]float64 `json:"benford"` // Benford's frequencies r_j
	Mean         float64     `json:"mean"`
	ExpectedMean float64     `json:"expected_mean"` // 4.187
	// Low and High bound the mean with Confidence, from Bootstrap
	// resamples of the counts (percentile interval); BootstrapSD is the
	// resampled means' standard deviation.
	Low         float64       `json:"low"`
	High        float64       `json:"high"`
	Confidence  float64       `json:"confidence"`
	Bootstrap   int           `json:"bootstrap"`
	BootstrapSD float64       `json:"bootstrap_sd"`
	ChiSquare   float64       `json:"chi_square"` // 9 degrees of freedom
	PValue      float64       `json:"p_value"`
	Choices     []DigitChoice `json:"choices"`
	// Flag: PValue < Alpha and the interval excludes 4.187.
	Flag bool   `json:"flag"`
	Note string `json:"note"`
}

// BenfordSecond returns Benford's second-digit frequencies r_0 … r_9.
func BenfordSecond() [10]float64 { return benfordSecond }

var benfordSecond = func() [10]float64 {
	var r [10]float64
	for j := range r {
		for k := 1; k <= 9; k++ {
			r[j] += math.Log10(1 + 1/float64(10*k+j))
		}
	}
	return r
}()

// BenfordSecondMean is the mean second digit under Benford's law,
// Σ j·r_j = 4.187.
const BenfordSecondMean = 4.1873897069289425

// SecondDigit tests the second digits of vote counts against Benford's
// law. Errors: those of Run's options and panel; EINVALID when fewer than
// 59 counts reach MinCount (χ² needs 5 expected per digit).
func SecondDigit(p *actas.Panel, o Options) (*SecondDigitResult, error) {
	o, _, err := prepare(p, o)
	if err != nil {
		return nil, err
	}
	per := countDigits(p, o.MinCount, secondDigit)
	r := &SecondDigitResult{MinCount: o.MinCount, Benford: benfordSecond, ExpectedMean: BenfordSecondMean,
		Confidence: o.Confidence, Bootstrap: o.Bootstrap, Choices: make([]DigitChoice, len(per))}
	for j, digits := range per {
		r.Choices[j] = benfordChoice(p.Contest.Choices[j].ID, digits)
		for d, c := range digits {
			r.Digits[d] += c
		}
		r.Counts += r.Choices[j].Counts
	}
	if float64(r.Counts)*benfordSecond[9] < 5 {
		return nil, actas.Errorf(actas.EINVALID, "forensics: second digit: %d vote counts of at least %d; the test needs 59", r.Counts, o.MinCount)
	}
	r.Mean = meanDigit(r.Digits, r.Counts)
	expected := make([]float64, 10)
	for d := range expected {
		expected[d] = float64(r.Counts) * benfordSecond[d]
	}
	r.ChiSquare = chiSquare(r.Digits, expected)
	r.PValue = chiSquareP(r.ChiSquare, 9)
	r.Low, r.High, r.BootstrapSD = bootstrapMean(r.Digits, r.Counts, o)
	r.Flag = r.PValue < o.Alpha && (r.Low > BenfordSecondMean || r.High < BenfordSecondMean)
	r.Note = r.note(p.Source)
	return r, nil
}

// Test returns the summary: the statistic is χ² with 9 degrees of
// freedom; the excess is the mean second digit minus 4.187 and sd the
// bootstrap standard deviation of the mean.
func (r *SecondDigitResult) Test() Test {
	return Test{Name: NameSecondDigit, Statistic: r.ChiSquare, PValue: f(r.PValue), Excess: f(r.Mean - r.ExpectedMean),
		SD: f(r.BootstrapSD), Flag: r.Flag, Note: r.Note}
}

func (r *SecondDigitResult) note(source actas.Source) string {
	s := fmt.Sprintf("Mean second digit of %s %s vote counts of at least %d: %.3f (%.0f%% bootstrap interval %.3f to %.3f; "+
		"Benford's law gives %.3f); χ² = %.1f, %s. ",
		count(r.Counts), source, r.MinCount, r.Mean, 100*r.Confidence, r.Low, r.High, r.ExpectedMean, r.ChiSquare, pvalue(r.PValue))
	if r.Flag {
		s += "The second digits depart from Benford's law. "
	} else {
		s += "No significant departure from Benford's law. "
	}
	return s + "A weak flag, not proof: honest counts need not follow Benford's law (it depends on how station sizes " +
		"vary), and this test flagged every honest election we simulated (Deckert, Myagkov & Ordeshook 2011 show the " +
		"same on real ones); read it only beside the other tests, never alone."
}

// secondDigit is the second significant digit of v ≥ 10.
func secondDigit(v int64) int {
	for v >= 100 {
		v /= 10
	}
	return int(v % 10)
}

// countDigits tallies digit(v) for every choice's counts v ≥ min.
func countDigits(p *actas.Panel, min int64, digit func(int64) int) [][10]int64 {
	per := make([][10]int64, len(p.Contest.Choices))
	for _, s := range p.Sheets {
		if s == nil {
			continue
		}
		for j, v := range s.Votes {
			if v >= min {
				per[j][digit(v)]++
			}
		}
	}
	return per
}

// benfordChoice summarizes one choice's second digits against Benford's
// law.
func benfordChoice(id string, digits [10]int64) DigitChoice {
	c := DigitChoice{Choice: id, Digits: digits, Expected: make([]float64, 10)}
	for _, n := range digits {
		c.Counts += n
	}
	for d := range c.Expected {
		c.Expected[d] = float64(c.Counts) * benfordSecond[d]
	}
	if c.Counts == 0 {
		return c
	}
	c.Mean = meanDigit(digits, c.Counts)
	c.ChiSquare = chiSquare(digits, c.Expected)
	if float64(c.Counts)*benfordSecond[9] >= 5 {
		c.PValue = f(chiSquareP(c.ChiSquare, 9))
	}
	return c
}

func meanDigit(digits [10]int64, n int64) float64 {
	var s int64
	for d, c := range digits {
		s += int64(d) * c
	}
	return float64(s) / float64(n)
}

// chiSquare is Pearson's statistic of observed digits against expected
// counts; a digit expected never contributes nothing when it is not seen
// and makes the statistic infinite when it is.
func chiSquare(obs [10]int64, expected []float64) float64 {
	x := 0.0
	for d, c := range obs {
		e := expected[d]
		if e <= 0 {
			if c > 0 {
				return math.Inf(1)
			}
			continue
		}
		x += (float64(c) - e) * (float64(c) - e) / e
	}
	return x
}

// bootstrapMean returns the percentile interval and standard deviation
// of the mean digit over o.Bootstrap resamples of the n counts. A
// resample of n counts drawn with replacement has multinomial digit
// frequencies, which are drawn directly (as successive binomials):
// exactly the nonparametric bootstrap, in time independent of n.
func bootstrapMean(digits [10]int64, n int64, o Options) (lo, hi, sd float64) {
	src := newRand(o.Seed, streamSecondDigit, 0)
	means := make([]float64, o.Bootstrap)
	for b := range means {
		left, rest := n, 1.0
		var sum int64
		for d := 0; d < 9 && left > 0; d++ {
			share := float64(digits[d]) / float64(n)
			var k int64
			switch {
			case share <= 0:
			case share >= rest:
				k = left
			default:
				k = int64(distuv.Binomial{N: float64(left), P: share / rest, Src: src}.Rand())
			}
			sum += int64(d) * k
			left -= k
			rest -= share
		}
		sum += 9 * left
		means[b] = float64(sum) / float64(n)
	}
	_, sd = meanSD(means)
	slices.Sort(means)
	return quantile7(means, (1-o.Confidence)/2), quantile7(means, (1+o.Confidence)/2), sd
}

package forensics

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/actasproject/actas"
)

// IntegerPercentResult is the excess of stations reporting a whole-number
// percentage (Kobak, Shpilkin & Pshenichnikov 2016): commissions that
// write the result they were told to reach tend to write round
// percentages, and honest counts land on them only by chance.
//
// Per station, as in the paper: turnout = voters (ballots issued; for
// Russia's protocols lines 5 + 6 + 7) ÷ registered voters, with the
// ballots in the box standing in when a sheet states no voters; leader's
// share = the leader's votes ÷ (valid + invalid ballots), where invalid is
// blank + null. A percentage 100p is whole when |100p − round(100p)| ≤
// 0.05. Included are the stations with valid + invalid > 0, at least 100
// registered voters, turnout ≤ 0.99 and leader's share ≤ 0.99.
//
// The null redraws every included station's numerators binomially, with
// the station's own denominator and observed rate, Replicates times, and
// counts the whole-number stations each time. Either counts stations
// with a whole-number turnout or share (the authors' headline figure);
// Turnout and Share count each alone.
type IntegerPercentResult struct {
	Leader            string            `json:"leader"`
	Stations          int64             `json:"stations"` // included stations
	Excluded          IntegerExclusions `json:"excluded"`
	VotersFromBallots int64             `json:"voters_from_ballots"` // included sheets stating no voters: ballots used
	Replicates        int               `json:"replicates"`
	Seed              uint64            `json:"seed"`
	Either            IntegerCount      `json:"either"`
	Turnout           IntegerCount      `json:"turnout"`
	Share             IntegerCount      `json:"leader_share"`
	// Flag: Either.Observed exceeds the null's 99.9th percentile, the
	// authors' criterion (a Monte-Carlo p-value below 0.001).
	Flag bool   `json:"flag"`
	Note string `json:"note"`
}

// IntegerExclusions counts the stations each inclusion rule removed, in
// the order the rules are applied.
type IntegerExclusions struct {
	NoSheet     int64 `json:"no_sheet"`
	NoBallots   int64 `json:"no_ballots"`      // valid + invalid = 0
	Under100    int64 `json:"under_100"`       // fewer than 100 registered voters
	HighTurnout int64 `json:"turnout_over_99"` // turnout above 0.99
	HighShare   int64 `json:"share_over_99"`   // leader's share above 0.99
}

// IntegerCount is one count of whole-number stations against its null.
type IntegerCount struct {
	Observed  int64   `json:"observed"`
	NullMean  float64 `json:"null_mean"`
	NullSD    float64 `json:"null_sd"`   // divisor n, as the authors'
	NullP999  float64 `json:"null_p999"` // 99.9th percentile, interpolated as numpy does
	Excess    float64 `json:"excess"`    // Observed − NullMean
	Threshold float64 `json:"threshold"` // NullP999 − NullMean: the excess chance exceeds once in a thousand
	Expected  float64 `json:"expected"`  // the exact null mean, Σ of every station's chance
	PValue    float64 `json:"p_value"`   // (1 + replicates ≥ Observed) / (1 + Replicates)
}

// IntegerPercent counts the stations with a whole-number turnout or
// leader's share and compares the count with its binomial Monte-Carlo
// null. Errors: those of Run's options and panel; EINVALID when no
// station meets the inclusion rules.
//
// Every replicate draws each station's numerators anew, but only whether
// a draw lands on a whole-number percentage matters to the count, and
// that happens with a probability computed exactly from the binomial
// distribution (the sum of its probabilities over the whole-number
// numerators). The replicates draw that event directly: the null
// distribution of the counts is the same as from drawing the numerators,
// at a small fraction of the cost.
func IntegerPercent(p *actas.Panel, o Options) (*IntegerPercentResult, error) {
	o, leader, err := prepare(p, o)
	if err != nil {
		return nil, err
	}
	r := &IntegerPercentResult{Leader: p.Contest.Choices[leader].ID, Replicates: o.Replicates, Seed: o.Seed}
	R := o.Replicates

	// Inclusion and the denominators, in panel order.
	type station struct{ given, reg, lead, recv int64 }
	in := make([]station, 0, len(p.Sheets))
	maxN := int64(0)
	for i, s := range p.Sheets {
		if s == nil {
			r.Excluded.NoSheet++
			continue
		}
		reg := p.Stations[i].Registered
		recv := s.Valid() + s.Blank + s.Null
		given := s.Voters
		switch {
		case recv <= 0:
			r.Excluded.NoBallots++
			continue
		case reg < 100:
			r.Excluded.Under100++
			continue
		}
		if given == actas.Unknown {
			given = s.Ballots
		}
		lead := s.Votes[leader]
		switch {
		case float64(given)/float64(reg) > 0.99:
			r.Excluded.HighTurnout++
			continue
		case float64(lead)/float64(recv) > 0.99:
			r.Excluded.HighShare++
			continue
		}
		if s.Voters == actas.Unknown {
			r.VotersFromBallots++
		}
		in = append(in, station{given, reg, lead, recv})
		maxN = max(maxN, reg, recv)
	}
	if len(in) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "forensics: integer percentages: no %s sheet meets the inclusion rules (valid + invalid > 0, at least 100 registered voters, turnout and %s's share at most 99%%)",
			p.Source, r.Leader)
	}
	r.Stations = int64(len(in))
	lg := newLogFactorials(maxN)

	// Each worker keeps its own counts; integer sums do not depend on
	// which worker counted what.
	words := (R + 63) / 64
	type acc struct {
		counts   [3][]int64 // per replicate: either, turnout, share
		observed [3]int64
		t, s     []uint64 // the current station's whole-number replicates, one bit each
	}
	// Floating-point sums depend on their order: each block keeps its own,
	// added up in block order.
	expected := make([][3]float64, (len(in)+blockSize-1)/blockSize)
	workers := make([]*acc, max(1, o.Workers))
	for w := range workers {
		a := &acc{t: make([]uint64, words), s: make([]uint64, words)}
		for c := range a.counts {
			a.counts[c] = make([]int64, words*64)
		}
		workers[w] = a
	}
	parallelBlocks(len(in), len(workers), func(w, block, lo, hi int) {
		a := workers[w]
		rng := newRand(o.Seed, streamInteger, uint64(block))
		for _, st := range in[lo:hi] {
			qt, ot := wholeChance(st.given, st.reg, lg)
			qs, os := wholeChance(st.lead, st.recv, lg)
			if ot {
				a.observed[1]++
			}
			if os {
				a.observed[2]++
			}
			if ot || os {
				a.observed[0]++
			}
			e := &expected[block]
			e[1] += qt
			e[2] += qs
			e[0] += 1 - (1-qt)*(1-qs)
			drawBernoulli(rng, qt, R, a.t)
			drawBernoulli(rng, qs, R, a.s)
			for i := range words {
				base := i * 64
				addBits(a.counts[1][base:base+64], a.t[i])
				addBits(a.counts[2][base:base+64], a.s[i])
				addBits(a.counts[0][base:base+64], a.t[i]|a.s[i])
			}
		}
	})
	var total [3][]float64
	for c := range total {
		total[c] = make([]float64, R)
	}
	var observed [3]int64
	var exact [3]float64
	for _, e := range expected {
		for c := range 3 {
			exact[c] += e[c]
		}
	}
	for _, a := range workers {
		for c := range 3 {
			observed[c] += a.observed[c]
			for k, v := range a.counts[c][:R] {
				total[c][k] += float64(v)
			}
		}
	}
	for c, dst := range []*IntegerCount{&r.Either, &r.Turnout, &r.Share} {
		*dst = summarize(observed[c], exact[c], total[c])
	}
	r.Flag = float64(r.Either.Observed) > r.Either.NullP999
	r.Note = r.note(p.Source)
	return r, nil
}

// summarize compares an observed count with its replicates (reordered).
func summarize(observed int64, expected float64, null []float64) IntegerCount {
	c := IntegerCount{Observed: observed, Expected: expected}
	c.NullMean, c.NullSD = meanSD(null)
	slices.Sort(null)
	c.NullP999 = quantile7(null, 0.999)
	c.Excess = float64(observed) - c.NullMean
	c.Threshold = c.NullP999 - c.NullMean
	i, _ := slices.BinarySearch(null, float64(observed)) // first replicate ≥ observed
	c.PValue = float64(1+len(null)-i) / float64(1+len(null))
	return c
}

// Test returns the summary: the statistic is the number of stations with
// a whole-number turnout or share; excess and sd are in stations.
func (r *IntegerPercentResult) Test() Test {
	return Test{Name: NameIntegerPercent, Statistic: float64(r.Either.Observed), PValue: f(r.Either.PValue),
		Excess: f(r.Either.Excess), SD: f(r.Either.NullSD), Flag: r.Flag, Note: r.Note}
}

func (r *IntegerPercentResult) note(source actas.Source) string {
	e := r.Either
	s := fmt.Sprintf("%s of %s %s stations report a whole-number turnout or %s's share; binomial chance gives %s ± %s "+
		"(99.9%% of %d simulated elections stay below %s), so the excess is %s stations (turnout alone %s, share alone %s). ",
		count(e.Observed), count(r.Stations), source, r.Leader, fmtFloat(e.NullMean), fmtFloat(e.NullSD), r.Replicates,
		fmtFloat(e.NullP999), fmtFloat(e.Excess), fmtFloat(r.Turnout.Excess), fmtFloat(r.Share.Excess))
	if r.Flag {
		s += "Chance does not explain it: people writing results they were given favour round percentages. "
	} else {
		s += "Chance explains it. "
	}
	return s + "A spike is a flag, not proof: look at where the whole-number stations are (the authors found them " +
		"concentrated in some regions); and computed falsification leaves no such spikes, so no excess does not mean a clean count."
}

// wholeChance returns the probability that a Binomial(n, k/n) draw is a
// whole-number percentage of n, and whether k itself is one.
func wholeChance(k, n int64, lg *logFactorials) (float64, bool) {
	obs := whole(k, n)
	if k == 0 || k == n {
		// The draw is certain to be k.
		if obs {
			return 1, true
		}
		return 0, false
	}
	p := float64(k) / float64(n)
	mu := float64(n) * p
	sd := math.Sqrt(mu * (1 - p))
	// Beyond the window the binomial's mass is below 10⁻⁹, even for
	// small means, where its tail is heavier than the normal's: a million
	// stations' null mean moves by less than 0.001.
	lo := max(0, int64(math.Floor(mu-6*sd-6)))
	hi := min(n, int64(math.Ceil(mu+6*sd+6)))
	lp, lq := math.Log(p), math.Log1p(-p)
	exact := hi-lo <= 4096
	q := 0.0
	for j := 100 * lo / n; j <= (100*hi+n-1)/n; j++ {
		// The numerators whose percentage may be within 0.05 of j; the
		// candidate ranges of neighbouring percentages overlap for small
		// n, but a numerator is near one percentage at most.
		xa := max(lo, int64(math.Floor(float64(n)*(float64(j)-0.05)/100)))
		xb := min(hi, int64(math.Ceil(float64(n)*(float64(j)+0.05)/100)))
		if exact {
			for x := xa; x <= xb; x++ {
				if wholeNear(x, n, j) {
					if l := lg.at(n) - lg.at(x) - lg.at(n-x) + float64(x)*lp + float64(n-x)*lq; l > -40 {
						q += math.Exp(l)
					}
				}
			}
			continue
		}
		// Wide windows (only for stations far larger than real ones): the
		// numerators inside are all whole; the normal approximation is
		// exact to many digits at these sizes.
		for xa <= xb && !wholeNear(xa, n, j) {
			xa++
		}
		for xb >= xa && !wholeNear(xb, n, j) {
			xb--
		}
		if xa <= xb {
			q += normalUpper((float64(xa)-0.5-mu)/sd) - normalUpper((float64(xb)+0.5-mu)/sd)
		}
	}
	return min(1, q), obs
}

// whole reports whether 100·k/n is within 0.05 of a whole number,
// computed in floating point exactly as the authors did.
func whole(k, n int64) bool {
	p := float64(100*k) / float64(n)
	return math.Abs(p-math.Round(p)) <= 0.05
}

// wholeNear is whole(k, n) for k near j percent of n: in integers,
// |100k/n − j| ≤ 1/20 is 20·|100k − jn| ≤ n, decided without a division
// except on the boundary, where floating point decides as in whole.
func wholeNear(k, n, j int64) bool {
	d := 20 * abs(100*k-j*n)
	switch {
	case d < n:
		return true
	case d > n:
		return false
	}
	return whole(k, n)
}

// bernoulliBits is the precision of drawBernoulli's probabilities: they
// are rounded to a multiple of 2⁻²⁰ (10⁻⁶), which moves the null mean of
// a million stations by less than half a station (its spread is a few
// hundred).
const bernoulliBits = 20

// drawBernoulli sets bit k of out, for each replicate k < n, with
// probability q, independently, and clears the others. Rare events are
// placed by their geometric gaps (one draw per event); otherwise each word
// of 64 replicates takes one random word per binary digit of q: starting
// from no bits set, a digit 1 ORs in a random word and a digit 0 ANDs
// one, from the last digit to the first, which leaves each bit set with
// probability exactly 0.d₁d₂…d₂₀ in binary.
func drawBernoulli(rng *rand.PCG, q float64, n int, out []uint64) {
	clear(out)
	m := uint64(math.Round(q * (1 << bernoulliBits)))
	switch {
	case q <= 0:
		return
	case m >= 1<<bernoulliBits:
		for k := range n {
			out[k>>6] |= 1 << (k & 63)
		}
		return
	case q < 0.05:
		// Few events: geometric gaps cost about six random words each
		// (a logarithm), fewer than the digits would.
		lq := math.Log1p(-q)
		k := -1
		for {
			// A uniform in (0, 1]: its logarithm is finite.
			u := float64(rng.Uint64()>>11+1) * 0x1p-53
			skip := math.Log(u) / lq
			if skip >= float64(n) {
				return
			}
			k += 1 + int(skip)
			if k >= n {
				return
			}
			out[k>>6] |= 1 << (k & 63)
		}
	}
	low := bits.TrailingZeros64(m) // trailing zero digits AND into nothing
	for i := range out {
		var w uint64
		for d := low; d < bernoulliBits; d++ {
			if m>>d&1 == 1 {
				w |= rng.Uint64()
			} else {
				w &= rng.Uint64()
			}
		}
		out[i] = w
	}
	if r := n & 63; r != 0 {
		out[len(out)-1] &= 1<<r - 1
	}
}

// addBits adds bit k of w to counts[k].
func addBits(counts []int64, w uint64) {
	for w != 0 {
		counts[bits.TrailingZeros64(w)]++
		w &= w - 1
	}
}

// logFactorials returns log(m!) from a table for the sizes real stations
// have and from the log-gamma function beyond.
type logFactorials struct{ table []float64 }

const maxLogFactorialTable = 1 << 20

func newLogFactorials(n int64) *logFactorials {
	size := min(n, maxLogFactorialTable) + 1
	t := make([]float64, size)
	for m := int64(2); m < size; m++ {
		t[m] = t[m-1] + math.Log(float64(m))
	}
	return &logFactorials{table: t}
}

func (l *logFactorials) at(m int64) float64 {
	if m < int64(len(l.table)) {
		return l.table[m]
	}
	v, _ := math.Lgamma(float64(m) + 1)
	return v
}

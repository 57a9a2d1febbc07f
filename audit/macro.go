package audit

import (
	"math/bits"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// Setup is what an audit is built from. It is fixed once the first sample
// is drawn: the sample and the risk follow from it and the batches alone.
type Setup struct {
	Contest string   `json:"contest"`
	Choices []string `json:"choices"` // the contest's choice ids, in ballot order
	// Winners are the reported winners (choice ids) as the authority
	// announced them; every other choice is a loser. Each winner must lead
	// each loser in the reported totals.
	Winners []string `json:"winners"`
	// RiskLimit is the risk limit α in percent, 1 to 99 (an integer, as in
	// Arlo, so that α = RiskLimit/100 is exact).
	RiskLimit int    `json:"risk_limit"`
	Seed      string `json:"seed"` // see ParseSeed
	// Totals are the reported totals per choice (ballot order) when the
	// authority announced them; nil means the sum of the batches. Votes in
	// Totals that no batch holds cannot be audited and are counted against
	// every margin, as Arlo does (compute_unauditable_ballots).
	Totals []int64 `json:"totals,omitempty"`
}

// Batch is one station's reported (official) result.
type Batch struct {
	// ID names the batch; the consistent sampler hashes it into the
	// batch's ticket numbers. actas uses the station code.
	ID      string  `json:"id"`
	Ballots int64   `json:"ballots"` // all ballots in the box
	Votes   []int64 `json:"votes"`   // per choice, in Setup.Choices order
}

// HandCount is the audited (hand) count of one batch.
type HandCount struct {
	Ballots int64   `json:"ballots"`
	Votes   []int64 `json:"votes"` // per choice, in Setup.Choices order
}

// Audit is a batch-comparison risk-limiting audit (MACRO) of one contest:
// the reported outcome, each batch's error bound u_p and their sum U. It is
// immutable and safe for concurrent use.
type Audit struct {
	setup   Setup
	batches []Batch
	index   map[string]int
	winners []int  // choice indexes
	losers  []int  // choice indexes
	pairs   []pair // every winner–loser pair
	unaud   int64  // unauditable votes, counted against every margin
	// Error bounds: batch p's is bounds[bound[p]]. u_p = num/V_wl for a small
	// integer num, so a million stations share a few thousand distinct
	// bounds, each divided once.
	bound   []int32
	bounds  []errorBound
	u       *dec      // U, in Python decimal arithmetic
	weights []float64 // u_p / U as float64: Arlo's sampling weights
	alpha   *dec
}

type pair struct {
	w, l   int
	margin int64 // V_wl: reported margin minus unauditable votes; > 0
	dmarg  *dec
}

// Limits on the input, far above any real election, so that no sum of
// counts can overflow an int64.
const (
	MaxBatches = 1 << 24 // batches (stations) in one audit
	MaxCount   = 1 << 30 // ballots or votes in one batch or hand count
)

// New checks the setup and the batches and computes the error bounds.
// Errors are EINVALID and say what is wrong: a bad seed, risk limit or
// winner list; duplicate batch ids, negative counts or votes of the wrong
// length; and a reported winner who does not lead a loser by at least one
// vote (a tie or zero margin: no audit can confirm it, only a full hand
// count can decide).
func New(setup Setup, batches []Batch) (*Audit, error) {
	if _, err := ParseSeed(setup.Seed); err != nil {
		return nil, err
	}
	return newAudit(setup, batches)
}

// newAudit is New without the seed check, so that Arlo's own test vectors
// (whose seed has letters and an emoji) can be reproduced.
func newAudit(setup Setup, batches []Batch) (*Audit, error) {
	c := len(setup.Choices)
	if c < 2 {
		return nil, actas.Errorf(actas.EINVALID, "audit %s: a contest needs at least two choices, has %d", setup.Contest, c)
	}
	if setup.RiskLimit < 1 || setup.RiskLimit > 99 {
		return nil, actas.Errorf(actas.EINVALID, "audit %s: risk limit %d%% must be between 1%% and 99%%", setup.Contest, setup.RiskLimit)
	}
	if len(batches) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "audit %s: no batches: the audit needs the reported result of every station", setup.Contest)
	}
	if len(batches) > MaxBatches {
		return nil, actas.Errorf(actas.EINVALID, "audit %s: %d batches, at most %d", setup.Contest, len(batches), MaxBatches)
	}
	choice := make(map[string]int, c)
	for i, id := range setup.Choices {
		if _, dup := choice[id]; dup {
			return nil, actas.Errorf(actas.EINVALID, "audit %s: choice %q appears twice", setup.Contest, id)
		}
		choice[id] = i
	}
	a := &Audit{setup: setup, batches: batches, index: make(map[string]int, len(batches))}
	isWinner := make([]bool, c)
	for _, w := range setup.Winners {
		i, ok := choice[w]
		if !ok {
			return nil, actas.Errorf(actas.EINVALID, "audit %s: winner %q is not a choice of the contest (%s)", setup.Contest, w, strings.Join(setup.Choices, ", "))
		}
		if isWinner[i] {
			return nil, actas.Errorf(actas.EINVALID, "audit %s: winner %q is named twice", setup.Contest, w)
		}
		isWinner[i] = true
		a.winners = append(a.winners, i)
	}
	if len(a.winners) == 0 || len(a.winners) == c {
		return nil, actas.Errorf(actas.EINVALID, "audit %s: name between 1 and %d reported winners, not %d", setup.Contest, c-1, len(a.winners))
	}
	for i := range c {
		if !isWinner[i] {
			a.losers = append(a.losers, i)
		}
	}
	sums := make([]int64, c)
	for p := range batches {
		b := &batches[p]
		if _, dup := a.index[b.ID]; dup {
			return nil, actas.Errorf(actas.EINVALID, "audit %s: batch %q appears twice", setup.Contest, b.ID)
		}
		a.index[b.ID] = p
		if len(b.Votes) != c {
			return nil, actas.Errorf(actas.EINVALID, "audit %s: batch %q has %d vote counts for %d choices", setup.Contest, b.ID, len(b.Votes), c)
		}
		if b.Ballots < 0 || b.Ballots > MaxCount {
			return nil, actas.Errorf(actas.EINVALID, "audit %s: batch %q has %d ballots: not a count", setup.Contest, b.ID, b.Ballots)
		}
		for i, v := range b.Votes {
			if v < 0 || v > MaxCount {
				return nil, actas.Errorf(actas.EINVALID, "audit %s: batch %q has %d votes for %s: not a count", setup.Contest, b.ID, v, setup.Choices[i])
			}
			sums[i] += v
		}
	}
	totals := sums
	if setup.Totals != nil {
		if len(setup.Totals) != c {
			return nil, actas.Errorf(actas.EINVALID, "audit %s: %d reported totals for %d choices", setup.Contest, len(setup.Totals), c)
		}
		var t, s int64
		for i, v := range setup.Totals {
			if v < 0 || v > MaxCount*MaxBatches {
				return nil, actas.Errorf(actas.EINVALID, "audit %s: reported total %d for %s is not a count", setup.Contest, v, setup.Choices[i])
			}
			t += v
			s += sums[i]
		}
		totals = setup.Totals
		// Arlo can let this go negative (batches holding more votes than
		// the totals), which would widen the margins; we never do.
		a.unaud = max(t-s, 0)
	}
	for _, w := range a.winners {
		for _, l := range a.losers {
			m := totals[w] - totals[l] - a.unaud
			if m <= 0 {
				what := "ties"
				if totals[w] < totals[l] {
					what = "trails"
				}
				if totals[w] > totals[l] {
					what = "leads only by unauditable votes against"
				}
				return nil, actas.Errorf(actas.EINVALID, "audit %s: reported winner %s (%d votes) %s %s (%d votes): the margin is zero, no sample can confirm the outcome; only a full hand count can decide",
					setup.Contest, setup.Choices[w], totals[w], what, setup.Choices[l], totals[l])
			}
			a.pairs = append(a.pairs, pair{w: w, l: l, margin: m, dmarg: decInt(m)})
		}
	}
	a.alpha = decQuo(decInt(int64(setup.RiskLimit)), decInt(100))
	a.computeBounds()
	if a.u.c.Sign() == 0 {
		return nil, actas.Errorf(actas.EINVALID, "audit %s: every batch is empty: nothing to sample", setup.Contest)
	}
	return a, nil
}

// boundBallots is the b_p of the error bound: the reported ballots, or the
// votes when a (flagged) sheet states fewer ballots than votes, so that the
// bound still covers every vote the batch reports.
func boundBallots(b *Batch) int64 {
	var v int64
	for _, x := range b.Votes {
		v += x
	}
	return max(b.Ballots, v)
}

// errorBound is one distinct u_p = num/pairs[pair].margin.
type errorBound struct {
	num    int64
	pair   int
	up     dec
	weight float64 // float(u_p/U)
}

// computeBounds computes u_p = max over pairs ((v_w − v_l) + b_p)/V_wl and
// U = Σ u_p in Python decimal arithmetic (summed in batch order, as Arlo's
// compute_U does), and the sampling weights float(u_p/U).
func (a *Audit) computeBounds() {
	n := len(a.batches)
	a.bound = make([]int32, n)
	a.weights = make([]float64, n)
	type key struct {
		num  int64
		pair int
	}
	seen := make(map[key]int32)
	var sc decScratch
	var num dec
	u := &dec{}
	for p := range a.batches {
		b := &a.batches[p]
		bp := boundBallots(b)
		best, bestNum := -1, int64(0)
		for k := range a.pairs {
			x := b.Votes[a.pairs[k].w] - b.Votes[a.pairs[k].l] + bp
			// Compare x/margin exactly: x·m_best vs bestNum·m_k.
			if best < 0 || ratioLess(bestNum, a.pairs[best].margin, x, a.pairs[k].margin) {
				best, bestNum = k, x
			}
		}
		i, ok := seen[key{bestNum, best}]
		if !ok {
			i = int32(len(a.bounds))
			seen[key{bestNum, best}] = i
			a.bounds = append(a.bounds, errorBound{num: bestNum, pair: best})
			eb := &a.bounds[i]
			num.c.SetInt64(bestNum)
			num.e = 0
			sc.quo(&eb.up, &num, a.pairs[best].dmarg)
		}
		a.bound[p] = i
		sc.add(u, u, &a.bounds[i].up)
	}
	a.u = u
	var w dec
	for i := range a.bounds {
		sc.quo(&w, &a.bounds[i].up, u)
		a.bounds[i].weight = w.float64()
	}
	for p, i := range a.bound {
		a.weights[p] = a.bounds[i].weight
	}
}

// ratioLess reports whether x/m < y/n for x, y ≥ 0 and m, n > 0, exactly
// (128-bit cross products).
func ratioLess(x, m, y, n int64) bool {
	lh, ll := bits.Mul64(uint64(x), uint64(n))
	rh, rl := bits.Mul64(uint64(y), uint64(m))
	return lh < rh || (lh == rh && ll < rl)
}

// up returns u_p as Arlo's compute_max_error does; read-only.
func (a *Audit) up(p int) *dec { return &a.bounds[a.bound[p]].up }

// Batches returns the number of batches.
func (a *Audit) Batches() int { return len(a.batches) }

// Batch returns batch p as given to New; callers must not modify it.
func (a *Audit) Batch(p int) *Batch { return &a.batches[p] }

// Lookup returns the index of the batch with the given id.
func (a *Audit) Lookup(id string) (int, bool) {
	p, ok := a.index[id]
	return p, ok
}

// Setup returns the audit's setup; its slices are shared, read-only.
func (a *Audit) Setup() Setup { return a.setup }

// U returns U, the sum of the error bounds: the most the reported margin
// can be overstated, in units of the margin.
func (a *Audit) U() float64 { return a.u.float64() }

// ErrorBound returns u_p of batch p.
func (a *Audit) ErrorBound(p int) float64 { return a.up(p).float64() }

// Weight returns the probability that one draw picks batch p: u_p/U as
// the float64 Arlo passes to NumPy.
func (a *Audit) Weight(p int) float64 { return a.weights[p] }

// Margins returns V_wl for every winner–loser pair, winner and loser by
// choice id: the reported margin less unauditable votes.
func (a *Audit) Margins() []Margin {
	out := make([]Margin, len(a.pairs))
	for i, pr := range a.pairs {
		out[i] = Margin{Winner: a.setup.Choices[pr.w], Loser: a.setup.Choices[pr.l], Votes: pr.margin}
	}
	return out
}

// Margin is the reported margin of one winner over one loser.
type Margin struct {
	Winner string `json:"winner"`
	Loser  string `json:"loser"`
	Votes  int64  `json:"votes"`
}

// Unauditable returns the votes of the reported totals that no batch holds.
func (a *Audit) Unauditable() int64 { return a.unaud }

// ReportedWinners returns the seats choices with the most votes in totals
// (choice ids, most votes first; equal totals keep ballot order). Errors: EINVALID when seats is not
// between 1 and len(choices)−1, or when a tie at the last seat leaves the
// winners undecided.
func ReportedWinners(choices []string, totals []int64, seats int) ([]string, error) {
	if len(totals) != len(choices) {
		return nil, actas.Errorf(actas.EINVALID, "%d totals for %d choices", len(totals), len(choices))
	}
	if seats < 1 || seats >= len(choices) {
		return nil, actas.Errorf(actas.EINVALID, "%d seats for %d choices: between 1 and %d", seats, len(choices), len(choices)-1)
	}
	order := make([]int, len(choices))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		switch {
		case totals[x] > totals[y]:
			return -1
		case totals[x] < totals[y]:
			return 1
		}
		return 0
	})
	if totals[order[seats-1]] == totals[order[seats]] {
		return nil, actas.Errorf(actas.EINVALID, "%s and %s tie with %d votes for the last seat: the reported outcome is undecided", choices[order[seats-1]], choices[order[seats]], totals[order[seats]])
	}
	out := make([]string, seats)
	for i := range out {
		out[i] = choices[order[i]]
	}
	return out, nil
}

package audit

import (
	"math/big"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// Decision is what an audit says after a round.
type Decision string

const (
	// Confirmed: the risk is at most the risk limit; the audit stops and
	// the reported outcome stands.
	Confirmed Decision = "confirmed"
	// Continue: draw Result.Next more batches and hand count them.
	Continue Decision = "continue"
	// FullCount: escalate to a full hand count (a taint reached 1, or the
	// next round would reach every batch); Result.Next batches are left.
	FullCount Decision = "full-count"
	// Overturned: every batch has been hand counted and the hand count does
	// not give the reported winners: the hand count is the outcome.
	Overturned Decision = "overturned"
)

// Result is the state of an audit after the hand counts of its draws.
type Result struct {
	// Risk is the MACRO risk P = Π (1 − 1/U)/(1 − t_p) over the draws (a
	// batch drawn k times counts k times), capped at 1; 0 after a full hand
	// count that confirms the outcome.
	Risk     float64  `json:"risk"`
	Decision Decision `json:"decision"`
	// Next is the number of draws of the next round (Continue), or of
	// batches not yet hand counted (FullCount); 0 otherwise.
	Next    int     `json:"next"`
	Draws   int     `json:"draws"`   // draws so far
	Counted int     `json:"counted"` // distinct batches hand counted
	Taints  []Taint `json:"taints"`  // one per draw, in ticket order
}

// Taint is what one draw contributes to the risk.
type Taint struct {
	Ticket string `json:"ticket"`
	ID     string `json:"id"`
	// Overstatement is the largest overstatement of a reported margin in
	// the batch, in votes: (v_w − v_l) − (a_w − a_l) for the pair whose
	// overstatement relative to its margin is largest; negative when the
	// hand count favours the winners more than the report, 0 when they agree.
	Overstatement int64   `json:"overstatement"`
	Taint         float64 `json:"taint"` // t_p = max(0, that relative overstatement)/u_p
	Factor        float64 `json:"factor"`
}

// Risk computes the risk after the hand counts of the draws so far (every
// round's draws, in any order), and what to do next, as Arlo's
// compute_risk and get_sample_sizes (server/audit_math/macro.py) do, in the
// same decimal arithmetic and order (by ticket number), with three
// deliberate differences: a taint of 1 or more escalates to a full hand
// count at once (Arlo keeps sampling with an infinite risk, and a taint
// above 1 would make its risk negative); a complete hand count is checked
// against the reported winners instead of being taken as confirmation; and
// a round that would reach every batch is reported as FullCount.
//
// With no draws Risk gives the first round's size. counts holds the hand
// count of every drawn batch, by batch id (it may hold others). Errors:
// ENOTFOUND for a draw or count naming an unknown batch; EINVALID for a
// drawn batch without a hand count, or a hand count that is not a count
// (negative, wrong length, or more votes than ballots).
func (a *Audit) Risk(draws []Draw, counts map[string]HandCount) (*Result, error) {
	c := len(a.setup.Choices)
	for id, h := range counts {
		if _, ok := a.index[id]; !ok {
			return nil, actas.Errorf(actas.ENOTFOUND, "audit %s: hand count for unknown batch %q", a.setup.Contest, id)
		}
		if err := checkCount(a.setup.Contest, id, c, h); err != nil {
			return nil, err
		}
	}
	for _, d := range draws {
		if _, ok := a.index[d.ID]; !ok {
			return nil, actas.Errorf(actas.ENOTFOUND, "audit %s: draw names unknown batch %q", a.setup.Contest, d.ID)
		}
		if _, ok := counts[d.ID]; !ok {
			return nil, actas.Errorf(actas.EINVALID, "audit %s: batch %s was drawn (ticket %s) but has no hand count yet", a.setup.Contest, d.ID, d.Ticket)
		}
	}
	res := &Result{Draws: len(draws), Counted: len(counts)}
	n := len(a.batches)
	if len(counts) == n {
		return a.complete(res, counts), nil
	}
	sorted := slices.Clone(draws)
	slices.SortStableFunc(sorted, func(x, y Draw) int { return strings.Compare(x.Ticket, y.Ticket) })
	one := decInt(1)
	pmult := decSub(one, decQuo(one, a.u)) // 1 − 1/U
	p := decInt(1)
	full := false
	res.Taints = make([]Taint, len(sorted))
	// A batch drawn k times has one taint and one factor: compute them once.
	type memo struct {
		t taint
		f *dec
	}
	seen := make(map[int]memo, len(sorted))
	for i, d := range sorted {
		bp := a.index[d.ID]
		m, ok := seen[bp]
		if !ok {
			m.t = a.taint(bp, counts[d.ID])
			if !m.t.full {
				m.f = decQuo(pmult, decSub(one, m.t.t))
				m.t.Factor = m.f.float64()
			}
			seen[bp] = m
		}
		if m.t.full {
			full = true
		} else {
			p = decMul(p, m.f)
		}
		res.Taints[i] = m.t.Taint
		res.Taints[i].Ticket = d.Ticket
	}
	if full {
		res.Risk, res.Decision, res.Next = 1, FullCount, n-len(counts)
		return res, nil
	}
	res.Risk = min(p.float64(), 1)
	if p.cmp(a.alpha) <= 0 {
		res.Decision = Confirmed
		return res, nil
	}
	next, err := a.nextSize(res.Risk, pmult)
	if err != nil {
		return nil, err
	}
	if len(draws)+next >= n {
		res.Decision, res.Next = FullCount, n-len(counts)
		return res, nil
	}
	res.Decision, res.Next = Continue, next
	return res, nil
}

func checkCount(contest, id string, c int, h HandCount) error {
	if len(h.Votes) != c {
		return actas.Errorf(actas.EINVALID, "audit %s: hand count of %s has %d vote counts for %d choices", contest, id, len(h.Votes), c)
	}
	if h.Ballots < 0 || h.Ballots > MaxCount {
		return actas.Errorf(actas.EINVALID, "audit %s: hand count of %s has %d ballots: not a count", contest, id, h.Ballots)
	}
	var sum int64
	for _, v := range h.Votes {
		if v < 0 || v > MaxCount {
			return actas.Errorf(actas.EINVALID, "audit %s: hand count of %s has %d votes for a choice: not a count", contest, id, v)
		}
		sum += v // no overflow: at most 2^40 per choice
	}
	if sum > h.Ballots {
		return actas.Errorf(actas.EINVALID, "audit %s: hand count of %s gives %d votes for %d ballots: that is not a valid count", contest, id, sum, h.Ballots)
	}
	return nil
}

type taint struct {
	Taint
	t    *dec
	full bool
}

// taint computes t_p as Arlo's compute_error and compute_risk do: the pair
// with the largest nonzero (v_w − v_l − a_w + a_l)/V_wl; e_p is that value
// when positive, else 0; t_p = e_p/u_p.
func (a *Audit) taint(p int, h HandCount) taint {
	b := &a.batches[p]
	best := -1
	var bestErr int64
	for k, pr := range a.pairs {
		e := (b.Votes[pr.w] - b.Votes[pr.l]) - (h.Votes[pr.w] - h.Votes[pr.l])
		if e == 0 {
			continue
		}
		if best < 0 || signedRatioLess(bestErr, a.pairs[best].margin, e, pr.margin) {
			best, bestErr = k, e
		}
	}
	out := taint{Taint: Taint{ID: b.ID, Overstatement: bestErr}, t: &dec{}}
	if best < 0 || bestErr <= 0 {
		return out
	}
	ep := decQuo(decInt(bestErr), a.pairs[best].dmarg)
	up := a.up(p)
	if up.c.Sign() == 0 { // an empty batch whose hand count holds votes
		out.full, out.Taint.Taint = true, 1
		return out
	}
	out.t = decQuo(ep, up)
	out.Taint.Taint = out.t.float64()
	if out.t.cmp(decInt(1)) >= 0 {
		out.full = true
	}
	return out
}

// signedRatioLess reports whether x/m < y/n for m, n > 0, exactly.
func signedRatioLess(x, m, y, n int64) bool {
	var l, r big.Int
	l.Mul(big.NewInt(x), big.NewInt(n))
	r.Mul(big.NewInt(y), big.NewInt(m))
	return l.Cmp(&r) < 0
}

// nextSize is Arlo's get_sample_sizes after compute_risk:
// ⌈(ln α − ln risk)/ln(1 − 1/U)⌉ + 1 draws, at most the number of batches,
// in Python decimal arithmetic (risk is the float risk, as in Arlo).
func (a *Audit) nextSize(risk float64, pmult *dec) (int, error) {
	if pmult.c.Sign() <= 0 {
		return 0, actas.Errorf(actas.EINVALID, "audit %s: the error bounds sum to U = %v ≤ 1: the batches do not add up to the reported margins", a.setup.Contest, a.u.float64())
	}
	num := decSub(decLn(a.alpha), decLn(decFromFloat(risk)))
	est := decQuo(num, decLn(pmult))
	n := ceilInt(est) + 1
	return int(min(n, int64(len(a.batches)))), nil
}

// ceilInt rounds d toward +∞ to an integer (Python's quantize(Decimal(1),
// ROUND_CEILING)).
func ceilInt(d *dec) int64 {
	if d.e >= 0 {
		var v big.Int
		v.Mul(&d.c, pow10(d.e))
		return v.Int64()
	}
	var q, r big.Int
	q.QuoRem(&d.c, pow10(-d.e), &r)
	if r.Sign() > 0 {
		q.Add(&q, big.NewInt(1))
	}
	return q.Int64()
}

// complete decides after a full hand count: the hand count is the outcome.
func (a *Audit) complete(res *Result, counts map[string]HandCount) *Result {
	hand := make([]int64, len(a.setup.Choices))
	for _, h := range counts {
		for i, v := range h.Votes {
			hand[i] += v
		}
	}
	for _, pr := range a.pairs {
		if hand[pr.w]-hand[pr.l]-a.unaud <= 0 {
			res.Risk, res.Decision = 1, Overturned
			return res
		}
	}
	res.Risk, res.Decision = 0, Confirmed
	return res
}

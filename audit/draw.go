package audit

import (
	"math/big"
	"slices"

	"github.com/actasproject/actas"
)

// TicketDigits is how many significant digits (after a leading run of 9s)
// a draw's ticket number keeps, as in Arlo.
const TicketDigits = 18

// Draw is one draw of the sample: a batch and its ticket number. A batch
// drawn k times appears k times, with Times 1 … k and increasing tickets.
type Draw struct {
	Ticket string `json:"ticket"`
	ID     string `json:"id"`
	Batch  int    `json:"batch"` // index in the batches given to New
	Times  int    `json:"times"` // this is the batch's Times-th draw
}

// Draw returns the next n draws of the sample, after the previous draws of
// earlier rounds (nil for the first round), exactly as Arlo's
// draw_ppeb_sample (server/audit_math/sampler.py) does, so that anyone with
// Arlo, the seed and the batches in the same order gets the same sample:
//
//   - The draws are with replacement, batch p with probability u_p/U:
//     NumPy's default_rng(int(SHA256Hex(seed), 16)).choice(batches,
//     len(previous)+n, p=weights, replace=True); a round redraws the whole
//     sequence from the seed and returns its tail, so rounds extend the
//     sample and never change it.
//   - When len(previous)+n reaches the number of batches, the audit has
//     become a full hand count: the round returns every batch not drawn
//     before, in order of id.
//   - Each draw's ticket is FirstFraction(id, seed) for a batch's first
//     draw and NextFraction of its previous (trimmed) ticket for the next
//     ones, trimmed to TicketDigits.
//
// Errors: EINVALID for a negative n or a previous draw naming an unknown
// batch; ECONFLICT when previous is not what this seed and these batches
// draw (the setup or the batches changed after the first round).
func (a *Audit) Draw(n int, previous []Draw) ([]Draw, error) {
	if n < 0 {
		return nil, actas.Errorf(actas.EINVALID, "audit %s: sample size %d is negative", a.setup.Contest, n)
	}
	for i, d := range previous {
		if _, ok := a.index[d.ID]; !ok {
			return nil, actas.Errorf(actas.EINVALID, "audit %s: previous draw %d names unknown batch %q", a.setup.Contest, i+1, d.ID)
		}
	}
	total := len(previous) + n
	seq := make([]int, 0, total)
	if total >= len(a.batches) {
		drawn := make([]bool, len(a.batches))
		for _, d := range previous {
			p := a.index[d.ID]
			drawn[p] = true
			seq = append(seq, p)
		}
		rest := make([]int, 0, len(a.batches))
		for p := range a.batches {
			if !drawn[p] {
				rest = append(rest, p)
			}
		}
		slices.SortFunc(rest, func(x, y int) int {
			switch {
			case a.batches[x].ID < a.batches[y].ID:
				return -1
			case a.batches[x].ID > a.batches[y].ID:
				return 1
			}
			return 0
		})
		seq = append(seq, rest...)
	} else {
		seed, _ := new(big.Int).SetString(SHA256Hex(a.setup.Seed), 16)
		rng := newNumpyRNG(seed)
		cdf := choiceCDF(a.weights)
		for range total {
			seq = append(seq, choose(cdf, rng.float64()))
		}
	}
	out := a.ticket(seq)
	for i, d := range previous {
		if total < len(a.batches) && (out[i].ID != d.ID || out[i].Ticket != d.Ticket) {
			return nil, actas.Errorf(actas.ECONFLICT, "audit %s: previous draw %d (%s, ticket %s) is not what the seed draws (%s, ticket %s): the seed or the batches changed since", a.setup.Contest, i+1, d.ID, d.Ticket, out[i].ID, out[i].Ticket)
		}
	}
	return out[len(previous):], nil
}

// ticket gives each draw of the sequence its ticket number.
func (a *Audit) ticket(seq []int) []Draw {
	seedHash := SHA256Hex(a.setup.Seed)
	last := make(map[int]*Draw, len(seq))
	out := make([]Draw, len(seq))
	for i, p := range seq {
		d := &out[i]
		d.Batch, d.ID = p, a.batches[p].ID
		if prev, ok := last[p]; ok {
			next, err := NextFraction(prev.Ticket)
			if err != nil {
				panic(err) // a bug: tickets we make are valid fractions
			}
			d.Ticket, d.Times = Trim(next, TicketDigits), prev.Times+1
		} else {
			d.Ticket, d.Times = Trim(firstFraction(d.ID, seedHash), TicketDigits), 1
		}
		last[p] = d
	}
	return out
}

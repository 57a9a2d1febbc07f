package simulate

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/actasproject/actas"
)

// Fraud parameters (see the package documentation).
const (
	clusterSD       = 0.8  // log-sd of a municipality's propensity to falsify
	strongholdBase  = 0.25 // selection weight is (strongholdBase + beneficiary's true share)
	incrementalSD   = 0.3  // incremental: stuffed share of non-voters is 0.05 + |N(0, incrementalSD)|, at most 0.9
	incrementalMin  = 0.05
	incrementalMax  = 0.9
	stealFactor     = 0.5  // incremental: share of opponents' votes moved is stealFactor × that share
	extremeSlackSD  = 0.01 // extreme: share stuffed and moved is 1 − |N(0, extremeSlackSD)|, at least 0.97
	extremeMaxSlack = 0.03
	shiftMin        = 0.15 // shift: share of the main opponent's votes moved, uniform in [shiftMin, shiftMax)
	shiftMax        = 0.6
	lateMin         = 0.6 // late-turnout: non-voters' share added, uniform in [lateMin, lateMax) …
	lateMax         = 0.95
	lateSurgeMin    = 1.1 // … but no more than this many times (uniform up to lateSurgeMax) what the machines take in the late bin
	lateSurgeMax    = 1.6
)

// falsify applies cfg.Fraud to the official sheets. Stations are picked
// per model among those no earlier model picked, with a chance that
// clusters by municipality and rises with the beneficiary's true share (a
// falsifier works where it controls the table), scaled so that the
// expected number picked is the model's fraction of all stations. The
// picked sheets are then falsified in station order.
func (s *sim) falsify(r *rand.Rand) {
	if len(s.cfg.Fraud) == 0 {
		return
	}
	g, C := s.geo, s.C
	n := len(g.stations)
	propensity := make([]float64, len(g.levels[g.clusterLevel()].name))
	for i := range propensity {
		propensity[i] = math.Exp(clusterSD * r.NormFloat64())
	}
	model := make([]int8, n) // 1 + index in cfg.Fraud; 0 = honest
	weight := make([]float64, n)
	picked := 0
	for m, fr := range s.cfg.Fraud {
		ben := choiceIndex(fr.Beneficiary, C)
		for c := range g.centers() {
			for i := g.first[c]; i < g.first[c+1]; i++ {
				weight[i] = 0
				if model[i] != 0 {
					continue
				}
				sh := &s.off[i].Sheet
				share := 0.0
				if v := sh.Valid(); v > 0 {
					share = float64(sh.Votes[ben]) / float64(v)
				}
				weight[i] = propensity[g.cluster[c]] * (strongholdBase + share)
			}
		}
		scale := fitScale(weight, fr.Fraction*float64(n))
		for i, w := range weight {
			if w > 0 && r.Float64() < scale*w {
				model[i] = int8(m + 1)
				picked++
			}
		}
	}
	deltas := make([]int64, picked*C)
	s.falsified = make([]Falsification, 0, picked)
	var arrive [bins - 1]binom
	var added [bins]int64
	next := 0 // position in s.sample
	for c := range g.centers() {
		// Voters added by stuffing arrive through the day like the real
		// ones; as in count, those of unsampled stations are drawn together.
		var spread int64
		for i := g.first[c]; i < g.first[c+1]; i++ {
			if model[i] == 0 {
				continue
			}
			fr := s.cfg.Fraud[model[i]-1]
			ben := choiceIndex(fr.Beneficiary, C)
			st, sh := &g.stations[i], &s.off[i].Sheet
			d := deltas[len(s.falsified)*C : (len(s.falsified)+1)*C : (len(s.falsified)+1)*C]
			copy(d, sh.Votes)
			f := Falsification{Station: st.Code, Model: fr.Model, Beneficiary: fr.Beneficiary,
				Blank: -sh.Blank, Null: -sh.Null, Ballots: -sh.Ballots, Voters: -sh.Voters}
			f.Late = applyFraud(r, fr.Model, sh, st, ben, s.mainOpponent(ben))
			f.Blank += sh.Blank
			f.Null += sh.Null
			f.Ballots += sh.Ballots
			f.Voters += sh.Voters
			changed := f.Blank != 0 || f.Null != 0 || f.Ballots != 0
			for j := range d {
				d[j] = sh.Votes[j] - d[j]
				changed = changed || d[j] != 0
			}
			if !changed {
				continue
			}
			f.Votes = d
			s.falsified = append(s.falsified, f)
			for next < len(s.sample) && s.sample[next] < i {
				next++
			}
			sampled := next < len(s.sample) && s.sample[next] == i
			clear(added[:])
			switch {
			case f.Late > 0: // late-turnout's voters all come just before closing
				added[lateBin] = f.Late
			case f.Voters > 0 && sampled:
				s.arrivals(c, arrive[:])
				drawMultinomial(r, f.Voters, arrive[:], added[:])
			default:
				spread += f.Voters
			}
			s.addFalsified(g.state[c], &added)
			if sampled {
				addBins(&s.sampleBins[next], &added)
			}
		}
		if spread > 0 {
			s.arrivals(c, arrive[:])
			drawMultinomial(r, spread, arrive[:], added[:])
			s.addFalsified(g.state[c], &added)
		}
	}
}

// clusterLevel is the level fraud clusters in: municipalities, or states
// when the election has no municipalities.
func (g *geography) clusterLevel() int {
	if l := slices.Index(g.kinds, "municipality"); l >= 0 {
		return l
	}
	return 0
}

// mainOpponent is the choice with the largest configured share other than
// ben.
func (s *sim) mainOpponent(ben int) int {
	opp := -1
	for j, sh := range s.cfg.Shares {
		if j != ben && (opp < 0 || sh > s.cfg.Shares[opp]) {
			opp = j
		}
	}
	return opp
}

// fitScale returns the scale k such that the sum of min(1, k·w) is want
// (or as close as the weights allow), by bisection.
func fitScale(w []float64, want float64) float64 {
	sum, most := 0.0, 0.0
	for _, x := range w {
		sum += x
		most = max(most, x)
	}
	if sum == 0 || want <= 0 {
		return 0
	}
	if k := want / sum; k*most <= 1 {
		return k // no weight reaches certainty: exact
	}
	lo, hi := want/sum, 1/minPositive(w)
	for range 60 {
		mid := (lo + hi) / 2
		got := 0.0
		for _, x := range w {
			got += min(1, mid*x)
		}
		if got < want {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func minPositive(w []float64) float64 {
	m := math.Inf(1)
	for _, x := range w {
		if x > 0 {
			m = min(m, x)
		}
	}
	return m
}

// lateCapacity is how many voters the station's machines can take in the
// late bin (17:30 to 18:00) at actas.DefaultSecondsPerVoter.
func lateCapacity(st *actas.Station) int64 {
	return max(1, st.Machines) * int64(binEnd[lateBin]-binEnd[lateBin-1]) * 60 / actas.DefaultSecondsPerVoter
}

// applyFraud falsifies one official sheet in place, keeping it internally
// consistent (choices + blank + null = ballots; voters move with ballots).
// It returns the voters added in the late bin.
func applyFraud(r *rand.Rand, model string, sh *actas.Sheet, st *actas.Station, ben, opp int) (late int64) {
	nonVoters := max(0, st.Registered-max(sh.Ballots, sh.Voters))
	stuff := func(k int64) {
		sh.Votes[ben] += k
		sh.Ballots += k
		sh.Voters += k
	}
	move := func(from *int64, share float64) {
		k := int64(math.Round(share * float64(*from)))
		*from -= k
		sh.Votes[ben] += k
	}
	switch model {
	case Incremental:
		x := min(incrementalMax, incrementalMin+math.Abs(incrementalSD*r.NormFloat64()))
		for j := range sh.Votes {
			if j != ben {
				move(&sh.Votes[j], stealFactor*x)
			}
		}
		stuff(int64(math.Round(x * float64(nonVoters))))
	case Extreme:
		x := 1 - min(extremeMaxSlack, math.Abs(extremeSlackSD*r.NormFloat64()))
		for j := range sh.Votes {
			if j != ben {
				move(&sh.Votes[j], x)
			}
		}
		move(&sh.Blank, x)
		move(&sh.Null, x)
		stuff(int64(math.Round(x * float64(nonVoters))))
	case Shift:
		move(&sh.Votes[opp], uniform(r, shiftMin, shiftMax))
	case LateTurnout:
		k := min(int64(math.Round(uniform(r, lateMin, lateMax)*float64(nonVoters))),
			int64(math.Ceil(uniform(r, lateSurgeMin, lateSurgeMax)*float64(lateCapacity(st)))))
		stuff(k)
		late = k
	}
	return late
}

// slipWitnesses puts a transcription slip into a few witness sheets: one
// digit of one count (a choice, blank, null or ballots) miscopied, so the
// sheet no longer adds up.
func (s *sim) slipWitnesses(r *rand.Rand) {
	rate := s.cfg.WitnessErrors
	if rate <= 0 {
		return
	}
	for w := range s.wit {
		if r.Float64() >= rate {
			continue
		}
		sh := &s.wit[w].Sheet
		field := r.IntN(s.C + 3)
		var p *int64
		name := ""
		switch {
		case field < s.C:
			p, name = &sh.Votes[field], s.ids[field]
		case field == s.C:
			p, name = &sh.Blank, "blank"
		case field == s.C+1:
			p, name = &sh.Null, "null"
		default:
			p, name = &sh.Ballots, "ballots"
		}
		slip := Slip{Station: sh.Station, Field: name, True: *p, Stated: slipDigit(r, *p)}
		*p = slip.Stated
		s.slips = append(s.slips, slip)
	}
}

// slipDigit returns v with one digit miscopied: replaced (often by a
// neighbouring digit), swapped with the next, dropped or doubled. The
// result differs from v and is not negative.
func slipDigit(r *rand.Rand, v int64) int64 {
	var buf, out [24]byte
	digits := strconv.AppendInt(buf[:0], v, 10)
	for {
		d := append(out[:0], digits...)
		i := r.IntN(len(d))
		switch kind := r.IntN(4); {
		case kind == 1 && len(d) > 1 && i+1 < len(d):
			d[i], d[i+1] = d[i+1], d[i]
		case kind == 2 && len(d) > 1:
			d = append(d[:i], d[i+1:]...)
		case kind == 3:
			d = append(d[:i+1], d[i:]...)
		default:
			step := byte(1 + r.IntN(9))
			if r.IntN(2) == 0 {
				step = 1 // neighbouring digits are the commonest slip
			}
			d[i] = '0' + (d[i]-'0'+step)%10
		}
		w, err := strconv.ParseInt(string(d), 10, 64)
		if err == nil && w != v && w >= 0 {
			return w
		}
	}
}

package estimate

import (
	"fmt"
	"math"

	"github.com/actasproject/actas"
)

// Thresholds of the coverage check. A variable is flagged when counted and
// uncounted stations differ on it by more than BalanceThreshold standard
// deviations (the usual line between negligible and meaningful imbalance:
// Austin 2009; Normand et al. 2001) and the difference is significant at
// BalanceAlpha over all the comparisons made (Bonferroni: each p-value is
// compared with BalanceAlpha divided by their number), so that chance alone
// raises the warning in at most 1% of random samples.
const (
	BalanceThreshold = 0.1
	BalanceAlpha     = 0.01
)

// CoverageCheck compares counted with uncounted stations on what is known of
// both. The stratified estimator corrects differences between strata; a
// difference within strata is what it cannot correct, so the flags look
// within strata (except the stratum mix, which is the between-strata
// difference itself).
type CoverageCheck struct {
	Threshold float64   `json:"threshold"`
	Alpha     float64   `json:"alpha"` // family-wise, over all the balances
	Balances  []Balance `json:"balances"`
	Biased    bool      `json:"biased"` // some balance is flagged
}

// Balance is one comparison of counted with uncounted stations.
type Balance struct {
	// Variable is "registered" (registered voters per station),
	// "stratum-mix" (how stations spread over the strata) or
	// "official-share:<choice>" (a choice's share on the official sheets).
	Variable  string  `json:"variable"`
	Counted   float64 `json:"counted"`   // mean over counted stations
	Uncounted float64 `json:"uncounted"` // mean over uncounted stations
	// RawSMD is the standardized difference ignoring strata: (mean counted
	// − mean uncounted) / √((s²_counted + s²_uncounted)/2).
	RawSMD float64 `json:"raw_smd"`
	// SMD is the difference within strata, weighted by the strata's
	// uncounted stations, over the pooled within-stratum standard
	// deviation; for the stratum mix, the multivariate standardized
	// difference of the mix with its chance part removed.
	SMD    float64 `json:"smd"`
	PValue float64 `json:"p_value"`
	// Projected and Actual, for an official share: the projection of the
	// official result from the counted stations' official sheets, and what
	// the official sheets of every station give.
	Projected *float64 `json:"projected,omitempty"`
	Actual    *float64 `json:"actual,omitempty"`
	Flag      bool     `json:"flag"`
	Note      string   `json:"note"`
}

// moments accumulates a count, sum and sum of squares.
type moments struct{ n, s, s2 float64 }

func (m *moments) add(x float64) { m.n++; m.s += x; m.s2 += x * x }
func (m moments) mean() float64 {
	if m.n == 0 {
		return 0
	}
	return m.s / m.n
}

// ss is the sum of squared deviations from the mean.
func (m moments) ss() float64 {
	if m.n == 0 {
		return 0
	}
	return max(0, m.s2-m.s*m.s/m.n)
}

func (m moments) variance() float64 {
	if m.n < 2 {
		return 0
	}
	return m.ss() / (m.n - 1)
}

// compare computes the balance of a station-level variable between counted
// and uncounted stations of the comparison set (inSet), within the groups
// the estimator uses. value reports false where the variable is unknown.
func compare(name string, n int, value func(i int) (float64, bool), inSet, counted []bool, groupOf []int32, G int) Balance {
	b := Balance{Variable: name, PValue: 1}
	var all [2]moments
	cells := make([][2]moments, G)
	for i := range n {
		if !inSet[i] {
			continue
		}
		x, ok := value(i)
		if !ok || !finite(x) {
			continue
		}
		k := 1
		if counted[i] {
			k = 0
		}
		all[k].add(x)
		cells[groupOf[i]][k].add(x)
	}
	b.Counted, b.Uncounted = all[0].mean(), all[1].mean()
	if all[0].n == 0 || all[1].n == 0 {
		b.Note = "no comparison: every station with a known value is counted, or none is"
		return b
	}
	if sd := math.Sqrt((all[0].variance() + all[1].variance()) / 2); sd > 0 {
		b.RawSMD = (b.Counted - b.Uncounted) / sd
	}
	var diff, U, ssw, dfw float64
	for _, c := range cells {
		for k := range 2 {
			if c[k].n > 0 {
				ssw += c[k].ss()
				dfw += c[k].n - 1
			}
		}
		if c[0].n > 0 && c[1].n > 0 {
			U += c[1].n
		}
	}
	if U == 0 {
		b.Note = "no stratum has both counted and uncounted stations with a known value"
		return b
	}
	var varFactor float64
	for _, c := range cells {
		if c[0].n > 0 && c[1].n > 0 {
			w := c[1].n / U
			diff += w * (c[0].mean() - c[1].mean())
			varFactor += w * w * (1/c[0].n + 1/c[1].n)
		}
	}
	if dfw <= 0 || ssw <= 0 {
		b.Note = "the variable does not vary within strata"
		return b
	}
	sw := math.Sqrt(ssw / dfw)
	b.SMD = diff / sw
	b.PValue = normalTwoSided(diff / (sw * math.Sqrt(varFactor)))
	return b
}

// stratumMix compares how counted and uncounted stations spread over the
// strata. With p_c, p_u their shares of stratum k and q_k the stratum's
// share of all stations, d² = Σ_k (p_ck − p_uk)²/q_k is the multivariate
// standardized difference of the mix (Yang & Dalton 2012) with the pooled
// multinomial covariance; d²·C·U/(C+U) is Pearson's chi-square of
// independence between stratum and being counted, whose expectation under
// chance, (H−1)(1/C + 1/U) in d² units, is removed before comparing with the
// threshold.
func stratumMix(stratumOf []int32, H int, inSet, counted []bool) Balance {
	b := Balance{Variable: "stratum-mix", PValue: 1}
	c := make([]float64, H)
	u := make([]float64, H)
	var C, U float64
	for i, in := range inSet {
		if !in {
			continue
		}
		if counted[i] {
			c[stratumOf[i]]++
			C++
		} else {
			u[stratumOf[i]]++
			U++
		}
	}
	if C == 0 || U == 0 || H < 2 {
		b.Note = "no comparison: one stratum, or every station is counted"
		return b
	}
	var d2, df float64
	for k := range H {
		q := (c[k] + u[k]) / (C + U)
		if q == 0 {
			continue
		}
		df++
		diff := c[k]/C - u[k]/U
		d2 += diff * diff / q
	}
	df--
	b.RawSMD = math.Sqrt(d2)
	b.SMD = math.Sqrt(max(0, d2-df*(1/C+1/U)))
	b.PValue = chiSquareSF(d2*C*U/(C+U), df)
	b.Counted, b.Uncounted = C, U
	b.Note = fmt.Sprintf("counted and uncounted stations over %d strata; counted and uncounted give the numbers of stations", int(df)+1)
	return b
}

// coverageInput is what the check needs beyond the panel.
type coverageInput struct {
	p         *actas.Panel
	s         *settings
	inSet     []bool // the stations compared (all, or a quick count's sample)
	counted   []bool
	stratumOf []int32 // the user's strata
	H         int
	groupOf   []int32 // the estimator's groups
	d         *design
}

// check runs every comparison and states the flagged ones as warnings.
func (in *coverageInput) check() (CoverageCheck, []string) {
	cc := CoverageCheck{Threshold: BalanceThreshold, Alpha: BalanceAlpha}
	p := in.p
	n := len(p.Stations)
	reg := compare("registered", n, func(i int) (float64, bool) {
		r := p.Stations[i].Registered
		return float64(r), r > 0
	}, in.inSet, in.counted, in.groupOf, in.d.G)
	reg.Note = joinNote(reg.Note, "registered voters per station (stations without a list left out)")
	cc.Balances = append(cc.Balances, reg, stratumMix(in.stratumOf, in.H, in.inSet, in.counted))
	if off := in.s.Official; off != nil {
		cc.Balances = append(cc.Balances, in.official(off)...)
	}
	var warnings []string
	alpha := BalanceAlpha / float64(len(cc.Balances))
	for k := range cc.Balances {
		b := &cc.Balances[k]
		b.Flag = math.Abs(b.SMD) > BalanceThreshold && b.PValue < alpha
		if !b.Flag {
			continue
		}
		cc.Biased = true
		switch {
		case b.Variable == "stratum-mix":
			warnings = append(warnings, fmt.Sprintf("Coverage is uneven across the %s strata (standardized difference %.2f, p = %.2g): the projection reweights the strata, but whatever made some strata better covered than others may also act within them, which no reweighting corrects.", in.s.Strata, b.SMD, b.PValue))
		case b.Projected != nil:
			warnings = append(warnings, fmt.Sprintf("Coverage may be biased: within strata, counted stations differ from uncounted ones on the official sheets' %s (standardized difference %.2f, p = %.2g); projected from the counted stations' official sheets the official share would be %.2f%%, while all official sheets give %.2f%%. Either the counted stations are not like the others, or the official sheets of the uncounted ones were altered: this check cannot tell which.", b.Variable, b.SMD, b.PValue, 100**b.Projected, 100**b.Actual))
		default:
			warnings = append(warnings, fmt.Sprintf("Coverage may be biased: within strata, counted stations differ from uncounted ones in %s (mean %.0f against %.0f; standardized difference %.2f, p = %.2g). Treat the intervals as too narrow.", b.Variable, b.Counted, b.Uncounted, b.SMD, b.PValue))
		}
	}
	return cc, warnings
}

// official compares counted with uncounted stations on each choice's share
// on the official sheets, and projects the official result from the
// counted stations' official sheets with the estimator's weights: the
// projection's error on a result known for every station.
func (in *coverageInput) official(off *actas.Panel) []Balance {
	d := in.d
	J := len(in.p.Contest.Choices)
	den := func(sh *actas.Sheet) float64 {
		if in.s.Denominator == Ballots {
			return float64(sh.Ballots)
		}
		return float64(sh.Valid())
	}
	var out []Balance
	for j, ch := range in.p.Contest.Choices {
		b := compare("official-share:"+ch.ID, len(off.Stations), func(i int) (float64, bool) {
			sh := off.Sheets[i]
			if sh == nil || len(sh.Votes) != J {
				return 0, false
			}
			z := den(sh)
			return float64(sh.Votes[j]) / z, z > 0
		}, in.inSet, in.counted, in.groupOf, d.G)
		var py, pz, ay, az float64
		for i, sh := range off.Sheets {
			if sh == nil || len(sh.Votes) != J {
				continue
			}
			ay += float64(sh.Votes[j])
			az += den(sh)
			if in.counted[i] {
				w := d.w[in.groupOf[i]]
				py += w * float64(sh.Votes[j])
				pz += w * den(sh)
			}
		}
		if pz > 0 && az > 0 {
			proj, act := py/pz, ay/az
			b.Projected, b.Actual = &proj, &act
		}
		b.Note = joinNote(b.Note, "share of "+in.s.Denominator+" votes on each station's official sheet")
		out = append(out, b)
	}
	return out
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return b + "; " + a
}

package forensics

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// FingerprintResult is the turnout × leader-share histogram of a panel
// (Klimek et al. 2012), ready to draw as a heat map, and, for every
// choice, how many stations sit in the upper-right corner (turnout and the
// choice's share both above Corner) compared with what the bulk of
// stations predicts. Every choice is examined because the falsifier need
// not be the leader: the map is drawn for Leader, and Options.Leader draws
// it for another choice.
//
// Per station, as in the paper: turnout = valid votes ÷ registered voters,
// a choice's share = its votes ÷ valid votes. Stations without registered
// voters (unknown list) or without valid votes are left out; those whose
// turnout exceeds 1 are counted in Over100 and left off the map
// (ImpossibleSheets lists them).
type FingerprintResult struct {
	Leader   string `json:"leader"`   // the choice whose share the map shows
	Stations int64  `json:"stations"` // stations on the map
	Votes    int64  `json:"votes"`    // their valid votes
	Excluded int64  `json:"excluded"` // counted stations without registered voters or valid votes
	Over100  int64  `json:"over_100"` // stations with turnout above 100%, off the map

	// Bin edges, Bins+1 of them from 0 to 1. A value equal to an inner
	// edge belongs to the bin above it; 1 belongs to the last bin.
	TurnoutEdges []float64 `json:"turnout_edges"`
	ShareEdges   []float64 `json:"share_edges"`
	// StationGrid[s][t] counts the stations whose leader's share falls in
	// share bin s and turnout in turnout bin t (rows bottom to top, columns
	// left to right); VoteGrid sums their valid votes.
	StationGrid [][]int64 `json:"station_grid"`
	VoteGrid    [][]int64 `json:"vote_grid"`

	Corner  float64      `json:"corner"`
	Corners []CornerTest `json:"corners"` // one per choice, in ballot order
	// Worst indexes the corner the summary reports: the flagged one with
	// the largest excess, or when none is flagged the one with the
	// smallest p-value.
	Worst int `json:"worst"`
	// Flag: some choice's corner holds significantly more stations than
	// its fit predicts (p < Alpha ÷ the number of choices), by at least
	// 0.1% of the stations on the map and at least 5 stations.
	Flag bool   `json:"flag"`
	Note string `json:"note"`
}

// CornerTest is one choice's upper-right corner.
type CornerTest struct {
	Choice    string  `json:"choice"`
	Stations  int64   `json:"stations"`
	Share     float64 `json:"share"`      // of the stations on the map
	VoteShare float64 `json:"vote_share"` // of their valid votes
	// ExpectedShare is the corner's share of stations under a bivariate
	// normal fitted robustly to the logits of turnout and the choice's
	// share (Fit); Expected = ExpectedShare × stations on the map, SD its
	// binomial spread.
	ExpectedShare float64 `json:"expected_share"`
	Expected      float64 `json:"expected_stations"`
	SD            float64 `json:"sd"`
	Excess        float64 `json:"excess"`  // Stations − Expected
	PValue        float64 `json:"p_value"` // P(Binomial(stations on the map, ExpectedShare) ≥ Stations)
	Fit           Fit     `json:"fit"`
	Flag          bool    `json:"flag"`
}

// Fit is the bivariate normal a corner's expectation comes from, on the
// logit scale: centers are medians, scales 1.4826 × the median absolute
// deviation, and the correlation is Gnanadesikan and Kettenring's robust
// one. A minority of falsified stations moves none of them much. It is
// fitted to at most fitSample stations, evenly spaced in panel order.
type Fit struct {
	TurnoutCenter float64 `json:"turnout_center"` // logit
	TurnoutScale  float64 `json:"turnout_scale"`
	ShareCenter   float64 `json:"share_center"` // logit
	ShareScale    float64 `json:"share_scale"`
	Correlation   float64 `json:"correlation"`
}

// fitSample bounds the stations a fit uses: robust estimates from 100,000
// stations are as good as from a million, at a tenth of the cost per choice.
const fitSample = 100_000

// Fingerprint computes the turnout × leader-share histogram of the panel
// and every choice's corner statistic. Errors: those of Run's options and
// panel; EINVALID when no station has both registered voters and valid
// votes.
func Fingerprint(p *actas.Panel, o Options) (*FingerprintResult, error) {
	o, leader, err := prepare(p, o)
	if err != nil {
		return nil, err
	}
	bins, k := o.Bins, len(p.Contest.Choices)
	r := &FingerprintResult{
		Leader: p.Contest.Choices[leader].ID, Corner: o.Corner,
		TurnoutEdges: edges(bins), ShareEdges: edges(bins),
		StationGrid: grid(bins), VoteGrid: grid(bins), Corners: make([]CornerTest, k),
	}
	cornerVotes := make([]int64, k)
	onMap := make([]int32, 0, len(p.Sheets)) // panel indexes of the stations on the map
	for i, s := range p.Sheets {
		if s == nil {
			continue
		}
		reg, valid := p.Stations[i].Registered, s.Valid()
		if reg <= 0 || valid <= 0 {
			r.Excluded++
			continue
		}
		if valid > reg {
			r.Over100++
			continue
		}
		ti, si := bin(valid, reg, bins), bin(s.Votes[leader], valid, bins)
		r.StationGrid[si][ti]++
		r.VoteGrid[si][ti] += valid
		r.Stations++
		r.Votes += valid
		onMap = append(onMap, int32(i))
		if float64(valid)/float64(reg) > o.Corner {
			for j, v := range s.Votes {
				if float64(v)/float64(valid) > o.Corner {
					r.Corners[j].Stations++
					cornerVotes[j] += valid
				}
			}
		}
	}
	if r.Stations == 0 {
		return nil, actas.Errorf(actas.EINVALID, "forensics: fingerprint: no %s sheet has both registered voters and valid votes", p.Source)
	}

	// The fits: turnout's logits once, each choice's share against them.
	// Half a vote on each side keeps the logits finite at 0% and 100%.
	stride := (len(onMap) + fitSample - 1) / fitSample
	sample := make([]int32, 0, len(onMap)/stride+1)
	for i := 0; i < len(onMap); i += stride {
		sample = append(sample, onMap[i])
	}
	lt := make([]float64, len(sample))
	ls := make([]float64, len(sample))
	for n, i := range sample {
		valid := float64(p.Sheets[i].Valid())
		lt[n] = logit((valid + 0.5) / (float64(p.Stations[i].Registered) + 1))
	}
	tf := fitTurnout(lt)
	work, scratch := make([]float64, len(sample)), make([]float64, len(sample))
	minExcess := max(5, 0.001*float64(r.Stations))
	for j := range r.Corners {
		c := &r.Corners[j]
		c.Choice = p.Contest.Choices[j].ID
		c.Share = float64(c.Stations) / float64(r.Stations)
		c.VoteShare = float64(cornerVotes[j]) / float64(r.Votes)
		for n, i := range sample {
			s := p.Sheets[i]
			ls[n] = logit((float64(s.Votes[j]) + 0.5) / (float64(s.Valid()) + 1))
		}
		c.Fit = tf.withShare(lt, ls, work, scratch)
		c.ExpectedShare = c.Fit.upper(o.Corner)
		c.Expected = c.ExpectedShare * float64(r.Stations)
		c.SD = math.Sqrt(c.Expected * (1 - c.ExpectedShare))
		c.Excess = float64(c.Stations) - c.Expected
		c.PValue = binomialUpper(c.Stations, r.Stations, c.ExpectedShare)
		c.Flag = c.PValue < o.Alpha/float64(k) && c.Excess >= minExcess
		r.Flag = r.Flag || c.Flag
	}
	for j := range r.Corners {
		c, w := &r.Corners[j], &r.Corners[r.Worst]
		switch {
		case c.Flag != w.Flag:
			if c.Flag {
				r.Worst = j
			}
		case c.Flag && c.Excess > w.Excess, !c.Flag && (c.PValue < w.PValue || (c.PValue == w.PValue && c.Excess > w.Excess)):
			r.Worst = j
		}
	}
	r.Note = r.note(p.Source)
	return r, nil
}

// Test returns the fingerprint's summary, for the corner Worst names: the
// statistic is the number of stations in that corner; excess and sd are in
// stations.
func (r *FingerprintResult) Test() Test {
	c := &r.Corners[r.Worst]
	return Test{Name: NameFingerprint, Statistic: float64(c.Stations), PValue: f(c.PValue),
		Excess: f(c.Excess), SD: f(c.SD), Flag: r.Flag, Note: r.Note}
}

func (r *FingerprintResult) note(source actas.Source) string {
	c := &r.Corners[r.Worst]
	pc := pct(r.Corner)
	s := fmt.Sprintf("%s of %s %s stations (%s of their valid votes) report both turnout and %s's share above %s; "+
		"a normal fit to the bulk of stations predicts %s (%s). ",
		count(c.Stations), count(r.Stations), source, pct(c.VoteShare), c.Choice, pc,
		fmtFloat(c.Expected), pct(c.ExpectedShare))
	if r.Flag {
		s += "The excess is what ballot stuffing and written-up results produce (a smear towards the upper right, " +
			"a cluster near 100% and 100%). "
		var others []string
		for j := range r.Corners {
			if c := &r.Corners[j]; c.Flag && j != r.Worst {
				others = append(others, fmt.Sprintf("%s (%s stations)", c.Choice, count(c.Stations)))
			}
		}
		if len(others) > 0 {
			s += "Also flagged: " + strings.Join(others, ", ") + ". "
		}
	} else {
		s += "No choice has a significant excess there. "
	}
	if r.Over100 > 0 {
		s += fmt.Sprintf("%s stations report more valid votes than registered voters and are off the map. ", count(r.Over100))
	}
	return s + "A flag, not proof: closed communities, military units, hospitals and small stations can vote " +
		"almost unanimously with very high turnout; look at where the corner stations are and at their sheets."
}

// fitTurnout fits the turnout half of a Fit to the logits x.
func fitTurnout(x []float64) Fit {
	work := slices.Clone(x)
	var fit Fit
	fit.TurnoutCenter = median(work)
	copy(work, x)
	fit.TurnoutScale = madScale(work, fit.TurnoutCenter)
	return fit
}

// withShare completes a turnout fit with the share logits y of the same
// stations as x; work and scratch are buffers of their length.
func (fit Fit) withShare(x, y, work, scratch []float64) Fit {
	copy(work, y)
	fit.ShareCenter = median(work)
	copy(work, y)
	fit.ShareScale = madScale(work, fit.ShareCenter)
	sx, sy := fit.TurnoutScale, fit.ShareScale
	if sx <= 0 || sy <= 0 {
		return fit // a degenerate panel (e.g. one station): no correlation
	}
	// Gnanadesikan–Kettenring: with u, v standardized, the robust
	// variances of u+v and u−v give the correlation.
	spread := func(sign float64) float64 {
		for i := range x {
			work[i] = (x[i]-fit.TurnoutCenter)/sx + sign*(y[i]-fit.ShareCenter)/sy
		}
		copy(scratch, work)
		return madScale(work, median(scratch))
	}
	plus, minus := spread(1), spread(-1)
	if d := plus*plus + minus*minus; d > 0 {
		fit.Correlation = (plus*plus - minus*minus) / d
	}
	return fit
}

// upper is the fitted probability that turnout and share both exceed c.
func (fit Fit) upper(c float64) float64 {
	l := logit(c)
	h := standardize(l, fit.TurnoutCenter, fit.TurnoutScale)
	k := standardize(l, fit.ShareCenter, fit.ShareScale)
	return bivariateUpper(h, k, fit.Correlation)
}

// standardize returns (x − c) / s; a zero scale puts every station at the
// center, which a threshold is either above (+∞) or below (−∞).
func standardize(x, c, s float64) float64 {
	if s > 0 {
		return (x - c) / s
	}
	if x >= c {
		return math.Inf(1)
	}
	return math.Inf(-1)
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// bin returns the bin of num/den (0 ≤ num ≤ den, den > 0) among n equal
// bins of [0, 1], the last one closed; in integers, so that a ratio on an
// edge (29 of 100) lands in the bin the edge opens, which float rounding
// would not guarantee.
func bin(num, den int64, n int) int {
	return max(0, min(n-1, int(num*int64(n)/den)))
}

func edges(n int) []float64 {
	e := make([]float64, n+1)
	for i := range e {
		e[i] = float64(i) / float64(n)
	}
	return e
}

// grid returns an n × n matrix sharing one allocation.
func grid(n int) [][]int64 {
	cells := make([]int64, n*n)
	g := make([][]int64, n)
	for i := range g {
		g[i] = cells[i*n : (i+1)*n : (i+1)*n]
	}
	return g
}

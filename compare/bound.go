package compare

import (
	"fmt"
	"math"
	"strconv"

	"github.com/actasproject/actas"
)

// Verdict is Bound's answer.
type Verdict string

const (
	// Impossible: the official total cannot be reached whatever the
	// uncounted stations hold, if the counted sheets are authentic.
	Impossible Verdict = "impossible"
	// Implausible: it can be reached only if the uncounted stations, taken
	// together, voted beyond the extreme tail of what single counted
	// stations of the same strata show.
	Implausible Verdict = "implausible"
	// Plausible: neither; this does not show that the official total is
	// right.
	Plausible Verdict = "plausible"
	// Undetermined: no hard contradiction, and the comparison with counted
	// stations cannot be made (too few counted stations, a bulletin that
	// states no ballots or claims partial coverage).
	Undetermined Verdict = "undetermined"
)

// Defaults of BoundOptions.
const (
	DefaultZ          = 3.29  // two-sided 0.001 of a normal distribution
	DefaultPercentile = 0.999 // and its empirical counterpart, each tail
	DefaultMinCounted = 30
	DefaultMinStratum = 10
)

// Reason codes. The first six make a result impossible, the last two
// implausible.
const (
	ReasonNegative           = "negative-requirement" // official below counted for a choice, blank or null
	ReasonNegativeBallots    = "negative-ballots"     // official ballots below counted ballots
	ReasonExceedsBallots     = "exceeds-ballots"      // one choice needs more votes than the uncounted ballots
	ReasonSumExceedsBallots  = "sum-exceeds-ballots"  // the positive requirements together do
	ReasonNegativeRegistered = "negative-registered"  // official registered below counted registered
	ReasonExceedsRegistered  = "exceeds-registered"   // uncounted ballots exceed uncounted registered voters
	ReasonImplausibleShare   = "implausible-share"
	ReasonImplausibleTurnout = "implausible-turnout"
)

// BoundOptions tunes Bound. The zero value selects every default.
type BoundOptions struct {
	// Level names the strata: a name of Election.Levels, or actas.National
	// for one stratum; "" is the first level. A level above the bulletin's
	// area makes the area the one stratum.
	Level string
	// Z is the |z-score| beyond which a requirement is extreme; 0 is
	// DefaultZ.
	Z float64
	// Percentile is the upper percentile beyond which (or below 1 −
	// Percentile) a requirement is extreme; 0 is DefaultPercentile. A
	// requirement is extreme when Z or Percentile says so (see Test).
	Percentile float64
	// MinCounted is the fewest counted stations with ballots in the area
	// for the comparison to be made; 0 is DefaultMinCounted.
	MinCounted int
	// MinStratum is the fewest counted stations with ballots a stratum
	// needs to stand for its own uncounted stations; one with fewer is
	// compared with its parent area (up to the whole area). 0 is
	// DefaultMinStratum.
	MinStratum int
}

func (o *BoundOptions) normalize() error {
	if o.Z == 0 {
		o.Z = DefaultZ
	}
	if !(o.Z > 0) || math.IsInf(o.Z, 0) {
		return actas.Errorf(actas.EINVALID, "bound: z %v must be a positive number (default %v)", o.Z, DefaultZ)
	}
	if o.Percentile == 0 {
		o.Percentile = DefaultPercentile
	}
	if !(o.Percentile > 0.5 && o.Percentile < 1) {
		return actas.Errorf(actas.EINVALID, "bound: percentile %v must be in (0.5, 1), e.g. 0.999 (default %v)", o.Percentile, DefaultPercentile)
	}
	if o.MinCounted == 0 {
		o.MinCounted = DefaultMinCounted
	}
	if o.MinStratum == 0 {
		o.MinStratum = DefaultMinStratum
	}
	if o.MinCounted < 1 || o.MinStratum < 1 {
		return actas.Errorf(actas.EINVALID, "bound: min counted %d and min stratum %d must be at least 1", o.MinCounted, o.MinStratum)
	}
	return nil
}

// BoundReport is what the uncounted stations would have to contain for an
// official bulletin to be true. JSON keys follow DESIGN.md ("bound").
type BoundReport struct {
	Election string       `json:"election"`
	Contest  string       `json:"contest"`
	Source   actas.Source `json:"source"` // of the counted sheets
	Bulletin string       `json:"bulletin"`
	Area     string       `json:"area"`  // path; "national" for the whole election
	Level    string       `json:"level"` // of the strata
	Verdict  Verdict      `json:"verdict"`
	Summary  string       `json:"summary"` // one sentence, with the numbers
	Reasons  []Reason     `json:"reasons"`
	// Choices holds the choices whose official total the bulletin states.
	Choices map[string]*ChoiceBound `json:"choices"`
	// Figures holds blank and null when the bulletin states them.
	Figures   map[string]*FigureBound `json:"figures"`
	Counted   CountedSide             `json:"counted"`
	Uncounted UncountedSide           `json:"uncounted"`
	// Strata are the areas of Level in the bulletin's area, in the order
	// their first station was created.
	Strata     []*Stratum `json:"strata"`
	Thresholds Thresholds `json:"thresholds"`
	Caveats    []string   `json:"caveats"`
}

// Reason is one finding behind a verdict, with its numbers.
type Reason struct {
	Code string `json:"code"`
	// Choice is a choice id, "blank" or "null"; empty for ballots and
	// registered voters.
	Choice     string   `json:"choice,omitempty"`
	Required   *int64   `json:"required,omitempty"`
	Limit      *int64   `json:"limit,omitempty"` // what the requirement exceeds, or falls below
	Z          *float64 `json:"z,omitempty"`
	Percentile *float64 `json:"percentile,omitempty"`
	Text       string   `json:"text"`
}

// ChoiceBound is one choice's requirement. Shares are of ballots (votes for
// choices, blank and null), fractions 0–1.
type ChoiceBound struct {
	Counted  int64 `json:"counted"`
	Official int64 `json:"official"`
	Required int64 `json:"required"` // official − counted
	// RequiredShare is Required over the uncounted stations' ballots;
	// null when those are unknown or not positive.
	RequiredShare *float64 `json:"required_share"`
	CountedShare  float64  `json:"counted_share"` // of the counted ballots
	// Expected is the votes the uncounted ballots would give the choice if
	// the uncounted stations voted like the counted ones of their strata;
	// null when not computed.
	Expected *int64 `json:"expected"`
	Test     *Test  `json:"test,omitempty"`
}

// FigureBound is the requirement for blank or null ballots.
type FigureBound struct {
	Counted  int64 `json:"counted"`
	Official int64 `json:"official"`
	Required int64 `json:"required"`
}

// CountedSide describes the counted stations C of the area.
type CountedSide struct {
	Stations   int64   `json:"stations"`
	Registered int64   `json:"registered"`
	Ballots    int64   `json:"ballots"`
	Turnout    float64 `json:"turnout"` // ballots / registered; 0 when unknown
}

// UncountedSide describes the uncounted stations U and what they must hold.
type UncountedSide struct {
	// Stations is how many stations of the station list have no sheet,
	// or a sheet set aside.
	Stations int64 `json:"stations"`
	// SetAside is how many of them have a sheet that does not add up
	// (votes for choices + blank + null ≠ ballots): such a sheet is treated
	// as uncounted, so that its own arithmetic cannot make a requirement
	// look impossible.
	SetAside int64 `json:"set_aside"`
	// Registered is U's registered voters; null when unknown.
	Registered *int64 `json:"registered"`
	// RegisteredBasis: "bulletin" (its registered minus the counted
	// stations'), "station list" (the uncounted stations'), or "unknown".
	RegisteredBasis string `json:"registered_basis"`
	// Unlisted is how many registered voters the bulletin counts beyond
	// the station list's (stations the project does not know); 0 when
	// none or unknown.
	Unlisted int64 `json:"unlisted_registered"`
	// Ballots is the ballots U must hold: the official ballots minus the
	// counted ones; null when the bulletin does not let them be known.
	Ballots *int64 `json:"ballots"`
	// BallotsBasis: "ballots", "voters" (the bulletin states no ballots but
	// voters), "sum" (its choices, blank and null added up), or "unknown".
	BallotsBasis string `json:"ballots_basis"`
	// RequiredTurnout is Ballots over Registered; null when either is
	// unknown or Registered is not positive.
	RequiredTurnout *float64 `json:"required_turnout"`
	TurnoutTest     *Test    `json:"turnout_test,omitempty"`
}

// Test sets a requirement (a share of U's ballots, or U's turnout) against
// the distribution of the same quantity over single counted stations of
// U's strata, each stratum weighted by its share of U (see the method
// note).
type Test struct {
	Required float64 `json:"required"`
	Mean     float64 `json:"mean"` // what U would show if it voted like its strata's counted stations
	SD       float64 `json:"sd"`   // between counted stations
	// Z is (Required − Mean) / SD; null when SD is 0.
	Z *float64 `json:"z"`
	// Percentile is the weighted fraction of counted stations below
	// Required, counting ties half.
	Percentile float64 `json:"percentile"`
	Stations   int64   `json:"stations"` // counted stations in the reference
	// Extreme is set when either criterion says so: Criteria lists which,
	// "z" and/or "percentile". The percentile criterion needs at least
	// 1/(1 − Percentile) stations (1,000 by default) to resolve that tail.
	Extreme  bool     `json:"extreme"`
	Criteria []string `json:"criteria"`
}

// Stratum is one area of the strata level within the bulletin's area.
type Stratum struct {
	Area                string `json:"area"`
	Stations            int64  `json:"stations"`
	Counted             int64  `json:"counted"`
	Uncounted           int64  `json:"uncounted"`
	RegisteredUncounted int64  `json:"registered_uncounted"`
	// Weight is the stratum's share of U: of U's registered voters (or of
	// its stations when some have no registered count).
	Weight float64 `json:"weight"`
	// Reference is the area whose counted stations stand for this
	// stratum's uncounted ones: itself, or a parent when it has fewer than
	// MinStratum counted stations; empty when it has no uncounted station.
	Reference      string             `json:"reference,omitempty"`
	CountedTurnout float64            `json:"counted_turnout"`
	CountedShares  map[string]float64 `json:"counted_shares"` // of ballots
}

// Thresholds are the options Bound used.
type Thresholds struct {
	Z          float64 `json:"z"`
	Percentile float64 `json:"percentile"`
	MinCounted int     `json:"min_counted"`
	MinStratum int     `json:"min_stratum"`
}

// agg sums one area's stations: all of them, the uncounted ones, and the
// counted ones usable for the comparison (ballots > 0; the T fields those
// of them with registered voters).
type agg struct {
	stations, counted   int64
	uncounted, regUnc   int64
	unknownRegUncounted int64
	n, nT               int64
	ballots             int64
	ballotsT, regT      int64
	votes               []int64
	mass                float64 // the weight of U this area stands for as a reference
}

// Bound says what the stations without a sheet in panel p would have to
// contain for bulletin o to be true, within o's area. See the method note
// for the formulas. Errors: EINVALID for a malformed panel or bulletin or a
// bad option (naming it); ENOTFOUND when o's area holds no station.
func Bound(p *actas.Panel, o *actas.Bulletin, opts BoundOptions) (*BoundReport, error) {
	if err := checkPanel(p, "panel"); err != nil {
		return nil, err
	}
	if err := checkBulletin(p, o); err != nil {
		return nil, err
	}
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	area, areaParts, found, err := checkArea(p, o.Area)
	if err != nil {
		return nil, fmt.Errorf("bulletin %s: %w", o.ID, err)
	}
	if !found {
		return nil, actas.Errorf(actas.ENOTFOUND, "bound: bulletin %s: no station of election %s lies in area %s",
			o.ID, p.Election.ID, actas.DisplayPath(area))
	}
	parts, level, err := levelParts(p.Election, opts.Level)
	if err != nil {
		return nil, err
	}
	if parts < areaParts {
		parts = areaParts
	}
	b := &bounder{p: p, o: o, opts: opts, area: area, areaParts: areaParts, parts: parts, k: len(p.Contest.Choices)}
	b.r = &BoundReport{
		Election: p.Election.ID, Contest: p.Contest.ID, Source: p.Source, Bulletin: o.ID, Area: actas.DisplayPath(area),
		Level: level, Reasons: []Reason{}, Choices: map[string]*ChoiceBound{}, Figures: map[string]*FigureBound{},
		Strata: []*Stratum{}, Caveats: []string{},
		Thresholds: Thresholds{Z: opts.Z, Percentile: opts.Percentile, MinCounted: opts.MinCounted, MinStratum: opts.MinStratum},
	}
	b.gather()
	b.requirements()
	b.hardChecks()
	b.compare()
	b.verdict()
	return b.r, nil
}

// bounder holds one Bound computation.
type bounder struct {
	p                *actas.Panel
	o                *actas.Bulletin
	opts             BoundOptions
	area             string
	areaParts        int
	parts            int
	k                int
	r                *BoundReport
	t                tally   // counted totals of the area
	sidx             []int32 // stratum of each station; -1 outside the area
	strata           *areaIndex
	sa               []*agg          // per stratum
	aggs             map[string]*agg // per area from the area's level to the strata's
	ru, bu           int64           // U's registered voters and ballots
	ruKnown, buKnown bool
	req              []int64 // per choice; valid where o.Votes[j] ≥ 0
	partial          bool    // the bulletin claims to cover only part of the stations
	omitted          int64   // for a partial bulletin: how many counted stations it may leave out
	fallbacks        int     // strata compared with a parent area
	setAside         int64   // counted sheets that do not add up, treated as uncounted
	noReference      bool
}

// gather sums the area's stations per stratum.
func (b *bounder) gather() {
	p, k := b.p, b.k
	b.t = tally{votes: make([]int64, k)}
	b.sidx = make([]int32, len(p.Stations))
	b.strata = newAreaIndex(b.parts)
	for i := range p.Stations {
		st := &p.Stations[i]
		if !inArea(st.Area, b.area) {
			b.sidx[i] = -1
			continue
		}
		si := b.strata.of(st.Area)
		if si == len(b.sa) {
			b.sa = append(b.sa, &agg{votes: make([]int64, k)})
		}
		b.sidx[i] = int32(si)
		a := b.sa[si]
		a.stations++
		s := p.Sheets[i]
		if s != nil && !addsUp(s) {
			// A sheet that does not add up states two different ballot
			// totals; it is set aside, as if uncounted, so that its
			// arithmetic cannot make a requirement look impossible.
			b.setAside++
			s = nil
		}
		b.t.add(st, s)
		if s == nil {
			a.uncounted++
			a.regUnc += st.Registered
			if st.Registered <= 0 {
				a.unknownRegUncounted++
			}
			continue
		}
		a.counted++
		if s.Ballots <= 0 {
			continue
		}
		a.n++
		a.ballots += s.Ballots
		for j, v := range s.Votes {
			a.votes[j] += v
		}
		if st.Registered > 0 {
			a.nT++
			a.regT += st.Registered
			a.ballotsT += s.Ballots
		}
	}
	// Areas between the bulletin's and the strata's level, and the
	// bulletin's area itself, sum their strata.
	b.aggs = map[string]*agg{}
	for si, path := range b.strata.paths {
		s := b.sa[si]
		b.aggs[path] = s
		for q := b.parts - 1; q >= b.areaParts; q-- {
			up := areaPrefix(path, q)
			a := b.aggs[up]
			if a == nil {
				a = &agg{votes: make([]int64, k)}
				b.aggs[up] = a
			}
			a.add(s)
		}
	}
	b.r.Counted = CountedSide{Stations: b.t.counted, Registered: b.t.registeredCount, Ballots: b.t.ballots,
		Turnout: ratio(b.t.ballots, b.t.registeredCount)}
}

func (a *agg) add(s *agg) {
	a.n += s.n
	a.nT += s.nT
	a.ballots += s.ballots
	a.ballotsT += s.ballotsT
	a.regT += s.regT
	for j, v := range s.votes {
		a.votes[j] += v
	}
	a.stations += s.stations
	a.counted += s.counted
	a.uncounted += s.uncounted
	a.regUnc += s.regUnc
	a.unknownRegUncounted += s.unknownRegUncounted
}

// requirements computes U's registered voters and ballots and what each
// choice requires.
func (b *bounder) requirements() {
	o, t, r := b.o, &b.t, b.r
	u := &r.Uncounted
	var unknownUnc, regUnc int64
	for _, s := range b.sa {
		u.Stations += s.uncounted
		unknownUnc += s.unknownRegUncounted
		regUnc += s.regUnc
	}
	u.SetAside = b.setAside
	switch {
	case o.Registered >= 0:
		b.ru, b.ruKnown, u.RegisteredBasis = o.Registered-t.registeredCount, true, "bulletin"
		if d := o.Registered - t.registered; d > 0 && t.unknownRegistered == 0 {
			u.Unlisted = d
		}
	case unknownUnc == 0:
		b.ru, b.ruKnown, u.RegisteredBasis = regUnc, true, "station list"
	default:
		u.RegisteredBasis = "unknown"
	}
	if b.ruKnown {
		v := b.ru
		u.Registered = &v
	}

	allStated := o.Blank >= 0 && o.Null >= 0
	for _, v := range o.Votes {
		allStated = allStated && v >= 0
	}
	var ob int64
	switch {
	case o.Ballots >= 0:
		ob, b.buKnown, u.BallotsBasis = o.Ballots, true, "ballots"
	case o.Voters >= 0:
		ob, b.buKnown, u.BallotsBasis = o.Voters, true, "voters"
	case allStated:
		ob, b.buKnown, u.BallotsBasis = o.Valid()+o.Blank+o.Null, true, "sum"
	default:
		u.BallotsBasis = "unknown"
	}
	if b.buKnown {
		b.bu = ob - t.ballots
		v := b.bu
		u.Ballots = &v
		if b.ruKnown && b.ru > 0 && b.bu >= 0 {
			f := float64(b.bu) / float64(b.ru)
			u.RequiredTurnout = &f
		}
	}

	c := b.p.Contest
	b.req = make([]int64, b.k)
	for j, ch := range c.Choices {
		if o.Votes[j] < 0 {
			continue
		}
		b.req[j] = o.Votes[j] - t.votes[j]
		cb := &ChoiceBound{Counted: t.votes[j], Official: o.Votes[j], Required: b.req[j], CountedShare: ratio(t.votes[j], t.ballots)}
		if b.buKnown && b.bu > 0 {
			s := float64(b.req[j]) / float64(b.bu)
			cb.RequiredShare = &s
		}
		r.Choices[ch.ID] = cb
	}
	for _, f := range []struct {
		name              string
		official, counted int64
	}{{"blank", o.Blank, t.blank}, {"null", o.Null, t.null}} {
		if f.official >= 0 {
			r.Figures[f.name] = &FigureBound{Counted: f.counted, Official: f.official, Required: f.official - f.counted}
		}
	}

	if o.Coverage > 0 && o.Coverage < 1 {
		b.partial = true
		// The bulletin may leave out up to this many stations, some of them
		// counted ones. When the bulletin counts more registered voters than
		// the station list holds, the list lacks stations: scale it up.
		n := float64(t.stations)
		if o.Registered > t.registered && t.registered > 0 {
			n *= float64(o.Registered) / float64(t.registered)
		}
		b.omitted = int64(math.Ceil((1 - o.Coverage) * math.Ceil(n)))
	}
}

// topSum returns the largest sum of val over at most m counted stations of
// the area: the most a partial bulletin can leave out of the counted total.
func (b *bounder) topSum(m int64, val func(*actas.Sheet) int64) int64 {
	if m <= 0 {
		return 0
	}
	h := make([]int64, 0, min(m, b.t.counted)) // a min-heap of the largest values
	for i, s := range b.p.Sheets {
		if s == nil || b.sidx[i] < 0 || !addsUp(s) {
			continue
		}
		v := val(s)
		if int64(len(h)) < m {
			h = append(h, v)
			for c := len(h) - 1; c > 0; {
				q := (c - 1) / 2
				if h[q] <= h[c] {
					break
				}
				h[q], h[c] = h[c], h[q]
				c = q
			}
			continue
		}
		if v <= h[0] {
			continue
		}
		h[0] = v
		for c := 0; ; {
			l := 2*c + 1
			if l >= len(h) {
				break
			}
			if r := l + 1; r < len(h) && h[r] < h[l] {
				l = r
			}
			if h[c] <= h[l] {
				break
			}
			h[c], h[l] = h[l], h[c]
			c = l
		}
	}
	var sum int64
	for _, v := range h {
		if v > 0 {
			sum += v
		}
	}
	return sum
}

func ptr[T any](v T) *T { return &v }

// hardChecks lists every reason the bulletin cannot be true.
func (b *bounder) hardChecks() {
	o, t, r, c := b.o, &b.t, b.r, b.p.Contest
	add := func(code, choice string, required, limit int64, text string) {
		r.Reasons = append(r.Reasons, Reason{Code: code, Choice: choice, Required: ptr(required), Limit: ptr(limit), Text: text})
	}
	leftOut := func(val func(*actas.Sheet) int64) int64 { return b.topSum(b.omitted, val) }

	// Negative requirements: the official figure is below the counted one.
	for j := range c.Choices {
		if o.Votes[j] < 0 || b.req[j] >= 0 {
			continue
		}
		if b.partial && -b.req[j] <= leftOut(func(s *actas.Sheet) int64 { return s.Votes[j] }) {
			continue
		}
		add(ReasonNegative, c.Choices[j].ID, b.req[j], 0, fmt.Sprintf(
			"%s: the official total %s is %s below the %s votes the counted sheets alone give; the uncounted stations would have to contribute %s votes, which is impossible unless those sheets are false.",
			choiceLabel(c, j), group(o.Votes[j]), group(-b.req[j]), group(t.votes[j]), group(b.req[j])))
	}
	for _, f := range []struct {
		name              string
		official, counted int64
		val               func(*actas.Sheet) int64
	}{
		{"blank", o.Blank, t.blank, func(s *actas.Sheet) int64 { return s.Blank }},
		{"null", o.Null, t.null, func(s *actas.Sheet) int64 { return s.Null }},
	} {
		d := f.official - f.counted
		if f.official < 0 || d >= 0 || (b.partial && -d <= leftOut(f.val)) {
			continue
		}
		add(ReasonNegative, f.name, d, 0, fmt.Sprintf(
			"%s ballots: the official total %s is %s below the %s on the counted sheets alone, which is impossible unless those sheets are false.",
			f.name, group(f.official), group(-d), group(f.counted)))
	}

	if b.buKnown && b.bu < 0 && !(b.partial && -b.bu <= leftOut(func(s *actas.Sheet) int64 { return s.Ballots })) {
		add(ReasonNegativeBallots, "", b.bu, 0, fmt.Sprintf(
			"Ballots: the official %s (%s) is %s below the %s ballots on the counted sheets alone, which is impossible unless those sheets are false.",
			r.Uncounted.BallotsBasis, group(b.bu+t.ballots), group(-b.bu), group(t.ballots)))
	}

	// Requirements beyond the uncounted ballots.
	if b.buKnown && b.bu >= 0 {
		exceeded := false
		for j := range c.Choices {
			if o.Votes[j] < 0 || b.req[j] <= b.bu {
				continue
			}
			if b.partial && b.req[j]-b.bu <= leftOut(func(s *actas.Sheet) int64 { return s.Ballots - s.Votes[j] }) {
				continue
			}
			exceeded = true
			add(ReasonExceedsBallots, c.Choices[j].ID, b.req[j], b.bu, fmt.Sprintf(
				"%s would need %s votes from the uncounted stations (official %s − counted %s), which hold only %s ballots (official %s − counted %s).",
				choiceLabel(c, j), group(b.req[j]), group(o.Votes[j]), group(t.votes[j]),
				group(b.bu), group(b.bu+t.ballots), group(t.ballots)))
		}
		if !exceeded && !b.partial {
			if pos := b.positiveRequired(); pos > b.bu {
				add(ReasonSumExceedsBallots, "", pos, b.bu, fmt.Sprintf(
					"The choices (and blank and null ballots) that need votes from the uncounted stations need %s together, more than the %s ballots those stations hold.",
					group(pos), group(b.bu)))
			}
		}
	}

	// Registered voters.
	if b.ruKnown && r.Uncounted.RegisteredBasis == "bulletin" && b.ru < 0 {
		add(ReasonNegativeRegistered, "", b.ru, 0, fmt.Sprintf(
			"Registered voters: the official %s are %s fewer than the %s registered at the counted stations alone.",
			group(o.Registered), group(-b.ru), group(t.registeredCount)))
	}
	if b.ruKnown && b.ru >= 0 {
		where := "their " + group(b.ru) + " registered voters"
		if b.ru == 0 {
			where = "the 0 registered voters left: every station of the station list is counted"
		}
		switch {
		case b.buKnown && b.bu > b.ru:
			add(ReasonExceedsRegistered, "", b.bu, b.ru, fmt.Sprintf(
				"The uncounted stations would have to hold %s ballots (official %s − counted %s), more than %s.",
				group(b.bu), group(b.bu+t.ballots), group(t.ballots), where))
		case !b.buKnown:
			// Without the official ballots, U holds at least the votes the
			// choices need from it.
			if need := b.positiveRequired(); need > b.ru {
				add(ReasonExceedsRegistered, "", need, b.ru, fmt.Sprintf(
					"The uncounted stations would have to hold at least %s ballots (the votes the choices need from them), more than %s.",
					group(need), where))
			}
		}
	}
}

// positiveRequired sums the positive requirements of the stated choices,
// blank and null.
func (b *bounder) positiveRequired() int64 {
	var pos int64
	for j, v := range b.o.Votes {
		if v >= 0 && b.req[j] > 0 {
			pos += b.req[j]
		}
	}
	for _, f := range b.r.Figures {
		if f.Required > 0 {
			pos += f.Required
		}
	}
	return pos
}

// compare weighs the strata by their share of U, picks each one's
// reference, and sets the requirements against the counted stations.
func (b *bounder) compare() {
	r, c := b.r, b.p.Contest
	// Weights: U's registered voters per stratum when every uncounted
	// station has a registered count, else its stations.
	byRegistered := true
	for _, s := range b.sa {
		if s.unknownRegUncounted > 0 {
			byRegistered = false
		}
	}
	unit := func(s *agg) float64 {
		if byRegistered {
			return float64(s.regUnc)
		}
		return float64(s.uncounted)
	}
	total := 0.0
	for _, s := range b.sa {
		total += unit(s)
	}
	outside := 0.0
	if byRegistered {
		outside = float64(r.Uncounted.Unlisted)
	}
	total += outside

	root := b.aggs[b.area]
	refOf := func(path string) (string, *agg) {
		for q := b.parts; q >= b.areaParts; q-- {
			up := areaPrefix(path, q)
			a := b.aggs[up]
			need := int64(b.opts.MinStratum)
			if q == b.areaParts {
				need = int64(b.opts.MinCounted)
			}
			if a.n >= need {
				return up, a
			}
		}
		return "", nil
	}
	for si, path := range b.strata.paths {
		s := b.sa[si]
		st := &Stratum{
			Area: actas.DisplayPath(path), Stations: s.stations, Counted: s.counted, Uncounted: s.uncounted, RegisteredUncounted: s.regUnc,
			CountedTurnout: ratio(s.ballotsT, s.regT), CountedShares: make(map[string]float64, b.k),
		}
		for j, ch := range c.Choices {
			st.CountedShares[ch.ID] = ratio(s.votes[j], s.ballots)
		}
		if total > 0 {
			st.Weight = unit(s) / total
		}
		if st.Weight > 0 {
			ref, a := refOf(path)
			if a == nil {
				b.noReference = true
			} else {
				st.Reference = actas.DisplayPath(ref)
				a.mass += st.Weight
				if ref != path {
					b.fallbacks++
				}
			}
		}
		r.Strata = append(r.Strata, st)
	}
	if outside > 0 {
		if root.n >= int64(b.opts.MinCounted) {
			root.mass += outside / total
		} else {
			b.noReference = true
		}
	}
	if root.n < int64(b.opts.MinCounted) {
		b.noReference = true
	}
	if total == 0 || b.noReference || !b.buKnown || b.bu <= 0 || b.partial || len(r.Reasons) > 0 {
		return
	}

	// Each counted station weighs, per unit of ballots (or of registered
	// voters for turnout), the mass of every reference holding it divided
	// by that reference's ballots (registered voters).
	coef := make([]float64, len(b.sa))
	coefT := make([]float64, len(b.sa))
	for si, path := range b.strata.paths {
		for q := b.parts; q >= b.areaParts; q-- {
			a := b.aggs[areaPrefix(path, q)]
			if a.mass == 0 {
				continue
			}
			coef[si] += a.mass / float64(a.ballots)
			if a.regT > 0 {
				coefT[si] += a.mass / float64(a.regT)
			}
		}
	}
	k := b.k
	want := make([]float64, k)
	tested := make([]bool, k)
	for j := range k {
		if b.o.Votes[j] >= 0 {
			want[j] = float64(b.req[j]) / float64(b.bu)
			tested[j] = true
		}
	}
	acc := make([]moments, k)
	var accT moments
	wantT := -1.0
	if r.Uncounted.RequiredTurnout != nil && byRegistered {
		wantT = *r.Uncounted.RequiredTurnout
	}
	for i, s := range b.p.Sheets {
		si := b.sidx[i]
		if s == nil || si < 0 || s.Ballots <= 0 || coef[si] == 0 || !addsUp(s) {
			continue
		}
		w := coef[si] * float64(s.Ballots)
		inv := 1 / float64(s.Ballots)
		for j, v := range s.Votes {
			if tested[j] {
				acc[j].add(w, float64(v)*inv, want[j])
			}
		}
		if reg := b.p.Stations[i].Registered; wantT >= 0 && reg > 0 && coefT[si] > 0 {
			accT.add(coefT[si]*float64(reg), float64(s.Ballots)/float64(reg), wantT)
		}
	}
	for j, ch := range c.Choices {
		if !tested[j] {
			continue
		}
		cb := r.Choices[ch.ID]
		cb.Test = acc[j].test(want[j], b.opts)
		cb.Expected = ptr(int64(math.Round(cb.Test.Mean * float64(b.bu))))
	}
	if wantT >= 0 && accT.n > 0 {
		r.Uncounted.TurnoutTest = accT.test(wantT, b.opts)
	}
}

// moments accumulates a weighted distribution and where a value lies in it.
type moments struct {
	n            int64
	w, wx, wxx   float64
	below, equal float64
}

func (m *moments) add(w, x, at float64) {
	m.n++
	m.w += w
	m.wx += w * x
	m.wxx += w * x * x
	switch {
	case x < at:
		m.below += w
	case x == at:
		m.equal += w
	}
}

func (m *moments) test(at float64, o BoundOptions) *Test {
	t := &Test{Required: at, Stations: m.n, Criteria: []string{}}
	if m.w <= 0 {
		return t
	}
	t.Mean = m.wx / m.w
	t.SD = math.Sqrt(max(0, m.wxx/m.w-t.Mean*t.Mean))
	t.Percentile = (m.below + m.equal/2) / m.w
	// A spread below float64 rounding of the mean is no spread: z is then
	// undefined, and only the percentile can call the requirement extreme.
	if t.SD > 1e-12 {
		z := (at - t.Mean) / t.SD
		t.Z = &z
		if math.Abs(z) > o.Z {
			t.Criteria = append(t.Criteria, "z")
		}
	}
	resolved := float64(m.n) >= 1/(1-o.Percentile)-1e-6
	if resolved && (t.Percentile > o.Percentile || t.Percentile < 1-o.Percentile) {
		t.Criteria = append(t.Criteria, "percentile")
	}
	t.Extreme = len(t.Criteria) > 0
	return t
}

// verdict sets the verdict, its implausibility reasons, the summary and
// the caveats.
func (b *bounder) verdict() {
	r, c := b.r, b.p.Contest
	u := &r.Uncounted
	if len(r.Reasons) == 0 && !b.partial {
		for j, ch := range c.Choices {
			cb := r.Choices[ch.ID]
			if cb == nil || cb.Test == nil || !cb.Test.Extreme {
				continue
			}
			t := cb.Test
			r.Reasons = append(r.Reasons, Reason{Code: ReasonImplausibleShare, Choice: ch.ID, Required: ptr(cb.Required), Z: t.Z,
				Percentile: ptr(t.Percentile), Text: fmt.Sprintf(
					"%s would need %s of the uncounted stations' ballots (%s votes); the counted stations of the same strata give it %s on average (sd %s between stations)%s, and %s of them give it less.",
					choiceLabel(c, j), pct(t.Required), group(cb.Required), pct(t.Mean), pct(t.SD), zText(t.Z), pct(t.Percentile))})
		}
		if t := u.TurnoutTest; t != nil && t.Extreme {
			r.Reasons = append(r.Reasons, Reason{Code: ReasonImplausibleTurnout, Required: u.Ballots, Limit: u.Registered, Z: t.Z,
				Percentile: ptr(t.Percentile), Text: fmt.Sprintf(
					"The uncounted stations would need a turnout of %s (%s ballots from %s registered voters); the counted stations of the same strata show %s on average (sd %s)%s, and %s of them less.",
					pct(t.Required), group(*u.Ballots), group(*u.Registered), pct(t.Mean), pct(t.SD), zText(t.Z), pct(t.Percentile))})
		}
	}

	switch {
	case hasHard(r.Reasons):
		r.Verdict = Impossible
		r.Summary = "Impossible if the counted sheets are authentic: " + r.Reasons[0].Text
	case b.partial:
		r.Verdict = Undetermined
		r.Summary = fmt.Sprintf("Undetermined: the bulletin claims only %s of the stations, and no requirement is impossible even allowing it to leave out %s counted stations; a partial total cannot be compared with counted stations.",
			pct(b.o.Coverage), group(b.omitted))
	case !b.buKnown:
		r.Verdict = Undetermined
		r.Summary = "Undetermined: the bulletin states neither ballots nor voters nor every choice with blank and null, so what the uncounted stations must hold is not known; no requirement is impossible."
	case b.bu == 0:
		r.Verdict = Plausible
		r.Summary = "Plausible: the official figures equal the counted sheets' totals; nothing is required of the uncounted stations."
	case b.noReference:
		r.Verdict = Undetermined
		r.Summary = fmt.Sprintf("Undetermined: no requirement is impossible, but fewer than %d counted stations with ballots are there to compare the uncounted ones with.", b.opts.MinCounted)
	case len(r.Reasons) > 0:
		r.Verdict = Implausible
		r.Summary = "Implausible: " + r.Reasons[0].Text
	default:
		r.Verdict = Plausible
		r.Summary = fmt.Sprintf("Plausible: what the uncounted stations would have to hold (%s ballots) lies within what counted stations of the same strata show; this does not show that the official result is right.",
			group(b.bu))
	}
	b.caveats()
}

func hasHard(rs []Reason) bool {
	for _, x := range rs {
		if x.Code != ReasonImplausibleShare && x.Code != ReasonImplausibleTurnout {
			return true
		}
	}
	return false
}

func zText(z *float64) string {
	if z == nil {
		return " (no spread at all)"
	}
	return " (z = " + strconv.FormatFloat(*z, 'f', 2, 64) + ")"
}

func (b *bounder) caveats() {
	r, o, t := b.r, b.o, &b.t
	u := &r.Uncounted
	add := func(format string, args ...any) { r.Caveats = append(r.Caveats, fmt.Sprintf(format, args...)) }
	add("Every figure takes the counted %s sheets as authentic and correctly transcribed: a forged or mis-copied sheet changes the requirements, so the sheets' photographs are the evidence behind them.", r.Source)
	if b.partial {
		add("The bulletin claims %s of the stations. Its figures were compared as the total of the stations it covers: a requirement is called impossible only when it stays so even if the bulletin left out the %s counted stations (estimated from the station list) that help it most.",
			pct(o.Coverage), group(b.omitted))
	} else {
		add("The bulletin is taken as the final total of every station of %s. If it covers only part of them, say so (its coverage) and the check allows for it.", r.Area)
	}
	if b.setAside > 0 {
		add("%s counted sheets do not add up (votes for choices + blank + null ≠ ballots) and were set aside as if uncounted.", group(b.setAside))
	}
	switch u.BallotsBasis {
	case "voters":
		add("The bulletin states no ballots; its voters (%s) stand for them.", group(o.Voters))
	case "sum":
		add("The bulletin states no ballots; its choices, blank and null added up (%s) stand for them.", group(o.Valid()+o.Blank+o.Null))
	case "unknown":
		add("The bulletin states neither ballots nor voters nor every choice with blank and null: the uncounted stations' ballots are unknown, so only negative requirements and requirements beyond their registered voters can be checked.")
	}
	switch u.RegisteredBasis {
	case "bulletin":
		add("The uncounted stations' registered voters are the bulletin's %s minus the %s registered at the counted stations.", group(o.Registered), group(t.registeredCount))
		if u.Unlisted > 0 {
			add("The bulletin counts %s registered voters more than the station list holds: stations the project does not know, which are compared with all counted stations of %s.", group(u.Unlisted), r.Area)
		}
		if t.unknownRegistered > 0 {
			add("%s stations of the list have no registered count; the uncounted registered voters may be overstated.", group(t.unknownRegistered))
		}
	case "station list":
		add("The bulletin states no registered voters; the station list's are used, which assumes the list holds every station of %s.", r.Area)
	case "unknown":
		add("Some uncounted stations have no registered count and the bulletin states none: turnout requirements are not checked.")
	}
	missing := 0
	for _, v := range o.Votes {
		if v < 0 {
			missing++
		}
	}
	if missing > 0 {
		add("The bulletin does not state %d of the %d choices; those are not checked.", missing, len(o.Votes))
	}
	if r.Verdict == Plausible || r.Verdict == Implausible {
		add("Shares are of ballots (votes for choices, blank and null). The uncounted stations taken together are set against single counted stations of their strata, each stratum weighted by its share of the uncounted registered voters: %q means U as a whole would have to vote beyond the %s percentile, or %.2f standard deviations, of single stations. A whole group of stations lies far less often in a tail than one station does, so this margin is wide on purpose: %q does not mean the official result is right.",
			string(Implausible), strconv.FormatFloat(100*b.opts.Percentile, 'f', -1, 64)+"th", b.opts.Z, string(Plausible))
		add("Counted stations are not a random sample: witnesses are often absent where one side dominates. Strata (%s) correct this only between strata, not within them.", r.Level)
		if b.fallbacks > 0 {
			add("%d strata have fewer than %d counted stations and were compared with their parent area.", b.fallbacks, b.opts.MinStratum)
		}
	}
}

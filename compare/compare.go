package compare

import (
	"fmt"
	"slices"

	"github.com/actasproject/actas"
)

// DefaultTop is how many discrepancies, and stations of one side only, a
// Comparison lists when CompareOptions.Top is 0. Counts always cover all.
const DefaultTop = 100

// Kinds of discrepancy, from the sheets' own arithmetic (votes for choices
// + blank + null = ballots, "adds up").
const (
	// KindConsistent: both sheets add up and state different numbers. Two
	// coherent, different results for one station are what a deliberate
	// alteration (or a recount) looks like.
	KindConsistent = "consistent"
	// KindInconsistent: at least one sheet does not add up, and the
	// difference is not a single slip.
	KindInconsistent = "inconsistent"
	// KindSlip: exactly one count differs, the sheet stating it does not
	// add up while the other does, and the two values are one slip of the
	// pen apart (a digit changed, two swapped, one dropped or added). The
	// likeliest cause is a copying error on that side.
	KindSlip = "slip"
)

// CompareOptions tunes Compare. The zero value is ready to use.
type CompareOptions struct {
	// Level names the areas to summarise: a name of Election.Levels, or
	// actas.National for the national summary only; "" is the first level.
	Level string
	// Top is how many discrepancies, and stations of one side only, to
	// list: 0 is DefaultTop, a negative number lists all.
	Top int
}

// Comparison is what two panels of the same election and contest say about
// the stations both have a sheet for. Differences are always b − a: with a
// the witness panel and b the official one, a positive difference is what
// the official sheet adds.
type Comparison struct {
	Election string       `json:"election"`
	Contest  string       `json:"contest"`
	A        actas.Source `json:"a"`
	B        actas.Source `json:"b"`
	Level    string       `json:"level"`
	Choices  []string     `json:"choices"` // choice ids in ballot order
	National *AreaDiff    `json:"national"`
	// Areas are those of Level holding at least one station, in the order
	// their first station was created; empty for level national.
	Areas []*AreaDiff `json:"areas"`
	// Discrepancies are the stations whose sheets differ, ranked: first
	// those that are not slips, by votes at stake (largest first), then
	// slips likewise; ties by station code. At most Top of them; the
	// number of all is National.Differing.
	Discrepancies []*Discrepancy `json:"discrepancies"`
	// OnlyA and OnlyB are the codes of stations only a (or only b) has a
	// sheet for, in station order; at most Top of each.
	OnlyA   []string `json:"only_a"`
	OnlyB   []string `json:"only_b"`
	Caveats []string `json:"caveats"`
}

// AreaDiff sums a comparison over an area.
type AreaDiff struct {
	Area      string `json:"area"` // path; "national" for the whole election
	Stations  int64  `json:"stations"`
	Compared  int64  `json:"compared"`  // both sides have a sheet
	Differing int64  `json:"differing"` // compared, and some count differs
	Slips     int64  `json:"slips"`     // differing, of kind slip
	OnlyA     int64  `json:"only_a"`
	OnlyB     int64  `json:"only_b"`
	Neither   int64  `json:"neither"`
	// VotesAtStake sums the compared stations' votes at stake.
	VotesAtStake int64 `json:"votes_at_stake"`
	// Net is the sum of b − a over compared stations: the net effect of
	// the differences on each choice's total.
	Net Diff `json:"net"`
}

// Diff is a difference b − a of a sheet's counts.
type Diff struct {
	Votes   map[string]int64 `json:"votes"`
	Blank   int64            `json:"blank"`
	Null    int64            `json:"null"`
	Ballots int64            `json:"ballots"`
	// Voters is set only when both sheets state voters.
	Voters *int64 `json:"voters,omitempty"`
}

// Figures are one sheet's counts.
type Figures struct {
	Votes   map[string]int64 `json:"votes"`
	Blank   int64            `json:"blank"`
	Null    int64            `json:"null"`
	Ballots int64            `json:"ballots"`
	Voters  *int64           `json:"voters,omitempty"` // nil when not stated
	AddsUp  bool             `json:"adds_up"`
	Flags   []string         `json:"flags"`
}

// Discrepancy is one station whose two sheets differ.
type Discrepancy struct {
	Rank    int    `json:"rank"` // 1 for the first
	Station string `json:"station"`
	Area    string `json:"area"`
	Kind    string `json:"kind"` // KindConsistent, KindInconsistent or KindSlip
	// VotesAtStake is Σ over choices of |b − a|, plus |b − a| for blank
	// and for null: how many votes one sheet gives where the other does
	// not. A vote moved from one choice to another counts twice, as it
	// moves the margin between them by two.
	VotesAtStake int64   `json:"votes_at_stake"`
	Diff         Diff    `json:"diff"`
	A            Figures `json:"a"`
	B            Figures `json:"b"`
	// For KindSlip: the side whose sheet carries the slip and the count
	// (a choice id, blank, null or ballots).
	SlipSide  actas.Source `json:"slip_side,omitempty"`
	SlipField string       `json:"slip_field,omitempty"`
}

// entry is a differing station while ranking.
type entry struct {
	i     int32
	slip  bool
	stake int64
}

// Compare compares panels a and b of the same election and contest, station
// by station. Errors: EINVALID when a panel is malformed, when the two are
// of different elections, contests or stations, or for an unknown level.
func Compare(a, b *actas.Panel, opts CompareOptions) (*Comparison, error) {
	if err := checkPanel(a, "panel a"); err != nil {
		return nil, err
	}
	if err := checkPanel(b, "panel b"); err != nil {
		return nil, err
	}
	if a.Election.ID != b.Election.ID || a.Contest.ID != b.Contest.ID {
		return nil, actas.Errorf(actas.EINVALID, "compare: panels of %s/%s and %s/%s: both must be of the same election and contest",
			a.Election.ID, a.Contest.ID, b.Election.ID, b.Contest.ID)
	}
	parts, level, err := levelParts(a.Election, opts.Level)
	if err != nil {
		return nil, err
	}
	bi, err := matchStations(a, b)
	if err != nil {
		return nil, err
	}
	top := opts.Top
	if top == 0 {
		top = DefaultTop
	}

	c := a.Contest
	k := len(c.Choices)
	w := k + 3 // votes per choice, blank, null, ballots
	areas := newAreaIndex(parts)
	var counts []AreaDiff // Area, Net unset until the end
	var net []int64       // w per area
	var entries []entry
	var onlyA, onlyB []string
	for i := range a.Stations {
		ai := 0
		if parts > 0 {
			ai = areas.of(a.Stations[i].Area)
		}
		if ai == len(counts) {
			counts = append(counts, AreaDiff{})
			net = append(net, make([]int64, w)...)
		}
		ad := &counts[ai]
		ad.Stations++
		sa := a.Sheets[i]
		j := i
		if bi != nil {
			j = bi[i]
		}
		sb := b.Sheets[j]
		switch {
		case sa == nil && sb == nil:
			ad.Neither++
			continue
		case sb == nil:
			ad.OnlyA++
			if top < 0 || len(onlyA) < top {
				onlyA = append(onlyA, a.Stations[i].Code)
			}
			continue
		case sa == nil:
			ad.OnlyB++
			if top < 0 || len(onlyB) < top {
				onlyB = append(onlyB, a.Stations[i].Code)
			}
			continue
		}
		ad.Compared++
		d := diffSheets(sa, sb, net[ai*w:(ai+1)*w])
		if !d.differs {
			continue
		}
		ad.Differing++
		ad.VotesAtStake += d.stake
		slip := d.slipField >= 0
		if slip {
			ad.Slips++
		}
		entries = append(entries, entry{i: int32(i), slip: slip, stake: d.stake})
	}

	cmp := &Comparison{
		Election: a.Election.ID, Contest: c.ID, A: a.Source, B: b.Source, Level: level,
		Choices: c.ChoiceIDs(), OnlyA: orEmpty(onlyA), OnlyB: orEmpty(onlyB), Areas: []*AreaDiff{},
	}
	nat := &AreaDiff{Area: actas.National}
	natNet := make([]int64, w)
	for ai := range counts {
		x := &counts[ai]
		nat.Stations += x.Stations
		nat.Compared += x.Compared
		nat.Differing += x.Differing
		nat.Slips += x.Slips
		nat.OnlyA += x.OnlyA
		nat.OnlyB += x.OnlyB
		nat.Neither += x.Neither
		nat.VotesAtStake += x.VotesAtStake
		for f := range w {
			natNet[f] += net[ai*w+f]
		}
		if parts > 0 {
			x.Area = areas.paths[ai]
			x.Net = netDiff(c, net[ai*w:(ai+1)*w])
			cmp.Areas = append(cmp.Areas, x)
		}
	}
	nat.Net = netDiff(c, natNet)
	cmp.National = nat

	ranked := rank(entries, top, a.Stations)
	cmp.Discrepancies = make([]*Discrepancy, len(ranked))
	for r, e := range ranked {
		cmp.Discrepancies[r] = discrepancy(a, b, int(e.i), bi, r+1)
	}
	cmp.Caveats = compareCaveats(a, b, nat)
	return cmp, nil
}

// ComparePairs compares every pair of the given panels that hold at least
// one sheet, each pair once, the panel of the source listed first in
// actas.Sources as a (so official is b against any other source, and the
// reconciled view is b against every source). Errors: those of Compare,
// and EINVALID when two panels are of the same source.
func ComparePairs(panels []*actas.Panel, opts CompareOptions) ([]*Comparison, error) {
	var present []*actas.Panel
	seen := map[actas.Source]bool{}
	for i, p := range panels {
		if err := checkPanel(p, fmt.Sprintf("panels[%d]", i)); err != nil {
			return nil, err
		}
		if seen[p.Source] {
			return nil, actas.Errorf(actas.EINVALID, "compare: two panels of source %s", p.Source)
		}
		seen[p.Source] = true
		if p.Counted() > 0 {
			present = append(present, p)
		}
	}
	slices.SortStableFunc(present, func(x, y *actas.Panel) int { return sourceRank(x.Source) - sourceRank(y.Source) })
	out := []*Comparison{}
	for i := range present {
		for j := i + 1; j < len(present); j++ {
			cmp, err := Compare(present[i], present[j], opts)
			if err != nil {
				return nil, err
			}
			out = append(out, cmp)
		}
	}
	return out, nil
}

// matchStations returns, for each station of a, its index in b; nil when
// both list the same stations in the same order (panels of one tabulation
// always do). Errors are EINVALID.
func matchStations(a, b *actas.Panel) ([]int, error) {
	if len(a.Stations) != len(b.Stations) {
		return nil, actas.Errorf(actas.EINVALID, "compare: the panels hold %d and %d stations: both must list the election's stations",
			len(a.Stations), len(b.Stations))
	}
	same := true
	for i := range a.Stations {
		if a.Stations[i].Code != b.Stations[i].Code {
			same = false
			break
		}
	}
	if same {
		return nil, nil
	}
	at := make(map[string]int, len(b.Stations))
	for j := range b.Stations {
		at[b.Stations[j].Code] = j
	}
	bi := make([]int, len(a.Stations))
	for i := range a.Stations {
		j, ok := at[a.Stations[i].Code]
		if !ok {
			return nil, actas.Errorf(actas.EINVALID, "compare: station %s is in panel a but not in panel b", a.Stations[i].Code)
		}
		bi[i] = j
	}
	return bi, nil
}

// sheetDiff is what diffSheets finds.
type sheetDiff struct {
	differs   bool
	stake     int64
	slipField int  // for a slip: the choice index, or k (blank), k+1 (null), k+2 (ballots); else -1
	slipInA   bool // the slip is on a's side
}

// diffSheets compares two sheets of one station and adds b − a to net
// (votes per choice, blank, null, ballots). It allocates nothing.
func diffSheets(a, b *actas.Sheet, net []int64) sheetDiff {
	k := len(a.Votes)
	d := sheetDiff{slipField: -1}
	n, field := 0, -1
	add := func(f int, x int64) {
		net[f] += x
		if x != 0 {
			n++
			field = f
		}
	}
	for j := range k {
		x := b.Votes[j] - a.Votes[j]
		add(j, x)
		d.stake += abs(x)
	}
	add(k, b.Blank-a.Blank)
	add(k+1, b.Null-a.Null)
	add(k+2, b.Ballots-a.Ballots)
	d.stake += abs(b.Blank-a.Blank) + abs(b.Null-a.Null)
	votersDiffer := a.Voters != actas.Unknown && b.Voters != actas.Unknown && a.Voters != b.Voters
	d.differs = n > 0 || votersDiffer
	if n != 1 || votersDiffer {
		return d
	}
	okA, okB := addsUp(a), addsUp(b)
	if okA == okB {
		return d
	}
	va, vb := count(a, field), count(b, field)
	if okB && oneDigitSlip(va, vb) {
		d.slipField, d.slipInA = field, true
	} else if okA && oneDigitSlip(vb, va) {
		d.slipField = field
	}
	return d
}

// count returns field f of a sheet, numbered as in diffSheets.
func count(s *actas.Sheet, f int) int64 {
	k := len(s.Votes)
	switch f {
	case k:
		return s.Blank
	case k + 1:
		return s.Null
	case k + 2:
		return s.Ballots
	}
	return s.Votes[f]
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// netDiff turns a net row (votes per choice, blank, null, ballots) into a
// Diff.
func netDiff(c *actas.Contest, row []int64) Diff {
	k := len(c.Choices)
	d := Diff{Votes: make(map[string]int64, k), Blank: row[k], Null: row[k+1], Ballots: row[k+2]}
	for j, ch := range c.Choices {
		d.Votes[ch.ID] = row[j]
	}
	return d
}

// before reports whether x ranks before y: not a slip first, then more
// votes at stake, then the lower station code.
func before(x, y entry, stations []actas.Station) bool {
	if x.slip != y.slip {
		return !x.slip
	}
	if x.stake != y.stake {
		return x.stake > y.stake
	}
	return stations[x.i].Code < stations[y.i].Code
}

// rank returns the first top entries in rank order (all when top < 0). For
// a short list of many entries it keeps the best top in a heap, in
// O(n log top), rather than sorting them all.
func rank(entries []entry, top int, stations []actas.Station) []entry {
	cmp := func(x, y entry) int {
		if before(x, y, stations) {
			return -1
		}
		if before(y, x, stations) {
			return 1
		}
		return 0
	}
	if top < 0 || top >= len(entries) {
		slices.SortFunc(entries, cmp)
		return entries
	}
	// A heap whose root is the worst entry kept.
	h := make([]entry, 0, top)
	worse := func(i, j int) bool { return before(h[j], h[i], stations) }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && worse(r, l) {
				m = r
			}
			if !worse(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for _, e := range entries {
		if top == 0 {
			break
		}
		if len(h) < top {
			h = append(h, e)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !worse(i, p) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
			continue
		}
		if before(e, h[0], stations) {
			h[0] = e
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}

// discrepancy describes station i (of a; bi maps it to b) in full.
func discrepancy(a, b *actas.Panel, i int, bi []int, rank int) *Discrepancy {
	j := i
	if bi != nil {
		j = bi[i]
	}
	sa, sb := a.Sheets[i], b.Sheets[j]
	c := a.Contest
	k := len(c.Choices)
	row := make([]int64, k+3)
	d := diffSheets(sa, sb, row)
	out := &Discrepancy{
		Rank: rank, Station: a.Stations[i].Code, Area: a.Stations[i].Area, VotesAtStake: d.stake,
		Diff: netDiff(c, row), A: figures(c, sa, flagsAt(a, i)), B: figures(c, sb, flagsAt(b, j)),
	}
	if sa.Voters != actas.Unknown && sb.Voters != actas.Unknown {
		v := sb.Voters - sa.Voters
		out.Diff.Voters = &v
	}
	switch {
	case d.slipField >= 0:
		out.Kind = KindSlip
		out.SlipSide = b.Source
		if d.slipInA {
			out.SlipSide = a.Source
		}
		out.SlipField = fieldName(c, d.slipField)
	case out.A.AddsUp && out.B.AddsUp:
		out.Kind = KindConsistent
	default:
		out.Kind = KindInconsistent
	}
	return out
}

func flagsAt(p *actas.Panel, i int) actas.Flags {
	if i < len(p.Flags) {
		return p.Flags[i]
	}
	return 0
}

func figures(c *actas.Contest, s *actas.Sheet, f actas.Flags) Figures {
	out := Figures{Votes: make(map[string]int64, len(c.Choices)), Blank: s.Blank, Null: s.Null, Ballots: s.Ballots,
		AddsUp: addsUp(s), Flags: f.Names()}
	for j, ch := range c.Choices {
		out.Votes[ch.ID] = s.Votes[j]
	}
	if s.Voters != actas.Unknown {
		v := s.Voters
		out.Voters = &v
	}
	return out
}

// fieldName names a count numbered as in diffSheets.
func fieldName(c *actas.Contest, f int) string {
	k := len(c.Choices)
	switch f {
	case k:
		return "blank"
	case k + 1:
		return "null"
	case k + 2:
		return "ballots"
	}
	return c.Choices[f].ID
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// compareCaveats says what a comparison cannot show.
func compareCaveats(a, b *actas.Panel, nat *AreaDiff) []string {
	out := []string{
		"A difference shows that two sources disagree, not which one is right: the photograph or the hand count of the sheet decides.",
		"Slips are classified from the numbers alone (one count differs by one digit edit and only that side fails to add up); look at the sheet before dismissing one.",
	}
	if nat.Compared == 0 {
		out = append(out, "No station has a sheet from both "+string(a.Source)+" and "+string(b.Source)+": nothing was compared.")
	}
	if nat.OnlyA+nat.OnlyB > 0 {
		out = append(out, "Stations with a sheet from one side only are not compared; their count is in only_a and only_b.")
	}
	if a.Source == actas.Reconciled || b.Source == actas.Reconciled {
		out = append(out, "The reconciled view is taken from the sources themselves: where it agrees with a source, it may be because it was taken from it.")
	}
	return out
}

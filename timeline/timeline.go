package timeline

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// Defaults of Options.
const (
	// DefaultQueueMinutes is how long after the close voters in line may
	// still vote: an hour, as actas.Election.Capacity assumes.
	DefaultQueueMinutes = 60
	// DefaultMachines is what a station whose machines are unknown (0) is
	// counted with.
	DefaultMachines = 1
)

// Options configure Analyze. The zero value selects every default.
type Options struct {
	// SecondsPerVoter is the least time one machine needs per voter. Zero
	// selects the election's SecondsPerVoter, which is itself
	// actas.DefaultSecondsPerVoter (20 s) when the election states none:
	// one assumed minimum per election, the one its sheets' capacity flag
	// uses. A bound must use a fast time, not an average: a busy honest
	// station can beat the average. The Venezuela 2017 case used 40 s (the
	// CNE's 2024 drill reported a 38 s average). A smaller value is more
	// lenient (fewer intervals flagged).
	SecondsPerVoter float64

	// QueueMinutes is the closing queue as a duration: voters in line at
	// the close may vote for up to this long after it. Zero selects
	// DefaultQueueMinutes; negative means no queue (nobody votes after the
	// close). QueueFraction, when set, replaces it.
	QueueMinutes int

	// QueueFraction is the closing queue as a fraction of a scope's
	// capacity over the day: a queue of 0.1 holds as many voters as the
	// machines take in a tenth of the voting hours, i.e. QueueMinutes =
	// 0.1 × (close − open), rounded up. Zero: use QueueMinutes; it must
	// not exceed 1.
	QueueFraction float64

	// DefaultMachines is what a station whose Machines is 0 (unknown) is
	// counted with; zero selects DefaultMachines.
	DefaultMachines int64

	// Machines gives the machines (or tables) of areas, by area path
	// ("national" or "" for the whole election), when the caller knows
	// better than the stations' figures, e.g. a published "more than
	// 24,000 tables". A given count replaces the sum over the area's
	// stations; it must be positive.
	Machines map[string]int64

	// Open and Close override the election's voting hours (HH:MM), e.g.
	// when the authority extended voting on the day. Empty: the
	// election's.
	Open, Close string

	// Source keeps only the snapshots of one source; empty keeps every
	// source, each scope and source giving its own series.
	Source actas.Source

	// Final, when set, gives a scope's final count of voters (e.g. the
	// voters of a station's sheet, or an area's official total); scope is
	// as in Series.Scope. A series whose snapshots all precede the close
	// then gets one more interval, to the close, ending at that count
	// (which may include the closing queue). SheetFinal builds one from a
	// panel.
	Final func(scope string, station bool) (voters int64, ok bool)
}

// Kinds of scope.
const (
	KindNational = "national"
	KindArea     = "area"
	KindStation  = "station"
)

// Series is the intervals of one scope and source.
type Series struct {
	Scope  string       `json:"scope"` // "national", an area path, or a station code
	Kind   string       `json:"kind"`  // KindNational, KindArea or KindStation
	Level  string       `json:"level"` // national, a name of Election.Levels, or station
	Source actas.Source `json:"source"`

	// Stations is how many stations the scope holds; Machines what the
	// capacity counts, of which MachinesAssumed stations stated none and
	// were counted with Assumptions.DefaultMachines each, unless
	// MachinesGiven (the caller's count for the area, Options.Machines).
	Stations        int   `json:"stations"`
	Machines        int64 `json:"machines"`
	MachinesAssumed int   `json:"machines_assumed"`
	MachinesGiven   bool  `json:"machines_given,omitempty"`

	Intervals []Interval `json:"intervals"`

	Infeasible int   `json:"infeasible"` // intervals over capacity
	Decreases  int   `json:"decreases"`  // intervals where the count fell
	MaxRatio   Ratio `json:"max_ratio"`  // the largest ratio (0 without intervals)
	// Flag says at least one interval is infeasible.
	Flag bool `json:"flag"`
	// Notes say what is particular to this series (e.g. voters before the
	// opening).
	Notes []string `json:"notes,omitempty"`

	order int // national, areas by depth and path, stations in election order
}

// Assumptions are the figures every capacity depends on, stated in every
// report.
type Assumptions struct {
	Open            string  `json:"open"`  // HH:MM; "" when unknown
	Close           string  `json:"close"` // HH:MM; "" when unknown
	SecondsPerVoter float64 `json:"seconds_per_voter"`
	QueueMinutes    int     `json:"queue_minutes"`
	QueueFraction   float64 `json:"queue_fraction,omitempty"` // when the queue was given as a fraction
	DefaultMachines int64   `json:"default_machines"`
	// GivenMachines are the caller's counts of machines by area (display
	// path).
	GivenMachines map[string]int64 `json:"given_machines,omitempty"`
}

// Summary counts the series and how many are flagged.
type Summary struct {
	Series          int   `json:"series"`
	Flagged         int   `json:"flagged"`
	Areas           int   `json:"areas"`
	AreasFlagged    int   `json:"areas_flagged"`
	Stations        int   `json:"stations"`
	StationsFlagged int   `json:"stations_flagged"`
	MaxRatio        Ratio `json:"max_ratio"`
}

// Report is the timeline of an election: its JSON keeps DESIGN.md's
// `{"intervals":[…]}` (the national series) and adds every series, the
// assumptions and the caveats.
type Report struct {
	Election string `json:"election"`
	// Scope and Source name the series whose intervals are Intervals: the
	// national one (of Options.Source, else the official source when it
	// has one, else the first). Intervals is empty when there are no
	// national snapshots.
	Scope       string       `json:"scope"`
	Source      actas.Source `json:"source,omitempty"`
	Intervals   []Interval   `json:"intervals"`
	Assumptions Assumptions  `json:"assumptions"`
	Summary     Summary      `json:"summary"`
	// Series lists every scope and source with snapshots: national first,
	// then areas (top level first, by path), then stations in the order
	// of the election's stations.
	Series  []*Series `json:"series"`
	Caveats []string  `json:"caveats"`
}

// Flagged returns the flagged series, largest ratio first.
func (r *Report) Flagged() []*Series {
	var out []*Series
	for _, s := range r.Series {
		if s.Flag {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b *Series) int { return cmp.Compare(float64(b.MaxRatio), float64(a.MaxRatio)) })
	return out
}

// Model returns the capacity model the options give for election e (e may
// be nil when the options state the hours), with the assumptions as
// reported. Errors are EINVALID and name the option.
func (opt *Options) Model(e *actas.Election) (Model, Assumptions, error) {
	m := Model{Open: NoTime, Close: NoTime}
	var a Assumptions
	clockOpt := func(name, given, fallback string) (int, string, error) {
		s := given
		if s == "" {
			s = fallback
		}
		if s == "" {
			return NoTime, "", nil
		}
		t, err := actas.ParseClock(s)
		if err != nil {
			return 0, "", actas.Errorf(actas.EINVALID, "timeline: %s: %v", name, err)
		}
		return t, clock(t), nil
	}
	var eOpen, eClose string
	var eSPV int
	if e != nil {
		eOpen, eClose, eSPV = e.Open, e.Close, e.SecondsPerVoter
	}
	var err error
	if m.Open, a.Open, err = clockOpt("open", opt.Open, eOpen); err != nil {
		return m, a, err
	}
	if m.Close, a.Close, err = clockOpt("close", opt.Close, eClose); err != nil {
		return m, a, err
	}
	switch {
	case opt.SecondsPerVoter < 0 || math.IsNaN(opt.SecondsPerVoter) || math.IsInf(opt.SecondsPerVoter, 0):
		return m, a, actas.Errorf(actas.EINVALID, "timeline: seconds per voter %v must be a positive number (0 for the default)", opt.SecondsPerVoter)
	case opt.SecondsPerVoter > 0:
		m.SecondsPerVoter = opt.SecondsPerVoter
	case eSPV > 0:
		m.SecondsPerVoter = float64(eSPV)
	default:
		m.SecondsPerVoter = actas.DefaultSecondsPerVoter
	}
	switch {
	case math.IsNaN(opt.QueueFraction) || opt.QueueFraction < 0 || opt.QueueFraction > 1:
		return m, a, actas.Errorf(actas.EINVALID, "timeline: queue fraction %v must be between 0 and 1", opt.QueueFraction)
	case opt.QueueFraction > 0 && opt.QueueMinutes != 0:
		return m, a, actas.Errorf(actas.EINVALID, "timeline: give the closing queue as minutes (%d) or as a fraction (%v), not both", opt.QueueMinutes, opt.QueueFraction)
	case opt.QueueFraction > 0:
		if m.Open == NoTime || m.Close == NoTime {
			return m, a, actas.Errorf(actas.EINVALID, "timeline: a queue fraction needs the opening and closing times; give the queue in minutes instead")
		}
		m.QueueMinutes = int(math.Ceil(opt.QueueFraction * float64(m.Close-m.Open)))
		a.QueueFraction = opt.QueueFraction
	case opt.QueueMinutes < 0:
		m.QueueMinutes = 0
	case opt.QueueMinutes == 0:
		m.QueueMinutes = DefaultQueueMinutes
	default:
		m.QueueMinutes = opt.QueueMinutes
	}
	if m.Close == NoTime {
		m.QueueMinutes = 0 // no close, no queue after it
	}
	if m.Close != NoTime && m.Close+m.QueueMinutes > 24*60 {
		m.QueueMinutes = 24*60 - m.Close // snapshots are times of election day
	}
	a.SecondsPerVoter, a.QueueMinutes = m.SecondsPerVoter, m.QueueMinutes
	switch {
	case opt.DefaultMachines < 0:
		return m, a, actas.Errorf(actas.EINVALID, "timeline: default machines %d must be positive (0 for %d)", opt.DefaultMachines, DefaultMachines)
	case opt.DefaultMachines == 0:
		a.DefaultMachines = DefaultMachines
	default:
		a.DefaultMachines = opt.DefaultMachines
	}
	if err := m.Check(); err != nil {
		return m, a, err
	}
	return m, a, nil
}

// scopeKey identifies a series while the snapshots are grouped.
type scopeKey struct {
	kind   int // 0 national, 1 area, 2 station
	scope  string
	source actas.Source
}

// Analyze builds the timeline of election e: one Series per scope and
// source with snapshots, each interval's votes against the capacity of the
// scope's machines (a station's own; the sum over an area's stations, or
// the count Options.Machines gives). stations are the election's stations;
// snaps its turnout snapshots, in any order (a Scope of "" or "national"
// with Station false is national). Analyze does not modify its arguments.
// Errors: EINVALID for bad options or a malformed snapshot (negative
// voters, a time outside the day, two different counts of one scope and
// source at the same time); ENOTFOUND for a snapshot of a station the election does
// not have, or of an area none of its stations lies in (unless
// Options.Machines gives that area's machines).
func Analyze(e *actas.Election, stations []actas.Station, snaps []actas.Snapshot, opt Options) (*Report, error) {
	m, assume, err := opt.Model(e)
	if err != nil {
		return nil, err
	}
	given := map[string]int64{}
	for path, n := range opt.Machines {
		p, err := actas.CanonicalPath(path)
		if err != nil {
			return nil, fmt.Errorf("timeline: machines of %q: %w", path, err)
		}
		if n <= 0 {
			return nil, actas.Errorf(actas.EINVALID, "timeline: machines of %s: %d must be positive", actas.DisplayPath(p), n)
		}
		given[p] = n
	}
	if len(given) > 0 {
		assume.GivenMachines = make(map[string]int64, len(given))
		for p, n := range given {
			assume.GivenMachines[actas.DisplayPath(p)] = n
		}
	}
	rep := &Report{Scope: actas.National, Assumptions: assume, Intervals: []Interval{}, Series: []*Series{}}
	if e != nil {
		rep.Election = e.ID
	}

	sorted, err := sortSnapshots(snaps, opt.Source)
	if err != nil {
		return nil, err
	}
	// One series per run of equal keys; points of a series are
	// sorted[first[k]:first[k+1]].
	var keys []scopeKey
	var first []int
	for i := range sorted {
		k := keyOf(&sorted[i])
		if i == 0 || k != keys[len(keys)-1] {
			keys = append(keys, k)
			first = append(first, i)
		} else if sorted[i].Time == sorted[i-1].Time {
			return nil, actas.Errorf(actas.EINVALID, "timeline: %s %s has two %s counts at %s: %d and %d",
				kindName(k.kind), displayScope(k), k.source, clock(sorted[i].Time), sorted[i-1].Voters, sorted[i].Voters)
		}
	}
	first = append(first, len(sorted))

	series := make([]*Series, len(keys))
	areaSeries := map[string][]int{}
	var areaDepth []bool // areaDepth[d]: some area series is d names deep
	stationSeries := map[string][]int{}
	var national []int
	for k, key := range keys {
		s := &Series{Scope: displayScope(key), Source: key.source}
		series[k] = s
		switch key.kind {
		case 0:
			s.Kind, s.Level = KindNational, actas.National
			national = append(national, k)
		case 1:
			s.Kind = KindArea
			names, err := actas.SplitPath(key.scope)
			if err != nil {
				return nil, fmt.Errorf("timeline: snapshot of area %q: %w", key.scope, err)
			}
			s.Level = fmt.Sprintf("level %d", len(names))
			if e != nil && len(names) <= len(e.Levels) {
				s.Level = e.Levels[len(names)-1]
			}
			s.order = len(names)
			areaSeries[key.scope] = append(areaSeries[key.scope], k)
			for len(areaDepth) <= len(names) {
				areaDepth = append(areaDepth, false)
			}
			areaDepth[len(names)] = true
		default:
			s.Kind, s.Level = KindStation, KindStation
			stationSeries[key.scope] = append(stationSeries[key.scope], k)
		}
	}

	// One pass over the stations gives every scope its machines. Stations
	// of an area are usually listed together, so the area series a
	// station counts in are looked up again only when its area changes.
	def := assume.DefaultMachines
	var natMachines int64
	var natAssumed int
	var prevArea string
	var inAreas []int
	for i := range stations {
		st := &stations[i]
		mach, assumed := st.Machines, 0
		if mach <= 0 {
			mach, assumed = def, 1
		}
		natMachines += mach
		natAssumed += assumed
		if len(stationSeries) > 0 {
			for _, k := range stationSeries[st.Code] {
				s := series[k]
				s.Stations, s.Machines, s.MachinesAssumed = 1, mach, assumed
				s.order = 1 + i
			}
		}
		if len(areaSeries) == 0 {
			continue
		}
		if i == 0 || st.Area != prevArea {
			prevArea = st.Area
			inAreas = appendAreaSeries(inAreas[:0], st.Area, areaDepth, areaSeries)
		}
		for _, k := range inAreas {
			s := series[k]
			s.Stations++
			s.Machines += mach
			s.MachinesAssumed += assumed
		}
	}
	for _, k := range national {
		series[k].Stations, series[k].Machines, series[k].MachinesAssumed = len(stations), natMachines, natAssumed
	}
	for k, key := range keys {
		s := series[k]
		if n, ok := given[key.scope]; ok && key.kind != 2 {
			s.Machines, s.MachinesAssumed, s.MachinesGiven = n, 0, true
		}
		if s.Machines > 0 {
			continue
		}
		switch key.kind {
		case 2:
			return nil, actas.Errorf(actas.ENOTFOUND, "timeline: snapshot of station %q: the election has no such station", key.scope)
		case 1:
			return nil, actas.Errorf(actas.ENOTFOUND, "timeline: snapshot of area %q: no station of the election lies in it; give its machines (Options.Machines) to analyse it anyway", key.scope)
		default:
			return nil, actas.Errorf(actas.EINVALID, "timeline: national snapshots but no stations: give the national machines (Options.Machines[\"national\"])")
		}
	}

	points := make([]Point, 0, 32)
	for k, key := range keys {
		s := series[k]
		points = points[:0]
		for _, sn := range sorted[first[k]:first[k+1]] {
			points = append(points, Point{Time: sn.Time, Voters: sn.Voters})
		}
		if m.Open != NoTime && points[0].Time <= m.Open && points[0].Voters > 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("%d voters counted at %s, at or before the opening (%s): the series starts at that count", points[0].Voters, clock(points[0].Time), clock(m.Open)))
		}
		final := false
		if opt.Final != nil && m.Close != NoTime && points[len(points)-1].Time < m.Close {
			if v, ok := opt.Final(s.Scope, key.kind == 2); ok {
				if v < 0 {
					return nil, actas.Errorf(actas.EINVALID, "timeline: final count of %s %s: %d voters is negative", kindName(key.kind), s.Scope, v)
				}
				points = append(points, Point{Time: m.Close, Voters: v})
				final = true
			}
		}
		s.Intervals = m.appendIntervals(make([]Interval, 0, len(points)), points, s.Machines, final)
		for i := range s.Intervals {
			iv := &s.Intervals[i]
			if !iv.Feasible {
				s.Infeasible++
			}
			if iv.Decrease {
				s.Decreases++
			}
			s.MaxRatio = max(s.MaxRatio, iv.Ratio)
		}
		s.Flag = s.Infeasible > 0
		if s.Decreases > 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("the count falls in %d interval(s): reports of this scope contradict each other", s.Decreases))
		}
	}

	slices.SortStableFunc(series, func(a, b *Series) int {
		if c := cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.order, b.order); c != 0 {
			return c
		}
		if a.Kind == KindArea {
			if c := strings.Compare(a.Scope, b.Scope); c != 0 {
				return c
			}
		}
		return cmp.Compare(sourceOrder(a.Source), sourceOrder(b.Source))
	})
	rep.Series = series
	rep.summarize(opt.Source)
	rep.Caveats = caveats(m, assume, natAssumed)
	return rep, nil
}

// sortSnapshots returns a copy of the snapshots of source (every source
// when empty), checked and ordered by kind, scope, source and time.
func sortSnapshots(snaps []actas.Snapshot, source actas.Source) ([]actas.Snapshot, error) {
	out := make([]actas.Snapshot, 0, len(snaps))
	for i := range snaps {
		sn := snaps[i]
		if source != "" && sn.Source != source {
			continue
		}
		if !sn.Station && sn.Scope == actas.National {
			sn.Scope = ""
		}
		if sn.Station && sn.Scope == "" {
			return nil, actas.Errorf(actas.EINVALID, "timeline: snapshot %d is of a station with no code", i+1)
		}
		if sn.Time < 0 || sn.Time > 24*60 {
			return nil, actas.Errorf(actas.EINVALID, "timeline: snapshot of %s: time %d is not a minute of election day", actas.DisplayPath(sn.Scope), sn.Time)
		}
		if sn.Voters < 0 {
			return nil, actas.Errorf(actas.EINVALID, "timeline: snapshot of %s at %s: %d voters is negative", actas.DisplayPath(sn.Scope), clock(sn.Time), sn.Voters)
		}
		out = append(out, sn)
	}
	slices.SortFunc(out, func(a, b actas.Snapshot) int {
		ka, kb := keyOf(&a), keyOf(&b)
		if c := cmp.Compare(ka.kind, kb.kind); c != 0 {
			return c
		}
		if c := strings.Compare(ka.scope, kb.scope); c != 0 {
			return c
		}
		if c := strings.Compare(string(ka.source), string(kb.source)); c != 0 {
			return c
		}
		return cmp.Compare(a.Time, b.Time)
	})
	// The same count stated twice (e.g. a file imported twice) is one
	// count; two different counts at one time are refused by the caller.
	out = slices.CompactFunc(out, func(a, b actas.Snapshot) bool {
		return keyOf(&a) == keyOf(&b) && a.Time == b.Time && a.Voters == b.Voters
	})
	return out, nil
}

func keyOf(sn *actas.Snapshot) scopeKey {
	k := scopeKey{kind: 1, scope: sn.Scope, source: sn.Source}
	switch {
	case sn.Station:
		k.kind = 2
	case sn.Scope == "":
		k.kind = 0
	}
	return k
}

func displayScope(k scopeKey) string {
	if k.kind == 2 {
		return k.scope
	}
	return actas.DisplayPath(k.scope)
}

func kindName(kind int) string {
	return [...]string{KindNational, KindArea, KindStation}[kind]
}

func kindOrder(kind string) int {
	switch kind {
	case KindNational:
		return 0
	case KindArea:
		return 1
	}
	return 2
}

func sourceOrder(s actas.Source) int {
	// Official first: turnout figures are usually the authority's.
	if s == actas.Official {
		return -1
	}
	if i := slices.Index(actas.Sources, s); i >= 0 {
		return i
	}
	return len(actas.Sources)
}

// appendAreaSeries appends to dst the series of the areas a station at
// path lies in, looking up only the depths (numbers of names) where some
// area has a series: an area's path is the prefix of path that ends
// before an unescaped '/', or path itself. It does not allocate beyond dst.
func appendAreaSeries(dst []int, path string, depth []bool, areas map[string][]int) []int {
	d := 0
	for j := 0; j <= len(path) && d+1 < len(depth); j++ {
		switch {
		case j < len(path) && path[j] == '\\':
			j++ // an escaped '/' or '\' belongs to a name
		case j == len(path) || path[j] == '/':
			d++
			if depth[d] {
				dst = append(dst, areas[path[:j]]...)
			}
		}
	}
	return dst
}

func (r *Report) summarize(source actas.Source) {
	sum := &r.Summary
	var nat *Series
	for _, s := range r.Series {
		sum.Series++
		if s.Flag {
			sum.Flagged++
		}
		sum.MaxRatio = max(sum.MaxRatio, s.MaxRatio)
		switch s.Kind {
		case KindNational:
			// Series are sorted with the official source first.
			if nat == nil {
				nat = s
			}
		case KindArea:
			sum.Areas++
			if s.Flag {
				sum.AreasFlagged++
			}
		case KindStation:
			sum.Stations++
			if s.Flag {
				sum.StationsFlagged++
			}
		}
	}
	if nat != nil {
		r.Intervals, r.Source = nat.Intervals, nat.Source
	} else {
		r.Source = source
	}
}

// caveats states what the report's numbers assume and cannot show.
func caveats(m Model, a Assumptions, assumed int) []string {
	out := []string{
		fmt.Sprintf("Capacity = machines × voting seconds ÷ %g seconds per voter. An interval over capacity (ratio above 1) means the counts, the number of machines, the time per voter or the voting hours assumed cannot all be right: a flag to investigate, not proof of fraud.", a.SecondsPerVoter),
		"A snapshot is what was reported for a time. A count transmitted late but stamped on arrival piles earlier votes into a later interval; check how the figures were collected before reading a surge as stuffing.",
	}
	if m.Close != NoTime {
		out = append(out, fmt.Sprintf("Voting hours end at %s; voters in line then may vote for %d more minutes (the closing queue). A series' last interval, when it ends at or after the close, is taken as the final count and credited up to the end of the queue. With a longer queue, capacity is larger.", a.Close, a.QueueMinutes))
	} else {
		out = append(out, "The closing time is unknown: intervals are credited their whole length and no closing queue is applied.")
	}
	if m.Open == NoTime {
		out = append(out, "The opening time is unknown: each series starts at its first snapshot.")
	}
	if assumed > 0 {
		out = append(out, fmt.Sprintf("%d station(s) state no number of machines and are counted with %d each; if they had more, their capacity is larger.", assumed, a.DefaultMachines))
	}
	if len(a.GivenMachines) > 0 {
		out = append(out, "Machines given by the caller for some areas replace the sum over their stations: their ratios are only as good as that count.")
	}
	return out
}

package consistency

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/timeline"
)

// The one-line caveats. Each result carries its full caveats; these are
// what a reader of the headline alone must not miss.
const (
	CaveatBound     = "Takes the counted sheets as authentic and the bulletin as final unless it states its coverage: \"impossible\" means the two cannot both be true, and the sheets' photographs are the evidence."
	CaveatCompare   = "A difference shows that two sources disagree, not which one is right: the sheet's photograph or a hand count decides."
	CaveatBulletins = "Descriptive: a bulletin covering part of the stations may give less than the counted sheets; bound says what is impossible."
	CaveatExactness = "Round shares suggest figures computed from percentages rather than counted; this cannot show which figure is false or by how much."
	CaveatTimeline  = "Capacity rests on the machines, seconds per voter, hours and closing queue assumed: an interval over it means they and the counts cannot all be right, not which one is wrong."
	CaveatForensics = "A flag is a reason to look closer, not proof of fraud; a clean result does not prove a clean count."
	CaveatProject   = "The interval measures sampling error only: if the counted stations are unlike the uncounted ones, the projection is biased and the interval does not show it."
)

// noTotals is why the analyses of bulletins cannot run.
func (r *Runner) noTotals() string {
	return fmt.Sprintf("no official totals are stored for contest %s: import a bulletin (area,choice,votes) to check it", r.c.ID)
}

// present reports whether a source has a submission in the election.
func (r *Runner) present(src actas.Source) bool {
	return src == actas.Reconciled || slices.Contains(r.in.Results.Sources(r.e.ID), src)
}

// counted returns the panel of src, or a reason to skip when it has no
// sheet.
func (r *Runner) counted(src actas.Source) (*actas.Panel, string, error) {
	if !r.present(src) {
		return nil, fmt.Sprintf("no %s sheets are stored", src), nil
	}
	p, err := r.Panel(src)
	if err != nil {
		return nil, "", err
	}
	if p.Counted() == 0 {
		return nil, fmt.Sprintf("no %s sheets for contest %s", src, r.c.ID), nil
	}
	return p, "", nil
}

func orDefault(s, def actas.Source) actas.Source {
	if s == "" {
		return def
	}
	return s
}

// sheetsOf says how many of a panel's stations have a sheet: "24,532
// counted reconciled sheets of 24,532 stations".
func sheetsOf(p *actas.Panel) string {
	return fmt.Sprintf("%s counted %s sheets of %s", Group(int64(p.Counted())), p.Source, plural(int64(len(p.Stations)), "station", "stations"))
}

func describeBulletin(b *actas.Bulletin) string {
	var parts []string
	parts = append(parts, actas.DisplayPath(b.Area))
	if !b.Time.IsZero() {
		parts = append(parts, "announced "+rfc3339(b.Time))
	}
	if b.Coverage > 0 {
		parts = append(parts, "claims "+strconv.FormatFloat(100*b.Coverage, 'f', -1, 64)+"% of the stations")
	}
	return fmt.Sprintf("bulletin %s (%s)", b.ID, strings.Join(parts, ", "))
}

// bound runs compare.Bound on one bulletin.
func (r *Runner) bound(o BoundOptions) *BoundSection {
	s := &BoundSection{Section: Section{Analysis: Bound, Caveat: CaveatBound}}
	if len(r.bulletins) == 0 {
		s.skip(r.noTotals())
		return s
	}
	b := r.latest(o.Area)
	if o.Bulletin != "" {
		b = r.find(o.Bulletin, o.Area)
	}
	if b == nil {
		s.skip(fmt.Sprintf("no bulletin states totals for %s", actas.DisplayPath(o.Area)))
		return s
	}
	src := orDefault(o.Source, actas.Reconciled)
	if !r.present(src) {
		s.skip(fmt.Sprintf("no %s sheets are stored", src))
		return s
	}
	p, err := r.Panel(src)
	if err != nil {
		s.fail(err)
		return s
	}
	res, err := compare.Bound(p, b, o.Options)
	if err != nil {
		s.fail(err)
		return s
	}
	s.Result = res
	s.Inputs = fmt.Sprintf("%s against %s; strata: %s", describeBulletin(b), sheetsOf(p), res.Level)
	switch res.Verdict {
	case compare.Impossible:
		s.Status = StatusFlag
	case compare.Implausible:
		s.Status = StatusWarning
	case compare.Plausible:
		s.Status = StatusClear
	default:
		s.Status = StatusUndetermined
	}
	s.Headline = boundHeadline(r.c, res)
	return s
}

// boundHeadline states the verdict and its first reason, with the numbers.
func boundHeadline(c *actas.Contest, res *compare.BoundReport) string {
	verdict := string(res.Verdict)
	if len(res.Reasons) == 0 || (res.Verdict != compare.Impossible && res.Verdict != compare.Implausible) {
		return lowerFirst(res.Summary)
	}
	first := res.Reasons[0]
	more := ""
	if n := len(res.Reasons) - 1; n > 0 {
		more = fmt.Sprintf(" (and %s)", plural(int64(n), "more reason", "more reasons"))
	}
	if ch := res.Choices[first.Choice]; first.Code == compare.ReasonNegative && ch != nil {
		return fmt.Sprintf("%s: %s's official total (%s) is %s below what the counted sheets alone give (%s)%s",
			verdict, ChoiceName(c, first.Choice), Group(ch.Official), Group(-ch.Required), Group(ch.Counted), more)
	}
	return verdict + ": " + strings.TrimSuffix(first.Text, ".") + more
}

// compare runs the station-by-station comparison of sources.
func (r *Runner) compare(o CompareOptions) *CompareSection {
	s := &CompareSection{Section: Section{Analysis: Compare, Caveat: CaveatCompare}, Comparisons: []*compare.Comparison{}}
	var have []*actas.Panel
	var names []string
	for _, src := range actas.Sources {
		if !r.present(src) {
			continue
		}
		p, err := r.Panel(src)
		if err != nil {
			s.fail(err)
			return s
		}
		if p.Counted() > 0 {
			have = append(have, p)
			names = append(names, fmt.Sprintf("%s (%s)", src, plural(int64(p.Counted()), "sheet", "sheets")))
		}
	}
	var err error
	switch {
	case o.Source != "":
		i := slices.IndexFunc(have, func(p *actas.Panel) bool { return p.Source == o.Source })
		if i < 0 {
			s.skip(fmt.Sprintf("no %s sheets for contest %s", o.Source, r.c.ID))
			return s
		}
		if len(have) < 2 {
			s.skip(fmt.Sprintf("only %s sheets are stored for contest %s: comparing station by station needs a second source", o.Source, r.c.ID))
			return s
		}
		for j, p := range have {
			if j == i {
				continue
			}
			pair, err := compare.ComparePairs([]*actas.Panel{have[i], p}, o.Options)
			if err != nil {
				s.fail(err)
				return s
			}
			s.Comparisons = append(s.Comparisons, pair...)
		}
	case len(have) == 0:
		s.skip(fmt.Sprintf("no sheets are stored for contest %s", r.c.ID))
		return s
	case len(have) == 1:
		s.skip(fmt.Sprintf("only %s sheets are stored for contest %s: comparing station by station needs a second source (e.g. the official per-station publication beside the witnesses' copies)", have[0].Source, r.c.ID))
		return s
	default:
		if s.Comparisons, err = compare.ComparePairs(have, o.Options); err != nil {
			s.fail(err)
			return s
		}
	}
	s.Inputs = "sheets of " + strings.Join(names, ", ")
	if len(s.Comparisons) > 0 {
		s.Inputs += "; areas: " + s.Comparisons[0].Level
	}
	main := 0
	for i, c := range s.Comparisons {
		if c.A == actas.Witness && c.B == actas.Official {
			main = i
			break
		}
		if beyondSlips(c) > beyondSlips(s.Comparisons[main]) {
			main = i
		}
	}
	s.Status = StatusSkipped // the least alarming: any pair's status replaces it
	flagged := 0
	for _, c := range s.Comparisons {
		st := compareStatus(c)
		if st == StatusFlag {
			flagged++
		}
		s.Status = worse(s.Status, st)
	}
	s.Headline = compareHeadline(r.c, s.Comparisons[main])
	if n := len(s.Comparisons) - 1; n > 0 {
		others := flagged
		if compareStatus(s.Comparisons[main]) == StatusFlag {
			others--
		}
		s.Headline += fmt.Sprintf("; %s compared, %d of them with differences beyond copying slips", plural(int64(n), "more pair", "more pairs"), others)
	}
	return s
}

func beyondSlips(c *compare.Comparison) int64 { return c.National.Differing - c.National.Slips }

func compareStatus(c *compare.Comparison) Status {
	switch {
	case beyondSlips(c) > 0:
		return StatusFlag
	case c.National.Differing > 0:
		return StatusWarning
	case c.National.Compared == 0:
		return StatusInfo
	}
	return StatusClear
}

// rank orders statuses from the most to the least alarming.
var rank = map[Status]int{StatusFlag: 0, StatusError: 1, StatusWarning: 2, StatusUndetermined: 3, StatusClear: 4, StatusInfo: 5, StatusSkipped: 6}

// worse returns the more alarming of two statuses.
func worse(a, b Status) Status {
	if rank[b] < rank[a] {
		return b
	}
	return a
}

// compareHeadline says how far two sources agree, with the net effect of
// their differences and the largest one.
func compareHeadline(c *actas.Contest, cp *compare.Comparison) string {
	n := cp.National
	pair := fmt.Sprintf("%s and %s sheets", cp.B, cp.A)
	switch {
	case n.Compared == 0:
		return fmt.Sprintf("no station has both a %s and a %s sheet: nothing was compared", cp.A, cp.B)
	case n.Differing == 0:
		return fmt.Sprintf("%s agree at all %s both have", pair, plural(n.Compared, "station", "stations"))
	case beyondSlips(cp) == 0:
		return fmt.Sprintf("%s differ at %s of the %s both have, each by one copying slip (listed with the side that made it)",
			pair, plural(n.Differing, "station", "stations"), Group(n.Compared))
	}
	h := fmt.Sprintf("%s differ at %s of the %s both have (%s beyond a copying slip; %s votes at stake)",
		pair, plural(n.Differing, "station", "stations"), Group(n.Compared), Group(beyondSlips(cp)), Group(n.VotesAtStake))
	type net struct {
		id string
		d  int64
	}
	var nets []net
	for _, id := range cp.Choices {
		if d := n.Net.Votes[id]; d != 0 {
			nets = append(nets, net{id, d})
		}
	}
	slices.SortStableFunc(nets, func(a, b net) int { return cmp.Compare(abs(b.d), abs(a.d)) })
	if len(nets) > 0 {
		var parts []string
		for _, x := range nets[:min(3, len(nets))] {
			parts = append(parts, ChoiceName(c, x.id)+" "+Signed(x.d))
		}
		h += fmt.Sprintf("; net effect of %s over %s: %s", cp.B, cp.A, strings.Join(parts, ", "))
	}
	if len(cp.Discrepancies) > 0 {
		d := cp.Discrepancies[0]
		h += fmt.Sprintf("; largest: station %s (%s votes at stake)", d.Station, Group(d.VotesAtStake))
	}
	return h
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// bulletinsCheck sets the bulletins beside the counted sheets.
func (r *Runner) bulletinsCheck(o BulletinsOptions) *BulletinsSection {
	src := orDefault(o.Source, actas.Reconciled)
	s := &BulletinsSection{Section: Section{Analysis: Bulletins, Caveat: CaveatBulletins}, Source: src, Checks: []*compare.BulletinCheck{}}
	var list []*actas.Bulletin
	for _, b := range r.bulletins {
		if o.Bulletin == "" || b.ID == o.Bulletin {
			list = append(list, b)
		}
	}
	if len(list) == 0 {
		s.skip(r.noTotals())
		return s
	}
	p, why, err := r.counted(src)
	switch {
	case err != nil:
		s.fail(err)
		return s
	case p == nil:
		s.skip(why)
		return s
	}
	checks, err := compare.CompareBulletins(p, list)
	if err != nil {
		s.fail(err)
		return s
	}
	s.Checks = checks
	var names []string
	for _, b := range checks {
		if !slices.Contains(names, b.Bulletin) {
			names = append(names, b.Bulletin)
		}
	}
	s.Inputs = fmt.Sprintf("%s (%s) beside %s", strings.Join(names, ", "), plural(int64(len(checks)), "area total", "area totals"), sheetsOf(p))

	// The largest shortfall of a choice against the counted sheets.
	var worst *compare.BulletinCheck
	var worstID string
	var below int
	for _, b := range checks {
		for _, id := range r.c.ChoiceIDs() {
			ch := b.Choices[id]
			if ch == nil || !ch.BelowCounted {
				continue
			}
			below++
			if worst == nil || *ch.Difference < *worst.Choices[worstID].Difference {
				worst, worstID = b, id
			}
		}
	}
	if worst == nil {
		s.Status = StatusInfo
		s.Headline = fmt.Sprintf("%s beside the counted %s sheets: none gives a choice fewer votes than the counted sheets alone",
			plural(int64(len(checks)), "bulletin", "bulletins"), src)
		return s
	}
	ch := worst.Choices[worstID]
	partial := worst.ClaimedCoverage != nil && *worst.ClaimedCoverage < 1
	s.Status = StatusFlag
	claim := ""
	if partial {
		s.Status = StatusWarning
		claim = fmt.Sprintf(", though it claims only %s of the stations", Percent(*worst.ClaimedCoverage))
	}
	s.Headline = fmt.Sprintf("bulletin %s (%s) gives %s %s fewer votes than the counted %s sheets alone (%s against %s)%s",
		worst.Bulletin, worst.Area, ChoiceName(r.c, worstID), Group(-*ch.Difference), src, Group(*ch.Official), Group(ch.Counted), claim)
	if below > 1 {
		s.Headline += fmt.Sprintf("; %d totals of a choice in all are below the counted sheets", below)
	}
	return s
}

// project runs the projection, or the quick count of a sample.
func (r *Runner) project(o ProjectOptions, progress func(Analysis, string)) *ProjectSection {
	s := &ProjectSection{Section: Section{Analysis: Project, Caveat: CaveatProject}}
	src := orDefault(o.Source, actas.Reconciled)
	p, why, err := r.counted(src)
	switch {
	case err != nil:
		s.fail(err)
		return s
	case p == nil:
		s.skip(why + ": nothing to project from")
		return s
	}
	opts := o.Options
	n := p.Counted()
	if o.Sample != nil {
		n = min(n, len(o.Sample.Stations))
	}
	var notes []string
	if opts.Replicates == 0 {
		opts.Replicates = estimate.DefaultReplicates
		if n > BootstrapLimit {
			opts.Replicates = -1
			notes = append(notes, fmt.Sprintf("no bootstrap: %s counted stations are more than %s, beyond which it is left out unless replicates are asked for",
				Group(int64(n)), Group(BootstrapLimit)))
		}
	}
	work := "analytic interval"
	if opts.Replicates > 0 {
		work = fmt.Sprintf("%s bootstrap replicates over %s stations", Group(int64(opts.Replicates)), Group(int64(n)))
	}
	progress(Project, work)
	var res *estimate.Projection
	if o.Sample != nil {
		res, err = estimate.QuickCount(p, o.Sample, opts)
	} else {
		res, err = estimate.Project(p, opts)
	}
	if err != nil {
		s.fail(err)
		return s
	}
	s.Result = res
	inputs := []string{sheetsOf(p), "strata: " + res.Strata}
	if res.Level != actas.National {
		inputs = append(inputs, "areas: "+res.Level)
	}
	if res.Sample != nil {
		inputs = append(inputs, fmt.Sprintf("quick count: %s of %s sampled stations received", Group(int64(res.Sample.Received)), Group(int64(res.Sample.Sampled))))
	}
	s.Inputs = strings.Join(append(inputs, notes...), "; ")
	s.Status = StatusInfo
	s.Headline = projectHeadline(r.c, res)
	if res.Coverage.Biased {
		s.Status = StatusWarning
		var what []string
		for _, b := range res.Coverage.Balances {
			if b.Flag {
				what = append(what, balanceName(r.c, b.Variable))
			}
		}
		s.Headline += fmt.Sprintf("; warning: the counted stations differ from the uncounted ones (%s), so the projection may be biased beyond its interval",
			strings.Join(what, ", "))
	}
	return s
}

// projectHeadline gives the three largest shares with their intervals.
func projectHeadline(c *actas.Contest, res *estimate.Projection) string {
	ids := slices.Clone(res.Choices)
	ids = slices.DeleteFunc(ids, func(id string) bool { _, ok := res.Estimates[id]; return !ok })
	slices.SortStableFunc(ids, func(a, b string) int { return cmp.Compare(res.Estimates[b].Share, res.Estimates[a].Share) })
	var parts []string
	for _, id := range ids[:min(3, len(ids))] {
		e := res.Estimates[id]
		parts = append(parts, fmt.Sprintf("%s %s [%s, %s]", ChoiceName(c, id), Percent(e.Share), Percent(e.Low), Percent(e.High)))
	}
	if len(parts) == 0 {
		return "no share could be estimated (no counted votes)"
	}
	of := "of valid votes"
	if res.Denominator == estimate.Ballots {
		of = "of all ballots"
	}
	conf := strconv.FormatFloat(100*res.Confidence, 'f', -1, 64) + "%"
	return fmt.Sprintf("%s %s; %s intervals from %s of %s stations", strings.Join(parts, ", "), of, conf,
		Group(res.StationsCounted), Group(res.Stations))
}

// balanceName says in words what a coverage balance compares.
func balanceName(c *actas.Contest, v string) string {
	switch {
	case v == "registered":
		return "registered voters per station"
	case v == "stratum-mix":
		return "how they spread over the strata"
	case strings.HasPrefix(v, "official-share:"):
		return "official share of " + ChoiceName(c, strings.TrimPrefix(v, "official-share:"))
	}
	return v
}

// forensics runs the forensic tests on one source's sheets.
func (r *Runner) forensics(o ForensicsOptions, progress func(Analysis, string)) *ForensicsSection {
	s := &ForensicsSection{Section: Section{Analysis: Forensics, Caveat: CaveatForensics}}
	src := o.Source
	if src == "" {
		src = actas.Reconciled
		if r.present(actas.Official) {
			if p, err := r.Panel(actas.Official); err == nil && p.Counted() > 0 {
				src = actas.Official
			}
		}
	}
	p, why, err := r.counted(src)
	switch {
	case err != nil:
		s.fail(err)
		return s
	case p == nil:
		s.skip(why)
		return s
	}
	reps := o.Options.Replicates
	if reps == 0 {
		reps = forensics.DefaultReplicates
	}
	progress(Forensics, fmt.Sprintf("integer-percent Monte-Carlo: %s replicates over %s stations", Group(int64(reps)), Group(int64(p.Counted()))))
	res, err := forensics.Run(p, o.Options)
	if err != nil {
		s.fail(err)
		return s
	}
	s.Result = res
	s.Inputs = fmt.Sprintf("%s; leader: %s", sheetsOf(p), ChoiceName(r.c, res.Leader))
	var flagged []string
	run, skipped := 0, 0
	for _, t := range res.Tests {
		if t.Skipped != "" {
			skipped++
			continue
		}
		run++
		if t.Flag {
			flagged = append(flagged, testSummary(t))
		}
	}
	notRun := ""
	if skipped > 0 {
		notRun = fmt.Sprintf(", %d could not run", skipped)
	}
	if len(flagged) == 0 {
		s.Status = StatusClear
		s.Headline = fmt.Sprintf("no test flags the %s sheets (%d tests run%s)", src, run, notRun)
		return s
	}
	s.Status = StatusFlag
	s.Headline = fmt.Sprintf("%d of %d tests flag the %s sheets: %s", len(flagged), run, src, strings.Join(flagged, "; "))
	return s
}

// testSummary names a flagged test with its number.
func testSummary(t forensics.Test) string {
	switch {
	case t.Name == forensics.NameImpossible:
		return fmt.Sprintf("%s (%s)", t.Name, plural(int64(t.Statistic), "sheet", "sheets"))
	case (t.Name == forensics.NameIntegerPercent || t.Name == forensics.NameFingerprint) && t.Excess != nil && t.SD != nil:
		return fmt.Sprintf("%s (%s stations in excess, chance spread ±%s)", t.Name, Group(int64(math.Round(*t.Excess))), Group(int64(math.Round(*t.SD))))
	case t.PValue != nil:
		return fmt.Sprintf("%s (p = %.2g)", t.Name, *t.PValue)
	}
	return t.Name
}

// timeline runs the timeline of the snapshots of one source.
func (r *Runner) timeline(o TimelineOptions) *TimelineSection {
	s := &TimelineSection{Section: Section{Analysis: Timeline, Caveat: CaveatTimeline}}
	opts := o.Options
	opts.Source = orDefault(opts.Source, actas.Official)
	n := 0
	for i := range r.in.Snapshots {
		if r.in.Snapshots[i].Source == opts.Source {
			n++
		}
	}
	if n == 0 {
		why := fmt.Sprintf("no turnout snapshots of source %s are stored", opts.Source)
		if len(r.in.Snapshots) > 0 {
			why += fmt.Sprintf(" (%s of other sources)", plural(int64(len(r.in.Snapshots)), "snapshot", "snapshots"))
		}
		s.skip(why)
		return s
	}
	// The official panel gives both the station list and each station's
	// final count; another panel the list alone.
	src := actas.Reconciled
	if r.present(actas.Official) {
		src = actas.Official
	}
	p, err := r.Panel(src)
	if err != nil {
		s.fail(err)
		return s
	}
	final := ""
	if opts.Final == nil && src == actas.Official && p.Counted() > 0 {
		opts.Final = timeline.SheetFinal(p)
		final = "; stations' series end at their official sheet's count"
	}
	res, err := timeline.Analyze(r.e, p.Stations, r.in.Snapshots, opts)
	if err != nil {
		s.fail(err)
		return s
	}
	s.Result = res
	a := res.Assumptions
	queue := "no closing queue"
	if a.QueueMinutes > 0 {
		queue = fmt.Sprintf("a %d-minute closing queue", a.QueueMinutes)
	}
	s.Inputs = fmt.Sprintf("%s of source %s in %s; %g s per voter, hours %s–%s, %s%s",
		plural(int64(n), "snapshot", "snapshots"), opts.Source, plural(int64(res.Summary.Series), "series", "series"),
		a.SecondsPerVoter, orUnknown(a.Open), orUnknown(a.Close), queue, final)
	if res.Summary.Flagged == 0 {
		s.Status = StatusClear
		s.Headline = fmt.Sprintf("feasible: no interval of the %s exceeds what the machines could take (largest ratio %s)",
			plural(int64(res.Summary.Series), "series", "series"), ratio(res.Summary.MaxRatio))
		return s
	}
	s.Status = StatusFlag
	worst := res.Flagged()[0]
	var iv *timeline.Interval
	for i := range worst.Intervals {
		if x := &worst.Intervals[i]; !x.Feasible && !x.Decrease && (iv == nil || x.Ratio > iv.Ratio) {
			iv = x
		}
	}
	scope := worst.Scope
	switch worst.Kind {
	case timeline.KindArea:
		scope = "area " + scope
	case timeline.KindStation:
		scope = "station " + scope
	}
	if iv == nil {
		s.Headline = fmt.Sprintf("infeasible: %s exceeds capacity", scope)
	} else if math.IsInf(float64(iv.Ratio), 0) {
		s.Headline = fmt.Sprintf("infeasible: %s records %s votes between %s and %s, when there was no voting time", scope, Group(iv.Votes), iv.From, iv.To)
	} else {
		s.Headline = fmt.Sprintf("infeasible: %s needs %s votes between %s and %s, %s times the %s its %s machines could take at %g s per voter",
			scope, Group(iv.Votes), iv.From, iv.To, ratio(iv.Ratio), Group(iv.Capacity), Group(worst.Machines), a.SecondsPerVoter)
	}
	if n := res.Summary.Flagged; n > 1 {
		s.Headline += fmt.Sprintf("; %d of %d series exceed capacity (%d areas, %d stations)", n, res.Summary.Series, res.Summary.AreasFlagged, res.Summary.StationsFlagged)
	}
	return s
}

func ratio(r timeline.Ratio) string {
	if math.IsInf(float64(r), 0) {
		return "infinite"
	}
	return strconv.FormatFloat(float64(r), 'f', 2, 64)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// exactness checks the percentages of the national bulletins (or of the
// one named).
func (r *Runner) exactness(o ExactnessOptions) *ExactnessSection {
	s := &ExactnessSection{Section: Section{Analysis: Exactness, Caveat: CaveatExactness}, Checks: []*ExactnessCheck{}}
	if len(r.bulletins) == 0 {
		s.skip(r.noTotals())
		return s
	}
	var skipped []string
	var flagged []*ExactnessCheck
	checked := 0
	for _, b := range r.bulletins {
		if (o.Bulletin != "" && b.ID != o.Bulletin) || (o.Bulletin == "" && b.Area != "") {
			continue
		}
		x := &ExactnessCheck{Bulletin: b.ID, Area: actas.DisplayPath(b.Area)}
		s.Checks = append(s.Checks, x)
		stated := 0
		for _, v := range b.Votes {
			if v != actas.Unknown {
				stated++
			}
		}
		switch {
		case b.Area == "" && o.Totals[b.ID] > 0:
			x.Total, x.TotalBasis = o.Totals[b.ID], "given"
		case b.ValidVotes > 0:
			x.Total, x.TotalBasis = b.ValidVotes, "announced"
		case stated == len(b.Votes):
			x.Total, x.TotalBasis = b.Valid(), "choices"
		default:
			x.Skipped = fmt.Sprintf("bulletin %s states %d of the %d choices and not the total its shares are of: give that total (its valid votes) to check it", b.ID, stated, len(b.Votes))
			skipped = append(skipped, x.Skipped)
			continue
		}
		res, err := timeline.BulletinExactness(r.c, b, x.Total, o.Options)
		if err != nil {
			x.Skipped = actas.ErrorMessage(err)
			skipped = append(skipped, x.Skipped)
			continue
		}
		x.Result = res
		checked++
		if res.Flag {
			flagged = append(flagged, x)
		}
	}
	switch {
	case len(s.Checks) == 0:
		s.skip("no bulletin states national totals")
		return s
	case checked == 0:
		s.skip(strings.Join(skipped, "; "))
		return s
	}
	s.Inputs = fmt.Sprintf("%s; round step %s%%", plural(int64(checked), "bulletin checked", "bulletins checked"),
		strconv.FormatFloat(100*s.firstResult().Resolution, 'f', -1, 64))
	notChecked := ""
	if n := len(s.Checks) - checked; n > 0 {
		notChecked = fmt.Sprintf("; %s not checked (no total)", plural(int64(n), "bulletin", "bulletins"))
	}
	if len(flagged) == 0 {
		s.Status = StatusClear
		s.Headline = fmt.Sprintf("the shares of %s are no rounder than counted figures often are%s",
			plural(int64(checked), "bulletin", "bulletins"), notChecked)
		return s
	}
	s.Status = StatusFlag
	x := flagged[0]
	res := x.Result
	s.Headline = fmt.Sprintf("bulletin %s (%s): its %d shares lie within %s percentage points of multiples of %s%%, a chance of %.2g if the figures were counted",
		x.Bulletin, x.Area, res.Tested, Small(100*res.Statistic),
		strconv.FormatFloat(100*res.Resolution, 'f', -1, 64), res.PValue)
	if len(flagged) > 1 {
		s.Headline += fmt.Sprintf("; %d bulletins in all are that exact", len(flagged))
	}
	s.Headline += notChecked
	return s
}

func (s *ExactnessSection) firstResult() *timeline.Exactness {
	for _, x := range s.Checks {
		if x.Result != nil {
			return x.Result
		}
	}
	return &timeline.Exactness{Resolution: timeline.DefaultResolution}
}

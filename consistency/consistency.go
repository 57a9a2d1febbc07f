package consistency

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/timeline"
)

// Analysis names one analysis of a Report.
type Analysis string

const (
	// Compare: every pair of sources, station by station (compare.Compare).
	Compare Analysis = "compare"
	// Bulletins: each official bulletin beside the counted sheets of its
	// area (compare.CompareBulletins).
	Bulletins Analysis = "bulletins"
	// Bound: what the uncounted stations would have to hold for a bulletin
	// to be true (compare.Bound).
	Bound Analysis = "bound"
	// Project: each choice's share over all stations, with intervals
	// (estimate.Project, or estimate.QuickCount from a sample).
	Project Analysis = "project"
	// Forensics: statistical traces of falsification (forensics.Run).
	Forensics Analysis = "forensics"
	// Timeline: turnout snapshots against voting capacity
	// (timeline.Analyze).
	Timeline Analysis = "timeline"
	// Exactness: bulletins' shares against the chance of being as round as
	// they are (timeline.BulletinExactness).
	Exactness Analysis = "exactness"
)

// Analyses returns every analysis in the order a report shows them: the
// hard verdicts first, the estimates last.
func Analyses() []Analysis {
	return []Analysis{Bound, Compare, Bulletins, Exactness, Timeline, Forensics, Project}
}

// ParseAnalysis returns the named analysis. Errors are EINVALID and list
// the names.
func ParseAnalysis(name string) (Analysis, error) {
	for _, a := range Analyses() {
		if string(a) == name {
			return a, nil
		}
	}
	names := make([]string, 0, 7)
	for _, a := range Analyses() {
		names = append(names, string(a))
	}
	return "", actas.Errorf(actas.EINVALID, "unknown analysis %q: use one of %s", name, strings.Join(names, ", "))
}

// Status is what an analysis found, for a page to colour and a reader to
// scan.
type Status string

const (
	// StatusFlag: the figures cannot all be true as stated, or a test
	// flags them.
	StatusFlag Status = "flag"
	// StatusWarning: implausible, or a reason to read the figures with
	// care (e.g. counted stations unlike the uncounted ones).
	StatusWarning Status = "warning"
	// StatusClear: nothing found. This does not show that the official
	// result is right.
	StatusClear Status = "clear"
	// StatusUndetermined: the analysis ran and cannot decide.
	StatusUndetermined Status = "undetermined"
	// StatusInfo: an estimate or a description, not a test.
	StatusInfo Status = "info"
	// StatusSkipped: an input is missing; Skipped says which.
	StatusSkipped Status = "skipped"
	// StatusError: the analysis failed on these inputs; Skipped says why.
	StatusError Status = "error"
)

// Section is what every analysis of a Report says about itself.
type Section struct {
	Analysis Analysis `json:"analysis"`
	Status   Status   `json:"status"`
	// Headline is the verdict in one line, with its numbers; empty when
	// the analysis did not run.
	Headline string `json:"headline"`
	// Caveat is what the verdict cannot show, in one line. The result
	// itself carries the full caveats.
	Caveat string `json:"caveat"`
	// Inputs says what the analysis ran on (sources, bulletin, options
	// that matter), in words.
	Inputs string `json:"inputs"`
	// Skipped says why the analysis did not run: a missing input
	// (StatusSkipped) or the error it returned (StatusError).
	Skipped string `json:"skipped,omitempty"`
	// Err is the analysis's error for StatusError, with its code
	// (actas.ErrorCode), for a caller that reports it as its own.
	Err error `json:"-"`
}

// Ran reports whether the analysis produced a result (false for a nil
// section: one not asked for).
func (s *Section) Ran() bool {
	return s != nil && s.Status != StatusSkipped && s.Status != StatusError
}

func (s *Section) skip(reason string) {
	s.Status, s.Skipped = StatusSkipped, reason
}

func (s *Section) fail(err error) {
	s.Status, s.Skipped, s.Err = StatusError, actas.ErrorMessage(err), err
}

// CompareSection is the station-by-station comparison of sources.
type CompareSection struct {
	Section
	// Comparisons are the pairs compared, the source listed first in
	// actas.Sources as a (differences read b − a).
	Comparisons []*compare.Comparison `json:"comparisons"`
}

// BulletinsSection sets the official bulletins beside the counted sheets.
type BulletinsSection struct {
	Section
	Source actas.Source             `json:"source"`
	Checks []*compare.BulletinCheck `json:"checks"`
}

// BoundSection is what the uncounted stations would need for one bulletin.
type BoundSection struct {
	Section
	Result *compare.BoundReport `json:"result,omitempty"`
}

// ProjectSection is the projection of the result over all stations.
type ProjectSection struct {
	Section
	Result *estimate.Projection `json:"result,omitempty"`
}

// ForensicsSection is the forensic tests of one source's sheets.
type ForensicsSection struct {
	Section
	Result *forensics.Report `json:"result,omitempty"`
}

// TimelineSection is turnout against voting capacity.
type TimelineSection struct {
	Section
	Result *timeline.Report `json:"result,omitempty"`
}

// ExactnessSection is the exactness of bulletins' percentages.
type ExactnessSection struct {
	Section
	Checks []*ExactnessCheck `json:"checks"`
}

// ExactnessCheck is one bulletin's exactness test, or why it was not run.
type ExactnessCheck struct {
	Bulletin string `json:"bulletin"`
	Area     string `json:"area"` // path; national for the whole election
	// Total is what the shares are of, and TotalBasis where it comes
	// from: "given" (Options), "announced" (the bulletin's valid votes)
	// or "choices" (the bulletin states every choice: their sum). Zero and
	// empty when unknown.
	Total      int64               `json:"total"`
	TotalBasis string              `json:"total_basis"`
	Result     *timeline.Exactness `json:"result,omitempty"`
	Skipped    string              `json:"skipped,omitempty"`
}

// SourceCount is how many stations a source has a sheet for.
type SourceCount struct {
	Source          actas.Source `json:"source"` // a source, or reconciled
	StationsCounted int64        `json:"stations_counted"`
}

// BulletinInfo describes one official bulletin of the contest.
type BulletinInfo struct {
	ID       string   `json:"bulletin"`
	Area     string   `json:"area"`           // path; national for the whole election
	Time     string   `json:"time,omitempty"` // RFC 3339, when known
	Coverage *float64 `json:"claimed_coverage"`
}

// Data says what the store holds for the contest: the inputs of the
// analyses.
type Data struct {
	Stations int64 `json:"stations"`
	// Sources counts the sheets of every source with a submission, and
	// of the reconciled view.
	Sources   []SourceCount  `json:"sources"`
	Bulletins []BulletinInfo `json:"bulletins"`
	Snapshots int            `json:"snapshots"` // of every source
}

// Report is every analysis run on one election and contest. A section is
// nil when the analysis was not asked for.
type Report struct {
	Election string         `json:"election"`
	Contest  string         `json:"contest"`
	Choices  []actas.Choice `json:"choices"`
	Data     Data           `json:"data"`

	Bound     *BoundSection     `json:"bound,omitempty"`
	Compare   *CompareSection   `json:"compare,omitempty"`
	Bulletins *BulletinsSection `json:"bulletins,omitempty"`
	Exactness *ExactnessSection `json:"exactness,omitempty"`
	Timeline  *TimelineSection  `json:"timeline,omitempty"`
	Forensics *ForensicsSection `json:"forensics,omitempty"`
	Project   *ProjectSection   `json:"project,omitempty"`
}

// Sections returns the sections that were asked for, in the order of
// Analyses.
func (r *Report) Sections() []*Section {
	var out []*Section
	for _, a := range Analyses() {
		if s := r.Section(a); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// Section returns the section of analysis a, or nil when it was not asked
// for.
func (r *Report) Section(a Analysis) *Section {
	switch a {
	case Bound:
		if r.Bound != nil {
			return &r.Bound.Section
		}
	case Compare:
		if r.Compare != nil {
			return &r.Compare.Section
		}
	case Bulletins:
		if r.Bulletins != nil {
			return &r.Bulletins.Section
		}
	case Exactness:
		if r.Exactness != nil {
			return &r.Exactness.Section
		}
	case Timeline:
		if r.Timeline != nil {
			return &r.Timeline.Section
		}
	case Forensics:
		if r.Forensics != nil {
			return &r.Forensics.Section
		}
	case Project:
		if r.Project != nil {
			return &r.Project.Section
		}
	}
	return nil
}

// Inputs are what the analyses read. The runner does not modify them.
type Inputs struct {
	Election *actas.Election
	// Contest is the contest's id; "" selects the only contest of the
	// election.
	Contest string
	// Results builds the panels (the tabulation, e.g. a
	// *tabulate.Tabulator). Required.
	Results actas.ResultService
	// Totals are the election's official totals as stored (any contest;
	// the runner keeps the contest's): the bulletins.
	Totals []actas.OfficialTotal
	// Snapshots are the election's turnout snapshots as stored.
	Snapshots []actas.Snapshot
}

// Options choose the analyses and tune them. The zero value runs every
// analysis with the defaults the package documentation lists.
type Options struct {
	// Analyses to run; empty runs all of them.
	Analyses  []Analysis
	Compare   CompareOptions
	Bulletins BulletinsOptions
	Bound     BoundOptions
	Project   ProjectOptions
	Forensics ForensicsOptions
	Timeline  TimelineOptions
	Exactness ExactnessOptions
	// Progress, when set, is called before each analysis with a short
	// description of the work ahead (e.g. "1,000 bootstrap replicates
	// over 6,307 stations"), for a caller to show while it runs.
	Progress func(a Analysis, work string)
}

// CompareOptions tune the comparison of sources.
type CompareOptions struct {
	// Source, when set, compares that source with every other one
	// instead of every pair. Not reconciled.
	Source actas.Source
	// Options: Level ("" the first level) and Top of compare.Compare.
	Options compare.CompareOptions
}

// BulletinsOptions tune the bulletins check.
type BulletinsOptions struct {
	// Source of the counted sheets; "" is reconciled.
	Source actas.Source
	// Bulletin keeps only the bulletin of that name (every area of it);
	// "" keeps every bulletin.
	Bulletin string
}

// BoundOptions tune the bound.
type BoundOptions struct {
	// Source of the counted sheets; "" is reconciled.
	Source actas.Source
	// Bulletin names the bulletin; "" is the latest one stating totals
	// for Area (by announcement time; those without a time come first,
	// then by name).
	Bulletin string
	// Area is the path of the bulletin's area; "" or "national" is the
	// whole election.
	Area string
	// Options: the strata's Level ("" the first level) and the
	// thresholds of compare.Bound.
	Options compare.BoundOptions
}

// BootstrapLimit is the most counted stations for which Project runs its
// bootstrap by default: 1,000 replicates cost one pass over the counted
// stations each, about 1.7 s at this size on two shared cores, and the
// report keeps every analysis under 2 s. The analytic interval is always
// given; ask for replicates to have the bootstrap at any size.
const BootstrapLimit = 50_000

// ProjectOptions tune the projection.
type ProjectOptions struct {
	// Source of the counted sheets; "" is reconciled.
	Source actas.Source
	// Options of estimate.Project. Replicates 0 is
	// estimate.DefaultReplicates up to BootstrapLimit counted stations
	// and no bootstrap above it.
	Options estimate.Options
	// Sample, when set, projects from a quick-count sample as it arrives
	// (estimate.QuickCount) instead of from every counted station.
	Sample *estimate.Sample
}

// ForensicsOptions tune the forensic tests.
type ForensicsOptions struct {
	// Source of the sheets tested; "" is official when the official
	// source has a sheet, else reconciled.
	Source actas.Source
	// Options of forensics.Run.
	Options forensics.Options
}

// TimelineOptions tune the timeline.
type TimelineOptions struct {
	// Options of timeline.Analyze. Source "" keeps the official
	// snapshots; Final nil ends each station's series at its official
	// sheet's count (timeline.SheetFinal).
	Options timeline.Options
}

// ExactnessOptions tune the exactness check.
type ExactnessOptions struct {
	// Bulletin checks only the bulletin of that name (every area of it);
	// "" checks every national bulletin.
	Bulletin string
	// Totals gives, by bulletin name, the total its national shares are
	// of (its valid votes), for a bulletin that does not state every
	// choice.
	Totals map[string]int64
	// Options of timeline.CheckExactness.
	Options timeline.ExactnessOptions
}

// Runner runs analyses on one election and contest, building each panel
// once and keeping it for later runs: a Runner reads the tabulation as it
// was when each panel was first asked for. It is not safe for concurrent
// use.
type Runner struct {
	in        Inputs
	e         *actas.Election
	c         *actas.Contest
	bulletins []*actas.Bulletin
	panels    map[actas.Source]*actas.Panel
}

// New checks the inputs and returns a Runner. Errors: EINVALID without an
// election or results; those of Election.Contest for the contest.
func New(in Inputs) (*Runner, error) {
	if in.Election == nil || in.Results == nil {
		return nil, actas.Errorf(actas.EINVALID, "consistency: an election and its results are needed")
	}
	c, err := in.Election.Contest(in.Contest)
	if err != nil {
		return nil, err
	}
	return &Runner{in: in, e: in.Election, c: c, bulletins: actas.Bulletins(c, in.Totals),
		panels: map[actas.Source]*actas.Panel{}}, nil
}

// Run runs the analyses of the election's contest: each builds what it
// needs from the inputs once. See Runner.Run.
func Run(in Inputs, opts Options) (*Report, error) {
	r, err := New(in)
	if err != nil {
		return nil, err
	}
	return r.Run(opts)
}

// Contest returns the contest the runner analyses.
func (r *Runner) Contest() *actas.Contest { return r.c }

// Bulletins returns the contest's official bulletins (actas.Bulletins).
func (r *Runner) Bulletins() []*actas.Bulletin { return r.bulletins }

// Panel returns the panel of a source (or the reconciled view), built on
// first use and kept. Panels share their station list, which analyses
// treat as read-only.
func (r *Runner) Panel(src actas.Source) (*actas.Panel, error) {
	if p := r.panels[src]; p != nil {
		return p, nil
	}
	p, err := r.in.Results.Panel(r.e.ID, r.c.ID, src)
	if err != nil {
		return nil, fmt.Errorf("%s sheets: %w", src, err)
	}
	// Every panel of one tabulation lists the same stations in the same
	// order: keep one copy of the list (a million stations are tens of
	// megabytes each).
	for _, q := range r.panels {
		if sameStations(q.Stations, p.Stations) {
			p.Stations = q.Stations
		}
		break
	}
	r.panels[src] = p
	return p, nil
}

func sameStations(a, b []actas.Station) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Run runs the analyses opts asks for and returns their report. An
// analysis whose input is missing (no official totals, no snapshots, one
// source only, …) is skipped with the reason; one that fails on the data
// records its error in its section (StatusError); the others still run.
//
// Errors, returned before anything runs: EINVALID for an unknown analysis,
// source, level or area, or a confidence outside (0, 1); ENOTFOUND for a
// bulletin named in the options that the contest does not have.
func (r *Runner) Run(opts Options) (*Report, error) {
	want, err := r.check(&opts)
	if err != nil {
		return nil, err
	}
	rep := &Report{Election: r.e.ID, Contest: r.c.ID, Choices: r.c.Choices,
		Data: Data{Sources: []SourceCount{}, Bulletins: []BulletinInfo{}, Snapshots: len(r.in.Snapshots)}}
	for _, src := range slices.Concat(r.in.Results.Sources(r.e.ID), []actas.Source{actas.Reconciled}) {
		// The tabulation keeps these totals: no panel is built for them.
		nat, _, err := r.in.Results.Area(r.e.ID, r.c.ID, src, "")
		if err != nil {
			return nil, fmt.Errorf("%s results: %w", src, err)
		}
		rep.Data.Stations = nat.Stations
		rep.Data.Sources = append(rep.Data.Sources, SourceCount{Source: src, StationsCounted: nat.StationsCounted})
	}
	for _, b := range r.bulletins {
		rep.Data.Bulletins = append(rep.Data.Bulletins, BulletinInfo{ID: b.ID, Area: actas.DisplayPath(b.Area), Time: rfc3339(b.Time), Coverage: coverage(b)})
	}
	progress := func(a Analysis, work string) {
		if opts.Progress != nil {
			opts.Progress(a, work)
		}
	}
	for _, a := range Analyses() {
		if !want[a] {
			continue
		}
		switch a {
		case Bound:
			progress(a, "what the uncounted stations would need")
			rep.Bound = r.bound(opts.Bound)
		case Compare:
			progress(a, "sources station by station")
			rep.Compare = r.compare(opts.Compare)
		case Bulletins:
			progress(a, "bulletins beside the counted sheets")
			rep.Bulletins = r.bulletinsCheck(opts.Bulletins)
		case Exactness:
			progress(a, "exactness of bulletins' percentages")
			rep.Exactness = r.exactness(opts.Exactness)
		case Timeline:
			progress(a, "turnout against capacity")
			rep.Timeline = r.timeline(opts.Timeline)
		case Forensics:
			rep.Forensics = r.forensics(opts.Forensics, progress)
		case Project:
			rep.Project = r.project(opts.Project, progress)
		}
	}
	return rep, nil
}

// check validates the options that do not depend on the data and returns
// the analyses asked for.
func (r *Runner) check(o *Options) (map[Analysis]bool, error) {
	want := map[Analysis]bool{}
	for _, a := range o.Analyses {
		if _, err := ParseAnalysis(string(a)); err != nil {
			return nil, err
		}
		want[a] = true
	}
	if len(want) == 0 {
		for _, a := range Analyses() {
			want[a] = true
		}
	}
	sources := []struct {
		name       string
		s          actas.Source
		reconciled bool
	}{
		{"compare source", o.Compare.Source, false}, {"bulletins source", o.Bulletins.Source, true},
		{"bound source", o.Bound.Source, true}, {"project source", o.Project.Source, true},
		{"forensics source", o.Forensics.Source, true}, {"timeline source", o.Timeline.Options.Source, false},
	}
	for _, s := range sources {
		if s.s == "" {
			continue
		}
		if _, err := actas.ParseSource(string(s.s), s.reconciled); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	levels := []struct {
		option, level string
		use           bool
	}{
		{"level", o.Compare.Options.Level, want[Compare]}, {"level", o.Bound.Options.Level, want[Bound]},
		{"level", o.Project.Options.Level, want[Project]}, {"strata", o.Project.Options.Strata, want[Project]},
	}
	for _, l := range levels {
		if l.use {
			if err := checkLevel(r.e, l.option, l.level); err != nil {
				return nil, err
			}
		}
	}
	if c := o.Project.Options.Confidence; want[Project] && c != 0 && !(c > 0 && c < 1) {
		return nil, actas.Errorf(actas.EINVALID, "confidence %v must be a fraction strictly between 0 and 1, e.g. 0.95", c)
	}
	if c := o.Forensics.Options.Confidence; want[Forensics] && c != 0 && !(c > 0 && c < 1) {
		return nil, actas.Errorf(actas.EINVALID, "confidence %v must be a fraction strictly between 0 and 1, e.g. 0.95", c)
	}
	area, err := actas.CanonicalPath(o.Bound.Area)
	if err != nil {
		return nil, fmt.Errorf("bound area: %w", err)
	}
	o.Bound.Area = area
	for _, b := range []struct {
		name string
		use  bool
	}{{o.Bound.Bulletin, want[Bound]}, {o.Bulletins.Bulletin, want[Bulletins]}, {o.Exactness.Bulletin, want[Exactness]}} {
		if b.name != "" && b.use && !r.hasBulletin(b.name) {
			return nil, r.noBulletin(b.name)
		}
	}
	if want[Bound] && o.Bound.Bulletin != "" && r.find(o.Bound.Bulletin, area) == nil {
		return nil, actas.Errorf(actas.ENOTFOUND, "bulletin %s states no total for %s; it covers %s",
			o.Bound.Bulletin, actas.DisplayPath(area), strings.Join(r.areasOf(o.Bound.Bulletin), ", "))
	}
	for name, n := range o.Exactness.Totals {
		if n <= 0 {
			return nil, actas.Errorf(actas.EINVALID, "total of bulletin %s: %d must be positive", name, n)
		}
		if want[Exactness] && !r.hasBulletin(name) {
			return nil, r.noBulletin(name)
		}
	}
	return want, nil
}

func checkLevel(e *actas.Election, option, level string) error {
	if level == "" || level == actas.National || slices.Contains(e.Levels, level) {
		return nil
	}
	return actas.Errorf(actas.EINVALID, "%s %q is not a level of election %s: use %s or one of %s",
		option, level, e.ID, actas.National, strings.Join(e.Levels, ", "))
}

func (r *Runner) hasBulletin(name string) bool {
	for _, b := range r.bulletins {
		if b.ID == name {
			return true
		}
	}
	return false
}

func (r *Runner) noBulletin(name string) error {
	if len(r.bulletins) == 0 {
		return actas.Errorf(actas.ENOTFOUND, "no bulletin %q: no official totals are stored for contest %s", name, r.c.ID)
	}
	var names []string
	for _, b := range r.bulletins {
		if !slices.Contains(names, b.ID) {
			names = append(names, b.ID)
		}
	}
	return actas.Errorf(actas.ENOTFOUND, "no bulletin %q for contest %s: the bulletins are %s", name, r.c.ID, strings.Join(names, ", "))
}

// find returns the bulletin of that name and area, or nil.
func (r *Runner) find(name, area string) *actas.Bulletin {
	for _, b := range r.bulletins {
		if b.ID == name && b.Area == area {
			return b
		}
	}
	return nil
}

func (r *Runner) areasOf(name string) []string {
	var out []string
	for _, b := range r.bulletins {
		if b.ID == name {
			out = append(out, actas.DisplayPath(b.Area))
		}
	}
	return out
}

// latest returns the latest bulletin of the area: by time, those without
// one first, then by name; nil when none states totals for the area.
func (r *Runner) latest(area string) *actas.Bulletin {
	var best *actas.Bulletin
	for _, b := range r.bulletins {
		if b.Area != area {
			continue
		}
		if best == nil || later(b, best) {
			best = b
		}
	}
	return best
}

func later(a, b *actas.Bulletin) bool {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c > 0
	}
	return cmp.Less(b.ID, a.ID)
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func coverage(b *actas.Bulletin) *float64 {
	if b.Coverage <= 0 {
		return nil
	}
	c := b.Coverage
	return &c
}

package estimate

import (
	"fmt"
	"math"

	"github.com/actasproject/actas"
)

// Estimate is a projected fraction (a choice's share, or turnout) with its
// intervals. Shares and bounds are fractions 0–1.
type Estimate struct {
	Share float64 `json:"share"`
	Low   float64 `json:"low"`  // the analytic (linearized) interval, clipped
	High  float64 `json:"high"` // at 0 (and at 1 for a share of valid votes)
	SE    float64 `json:"se"`   // its standard error
	// Bootstrap is the percentile interval of the bootstrap, when run.
	Bootstrap *Bounds `json:"bootstrap,omitempty"`
	// Votes is the projected total over every station of the area: votes
	// for a choice, ballots for turnout (see Projection.Method).
	Votes float64 `json:"votes"`
	// DesignEffect is the share's variance over the variance a simple
	// random sample of as many voters would give (no finite-population
	// correction on either side); national estimates only.
	DesignEffect float64 `json:"design_effect,omitempty"`
}

// Bounds is an interval.
type Bounds struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// AreaProjection is the projection of one area of Projection.Level.
type AreaProjection struct {
	Area            string              `json:"area"` // path
	Stations        int64               `json:"stations"`
	StationsCounted int64               `json:"stations_counted"`
	Estimates       map[string]Estimate `json:"estimates"` // by choice id; empty when nothing is counted
	Turnout         *Estimate           `json:"turnout,omitempty"`
	Note            string              `json:"note,omitempty"`
}

// BootstrapInfo says how the bootstrap intervals were drawn.
type BootstrapInfo struct {
	Replicates int    `json:"replicates"` // 0: not run
	Seed       uint64 `json:"seed"`
	// AreasSkipped is set when per-area bootstrap intervals were left out
	// because keeping every area's replicates would take too much memory.
	AreasSkipped bool `json:"areas_skipped,omitempty"`
}

// Projection is what Project and QuickCount return: the DESIGN.md
// "project" document (contest, level, confidence, estimates, areas) and
// how it was computed.
type Projection struct {
	Election    string              `json:"election"`
	Contest     string              `json:"contest"`
	Source      actas.Source        `json:"source"`
	Level       string              `json:"level"`  // of Areas; national for none
	Strata      string              `json:"strata"` // the strata's level; national for none
	Confidence  float64             `json:"confidence"`
	Denominator string              `json:"denominator"` // valid or ballots
	Method      string              `json:"method"`
	Choices     []string            `json:"choices"`   // ballot order
	Estimates   map[string]Estimate `json:"estimates"` // national, by choice id
	Turnout     *Estimate           `json:"turnout,omitempty"`

	Stations          int64 `json:"stations"`
	StationsCounted   int64 `json:"stations_counted"` // used by the projection
	Registered        int64 `json:"registered"`
	RegisteredCounted int64 `json:"registered_counted"`
	StrataCount       int   `json:"strata_count"` // the level's areas with stations
	Groups            int   `json:"groups"`       // strata after merging
	// Collapsed lists the strata merged because some had fewer than two
	// counted stations.
	Collapsed    []Merged      `json:"collapsed"`
	FPC          bool          `json:"fpc"` // finite-population correction applied
	Bootstrap    BootstrapInfo `json:"bootstrap"`
	DesignEffect float64       `json:"design_effect"` // the largest of the choices'
	Coverage     CoverageCheck `json:"coverage"`
	Sample       *SampleStatus `json:"sample,omitempty"` // quick count only

	Warnings []string         `json:"warnings"` // about this panel: read before the figures
	Caveats  []string         `json:"caveats"`  // what any projection cannot show
	Areas    []AreaProjection `json:"areas,omitempty"`
}

// Project estimates, from the counted stations of the panel (those with a
// sheet), each choice's share and turnout over all of its stations,
// nationally and for each area of opts.Level, with intervals at
// opts.Confidence. The estimator is the stratified combined ratio estimator
// (strata: the areas of opts.Strata) with linearized variance and a
// normal interval; the rescaling bootstrap gives a second, percentile
// interval. Project also checks whether counted and uncounted stations
// differ (Projection.Coverage) and says so in Warnings.
//
// Errors: EINVALID for a bad option (naming it and the allowed values), a
// panel whose sheets do not match its contest, or fewer than two counted
// stations.
func Project(p *actas.Panel, opts Options) (*Projection, error) {
	s, err := opts.resolve(p)
	if err != nil {
		return nil, err
	}
	counted := make([]bool, len(p.Stations))
	for i, sh := range p.Sheets {
		counted[i] = sh != nil
	}
	stratumOf, paths, err := areaIndex(p.Stations, s.strataK, s.Strata)
	if err != nil {
		return nil, err
	}
	N := make([]float64, len(paths))
	for _, h := range stratumOf {
		N[h]++
	}
	all := make([]bool, len(p.Stations))
	for i := range all {
		all[i] = true
	}
	return run(p, s, counted, stratumOf, paths, N, all)
}

// run is the projection shared by Project and QuickCount: counted are the
// stations used, N the strata's population sizes, inSet the stations the
// coverage check compares.
func run(p *actas.Panel, s *settings, counted []bool, stratumOf []int32, paths []string, N []float64, inSet []bool) (*Projection, error) {
	n := make([]int, len(paths))
	total := 0
	flagged := 0
	for i, c := range counted {
		if !c {
			continue
		}
		sh := p.Sheets[i]
		if err := actas.CheckForm(sh, p.Contest); err != nil {
			return nil, fmt.Errorf("estimate: %w", err)
		}
		n[stratumOf[i]]++
		total++
		if i < len(p.Flags) && p.Flags[i] != 0 {
			flagged++
		}
	}
	if total < 2 {
		return nil, actas.Errorf(actas.EINVALID, "estimate: %d of %d stations have a %s sheet for contest %s; a projection needs at least 2", total, len(p.Stations), p.Source, p.Contest.ID)
	}
	gr := collapseStrata(paths, N, n, s.NoFPC)
	groupOf := make([]int32, len(p.Stations))
	for i, h := range stratumOf {
		groupOf[i] = gr.of[h]
	}
	areaOf, areaPaths, err := areaIndex(p.Stations, s.levelK, s.Level)
	if err != nil {
		return nil, err
	}
	d := newDesign(p, s, counted, groupOf, len(gr.N), gr.N, areaOf, len(areaPaths))
	perArea := s.levelK >= 0
	nat, areas := d.analytic(perArea)

	out := &Projection{
		Election: p.Election.ID, Contest: p.Contest.ID, Source: p.Source,
		Level: s.Level, Strata: s.Strata, Confidence: s.Confidence, Denominator: s.Denominator,
		Choices:     p.Contest.ChoiceIDs(),
		StrataCount: len(paths), Groups: d.G, FPC: !s.NoFPC,
		Bootstrap: BootstrapInfo{Replicates: s.Replicates, Seed: s.Seed},
		Warnings:  []string{}, Caveats: caveats(),
	}
	if s.Replicates == 0 {
		out.Bootstrap.Seed = 0
	}
	perStation := make([]int64, len(areaPaths))
	perCounted := make([]int64, len(areaPaths))
	for i := range p.Stations {
		out.Stations++
		perStation[areaOf[i]]++
		reg := max(0, p.Stations[i].Registered)
		out.Registered += reg
		if counted[i] {
			out.StationsCounted++
			out.RegisteredCounted += reg
			perCounted[areaOf[i]]++
		}
	}
	// A quick count's population is its frame, as the sample recorded it.
	if pop := sum(N); pop != float64(out.Stations) {
		out.Stations = int64(pop)
	}

	var rep *replicates
	if s.Replicates > 0 {
		rep = d.bootstrap(s.Replicates, s.Seed, perArea)
		out.Bootstrap.AreasSkipped = perArea && rep.areas == nil
	}
	out.Estimates, out.Turnout = d.estimates(s, p.Contest, nat, rep, -1, true)
	for _, e := range out.Estimates {
		out.DesignEffect = max(out.DesignEffect, e.DesignEffect)
	}
	empty := 0
	for a := range areas {
		ap := AreaProjection{Area: actas.DisplayPath(areaPaths[a]), Stations: perStation[a], StationsCounted: perCounted[a]}
		if areas[a].counted == 0 {
			ap.Estimates = map[string]Estimate{}
			ap.Note = "no counted station: no estimate"
			empty++
		} else {
			ap.Estimates, ap.Turnout = d.estimates(s, p.Contest, areas[a], rep, a, false)
		}
		out.Areas = append(out.Areas, ap)
	}

	merged, w := gr.merged(paths, n, s.Strata)
	out.Collapsed = append([]Merged{}, merged...)
	if w != "" {
		out.Warnings = append(out.Warnings, w)
	}
	if total < 30 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("Only %d stations are counted: the normal approximation behind the analytic interval may be poor; prefer the bootstrap interval and read both as rough.", total))
	}
	if empty > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d of %d %s areas have no counted station and get no estimate of their own.", empty, len(areas), s.Level))
	}
	if flagged > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d counted sheets are flagged as suspicious (e.g. votes that do not add up to the ballots); the projection uses them as stated.", flagged))
	}
	cov := &coverageInput{p: p, s: s, inSet: inSet, counted: counted, stratumOf: stratumOf, H: len(paths), groupOf: groupOf, d: d}
	var cw []string
	out.Coverage, cw = cov.check()
	out.Warnings = append(out.Warnings, cw...)
	out.Method = method(s, d, rep != nil)
	return out, nil
}

func sum(v []float64) float64 {
	var t float64
	for _, x := range v {
		t += x
	}
	return t
}

// estimates turns a domain's ratios into Estimates by choice id and a
// turnout Estimate; area is the domain's index into the bootstrap's areas
// (-1 for national). Ratios that are undefined (no denominator) are left
// out.
func (d *design) estimates(s *settings, c *actas.Contest, dm *domain, rep *replicates, area int, national bool) (map[string]Estimate, *Estimate) {
	out := make(map[string]Estimate, d.J)
	var turnout *Estimate
	for r := range d.ratios {
		v := dm.ratio[r]
		if math.IsNaN(v) || math.IsNaN(dm.se[r]) {
			continue
		}
		// No count is negative, so no ratio is; a share of valid votes is at
		// most 1 by construction. Turnout and a share of ballots are not
		// bounded above, because sheets can state more votes than ballots or
		// more ballots than registered voters: clipping would hide that.
		e := Estimate{Share: v, SE: dm.se[r], Low: max(0, v-s.z*dm.se[r]), High: v + s.z*dm.se[r]}
		if r < d.J && s.Denominator == Valid {
			e.High = min(1, e.High)
		}
		var vals []float64
		if rep != nil {
			B := rep.B
			if area < 0 {
				vals = append(vals, rep.nat[r*B:(r+1)*B]...)
			} else if rep.areas != nil {
				k := (area*d.ratios + r) * B
				vals = append(vals, rep.areas[k:k+B]...)
			}
		}
		if len(vals) > 0 {
			lo, hi := percentile(vals, s.Confidence)
			if finite(lo) && finite(hi) {
				e.Bootstrap = &Bounds{Low: lo, High: hi}
			}
		}
		// Totals by the combined ratio estimator with registered voters as
		// the auxiliary: X · Ŷ/X̂ (the expansion estimate Ŷ where no
		// station's registered voters are known).
		xHat := dm.tot[d.J+2]
		if r < d.J {
			e.Votes = dm.tot[r]
			if xHat > 0 && dm.x > 0 {
				e.Votes = dm.x * dm.tot[r] / xHat
			}
		} else {
			e.Votes = v * dm.x
		}
		if national && r < d.J && v > 0 && v < 1 && d.denSum[r] > 0 {
			srs := v * (1 - v) / d.denSum[r]
			e.DesignEffect = dm.seNoFPC[r] * dm.seNoFPC[r] / srs
		}
		if r < d.J {
			out[c.Choices[r].ID] = e
		} else {
			t := e
			turnout = &t
		}
	}
	return out, turnout
}

func method(s *settings, d *design, boot bool) string {
	strata := "no stratification"
	if s.strataK >= 0 {
		strata = fmt.Sprintf("strata: the %s areas (%d after merging those with fewer than 2 counted stations)", s.Strata, d.G)
	}
	fpc := "with the finite-population correction"
	if s.NoFPC {
		fpc = "without finite-population correction (the panel is itself a sample)"
	}
	m := fmt.Sprintf("Stratified combined ratio estimator over stations (%s): a share is Σ_h (N_h/n_h) Σ votes / Σ_h (N_h/n_h) Σ %s votes over the counted stations, turnout the same ratio of ballots to registered voters; linearized (Taylor) variance %s; normal %.4g%% interval.",
		strata, s.Denominator, fpc, 100*s.Confidence)
	if boot {
		m += fmt.Sprintf(" Beside it, a rescaling bootstrap (Rao, Wu & Yue 1992) of %d replicates resampling counted stations within strata, seed %d, percentile interval.", s.Replicates, s.Seed)
	}
	m += " Projected votes: registered voters of all stations × projected votes per registered voter."
	return m
}

func caveats() []string {
	return []string{
		"The intervals measure sampling error only. They assume that within each stratum the counted stations are like the uncounted ones, as if chosen at random. If sheets were collected mostly where one side is strong, or some were kept from observers, the projection is biased and its interval does not show it; the coverage check looks for this in what is known of every station, and cannot look at the uncounted votes themselves.",
		"The projection takes each counted sheet as stated; it cannot tell an authentic sheet from an altered one.",
		"A projection is an estimate, not a count: an official result outside the interval is a reason to ask for the per-station results, not proof of fraud on its own.",
	}
}

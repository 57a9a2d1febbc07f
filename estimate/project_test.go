package estimate_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/simulate"
)

// tinyElection has two regions of two and one towns, seven stations and a
// two-choice contest.
func tinyElection() (*actas.Election, []actas.Station) {
	e := &actas.Election{ID: "tiny", Name: "Tiny", Levels: []string{"region", "town"},
		Contests: []actas.Contest{{ID: "mayor", Name: "Mayor", Choices: []actas.Choice{{ID: "x", Name: "X"}, {ID: "y", Name: "Y"}}}}}
	st := []actas.Station{
		{Code: "s1", Area: "R1/T1", Registered: 100},
		{Code: "s2", Area: "R1/T1", Registered: 200},
		{Code: "s3", Area: "R1/T2", Registered: 150},
		{Code: "s4", Area: "R1/T2", Registered: 50},
		{Code: "s5", Area: "R2/T3", Registered: 300},
		{Code: "s6", Area: "R2/T3", Registered: 100},
		{Code: "s7", Area: "R2/T3", Registered: 200},
	}
	return e, st
}

// tinySheets are the counted sheets of the known-answer vector: x, y,
// blank, null, ballots; s4 and s7 are not counted.
var tinySheets = map[string][5]int64{
	"s1": {40, 30, 2, 3, 75},
	"s2": {60, 80, 1, 4, 145},
	"s3": {70, 40, 0, 5, 115},
	"s5": {100, 120, 5, 5, 230},
	"s6": {50, 20, 1, 2, 73},
}

// MustPanel builds a panel of the given sheets over the stations.
func MustPanel(tb testing.TB, e *actas.Election, stations []actas.Station, sheets map[string][5]int64) *actas.Panel {
	tb.Helper()
	p := &actas.Panel{Election: e, Contest: &e.Contests[0], Source: actas.Witness, Stations: stations,
		Sheets: make([]*actas.Sheet, len(stations)), Flags: make([]actas.Flags, len(stations))}
	for i, st := range stations {
		if n, ok := sheets[st.Code]; ok {
			p.Sheets[i] = &actas.Sheet{Station: st.Code, Contest: e.Contests[0].ID, Votes: []int64{n[0], n[1]},
				Blank: n[2], Null: n[3], Ballots: n[4], Voters: actas.Unknown}
		}
	}
	return p
}

func MustProject(tb testing.TB, p *actas.Panel, opts estimate.Options) *estimate.Projection {
	tb.Helper()
	pr, err := estimate.Project(p, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return pr
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// TestProjectKnownAnswer checks the estimator against figures computed by
// hand from the textbook formulas (combined ratio estimator, linearized
// variance with finite-population correction, normal interval) for the
// tiny election, stratified by region: R1 has 4 stations of which 3 are
// counted, R2 3 of which 2.
func TestProjectKnownAnswer(t *testing.T) {
	e, st := tinyElection()
	p := MustPanel(t, e, st, tinySheets)
	tests := []struct {
		name                 string
		opts                 estimate.Options
		what                 string
		share, se, low, high float64
	}{
		{"share of valid votes", estimate.Options{Strata: "region"}, "x", 0.5241779497098645, 0.03367035179952583, 0.4581852728360005, 0.5901706265837285},
		{"the other choice", estimate.Options{Strata: "region"}, "y", 0.4758220502901354, 0.03367035179952584, 0.40982937341627135, 0.5418147271639995},
		{"share of all ballots", estimate.Options{Strata: "region", Denominator: estimate.Ballots}, "x", 0.5012021453671167, 0.031952873168462105, 0.4385756647543547, 0.5638286259798787},
		{"turnout", estimate.Options{Strata: "region"}, "turnout", 0.7509722222222222, 0.00615248137912539, 0.7389135803035831, 0.7630308641408612},
		{"without finite-population correction", estimate.Options{Strata: "region", NoFPC: true}, "x", 0.5241779497098645, 0.06088490061318915, 0.5241779497098645 - 1.959963984540054*0.06088490061318915, 0.5241779497098645 + 1.959963984540054*0.06088490061318915},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Replicates = -1
			pr := MustProject(t, p, tt.opts)
			got, ok := pr.Estimates[tt.what]
			if tt.what == "turnout" {
				got, ok = *pr.Turnout, pr.Turnout != nil
			}
			if !ok {
				t.Fatalf("no estimate of %s", tt.what)
			}
			const tol = 1e-12
			if !near(got.Share, tt.share, tol) || !near(got.SE, tt.se, tol) || !near(got.Low, tt.low, tol) || !near(got.High, tt.high, tol) {
				t.Errorf("%s = %.15f ± %.15f [%.15f, %.15f], want %.15f ± %.15f [%.15f, %.15f]",
					tt.what, got.Share, got.SE, got.Low, got.High, tt.share, tt.se, tt.low, tt.high)
			}
		})
	}
	t.Run("projected votes", func(t *testing.T) {
		// X · Ŷ/X̂: 1,100 registered × (4/3·170 + 3/2·150) / (4/3·450 + 3/2·400).
		pr := MustProject(t, p, estimate.Options{Strata: "region", Replicates: -1})
		if got := pr.Estimates["x"].Votes; !near(got, 414.02777777777777, 1e-9) {
			t.Errorf("projected votes for x = %v, want 414.0278", got)
		}
		if pr.Stations != 7 || pr.StationsCounted != 5 || pr.Registered != 1100 || pr.RegisteredCounted != 850 {
			t.Errorf("stations %d/%d registered %d/%d, want 5/7 and 850/1100", pr.StationsCounted, pr.Stations, pr.RegisteredCounted, pr.Registered)
		}
	})
}

// TestProjectExactCases checks cases whose answer is known without any
// statistics.
func TestProjectExactCases(t *testing.T) {
	e, st := tinyElection()
	all := map[string][5]int64{}
	var x, valid int64
	for k, v := range tinySheets {
		all[k] = v
	}
	all["s4"] = [5]int64{20, 20, 1, 1, 42}
	all["s7"] = [5]int64{90, 60, 2, 2, 154}
	for _, v := range all {
		x += v[0]
		valid += v[0] + v[1]
	}
	t.Run("every station counted: the count itself, no uncertainty", func(t *testing.T) {
		pr := MustProject(t, MustPanel(t, e, st, all), estimate.Options{Strata: "region", Replicates: 200})
		got := pr.Estimates["x"]
		want := float64(x) / float64(valid)
		if !near(got.Share, want, 1e-15) || got.SE != 0 || got.Low != got.Share || got.High != got.Share {
			t.Errorf("x = %v ± %v [%v, %v], want exactly %v", got.Share, got.SE, got.Low, got.High, want)
		}
		if b := got.Bootstrap; b == nil || !near(b.Low, want, 1e-15) || !near(b.High, want, 1e-15) {
			t.Errorf("bootstrap interval %+v, want the point %v", b, want)
		}
	})
	t.Run("one stratum: the counted stations' own share", func(t *testing.T) {
		pr := MustProject(t, MustPanel(t, e, st, tinySheets), estimate.Options{Strata: actas.National, Replicates: -1})
		var x, valid int64
		for _, v := range tinySheets {
			x += v[0]
			valid += v[0] + v[1]
		}
		if got, want := pr.Estimates["x"].Share, float64(x)/float64(valid); !near(got, want, 1e-15) {
			t.Errorf("x = %v, want %v", got, want)
		}
	})
	t.Run("station order does not matter", func(t *testing.T) {
		a := MustProject(t, MustPanel(t, e, st, tinySheets), estimate.Options{Level: "town", Replicates: -1})
		rev := make([]actas.Station, len(st))
		for i := range st {
			rev[len(st)-1-i] = st[i]
		}
		b := MustProject(t, MustPanel(t, e, rev, tinySheets), estimate.Options{Level: "town", Replicates: -1})
		for _, id := range []string{"x", "y"} {
			if !near(a.Estimates[id].Share, b.Estimates[id].Share, 1e-15) || !near(a.Estimates[id].SE, b.Estimates[id].SE, 1e-15) {
				t.Errorf("%s: %+v in creation order, %+v reversed", id, a.Estimates[id], b.Estimates[id])
			}
		}
	})
	t.Run("a changed sheet changes the projection", func(t *testing.T) {
		changed := map[string][5]int64{}
		for k, v := range tinySheets {
			changed[k] = v
		}
		changed["s5"] = [5]int64{101, 119, 5, 5, 230}
		a := MustProject(t, MustPanel(t, e, st, tinySheets), estimate.Options{Replicates: -1})
		b := MustProject(t, MustPanel(t, e, st, changed), estimate.Options{Replicates: -1})
		if a.Estimates["x"].Share >= b.Estimates["x"].Share {
			t.Errorf("moving one vote to x at s5 gave %v, before %v", b.Estimates["x"].Share, a.Estimates["x"].Share)
		}
	})
}

// TestProjectAreas checks per-area estimates when areas are finer than the
// strata (domain estimation), equal to them, and when an area has nothing
// counted.
func TestProjectAreas(t *testing.T) {
	e, st := tinyElection()
	p := MustPanel(t, e, st, tinySheets)
	t.Run("areas equal to the strata: each region's own stratified estimate", func(t *testing.T) {
		pr := MustProject(t, p, estimate.Options{Level: "region", Strata: "region", Replicates: -1})
		if len(pr.Areas) != 2 || pr.Areas[0].Area != "R1" || pr.Areas[1].Area != "R2" {
			t.Fatalf("areas %+v", pr.Areas)
		}
		// R1 alone: 170 of 320 valid votes, whatever its weight.
		if got := pr.Areas[0].Estimates["x"].Share; !near(got, 170.0/320, 1e-15) {
			t.Errorf("R1: x = %v, want 170/320", got)
		}
		if got := pr.Areas[1].Estimates["x"].Share; !near(got, 150.0/290, 1e-15) {
			t.Errorf("R2: x = %v, want 150/290", got)
		}
	})
	t.Run("areas finer than the strata", func(t *testing.T) {
		pr := MustProject(t, p, estimate.Options{Level: "town", Strata: "region", Replicates: 200})
		if len(pr.Areas) != 3 {
			t.Fatalf("%d areas, want 3 towns", len(pr.Areas))
		}
		t2 := pr.Areas[1]
		if t2.Area != "R1/T2" || t2.Stations != 2 || t2.StationsCounted != 1 {
			t.Errorf("area %+v", t2)
		}
		// T2's one counted station stands for T2: 70 of 110.
		if got := t2.Estimates["x"].Share; !near(got, 70.0/110, 1e-15) {
			t.Errorf("T2: x = %v, want 70/110", got)
		}
		for _, a := range pr.Areas {
			e := a.Estimates["x"]
			if !(e.Low <= e.Share && e.Share <= e.High) || e.Bootstrap == nil {
				t.Errorf("%s: %+v", a.Area, e)
			}
		}
	})
	t.Run("an area with nothing counted gets no estimate and a warning", func(t *testing.T) {
		sheets := map[string][5]int64{}
		for k, v := range tinySheets {
			if k != "s3" {
				sheets[k] = v
			}
		}
		pr := MustProject(t, MustPanel(t, e, st, sheets), estimate.Options{Level: "town", Strata: "region", Replicates: -1})
		t2 := pr.Areas[1]
		if len(t2.Estimates) != 0 || t2.Note == "" || t2.Turnout != nil {
			t.Errorf("T2 without counted stations: %+v", t2)
		}
		if !hasWarning(pr, "1 of 3 town areas have no counted station") {
			t.Errorf("warnings %q", pr.Warnings)
		}
	})
}

func hasWarning(pr *estimate.Projection, part string) bool {
	for _, w := range pr.Warnings {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// TestProjectCollapse checks that a stratum with fewer than two counted
// stations is merged with a sibling under the same parent, not with a
// stratum elsewhere, and that the user is told.
func TestProjectCollapse(t *testing.T) {
	e, st := tinyElection()
	// Strata are towns. T2 has one counted station (s3): it must join T1,
	// its sibling under R1, not T3 under R2, although T3 comes next.
	pr := MustProject(t, MustPanel(t, e, st, tinySheets), estimate.Options{Strata: "town", Replicates: -1})
	if pr.StrataCount != 3 || pr.Groups != 2 || len(pr.Collapsed) != 1 {
		t.Fatalf("%d strata, %d groups, collapsed %+v; want T1 and T2 merged", pr.StrataCount, pr.Groups, pr.Collapsed)
	}
	got := pr.Collapsed[0]
	if strings.Join(got.Strata, ",") != "R1/T1,R1/T2" || got.Stations != 4 || got.Counted != 3 {
		t.Errorf("merged %+v, want R1/T1 and R1/T2 (4 stations, 3 counted)", got)
	}
	if !hasWarning(pr, "R1/T2 (1 counted)") {
		t.Errorf("warnings %q do not name the merged stratum", pr.Warnings)
	}
	// Merged, R1 is one stratum: the estimate equals the region-stratified one.
	byRegion := MustProject(t, MustPanel(t, e, st, tinySheets), estimate.Options{Strata: "region", Replicates: -1})
	if a, b := pr.Estimates["x"], byRegion.Estimates["x"]; !near(a.Share, b.Share, 1e-15) || !near(a.SE, b.SE, 1e-15) {
		t.Errorf("town strata merged: %+v; region strata: %+v", a, b)
	}
}

// TestProjectOptions checks that bad options and unusable panels are
// refused with EINVALID and a message naming the option.
func TestProjectOptions(t *testing.T) {
	e, st := tinyElection()
	p := MustPanel(t, e, st, tinySheets)
	other, ost := tinyElection()
	other.ID = "other"
	tests := []struct {
		name string
		p    *actas.Panel
		opts estimate.Options
		want string
	}{
		{"unknown level", p, estimate.Options{Level: "county"}, `level "county"`},
		{"unknown strata", p, estimate.Options{Strata: "county"}, `strata "county"`},
		{"confidence of 1", p, estimate.Options{Confidence: 1}, "confidence"},
		{"negative confidence", p, estimate.Options{Confidence: -0.95}, "confidence"},
		{"confidence as a percentage", p, estimate.Options{Confidence: 95}, "confidence"},
		{"confidence not a number", p, estimate.Options{Confidence: math.NaN()}, "confidence"},
		{"unknown denominator", p, estimate.Options{Denominator: "registered"}, `denominator "registered"`},
		{"too few replicates", p, estimate.Options{Replicates: 20}, "replicates"},
		{"no panel", nil, estimate.Options{}, "no panel"},
		{"one counted station", MustPanel(t, e, st, map[string][5]int64{"s1": tinySheets["s1"]}), estimate.Options{}, "at least 2"},
		{"nothing counted", MustPanel(t, e, st, nil), estimate.Options{}, "at least 2"},
		{"official panel of another election", p, estimate.Options{Official: MustPanel(t, other, ost, tinySheets)}, "official panel"},
		{"official panel of other stations", p, estimate.Options{Official: MustPanel(t, e, st[:3], tinySheets)}, "official panel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := estimate.Project(tt.p, tt.opts)
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v (%s), want EINVALID mentioning %q", err, actas.ErrorCode(err), tt.want)
			}
		})
	}
	t.Run("a sheet with the wrong number of votes", func(t *testing.T) {
		bad := MustPanel(t, e, st, tinySheets)
		bad.Sheets[0].Votes = []int64{1}
		if _, err := estimate.Project(bad, estimate.Options{}); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("error %v, want EINVALID", err)
		}
	})
}

// TestProjectJSON checks the DESIGN.md "project" keys and that odd panels
// (an area with nothing counted, a stratum of one station) still encode:
// encoding/json refuses NaN and infinities.
func TestProjectJSON(t *testing.T) {
	e, st := tinyElection()
	sheets := map[string][5]int64{"s1": tinySheets["s1"], "s2": tinySheets["s2"], "s6": {0, 0, 0, 0, 0}}
	pr := MustProject(t, MustPanel(t, e, st, sheets), estimate.Options{Level: "town", Replicates: 100})
	b, err := json.Marshal(pr)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Contest    *string  `json:"contest"`
		Level      *string  `json:"level"`
		Confidence *float64 `json:"confidence"`
		Estimates  map[string]map[string]any
		Areas      []struct {
			Area      string                    `json:"area"`
			Estimates map[string]map[string]any `json:"estimates"`
		} `json:"areas"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Contest == nil || *doc.Contest != "mayor" || doc.Level == nil || *doc.Level != "town" || doc.Confidence == nil || *doc.Confidence != 0.95 {
		t.Errorf("header of %s", b)
	}
	for _, id := range []string{"x", "y"} {
		for _, k := range []string{"share", "low", "high"} {
			if _, ok := doc.Estimates[id][k]; !ok {
				t.Errorf("estimates.%s.%s missing in %s", id, k, b)
			}
		}
	}
	if len(doc.Areas) != 3 || doc.Areas[0].Area != "R1/T1" {
		t.Errorf("areas of %s", b)
	}
}

// TestProjectBootstrap checks the bootstrap is reproducible from its seed
// and agrees with the analytic interval.
func TestProjectBootstrap(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 2000, Seed: 3})
	p := DatasetPanel(ds, actas.Witness)
	a := MustProject(t, p, estimate.Options{Replicates: 1000, Seed: 7})
	b := MustProject(t, p, estimate.Options{Replicates: 1000, Seed: 7})
	c := MustProject(t, p, estimate.Options{Replicates: 1000, Seed: 8})
	if *a.Estimates["a"].Bootstrap != *b.Estimates["a"].Bootstrap {
		t.Errorf("same seed, different intervals: %+v and %+v", a.Estimates["a"].Bootstrap, b.Estimates["a"].Bootstrap)
	}
	if *a.Estimates["a"].Bootstrap == *c.Estimates["a"].Bootstrap {
		t.Errorf("seeds 7 and 8 gave the same interval %+v", a.Estimates["a"].Bootstrap)
	}
	if a.Bootstrap.Replicates != 1000 || a.Bootstrap.Seed != 7 {
		t.Errorf("bootstrap info %+v", a.Bootstrap)
	}
	// The rescaling bootstrap reproduces the linearized variance: widths
	// agree within the Monte-Carlo error of 1,000 replicates (a few %).
	for _, id := range append(a.Choices, "turnout") {
		e, ok := a.Estimates[id]
		if id == "turnout" {
			e, ok = *a.Turnout, true
		}
		if !ok || e.Bootstrap == nil {
			t.Fatalf("%s: no estimate", id)
		}
		analytic, boot := e.High-e.Low, e.Bootstrap.High-e.Bootstrap.Low
		if r := boot / analytic; r < 0.85 || r > 1.15 {
			t.Errorf("%s: bootstrap interval %.5f wide, analytic %.5f", id, boot, analytic)
		}
	}
	none := MustProject(t, p, estimate.Options{Replicates: -1})
	if none.Estimates["a"].Bootstrap != nil || none.Bootstrap.Replicates != 0 {
		t.Errorf("no bootstrap asked, got %+v", none.Bootstrap)
	}
}

package consistency_test

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/simulate"
)

// Venezuela 2024: the opposition's witness sheets beside CNE's two
// bulletins (testdata/README.md). Bulletin 1 states only Maduro and
// González; its shares are of the 10,058,774 valid votes CNE announced.
const veBulletin1Valid = 10_058_774

func TestVenezuela2024(t *testing.T) {
	ds := MustRealDataset(t, "ve-2024-actas", "ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv")
	totals := append(MustTotals(t, ds, "cne-bulletin-1", "ve-2024-actas", "cne-bulletin-1.csv"),
		MustTotals(t, ds, "cne-bulletin-2", "ve-2024-actas", "cne-bulletin-2.csv")...)
	in := consistency.Inputs{Election: ds.Election, Results: MustTabulate(t, ds), Totals: totals}
	r, err := consistency.New(in)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(consistency.Options{Exactness: consistency.ExactnessOptions{Totals: map[string]int64{"cne-bulletin-1": veBulletin1Valid}}})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the report leads with the bound and lists every analysis", func(t *testing.T) {
		var order []consistency.Analysis
		for _, s := range rep.Sections() {
			order = append(order, s.Analysis)
			if s.Caveat == "" {
				t.Errorf("%s has no caveat", s.Analysis)
			}
		}
		if !slices.Equal(order, consistency.Analyses()) || order[0] != consistency.Bound {
			t.Errorf("sections %v, want %v", order, consistency.Analyses())
		}
		if rep.Data.Stations != 24_532 || len(rep.Data.Bulletins) != 2 {
			t.Errorf("data: %d stations, %d bulletins; want 24,532 and 2", rep.Data.Stations, len(rep.Data.Bulletins))
		}
		if _, err := json.Marshal(rep); err != nil {
			t.Errorf("the report does not encode as JSON: %v", err)
		}
	})

	t.Run("bulletin 2 is impossible if the sheets are authentic", func(t *testing.T) {
		s := rep.Bound
		MustRan(t, &s.Section)
		if s.Status != consistency.StatusFlag || s.Result.Verdict != compare.Impossible || s.Result.Bulletin != "cne-bulletin-2" {
			t.Fatalf("bound of %s: %s, %s", s.Result.Bulletin, s.Status, s.Result.Verdict)
		}
		want := "impossible: Edmundo González (eg)'s official total (5,326,104) is 1,830,358 below what the counted sheets alone give (7,156,462) (and 1 more reason)"
		if s.Headline != want {
			t.Errorf("headline\n %q\nwant\n %q", s.Headline, want)
		}
		if eg := s.Result.Choices["eg"]; eg.Required != -1_830_358 || eg.Counted != 7_156_462 || eg.Official != 5_326_104 {
			t.Errorf("González: %+v", eg)
		}
		if !strings.Contains(s.Inputs, "bulletin cne-bulletin-2 (national) against 24,532 counted reconciled sheets") {
			t.Errorf("inputs %q", s.Inputs)
		}
	})

	t.Run("one source: nothing to compare station by station", func(t *testing.T) {
		s := rep.Compare
		if s.Status != consistency.StatusSkipped || !strings.Contains(s.Skipped, "only witness sheets") {
			t.Errorf("compare: %s %q", s.Status, s.Skipped)
		}
	})

	t.Run("both bulletins give González less than the sheets", func(t *testing.T) {
		s := rep.Bulletins
		MustRan(t, &s.Section)
		if s.Status != consistency.StatusFlag || len(s.Checks) != 2 ||
			!strings.HasPrefix(s.Headline, "bulletin cne-bulletin-1 (national) gives Edmundo González (eg) 2,710,484 fewer votes than the counted reconciled sheets alone") {
			t.Errorf("bulletins: %s %q", s.Status, s.Headline)
		}
	})

	t.Run("bulletin 1's percentages are too exact, bulletin 2's are not", func(t *testing.T) {
		s := rep.Exactness
		MustRan(t, &s.Section)
		if s.Status != consistency.StatusFlag || len(s.Checks) != 2 {
			t.Fatalf("exactness: %s, %d checks", s.Status, len(s.Checks))
		}
		b1, b2 := s.Checks[0], s.Checks[1]
		q := 1 / (0.001 * veBulletin1Valid)
		if b1.Bulletin != "cne-bulletin-1" || b1.TotalBasis != "given" || !b1.Result.Flag || math.Abs(b1.Result.PValue-q*q) > 1e-12*q*q {
			t.Errorf("bulletin 1: %+v %+v", b1, b1.Result)
		}
		if b2.TotalBasis != "choices" || b2.Total != 12_335_830 || b2.Result.Flag {
			t.Errorf("bulletin 2: %+v", b2)
		}
		if !strings.HasPrefix(s.Headline, "bulletin cne-bulletin-1 (national): its 2 shares lie within 0.0000029 percentage points of multiples of 0.1%, a chance of 9.9e-09") {
			t.Errorf("headline %q", s.Headline)
		}
	})

	t.Run("no snapshots: no timeline", func(t *testing.T) {
		if s := rep.Timeline; s.Status != consistency.StatusSkipped || !strings.Contains(s.Skipped, "no turnout snapshots") {
			t.Errorf("timeline: %s %q", s.Status, s.Skipped)
		}
	})

	t.Run("forensics and the projection read the reconciled sheets", func(t *testing.T) {
		MustRan(t, &rep.Forensics.Section)
		MustRan(t, &rep.Project.Section)
		if rep.Forensics.Result.Source != actas.Reconciled || rep.Project.Result.Source != actas.Reconciled {
			t.Errorf("sources %s, %s", rep.Forensics.Result.Source, rep.Project.Result.Source)
		}
		if rep.Project.Result.Bootstrap.Replicates != estimate.DefaultReplicates {
			t.Errorf("bootstrap of %d replicates, want the default below the limit", rep.Project.Result.Bootstrap.Replicates)
		}
	})

	t.Run("without a total given, bulletin 1's own valid votes are the total", func(t *testing.T) {
		rep, err := r.Run(consistency.Options{Analyses: []consistency.Analysis{consistency.Exactness}, Exactness: consistency.ExactnessOptions{Bulletin: "cne-bulletin-1"}})
		if err != nil {
			t.Fatal(err)
		}
		x := rep.Exactness.Checks[0]
		if x.TotalBasis != "announced" || x.Total != veBulletin1Valid || x.Result == nil || !x.Result.Flag {
			t.Errorf("bulletin 1: total %d (%s), result %+v; want its announced valid votes and a flag", x.Total, x.TotalBasis, x.Result)
		}
	})

	t.Run("without any total, bulletin 1 is not checked and says what is missing", func(t *testing.T) {
		var noValid []actas.OfficialTotal
		for _, tot := range totals {
			if tot.Choice != "valid" {
				noValid = append(noValid, tot)
			}
		}
		r, err := consistency.New(consistency.Inputs{Election: ds.Election, Results: in.Results, Totals: noValid})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := r.Run(consistency.Options{Analyses: []consistency.Analysis{consistency.Exactness}, Exactness: consistency.ExactnessOptions{Bulletin: "cne-bulletin-1"}})
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Exactness
		if s.Status != consistency.StatusSkipped || !strings.Contains(s.Skipped, "states 2 of the 10 choices") || !strings.Contains(s.Skipped, "give that total") {
			t.Errorf("exactness: %s %q", s.Status, s.Skipped)
		}
	})

	t.Run("a named bulletin", func(t *testing.T) {
		rep, err := r.Run(consistency.Options{Analyses: []consistency.Analysis{consistency.Bound}, Bound: consistency.BoundOptions{Bulletin: "cne-bulletin-1"}})
		if err != nil {
			t.Fatal(err)
		}
		if b := rep.Bound.Result; b.Bulletin != "cne-bulletin-1" || b.Verdict != compare.Impossible {
			t.Errorf("bound: %s %s", b.Bulletin, b.Verdict)
		}
	})

	t.Run("the latest bulletin is the last announced, whatever its name", func(t *testing.T) {
		timed := slices.Clone(totals)
		for i := range timed {
			// Bulletin 1 announced after bulletin 2, as if renamed.
			timed[i].Announced = time.Date(2024, 8, 2, 21, 0, 0, 0, time.UTC)
			if timed[i].Bulletin == "cne-bulletin-1" {
				timed[i].Announced = timed[i].Announced.Add(time.Hour)
			}
		}
		rep := MustRun(t, consistency.Inputs{Election: ds.Election, Results: in.Results, Totals: timed},
			consistency.Options{Analyses: []consistency.Analysis{consistency.Bound}})
		if b := rep.Bound.Result.Bulletin; b != "cne-bulletin-1" {
			t.Errorf("bound used %s, want the later cne-bulletin-1", b)
		}
		if !strings.Contains(rep.Bound.Inputs, "announced 2024-08-02T22:00:00Z") {
			t.Errorf("inputs %q lack the announcement time", rep.Bound.Inputs)
		}
	})
}

// TestSimulatedFraud runs every analysis on a simulated election whose
// official sheets were shifted towards the incumbent at a tenth of the
// stations: the comparison puts a falsified station first.
func TestSimulatedFraud(t *testing.T) {
	ds, truth := MustSimulate(t, simulate.Config{Stations: 3000, Seed: 7, Fraud: []simulate.Fraud{{Model: simulate.Shift, Fraction: 0.1}}})
	falsified := map[string]bool{}
	for _, f := range truth.Falsified {
		falsified[f.Station] = true
	}
	in := MustInputs(t, ds)
	rep := MustRun(t, in, consistency.Options{Forensics: consistency.ForensicsOptions{Options: forensics.Options{Replicates: 200}}})
	for _, s := range rep.Sections() {
		MustRan(t, s)
	}

	s := rep.Compare
	if s.Status != consistency.StatusFlag || len(s.Comparisons) != 1 {
		t.Fatalf("compare: %s, %d comparisons", s.Status, len(s.Comparisons))
	}
	cp := s.Comparisons[0]
	if cp.A != actas.Witness || cp.B != actas.Official || len(cp.Discrepancies) == 0 || !falsified[cp.Discrepancies[0].Station] {
		t.Fatalf("%s − %s: first discrepancy %+v is not a falsified station", cp.B, cp.A, cp.Discrepancies[0])
	}
	if !strings.HasPrefix(s.Headline, "official and witness sheets differ at ") || !strings.Contains(s.Headline, "net effect of official over witness") ||
		!strings.Contains(s.Headline, "largest: station "+cp.Discrepancies[0].Station) {
		t.Errorf("headline %q", s.Headline)
	}
	if rep.Forensics.Result.Source != actas.Official {
		t.Errorf("forensics read %s sheets, want official", rep.Forensics.Result.Source)
	}
	if rep.Timeline.Result.Source != actas.Official || rep.Timeline.Result.Summary.Series == 0 {
		t.Errorf("timeline: %+v", rep.Timeline.Result.Summary)
	}
	if rep.Bound.Result.Bulletin != simulate.Bulletin || rep.Bound.Result.Area != actas.National {
		t.Errorf("bound of %s %s, want the national %s", rep.Bound.Result.Bulletin, rep.Bound.Result.Area, simulate.Bulletin)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("JSON: %v", err)
	}
	t.Run("a state's bulletin", func(t *testing.T) {
		names, err := actas.SplitPath(ds.Stations[0].Area)
		if err != nil {
			t.Fatal(err)
		}
		state := actas.JoinPath(names[0])
		rep := MustRun(t, in, consistency.Options{Analyses: []consistency.Analysis{consistency.Bound}, Bound: consistency.BoundOptions{Area: state}})
		if b := rep.Bound.Result; b == nil || b.Area != state || b.Bulletin != simulate.Bulletin {
			t.Errorf("bound of %s: %+v", state, rep.Bound)
		}
	})
}

// TestHonestElection checks the wording of the verdicts when nothing is
// wrong: every one says so without claiming the result is right.
func TestHonestElection(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 2000, Seed: 3, WitnessErrors: -1})
	rep := MustRun(t, MustInputs(t, ds), consistency.Options{
		Analyses: []consistency.Analysis{consistency.Compare, consistency.Bound, consistency.Timeline, consistency.Project},
		// The witnesses' sheets leave stations uncounted: what they would
		// need is then compared with the counted ones.
		Bound: consistency.BoundOptions{Source: actas.Witness}})
	for _, tc := range []struct {
		name   string
		s      *consistency.Section
		status consistency.Status
		prefix string
	}{
		{"the sources agree", &rep.Compare.Section, consistency.StatusClear, "official and witness sheets agree at all "},
		{"the official total is plausible", &rep.Bound.Section, consistency.StatusClear, "plausible: "},
		{"every interval is feasible", &rep.Timeline.Section, consistency.StatusClear, "feasible: no interval of the "},
		{"the projection is an estimate", &rep.Project.Section, consistency.StatusInfo, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.s.Status != tc.status || !strings.HasPrefix(tc.s.Headline, tc.prefix) {
				t.Errorf("%s: %s %q; want %s, %q…", tc.s.Analysis, tc.s.Status, tc.s.Headline, tc.status, tc.prefix)
			}
		})
	}
	if !strings.Contains(rep.Bound.Headline, "does not show that the official result is right") {
		t.Errorf("bound %q does not say what plausible cannot show", rep.Bound.Headline)
	}
	if rep.Forensics != nil || rep.Exactness != nil {
		t.Error("analyses not asked for are in the report")
	}
}

// TestMissingInputs: what cannot run says which input it lacks; the rest
// runs.
func TestMissingInputs(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 1000, Seed: 2})
	ds.Sheets = slices.DeleteFunc(ds.Sheets, func(s *actas.Submission) bool { return s.Source != actas.Witness })
	ds.Totals, ds.Snapshots = nil, nil
	rep := MustRun(t, MustInputs(t, ds), consistency.Options{Forensics: consistency.ForensicsOptions{Options: forensics.Options{Replicates: 100}}})
	for _, tc := range []struct {
		analysis consistency.Analysis
		reason   string
	}{
		{consistency.Bound, "no official totals are stored for contest president"},
		{consistency.Bulletins, "no official totals are stored"},
		{consistency.Exactness, "no official totals are stored"},
		{consistency.Timeline, "no turnout snapshots of source official are stored"},
		{consistency.Compare, "only witness sheets are stored"},
	} {
		t.Run(string(tc.analysis)+" is skipped", func(t *testing.T) {
			s := rep.Section(tc.analysis)
			if s.Status != consistency.StatusSkipped || !strings.Contains(s.Skipped, tc.reason) || s.Headline != "" {
				t.Errorf("%s %q, headline %q; want skipped: %q", s.Status, s.Skipped, s.Headline, tc.reason)
			}
		})
	}
	MustRan(t, &rep.Project.Section)
	MustRan(t, &rep.Forensics.Section)
	if rep.Forensics.Result.Source != actas.Reconciled {
		t.Errorf("forensics read %s, want reconciled without official sheets", rep.Forensics.Result.Source)
	}
}

func TestOptionsRefused(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 500, Seed: 1})
	in := MustInputs(t, ds)
	for _, tc := range []struct {
		name    string
		opts    consistency.Options
		code    string
		mention string
	}{
		{"an unknown analysis", consistency.Options{Analyses: []consistency.Analysis{"tea-leaves"}}, actas.EINVALID, `unknown analysis "tea-leaves"`},
		{"an unknown level", consistency.Options{Compare: consistency.CompareOptions{Options: compare.CompareOptions{Level: "galaxy"}}}, actas.EINVALID, `level "galaxy" is not a level`},
		{"unknown strata", consistency.Options{Project: consistency.ProjectOptions{Options: estimate.Options{Strata: "galaxy"}}}, actas.EINVALID, `strata "galaxy"`},
		{"a confidence of 1.5", consistency.Options{Project: consistency.ProjectOptions{Options: estimate.Options{Confidence: 1.5}}}, actas.EINVALID, "confidence 1.5"},
		{"a negative confidence for forensics", consistency.Options{Forensics: consistency.ForensicsOptions{Options: forensics.Options{Confidence: -0.95}}}, actas.EINVALID, "confidence -0.95"},
		{"an unknown source", consistency.Options{Bound: consistency.BoundOptions{Source: "rumour"}}, actas.EINVALID, `unknown source "rumour"`},
		{"the reconciled view compared with itself", consistency.Options{Compare: consistency.CompareOptions{Source: actas.Reconciled}}, actas.EINVALID, "compare source"},
		{"an unknown bulletin", consistency.Options{Bound: consistency.BoundOptions{Bulletin: "rumour"}}, actas.ENOTFOUND, `no bulletin "rumour"`},
		{"a bulletin without the area", consistency.Options{Bound: consistency.BoundOptions{Bulletin: simulate.Bulletin, Area: "Atlantis"}}, actas.ENOTFOUND, "states no total for Atlantis"},
		{"a malformed area", consistency.Options{Bound: consistency.BoundOptions{Area: "a//b"}}, actas.EINVALID, "empty name"},
		{"a total that is not positive", consistency.Options{Exactness: consistency.ExactnessOptions{Totals: map[string]int64{simulate.Bulletin: 0}}}, actas.EINVALID, "must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := consistency.Run(in, tc.opts)
			if actas.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("err = %v (%s), want %s mentioning %q", err, actas.ErrorCode(err), tc.code, tc.mention)
			}
		})
	}
	t.Run("an unknown contest", func(t *testing.T) {
		in := in
		in.Contest = "senate"
		if _, err := consistency.New(in); actas.ErrorCode(err) != actas.ENOTFOUND {
			t.Errorf("err = %v, want ENOTFOUND", err)
		}
	})
	t.Run("no results", func(t *testing.T) {
		if _, err := consistency.New(consistency.Inputs{Election: ds.Election}); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
	})
}

// TestAnalysisErrors: an analysis that fails on the data records its
// error and code; the others still run.
func TestAnalysisErrors(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 500, Seed: 4})
	rep := MustRun(t, MustInputs(t, ds), consistency.Options{
		Analyses: []consistency.Analysis{consistency.Project, consistency.Bound},
		Project:  consistency.ProjectOptions{Options: estimate.Options{Replicates: 5}},
	})
	s := rep.Project
	if s.Status != consistency.StatusError || actas.ErrorCode(s.Err) != actas.EINVALID || !strings.Contains(s.Skipped, "at least 100 bootstrap replicates") {
		t.Errorf("project: %s %q %v", s.Status, s.Skipped, s.Err)
	}
	MustRan(t, &rep.Bound.Section)
}

func TestProgress(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 500, Seed: 5})
	var seen []consistency.Analysis
	var work []string
	MustRun(t, MustInputs(t, ds), consistency.Options{
		Analyses:  []consistency.Analysis{consistency.Project, consistency.Forensics, consistency.Bound},
		Forensics: consistency.ForensicsOptions{Options: forensics.Options{Replicates: 100}},
		Progress: func(a consistency.Analysis, w string) {
			seen = append(seen, a)
			work = append(work, w)
		},
	})
	want := []consistency.Analysis{consistency.Bound, consistency.Forensics, consistency.Project}
	if !slices.Equal(seen, want) {
		t.Errorf("progress for %v, want %v", seen, want)
	}
	if !strings.Contains(work[1], "100 replicates") || !strings.Contains(work[2], "1,000 bootstrap replicates") {
		t.Errorf("work described as %q", work)
	}
}

// TestPanelsShared: every panel of a runner lists the same stations, kept
// once.
func TestPanelsShared(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 300, Seed: 6})
	r, err := consistency.New(MustInputs(t, ds))
	if err != nil {
		t.Fatal(err)
	}
	w, err := r.Panel(actas.Witness)
	if err != nil {
		t.Fatal(err)
	}
	o, err := r.Panel(actas.Official)
	if err != nil {
		t.Fatal(err)
	}
	if &w.Stations[0] != &o.Stations[0] || w.Counted() >= o.Counted() {
		t.Errorf("witness and official panels: stations shared %v, counted %d and %d", &w.Stations[0] == &o.Stations[0], w.Counted(), o.Counted())
	}
	again, _ := r.Panel(actas.Witness)
	if again != w {
		t.Error("the witness panel was built twice")
	}
}

// TestBootstrapLimit: above BootstrapLimit counted stations the report
// gives the analytic interval alone, and says so; asked for, the
// bootstrap runs at any size.
func TestBootstrapLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates more than BootstrapLimit stations")
	}
	ds, _ := MustSimulate(t, simulate.Config{Stations: consistency.BootstrapLimit + 1, Seed: 8, Levels: 2, StationSample: -1})
	in := MustInputs(t, ds)
	rep := MustRun(t, in, consistency.Options{Analyses: []consistency.Analysis{consistency.Project}})
	s := rep.Project
	if s.Result.Bootstrap.Replicates != 0 || s.Result.Estimates["a"].Bootstrap != nil || !strings.Contains(s.Inputs, "no bootstrap: "+consistency.Group(consistency.BootstrapLimit+1)+" counted stations") {
		t.Errorf("bootstrap %+v; inputs %q", s.Result.Bootstrap, s.Inputs)
	}
	rep = MustRun(t, in, consistency.Options{Analyses: []consistency.Analysis{consistency.Project},
		Project: consistency.ProjectOptions{Options: estimate.Options{Replicates: 100}}})
	if rep.Project.Result.Bootstrap.Replicates != 100 || rep.Project.Result.Estimates["a"].Bootstrap == nil {
		t.Errorf("asked-for bootstrap: %+v", rep.Project.Result.Bootstrap)
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{consistency.Group(-1_830_358), "-1,830,358"},
		{consistency.Group(999), "999"},
		{consistency.Group(1000), "1,000"},
		{consistency.Signed(12_038), "+12,038"},
		{consistency.Signed(0), "0"},
		{consistency.Percent(0.4318), "43.18%"},
		{consistency.Small(0.0000028571), "0.0000029"},
		{consistency.Small(0.0469), "0.047"},
		{consistency.Small(3.2), "3.2"},
		{consistency.Small(0), "0"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

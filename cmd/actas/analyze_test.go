package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/simulate"
)

// MustJSON runs a command with --format json and decodes its output into v.
func MustJSON(tb testing.TB, v any, args ...string) {
	tb.Helper()
	out := MustRun(tb, append(args, "--format", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		tb.Fatalf("actas %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// MustVenezuelaDB imports the Venezuelan witness sheets and CNE's two
// bulletins into a new store.
func MustVenezuelaDB(tb testing.TB) string {
	tb.Helper()
	if _, err := os.Stat(testdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv")); err != nil {
		tb.Skipf("real data not available: %v", err)
	}
	db := filepath.Join(tb.TempDir(), "ve.db")
	MustRun(tb, "import", "--db", db, "--format", "ve-2024-actas", testdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv"))
	MustRun(tb, "import", "--db", db, "--kind", "totals", testdata("ve-2024-actas", "cne-bulletin-1.csv"))
	MustRun(tb, "import", "--db", db, "--kind", "totals", testdata("ve-2024-actas", "cne-bulletin-2.csv"))
	return db
}

// TestVenezuela2024Analyses: the witness sheets against CNE's bulletins.
func TestVenezuela2024Analyses(t *testing.T) {
	db := MustVenezuelaDB(t)
	t.Run("bulletin 2 is impossible if the sheets are authentic", func(t *testing.T) { testBoundVenezuela(t, db) })
	t.Run("bulletin 1's percentages are implausibly exact", func(t *testing.T) { testExactnessVenezuela(t, db) })
}

// The bound of DESIGN.md's JSON, as a user's script reads it.
type boundDoc struct {
	Contest  string `json:"contest"`
	Verdict  string `json:"verdict"`
	Bulletin string `json:"bulletin"`
	Headline string `json:"headline"`
	Status   string `json:"status"`
	Choices  map[string]struct {
		Counted       int64    `json:"counted"`
		Official      int64    `json:"official"`
		Required      int64    `json:"required"`
		RequiredShare *float64 `json:"required_share"`
	} `json:"choices"`
}

func testBoundVenezuela(t *testing.T, db string) {
	var doc boundDoc
	MustJSON(t, &doc, "bound", "--db", db, "--bulletin", "cne-bulletin-2")
	eg := doc.Choices["eg"]
	if doc.Verdict != "impossible" || doc.Contest != "president" || doc.Bulletin != "cne-bulletin-2" || doc.Status != "flag" {
		t.Errorf("verdict %q (status %q) on bulletin %q of contest %q; want impossible on cne-bulletin-2", doc.Verdict, doc.Status, doc.Bulletin, doc.Contest)
	}
	if eg.Required != -1_830_358 || eg.Counted != 7_156_462 || eg.Official != 5_326_104 {
		t.Errorf("González: counted %d official %d required %d; want 7,156,462 5,326,104 -1,830,358", eg.Counted, eg.Official, eg.Required)
	}
	if !strings.Contains(doc.Headline, "is 1,830,358 below what the counted sheets alone give") {
		t.Errorf("headline %q", doc.Headline)
	}

	t.Run("the latest bulletin by default, and the table leads with the verdict", func(t *testing.T) {
		out := MustRun(t, "bound", "--db", db)
		lines := strings.Split(out, "\n")
		if len(lines) < 4 || !strings.HasPrefix(lines[1], "bound [flag] impossible: Edmundo González (eg)'s official total (5,326,104)") ||
			!strings.HasPrefix(lines[2], "  caveat: ") || !strings.Contains(lines[3], "bulletin cne-bulletin-2") {
			t.Errorf("table begins:\n%s", strings.Join(lines[:min(4, len(lines))], "\n"))
		}
		if !strings.Contains(out, "-1,830,358") {
			t.Errorf("table lacks González's requirement:\n%s", out)
		}
	})
}

func TestProjectMexico(t *testing.T) {
	if _, err := os.Stat(testdata("mx-2018-quickcount")); err != nil {
		t.Skipf("real data not available: %v", err)
	}
	db := filepath.Join(t.TempDir(), "mx.db")
	MustRun(t, "import", "--db", db, "--format", "mx-quickcount", testdata("mx-2018-quickcount"))
	const official = 0.5319 // López Obrador's share of total votes in the final count
	type projectDoc struct {
		Level      string  `json:"level"`
		Strata     string  `json:"strata"`
		Confidence float64 `json:"confidence"`
		Estimates  map[string]struct {
			Share, Low, High float64
		} `json:"estimates"`
		Warnings []string `json:"warnings"`
		Coverage struct {
			Biased bool `json:"biased"`
		} `json:"coverage"`
		Status   string `json:"status"`
		Headline string `json:"headline"`
	}
	// The design file holds the sample, not the frame of all stations:
	// no finite-population correction, shares of all ballots as Mexico
	// announces them (the estimate package's method note).
	base := []string{"project", "--db", db, "--denominator", "ballots", "--no-fpc", "--seed", "2018"}
	for _, tc := range []struct {
		name           string
		strata         string
		share, lo, hi  float64
		containsResult bool
		warning        string
	}{
		// What the method note reports: reweighting the districts pushes
		// the estimate up, because the missing stations are not like the
		// received ones, and the coverage check says so.
		{"district strata miss the official 53.19% and warn of uneven coverage", "district", 0.5377, 0.5345, 0.5408, false,
			"Coverage is uneven across the district strata"},
		{"one stratum: the delivery's own share, whose interval holds the official count", "national", 0.5307, 0.5265, 0.5350, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc projectDoc
			MustJSON(t, &doc, append(base, "--strata", tc.strata)...)
			e := doc.Estimates["amlo"]
			if doc.Level != actas.National || doc.Strata != tc.strata || doc.Confidence != 0.95 {
				t.Errorf("level %q strata %q confidence %v", doc.Level, doc.Strata, doc.Confidence)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"share", e.Share, tc.share}, {"low", e.Low, tc.lo}, {"high", e.High, tc.hi}} {
				if math.Abs(c.got-c.want) > 0.00005 {
					t.Errorf("López Obrador's %s %.4f%%, want %.2f%%", c.what, 100*c.got, 100*c.want)
				}
			}
			if in := e.Low <= official && official <= e.High; in != tc.containsResult {
				t.Errorf("[%.2f%%, %.2f%%] contains the official 53.19%%: %v, want %v", 100*e.Low, 100*e.High, in, tc.containsResult)
			}
			if tc.warning != "" && (!doc.Coverage.Biased || doc.Status != "warning" || !hasText(doc.Warnings, tc.warning) ||
				!strings.Contains(doc.Headline, "the counted stations differ from the uncounted ones")) {
				t.Errorf("coverage biased %v, status %q, warnings %q, headline %q", doc.Coverage.Biased, doc.Status, doc.Warnings, doc.Headline)
			}
			if !strings.HasPrefix(doc.Headline, "Andrés Manuel López Obrador (amlo) ") {
				t.Errorf("headline %q does not lead with the largest share", doc.Headline)
			}
		})
	}
}

func hasText(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// TestQuickCount draws a sample, keeps it, and projects from it again.
func TestQuickCount(t *testing.T) {
	dir, db := MustSimulated(t, "--stations", "3000", "--seed", "11")
	sample := filepath.Join(dir, "sample.json")
	var first, again struct {
		Estimates map[string]struct{ Share, Low, High float64 } `json:"estimates"`
		Sample    *estimate.SampleStatus                        `json:"sample"`
		Method    string                                        `json:"method"`
	}
	MustJSON(t, &first, "project", "--db", db, "--quick-count", "300", "--sample", sample, "--strata", "state")
	if first.Sample == nil || first.Sample.Sampled < 300 || first.Sample.Received != first.Sample.Sampled || !strings.HasPrefix(first.Method, "Quick count: ") {
		t.Fatalf("quick count: sample %+v, method %q", first.Sample, first.Method)
	}
	MustJSON(t, &again, "project", "--db", db, "--sample", sample)
	if again.Estimates["a"] != first.Estimates["a"] || *again.Sample != *first.Sample {
		t.Errorf("projecting again from the kept sample: %+v, first %+v", again.Estimates["a"], first.Estimates["a"])
	}
	var truth simulate.Truth
	data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil || json.Unmarshal(data, &truth) != nil {
		t.Fatalf("truth.json: %v", err)
	}
	// Honest official sheets: the interval should hold the truth (a 95%
	// interval misses 1 time in 20; this seed is one that does not).
	if e, share := first.Estimates["a"], truth.National.Shares["a"]; share < e.Low || share > e.High {
		t.Errorf("a's true share %.4f outside [%.4f, %.4f]", share, e.Low, e.High)
	}
	t.Run("a kept sample is not overwritten", func(t *testing.T) {
		r := runActas(t, "project", "--db", db, "--quick-count", "100", "--sample", sample)
		if r.err == nil || !strings.Contains(r.stderr, "exists") {
			t.Errorf("err %v, stderr %q", r.err, r.stderr)
		}
	})
}

func TestTimelineVenezuela2017(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "ve2017.db")
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// The Constituent Assembly election of 30 July 2017: polls open 06:00
	// to 18:00, extended to 19:00; 3,720,465 voters by 17:30 (internal CNE
	// figures reported by Reuters), 8,089,320 announced.
	election := write("election.json", `{"id":"ve-2017","name":"Asamblea Nacional Constituyente","date":"2017-07-30","timezone":"America/Caracas",
		"open":"06:00","close":"18:00","levels":["state"],"contests":[{"id":"anc","name":"ANC","choices":[{"id":"si","name":"Sí"}]}]}`)
	stations := write("stations.csv", "station,registered,state\n0001,19805002,Distrito Capital\n")
	snaps := write("snapshots.csv", "scope,time,voters\nnational,17:30,3720465\nnational,19:00,8089320\n")
	MustRun(t, "init", "--db", db, "--election", election, "--stations", stations)
	MustRun(t, "import", "--db", db, "--kind", "snapshots", snaps)
	published := []string{"timeline", "--db", db, "--machines", "national=24,000", "--seconds-per-voter", "40", "--queue-minutes", "-1", "--close", "19:00"}

	var doc struct {
		Intervals []struct {
			From, To        string
			Votes, Capacity int64
			Ratio           float64
			Feasible        bool
		} `json:"intervals"`
		Status    string          `json:"status"`
		Headline  string          `json:"headline"`
		Exactness json.RawMessage `json:"exactness"`
	}
	MustJSON(t, &doc, published...)
	if len(doc.Intervals) != 2 {
		t.Fatalf("intervals %+v, want 06:00-17:30 and 17:30-19:00", doc.Intervals)
	}
	last := doc.Intervals[1]
	if last.From != "17:30" || last.To != "19:00" || last.Votes != 4_368_855 || last.Capacity != 3_240_000 ||
		math.Abs(last.Ratio-1.3484) > 0.0001 || last.Feasible {
		t.Errorf("17:30-19:00: %+v; want 4,368,855 votes of a 3,240,000 capacity, ratio 1.348, infeasible", last)
	}
	if doc.Status != "flag" || doc.Headline != "infeasible: national needs 4,368,855 votes between 17:30 and 19:00, 1.35 times the 3,240,000 its 24,000 machines could take at 40 s per voter" {
		t.Errorf("status %q headline %q", doc.Status, doc.Headline)
	}
	t.Run("at the project's 20 s per voter the same figures are feasible", func(t *testing.T) {
		var doc struct {
			Status    string `json:"status"`
			Intervals []struct{ Feasible bool }
		}
		MustJSON(t, &doc, "timeline", "--db", db, "--machines", "national=24000", "--queue-minutes", "-1", "--close", "19:00")
		if doc.Status != "clear" || !doc.Intervals[1].Feasible {
			t.Errorf("status %q, intervals %+v", doc.Status, doc.Intervals)
		}
	})
	t.Run("the table shows the interval and what would have made it feasible", func(t *testing.T) {
		out := MustRun(t, published...)
		if !strings.Contains(out, "timeline [flag] infeasible") || !strings.Contains(out, "32,362 machines or 29.7 s per voter") {
			t.Errorf("table:\n%s", out)
		}
	})
}

func testExactnessVenezuela(t *testing.T, db string) {
	type check struct {
		Bulletin   string `json:"bulletin"`
		Total      int64  `json:"total"`
		TotalBasis string `json:"total_basis"`
		Skipped    string `json:"skipped"`
		Result     *struct {
			PValue float64 `json:"p_value"`
			Flag   bool    `json:"flag"`
		} `json:"result"`
	}
	var doc struct {
		Skipped   string `json:"skipped"` // the timeline's: no snapshots
		Exactness struct {
			Status   string  `json:"status"`
			Headline string  `json:"headline"`
			Checks   []check `json:"checks"`
		} `json:"exactness"`
	}
	// CNE announced 10,058,774 valid votes with bulletin 1; the file states
	// only Maduro and González.
	MustJSON(t, &doc, "timeline", "--db", db, "--bulletin", "cne-bulletin-1", "--total", "cne-bulletin-1=10058774")
	x := doc.Exactness
	if len(x.Checks) != 1 || x.Checks[0].Result == nil {
		t.Fatalf("exactness: %+v", x)
	}
	c := x.Checks[0]
	if !c.Result.Flag || c.Result.PValue > 1e-8 || c.Total != 10_058_774 || c.TotalBasis != "given" || x.Status != "flag" {
		t.Errorf("bulletin 1: %+v %+v; want flagged, p about 1e-8", c, *c.Result)
	}
	if !strings.Contains(x.Headline, "a chance of 9.9e-09 if the figures were counted") {
		t.Errorf("headline %q", x.Headline)
	}
	if !strings.Contains(doc.Skipped, "no turnout snapshots") {
		t.Errorf("the timeline's own part: skipped %q", doc.Skipped)
	}
	t.Run("without --total, the bulletin's own valid votes are the total", func(t *testing.T) {
		var doc struct {
			Exactness struct {
				Checks []check `json:"checks"`
			} `json:"exactness"`
		}
		MustJSON(t, &doc, "timeline", "--db", db)
		var b1 *check
		for i := range doc.Exactness.Checks {
			if doc.Exactness.Checks[i].Bulletin == "cne-bulletin-1" {
				b1 = &doc.Exactness.Checks[i]
			}
		}
		if b1 == nil || b1.TotalBasis != "announced" || b1.Total != 10058774 || b1.Result == nil || !b1.Result.Flag {
			t.Errorf("bulletin 1: %+v; want its announced valid votes, 10,058,774, and a flag", b1)
		}
	})
}

func TestCompareSimulated(t *testing.T) {
	dir, db := MustSimulated(t, "--stations", "2000", "--seed", "4", "--fraud", "shift:0.1")
	var truth simulate.Truth
	data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil || json.Unmarshal(data, &truth) != nil {
		t.Fatalf("truth.json: %v", err)
	}
	falsified := map[string]bool{}
	for _, f := range truth.Falsified {
		falsified[f.Station] = true
	}
	var doc struct {
		Compare struct {
			Status      string `json:"status"`
			Headline    string `json:"headline"`
			Comparisons []struct {
				A, B          actas.Source
				Discrepancies []struct {
					Station string
					Kind    string
				} `json:"discrepancies"`
			} `json:"comparisons"`
		} `json:"compare"`
		Bulletins struct {
			Status  string `json:"status"`
			Skipped string `json:"skipped"`
		} `json:"bulletins"`
	}
	MustJSON(t, &doc, "compare", "--db", db)
	c := doc.Compare
	if c.Status != "flag" || len(c.Comparisons) != 1 || c.Comparisons[0].A != actas.Witness || c.Comparisons[0].B != actas.Official {
		t.Fatalf("compare: %s, %+v", c.Status, c.Comparisons)
	}
	top := c.Comparisons[0].Discrepancies[0]
	if !falsified[top.Station] || top.Kind != "consistent" {
		t.Errorf("the top discrepancy, station %s (%s), is not a falsified station", top.Station, top.Kind)
	}
	if !strings.Contains(c.Headline, "largest: station "+top.Station) {
		t.Errorf("headline %q", c.Headline)
	}
	if doc.Bulletins.Status != "skipped" || !strings.Contains(doc.Bulletins.Skipped, "no official totals") {
		t.Errorf("bulletins without totals: %+v", doc.Bulletins)
	}
	t.Run("the table", func(t *testing.T) {
		out := MustRun(t, "compare", "--db", db, "--source", "witness")
		if !strings.Contains(out, "compare [flag] official and witness sheets differ") || !strings.Contains(out, "bulletins: not run: no official totals") {
			t.Errorf("table:\n%s", out)
		}
	})
}

func TestForensicsRussia(t *testing.T) {
	if _, err := os.Stat(testdata("ru-2011-duma", "2011.csv.zip")); err != nil {
		t.Skipf("real data not available: %v", err)
	}
	db := filepath.Join(t.TempDir(), "ru.db")
	MustRun(t, "import", "--db", db, "--format", "ru-cik", testdata("ru-2011-duma", "2011.csv.zip"))
	var doc struct {
		Source string `json:"source"`
		Leader string `json:"leader"`
		Tests  []struct {
			Name   string   `json:"name"`
			Excess *float64 `json:"excess"`
			SD     *float64 `json:"sd"`
			Flag   bool     `json:"flag"`
		} `json:"tests"`
		Status   string `json:"status"`
		Headline string `json:"headline"`
	}
	MustJSON(t, &doc, "forensics", "--db", db)
	if doc.Source != "official" || doc.Leader != "er" || doc.Status != "flag" {
		t.Errorf("source %q leader %q status %q", doc.Source, doc.Leader, doc.Status)
	}
	found := false
	for _, x := range doc.Tests {
		if x.Name != "integer-percent" {
			continue
		}
		found = true
		// Kobak, Shpilkin & Pshenichnikov (2016), recomputed by the first
		// author: excess 1,003.5, null sd 113.1; ±20 and ±15 are about
		// four Monte-Carlo standard errors (see the forensics tests).
		if x.Excess == nil || x.SD == nil || math.Abs(*x.Excess-1003.5) > 20 || math.Abs(*x.SD-113.1) > 15 || !x.Flag {
			t.Errorf("integer-percent: %+v", x)
		}
	}
	if !found {
		t.Errorf("no integer-percent test in %+v", doc.Tests)
	}
	if !strings.Contains(doc.Headline, "integer-percent (1,0") {
		t.Errorf("headline %q does not give the excess", doc.Headline)
	}
}

// TestAnalyzeErrors: every command says which flag is wrong and why, with
// a non-zero exit.
func TestAnalyzeErrors(t *testing.T) {
	dir, db := MustSimulated(t, "--stations", "300", "--seed", "2")
	badSample := filepath.Join(dir, "bad-sample.json")
	if err := os.WriteFile(badSample, []byte(`{"election":"sim-2","stations":["x"],"strata":[{"area":"A"}],"colour":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"bad format", []string{"compare", "--format", "csv"}, 2, `--format "csv": use table or json`},
		{"unknown source", []string{"bound", "--source", "rumour"}, 1, `--source: unknown source "rumour"`},
		{"bound without bulletins", []string{"bound"}, 1, "bound: no official totals are stored for contest president"},
		{"an unknown bulletin", []string{"bound", "--bulletin", "final"}, 1, `no bulletin "final"`},
		{"a timeline without snapshots or bulletins", []string{"timeline"}, 1, "timeline: no turnout snapshots of source official are stored"},
		{"machines that are not a number", []string{"timeline", "--machines", "national=lots"}, 2, `invalid value "national=lots" for flag -machines`},
		{"machines without an area", []string{"timeline", "--machines", "24000"}, 2, "want AREA=N"},
		{"a bad confidence", []string{"project", "--confidence", "1.5"}, 1, "project: confidence 1.5 must be a fraction strictly between 0 and 1"},
		{"a confidence that is not a number", []string{"project", "--confidence", "high"}, 2, `"high" is not a fraction`},
		{"a bad confidence for forensics", []string{"forensics", "--confidence", "120%"}, 1, "forensics: confidence 1.2 must be"},
		{"too few Monte-Carlo replicates", []string{"forensics", "--replicates", "5"}, 2, "--replicates 5: give 100 to 100000"},
		{"too few bootstrap replicates", []string{"project", "--replicates", "5"}, 1, "at least 100 bootstrap replicates"},
		{"an unknown leader", []string{"forensics", "--leader", "zed"}, 1, `leader "zed" is not a choice`},
		{"a quick count without a file", []string{"project", "--quick-count", "50"}, 2, "name the file to write with --sample FILE"},
		{"a quick count with both size and margin", []string{"project", "--quick-count", "50", "--margin", "0.01", "--sample", "x.json"}, 2, "not both"},
		{"a sample that is not one", []string{"project", "--sample", badSample}, 1, `unknown field "colour"`},
		{"a sample that does not exist", []string{"project", "--sample", filepath.Join(dir, "none.json")}, 1, "none.json: no such file"},
		{"a positional argument", []string{"forensics", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, cmd := range []string{"compare", "bound", "project", "forensics", "timeline"} {
		cases = append(cases, struct {
			name   string
			args   []string
			status int
			stderr string
		}{cmd + ": an unknown contest", []string{cmd, "--contest", "senate"}, 1, `election sim-2 has no contest "senate"`})
	}
	for _, cmd := range []string{"compare", "bound", "project"} {
		cases = append(cases, struct {
			name   string
			args   []string
			status int
			stderr string
		}{cmd + ": an unknown level", []string{cmd, "--level", "galaxy"}, 1, `level "galaxy" is not a level of election sim-2: use national or one of state`})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runActas(t, append(tc.args, "--db", db)...)
			if r.status != tc.status || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", r.status, r.stderr, tc.status, tc.stderr)
			}
		})
	}
}

func TestParseAssign(t *testing.T) {
	for _, tc := range []struct {
		in   string
		name string
		n    int64
		ok   bool
	}{
		{"national=24000", "national", 24000, true},
		{"national=24,000", "national", 24000, true},
		{"Zulia/Maracaibo=1_200", "Zulia/Maracaibo", 1200, true},
		{"a=b=3", "a=b", 3, true},
		{"national=0", "", 0, false},
		{"national=-4", "", 0, false},
		{"=5", "", 0, false},
		{"national", "", 0, false},
		{"national=1e9", "", 0, false},
		{"national=9999999999999", "", 0, false},
	} {
		name, n, err := parseAssign(tc.in)
		if (err == nil) != tc.ok || name != tc.name || n != tc.n {
			t.Errorf("parseAssign(%q) = %q, %d, %v", tc.in, name, n, err)
		}
	}
}

func FuzzParseAssign(f *testing.F) {
	for _, s := range []string{"national=24000", "a=b=1", "=", "x=1,000", "x= 7 ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, n, err := parseAssign(s)
		if err != nil {
			return
		}
		if name == "" || n <= 0 || n > actas.MaxCount {
			t.Errorf("parseAssign(%q) = %q, %d", s, name, n)
		}
	})
}

// FuzzReadSample: a sample file is read or refused with EINVALID, never
// accepted without an election and stations.
func FuzzReadSample(f *testing.F) {
	f.Add(`{"election":"e","strata_level":"state","allocation":"stations","seed":1,"size":{"stations":2},"strata":[{"area":"A","stations":5,"sampled":2}],"stations":["1","2"],"notes":[]}`)
	f.Add(`{"election":"e"}`)
	f.Add(`{"election":"e","stations":["1"],"strata":[{}]} {}`)
	f.Add(`[1,2]`)
	f.Add(`{"election":"e","stations":["1"],"strata":[{}],"extra":true}`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, data string) {
		s, err := readSample(strings.NewReader(data), "sample.json")
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), "sample.json") {
				t.Errorf("error %v: want EINVALID naming the file", err)
			}
			return
		}
		if s.Election == "" || len(s.Stations) == 0 || len(s.Strata) == 0 {
			t.Errorf("accepted %+v", s)
		}
	})
}

package web

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/simulate"
)

// demoFraud is what the demo's authority does (cmd/actas/demo.go): enough
// falsified official sheets to turn the announced result around.
var demoFraud = []string{"incremental:0.15", "shift:0.15", "late-turnout:0.05"}

// testAnalyses keeps the analyses quick: the fewest Monte-Carlo and
// bootstrap replicates they accept.
var testAnalyses = consistency.Options{
	Forensics: consistency.ForensicsOptions{Options: forensics.Options{Replicates: 100, Bootstrap: 100}},
	Project:   consistency.ProjectOptions{Options: estimate.Options{Replicates: 100}},
}

// charted are the analyses whose section draws a chart whenever it ran.
var charted = []consistency.Analysis{consistency.Bound, consistency.Compare, consistency.Exactness,
	consistency.Timeline, consistency.Forensics, consistency.Project}

// MustDemo loads a simulated election like the demo's (witness sheets for
// most stations, official sheets for all of them, some falsified, official
// totals nationally and per state, turnout snapshots) and serves it with
// cfg (its store and results are the fixture's).
func MustDemo(tb testing.TB, stations int, seed uint64, cfg Config) *fixture {
	tb.Helper()
	var frauds []simulate.Fraud
	for _, s := range demoFraud {
		fr, err := simulate.ParseFraud(s)
		if err != nil {
			tb.Fatal(err)
		}
		frauds = append(frauds, fr)
	}
	ds, _, err := simulate.Run(simulate.Config{Stations: stations, Seed: seed, Fraud: frauds})
	if err != nil {
		tb.Fatalf("simulate: %v", err)
	}
	f := MustLoad(tb, ds)
	if _, err := f.Store.AddSnapshots(tb.Context(), ds.Election.ID, ds.Snapshots); err != nil {
		tb.Fatalf("add snapshots: %v", err)
	}
	cfg.Store, cfg.Results = f.Store, f.Tab
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := New(cfg)
	if err != nil {
		tb.Fatalf("new server: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	f.Server, f.Handler = srv, srv.Handler()
	return f
}

// mustReference runs the analyses straight on the fixture's store and
// tabulation, with the options the server was given: what the page must
// show.
func (f *fixture) mustReference(tb testing.TB, contest string, opts consistency.Options) *consistency.Report {
	tb.Helper()
	totals, err := f.Store.Totals(tb.Context(), f.Election.ID)
	if err != nil {
		tb.Fatal(err)
	}
	snaps, err := f.Store.Snapshots(tb.Context(), f.Election.ID)
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := consistency.Run(consistency.Inputs{Election: f.Election, Contest: contest, Results: f.Tab, Totals: totals, Snapshots: snaps}, opts)
	if err != nil {
		tb.Fatalf("consistency.Run: %v", err)
	}
	return rep
}

// mustSubmit stores submissions and tabulates those accepted, as the
// server's caller does.
func (f *fixture) mustSubmit(tb testing.TB, subs ...*actas.Submission) {
	tb.Helper()
	for _, sub := range subs {
		sub.Submitter, sub.Origin, sub.Received = "import", "test", time.Now().UTC()
	}
	outs, err := f.Store.Submit(tb.Context(), f.Election.ID, subs, nil)
	if err != nil {
		tb.Fatalf("submit: %v", err)
	}
	for i, o := range outs {
		if o == actas.New || o == actas.Differing {
			if err := f.Tab.Add(subs[i]); err != nil {
				tb.Fatalf("tabulate: %v", err)
			}
		}
	}
}

// officialCorrection is a new official sheet for the i-th station: one
// more vote for the first choice than a sheet of zeros.
func (f *fixture) officialCorrection(i int, votes int64) *actas.Submission {
	c := &f.Election.Contests[0]
	v := make([]int64, len(c.Choices))
	v[0] = votes
	return &actas.Submission{Source: actas.Official, Sheet: actas.Sheet{Station: f.Stations[i].Code, Contest: c.ID,
		Votes: v, Ballots: votes, Voters: actas.Unknown}}
}

// words is text with its spaces collapsed, as text() leaves a page's.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

var figureRE = regexp.MustCompile(`(?s)<figure class="chart wide" id="([^"]+)">(.*?)</figure>`)

func TestConsistencyPageShowsEveryVerdictAndChart(t *testing.T) {
	f := MustDemo(t, 1500, 1, Config{Consistency: testAnalyses, ConsistencyWait: time.Minute})
	e := f.Election
	ref := f.mustReference(t, "", testAnalyses)
	l := mustLocale(t, "en")
	target := consistencyURL(e.ID)
	page := f.get(t, target).mustOK(t, target).Body

	if got := h1(t, page); got != l.t("consistency.title") {
		t.Errorf("heading %q", got)
	}
	// The demo's election has every input: each analysis must run on it.
	for _, s := range ref.Sections() {
		if !s.Ran() {
			t.Errorf("%s did not run on the demo's election: %s", s.Analysis, s.Skipped)
		}
	}
	verdicts := section(t, page, "verdicts-h")
	var order []string
	for _, m := range regexp.MustCompile(`id="verdict-([a-z]+)"`).FindAllStringSubmatch(verdicts, -1) {
		order = append(order, m[1])
	}
	var want []string
	for _, a := range consistency.Analyses() {
		want = append(want, string(a))
	}
	if !slices.Equal(order, want) {
		t.Errorf("verdicts in order %v, want %v", order, want)
	}
	for _, s := range ref.Sections() {
		a := s.Analysis
		t.Run(string(a)+": its verdict leads the page in words, with its numbers and caveat", func(t *testing.T) {
			i := strings.Index(verdicts, `id="verdict-`+string(a)+`"`)
			block := verdicts[i : i+strings.Index(verdicts[i:], "</li>")]
			got := text(block)
			status := statusIcons[s.Status] + " " + l.t("consistency.status."+string(s.Status))
			if !strings.Contains(got, status) {
				t.Errorf("verdict %q lacks the status %q", got, status)
			}
			if !strings.Contains(got, words(s.Headline)) {
				t.Errorf("verdict %q lacks the headline %q", got, s.Headline)
			}
			if !strings.Contains(got, words(s.Caveat)) {
				t.Errorf("verdict %q lacks the caveat %q", got, s.Caveat)
			}
			if !strings.Contains(verdicts, `class="verdict s-`+string(s.Status)+`" id="verdict-`+string(a)+`"`) {
				t.Errorf("verdict not marked %s", s.Status)
			}
		})
		t.Run(string(a)+": its section has its method, its data and its chart", func(t *testing.T) {
			sec := section(t, page, string(a)+"-h")
			var method, data bool
			for _, ln := range links(sec) {
				method = method || ln.Href == methodsDoc+"#"+analysisMeta[a].anchor
				data = data || ln.Href == apiConsistencyURL(e.ID)+"?analysis="+string(a)
			}
			if !method || !data {
				t.Errorf("section links: method note %t, JSON %t", method, data)
			}
			if !strings.Contains(text(sec), words(s.Inputs)) {
				t.Errorf("section does not say what it ran on (%q)", s.Inputs)
			}
			if !slices.Contains(charted, a) {
				return
			}
			figs := figureRE.FindAllStringSubmatch(sec, -1)
			if len(figs) == 0 {
				t.Fatalf("no chart")
			}
			for _, fig := range figs {
				id, svg := fig[1], fig[2]
				m := regexp.MustCompile(`<svg viewBox="0 0 (\d+) (\d+)" role="img" aria-labelledby="` + id + `-t ` + id + `-d"`).FindStringSubmatch(svg)
				if m == nil || m[1] == "0" || m[2] == "0" {
					t.Errorf("chart %s: no responsive, labelled SVG:\n%.300s", id, svg)
					continue
				}
				title := regexp.MustCompile(`<title id="` + id + `-t">([^<]+)</title>`).FindStringSubmatch(svg)
				desc := regexp.MustCompile(`<desc id="` + id + `-d">([^<]+)</desc>`).FindStringSubmatch(svg)
				if title == nil || desc == nil {
					t.Errorf("chart %s has no title or description", id)
				}
				if n := len(regexp.MustCompile(`<(rect|circle|path) `).FindAllString(svg, -1)); n < 2 {
					t.Errorf("chart %s draws %d marks", id, n)
				}
			}
		})
	}

	t.Run("the bound chart draws counted, official and required per choice", func(t *testing.T) {
		res := ref.Bound.Result
		sec := section(t, page, "bound-h")
		for id, ch := range res.Choices {
			name := f.Election.Contests[0].Choices[f.Election.Contests[0].ChoiceIndex(id)].Name
			for _, want := range []string{name + " · counted: " + l.Int(ch.Counted), name + " · official: " + l.Int(ch.Official)} {
				if !strings.Contains(sec, "<title>"+want+"</title>") {
					t.Errorf("no bar titled %q", want)
				}
			}
		}
	})
	t.Run("the forensics map and table show every test", func(t *testing.T) {
		sec := section(t, page, "forensics-h")
		tests := sec[strings.Index(sec, `id="forensics-tests"`):]
		rows := tableRows(tests[:strings.Index(tests, "</table>")])
		if len(rows) != 1+len(ref.Forensics.Result.Tests) {
			t.Fatalf("tests table has %d rows, want a header and %d tests", len(rows), len(ref.Forensics.Result.Tests))
		}
		for i, x := range ref.Forensics.Result.Tests {
			if rows[1+i][0] != l.t("consistency.test."+x.Name) {
				t.Errorf("row %d is %q, want test %s", 1+i, rows[1+i][0], x.Name)
			}
		}
	})
	t.Run("the overview links the page prominently", func(t *testing.T) {
		ov := f.get(t, electionURL(e.ID)).mustOK(t, electionURL(e.ID)).Body
		i := strings.Index(ov, `class="consistency-link"`)
		if i < 0 || i > strings.Index(ov, `id="summary-h"`) {
			t.Fatalf("the overview has no link to the consistency page before its results")
		}
		if ln := links(ov[i:]); len(ln) == 0 || ln[0].Href != target || ln[0].Text != l.t("consistency.link") {
			t.Errorf("overview link %v, want %q to %s", ln, l.t("consistency.link"), target)
		}
	})
	t.Run("the page's tables download as CSV", func(t *testing.T) {
		seen := 0
		for _, ln := range links(page) {
			if !strings.Contains(ln.Href, "download=") {
				continue
			}
			seen++
			f.mustCSV(t, ln.Href)
		}
		if seen < 7 {
			t.Errorf("%d CSV links, want one per table (at least 7)", seen)
		}
	})
	t.Run("a second request is served from the kept report", func(t *testing.T) {
		again := f.get(t, target).mustOK(t, target).Body
		if again != page {
			t.Error("the page changed without new results")
		}
		ar := &f.mustElection(t).analyses
		ar.mu.Lock()
		defer ar.mu.Unlock()
		if ar.runs != 1 {
			t.Errorf("%d computations for one report", ar.runs)
		}
	})
}

func (f *fixture) mustElection(tb testing.TB) *election {
	tb.Helper()
	e, err := f.Server.election(tb.Context(), f.Election.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func TestConsistencyTablesAreTheReportsFigures(t *testing.T) {
	f := MustDemo(t, 800, 2, Config{Consistency: testAnalyses, ConsistencyWait: time.Minute})
	e, c := f.Election, &f.Election.Contests[0]
	ref := f.mustReference(t, "", testAnalyses)
	tests := []struct {
		table string
		head  []string
		rows  int
	}{
		{"bound", []string{"bulletin", "area", "choice", "official", "counted", "required"}, len(ref.Bound.Result.Choices) + len(ref.Bound.Result.Figures)},
		{"discrepancies", []string{"a", "b", "rank", "station"}, func() int {
			n := 0
			for _, cp := range ref.Compare.Comparisons {
				n += len(cp.Discrepancies)
			}
			return n
		}()},
		{"bulletins", []string{"bulletin", "area"}, len(ref.Bulletins.Checks) * len(c.Choices)},
		{"exactness", []string{"bulletin", "area", "total", "choice"}, -1},
		{"timeline", []string{"scope", "kind", "level", "source", "from", "to", "votes", "capacity"}, func() int {
			n := 0
			for _, s := range ref.Timeline.Result.Series {
				n += len(s.Intervals)
			}
			return n
		}()},
		{"forensics", []string{"test", "statistic", "p_value"}, len(ref.Forensics.Result.Tests)},
		{"impossible", []string{"station", "area"}, func() int {
			if im := ref.Forensics.Result.Impossible; im != nil {
				return len(im.Stations)
			}
			return 0
		}()},
		{"project", []string{"choice", "share", "low", "high"}, func() int {
			if ref.Project.Result.Turnout != nil {
				return len(ref.Project.Result.Estimates) + 1
			}
			return len(ref.Project.Result.Estimates)
		}()},
	}
	for _, tc := range tests {
		t.Run("the "+tc.table+" table", func(t *testing.T) {
			rows := f.mustCSV(t, consistencyURL(e.ID)+"?download="+tc.table)
			if !slices.Equal(rows[0][:len(tc.head)], tc.head) {
				t.Errorf("header %v, want it to begin %v", rows[0], tc.head)
			}
			if tc.rows >= 0 && len(rows)-1 != tc.rows {
				t.Errorf("%d rows, want %d", len(rows)-1, tc.rows)
			}
		})
	}
	t.Run("the bound table's requirement is official minus counted", func(t *testing.T) {
		rows := f.mustCSV(t, consistencyURL(e.ID)+"?download=bound")
		for _, r := range rows[1:] {
			off, _ := strconv.ParseInt(r[3], 10, 64)
			cnt, _ := strconv.ParseInt(r[4], 10, 64)
			req, _ := strconv.ParseInt(r[5], 10, 64)
			if req != off-cnt {
				t.Errorf("%s: required %d, official %d − counted %d", r[2], req, off, cnt)
			}
			if ch := ref.Bound.Result.Choices[r[2]]; ch != nil && ch.Required != req {
				t.Errorf("%s: required %d, the bound says %d", r[2], req, ch.Required)
			}
		}
	})
	t.Run("an unknown table is not found", func(t *testing.T) {
		r := f.get(t, consistencyURL(e.ID)+"?download=nope")
		if r.Status != http.StatusNotFound {
			t.Errorf("status %d, want 404", r.Status)
		}
	})
}

func TestConsistencyAPI(t *testing.T) {
	f := MustDemo(t, 800, 4, Config{Consistency: testAnalyses, ConsistencyWait: time.Minute})
	e := f.Election
	ref := f.mustReference(t, "", testAnalyses)
	base := apiConsistencyURL(e.ID)

	var doc map[string]json.RawMessage
	f.mustJSON(t, base, &doc)
	t.Run("one object per analysis, with its verdict", func(t *testing.T) {
		for _, s := range ref.Sections() {
			var h head
			if err := json.Unmarshal(doc[string(s.Analysis)], &h); err != nil {
				t.Fatalf("%s: %v", s.Analysis, err)
			}
			if h != headOf(s) {
				t.Errorf("%s: verdict %+v, want %+v", s.Analysis, h, headOf(s))
			}
		}
	})
	t.Run("each analysis keeps the keys of the command line's JSON", func(t *testing.T) {
		keys := map[string][]string{
			"bound":     {"contest", "verdict", "choices", "counted", "uncounted", "caveats"},
			"compare":   {"comparisons"},
			"bulletins": {"source", "checks"},
			"exactness": {"checks"},
			"timeline":  {"intervals", "series", "assumptions", "caveats"},
			"forensics": {"contest", "source", "tests", "fingerprint", "caveats"},
			"project":   {"contest", "level", "confidence", "estimates"},
		}
		for name, want := range keys {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(doc[name], &obj); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, k := range want {
				if _, ok := obj[k]; !ok {
					t.Errorf("%s lacks %q", name, k)
				}
			}
		}
		var bound struct {
			Verdict string `json:"verdict"`
			Choices map[string]struct{ Counted, Official, Required int64 }
		}
		json.Unmarshal(doc["bound"], &bound)
		if bound.Verdict != string(ref.Bound.Result.Verdict) {
			t.Errorf("bound verdict %q, want %q", bound.Verdict, ref.Bound.Result.Verdict)
		}
		for id, ch := range ref.Bound.Result.Choices {
			if got := bound.Choices[id]; got.Counted != ch.Counted || got.Official != ch.Official || got.Required != ch.Required {
				t.Errorf("bound %s: %+v, want %d, %d, %d", id, got, ch.Counted, ch.Official, ch.Required)
			}
		}
		var fz struct {
			Caveat  string   `json:"caveat"`
			Caveats []string `json:"caveats"`
		}
		json.Unmarshal(doc["forensics"], &fz)
		if fz.Caveat != consistency.CaveatForensics || !slices.Equal(fz.Caveats, []string{forensics.Caveat}) {
			t.Errorf("forensics caveat %q and caveats %q: want the one-line caveat and the paragraph", fz.Caveat, fz.Caveats)
		}
	})
	t.Run("it says which results it was computed from", func(t *testing.T) {
		var a asOf
		json.Unmarshal(doc["as_of"], &a)
		seq, _ := f.Tab.MaxSeq(e.ID)
		size, _ := f.Store.LogSize(t.Context(), e.ID)
		if a.ResultsSeq != seq || a.LogSize != size || !a.Current || a.Updating {
			t.Errorf("as_of %+v, want results_seq %d, log_size %d, current", a, seq, size)
		}
		if _, err := time.Parse(time.RFC3339, a.Computed); err != nil {
			t.Errorf("computed %q: %v", a.Computed, err)
		}
	})
	tests := []struct {
		name   string
		query  string
		status int
		keys   []string
	}{
		{"one analysis", "?analysis=bound", http.StatusOK, []string{"bound"}},
		{"one analysis of a contest named", "?analysis=forensics&contest=" + e.Contests[0].ID, http.StatusOK, []string{"forensics"}},
		{"an unknown analysis", "?analysis=astrology", http.StatusBadRequest, nil},
		{"an unknown contest", "?contest=nope", http.StatusNotFound, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.get(t, base+tc.query)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.Status, tc.status, r.Body)
			}
			if tc.status != http.StatusOK {
				return
			}
			var d consistencyDoc
			if err := json.Unmarshal([]byte(r.Body), &d); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range d.Analyses {
				got = append(got, string(a))
			}
			var m map[string]json.RawMessage
			json.Unmarshal([]byte(r.Body), &m)
			for _, a := range consistency.Analyses() {
				if _, ok := m[string(a)]; ok != slices.Contains(tc.keys, string(a)) {
					t.Errorf("key %s present: %t", a, ok)
				}
			}
			if !slices.Equal(got, tc.keys) {
				t.Errorf("analyses %v, want %v", got, tc.keys)
			}
		})
	}
	t.Run("an unknown election is not found", func(t *testing.T) {
		if r := f.get(t, "/api/v1/elections/nope/consistency"); r.Status != http.StatusNotFound {
			t.Errorf("status %d", r.Status)
		}
	})
}

func TestConsistencyIsComputedInTheBackground(t *testing.T) {
	// Totals and the log's size are read afresh on every request.
	f := MustDemo(t, 500, 6, Config{Consistency: testAnalyses, ConsistencyWait: -1, TotalsTTL: time.Nanosecond})
	e := f.Election
	ar := &f.mustElection(t).analyses
	page, api := consistencyURL(e.ID), apiConsistencyURL(e.ID)
	l := mustLocale(t, "en")
	setRunning := func(b bool) {
		ar.mu.Lock()
		ar.running = b
		ar.mu.Unlock()
	}
	// A worker that does not get to run: meanwhile the first report is
	// "being computed".
	setRunning(true)

	t.Run("the page says it is being computed and reloads itself", func(t *testing.T) {
		r := f.get(t, page).mustOK(t, page)
		if !strings.Contains(r.Body, `<meta http-equiv="refresh" content="5">`) {
			t.Error("no meta refresh")
		}
		if !strings.Contains(text(r.Body), l.t("consistency.computing")) || strings.Contains(r.Body, `id="verdicts-h"`) {
			t.Error("the page does not say it is being computed, or shows verdicts")
		}
	})
	t.Run("the API answers 503 with Retry-After", func(t *testing.T) {
		r := f.get(t, api)
		var body apiComputing
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil || r.Status != http.StatusServiceUnavailable ||
			r.Header.Get("Retry-After") != "5" || body.Status != "computing" {
			t.Errorf("status %d, Retry-After %q, body %s", r.Status, r.Header.Get("Retry-After"), r.Body)
		}
	})
	t.Run("results arriving meanwhile queue one computation, not one each", func(t *testing.T) {
		for i := range 3 {
			f.mustSubmit(t, f.officialCorrection(i, 7))
			f.get(t, page)
			f.get(t, api)
		}
		ar.mu.Lock()
		defer ar.mu.Unlock()
		if !slices.Equal(ar.queue, []string{e.Contests[0].ID}) || ar.runs != 0 {
			t.Errorf("queue %v after %d runs, want the contest once and no run", ar.queue, ar.runs)
		}
	})

	setRunning(false)
	waitCurrent := func(t *testing.T) asOf {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			r := f.get(t, api)
			if r.Status == http.StatusOK {
				var d struct {
					AsOf asOf `json:"as_of"`
				}
				json.Unmarshal([]byte(r.Body), &d)
				if d.AsOf.Current {
					return d.AsOf
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no current report after a minute: %d %.300s", r.Status, r.Body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Run("once computed, the report is served as of the latest results", func(t *testing.T) {
		a := waitCurrent(t)
		seq, _ := f.Tab.MaxSeq(e.ID)
		if a.ResultsSeq != seq {
			t.Errorf("as of %d, the results are at %d", a.ResultsSeq, seq)
		}
		r := f.get(t, page).mustOK(t, page)
		if strings.Contains(r.Body, `http-equiv="refresh"`) || !strings.Contains(r.Body, `id="verdicts-h"`) {
			t.Error("the page still says it is being computed")
		}
		if want := `<a href="` + entryURL(e.ID, seq) + `">` + l.t("consistency.asof.entry", l.Int(seq)) + `</a>`; !strings.Contains(r.Body, want) {
			t.Errorf("the page does not say which results it is of (%s)", want)
		}
		ar.mu.Lock()
		defer ar.mu.Unlock()
		if ar.runs != 1 {
			t.Errorf("%d computations, want 1", ar.runs)
		}
	})
	t.Run("a new sheet: the last report is shown while the next is computed", func(t *testing.T) {
		f.mustSubmit(t, f.officialCorrection(10, 9))
		r := f.get(t, page).mustOK(t, page)
		if !strings.Contains(text(r.Body), l.t("consistency.updating")) || !strings.Contains(r.Body, `id="verdicts-h"`) {
			t.Error("the page does not show the last report with a notice that an update is under way")
		}
		a := waitCurrent(t)
		if seq, _ := f.Tab.MaxSeq(e.ID); a.ResultsSeq != seq {
			t.Errorf("as of %d, the results are at %d", a.ResultsSeq, seq)
		}
	})
	t.Run("new official totals make a new report", func(t *testing.T) {
		before := waitCurrent(t)
		c := &e.Contests[0]
		if _, err := f.Store.AddTotals(t.Context(), e.ID, []actas.OfficialTotal{{Contest: c.ID, Bulletin: "late", Choice: c.Choices[0].ID, Votes: 1}}); err != nil {
			t.Fatal(err)
		}
		a := waitCurrent(t)
		if a.LogSize <= before.LogSize {
			t.Errorf("log size %d, was %d", a.LogSize, before.LogSize)
		}
		var d consistencyDoc
		f.mustJSON(t, api+"?analysis=bulletins", &d)
		late := false
		for _, chk := range d.Bulletins.Checks {
			late = late || chk.Bulletin == "late"
		}
		if !late {
			t.Error("the new bulletin is not in the report")
		}
	})
}

func TestConsistencyInSpanish(t *testing.T) {
	f := MustDemo(t, 500, 7, Config{Consistency: testAnalyses, ConsistencyWait: time.Minute})
	es := mustLocale(t, "es")
	ref := f.mustReference(t, "", testAnalyses)
	r := f.get(t, consistencyURL(f.Election.ID)+"?lang=es").mustOK(t, "?lang=es")
	if h := h1(t, r.Body); h != es.t("consistency.title") {
		t.Errorf("heading %q", h)
	}
	for _, s := range ref.Sections() {
		block := r.Body[strings.Index(r.Body, `id="verdict-`+string(s.Analysis)+`"`):]
		block = block[:strings.Index(block, "</li>")]
		if !strings.Contains(text(block), es.t("consistency.status."+string(s.Status))) || !strings.Contains(text(block), es.t("consistency.caveat."+string(s.Analysis))) {
			t.Errorf("%s: no Spanish status or caveat in %q", s.Analysis, text(block))
		}
		// The analyses write in English: the page says so to readers and
		// to screen readers.
		if s.Ran() && !strings.Contains(block, `<p class="headline" lang="en">`) {
			t.Errorf("%s: the English headline is not marked lang=en", s.Analysis)
		}
	}
}

func TestConsistencyCaveatsAreTheRunners(t *testing.T) {
	en := mustLocale(t, "en")
	for a, want := range map[consistency.Analysis]string{
		consistency.Bound: consistency.CaveatBound, consistency.Compare: consistency.CaveatCompare,
		consistency.Bulletins: consistency.CaveatBulletins, consistency.Exactness: consistency.CaveatExactness,
		consistency.Timeline: consistency.CaveatTimeline, consistency.Forensics: consistency.CaveatForensics,
		consistency.Project: consistency.CaveatProject,
	} {
		if got := en.t("consistency.caveat." + string(a)); got != want {
			t.Errorf("%s: the page's caveat %q differs from the runner's %q", a, got, want)
		}
	}
	// Every analysis has the words the page shows of it.
	for _, a := range consistency.Analyses() {
		for _, k := range []string{"title.", "caveat.", "how."} {
			if _, ok := en.msgs["consistency."+k+string(a)]; !ok {
				t.Errorf("no message consistency.%s%s", k, a)
			}
		}
		if _, ok := analysisMeta[a]; !ok {
			t.Errorf("%s has no method note", a)
		}
	}
	for _, s := range []consistency.Status{consistency.StatusFlag, consistency.StatusWarning, consistency.StatusClear,
		consistency.StatusUndetermined, consistency.StatusInfo, consistency.StatusSkipped, consistency.StatusError} {
		if _, ok := en.msgs["consistency.status."+string(s)]; !ok || statusIcons[s] == "" {
			t.Errorf("status %s has no word or no icon", s)
		}
	}
	for _, name := range []string{forensics.NameFingerprint, forensics.NameIntegerPercent, forensics.NameLastDigit,
		forensics.NameAdjacentPair, forensics.NameSecondDigit, forensics.NameImpossible} {
		if _, ok := en.msgs["consistency.test."+name]; !ok {
			t.Errorf("forensics test %s has no name", name)
		}
	}
}

// githubSlug is the anchor GitHub gives a Markdown heading.
func githubSlug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r > 127 && !strings.ContainsRune("×—–’“”…·", r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestMethodLinksNameSectionsOfTheMethodNote(t *testing.T) {
	file, err := os.Open("../docs/methods.md")
	if err != nil {
		t.Skipf("method note not available: %v", err)
	}
	defer file.Close()
	anchors := map[string]bool{}
	sc := bufio.NewScanner(file)
	fence := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(line, "#") {
			continue
		}
		slug := githubSlug(strings.TrimSpace(strings.TrimLeft(line, "#")))
		for n := 1; anchors[slug]; n++ { // GitHub numbers repeated headings
			slug = githubSlug(strings.TrimSpace(strings.TrimLeft(line, "#"))) + "-" + strconv.Itoa(n)
		}
		anchors[slug] = true
	}
	for a, m := range analysisMeta {
		if !anchors[m.anchor] {
			t.Errorf("%s links #%s, which docs/methods.md has no heading for", a, m.anchor)
		}
	}
}

func FuzzConsistencyQuery(f *testing.F) {
	for _, seed := range []string{"", "contest=president", "contest=referendum&lang=es", "download=bound", "download=%00",
		"analysis=bound", "contest=nope", "download=impossible&contest=referendum", "page=2&source=witness"} {
		f.Add(seed)
	}
	fx := MustHandmade(f)
	f.Fuzz(func(t *testing.T, query string) {
		// What a request line can carry: printable ASCII, no space or '#'.
		query = strings.Map(func(r rune) rune {
			if r <= ' ' || r >= 0x7f || r == '#' {
				return -1
			}
			return r
		}, query)
		for _, target := range []string{consistencyURL(hmID), apiConsistencyURL(hmID)} {
			r := fx.get(t, target+"?"+query)
			if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
				t.Fatalf("GET %s?%s: status %d: %.300s", target, query, r.Status, r.Body)
			}
		}
	})
}

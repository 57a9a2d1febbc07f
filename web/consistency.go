package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actasproject/actas"
	comparison "github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/timeline"
)

// The "Is the official result consistent?" page and its JSON run every
// analysis of package consistency. At a million stations that takes some
// seconds (forensics' Monte Carlo alone about ten), so a request never
// runs it: a background worker per election computes one contest's report
// at a time, keeps the last one, and requests serve it with the results
// version it was computed at. Results that change while it runs queue one
// more computation of the contest, however many requests see the change.
// A request that finds no report yet waits for the first one up to
// Config.ConsistencyWait (small elections are done within it), then says
// that it is being computed.

// Defaults of the consistency page.
const (
	defaultConsistencyWait = 3 * time.Second
	// consistencyRefresh is how often a page that is being computed asks
	// to be reloaded (meta refresh), and the API's Retry-After.
	consistencyRefresh = 5
	// maxKeptBodies and maxKeptBytes bound the rendered responses kept
	// per report (languages × URIs × states, JSON filters × states); a
	// large election's JSON is megabytes, and encoding it is what the
	// keeping saves.
	maxKeptBodies = 48
	maxKeptBytes  = 64 << 20
	// pageRows bounds the rows a table shows on the page; its CSV has all.
	pageRows = 20
)

// inputsVersion identifies what a report was computed from. Snapshots
// have no version of their own: the log's size covers them (and every
// other entry).
type inputsVersion struct {
	Seq     int64 // ResultService.MaxSeq: the submissions tabulated
	Totals  int64 // the official totals' generation (officialTotals.gen)
	LogSize int64 // entries in the election's log
}

// covers reports whether a report computed from v is current for inputs
// now. The log size only grows, and a computation reads it afresh, so a
// larger one is newer than a polled one.
func (v inputsVersion) covers(now inputsVersion) bool {
	return v.Seq == now.Seq && v.Totals == now.Totals && v.LogSize >= now.LogSize
}

// computed is one report, with what it was computed from and the
// responses rendered from it.
type computed struct {
	version inputsVersion
	report  *consistency.Report
	at      time.Time     // when it was finished
	took    time.Duration // how long it took

	mu     sync.Mutex
	bodies map[string]*cacheEntry // rendered responses, by language, URI and state
	bytes  int
}

func (c *computed) body(key string) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bodies[key]
}

func (c *computed) keep(key string, ent *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bodies == nil {
		c.bodies = map[string]*cacheEntry{}
	}
	if len(c.bodies) < maxKeptBodies && c.bytes+len(ent.body) <= maxKeptBytes && c.bodies[key] == nil {
		c.bodies[key] = ent
		c.bytes += len(ent.body)
	}
}

// failure is a computation that failed, kept so that the same inputs are
// not tried again on every request.
type failure struct {
	version inputsVersion
	err     error
}

// analysisRuns is an election's consistency reports and its worker. The
// zero value is ready to use.
type analysisRuns struct {
	mu      sync.Mutex
	running bool     // the worker goroutine is under way
	queue   []string // contests to compute, each once, in the order asked
	busy    string   // the contest being computed; "" when none
	step    consistency.Analysis
	work    string    // what the runner said of the step (English)
	since   time.Time // when the busy computation started
	reports map[string]*computed
	failed  map[string]*failure
	changed chan struct{} // closed, and replaced, whenever a computation ends
	runs    int           // computations that ran the analyses

	// The log's size, read at most once per totals TTL by a request.
	logSize    atomic.Int64
	logChecked atomic.Int64 // unix nanoseconds; 0 before the first read
	logReading atomic.Bool
}

// reportState is what a request may serve for one contest.
type reportState struct {
	done     *computed // the last report; nil until the first one is computed
	failed   error     // the computation failed on the inputs as they are now
	current  bool      // done was computed from the inputs as they are now
	updating bool      // a computation of the contest is queued or under way
	step     consistency.Analysis
	work     string
	since    time.Time
}

// inputsNow is the version of an election's inputs as pages see them now:
// cheap, from memory, with the log's size read at most once per totals
// TTL.
func (s *Server) inputsNow(ctx context.Context, e *election) (inputsVersion, error) {
	var v inputsVersion
	seq, err := s.results.MaxSeq(e.ID)
	if err != nil {
		return v, fmt.Errorf("results of %s: %w", e.ID, err)
	}
	v.Seq = seq
	if _, err := s.bulletins(ctx, e, "", ""); err != nil { // loads the totals the first time
		return v, err
	}
	v.Totals = s.totalsGeneration(e)
	ar := &e.analyses
	checked := ar.logChecked.Load()
	if (checked == 0 || time.Since(time.Unix(0, checked)) > s.totalsTTL) && ar.logReading.CompareAndSwap(false, true) {
		n, err := s.logSize(ctx, e)
		ar.logReading.Store(false)
		if err != nil {
			return v, err
		}
		ar.noteLogSize(n)
	}
	v.LogSize = ar.logSize.Load()
	return v, nil
}

// noteLogSize records a log size just read.
func (ar *analysisRuns) noteLogSize(n int64) {
	for {
		old := ar.logSize.Load()
		if n <= old || ar.logSize.CompareAndSwap(old, n) {
			break
		}
	}
	ar.logChecked.Store(time.Now().UnixNano())
}

// consistencyState returns the report to serve for contest c, queueing a
// computation when the last report is not current. When there is no
// report yet it waits for the first up to the configured wait. Errors are
// those of reading the inputs' version, or ctx's.
func (s *Server) consistencyState(ctx context.Context, e *election, c *actas.Contest) (reportState, error) {
	now, err := s.inputsNow(ctx, e)
	if err != nil {
		return reportState{}, err
	}
	deadline := time.Now().Add(s.consistencyWait)
	ar := &e.analyses
	for {
		ar.mu.Lock()
		st := reportState{done: ar.reports[c.ID]}
		st.current = st.done != nil && st.done.version.covers(now)
		if f := ar.failed[c.ID]; f != nil && f.version.covers(now) {
			st.failed = f.err
		}
		if !st.current && st.failed == nil {
			s.queueAnalyses(e, c.ID)
		}
		st.updating = ar.busy == c.ID || slices.Contains(ar.queue, c.ID)
		if ar.busy == c.ID {
			st.step, st.work, st.since = ar.step, ar.work, ar.since
		}
		if ar.changed == nil {
			ar.changed = make(chan struct{})
		}
		changed := ar.changed
		ar.mu.Unlock()

		wait := time.Until(deadline)
		if st.done != nil || st.failed != nil || !st.updating || wait <= 0 {
			return st, nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-changed:
			timer.Stop()
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return st, ctx.Err()
		}
	}
}

// queueAnalyses asks for contest's report and starts the election's worker
// if it is not running. ar.mu must be held.
func (s *Server) queueAnalyses(e *election, contest string) {
	ar := &e.analyses
	if !slices.Contains(ar.queue, contest) {
		ar.queue = append(ar.queue, contest)
	}
	if ar.running || s.bgCtx.Err() != nil {
		return
	}
	ar.running = true
	s.bg.Add(1)
	go s.analysisWorker(e)
}

// analysisWorker computes the queued contests of an election one at a
// time, until the queue is empty or the server closes.
func (s *Server) analysisWorker(e *election) {
	defer s.bg.Done()
	ar := &e.analyses
	for {
		ar.mu.Lock()
		if len(ar.queue) == 0 || s.bgCtx.Err() != nil {
			ar.running = false
			ar.mu.Unlock()
			return
		}
		contest := ar.queue[0]
		ar.queue = ar.queue[1:]
		ar.busy, ar.step, ar.work, ar.since = contest, "", "", time.Now()
		prev := ar.reports[contest]
		ar.mu.Unlock()

		done, fail := s.computeReport(e, contest, prev)

		ar.mu.Lock()
		if done != nil {
			if ar.reports == nil {
				ar.reports = map[string]*computed{}
			}
			ar.reports[contest] = done
			delete(ar.failed, contest)
		}
		if fail != nil {
			if ar.failed == nil {
				ar.failed = map[string]*failure{}
			}
			ar.failed[contest] = fail
		}
		ar.busy = ""
		if ar.changed != nil {
			close(ar.changed)
		}
		ar.changed = make(chan struct{})
		ar.mu.Unlock()
	}
}

// computeReport reads the inputs of the analyses and runs them. It returns
// nil, nil when prev is still current or the server is closing.
func (s *Server) computeReport(e *election, contest string, prev *computed) (*computed, *failure) {
	ctx, cancel := context.WithTimeout(s.bgCtx, time.Minute) // for reading the store
	defer cancel()
	start := time.Now()
	polled, err := s.inputsNow(ctx, e)
	if err != nil {
		return nil, s.analysisFailure(e, contest, polled, err)
	}
	// The version first: whatever arrives while the inputs are read makes
	// a later version, and one more computation.
	v := inputsVersion{Seq: polled.Seq}
	if v.LogSize, err = s.logSize(ctx, e); err != nil {
		return nil, s.analysisFailure(e, contest, polled, err)
	}
	e.analyses.noteLogSize(v.LogSize)
	totals, err := s.store.Totals(ctx, e.ID)
	if err != nil {
		return nil, s.analysisFailure(e, contest, polled, fmt.Errorf("official totals of %s: %w", e.ID, err))
	}
	// What was read is the freshest view of the totals: pages show it too.
	t := indexTotals(e, totals)
	e.totals.Store(t)
	v.Totals = t.gen
	if prev != nil && prev.version.covers(v) {
		return nil, nil
	}
	snaps, err := s.store.Snapshots(ctx, e.ID)
	if err != nil {
		return nil, s.analysisFailure(e, contest, polled, fmt.Errorf("turnout snapshots of %s: %w", e.ID, err))
	}
	e.analyses.mu.Lock()
	e.analyses.runs++
	e.analyses.mu.Unlock()
	in := consistency.Inputs{Election: e.Election, Contest: contest, Results: s.results, Totals: totals, Snapshots: snaps}
	rep, err := s.runAnalyses(s.bgCtx, in, func(a consistency.Analysis, work string) {
		e.analyses.mu.Lock()
		e.analyses.step, e.analyses.work = a, work
		e.analyses.mu.Unlock()
	})
	if err != nil {
		return nil, s.analysisFailure(e, contest, v, err)
	}
	return &computed{version: v, report: rep, at: time.Now(), took: time.Since(start)}, nil
}

// analysisFailure logs why a computation failed and keeps it; nil when it
// failed because the server is closing.
func (s *Server) analysisFailure(e *election, contest string, v inputsVersion, err error) *failure {
	if s.bgCtx.Err() != nil {
		return nil
	}
	if actas.ErrorCode(err) == actas.EINTERNAL {
		s.log.Error("consistency report", "election", e.ID, "contest", contest, "err", err)
	}
	return &failure{version: v, err: err}
}

// runAnalyses runs the analyses the server is configured with, one at a
// time so that closing the server waits for one analysis at most, and
// gathers their sections into one report.
func (s *Server) runAnalyses(ctx context.Context, in consistency.Inputs, progress func(consistency.Analysis, string)) (*consistency.Report, error) {
	r, err := consistency.New(in)
	if err != nil {
		return nil, err
	}
	opts := s.analysisOpts
	var rep *consistency.Report
	for _, a := range consistency.Analyses() {
		if len(opts.Analyses) > 0 && !slices.Contains(opts.Analyses, a) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o := opts
		o.Analyses = []consistency.Analysis{a}
		o.Progress = progress
		part, err := r.Run(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		rep = mergeSection(rep, part, a)
	}
	if rep == nil {
		return nil, actas.Errorf(actas.EINVALID, "consistency: no analysis to run")
	}
	return rep, nil
}

// mergeSection adds analysis a's section of part to rep.
func mergeSection(rep, part *consistency.Report, a consistency.Analysis) *consistency.Report {
	if rep == nil {
		return part
	}
	switch a {
	case consistency.Bound:
		rep.Bound = part.Bound
	case consistency.Compare:
		rep.Compare = part.Compare
	case consistency.Bulletins:
		rep.Bulletins = part.Bulletins
	case consistency.Exactness:
		rep.Exactness = part.Exactness
	case consistency.Timeline:
		rep.Timeline = part.Timeline
	case consistency.Forensics:
		rep.Forensics = part.Forensics
	case consistency.Project:
		rep.Project = part.Project
	}
	return rep
}

// ---- URLs ----

// consistencyURL is the consistency page of an election.
func consistencyURL(election string) string { return electionURL(election) + "/consistency" }

// apiConsistencyURL is its JSON.
func apiConsistencyURL(election string) string {
	return "/api/v1/elections/" + url.PathEscape(election) + "/consistency"
}

// ---- handlers ----

// handleConsistencyPage serves the "Is the official result consistent?" page,
// or with ?download=TABLE one of its tables as CSV.
func (s *Server) handleConsistencyPage(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, p, err := s.electionParams(r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	c, err := contestOf(e, p.Contest)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	st, err := s.consistencyState(r.Context(), e, c)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if st.done == nil && st.failed != nil {
		s.pageError(w, r, l, e, st.failed)
		return
	}
	if p.Download != "" {
		if st.done == nil {
			w.Header().Set("Retry-After", strconv.Itoa(consistencyRefresh))
			s.pageError(w, r, l, e, actas.Errorf(actas.ENOTFOUND, "the report of contest %s is being computed: its tables can be downloaded in a moment", c.ID))
			return
		}
		t, err := consistencyTable(e, c, st.done.report, p.Download)
		if err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
		s.writeCSV(w, r, e.ID, "consistency", t)
		return
	}
	key := fmt.Sprintf("page\x00%s\x00%s\x00%t\x00%t", l.Code, r.URL.RequestURI(), st.current, st.updating)
	if st.done != nil {
		if ent := st.done.body(key); ent != nil {
			s.replay(w, r, ent)
			return
		}
	}
	pg := s.newPage(r, l, e)
	v := s.consistencyView(l, e, c, p, st)
	pg.Title = v.Title
	pg.API = withQuery(apiConsistencyURL(e.ID), onlyContest(p.keep()))
	pg.Body = v
	if st.done == nil {
		pg.Refresh = consistencyRefresh
		s.render(w, r, http.StatusOK, "consistency", pg)
		return
	}
	cw := &captureWriter{ResponseWriter: w, buf: getBuf()}
	defer putBuf(cw.buf)
	s.render(cw, r, http.StatusOK, "consistency", pg)
	if cw.status == http.StatusOK && !cw.tooBig {
		st.done.keep(key, capturedEntry(w, cw))
	}
}

// capturedEntry keeps a response written through cw for replay.
func capturedEntry(w http.ResponseWriter, cw *captureWriter) *cacheEntry {
	ent := &cacheEntry{made: time.Now(), body: append([]byte(nil), cw.buf.Bytes()...)}
	for _, name := range cachedHeaders {
		if v := w.Header().Get(name); v != "" {
			ent.header = append(ent.header, [2]string{name, v})
		}
	}
	return ent
}

// apiComputing is the 503 body while the first report is computed.
type apiComputing struct {
	Status     string               `json:"status"` // "computing"
	Message    string               `json:"message"`
	RetryAfter int                  `json:"retry_after"` // seconds
	Analysis   consistency.Analysis `json:"analysis,omitempty"`
	Since      string               `json:"since,omitempty"` // RFC 3339
}

// apiConsistencyReport serves the report as JSON: every analysis, or with
// ?analysis=NAME that one alone.
func (s *Server) apiConsistencyReport(w http.ResponseWriter, r *http.Request) {
	e, p, err := s.electionParams(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := contestOf(e, p.Contest)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var only consistency.Analysis
	if name := p.raw.Get("analysis"); name != "" {
		if only, err = consistency.ParseAnalysis(name); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	st, err := s.consistencyState(r.Context(), e, c)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if st.done == nil && st.failed != nil {
		s.apiError(w, r, st.failed)
		return
	}
	if st.done == nil {
		w.Header().Set("Retry-After", strconv.Itoa(consistencyRefresh))
		body := &apiComputing{Status: "computing", RetryAfter: consistencyRefresh, Analysis: st.step,
			Message: fmt.Sprintf("the consistency report of contest %s is being computed; retry in %d s", c.ID, consistencyRefresh)}
		if !st.since.IsZero() {
			body.Since = st.since.In(e.loc).Format(time.RFC3339)
		}
		s.writeJSON(w, r, http.StatusServiceUnavailable, body)
		return
	}
	key := fmt.Sprintf("json\x00%s\x00%t\x00%t", only, st.current, st.updating)
	if ent := st.done.body(key); ent != nil {
		s.replay(w, r, ent)
		return
	}
	body, err := json.Marshal(newConsistencyDoc(e, st, only))
	if err != nil {
		s.apiError(w, r, fmt.Errorf("consistency report of %s, contest %s: %w", e.ID, c.ID, err))
		return
	}
	ent := &cacheEntry{made: time.Now(), body: append(body, '\n'),
		header: [][2]string{{"Content-Type", "application/json; charset=utf-8"}}}
	st.done.keep(key, ent)
	s.replay(w, r, ent)
}

// ---- the JSON document ----

// consistencyDoc is the API's form of a report: each analysis under its
// name, as the command line's --format json gives it (its result's keys
// beside the verdict's: status, headline, caveat, inputs, skipped), and
// when the report was computed. Keys may be added, never removed or
// renamed.
type consistencyDoc struct {
	Election string                 `json:"election"`
	Contest  string                 `json:"contest"`
	Choices  []actas.Choice         `json:"choices"`
	Data     consistency.Data       `json:"data"`
	AsOf     asOf                   `json:"as_of"`
	Analyses []consistency.Analysis `json:"analyses"` // those in the document, in the page's order

	Bound     *boundDoc                     `json:"bound,omitempty"`
	Compare   *consistency.CompareSection   `json:"compare,omitempty"`
	Bulletins *consistency.BulletinsSection `json:"bulletins,omitempty"`
	Exactness *consistency.ExactnessSection `json:"exactness,omitempty"`
	Timeline  *timelineDoc                  `json:"timeline,omitempty"`
	Forensics *forensicsDoc                 `json:"forensics,omitempty"`
	Project   *projectDoc                   `json:"project,omitempty"`
}

// asOf says what a report was computed from, and whether newer inputs
// have arrived since.
type asOf struct {
	// ResultsSeq is the highest log index of a submission the report's
	// results counted (ResultService.MaxSeq), as /api/v1/elections/{id}
	// gives it.
	ResultsSeq int64   `json:"results_seq"`
	LogSize    int64   `json:"log_size"` // entries in the log when its inputs were read
	Computed   string  `json:"computed"` // RFC 3339, when it was finished
	Seconds    float64 `json:"seconds"`  // how long it took
	// Current is false when submissions, official totals or snapshots
	// arrived since; Updating says a new report is being computed.
	Current  bool `json:"current"`
	Updating bool `json:"updating"`
}

// head is the verdict the runner adds to an analysis's own document.
type head struct {
	Analysis consistency.Analysis `json:"analysis"`
	Status   consistency.Status   `json:"status"`
	Headline string               `json:"headline"`
	Caveat   string               `json:"caveat"`
	Inputs   string               `json:"inputs"`
	Skipped  string               `json:"skipped,omitempty"`
}

func headOf(s *consistency.Section) head {
	return head{Analysis: s.Analysis, Status: s.Status, Headline: s.Headline, Caveat: s.Caveat, Inputs: s.Inputs, Skipped: s.Skipped}
}

type boundDoc struct {
	head
	*comparison.BoundReport
}

type projectDoc struct {
	head
	*estimate.Projection
}

type timelineDoc struct {
	head
	*timeline.Report
}

// forensicsDoc: the report's own caveat is a paragraph; the one-line
// caveat takes its key (a shallower field wins in encoding/json) and the
// paragraph moves to caveats, as every other analysis lists them.
type forensicsDoc struct {
	head
	*forensics.Report
	Caveat  string   `json:"caveat"`
	Caveats []string `json:"caveats"`
}

func newConsistencyDoc(e *election, st reportState, only consistency.Analysis) *consistencyDoc {
	rep := st.done.report
	doc := &consistencyDoc{Election: rep.Election, Contest: rep.Contest, Choices: rep.Choices, Data: rep.Data,
		AsOf: asOf{ResultsSeq: st.done.version.Seq, LogSize: st.done.version.LogSize,
			Computed: st.done.at.In(e.loc).Format(time.RFC3339), Seconds: st.done.took.Seconds(),
			Current: st.current, Updating: st.updating},
		Analyses: []consistency.Analysis{}}
	for _, sec := range rep.Sections() {
		a := sec.Analysis
		if only != "" && a != only {
			continue
		}
		doc.Analyses = append(doc.Analyses, a)
		switch a {
		case consistency.Bound:
			doc.Bound = &boundDoc{headOf(sec), rep.Bound.Result}
		case consistency.Compare:
			doc.Compare = rep.Compare
		case consistency.Bulletins:
			doc.Bulletins = rep.Bulletins
		case consistency.Exactness:
			doc.Exactness = rep.Exactness
		case consistency.Timeline:
			doc.Timeline = &timelineDoc{headOf(sec), rep.Timeline.Result}
		case consistency.Forensics:
			d := &forensicsDoc{head: headOf(sec), Report: rep.Forensics.Result, Caveat: sec.Caveat, Caveats: []string{}}
			if d.Report != nil {
				d.Caveats = append(d.Caveats, d.Report.Caveat)
			}
			doc.Forensics = d
		case consistency.Project:
			doc.Project = &projectDoc{headOf(sec), rep.Project.Result}
		}
	}
	return doc
}

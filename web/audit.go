package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/audit"
	"github.com/actasproject/actas/internal/audits"
)

// Risk-limiting audits (internal/audits) on the web: the public pages of
// an election's audits, their files, and the forms that draw a round, enter
// hand counts and compute the risk. Every write is a record of the log.
//
// Public pages are not kept in the page cache: an audit's records do not
// change the results version the cache follows.

// auditWrites serialises this process's audit writes: a write reads the
// audit's state and then appends to it, and two keyers' counts of the same
// station arriving together must each see the other to store the agreed
// sheet.
var auditWrites sync.Mutex

func auditsURL(election string) string { return electionURL(election) + "/audits" }

func auditURL(election, id string) string { return auditsURL(election) + "/" + url.PathEscape(id) }

func auditCountURL(election, id, station string) string {
	u := auditURL(election, id) + "/count"
	if station != "" {
		u += "?station=" + url.QueryEscape(station)
	}
	return u
}

func auditRoundURL(election, id string, round int) string {
	return auditURL(election, id) + "/rounds/" + strconv.Itoa(round)
}

func apiAuditURL(election, id string) string {
	return "/api/v1/elections/" + url.PathEscape(election) + "/audits/" + url.PathEscape(id)
}

// loadAudit reads the election and the audit named by the request's path.
func (s *Server) loadAudit(r *http.Request) (*election, *audits.State, error) {
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		return nil, nil, err
	}
	st, err := audits.Load(r.Context(), s.store, e.ID, r.PathValue("id"))
	if err != nil {
		return e, nil, err
	}
	return e, st, nil
}

type auditsPage struct {
	Audits []link
}

// handleAudits lists the election's audits.
func (s *Server) handleAudits(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	ids, err := audits.IDs(r.Context(), s.store, e.ID)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	d := &auditsPage{}
	for _, id := range ids {
		d.Audits = append(d.Audits, link{Text: id, Href: auditURL(e.ID, id)})
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("audit.list")
	pg.Body = d
	s.render(w, r, http.StatusOK, "audits", pg)
}

// auditPage is an audit as its public page shows it.
type auditPage struct {
	ID, Contest, Seed, Winners string
	RiskLimit                  string
	Stations                   string // with official sheets
	SetupHref                  string
	Pinned                     string
	Digest                     string
	Margins                    []string
	Rounds                     []auditRoundView
	Choices                    []string
	Sampled                    []auditStationView
	Risks                      []auditRiskView
	Outcome                    string // the latest decision, in words; "" before any
	Confirmed                  bool
	Finished                   bool
	Recompute                  string
	BatchesHref, CountsHref    string
	APIHref                    string
	// The forms, for a signed-in account that may use them.
	CanRun, CanCount       bool
	DrawAction, RiskAction string
	CountHref              string
	NextSize               string
}

type auditRoundView struct {
	Round              int
	Anchor             string
	Draws, Stations    string
	EntryHref, Entry   string
	PrintHref, CSVHref string
	Who, When          string
}

type auditStationView struct {
	Station, Href string
	Times         string
	Tickets       string
	Status        string
	StatusClass   string
	Reported      []string
	Hand          []string // nil until agreed
	Diff          []string
	Differs       bool
}

type auditRiskView struct {
	Round     int
	Anchor    string
	Risk      string
	Words     string
	Decision  string
	EntryHref string
	Entry     string
}

// decisionWords says a risk computation's outcome in plain words.
func decisionWords(l *locale, limit int, r *audits.Risk) string {
	switch r.Decision {
	case audit.Confirmed:
		return l.t("audit.confirmed", l.Pct(r.Risk), strconv.Itoa(limit)+"%")
	case audit.Continue:
		return l.t("audit.continue", l.Pct(r.Risk), strconv.Itoa(limit)+"%", r.Next)
	case audit.FullCount:
		return l.t("audit.fullcount", l.Pct(r.Risk))
	case audit.Overturned:
		return l.t("audit.overturned")
	}
	return string(r.Decision)
}

func statusWords(l *locale, st audits.Status) string { return l.t("audit.status." + string(st)) }

// newAuditPage lays out the audit for its public page; a is the signed-in
// account or nil.
func newAuditPage(l *locale, e *election, st *audits.State, a *actas.Account) *auditPage {
	v := audits.NewView(st)
	d := &auditPage{ID: st.ID, Contest: st.Contest.Name, Seed: st.Setup.Seed, Winners: strings.Join(choiceNames(st.Contest, st.Setup.Winners), ", "),
		RiskLimit: strconv.Itoa(st.Setup.RiskLimit) + "%", Stations: l.Int(int64(st.Setup.Batches)),
		SetupHref: entryURL(e.ID, st.SetupAt), Pinned: l.Int(st.Setup.Pinned), Digest: st.Setup.BatchesSHA256,
		Finished: v.Finished, Recompute: v.Recompute,
		BatchesHref: auditURL(e.ID, st.ID) + "/batches.csv", CountsHref: auditURL(e.ID, st.ID) + "/counts.csv",
		APIHref: apiAuditURL(e.ID, st.ID), DrawAction: auditURL(e.ID, st.ID) + "/draw", RiskAction: auditURL(e.ID, st.ID) + "/risk",
		CountHref: auditCountURL(e.ID, st.ID, "")}
	names := choiceNames(st.Contest, st.Contest.ChoiceIDs())
	d.Choices = append(names, l.t("sheet.ballots"))
	for _, m := range v.Margins {
		d.Margins = append(d.Margins, l.t("audit.margin", choiceName(st.Contest, m.Winner), choiceName(st.Contest, m.Loser), l.Int(m.Votes)))
	}
	for _, r := range st.Rounds {
		d.Rounds = append(d.Rounds, auditRoundView{Round: r.Round, Anchor: "round-" + strconv.Itoa(r.Round),
			Draws: l.Int(int64(len(r.Draws))), Stations: l.Int(int64(len(audits.Distinct(r.Draws)))),
			EntryHref: entryURL(e.ID, r.Index), Entry: l.Int(r.Index),
			PrintHref: auditRoundURL(e.ID, st.ID, r.Round), CSVHref: auditRoundURL(e.ID, st.ID, r.Round) + ".csv",
			When: r.Time.In(e.loc).Format("2006-01-02 15:04 MST")})
	}
	tickets := map[string][]string{}
	for _, dr := range st.Draws() {
		tickets[dr.ID] = append(tickets[dr.ID], dr.Ticket)
	}
	for _, sc := range v.Stations {
		sv := auditStationView{Station: sc.Station, Href: stationURL(e.ID, sc.Station), Times: l.Int(int64(sc.Times)),
			Tickets: strings.Join(tickets[sc.Station], " "), Status: statusWords(l, sc.Status), StatusClass: string(sc.Status)}
		rep := append(append([]int64(nil), sc.Reported.Votes...), sc.Reported.Ballots)
		for _, n := range rep {
			sv.Reported = append(sv.Reported, l.Int(n))
		}
		if sc.Hand != nil {
			hand := append(append([]int64(nil), sc.Hand.Votes...), sc.Hand.Ballots)
			for i, n := range hand {
				sv.Hand = append(sv.Hand, l.Int(n))
				diff := n - rep[i]
				txt := l.Int(diff)
				if diff > 0 {
					txt = "+" + txt
				}
				if diff != 0 {
					sv.Differs = true
				}
				sv.Diff = append(sv.Diff, txt)
			}
		}
		d.Sampled = append(d.Sampled, sv)
	}
	for i := range st.Risks {
		r := &st.Risks[i]
		d.Risks = append(d.Risks, auditRiskView{Round: r.Round, Anchor: "risk-" + strconv.Itoa(r.Round), Risk: l.Pct(r.Risk),
			Words: decisionWords(l, st.Setup.RiskLimit, r), Decision: string(r.Decision), EntryHref: entryURL(e.ID, r.Index), Entry: l.Int(r.Index)})
	}
	if last := st.Last(); last != nil {
		d.Outcome = decisionWords(l, st.Setup.RiskLimit, last)
		d.Confirmed = last.Decision == audit.Confirmed
	}
	if a != nil {
		d.CanRun = authorize(a, actAuditRun, e.ID, target{}) == nil && !d.Finished
		d.CanCount = authorize(a, actAuditCount, e.ID, someTarget(a)) == nil && !d.Finished
	}
	return d
}

func choiceName(c *actas.Contest, id string) string {
	for _, ch := range c.Choices {
		if ch.ID == id {
			return ch.Name
		}
	}
	return id
}

func choiceNames(c *actas.Contest, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = choiceName(c, id)
	}
	return out
}

// handleAudit shows an audit: anyone may read it; a signed-in admin or
// keyer also sees the forms.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, st, err := s.loadAudit(r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	// The page is public; a visitor signed in also sees the forms (and the
	// page is then private).
	var a *actas.Account
	if acct, _, err := s.authenticate(r); err == nil {
		a = acct
		w.Header().Set("Cache-Control", "private, no-store")
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("audit.title", st.ID)
	pg.API = apiAuditURL(e.ID, st.ID)
	pg.Body = newAuditPage(l, e, st, a)
	s.render(w, r, http.StatusOK, "audit", pg)
}

// apiAudit answers the audit as `actas audit show --format json` does.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	_, st, err := s.loadAudit(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, audits.NewView(st))
}

// handleAuditFile serves batches.csv and counts.csv, the files the
// recompute command reads.
func (s *Server) handleAuditFile(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, st, err := s.loadAudit(r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	var buf bytes.Buffer
	switch name := r.PathValue("file"); name {
	case "batches.csv":
		err = audits.WriteBatches(&buf, st.Contest.ChoiceIDs(), st.Batches)
	case "counts.csv":
		err = st.WriteCounts(&buf)
	default:
		s.handleNotFound(w, r)
		return
	}
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	writeCSVFile(w, r.PathValue("file"), buf.Bytes())
}

func writeCSVFile(w http.ResponseWriter, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

type auditRoundPage struct {
	ID, Contest, AuditHref, CSVHref string
	Round                           int
	Choices                         []string
	Stations                        []auditStationView
}

// handleAuditRound serves a round's stations to hand count: as a printable
// page, or as CSV when the path ends in .csv.
func (s *Server) handleAuditRound(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, st, err := s.loadAudit(r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	arg := r.PathValue("round")
	asCSV := strings.HasSuffix(arg, ".csv")
	n, err := strconv.Atoi(strings.TrimSuffix(arg, ".csv"))
	if err != nil || n < 1 || n > len(st.Rounds) {
		s.pageError(w, r, l, e, actas.Errorf(actas.ENOTFOUND, "audit %s has %d rounds, not %q", st.ID, len(st.Rounds), clip(arg)))
		return
	}
	draws := st.Rounds[n-1].Draws
	if asCSV {
		var buf bytes.Buffer
		if err := audits.WriteSampleList(&buf, st, draws); err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
		writeCSVFile(w, st.ID+"-round-"+strconv.Itoa(n)+".csv", buf.Bytes())
		return
	}
	d := &auditRoundPage{ID: st.ID, Contest: st.Contest.Name, AuditHref: auditURL(e.ID, st.ID), CSVHref: auditRoundURL(e.ID, st.ID, n) + ".csv",
		Round: n, Choices: append(choiceNames(st.Contest, st.Contest.ChoiceIDs()), l.t("sheet.ballots"))}
	tickets := map[string][]string{}
	for _, dr := range draws {
		tickets[dr.ID] = append(tickets[dr.ID], dr.Ticket)
	}
	for _, id := range audits.Distinct(draws) {
		p, _ := st.Audit.Lookup(id)
		b := st.Audit.Batch(p)
		sv := auditStationView{Station: id, Href: stationURL(e.ID, id), Times: l.Int(int64(len(tickets[id]))), Tickets: strings.Join(tickets[id], " ")}
		for _, v := range append(append([]int64(nil), b.Votes...), b.Ballots) {
			sv.Reported = append(sv.Reported, l.Int(v))
		}
		d.Stations = append(d.Stations, sv)
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("audit.roundtitle", n, st.ID)
	pg.Body = d
	s.render(w, r, http.StatusOK, "audit-round", pg)
}

// auditWriter authenticates a state-changing audit request and authorizes
// act on t; ok false: answered.
func (s *Server) auditWriter(w http.ResponseWriter, r *http.Request, l *locale, e *election, next string, act action, t target) (*actas.Account, bool) {
	a, ok := s.signedIn(w, r, l, e, next)
	if !ok {
		return nil, false
	}
	if err := authorize(a, act, e.ID, t); err != nil {
		s.pageError(w, r, l, e, err)
		return nil, false
	}
	return a, true
}

// handleAuditDraw draws the next round (an admin's form) and shows it.
func (s *Server) handleAuditDraw(w http.ResponseWriter, r *http.Request) {
	s.auditRun(w, r, func(st *audits.State, a *actas.Account, form url.Values) (string, error) {
		size := 0
		if v := strings.TrimSpace(form.Get("size")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1_000_000 {
				return "", actas.Errorf(actas.EINVALID, "sample size %q: give a whole number of draws from 1 to 1,000,000, or leave it empty for the size the audit asks for", clip(v))
			}
			size = n
		}
		rd, err := audits.DrawRound(r.Context(), s.store, st, size, accountID(a), time.Now())
		if err != nil {
			return "", err
		}
		return "#round-" + strconv.Itoa(rd.Round), nil
	})
}

// handleAuditRisk computes the risk after the latest round (an admin's
// form) and shows it.
func (s *Server) handleAuditRisk(w http.ResponseWriter, r *http.Request) {
	s.auditRun(w, r, func(st *audits.State, a *actas.Account, _ url.Values) (string, error) {
		rk, err := audits.ComputeRisk(r.Context(), s.store, st, accountID(a), time.Now())
		if err != nil {
			return "", err
		}
		return "#risk-" + strconv.Itoa(rk.Round), nil
	})
}

// auditRun runs an admin's audit step and redirects to the audit's page at
// the fragment do returns.
func (s *Server) auditRun(w http.ResponseWriter, r *http.Request, do func(*audits.State, *actas.Account, url.Values) (string, error)) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	page := auditURL(e.ID, r.PathValue("id"))
	a, ok := s.auditWriter(w, r, l, e, page, actAuditRun, target{})
	if !ok {
		return
	}
	form, err := readForm(w, r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if !s.allowPageWrite(w, a) {
		return
	}
	auditWrites.Lock()
	defer auditWrites.Unlock()
	st, err := audits.Load(r.Context(), s.store, e.ID, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	frag, err := do(st, a, form)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, page+frag, http.StatusSeeOther)
}

// auditCountPage is the hand-count form. It never shows the reported
// counts nor another keyer's: each keyer counts independently.
type auditCountPage struct {
	ID, AuditHref string
	Station       string // "" for the list of sampled stations
	Action        string
	Fields        []auditField
	Error         string
	Done          string // what the count just recorded made of the station
	DoneClass     string
	Stations      []auditToCount
	Finished      bool
}

type auditField struct {
	ID, Name, Label, Value string
}

type auditToCount struct {
	Station, Href string
	Mine          bool // this account has counted it
	Status        string
}

// handleAuditCountPage shows the list of sampled stations to count or,
// with ?station=, the form for one.
func (s *Server) handleAuditCountPage(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	station := r.URL.Query().Get("station")
	id := r.PathValue("id")
	a, ok := s.signedIn(w, r, l, e, auditCountURL(e.ID, id, station))
	if !ok {
		return
	}
	t, err := s.countTarget(e, a, station)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if err := authorize(a, actAuditCount, e.ID, t); err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	st, err := audits.Load(r.Context(), s.store, e.ID, id)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	d := s.newCountPage(l, e, st, a, station)
	status := http.StatusOK
	if station != "" && !contains(st.Sampled(), station) {
		d.Error = actas.ErrorMessage(actas.Errorf(actas.EINVALID, "station %q is not in audit %s's sample: only sampled stations are hand counted", clip(station), st.ID))
		d.Station, d.Fields = "", nil
		status = http.StatusNotFound
	}
	s.renderCount(w, r, l, e, st, status, d)
}

// countTarget is the target of a hand count of station ("" for none yet):
// its area lets a coordinator count within its scope.
func (s *Server) countTarget(e *election, a *actas.Account, station string) (target, error) {
	if station == "" {
		return someTarget(a), nil
	}
	res, err := s.results.Station(e.ID, e.Contests[0].ID, station)
	if err != nil {
		return target{}, err
	}
	return target{Station: station, Area: res.Station.Area}, nil
}

func (s *Server) newCountPage(l *locale, e *election, st *audits.State, a *actas.Account, station string) *auditCountPage {
	d := &auditCountPage{ID: st.ID, AuditHref: auditURL(e.ID, st.ID), Station: station, Action: auditCountURL(e.ID, st.ID, ""), Finished: st.Finished()}
	if station != "" {
		for _, ch := range st.Contest.Choices {
			d.Fields = append(d.Fields, auditField{ID: "c-" + ch.ID, Name: "v-" + ch.ID, Label: ch.Name})
		}
		d.Fields = append(d.Fields,
			auditField{ID: "c-blank", Name: "blank", Label: l.t("form.blank")},
			auditField{ID: "c-null", Name: "null", Label: l.t("form.null")},
			auditField{ID: "c-ballots", Name: "ballots", Label: l.t("form.ballots")})
	}
	me := accountID(a)
	for _, id := range st.Sampled() {
		mine := false
		for _, c := range st.Counts[id] {
			mine = mine || c.Account == me
		}
		_, status := st.HandCount(id)
		d.Stations = append(d.Stations, auditToCount{Station: id, Href: auditCountURL(e.ID, st.ID, id), Mine: mine, Status: statusWords(l, status)})
	}
	return d
}

func (s *Server) renderCount(w http.ResponseWriter, r *http.Request, l *locale, e *election, st *audits.State, status int, d *auditCountPage) {
	pg := s.newPage(r, l, e)
	pg.Title = l.t("audit.counttitle", st.ID)
	pg.Body = d
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, status, "audit-count", pg)
}

// handleAuditCount records one keyer's hand count of a sampled station and
// says what it made of the station: it needs a second keyer, it agrees, or
// the keyers disagree.
func (s *Server) handleAuditCount(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	id := r.PathValue("id")
	a, ok := s.signedIn(w, r, l, e, auditCountURL(e.ID, id, ""))
	if !ok {
		return
	}
	form, err := readForm(w, r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	station := form.Get("station")
	t, err := s.countTarget(e, a, station)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if err := authorize(a, actAuditCount, e.ID, t); err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if !s.allowPageWrite(w, a) {
		return
	}
	auditWrites.Lock()
	defer auditWrites.Unlock()
	st, err := audits.Load(r.Context(), s.store, e.ID, id)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	d := s.newCountPage(l, e, st, a, station)
	for i := range d.Fields {
		d.Fields[i].Value = form.Get(d.Fields[i].Name)
	}
	c, err := parseHandCount(form, st.Contest)
	var status audits.Status
	if err == nil {
		status, err = audits.AddCount(r.Context(), s.store, st, c, accountID(a), time.Now())
	}
	if err != nil {
		d.Error = actas.ErrorMessage(err)
		s.renderCount(w, r, l, e, st, errorStatus(actas.ErrorCode(err)), d)
		return
	}
	if status == audits.Agreed {
		s.cache.forget(stationURL(e.ID, station))
		if s.nudge != nil {
			s.nudge(e.ID) // the agreed sheet is a new entry of the log
		}
	}
	// The form is done: show the list, with what happened.
	d = s.newCountPage(l, e, st, a, "")
	d.Done, d.DoneClass = l.t("audit.done."+string(status), station), string(status)
	s.renderCount(w, r, l, e, st, http.StatusOK, d)
}

// parseHandCount reads the hand-count form: station, one field per choice
// ("v-" and its id), blank, null and ballots, each a whole number from 0
// to actas.MaxCount. Errors: EINVALID naming the field.
func parseHandCount(form url.Values, c *actas.Contest) (audits.CountBody, error) {
	b := audits.CountBody{Station: form.Get("station"), Votes: make([]int64, len(c.Choices))}
	if b.Station == "" {
		return b, actas.Errorf(actas.EINVALID, "the form names no station")
	}
	num := func(name, label string) (int64, error) {
		v := strings.TrimSpace(form.Get(name))
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > actas.MaxCount {
			return 0, actas.Errorf(actas.EINVALID, "%s: %q is not a whole number from 0 to %d", label, clip(v), actas.MaxCount)
		}
		return n, nil
	}
	var err error
	for i, ch := range c.Choices {
		if b.Votes[i], err = num("v-"+ch.ID, ch.Name); err != nil {
			return b, err
		}
	}
	if b.Blank, err = num("blank", "blank ballots"); err != nil {
		return b, err
	}
	if b.Null, err = num("null", "null ballots"); err != nil {
		return b, err
	}
	if b.Ballots, err = num("ballots", "ballots"); err != nil {
		return b, err
	}
	return b, nil
}

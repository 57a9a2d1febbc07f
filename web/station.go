package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/review"
)

// maxCodeLen bounds a station code taken from a URL.
const maxCodeLen = 200

// stationData is a station with, per contest, its reconciled state and every
// submission.
type stationData struct {
	e        *election
	st       actas.Station
	contests []*stationContest
	history  *review.History // keyings and decisions (package internal/review)
}

type stationContest struct {
	c    *actas.Contest
	res  *actas.StationResult
	subs []*actas.Submission // in Seq order
}

func (s *Server) loadStation(ctx context.Context, e *election, code string) (*stationData, error) {
	if code == "" || len(code) > maxCodeLen || !utf8.ValidString(code) {
		return nil, actas.Errorf(actas.ENOTFOUND, "no station %q in election %s", clip(code), e.ID)
	}
	d := &stationData{e: e}
	for i := range e.Contests {
		c := &e.Contests[i]
		res, err := s.results.Station(e.ID, c.ID, code)
		if err != nil {
			return nil, fmt.Errorf("station %s: %w", clip(code), err)
		}
		d.st = res.Station
		d.contests = append(d.contests, &stationContest{c: c, res: res})
	}
	subs, err := s.store.StationSubmissions(ctx, e.ID, code)
	if err != nil {
		return nil, fmt.Errorf("submissions of station %s: %w", clip(code), err)
	}
	for _, sub := range subs {
		for _, sc := range d.contests {
			if sc.c.ID == sub.Sheet.Contest {
				sc.subs = append(sc.subs, sub)
			}
		}
	}
	if d.history, err = review.StationHistory(ctx, s.store, e.ID, code); err != nil {
		return nil, fmt.Errorf("review of station %s: %w", clip(code), err)
	}
	return d, nil
}

func (s *Server) handleStation(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, p, err := s.electionParams(r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	d, err := s.loadStation(r.Context(), e, r.PathValue("station"))
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if p.Download != "" {
		t, err := d.table(p.Download, p.Contest)
		if err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
		s.writeCSV(w, r, e.ID, d.st.Code, t)
		return
	}
	pg := s.newPage(r, l, e)
	body := s.stationView(r, l, d)
	pg.Title = l.t("station.title", d.st.Code) + " · " + e.Name
	pg.API = "/api/v1/elections/" + url.PathEscape(e.ID) + "/stations/" + url.PathEscape(d.st.Code)
	pg.Body = body
	s.render(w, r, http.StatusOK, "station", pg)
}

// table is the CSV of one contest's comparison table: the reconciled sheet,
// then every submission.
func (d *stationData) table(name, contest string) (*table, error) {
	if name != "submissions" {
		return nil, actas.Errorf(actas.ENOTFOUND, "this page has no table %q", clip(name))
	}
	sc := d.contests[0]
	if contest != "" {
		sc = nil
		for _, x := range d.contests {
			if x.c.ID == contest {
				sc = x
			}
		}
		if sc == nil {
			return nil, actas.Errorf(actas.ENOTFOUND, "election %s has no contest %q", d.e.ID, contest)
		}
	}
	header := []string{"row", "seq", "source", "received", "submitter", "origin", "state"}
	header = append(header, sc.c.ChoiceIDs()...)
	header = append(header, "blank", "null", "ballots", "voters", "flags", "evidence")
	t := &table{Name: "submissions-" + sc.c.ID, Header: header}
	if sh := sc.res.Sheet; sh != nil {
		row := []string{"reconciled", "", string(sc.res.From), "", "", "", string(sc.res.State)}
		row = appendSheet(row, sh)
		t.Rows = append(t.Rows, append(row, sc.res.Flags.String(), ""))
	}
	for _, sub := range sc.subs {
		row := []string{"submission", itoa(sub.Seq), string(sub.Source), sub.Received.In(d.e.loc).Format(time.RFC3339),
			safeText(sub.Submitter), safeText(sub.Origin), ""}
		row = appendSheet(row, &sub.Sheet)
		ev := make([]string, len(sub.Evidence))
		for i, x := range sub.Evidence {
			ev[i] = evidenceText(x)
		}
		t.Rows = append(t.Rows, append(row, sub.Flags.String(), safeText(strings.Join(ev, " "))))
	}
	return t, nil
}

func appendSheet(row []string, sh *actas.Sheet) []string {
	for _, v := range sh.Votes {
		row = append(row, itoa(v))
	}
	return append(row, itoa(sh.Blank), itoa(sh.Null), itoa(sh.Ballots), unknownOr(sh.Voters))
}

// evidenceText is one evidence item in one word: its URL, photo digest or
// QR payload.
func evidenceText(x actas.Evidence) string {
	switch {
	case x.URL != "":
		return x.URL
	case x.SHA256 != "":
		return "sha256:" + x.SHA256
	default:
		return x.Kind + ":" + x.Text
	}
}

// ---- the page ----

type stationView struct {
	Code       string
	Crumbs     []link
	Registered string
	Machines   string
	Capacity   string
	Contests   []*stationContestView
}

type stationContestView struct {
	ID, Name   string
	State      string
	StateClass string
	StateNote  string
	From       string
	Flags      []string // explained in words
	Columns    []compareCol
	Rows       []compareRow
	Differs    []string // names of columns in which the sheets differ
	Subs       []subView
	Download   string

	// Double entry and review (internal/review): how many keyings were
	// made, how many verify the current witness sheet, and decisions,
	// latest first. People appear by account id only.
	Keyings   int
	Verified  int
	Decisions []decisionView
}

type decisionView struct {
	Verdict string
	Reason  string
	When    string
	Account string
	Index   string
	LogHref string
	Stale   bool // a submission came after it: the rules apply again
}

type compareCol struct {
	Label   string
	Differs bool
}

type compareRow struct {
	Label      string
	Reconciled bool
	Cells      []compareCell
	Flags      []string
}

type compareCell struct {
	Text    string
	Differs bool // differs from the reference sheet
}

type subView struct {
	Seq       string
	Anchor    string
	Source    string
	Received  string
	Submitter string
	Origin    string
	Flags     []string
	Evidence  []evidenceView
	Current   bool   // the source's latest, which its view counts
	LogHref   string // its entry in the transparency log (Seq is its index)
}

type evidenceView struct {
	Kind string
	Href string // a link to follow (http or https only, or a stored file)
	Text string
	Img  string // a stored photo to show as a thumbnail
}

func (s *Server) stationView(r *http.Request, l *locale, d *stationData) *stationView {
	st := d.st
	v := &stationView{Code: st.Code, Registered: l.Int(st.Registered)}
	if st.Registered == 0 {
		v.Registered = l.t("station.unknown")
	}
	if st.Machines > 0 {
		v.Machines = l.Int(st.Machines)
	}
	if c := d.e.Capacity(&st); c > 0 {
		v.Capacity = l.Int(c)
	}
	v.Crumbs = crumbs(l, d.e, st.Area, url.Values{})
	v.Crumbs[len(v.Crumbs)-1].Current = false
	for _, sc := range d.contests {
		q := url.Values{"download": {"submissions"}}
		if len(d.contests) > 1 {
			q.Set("contest", sc.c.ID)
		}
		cv := compare(l, d.e, sc)
		cv.Download = withQuery(r.URL.EscapedPath(), q)
		reviewView(l, d.e, sc, d.history, cv)
		v.Contests = append(v.Contests, cv)
	}
	return v
}

// compare builds one contest's comparison: a row per sheet, each number
// marked where it differs from the reference (the reconciled sheet, or the
// first submission when there is none).
func compare(l *locale, e *election, sc *stationContest) *stationContestView {
	res := sc.res
	cv := &stationContestView{ID: sc.c.ID, Name: sc.c.Name, State: l.t("state." + string(res.State)),
		StateClass: string(res.State), StateNote: l.t("statenote." + string(res.State))}
	if res.From != "" {
		cv.From = l.sourceName(res.From)
	}
	for _, name := range res.Flags.Names() {
		cv.Flags = append(cv.Flags, l.t("flag."+name))
	}
	for _, ch := range sc.c.Choices {
		cv.Columns = append(cv.Columns, compareCol{Label: ch.Name})
	}
	for _, k := range []string{"sheet.blank", "sheet.null", "sheet.ballots", "sheet.voters"} {
		cv.Columns = append(cv.Columns, compareCol{Label: l.t(k)})
	}
	ref := res.Sheet
	if ref == nil && len(sc.subs) > 0 {
		ref = &sc.subs[0].Sheet
	}
	refNums := sheetNumbers(ref)
	row := func(label string, sh *actas.Sheet, flags actas.Flags, reconciled bool) compareRow {
		r := compareRow{Label: label, Reconciled: reconciled}
		for i, n := range sheetNumbers(sh) {
			cell := compareCell{Text: l.Int(n)}
			if n == actas.Unknown && i == len(sc.c.Choices)+3 {
				cell.Text = "—"
			}
			if refNums != nil && i < len(refNums) && refNums[i] != n {
				cell.Differs = true
				cv.Columns[i].Differs = true
			}
			r.Cells = append(r.Cells, cell)
		}
		for _, name := range flags.Names() {
			r.Flags = append(r.Flags, l.t("flagshort."+name))
		}
		return r
	}
	if res.Sheet != nil {
		cv.Rows = append(cv.Rows, row(l.t("station.reconciled"), res.Sheet, res.Flags, true))
	}
	for _, sub := range sc.subs {
		label := l.sourceName(sub.Source) + " #" + itoa(sub.Seq)
		cv.Rows = append(cv.Rows, row(label, &sub.Sheet, sub.Flags, false))
		sv := subView{Seq: itoa(sub.Seq), Anchor: "sub-" + itoa(sub.Seq), Source: l.sourceName(sub.Source),
			Received: sub.Received.In(e.loc).Format("2006-01-02 15:04:05 MST"), Submitter: sub.Submitter,
			Origin: sub.Origin, Current: res.Current[sub.Source] == sub.Seq, LogHref: entryURL(e.ID, sub.Seq)}
		for _, name := range sub.Flags.Names() {
			sv.Flags = append(sv.Flags, l.t("flag."+name))
		}
		for _, x := range sub.Evidence {
			sv.Evidence = append(sv.Evidence, evidenceOf(l, e.ID, x))
		}
		cv.Subs = append(cv.Subs, sv)
	}
	for _, c := range cv.Columns {
		if c.Differs {
			cv.Differs = append(cv.Differs, c.Label)
		}
	}
	return cv
}

// sheetNumbers lists a sheet's numbers in the comparison's column order.
func sheetNumbers(sh *actas.Sheet) []int64 {
	if sh == nil {
		return nil
	}
	out := make([]int64, 0, len(sh.Votes)+4)
	out = append(out, sh.Votes...)
	return append(out, sh.Blank, sh.Null, sh.Ballots, sh.Voters)
}

// evidenceOf shows a link as a link (never embedded: it is another site's
// image) only when it is http or https; a photo, stored here, as a link to
// it with a thumbnail; anything else as text.
func evidenceOf(l *locale, election string, x actas.Evidence) evidenceView {
	ev := evidenceView{Kind: l.t("evidence." + evidenceKind(x.Kind))}
	switch {
	case x.Kind == "photo" && actas.ValidSHA256(x.SHA256):
		ev.Text = "sha256:" + x.SHA256
		ev.Href = evidenceURL(election, x.SHA256)
		ev.Img = ev.Href
	case x.URL != "":
		ev.Text = x.URL
		if u, err := url.Parse(x.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			ev.Href = u.String()
		}
	case x.SHA256 != "":
		ev.Text = "sha256:" + x.SHA256
	default:
		ev.Text = x.Text
	}
	return ev
}

func evidenceKind(k string) string {
	switch k {
	case "photo", "link", "qr":
		return k
	}
	return "other"
}

// reviewView adds a contest's keyings and decisions to its view.
func reviewView(l *locale, e *election, sc *stationContest, h *review.History, cv *stationContestView) {
	if h == nil {
		return
	}
	var newest int64
	for _, sub := range sc.subs {
		newest = max(newest, sub.Seq)
		if sub.Source == actas.Witness && sc.res.Current[actas.Witness] == sub.Seq {
			cv.Verified = len(h.Verified(sub.Seq, sub.Submitter))
		}
	}
	for _, k := range h.Keyings {
		if k.Contest == sc.c.ID {
			cv.Keyings++
		}
	}
	for i := len(h.Decisions) - 1; i >= 0; i-- {
		d := h.Decisions[i]
		if d.Contest != sc.c.ID {
			continue
		}
		verdict := l.t("verdict." + string(d.Verdict))
		if d.Verdict == review.Accept {
			verdict = l.t("review.accept", l.sourceName(d.Source), itoa(d.Accepted))
		}
		cv.Decisions = append(cv.Decisions, decisionView{Verdict: verdict, Reason: d.Reason,
			When: d.Time.In(e.loc).Format("2006-01-02 15:04:05 MST"), Account: d.Account,
			Index: itoa(d.Index), LogHref: entryURL(e.ID, d.Index), Stale: newest > d.Index})
	}
}

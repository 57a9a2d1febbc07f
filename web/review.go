package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/review"
)

// The coordinators' review queue (GET and POST /e/{election}/review): the
// stations of the account's areas (an admin's: all) whose sheets conflict
// or whose keying disagrees, each with its photos and every entry side by
// side, and a form to decide. Decisions are records of the log and change
// the reconciled view at once (review.Decider).

// maxReviewItems bounds the stations one page of the queue shows.
const maxReviewItems = 50

// reviewURL is the review queue of an election.
func reviewURL(election string) string { return electionURL(election) + "/review" }

type reviewPage struct {
	Action string
	Items  []*reviewItem
	More   bool // the queue holds more than the page shows
}

type reviewItem struct {
	Anchor      string
	Station     string
	Area        string
	StationHref string
	Contest     string
	ContestName string
	Conflict    bool
	Unsettled   bool // not counted until someone decides
	Disagree    bool
	Photos      []string // hrefs of the stored photos of its sheets
	Columns     []compareCol
	Rows        []reviewRow
	Differs     []string
	Options     []reviewOption // what the decision may accept
}

type reviewRow struct {
	Label   string
	Keying  bool
	Who     string // the account id that sent or keyed it
	Current bool   // a submission its source has not corrected
	Cells   []compareCell
	Flags   []string
}

type reviewOption struct {
	Value, Label string
}

// reviewAreas are the areas whose stations (and incidents) the account
// reviews: all of an admin's election ("" covers it), a coordinator's scope.
func reviewAreas(a *actas.Account) []string {
	if a.Role == actas.RoleAdmin {
		return []string{""}
	}
	return a.Scope
}

func (s *Server) handleReviewPage(w http.ResponseWriter, r *http.Request) {
	l, e, a, ok := s.accountPage(w, r, actReview, true, reviewURL)
	if !ok {
		return
	}
	items, err := review.ReviewQueue(r.Context(), s.store, s.results, e.ID, reviewAreas(a), maxReviewItems+1)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	d := &reviewPage{Action: reviewURL(e.ID), More: len(items) > maxReviewItems}
	items = items[:min(len(items), maxReviewItems)]
	codes := make([]string, len(items))
	for i, it := range items {
		codes[i] = it.Station.Code
	}
	hs, err := review.Histories(r.Context(), s.store, e.ID, codes)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	for _, it := range items {
		subs, err := s.store.StationSubmissions(r.Context(), e.ID, it.Station.Code)
		if err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
		d.Items = append(d.Items, reviewItemOf(l, e, it, subs, hs[it.Station.Code]))
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("review.title")
	pg.Body = d
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "review", pg)
}

// reviewItemOf lays a station's submissions and keyings of one contest
// side by side, each number marked where it differs from the first
// current submission's.
func reviewItemOf(l *locale, e *election, it review.Item, all []*actas.Submission, h *review.History) *reviewItem {
	c, _ := e.Contest(it.Contest)
	st := it.Station
	v := &reviewItem{Anchor: "review-" + st.Code + "-" + c.ID, Station: st.Code, Area: st.Area, StationHref: stationURL(e.ID, st.Code),
		Contest: c.ID, ContestName: c.Name, Conflict: it.Conflict, Unsettled: it.Unsettled, Disagree: len(it.Disagree) > 0}
	for _, ch := range c.Choices {
		v.Columns = append(v.Columns, compareCol{Label: ch.Name})
	}
	for _, k := range []string{"sheet.blank", "sheet.null", "sheet.ballots", "sheet.voters"} {
		v.Columns = append(v.Columns, compareCol{Label: l.t(k)})
	}
	var subs []*actas.Submission
	latest := map[actas.Source]int64{}
	for _, s := range all {
		if s.Sheet.Contest == c.ID {
			subs = append(subs, s)
			latest[s.Source] = s.Seq
		}
	}
	// The reference is the sheet keyers key: the witness's current one,
	// or else the first current sheet.
	var ref []int64
	for _, s := range subs {
		if latest[s.Source] == s.Seq && (ref == nil || s.Source == actas.Witness) {
			ref = sheetNumbers(&s.Sheet)
		}
	}
	seen := map[string]bool{}
	row := func(label, who string, sh *actas.Sheet, flags actas.Flags, keying, current bool) {
		r := reviewRow{Label: label, Who: who, Keying: keying, Current: current}
		for i, n := range sheetNumbers(sh) {
			cell := compareCell{Text: l.Int(n)}
			if n == actas.Unknown && i == len(c.Choices)+3 {
				cell.Text = "—"
			}
			if ref != nil && ref[i] != n {
				cell.Differs = true
				v.Columns[i].Differs = true
			}
			r.Cells = append(r.Cells, cell)
		}
		for _, name := range flags.Names() {
			r.Flags = append(r.Flags, l.t("flagshort."+name))
		}
		v.Rows = append(v.Rows, r)
	}
	for _, s := range subs {
		current := latest[s.Source] == s.Seq
		row(l.sourceName(s.Source)+" #"+itoa(s.Seq), s.Submitter, &s.Sheet, s.Flags, false, current)
		for _, p := range review.Photos(s) {
			if !seen[p] {
				seen[p] = true
				v.Photos = append(v.Photos, evidenceURL(e.ID, p))
			}
		}
		if current {
			v.Options = append(v.Options, reviewOption{Value: "accept:" + itoa(s.Seq), Label: l.t("review.accept", l.sourceName(s.Source), itoa(s.Seq))})
		}
	}
	if h != nil {
		for _, k := range h.Keyings {
			if k.Contest != c.ID {
				continue
			}
			sh := k.Sheet()
			row(l.t("review.keying", itoa(k.Index), itoa(k.Keyed)), k.Account, &sh, actas.Check(&sh, &st, e.Capacity(&st)), true, false)
		}
	}
	for _, col := range v.Columns {
		if col.Differs {
			v.Differs = append(v.Differs, col.Label)
		}
	}
	for _, verdict := range []review.Verdict{review.RejectAll, review.NeedsRecount} {
		v.Options = append(v.Options, reviewOption{Value: string(verdict), Label: l.t("verdict." + string(verdict))})
	}
	return v
}

// handleDecide records a decision, gives it to the tabulation, and shows
// the station's page, where it now appears.
func (s *Server) handleDecide(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	a, ok := s.signedIn(w, r, l, e, reviewURL(e.ID))
	if !ok {
		return
	}
	form, err := readForm(w, r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	station := form.Get("station")
	res, err := s.results.Station(e.ID, e.Contests[0].ID, station)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if err := authorize(a, actReview, e.ID, target{Station: station, Area: res.Station.Area}); err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if !s.allowPageWrite(w, a) {
		return
	}
	d, err := parseDecision(form)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	dec, err := review.Decide(r.Context(), s.store, e.ID, d, accountID(a), time.Now())
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	// The results change now; another instance learns it by following the
	// store (cmd/actas follow).
	if t, ok := s.results.(review.Decider); ok {
		if err := t.Decide(e.ID, dec.Tabulated()); err != nil && actas.ErrorCode(err) != actas.ECONFLICT {
			s.log.Error("tabulate a decision", "election", e.ID, "station", station, "entry", dec.Index, "err", err)
		}
	}
	s.cache.forget(stationURL(e.ID, station))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, stationURL(e.ID, station)+"#review-"+dec.Contest, http.StatusSeeOther)
}

// parseDecision reads the decision form: station, contest, verdict
// ("accept:SEQ", "reject-all" or "needs-recount") and reason. Errors:
// EINVALID.
func parseDecision(form map[string][]string) (review.DecisionBody, error) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	d := review.DecisionBody{Station: get("station"), Contest: get("contest"), Reason: get("reason")}
	v := get("verdict")
	if seq, ok := strings.CutPrefix(v, "accept:"); ok {
		n, err := strconv.ParseInt(seq, 10, 64)
		if err != nil || n <= 0 {
			return d, actas.Errorf(actas.EINVALID, "verdict %q names no submission", clip(v))
		}
		d.Verdict, d.Accepted = review.Accept, n
		return d, nil
	}
	if v == "" || v == string(review.Accept) {
		return d, actas.Errorf(actas.EINVALID, "choose a verdict: accept one sheet, reject them all, or ask for a recount")
	}
	d.Verdict = review.Verdict(v)
	return d, nil
}

package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/review"
)

// Double entry (GET and POST /e/{election}/key): a keyer is shown the
// photo of a witness's sheet, never its numbers, and types the sheet again
// (package internal/review). The page works without JavaScript.

// maxKeyForm bounds the keyer's and the coordinator's form bodies.
const maxKeyForm = 16 << 10

// keyURL is the keyer's page of an election.
func keyURL(election string) string { return electionURL(election) + "/key" }

// keyPage is the keyer's page's template data.
type keyPage struct {
	Action string
	// Done is what the keying just sent did: "verified" or "review"; "" on
	// a plain visit.
	Done      string
	DoneEntry string // its log entry
	DoneHref  string
	Error     string // why the numbers sent were refused
	Task      *keyTask
}

// keyTask is one sheet to key: where it is and its photos, never its
// numbers.
type keyTask struct {
	Station, Area string
	Contest       string
	ContestName   string
	Seq           string
	Choices       []keyField
	Photos        []string // hrefs of the stored photos
	// What was typed, when the page comes back with a refusal.
	Blank, Null, Ballots, Voters string
}

type keyField struct {
	ID, Name, Value string
}

// refill puts back what the keyer typed.
func (t *keyTask) refill(form url.Values) {
	for i := range t.Choices {
		t.Choices[i].Value = form.Get("v-" + t.Choices[i].ID)
	}
	t.Blank, t.Null, t.Ballots, t.Voters = form.Get("blank"), form.Get("null"), form.Get("ballots"), form.Get("voters")
}

// accountID is how records and submissions name an account.
func accountID(a *actas.Account) string { return strconv.FormatInt(a.ID, 10) }

// signedIn authenticates a page's visitor; one who is not signed in is
// sent to sign in and brought back to next (ok false: answered).
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, l *locale, e *election, next string) (*actas.Account, bool) {
	a, _, err := s.authenticate(r)
	if err == nil {
		return a, true
	}
	if actas.ErrorCode(err) != actas.EUNAUTHORIZED || r.Method != http.MethodGet {
		s.pageError(w, r, l, e, err)
		return nil, false
	}
	q := url.Values{"election": {e.ID}, "next": {next}}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/signin?"+q.Encode(), http.StatusSeeOther)
	return nil, false
}

// accountPage starts a signed-in page or form of the route's election: it
// returns the reader's language, the election and the account, authorized
// for act (on some target within its scope when inScope, else on the
// election). ok is false when it has answered: an error page, or the
// sign-in redirect back to next(election).
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, act action, inScope bool, next func(election string) string) (*locale, *election, *actas.Account, bool) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return nil, nil, nil, false
	}
	a, ok := s.signedIn(w, r, l, e, next(e.ID))
	if !ok {
		return nil, nil, nil, false
	}
	t := target{}
	if inScope {
		t = someTarget(a)
	}
	if err := authorize(a, act, e.ID, t); err != nil {
		s.pageError(w, r, l, e, err)
		return nil, nil, nil, false
	}
	return l, e, a, true
}

// handleKeyPage shows a keyer the next sheet to key.
func (s *Server) handleKeyPage(w http.ResponseWriter, r *http.Request) {
	l, e, a, ok := s.accountPage(w, r, actKey, false, keyURL)
	if !ok {
		return
	}
	s.renderKey(w, r, l, e, a, http.StatusOK, &keyPage{})
}

// renderKey fills in the account's next task, unless d has one (the task
// whose numbers were refused), and renders the page.
func (s *Server) renderKey(w http.ResponseWriter, r *http.Request, l *locale, e *election, a *actas.Account, status int, d *keyPage) {
	d.Action = keyURL(e.ID)
	if d.Task == nil {
		tasks, err := review.KeyerQueue(r.Context(), s.store, e.ID, accountID(a), 1)
		if err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
		if len(tasks) > 0 {
			t := tasks[0]
			if d.Task, err = s.keyTask(e, t.Station, t.Contest, t.Seq, t.Photos); err != nil {
				s.pageError(w, r, l, e, err)
				return
			}
		}
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("key.title")
	pg.Body = d
	// The page is the account's own.
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, status, "key", pg)
}

func (s *Server) keyTask(e *election, station, contest string, seq int64, photos []string) (*keyTask, error) {
	c, err := e.Contest(contest)
	if err != nil {
		return nil, err
	}
	res, err := s.results.Station(e.ID, c.ID, station)
	if err != nil {
		return nil, err
	}
	t := &keyTask{Station: station, Area: res.Station.Area, Contest: c.ID, ContestName: c.Name, Seq: itoa(seq)}
	for _, ch := range c.Choices {
		t.Choices = append(t.Choices, keyField{ID: ch.ID, Name: ch.Name})
	}
	for _, p := range photos {
		t.Photos = append(t.Photos, evidenceURL(e.ID, p))
	}
	return t, nil
}

// handleKey stores a keyer's entry and says whether it verified the sheet
// or sent its station to review; then it shows the next sheet.
func (s *Server) handleKey(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	a, ok := s.signedIn(w, r, l, e, keyURL(e.ID))
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
	if err := authorize(a, actKey, e.ID, target{Station: station, Area: res.Station.Area}); err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if !s.allowPageWrite(w, a) {
		return
	}
	c, err := e.Contest(form.Get("contest"))
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	k, err := parseKeying(form, c)
	if err == nil {
		var kg *review.Keying
		if kg, err = review.AddKeying(r.Context(), s.store, e.ID, k, accountID(a), time.Now()); err == nil {
			s.cache.forget(stationURL(e.ID, k.Station))
			d := &keyPage{Done: "review", DoneEntry: itoa(kg.Index), DoneHref: entryURL(e.ID, kg.Index)}
			if kg.Matches {
				d.Done = "verified"
			}
			s.renderKey(w, r, l, e, a, http.StatusOK, d)
			return
		}
	}
	if actas.ErrorCode(err) != actas.EINVALID {
		s.pageError(w, r, l, e, err)
		return
	}
	// Numbers that are not a sheet: the same task again, with what was typed.
	task, _, terr := review.TaskOf(r.Context(), s.store, e.ID, station, k.Keyed, accountID(a))
	if terr != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	d := &keyPage{Error: actas.ErrorMessage(err)}
	if d.Task, terr = s.keyTask(e, task.Station, task.Contest, task.Seq, task.Photos); terr != nil {
		s.pageError(w, r, l, e, terr)
		return
	}
	d.Task.refill(form)
	s.renderKey(w, r, l, e, a, http.StatusBadRequest, d)
}

// allowPageWrite takes one write from the account's allowance, or answers
// 429: a person typing sheets never spends it.
func (s *Server) allowPageWrite(w http.ResponseWriter, a *actas.Account) bool {
	if err := s.allowWrite(a); err != nil {
		w.Header().Set("Retry-After", "2")
		http.Error(w, err.Error(), http.StatusTooManyRequests)
		return false
	}
	return true
}

// readForm reads a small urlencoded form body. Errors: EINVALID.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return nil, actas.Errorf(actas.EINVALID, "send the page's form (application/x-www-form-urlencoded), not %q", clip(ct))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxKeyForm)
	if err := r.ParseForm(); err != nil {
		return nil, actas.Errorf(actas.EINVALID, "the form could not be read: it is malformed or larger than %d bytes", maxKeyForm)
	}
	return r.PostForm, nil
}

// parseKeying reads a keyer's form for contest c: station, seq, one field
// per choice ("v-" and its id), blank, null, ballots and an optional
// voters. Counts are whole numbers from 0 to actas.MaxCount. Errors:
// EINVALID naming the field; the body keeps the fields read so far.
func parseKeying(form url.Values, c *actas.Contest) (review.KeyingBody, error) {
	k := review.KeyingBody{Station: strings.TrimSpace(form.Get("station")), Contest: c.ID, Voters: actas.Unknown}
	seq, err := strconv.ParseInt(strings.TrimSpace(form.Get("seq")), 10, 64)
	if err != nil || seq <= 0 {
		return k, actas.Errorf(actas.EINVALID, "the form names no submission to key (seq %q)", clip(form.Get("seq")))
	}
	k.Keyed = seq
	count := func(field, name string, optional bool) (int64, error) {
		v := strings.TrimSpace(form.Get(field))
		if v == "" && optional {
			return actas.Unknown, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > actas.MaxCount || v[0] == '+' {
			return 0, actas.Errorf(actas.EINVALID, "%s: %q is not a whole number from 0 to %d", name, clip(v), int64(actas.MaxCount))
		}
		return n, nil
	}
	k.Votes = make([]int64, len(c.Choices))
	for i, ch := range c.Choices {
		if k.Votes[i], err = count("v-"+ch.ID, ch.Name, false); err != nil {
			return k, err
		}
	}
	if k.Blank, err = count("blank", "blank", false); err != nil {
		return k, err
	}
	if k.Null, err = count("null", "null", false); err != nil {
		return k, err
	}
	if k.Ballots, err = count("ballots", "ballots", false); err != nil {
		return k, err
	}
	if k.Voters, err = count("voters", "voters", true); err != nil {
		return k, err
	}
	return k, nil
}

// forget drops the cached pages at path, whatever their query or
// language: what people record beside the results (keyings) shows on
// pages whose results did not change.
func (c *pageCache) forget(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if k.uri == path || strings.HasPrefix(k.uri, path+"?") {
			delete(c.entries, k)
			c.bytes -= len(e.body)
		}
	}
}

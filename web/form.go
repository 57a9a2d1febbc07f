package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/actasproject/actas"
)

// The witness's phone form (GET /e/{election}/submit): numbers of a sheet,
// photos and a QR payload, checked as they are typed with the server's own
// flag rules, and kept on the phone until the server has them
// (static/submit.js, static/sw.js).

// maxFormStations bounds the stations the form lists in a select (and sends
// to the phone with their registered voters for the checks). A witness has
// a few; a coordinator of a large area, or an admin, types the code
// instead, and the server checks it.
const maxFormStations = 2000

// formCSP is the form page's Content-Security-Policy: the site's policy
// (contentSecurityPolicy) with scripts and a service worker from this
// origin allowed, as the form's offline queue is JavaScript. Still no
// inline script: the page's data travels as JSON in a non-executed
// <script type="application/json">.
const formCSP = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'; img-src 'self'; style-src 'self'"

// formPage is the form's template data.
type formPage struct {
	Account  string
	Contests []*actas.Contest
	Stations []formStation // in a select; empty when the account types codes
	Typed    bool          // more stations than maxFormStations: a text field
	Data     formData      // for submit.js, as JSON
	Script   string
}

type formStation struct {
	Code, Area string
}

// formData is what submit.js needs: the stations' figures the flag rules
// use, the contests' choices, the rules' names and messages in display
// order, and where to send. Keys are part of the page's contract with
// submit.js.
type formData struct {
	Election string                     `json:"election"`
	Account  string                     `json:"account"` // the account's id: a shared phone keeps each account's sheets apart
	Stations map[string]formStationData `json:"stations"`
	Contests []formContest              `json:"contests"`
	Flags    []formFlag                 `json:"flags"`
	MaxCount int64                      `json:"max_count"`
	URLs     formURLs                   `json:"urls"`
	Messages map[string]string          `json:"messages"`
}

// formStationData are the figures actas.Check compares a sheet with.
type formStationData struct {
	Registered int64 `json:"registered"`
	Capacity   int64 `json:"capacity"` // actas.Election.Capacity; 0 when unknown
}

type formContest struct {
	ID      string   `json:"id"`
	Choices []string `json:"choices"`
}

type formFlag struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type formURLs struct {
	Form        string   `json:"form"`
	Worker      string   `json:"worker"`
	Submissions string   `json:"submissions"`
	Evidence    string   `json:"evidence"`
	SignIn      string   `json:"signin"`
	Station     string   `json:"station"` // prefix: append the escaped code
	Shell       []string `json:"shell"`   // what the page needs offline besides itself
}

// formMessages are the locale keys submit.js shows, without their "form."
// prefix.
var formMessages = []string{
	"state.draft", "state.pending", "state.sent", "state.confirmed", "state.refused", "state.signin",
	"online", "offline", "queued", "entry", "checkpoint", "receipt", "station", "retry", "photos",
	"invalid", "incomplete", "noflags", "clear",
}

// formURL is the witness's form of an election.
func formURL(election string) string { return electionURL(election) + "/submit" }

// workerURL is the form's service worker, served under the election so
// that its scope may cover the form without a Service-Worker-Allowed
// header.
func workerURL(election string) string { return electionURL(election) + "/sw.js" }

// handleForm shows the form to a signed-in account that may submit for
// some station of the election; anyone else is sent to sign in and brought
// back here.
func (s *Server) handleForm(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	a, _, err := s.authenticate(r)
	if err != nil {
		if actas.ErrorCode(err) != actas.EUNAUTHORIZED {
			s.pageError(w, r, l, e, err)
			return
		}
		q := url.Values{"election": {e.ID}, "next": {formURL(e.ID)}}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, "/signin?"+q.Encode(), http.StatusSeeOther)
		return
	}
	if err := authorize(a, actSubmit, e.ID, someTarget(a)); err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	d, err := s.formData(e, a, l)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("form.title")
	pg.Body = d
	h := w.Header()
	h.Set("Content-Security-Policy", formCSP)
	// The page names the account's stations: not for shared caches.
	h.Set("Cache-Control", "private, no-cache")
	s.render(w, r, http.StatusOK, "submit", pg)
}

// formData lists the stations the account may submit for: a witness's
// own, those within a coordinator's areas, or any for an admin, up to
// maxFormStations.
func (s *Server) formData(e *election, a *actas.Account, l *locale) (*formPage, error) {
	d := &formPage{Account: a.Name, Script: s.submitJS}
	d.Data = formData{Election: e.ID, Account: strconv.FormatInt(a.ID, 10), Stations: map[string]formStationData{}, MaxCount: actas.MaxCount,
		URLs: formURLs{Form: formURL(e.ID), Worker: workerURL(e.ID),
			Submissions: "/api/v1/elections/" + url.PathEscape(e.ID) + "/submissions",
			Evidence:    "/api/v1/elections/" + url.PathEscape(e.ID) + "/evidence",
			SignIn:      "/signin?" + url.Values{"election": {e.ID}, "next": {formURL(e.ID)}}.Encode(),
			Station:     electionURL(e.ID) + "/s/",
			Shell:       []string{s.cssHref, s.iconHref, s.submitJS}},
		Messages: map[string]string{}}
	for i := range e.Contests {
		c := &e.Contests[i]
		d.Contests = append(d.Contests, c)
		d.Data.Contests = append(d.Data.Contests, formContest{ID: c.ID, Choices: c.ChoiceIDs()})
	}
	for _, f := range actas.AllFlags() {
		name := f.String()
		d.Data.Flags = append(d.Data.Flags, formFlag{Name: name, Text: l.t("flag." + name)})
	}
	for _, k := range formMessages {
		d.Data.Messages[k] = l.t("form." + k)
	}
	contest := e.Contests[0].ID
	add := func(st actas.Station) {
		if _, ok := d.Data.Stations[st.Code]; ok {
			return // in two areas of a coordinator's scope, one within the other
		}
		d.Stations = append(d.Stations, formStation{Code: st.Code, Area: st.Area})
		d.Data.Stations[st.Code] = formStationData{Registered: st.Registered, Capacity: e.Capacity(&st)}
	}
	switch a.Role {
	case actas.RoleWitness:
		for _, code := range a.Scope {
			res, err := s.results.Station(e.ID, contest, code)
			if err != nil {
				return nil, err
			}
			add(res.Station)
		}
	default:
		areas := a.Scope
		if a.Role == actas.RoleAdmin {
			areas = []string{""}
		}
		for _, area := range areas {
			left := maxFormStations + 1 - len(d.Stations)
			if left <= 0 {
				break
			}
			page, _, err := s.results.StationsPage(e.ID, contest, area, 0, left)
			if err != nil {
				return nil, err
			}
			for _, sr := range page {
				add(sr.Station)
			}
		}
	}
	if len(d.Stations) > maxFormStations {
		// Too many for a select: the account types the code, and the
		// figures of the rules are those of the stations sent.
		d.Stations, d.Typed = nil, true
		for code := range d.Data.Stations {
			delete(d.Data.Stations, code)
		}
	}
	return d, nil
}

// handleWorker serves the form's service worker under the election's path.
// Browsers check it for updates on each visit; it must not be cached long.
func (s *Server) handleWorker(w http.ResponseWriter, r *http.Request) {
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	b, err := staticFS.ReadFile("static/sw.js")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", formURL(e.ID))
	w.Write(b)
}

package web

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/actasproject/actas"
)

// Incidents (issue 4, point 7). Any signed-in account of an election may
// report an incident at any of its stations or areas (GET and POST
// /e/{election}/incidents/new): a witness expelled from a station, or a
// coordinator told of violence by phone, must be able to report where it
// happened, not only where they were assigned, and nothing of a report is
// public until someone decides. Reports are private (actas.IncidentStore).
// Coordinators (for their areas) and admins moderate them at
// /e/{election}/incidents/review: publishing writes a logged record with
// the text the public will read, which they may redact; rejecting writes
// only a reason. The public pages (/e/{election}/incidents, the area pages,
// and the JSON API) read the records alone, never the reports.

// Bounds of the report form: photos sent with the form itself (clients
// with JavaScript upload them to the evidence API first and send names).
const (
	maxIncidentFormPhotos = 3
	maxIncidentFormBody   = maxIncidentFormPhotos*maxUploadBody + 64<<10
	maxReviewIncidents    = 100
	areaLatestIncidents   = 3
	maxListedIncidents    = 1000 // the list page; the JSON API gives all
)

func incidentsURL(election string) string       { return electionURL(election) + "/incidents" }
func newIncidentURL(election string) string     { return incidentsURL(election) + "/new" }
func reviewIncidentsURL(election string) string { return incidentsURL(election) + "/review" }

// areaIncidentsURL is the public list of the published incidents of an
// area ("" for all).
func areaIncidentsURL(election, area string) string {
	if area == "" {
		return incidentsURL(election)
	}
	return incidentsURL(election) + "?area=" + url.QueryEscape(area)
}

// categoryLabel names a category in the page's language; a category the
// election added keeps its id.
func categoryLabel(l *locale, id string) string {
	key := "incidentcat." + id
	if s := l.t(key); s != key {
		return s
	}
	return id
}

func severityLabel(l *locale, s actas.Severity) string { return l.t("severity." + s.String()) }

type option struct {
	Value, Label string
	Selected     bool
}

type incidentForm struct {
	Action     string
	Sent       string // the id of the report just received
	Categories []option
	Severities []option
	Stations   []string // the account's stations, offered first
	Time       string   // datetime-local, now in the election's zone
	MaxText    int
	MaxPhotos  int
}

func (s *Server) handleIncidentForm(w http.ResponseWriter, r *http.Request) {
	l, e, a, ok := s.accountPage(w, r, actReportIncident, false, newIncidentURL)
	if !ok {
		return
	}
	d := &incidentForm{Action: newIncidentURL(e.ID), Time: time.Now().In(e.loc).Format("2006-01-02T15:04"),
		MaxText: actas.MaxIncidentText, MaxPhotos: maxIncidentFormPhotos}
	if sent := r.URL.Query().Get("sent"); sent != "" {
		if n, err := strconv.ParseInt(sent, 10, 64); err == nil && n > 0 {
			d.Sent = sent
		}
	}
	for _, c := range e.IncidentCategoryList() {
		d.Categories = append(d.Categories, option{Value: c, Label: categoryLabel(l, c)})
	}
	for _, sv := range actas.Severities {
		d.Severities = append(d.Severities, option{Value: strconv.Itoa(int(sv)), Label: severityLabel(l, sv), Selected: sv == actas.SeverityMedium})
	}
	if a.Role == actas.RoleWitness {
		d.Stations = a.Scope
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("incident.new.title")
	pg.Body = d
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "incident-new", pg)
}

// handleReportIncident stores a report and its photos and shows the form
// again, saying the report was received and waits for review.
func (s *Server) handleReportIncident(w http.ResponseWriter, r *http.Request) {
	l, e, a, ok := s.accountPage(w, r, actReportIncident, false, newIncidentURL)
	if !ok {
		return
	}
	if !s.allowPageWrite(w, a) {
		return
	}
	in, err := s.readIncident(w, r, e, a)
	if err != nil {
		if isMaxBytes(err) {
			err = actas.Errorf(actas.EINVALID, "the report is larger than %d MiB: send fewer or smaller photos", maxIncidentFormBody>>20)
		}
		s.pageError(w, r, l, e, err)
		return
	}
	if err := s.store.ReportIncident(r.Context(), in); err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, newIncidentURL(e.ID)+"?sent="+itoa(in.ID), http.StatusSeeOther)
}

// readIncident reads the report form, url-encoded or multipart with up to
// maxIncidentFormPhotos photos, which it stores as evidence of the
// election. Errors: EINVALID.
func (s *Server) readIncident(w http.ResponseWriter, r *http.Request, e *election, a *actas.Account) (*actas.Incident, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	r.Body = http.MaxBytesReader(w, r.Body, maxIncidentFormBody)
	var form url.Values
	var photos []string
	switch ct {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, readErr(err)
		}
		form = r.PostForm
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, actas.Errorf(actas.EINVALID, "the form is not multipart: %v", err)
		}
		form = url.Values{}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, readErr(err)
			}
			if p.FormName() == "" {
				continue
			}
			if p.FileName() == "" {
				v, err := io.ReadAll(io.LimitReader(p, actas.MaxIncidentText+1024))
				if err != nil {
					return nil, readErr(err)
				}
				form.Add(p.FormName(), string(v))
				continue
			}
			if p.FormName() != "file" {
				continue
			}
			data, err := io.ReadAll(io.LimitReader(p, maxUploadBody+1))
			if err != nil {
				return nil, readErr(err)
			}
			if len(data) == 0 { // a file input left empty
				continue
			}
			if len(data) > maxUploadBody {
				return nil, actas.Errorf(actas.EINVALID, "a photo is larger than %d MiB", maxUploadBody>>20)
			}
			if len(photos) == maxIncidentFormPhotos {
				return nil, actas.Errorf(actas.EINVALID, "send at most %d photos with the form", maxIncidentFormPhotos)
			}
			name, err := s.store.PutEvidence(r.Context(), e.ID, data)
			if err != nil {
				return nil, err
			}
			photos = append(photos, name)
		}
	default:
		return nil, actas.Errorf(actas.EINVALID, "send the page's form, not %q", clip(ct))
	}
	// Names of photos uploaded beforehand to the evidence API.
	for _, p := range form["photo"] {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(photos, p) {
			photos = append(photos, p)
		}
	}
	sev, err := actas.ParseSeverity(form.Get("severity"))
	if err != nil {
		return nil, err
	}
	when := time.Now()
	if t := strings.TrimSpace(form.Get("time")); t != "" {
		when, err = time.ParseInLocation("2006-01-02T15:04", t, e.loc)
		if err != nil {
			return nil, actas.Errorf(actas.EINVALID, "time %q is not a date and time (YYYY-MM-DDTHH:MM)", clip(t))
		}
	}
	in := &actas.Incident{Election: e.ID, Station: strings.TrimSpace(form.Get("station")), Category: form.Get("category"),
		Severity: sev, Time: when, Text: form.Get("text"), Photos: photos, Account: a.ID}
	if in.Station == "" {
		area, err := actas.CanonicalPath(strings.TrimSpace(form.Get("area")))
		if err != nil {
			return nil, err
		}
		in.Area = area
	}
	return in, nil
}

// readErr turns a failure to read a form into EINVALID, keeping the
// too-large case recognizable.
func readErr(err error) error {
	if isMaxBytes(err) {
		return err
	}
	return actas.Errorf(actas.EINVALID, "the form was not received whole: %v", err)
}

// The moderation queue.

type incidentReviewPage struct {
	Action     string
	Pending    []*incidentItem
	Published  []*incidentItem
	More       bool
	Categories []string
}

type incidentItem struct {
	ID         int64
	Anchor     string
	Place      string
	PlaceHref  string
	Category   string
	Severity   string
	Time       string
	Received   string
	Text       string
	Reporter   string
	Photos     []string
	Categories []option
	Severities []option
	Published  *publishedView // for a published one: what the public reads
}

func (s *Server) handleIncidentReview(w http.ResponseWriter, r *http.Request) {
	l, e, a, ok := s.accountPage(w, r, actModerate, true, reviewIncidentsURL)
	if !ok {
		return
	}
	var incs []*actas.Incident
	seen := map[int64]bool{}
	for _, area := range reviewAreas(a) {
		got, err := s.store.Incidents(r.Context(), e.ID, actas.IncidentFilter{Area: area})
		if err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
		for _, in := range got {
			if !seen[in.ID] {
				seen[in.ID] = true
				incs = append(incs, in)
			}
		}
	}
	slices.SortFunc(incs, func(x, y *actas.Incident) int { return int(y.ID - x.ID) }) // newest first
	recs, err := s.incidentRecords(r.Context(), e.ID)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	published := map[int64]actas.PublishedIncident{}
	for _, p := range actas.PublishedIncidents(recs, "") {
		published[p.ID] = p
	}
	d := &incidentReviewPage{Action: reviewIncidentsURL(e.ID)}
	for _, in := range incs {
		switch in.Status {
		case actas.IncidentPending:
			if len(d.Pending) == maxReviewIncidents {
				d.More = true
				continue
			}
			d.Pending = append(d.Pending, s.incidentItem(l, e, in, nil))
		case actas.IncidentPublished:
			if len(d.Published) < maxReviewIncidents {
				p := published[in.ID]
				d.Published = append(d.Published, s.incidentItem(l, e, in, &p))
			}
		}
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("incident.review.title")
	pg.Body = d
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "incident-review", pg)
}

func (s *Server) incidentItem(l *locale, e *election, in *actas.Incident, p *actas.PublishedIncident) *incidentItem {
	it := &incidentItem{ID: in.ID, Anchor: "incident-" + itoa(in.ID), Category: categoryLabel(l, in.Category),
		Severity: severityLabel(l, in.Severity), Time: in.Time.In(e.loc).Format("2006-01-02 15:04"),
		Received: in.Received.In(e.loc).Format("2006-01-02 15:04"), Text: in.Text, Reporter: itoa(in.Account)}
	it.Place, it.PlaceHref = placeOf(l, e.ID, in.Station, in.Area)
	for _, ph := range in.Photos {
		it.Photos = append(it.Photos, evidenceURL(e.ID, ph))
	}
	for _, c := range e.IncidentCategoryList() {
		it.Categories = append(it.Categories, option{Value: c, Label: categoryLabel(l, c), Selected: c == in.Category})
	}
	for _, sv := range actas.Severities {
		it.Severities = append(it.Severities, option{Value: strconv.Itoa(int(sv)), Label: severityLabel(l, sv), Selected: sv == in.Severity})
	}
	if p != nil {
		it.Published = publishedViewOf(l, e, *p)
	}
	return it
}

// placeOf names where an incident happened and links its public page.
func placeOf(l *locale, election, station, area string) (string, string) {
	if station != "" {
		return l.t("key.station", station), stationURL(election, station)
	}
	return actas.DisplayPath(area), areaURL(election, area)
}

// handleModerate records a decision about an incident and goes back to
// the queue.
func (s *Server) handleModerate(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	a, ok := s.signedIn(w, r, l, e, reviewIncidentsURL(e.ID))
	if !ok {
		return
	}
	form, err := readForm(w, r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	id, err := strconv.ParseInt(form.Get("incident"), 10, 64)
	if err != nil || id <= 0 {
		s.pageError(w, r, l, e, actas.Errorf(actas.EINVALID, "incident %q is not an incident number", clip(form.Get("incident"))))
		return
	}
	in, err := s.incident(r.Context(), e.ID, id)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if err := authorize(a, actModerate, e.ID, target{Station: in.Station, Area: in.Area}); err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if !s.allowPageWrite(w, a) {
		return
	}
	d := actas.IncidentDecision{Decision: form.Get("decision"), Reason: form.Get("reason"), Text: form.Get("text"), Category: form.Get("category")}
	if d.Decision == actas.DecisionPublish {
		if d.Severity, err = actas.ParseSeverity(form.Get("severity")); err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
	}
	rec, err := actas.NewIncidentDecision(e.Election, in, accountID(a), time.Now(), d)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if err := s.store.AddRecords(r.Context(), e.ID, []*actas.Record{rec}); err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	// The area pages of the place and above show the published incidents.
	for p := in.Area; ; p = actas.ParentPath(p) {
		s.cache.forget(areaURL(e.ID, p))
		if p == "" {
			break
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, reviewIncidentsURL(e.ID), http.StatusSeeOther)
}

// incident returns the election's incident with the given id. Errors:
// ENOTFOUND.
func (s *Server) incident(ctx context.Context, election string, id int64) (*actas.Incident, error) {
	incs, err := s.store.Incidents(ctx, election, actas.IncidentFilter{})
	if err != nil {
		return nil, err
	}
	for _, in := range incs {
		if in.ID == id {
			return in, nil
		}
	}
	return nil, actas.Errorf(actas.ENOTFOUND, "election %s has no incident %d", election, id)
}

// incidentRecords returns the election's incident records in log order.
func (s *Server) incidentRecords(ctx context.Context, election string) ([]*actas.Record, error) {
	var recs []*actas.Record
	err := s.store.Records(ctx, election, actas.RecordIncident, func(r *actas.Record) error {
		recs = append(recs, r)
		return nil
	})
	return recs, err
}

// The public view: published incidents only.

type publishedView struct {
	ID        int64
	Anchor    string
	Place     string
	PlaceHref string
	Category  string
	Severity  string
	Time      string
	Text      string
	EntryHref string // its record in the log
}

func publishedViewOf(l *locale, e *election, p actas.PublishedIncident) *publishedView {
	v := &publishedView{ID: p.ID, Anchor: "incident-" + itoa(p.ID), Category: categoryLabel(l, p.Category),
		Severity: severityLabel(l, p.Severity), Time: p.Time.In(e.loc).Format("2006-01-02 15:04"), Text: p.Text,
		EntryHref: electionURL(e.ID) + "/log/" + itoa(p.LogIndex)}
	v.Place, v.PlaceHref = placeOf(l, e.ID, p.Station, p.Area)
	return v
}

type categoryCount struct {
	ID    string `json:"category"`
	Label string `json:"-"`
	N     int    `json:"count"`
}

// incidentSummary is what an area page and the list page show.
type incidentSummary struct {
	Area   string
	Total  int
	Counts []categoryCount
	List   []*publishedView
	Href   string // the full list
	More   bool   // List shows only the latest
}

// publishedSummary counts the published incidents within area per
// category (in the election's order, then others) and lays out the latest
// limit of them (all when limit < 0).
func publishedSummary(l *locale, e *election, recs []*actas.Record, area string, limit int) *incidentSummary {
	pubs := actas.PublishedIncidents(recs, area)
	d := &incidentSummary{Area: actas.DisplayPath(area), Total: len(pubs), Href: areaIncidentsURL(e.ID, area)}
	n := map[string]int{}
	for _, p := range pubs {
		n[p.Category]++
	}
	cats := slices.Clone(e.IncidentCategoryList())
	for _, p := range pubs {
		if !slices.Contains(cats, p.Category) {
			cats = append(cats, p.Category)
		}
	}
	for _, c := range cats {
		if n[c] > 0 {
			d.Counts = append(d.Counts, categoryCount{ID: c, Label: categoryLabel(l, c), N: n[c]})
		}
	}
	for i, p := range pubs {
		if limit >= 0 && i == limit {
			d.More = true
			break
		}
		d.List = append(d.List, publishedViewOf(l, e, p))
	}
	return d
}

// areaIncidents is the incidents section of an area page.
func (s *Server) areaIncidents(ctx context.Context, l *locale, e *election, area string) (*incidentSummary, error) {
	recs, err := s.incidentRecords(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	return publishedSummary(l, e, recs, area, areaLatestIncidents), nil
}

func (s *Server) handleIncidents(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	area, err := actas.CanonicalPath(r.URL.Query().Get("area"))
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	recs, err := s.incidentRecords(r.Context(), e.ID)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("incidents.title", actas.DisplayPath(area))
	pg.API = apiIncidentsURL(e.ID, area)
	pg.Body = publishedSummary(l, e, recs, area, maxListedIncidents)
	s.render(w, r, http.StatusOK, "incidents", pg)
}

func apiIncidentsURL(election, area string) string {
	u := "/api/v1/elections/" + url.PathEscape(election) + "/incidents"
	if area != "" {
		u += "?area=" + url.QueryEscape(area)
	}
	return u
}

// incidentsDoc is the JSON API's answer: published incidents only.
type incidentsDoc struct {
	Election  string                    `json:"election"`
	Area      string                    `json:"area"`
	Total     int                       `json:"total"`
	Counts    map[string]int            `json:"counts"`
	Incidents []actas.PublishedIncident `json:"incidents"`
}

func (s *Server) apiIncidents(w http.ResponseWriter, r *http.Request) {
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	area, err := actas.CanonicalPath(r.URL.Query().Get("area"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	recs, err := s.incidentRecords(r.Context(), e.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	pubs := actas.PublishedIncidents(recs, area)
	doc := &incidentsDoc{Election: e.ID, Area: actas.DisplayPath(area), Total: len(pubs), Counts: map[string]int{}, Incidents: pubs}
	if doc.Incidents == nil {
		doc.Incidents = []actas.PublishedIncident{}
	}
	for _, p := range pubs {
		doc.Counts[p.Category]++
	}
	s.writeJSON(w, r, http.StatusOK, doc)
}

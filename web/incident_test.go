package web

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
)

// reportForm is the incident form for a station.
func reportForm(station, category, text string) url.Values {
	return url.Values{"station": {station}, "category": {category}, "severity": {"3"}, "time": {"2024-07-28T17:30"}, "text": {text}}
}

// MustReport sends the incident form as who and returns the report's id.
func (af *authFixture) MustReport(tb testing.TB, who string, form url.Values) int64 {
	tb.Helper()
	r := af.postForm(tb, who, newIncidentURL(hmID), form)
	if r.Status != http.StatusSeeOther {
		tb.Fatalf("report: status %d; body %.800s", r.Status, r.Body)
	}
	_, sent, ok := strings.Cut(r.Header.Get("Location"), "?sent=")
	id, err := strconv.ParseInt(sent, 10, 64)
	if !ok || err != nil {
		tb.Fatalf("report: redirected to %q, want the form with ?sent=ID", r.Header.Get("Location"))
	}
	return id
}

// MustModerate sends a moderation form as who.
func (af *authFixture) MustModerate(tb testing.TB, who string, form url.Values) {
	tb.Helper()
	if r := af.postForm(tb, who, reviewIncidentsURL(hmID), form); r.Status != http.StatusSeeOther {
		tb.Fatalf("moderate %v: status %d; body %.800s", form, r.Status, r.Body)
	}
}

// publicText is everything the public can read about incidents: the list,
// the area pages above the place, the JSON API and the log's entries.
func (af *authFixture) publicText(tb testing.TB) string {
	tb.Helper()
	var b strings.Builder
	for _, u := range []string{incidentsURL(hmID), incidentsURL(hmID) + "?area=Zulia", areaURL(hmID, ""), areaURL(hmID, "Zulia"),
		areaURL(hmID, actas.JoinPath("Zulia", "Maracaibo")), apiIncidentsURL(hmID, ""), apiIncidentsURL(hmID, "Zulia")} {
		r := af.page(tb, "", u)
		if r.Status != http.StatusOK {
			tb.Fatalf("GET %s: status %d; body %.500s", u, r.Status, r.Body)
		}
		b.WriteString(r.Body)
	}
	size := af.logSize(tb)
	if err := af.Store.LogEntries(tb.Context(), hmID, 0, size, func(_ int64, e []byte) error {
		b.Write(e)
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

func mustIncidentsDoc(tb testing.TB, af *authFixture, area string) *incidentsDoc {
	tb.Helper()
	r := af.page(tb, "", apiIncidentsURL(hmID, area))
	var doc incidentsDoc
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &doc) != nil {
		tb.Fatalf("API: status %d; body %.500s", r.Status, r.Body)
	}
	return &doc
}

func TestIncidentsArePublicOnlyOncePublished(t *testing.T) {
	af := MustAuth(t, -1)
	const secret = "El señor Pedro Pérez, de la cédula 12.345.678, amenazó al testigo"
	const redacted = "Un hombre amenazó al testigo a la salida del centro."
	before := af.logSize(t)
	// A witness reports at a station it is not assigned to (0201, in Zulia).
	published := af.MustReport(t, "witness of 0401", reportForm(hmFlagged, "intimidation", secret))
	rejected := af.MustReport(t, "keyer", reportForm(hmFlagged, "violence", "Rumor: "+secret))

	t.Run("a report is not public while it waits", func(t *testing.T) {
		if af.logSize(t) != before {
			t.Fatalf("the log grew from %d to %d entries on reports", before, af.logSize(t))
		}
		if strings.Contains(af.publicText(t), "Pedro") {
			t.Fatal("an unmoderated report shows on a public page, the API or the log")
		}
		if doc := mustIncidentsDoc(t, af, ""); doc.Total != 0 || len(doc.Incidents) != 0 {
			t.Fatalf("the API lists %d incidents before any was published", doc.Total)
		}
	})
	t.Run("the coordinator of the area sees it with its text", func(t *testing.T) {
		r := af.page(t, "coordinator of Zulia", reviewIncidentsURL(hmID))
		if r.Status != http.StatusOK || !strings.Contains(section(t, r.Body, "incident-"+itoa(published)+"-h"), "Pedro") {
			t.Fatalf("status %d; the queue does not show report %d: %.1500s", r.Status, published, r.Body)
		}
		r = af.page(t, "coordinator of Mérida", reviewIncidentsURL(hmID))
		if r.Status != http.StatusOK || strings.Contains(r.Body, "Pedro") {
			t.Fatalf("status %d; a coordinator of another area sees the report", r.Status)
		}
	})
	t.Run("a coordinator of another area may not publish it", func(t *testing.T) {
		r := af.postForm(t, "coordinator of Mérida", reviewIncidentsURL(hmID), url.Values{"incident": {itoa(published)}, "decision": {"publish"}, "text": {redacted}, "severity": {"2"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", r.Status)
		}
	})

	af.MustModerate(t, "coordinator of Zulia", url.Values{"incident": {itoa(published)}, "decision": {"publish"}, "text": {redacted}, "category": {"intimidation"}, "severity": {"2"}})
	af.MustModerate(t, "admin", url.Values{"incident": {itoa(rejected)}, "decision": {"reject"}, "reason": {"unverified rumour"}, "text": {secret}})

	t.Run("the published text, not the report's, shows on the public pages with its count", func(t *testing.T) {
		all := af.publicText(t)
		if strings.Contains(all, "Pedro") || strings.Contains(all, "Rumor") {
			t.Fatal("the report's own text, or a rejected report's, is public")
		}
		page := af.page(t, "", areaURL(hmID, "Zulia")).Body
		sec := section(t, page, "incidents-h")
		if !strings.Contains(sec, redacted) || !strings.Contains(text(sec), "Intimidation: 1") {
			t.Fatalf("the Zulia page's incidents section lacks the published incident and its count: %s", sec)
		}
		if sec := section(t, af.page(t, "", areaURL(hmID, actas.JoinPath("Mérida", "Libertador"))).Body, "incidents-h"); strings.Contains(sec, redacted) {
			t.Fatal("an incident of Zulia shows on a Mérida page")
		}
		doc := mustIncidentsDoc(t, af, "Zulia")
		if doc.Total != 1 || doc.Counts["intimidation"] != 1 || doc.Incidents[0].Text != redacted || doc.Incidents[0].ID != published ||
			doc.Incidents[0].Severity != actas.SeverityMedium || doc.Incidents[0].Station != hmFlagged {
			t.Fatalf("API: %+v", doc)
		}
		if r := af.page(t, "", electionURL(hmID)+"/log/"+itoa(doc.Incidents[0].LogIndex)); r.Status != http.StatusOK || !strings.Contains(r.Body, "incident") {
			t.Fatalf("the decision's log entry page: status %d", r.Status)
		}
		if doc := mustIncidentsDoc(t, af, "Mérida"); doc.Total != 0 {
			t.Fatalf("API for Mérida lists %d incidents", doc.Total)
		}
	})
	t.Run("each decision is one logged record, a rejection with its reason only", func(t *testing.T) {
		if got := af.logSize(t); got != before+2 {
			t.Fatalf("log has %d entries, want %d (two decisions)", got, before+2)
		}
		recs := storetest.MustRecords(t, af.Store, hmID, actas.RecordIncident)
		if len(recs) != 2 || recs[1].Subject != itoa(rejected) || strings.Contains(string(recs[1].Body), "Pedro") ||
			recs[0].Account != itoa(af.accounts["coordinator of Zulia"].ID) {
			t.Fatalf("records: %+v", recs)
		}
	})
	t.Run("a withdrawn incident leaves the public pages", func(t *testing.T) {
		af.MustModerate(t, "coordinator of Zulia", url.Values{"incident": {itoa(published)}, "decision": {"reject"}, "reason": {"puts the witness at risk"}})
		// The log keeps the publish decision for good; the pages drop it.
		if strings.Contains(section(t, af.page(t, "", areaURL(hmID, "Zulia")).Body, "incidents-h"), "Un hombre") {
			t.Fatal("the withdrawn incident still shows on the area page")
		}
		if doc := mustIncidentsDoc(t, af, ""); doc.Total != 0 {
			t.Fatalf("API lists %d incidents after the withdrawal", doc.Total)
		}
	})
}

func TestIncidentPhotosAreStoredPrivately(t *testing.T) {
	af := MustAuth(t, -1)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range reportForm("0401", "machine-failure", "La máquina no arrancó.") {
		mw.WriteField(k, v[0])
	}
	fw, _ := mw.CreateFormFile("file", "photo.png")
	photo := storetest.Photo(55)
	fw.Write(photo)
	mw.Close()
	r := af.send(t, http.MethodPost, newIncidentURL(hmID), body.String(), "Content-Type", mw.FormDataContentType(),
		"Authorization", "Bearer "+af.tokens["witness of 0401"])
	if r.Status != http.StatusSeeOther {
		t.Fatalf("status %d; body %.800s", r.Status, r.Body)
	}
	incs, err := af.Store.Incidents(t.Context(), hmID, actas.IncidentFilter{Station: "0401"})
	if err != nil || len(incs) != 1 || len(incs[0].Photos) != 1 {
		t.Fatalf("stored: %+v, %v", incs, err)
	}
	if _, data, err := af.Store.Evidence(t.Context(), hmID, incs[0].Photos[0]); err != nil || !bytes.Equal(data, photo) {
		t.Fatalf("the photo was not stored as sent: %v", err)
	}
	if r := af.page(t, "admin", reviewIncidentsURL(hmID)); !strings.Contains(r.Body, evidenceURL(hmID, incs[0].Photos[0])) {
		t.Fatal("the review queue does not show the report's photo")
	}
	af.MustModerate(t, "admin", url.Values{"incident": {itoa(incs[0].ID)}, "decision": {"publish"}, "severity": {"1"}})
	if strings.Contains(af.publicText(t), incs[0].Photos[0]) {
		t.Fatal("publishing a report published its photo's name")
	}
}

func TestIncidentRoutesAuthorization(t *testing.T) {
	af := MustAuth(t, -1)
	id := af.MustReport(t, "witness of 0401", reportForm(hmFlagged, "violence", "golpes"))
	national := af.MustReport(t, "admin", url.Values{"category": {"other"}, "severity": {"1"}, "text": {"internet cortado en todo el país"}})
	report := reportForm(hmFlagged, "violence", "otra vez")
	publish := url.Values{"incident": {itoa(id)}, "decision": {"publish"}, "severity": {"3"}, "text": {"golpes"}}
	publishNational := url.Values{"incident": {itoa(national)}, "decision": {"publish"}, "severity": {"1"}}
	code := storetest.MustIssueCode(t, af.Store, af.accounts["coordinator of Zulia"].ID)
	cookie := sessionOf(t, af.signIn(t, hmID, code, "192.0.2.51:1"), "actas-session")
	cases := []struct {
		name   string
		method string
		url    string
		who    string
		form   url.Values
		header []string
		want   int
	}{
		{"the public is sent to sign in before reporting", http.MethodGet, newIncidentURL(hmID), "", nil, nil, http.StatusSeeOther},
		{"a keyer opens the report form", http.MethodGet, newIncidentURL(hmID), "keyer", nil, nil, http.StatusOK},
		{"a witness opens the report form", http.MethodGet, newIncidentURL(hmID), "witness of 0301", nil, nil, http.StatusOK},
		{"an admin of another election may not report here", http.MethodGet, newIncidentURL(hmID), "admin of another election", nil, nil, http.StatusForbidden},
		{"the public may not report", http.MethodPost, newIncidentURL(hmID), "", report, nil, http.StatusUnauthorized},
		{"a disabled witness may not report", http.MethodPost, newIncidentURL(hmID), "disabled witness of 0401", report, nil, http.StatusUnauthorized},
		{"a report at an unknown station is refused", http.MethodPost, newIncidentURL(hmID), "keyer", reportForm("9999", "violence", "x"), nil, http.StatusBadRequest},
		{"a report in an unknown category is refused", http.MethodPost, newIncidentURL(hmID), "keyer", reportForm(hmFlagged, "weather", "x"), nil, http.StatusBadRequest},
		{"a cross-site form may not report with a cookie", http.MethodPost, newIncidentURL(hmID), "", report,
			[]string{"Cookie", cookie.Name + "=" + cookie.Value, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"the public is sent to sign in before moderating", http.MethodGet, reviewIncidentsURL(hmID), "", nil, nil, http.StatusSeeOther},
		{"an admin moderates", http.MethodGet, reviewIncidentsURL(hmID), "admin", nil, nil, http.StatusOK},
		{"a coordinator moderates", http.MethodGet, reviewIncidentsURL(hmID), "coordinator of Mérida", nil, nil, http.StatusOK},
		{"a witness does not moderate", http.MethodGet, reviewIncidentsURL(hmID), "witness of 0401", nil, nil, http.StatusForbidden},
		{"a keyer does not moderate", http.MethodGet, reviewIncidentsURL(hmID), "keyer", nil, nil, http.StatusForbidden},
		{"a witness may not publish its own report", http.MethodPost, reviewIncidentsURL(hmID), "witness of 0401", publish, nil, http.StatusForbidden},
		{"a keyer may not publish", http.MethodPost, reviewIncidentsURL(hmID), "keyer", publish, nil, http.StatusForbidden},
		{"the public may not publish", http.MethodPost, reviewIncidentsURL(hmID), "", publish, nil, http.StatusUnauthorized},
		{"a coordinator may not publish outside its areas", http.MethodPost, reviewIncidentsURL(hmID), "coordinator of Mérida", publish, nil, http.StatusForbidden},
		{"a coordinator may not publish an incident of the whole election", http.MethodPost, reviewIncidentsURL(hmID), "coordinator of Zulia", publishNational, nil, http.StatusForbidden},
		{"an admin of another election may not publish", http.MethodPost, reviewIncidentsURL(hmID), "admin of another election", publish, nil, http.StatusForbidden},
		{"a cross-site form may not publish with the coordinator's cookie", http.MethodPost, reviewIncidentsURL(hmID), "", publish,
			[]string{"Cookie", cookie.Name + "=" + cookie.Value, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a rejection without a reason is refused", http.MethodPost, reviewIncidentsURL(hmID), "admin", url.Values{"incident": {itoa(id)}, "decision": {"reject"}}, nil, http.StatusBadRequest},
		{"an unknown incident is not found", http.MethodPost, reviewIncidentsURL(hmID), "admin", url.Values{"incident": {"999999"}, "decision": {"reject"}, "reason": {"x"}}, nil, http.StatusNotFound},
		{"the public reads the published list", http.MethodGet, incidentsURL(hmID), "", nil, nil, http.StatusOK},
		{"the public reads the API", http.MethodGet, apiIncidentsURL(hmID, "Zulia"), "", nil, nil, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			logBefore := af.logSize(t)
			incsBefore, _ := af.Store.Incidents(t.Context(), hmID, actas.IncidentFilter{})
			var r response
			if c.method == http.MethodGet {
				r = af.page(t, c.who, c.url)
			} else {
				r = af.postForm(t, c.who, c.url, c.form, c.header...)
			}
			if r.Status != c.want {
				t.Fatalf("status %d, want %d; body %.800s", r.Status, c.want, r.Body)
			}
			incsAfter, _ := af.Store.Incidents(t.Context(), hmID, actas.IncidentFilter{})
			if c.method == http.MethodPost && (af.logSize(t) != logBefore || len(incsAfter) != len(incsBefore)) {
				t.Fatal("a refused request stored something")
			}
		})
	}
	t.Run("the same-origin form publishes with the coordinator's cookie", func(t *testing.T) {
		r := af.postForm(t, "", reviewIncidentsURL(hmID), publish, "Cookie", cookie.Name+"="+cookie.Value, "Sec-Fetch-Site", "same-origin")
		if r.Status != http.StatusSeeOther {
			t.Fatalf("status %d; body %.800s", r.Status, r.Body)
		}
	})
}

// FuzzReadIncident: any report form, url-encoded or multipart, is read
// into a report that passes the store's checks or refused with EINVALID
// (or as too large), never a panic or another error.
func FuzzReadIncident(f *testing.F) {
	fx := MustHandmade(f)
	e, err := fx.Server.election(f.Context(), hmID)
	if err != nil {
		f.Fatal(err)
	}
	a := &actas.Account{ID: 1, Election: hmID, Role: actas.RoleKeyer}
	f.Add("application/x-www-form-urlencoded", reportForm(hmFlagged, "violence", "golpes").Encode())
	f.Add("application/x-www-form-urlencoded", "category=other&severity=low&area=Zulia&time=2024-07-28T25:00")
	f.Add("application/x-www-form-urlencoded", "severity=2&area=%2F%2F&photo=zz")
	f.Add("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhola\r\n--x--\r\n")
	f.Add("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nnot a png\r\n--x--\r\n")
	f.Add("text/plain", "x")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		req := httptest.NewRequest(http.MethodPost, newIncidentURL(hmID), strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		in, err := fx.Server.readIncident(httptest.NewRecorder(), req, e, a)
		if err != nil {
			if c := actas.ErrorCode(err); c != actas.EINVALID && !isMaxBytes(err) {
				t.Fatalf("error %v has code %s", err, c)
			}
			return
		}
		if err := actas.CheckIncident(e.Election, in); err != nil && actas.ErrorCode(err) != actas.EINVALID {
			t.Fatalf("CheckIncident: %v", err)
		}
	})
}

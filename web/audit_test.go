package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/audits"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/storetest"
)

const (
	auditID   = "president-audit"
	auditSeed = "01382438112797316654"
)

// auditFixture is a small simulated election with an honest official
// result and a clear winner, its accounts, and an audit set up (not drawn).
type auditFixture struct {
	*fixture
	accounts map[string]*actas.Account
	tokens   map[string]string
}

// MustAuditFixture builds it over a real store, tabulation and server.
func MustAuditFixture(tb testing.TB) *auditFixture {
	tb.Helper()
	ds, _, err := simulate.Run(simulate.Config{Stations: 120, Seed: 3, Choices: 3, Shares: []float64{0.6, 0.3, 0.1}})
	if err != nil {
		tb.Fatal(err)
	}
	f := MustLoad(tb, ds)
	af := &auditFixture{fixture: f, accounts: map[string]*actas.Account{}, tokens: map[string]string{}}
	area := f.Stations[0].Area
	for _, a := range []struct {
		name  string
		role  actas.Role
		scope []string
	}{
		{"admin", actas.RoleAdmin, nil},
		{"keyer one", actas.RoleKeyer, nil},
		{"keyer two", actas.RoleKeyer, nil},
		{"keyer three", actas.RoleKeyer, nil},
		{"coordinator", actas.RoleCoordinator, []string{area}},
		{"witness", actas.RoleWitness, []string{f.Stations[0].Code}},
	} {
		acct := storetest.MustCreateAccount(tb, f.Store, &actas.Account{Election: f.Election.ID, Name: a.name,
			Contact: strings.ReplaceAll(a.name, " ", ".") + "@example.org", Role: a.role, Scope: a.scope})
		tok, err := f.Store.IssueToken(tb.Context(), acct.ID, "test")
		if err != nil {
			tb.Fatal(err)
		}
		af.accounts[a.name], af.tokens[a.name] = acct, tok
	}
	if _, err := audits.New(tb.Context(), f.Store, f.Election.ID, audits.SetupOptions{ID: auditID, RiskLimit: 10, Seed: auditSeed,
		Account: "import", Now: time.Now()}); err != nil {
		tb.Fatal(err)
	}
	return af
}

// send makes a request as the named account ("" for the public), with a
// form body when form is not nil.
func (af *auditFixture) send(tb testing.TB, method, target, who string, form url.Values) response {
	tb.Helper()
	var body string
	if form != nil {
		body = form.Encode()
	}
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+af.tokens[who])
	}
	rec := httptest.NewRecorder()
	af.Handler.ServeHTTP(rec, req)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
}

// state loads the audit as the store has it.
func (af *auditFixture) state(tb testing.TB) *audits.State {
	tb.Helper()
	st, err := audits.Load(tb.Context(), af.Store, af.Election.ID, auditID)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// truth is what a hand count of the station finds: in an honest election,
// its official sheet.
func (af *auditFixture) truth(tb testing.TB, station string) actas.Sheet {
	tb.Helper()
	subs, err := af.Store.StationSubmissions(tb.Context(), af.Election.ID, station)
	if err != nil {
		tb.Fatal(err)
	}
	for i := len(subs) - 1; i >= 0; i-- {
		if subs[i].Source == actas.Official {
			return subs[i].Sheet
		}
	}
	tb.Fatalf("station %s has no official sheet", station)
	return actas.Sheet{}
}

// countForm is the hand-count form for sheet, votes[0] changed by delta.
func (af *auditFixture) countForm(sh actas.Sheet, delta int64) url.Values {
	v := url.Values{"station": {sh.Station}, "blank": {itoa(sh.Blank)}, "null": {itoa(sh.Null)}, "ballots": {itoa(sh.Ballots)}}
	for i, ch := range af.Election.Contests[0].Choices {
		n := sh.Votes[i]
		if i == 0 {
			n += delta
		}
		v.Set("v-"+ch.ID, itoa(n))
	}
	return v
}

func (af *auditFixture) auditURL() string { return auditURL(af.Election.ID, auditID) }

func TestAuditRoundThroughForms(t *testing.T) {
	af := MustAuditFixture(t)
	page := af.auditURL()

	t.Run("the public page shows the setup before any round", func(t *testing.T) {
		r := af.send(t, http.MethodGet, page, "", nil).mustOK(t, page)
		for _, want := range []string{auditSeed, "10%", "No sample drawn yet.", "actas audit compute --batches batches.csv --seed " + auditSeed} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(r.Body, `id="draw-form"`) {
			t.Error("the public sees the draw form")
		}
		home := af.send(t, http.MethodGet, electionURL(af.Election.ID), "", nil).mustOK(t, "election")
		if !strings.Contains(home.Body, `href="`+auditsURL(af.Election.ID)+`"`) {
			t.Error("the election's page does not link its audits")
		}
		list := af.send(t, http.MethodGet, auditsURL(af.Election.ID), "", nil).mustOK(t, "audits")
		if !strings.Contains(list.Body, `href="`+page+`"`) {
			t.Errorf("the list does not link the audit: %.400s", element(t, list.Body, "audits"))
		}
	})

	t.Run("an admin draws round 1", func(t *testing.T) {
		if r := af.send(t, http.MethodGet, page, "admin", nil); !strings.Contains(r.Body, `id="draw-form"`) {
			t.Fatal("the admin does not see the draw form")
		}
		r := af.send(t, http.MethodPost, page+"/draw", "admin", url.Values{})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != page+"#round-1" {
			t.Fatalf("draw: status %d, location %q; %.300s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if st := af.state(t); len(st.Rounds) != 1 || len(st.Sampled()) == 0 {
			t.Fatalf("rounds %d, sampled %d", len(st.Rounds), len(st.Sampled()))
		}
	})
	st := af.state(t)
	sampled := st.Sampled()
	t.Logf("round 1: %d draws, %d stations", len(st.Rounds[0].Draws), len(sampled))

	t.Run("the count form shows neither the reported count nor another keyer's", func(t *testing.T) {
		sh := af.truth(t, sampled[0])
		u := auditCountURL(af.Election.ID, auditID, sampled[0])
		before := af.send(t, http.MethodGet, u, "keyer one", nil).mustOK(t, u)
		if r := af.send(t, http.MethodPost, auditCountURL(af.Election.ID, auditID, ""), "keyer two", af.countForm(sh, -3)); r.Status != http.StatusOK {
			t.Fatalf("keyer two's count: %d %.300s", r.Status, r.Body)
		}
		after := af.send(t, http.MethodGet, u, "keyer one", nil).mustOK(t, u)
		form := element(t, after.Body, "count-form")
		if strings.Contains(form, "value=\""+itoa(sh.Ballots)+"\"") || strings.Contains(form, "value=\""+itoa(sh.Votes[0]-3)+"\"") {
			t.Fatalf("the form shows a count: %s", form)
		}
		if element(t, before.Body, "count-form") != form {
			t.Error("the form changed after another keyer's count")
		}
	})

	t.Run("the keyers' counts make each station need a second keyer, then agree", func(t *testing.T) {
		for _, id := range sampled {
			sh := af.truth(t, id)
			r := af.send(t, http.MethodPost, auditCountURL(af.Election.ID, auditID, ""), "keyer one", af.countForm(sh, 0))
			want := "It now needs a second keyer"
			if id == sampled[0] {
				want = "differs from another keyer" // keyer two's count above was off by 3
			}
			if r.Status != http.StatusOK || !strings.Contains(text(r.Body), want) {
				t.Fatalf("station %s, keyer one: status %d, want %q in %q", id, r.Status, want, text(element(t, r.Body, "count-done")))
			}
		}
		for _, id := range sampled {
			r := af.send(t, http.MethodPost, auditCountURL(af.Election.ID, auditID, ""), "keyer two", af.countForm(af.truth(t, id), 0))
			if r.Status != http.StatusOK || !strings.Contains(text(r.Body), "agrees with another keyer") {
				t.Fatalf("station %s, keyer two: status %d, %q", id, r.Status, text(r.Body))
			}
		}
	})

	t.Run("an admin computes the risk and the outcome is confirmed", func(t *testing.T) {
		r := af.send(t, http.MethodPost, page+"/risk", "admin", url.Values{})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != page+"#risk-1" {
			t.Fatalf("risk: status %d, location %q; %.300s", r.Status, r.Header.Get("Location"), r.Body)
		}
		st := af.state(t)
		last := st.Last()
		if last == nil || last.Decision != "confirmed" {
			t.Fatalf("decision %+v", last)
		}
		body := af.send(t, http.MethodGet, page, "", nil).mustOK(t, page).Body
		l := mustLocale(t, "en")
		want := "Outcome confirmed at risk " + l.Pct(last.Risk) + " ≤ 10%"
		if got := text(element(t, body, "audit-outcome")); !strings.Contains(got, want) {
			t.Errorf("outcome %q, want %q", got, want)
		}
		if !strings.Contains(body, "--rounds "+strconv.Itoa(len(st.Rounds[0].Draws))+" --counts counts.csv") {
			t.Errorf("recompute command: %q", text(element(t, body, "recompute-command")))
		}
		for _, id := range sampled {
			if !strings.Contains(body, `<tr class="diff" data-station="`+id+`">`) {
				t.Errorf("the sample table has no hand count of %s", id)
			}
		}
	})

	t.Run("the downloads are the audit's files", func(t *testing.T) {
		st := af.state(t)
		var batches, counts, round bytes.Buffer
		if err := audits.WriteBatches(&batches, st.Contest.ChoiceIDs(), st.Batches); err != nil {
			t.Fatal(err)
		}
		if err := st.WriteCounts(&counts); err != nil {
			t.Fatal(err)
		}
		if err := audits.WriteSampleList(&round, st, st.Rounds[0].Draws); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ name, url, want string }{
			{"batches.csv", page + "/batches.csv", batches.String()},
			{"counts.csv", page + "/counts.csv", counts.String()},
			{"round 1's list", page + "/rounds/1.csv", round.String()},
		} {
			r := af.send(t, http.MethodGet, tc.url, "", nil).mustOK(t, tc.url)
			if r.Body != tc.want {
				t.Errorf("%s: got %.200q, want %.200q", tc.name, r.Body, tc.want)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("%s: content type %q", tc.name, ct)
			}
		}
		printable := af.send(t, http.MethodGet, page+"/rounds/1", "", nil).mustOK(t, "printable")
		for _, id := range st.Sampled() {
			if !strings.Contains(printable.Body, `<tr data-station="`+id+`">`) {
				t.Errorf("the printable list lacks %s", id)
			}
		}
		if r := af.send(t, http.MethodGet, page+"/rounds/2", "", nil); r.Status != http.StatusNotFound {
			t.Errorf("a round not drawn: status %d", r.Status)
		}
		if r := af.send(t, http.MethodGet, page+"/other.csv", "", nil); r.Status != http.StatusNotFound {
			t.Errorf("an unknown file: status %d", r.Status)
		}
	})

	t.Run("the API gives the audit's view", func(t *testing.T) {
		u := apiAuditURL(af.Election.ID, auditID)
		r := af.send(t, http.MethodGet, u, "", nil).mustOK(t, u)
		var got audits.View
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatal(err)
		}
		want := audits.NewView(af.state(t))
		if got.Recompute != want.Recompute || !got.Finished || len(got.Stations) != len(want.Stations) || len(got.Risks) != 1 || got.Setup.Seed != auditSeed {
			t.Fatalf("view %+v", got)
		}
		if r := af.send(t, http.MethodGet, "/api/v1/elections/"+af.Election.ID+"/audits/nope", "", nil); r.Status != http.StatusNotFound {
			t.Errorf("unknown audit: status %d", r.Status)
		}
	})

	t.Run("a finished audit takes no more counts nor rounds", func(t *testing.T) {
		r := af.send(t, http.MethodPost, auditCountURL(af.Election.ID, auditID, ""), "keyer three", af.countForm(af.truth(t, sampled[0]), 0))
		if r.Status != http.StatusConflict || !strings.Contains(text(element(t, r.Body, "count-error")), "has finished") {
			t.Errorf("count after the end: %d %q", r.Status, text(r.Body))
		}
		if r := af.send(t, http.MethodPost, page+"/draw", "admin", url.Values{}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "has finished") {
			t.Errorf("draw after the end: %d", r.Status)
		}
	})
}

func TestAuditCountErrors(t *testing.T) {
	af := MustAuditFixture(t)
	if r := af.send(t, http.MethodPost, af.auditURL()+"/draw", "admin", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("draw: %d %.300s", r.Status, r.Body)
	}
	st := af.state(t)
	sampled := map[string]bool{}
	for _, id := range st.Sampled() {
		sampled[id] = true
	}
	var outside string
	for _, s := range af.Stations {
		if !sampled[s.Code] {
			outside = s.Code
			break
		}
	}
	in := af.truth(t, st.Sampled()[0])
	tooMany := af.countForm(in, 0)
	tooMany.Set("ballots", "1")
	notNumber := af.countForm(in, 0)
	notNumber.Set("blank", "seven")
	post := auditCountURL(af.Election.ID, auditID, "")
	cases := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"a station not in the sample", af.countForm(af.truth(t, outside), 0), http.StatusBadRequest, "is not in audit " + auditID + "'s sample"},
		{"more votes than ballots", tooMany, http.StatusBadRequest, "more votes than ballots"},
		{"a count that is not a number", notNumber, http.StatusBadRequest, "is not a whole number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := af.send(t, http.MethodPost, post, "keyer one", tc.form)
			if r.Status != tc.status || !strings.Contains(text(element(t, r.Body, "count-error")), tc.want) {
				t.Fatalf("status %d, want %d; error %q, want %q", r.Status, tc.status, text(r.Body), tc.want)
			}
			if len(af.state(t).Counts) != 0 {
				t.Fatal("a refused count was recorded")
			}
		})
	}
	t.Run("the form of a station not in the sample says so", func(t *testing.T) {
		r := af.send(t, http.MethodGet, auditCountURL(af.Election.ID, auditID, outside), "keyer one", nil)
		if r.Status != http.StatusNotFound || strings.Contains(r.Body, `id="count-form"`) || !strings.Contains(r.Body, "is not in audit") {
			t.Fatalf("status %d; %q", r.Status, text(r.Body))
		}
	})
	t.Run("the risk waits for every agreed count", func(t *testing.T) {
		r := af.send(t, http.MethodPost, af.auditURL()+"/risk", "admin", url.Values{})
		if r.Status != http.StatusConflict || !strings.Contains(text(r.Body), "have no agreed hand count yet") {
			t.Fatalf("status %d; %q", r.Status, text(r.Body))
		}
	})
}

func TestAuditRoutesAuthorization(t *testing.T) {
	af := MustAuditFixture(t)
	page := af.auditURL()
	if r := af.send(t, http.MethodPost, page+"/draw", "admin", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("draw: %d", r.Status)
	}
	st := af.state(t)
	sh := af.truth(t, st.Sampled()[0])
	var outOfScope string // a sampled station outside the coordinator's area
	for _, id := range st.Sampled() {
		for _, s := range af.Stations {
			if s.Code == id && !withinAreas(s.Area, af.accounts["coordinator"].Scope) {
				outOfScope = id
			}
		}
	}
	count := auditCountURL(af.Election.ID, auditID, "")
	cases := []struct {
		name   string
		method string
		url    string
		who    string
		form   url.Values
		want   int
	}{
		{"the public reads the audit", http.MethodGet, page, "", nil, http.StatusOK},
		{"the public reads the list", http.MethodGet, auditsURL(af.Election.ID), "", nil, http.StatusOK},
		{"the public is sent to sign in before counting", http.MethodGet, count, "", nil, http.StatusSeeOther},
		{"the public may not draw", http.MethodPost, page + "/draw", "", url.Values{}, http.StatusUnauthorized},
		{"the public may not count", http.MethodPost, count, "", af.countForm(sh, 0), http.StatusUnauthorized},
		{"a keyer may not draw", http.MethodPost, page + "/draw", "keyer one", url.Values{}, http.StatusForbidden},
		{"a keyer may not compute the risk", http.MethodPost, page + "/risk", "keyer one", url.Values{}, http.StatusForbidden},
		{"a coordinator may not draw", http.MethodPost, page + "/draw", "coordinator", url.Values{}, http.StatusForbidden},
		{"a witness may not see the count form", http.MethodGet, count, "witness", nil, http.StatusForbidden},
		{"a witness may not enter audit counts", http.MethodPost, count, "witness", af.countForm(sh, 0), http.StatusForbidden},
		{"a keyer sees the count form", http.MethodGet, count, "keyer one", nil, http.StatusOK},
		{"an admin sees the count form", http.MethodGet, count, "admin", nil, http.StatusOK},
		{"an unknown audit is not found", http.MethodGet, auditURL(af.Election.ID, "nope"), "", nil, http.StatusNotFound},
	}
	if outOfScope != "" {
		cases = append(cases, struct {
			name   string
			method string
			url    string
			who    string
			form   url.Values
			want   int
		}{"a coordinator may not count outside its area", http.MethodPost, count, "coordinator", af.countForm(af.truth(t, outOfScope), 0), http.StatusForbidden})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := af.send(t, tc.method, tc.url, tc.who, tc.form); r.Status != tc.want {
				t.Fatalf("status %d, want %d; %.300s", r.Status, tc.want, text(r.Body))
			}
		})
	}
	if n := len(af.state(t).Counts); n != 0 {
		t.Fatalf("refused requests recorded %d stations' counts", n)
	}
	t.Run("a cross-site form post is refused", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, page+"/risk", strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		rec := httptest.NewRecorder()
		af.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("status %d", rec.Code)
		}
	})
}

// element returns the HTML of the element with the given id, from its
// opening tag to the first closing tag of its name (no nesting).
func element(tb testing.TB, page, id string) string {
	tb.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		tb.Fatalf("page has no element %q", id)
	}
	start := strings.LastIndex(page[:i], "<")
	name := strings.FieldsFunc(page[start+1:i], func(r rune) bool { return r == ' ' || r == '>' })[0]
	j := strings.Index(page[i:], "</"+name+">")
	if j < 0 {
		tb.Fatalf("element %q is not closed", id)
	}
	return page[start : i+j]
}

// FuzzParseHandCount: any form either parses into counts within bounds or
// is refused with EINVALID.
func FuzzParseHandCount(f *testing.F) {
	f.Add("0101", "10", "5", "1", "0", "1", "17")
	f.Add("", "1", "1", "1", "1", "1", "1")
	f.Add("x", "-1", "٣", "1e3", " 7 ", "999999999999", "1000000000000")
	c := &actas.Contest{ID: "president", Choices: []actas.Choice{{ID: "a", Name: "A"}, {ID: "b", Name: "B"}, {ID: "c", Name: "C"}}}
	f.Fuzz(func(t *testing.T, station, a, b, cc, blank, null, ballots string) {
		form := url.Values{"station": {station}, "v-a": {a}, "v-b": {b}, "v-c": {cc}, "blank": {blank}, "null": {null}, "ballots": {ballots}}
		got, err := parseHandCount(form, c)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error code %q: %v", actas.ErrorCode(err), err)
			}
			return
		}
		if got.Station != station || len(got.Votes) != 3 {
			t.Fatalf("parsed %+v", got)
		}
		for _, n := range append(got.Votes, got.Blank, got.Null, got.Ballots) {
			if n < 0 || n > actas.MaxCount {
				t.Fatalf("count %d out of bounds", n)
			}
		}
	})
}

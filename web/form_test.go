package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
)

// session starts a session of the named account and returns its cookie.
func (af *authFixture) session(tb testing.TB, who string) string {
	tb.Helper()
	plain, err := af.Store.CreateSession(tb.Context(), af.accounts[who].ID, time.Now().Add(time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	return "actas-session=" + plain
}

var (
	optionRE   = regexp.MustCompile(`<option value="([^"]+)">`)
	formDataRE = regexp.MustCompile(`(?s)<script type="application/json" id="form-data">(.*?)</script>`)
	scriptRE   = regexp.MustCompile(`<script[^>]*>`)
)

// formStations returns the stations the form offers in its select, and
// those its data gives figures for.
func formStations(tb testing.TB, page string) (listed []string, data formData) {
	tb.Helper()
	i, j := strings.Index(page, `<select id="f-station"`), strings.Index(page, "</select>")
	if i < 0 || j < i {
		tb.Fatalf("the form has no station select")
	}
	for _, m := range optionRE.FindAllStringSubmatch(page[i:j], -1) {
		listed = append(listed, html.UnescapeString(m[1]))
	}
	m := formDataRE.FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("the form has no data")
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		tb.Fatalf("the form's data is not JSON: %v\n%s", err, m[1])
	}
	return listed, data
}

func TestForm(t *testing.T) {
	af := MustAuth(t, -1)
	form := formURL(hmID)

	t.Run("anyone signed out is sent to sign in and brought back", func(t *testing.T) {
		r := af.get(t, form)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("status %d", r.Status)
		}
		loc, err := url.Parse(r.Header.Get("Location"))
		if err != nil || loc.Path != "/signin" || loc.Query().Get("next") != form || loc.Query().Get("election") != hmID {
			t.Fatalf("redirected to %q", r.Header.Get("Location"))
		}
		signin := af.get(t, loc.String()).mustOK(t, loc.String())
		if !strings.Contains(signin.Body, `name="next" value="`+form+`"`) {
			t.Fatalf("the sign-in form does not carry the way back")
		}
		code, err := af.Store.IssueCode(t.Context(), af.accounts["witness of 0401"].ID, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		body := url.Values{"election": {hmID}, "code": {code}, "next": {form}}.Encode()
		r = af.send(t, http.MethodPost, "/signin", body, "Content-Type", "application/x-www-form-urlencoded")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != form {
			t.Fatalf("sign-in: status %d, to %q", r.Status, r.Header.Get("Location"))
		}
	})

	t.Run("a way back to another site is ignored", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/e/x\r\nSet-Cookie: a=b"} {
			code, err := af.Store.IssueCode(t.Context(), af.accounts["witness of 0401"].ID, time.Now().Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			body := url.Values{"election": {hmID}, "code": {code}, "next": {next}}.Encode()
			r := af.send(t, http.MethodPost, "/signin", body, "Content-Type", "application/x-www-form-urlencoded")
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != electionURL(hmID) {
				t.Errorf("next %q: status %d, to %q", next, r.Status, r.Header.Get("Location"))
			}
		}
	})

	scopes := []struct {
		who  string
		want []string
	}{
		{"witness of 0401", []string{"0401"}},
		{"witness of 0301", []string{hmNone}},
		{"coordinator of Zulia", []string{hmConflict, hmAgreed, hmFlagged}},
		{"coordinator of Mérida", []string{hmNone}},
		{"admin", []string{hmConflict, hmAgreed, hmFlagged, hmNone, "0401"}},
	}
	e := handmade().Election
	for _, c := range scopes {
		t.Run("the "+c.who+" is offered the stations of the scope", func(t *testing.T) {
			r := af.get(t, form, "Cookie", af.session(t, c.who)).mustOK(t, form)
			listed, data := formStations(t, r.Body)
			if !slices.Equal(listed, c.want) {
				t.Fatalf("listed %v, want %v", listed, c.want)
			}
			if len(data.Stations) != len(c.want) {
				t.Fatalf("figures for %d stations, want %d", len(data.Stations), len(c.want))
			}
			for _, st := range handmade().Stations {
				got, ok := data.Stations[st.Code]
				if ok != slices.Contains(c.want, st.Code) {
					t.Fatalf("station %s in the data: %v", st.Code, ok)
				}
				if ok && (got.Registered != st.Registered || got.Capacity != e.Capacity(&st)) {
					t.Errorf("station %s: figures %+v, want registered %d and capacity %d", st.Code, got, st.Registered, e.Capacity(&st))
				}
			}
		})
	}

	t.Run("the page states the server's rules and runs only its own script", func(t *testing.T) {
		r := af.get(t, form, "Cookie", af.session(t, "witness of 0401")).mustOK(t, form)
		_, data := formStations(t, r.Body)
		var names []string
		for _, f := range data.Flags {
			names = append(names, f.Name)
			if f.Text == "" {
				t.Errorf("flag %s has no text", f.Name)
			}
		}
		var all actas.Flags
		for _, f := range actas.AllFlags() {
			all |= f
		}
		if !slices.Equal(names, all.Names()) || data.MaxCount != actas.MaxCount || len(data.Contests) != 2 ||
			!slices.Equal(data.Contests[0].Choices, []string{"a", "b", "c"}) {
			t.Fatalf("data %+v", data)
		}
		for k, v := range data.Messages {
			if v == "" || v == "form."+k {
				t.Errorf("message %s is missing", k)
			}
		}
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "worker-src 'self'") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
		for _, tag := range scriptRE.FindAllString(r.Body, -1) {
			if !strings.Contains(tag, `src="/static/submit.js?v=`) && !strings.Contains(tag, `type="application/json"`) {
				t.Errorf("a script the policy would block: %s", tag)
			}
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
			t.Errorf("Cache-Control %q: the page names the account's stations", cc)
		}
		for _, want := range []string{`accept="image/*"`, `capture="environment"`, `multiple`, `id="f-qr"`, `id="f-voters"`, `id="f-president-a"`, `id="f-referendum-yes"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
	})

	refused := []struct {
		who    string
		status int
	}{
		{"keyer", http.StatusForbidden},
		{"admin of another election", http.StatusForbidden},
	}
	for _, c := range refused {
		t.Run("the "+c.who+" may not open it", func(t *testing.T) {
			if r := af.get(t, form, "Cookie", af.session(t, c.who)); r.Status != c.status {
				t.Fatalf("status %d, want %d", r.Status, c.status)
			}
		})
	}

	t.Run("the form is in the reader's language", func(t *testing.T) {
		r := af.get(t, form, "Cookie", af.session(t, "witness of 0401")+"; lang=es").mustOK(t, form)
		if h1(t, r.Body) != "Enviar un acta" || !strings.Contains(r.Body, "Los números cuadran.") {
			t.Fatalf("the Spanish form reads %q", h1(t, r.Body))
		}
	})

	t.Run("the service worker is served under the election", func(t *testing.T) {
		r := af.get(t, workerURL(hmID)).mustOK(t, workerURL(hmID))
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") || !strings.Contains(r.Body, `addEventListener("fetch"`) {
			t.Fatalf("Content-Type %q, body %.200s", ct, r.Body)
		}
		if r := af.get(t, workerURL("no-such-election")); r.Status != http.StatusNotFound {
			t.Fatalf("unknown election: status %d", r.Status)
		}
	})

	t.Run("every message the script shows exists in every language", func(t *testing.T) {
		ls, err := loadLocales()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls.list {
			for _, k := range formMessages {
				if _, err := l.T("form." + k); err != nil {
					t.Errorf("%s: %v", l.Code, err)
				}
			}
		}
	})
}

func TestFormOfALargeScope(t *testing.T) {
	f := MustSimulate(t, maxFormStations+100, 3)
	a := storetest.MustCreateAccount(t, f.Store, &actas.Account{Election: f.Election.ID, Name: "Ada", Contact: "ada@example.org", Role: actas.RoleAdmin})
	plain, err := f.Store.CreateSession(t.Context(), a.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	form := formURL(f.Election.ID)
	r := f.get(t, form, "Cookie", "actas-session="+plain).mustOK(t, form)
	if strings.Contains(r.Body, `<select id="f-station"`) || !strings.Contains(r.Body, `<input id="f-station"`) {
		t.Fatalf("an admin of %d stations is not asked to type the code", len(f.Stations))
	}
	m := formDataRE.FindStringSubmatch(r.Body)
	var data formData
	if m == nil || json.Unmarshal([]byte(m[1]), &data) != nil || len(data.Stations) != 0 {
		t.Fatalf("the page sends figures for %d stations", len(data.Stations))
	}
}

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/translog"
)

// authFixture is the handmade election with a signed log that a background
// signer keeps current (as `actas serve` does), one account of each kind,
// and an API token for each.
type authFixture struct {
	*signedLog
	accounts map[string]*actas.Account // by the names the tests use
	tokens   map[string]string
	sheets   atomic.Int64 // makes each sheet's numbers new
}

// MustAuth builds the fixture; receiptWait is the server's
// Config.ReceiptWait. With a negative wait nothing signs new checkpoints,
// so every stored submission is answered 202 without its receipt.
func MustAuth(tb testing.TB, receiptWait time.Duration) *authFixture {
	tb.Helper()
	f := MustHandmade(tb)
	sl := MustSign(tb, f)
	af := &authFixture{signedLog: sl, accounts: map[string]*actas.Account{}, tokens: map[string]string{}}
	af.restart(tb, receiptWait)
	other := handmade().Election
	other.ID = "other-2024"
	if err := f.Store.CreateElection(tb.Context(), other, handmade().Stations); err != nil {
		tb.Fatal(err)
	}
	acct := func(name, election string, role actas.Role, scope ...string) {
		a := storetest.MustCreateAccount(tb, f.Store, &actas.Account{Election: election, Name: name,
			Contact: strings.ReplaceAll(name, " ", ".") + "@example.org", Role: role, Scope: scope})
		tok, err := f.Store.IssueToken(tb.Context(), a.ID, "phone")
		if err != nil {
			tb.Fatal(err)
		}
		af.accounts[name], af.tokens[name] = a, tok
	}
	acct("admin", hmID, actas.RoleAdmin)
	acct("coordinator of Zulia", hmID, actas.RoleCoordinator, "Zulia")
	acct("coordinator of Mérida", hmID, actas.RoleCoordinator, actas.JoinPath("Mérida", "Libertador"))
	acct("witness of 0401", hmID, actas.RoleWitness, "0401")
	acct("witness of 0301", hmID, actas.RoleWitness, hmNone)
	acct("keyer", hmID, actas.RoleKeyer)
	acct("disabled witness of 0401", hmID, actas.RoleWitness, "0401")
	acct("admin of another election", "other-2024", actas.RoleAdmin)
	if err := f.Store.DisableAccount(tb.Context(), af.accounts["disabled witness of 0401"].ID); err != nil {
		tb.Fatal(err)
	}
	if receiptWait < 0 {
		return af
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := af.signNow(ctx); err != nil && ctx.Err() == nil {
				tb.Errorf("sign: %v", err)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	tb.Cleanup(func() { cancel(); wg.Wait() })
	return af
}

// restart builds a new server over the same store, as after a restart.
func (af *authFixture) restart(tb testing.TB, receiptWait time.Duration) {
	tb.Helper()
	srv, err := New(Config{Store: af.Store, Results: af.Tab, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Version: "test", LogKey: af.vkey, ReceiptWait: receiptWait})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	af.Server, af.Handler = srv, srv.Handler()
}

// signNow signs a checkpoint of the whole log if it grew.
func (af *authFixture) signNow(ctx context.Context) error {
	id := af.Election.ID
	size, err := af.Store.LogSize(ctx, id)
	if err != nil {
		return err
	}
	if cp, _, err := af.Store.LatestCheckpoint(ctx, id); err == nil && cp.Size == size {
		return nil
	}
	root, err := translog.TreeHash(size, storeHashes{ctx: ctx, store: af.Store, election: id})
	if err != nil {
		return err
	}
	msg, err := translog.Sign(translog.Checkpoint{Origin: translog.Origin(af.signer.Name(), id), Size: size, Hash: root}, af.signer)
	if err != nil {
		return err
	}
	return af.Store.AddCheckpoint(ctx, id, &actas.Checkpoint{Size: size, Root: root, Note: msg})
}

// send makes a request with a body; header pairs are name, value.
func (af *authFixture) send(tb testing.TB, method, target, body string, header ...string) response {
	tb.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "RemoteAddr" {
			req.RemoteAddr = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	af.Handler.ServeHTTP(rec, req)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
}

// sheet returns a submission body for the station with numbers no earlier
// call used; edit changes the request before it is encoded.
func (af *authFixture) sheet(station string, edit func(map[string]any)) string {
	n := af.sheets.Add(1)
	req := map[string]any{"station": station, "contest": "president",
		"votes": map[string]int64{"a": 100 + n, "b": 50, "c": 1}, "blank": 1, "null": 1, "ballots": 153 + n,
		"idempotency_key": fmt.Sprintf("key-%d", n)}
	if edit != nil {
		edit(req)
	}
	b, _ := json.Marshal(req)
	return string(b)
}

var submissionsURL = "/api/v1/elections/" + hmID + "/submissions"

// submit posts body with the named account's token ("" for none).
func (af *authFixture) submit(tb testing.TB, who, body string, header ...string) response {
	tb.Helper()
	h := []string{"Content-Type", "application/json"}
	if who != "" {
		h = append(h, "Authorization", "Bearer "+af.tokens[who])
	}
	return af.send(tb, http.MethodPost, submissionsURL, body, append(h, header...)...)
}

func (af *authFixture) logSize(tb testing.TB) int64 {
	tb.Helper()
	n, err := af.Store.LogSize(tb.Context(), hmID)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func mustAnswer(tb testing.TB, r response) *submissionResponse {
	tb.Helper()
	var a submissionResponse
	if err := json.Unmarshal([]byte(r.Body), &a); err != nil {
		tb.Fatalf("answer %q: %v", r.Body, err)
	}
	return &a
}

// mustVerify checks a receipt as its holder would.
func (af *authFixture) mustVerify(tb testing.TB, a *submissionResponse) {
	tb.Helper()
	if a.Receipt == nil {
		tb.Fatalf("answer for entry %d has no receipt", a.Index)
	}
	if a.Receipt.Index != a.Index {
		tb.Fatalf("receipt of entry %d answers entry %d", a.Receipt.Index, a.Index)
	}
	if _, err := a.Receipt.Verify(af.verifier, translog.Origin(af.signer.Name(), hmID)); err != nil {
		tb.Fatalf("receipt of entry %d does not verify: %v", a.Index, err)
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	af := MustAuth(t, 5*time.Second)
	official := func(m map[string]any) { m["source"] = "official" }
	cases := []struct {
		name    string
		who     string // account whose token is sent; "" for none
		header  []string
		station string
		edit    func(map[string]any)
		want    int
	}{
		{"admin submits a witness sheet", "admin", nil, "0401", nil, http.StatusCreated},
		{"admin states an official sheet", "admin", nil, hmNone, official, http.StatusCreated},
		{"coordinator submits within its area", "coordinator of Zulia", nil, hmFlagged, nil, http.StatusCreated},
		{"coordinator of a municipality submits within it", "coordinator of Mérida", nil, hmNone, nil, http.StatusCreated},
		{"coordinator submits outside its areas", "coordinator of Zulia", nil, "0401", nil, http.StatusForbidden},
		{"coordinator states an official sheet", "coordinator of Zulia", nil, hmFlagged, official, http.StatusForbidden},
		{"witness submits for its station", "witness of 0401", nil, "0401", nil, http.StatusCreated},
		{"witness submits for a station not assigned", "witness of 0301", nil, "0401", nil, http.StatusForbidden},
		{"witness states an official sheet", "witness of 0401", nil, "0401", official, http.StatusForbidden},
		{"keyer submits", "keyer", nil, "0401", nil, http.StatusForbidden},
		{"anonymous submits", "", nil, "0401", nil, http.StatusUnauthorized},
		{"disabled witness submits", "disabled witness of 0401", nil, "0401", nil, http.StatusUnauthorized},
		{"admin of another election submits", "admin of another election", nil, "0401", nil, http.StatusForbidden},
		{"a made-up token", "", []string{"Authorization", "Bearer " + strings.Repeat("A", actas.SecretLength)}, "0401", nil, http.StatusUnauthorized},
		{"a malformed Authorization header", "", []string{"Authorization", "Basic dXNlcjpwYXNz"}, "0401", nil, http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := af.logSize(t)
			r := af.submit(t, c.who, af.sheet(c.station, c.edit), c.header...)
			if r.Status != c.want {
				t.Fatalf("status %d, want %d; body %s", r.Status, c.want, r.Body)
			}
			after := af.logSize(t)
			if c.want != http.StatusCreated {
				if after != before {
					t.Fatalf("refused, yet the log grew from %d to %d entries", before, after)
				}
				var e errorBody
				if err := json.Unmarshal([]byte(r.Body), &e); err != nil || e.Error.Code == "" {
					t.Fatalf("refusal is not a JSON error: %s", r.Body)
				}
				return
			}
			if after != before+1 {
				t.Fatalf("accepted, log grew from %d to %d entries, want one more", before, after)
			}
			af.mustVerify(t, mustAnswer(t, r))
		})
	}
}

func TestAuthorize(t *testing.T) {
	zulia := actas.JoinPath("Zulia", hmSlashArea)
	w := &actas.Account{Election: "e", Role: actas.RoleWitness, Scope: []string{"0101"}}
	c := &actas.Account{Election: "e", Role: actas.RoleCoordinator, Scope: []string{"Zulia"}}
	k := &actas.Account{Election: "e", Role: actas.RoleKeyer}
	adm := &actas.Account{Election: "e", Role: actas.RoleAdmin}
	cases := []struct {
		name string
		a    *actas.Account
		act  action
		t    target
		want string // "" when allowed
	}{
		{"the public writes nothing", nil, actSubmit, target{Station: "0101", Area: zulia}, actas.EUNAUTHORIZED},
		{"an admin manages its election", adm, actManage, target{}, ""},
		{"an admin does nothing in another election", &actas.Account{Election: "f", Role: actas.RoleAdmin}, actSubmit, target{Station: "0101"}, actas.EFORBIDDEN},
		{"a disabled admin does nothing", &actas.Account{Election: "e", Role: actas.RoleAdmin, Disabled: true}, actSubmit, target{Station: "0101"}, actas.EFORBIDDEN},
		{"a coordinator reviews below its area", c, actReview, target{Station: "0101", Area: zulia}, ""},
		{"a coordinator reviews its area itself", c, actReview, target{Area: "Zulia"}, ""},
		{"a coordinator does not review an area named like its own", c, actReview, target{Area: "Zulia2"}, actas.EFORBIDDEN},
		{"a coordinator does not review the whole election", c, actReview, target{}, actas.EFORBIDDEN},
		{"a coordinator does not manage accounts", c, actManage, target{Area: "Zulia"}, actas.EFORBIDDEN},
		{"a witness submits for its station", w, actSubmit, target{Station: "0101", Area: zulia}, ""},
		{"a witness does not submit for another station", w, actSubmit, target{Station: "0102", Area: zulia}, actas.EFORBIDDEN},
		{"a witness does not review", w, actReview, target{Station: "0101", Area: zulia}, actas.EFORBIDDEN},
		{"a keyer types entries", k, actKey, target{Station: "0101", Area: zulia}, ""},
		{"a keyer does not submit", k, actSubmit, target{Station: "0101", Area: zulia}, actas.EFORBIDDEN},
		{"an admin draws an audit's rounds", adm, actAuditRun, target{}, ""},
		{"a coordinator does not draw an audit's rounds", c, actAuditRun, target{Area: "Zulia"}, actas.EFORBIDDEN},
		{"a keyer does not draw an audit's rounds", k, actAuditRun, target{}, actas.EFORBIDDEN},
		{"the public does not draw an audit's rounds", nil, actAuditRun, target{}, actas.EUNAUTHORIZED},
		{"a keyer enters audit hand counts", k, actAuditCount, target{Station: "0101", Area: zulia}, ""},
		{"an admin enters audit hand counts", adm, actAuditCount, target{Station: "0101", Area: zulia}, ""},
		{"a coordinator enters audit hand counts in its area", c, actAuditCount, target{Station: "0101", Area: zulia}, ""},
		{"a coordinator does not enter audit hand counts elsewhere", c, actAuditCount, target{Station: "0301", Area: "Mérida"}, actas.EFORBIDDEN},
		{"a witness does not enter audit hand counts, even for its station", w, actAuditCount, target{Station: "0101", Area: zulia}, actas.EFORBIDDEN},
		{"a keyer of another election does not enter audit hand counts", &actas.Account{Election: "f", Role: actas.RoleKeyer}, actAuditCount, target{Station: "0101"}, actas.EFORBIDDEN},
		{"a keyer reports an incident", k, actReportIncident, target{}, ""},
		{"a witness reports an incident anywhere in its election", w, actReportIncident, target{}, ""},
		{"the public does not report incidents", nil, actReportIncident, target{}, actas.EUNAUTHORIZED},
		{"a witness of another election does not report here", &actas.Account{Election: "f", Role: actas.RoleWitness, Scope: []string{"0101"}}, actReportIncident, target{}, actas.EFORBIDDEN},
		{"a coordinator moderates incidents in its area", c, actModerate, target{Station: "0101", Area: zulia}, ""},
		{"a coordinator does not moderate incidents elsewhere", c, actModerate, target{Area: "Mérida"}, actas.EFORBIDDEN},
		{"a coordinator does not moderate incidents of the whole election", c, actModerate, target{}, actas.EFORBIDDEN},
		{"an admin moderates incidents of the whole election", adm, actModerate, target{}, ""},
		{"a witness does not moderate incidents", w, actModerate, target{Station: "0101", Area: zulia}, actas.EFORBIDDEN},
		{"a keyer does not moderate incidents", k, actModerate, target{}, actas.EFORBIDDEN},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := authorize(tc.a, tc.act, "e", tc.t)
			if got := actas.ErrorCode(err); (err == nil) != (tc.want == "") || (err != nil && got != tc.want) {
				t.Fatalf("authorize = %v, want %q", err, tc.want)
			}
		})
	}
}

// signIn posts the sign-in form.
func (af *authFixture) signIn(tb testing.TB, election, code, addr string, header ...string) response {
	tb.Helper()
	form := url.Values{"election": {election}, "code": {code}}.Encode()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded", "RemoteAddr", addr}, header...)
	return af.send(tb, http.MethodPost, "/signin", form, h...)
}

func sessionOf(tb testing.TB, r response, name string) *http.Cookie {
	tb.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	tb.Fatalf("no cookie %s in %v (status %d)", name, r.Header["Set-Cookie"], r.Status)
	return nil
}

func TestSignIn(t *testing.T) {
	af := MustAuth(t, -1)
	ctx := t.Context()
	witness := af.accounts["witness of 0401"]

	t.Run("the form is served and fills in a sign-in link's code", func(t *testing.T) {
		code := storetest.MustIssueCode(t, af.Store, witness.ID)
		r := af.send(t, http.MethodGet, "/signin?election="+hmID+"&code="+code, "")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `action="/signin" method="post"`) || !strings.Contains(r.Body, code) {
			t.Fatalf("status %d; body %.600s", r.Status, r.Body)
		}
		// Showing the form does not use the code up.
		if r := af.signIn(t, hmID, code, "192.0.2.10:1"); r.Status != http.StatusSeeOther {
			t.Fatalf("the code after showing the form: status %d", r.Status)
		}
	})

	t.Run("a good code starts a session that submits", func(t *testing.T) {
		code := storetest.MustIssueCode(t, af.Store, witness.ID)
		r := af.signIn(t, hmID, code, "192.0.2.11:1")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != electionURL(hmID) {
			t.Fatalf("status %d, location %q", r.Status, r.Header.Get("Location"))
		}
		c := sessionOf(t, r, "actas-session")
		if !c.HttpOnly || c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != int(defaultSessionTTL/time.Second) {
			t.Fatalf("cookie %+v", c)
		}
		before := af.logSize(t)
		r = af.send(t, http.MethodPost, submissionsURL, af.sheet("0401", nil), "Content-Type", "application/json",
			"Cookie", c.Name+"="+c.Value, "Sec-Fetch-Site", "same-origin")
		if r.Status != http.StatusAccepted || af.logSize(t) != before+1 {
			t.Fatalf("submission with the session: status %d; %s", r.Status, r.Body)
		}
	})

	t.Run("over TLS the cookie is Secure with the __Host- prefix", func(t *testing.T) {
		code := storetest.MustIssueCode(t, af.Store, witness.ID)
		form := url.Values{"election": {hmID}, "code": {code}}.Encode()
		req := httptest.NewRequest(http.MethodPost, "https://actas.example/signin", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		af.Handler.ServeHTTP(rec, req)
		c := sessionOf(t, response{Status: rec.Code, Header: rec.Header()}, "__Host-actas-session")
		if !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
			t.Fatalf("cookie %+v", c)
		}
	})

	refusal := func(t *testing.T, what string, r response) string {
		t.Helper()
		if r.Status != http.StatusUnauthorized || r.Header.Get("Set-Cookie") != "" {
			t.Fatalf("%s: status %d, cookie %q; want 401 and no cookie", what, r.Status, r.Header.Get("Set-Cookie"))
		}
		if !strings.Contains(r.Body, `class="refused"`) {
			t.Fatalf("%s: the page does not say the sign-in was refused: %.600s", what, r.Body)
		}
		return r.Body
	}
	t.Run("used, expired, wrong and disabled codes get one refusal that does not say why", func(t *testing.T) {
		used := storetest.MustIssueCode(t, af.Store, witness.ID)
		if r := af.signIn(t, hmID, used, "192.0.2.12:1"); r.Status != http.StatusSeeOther {
			t.Fatalf("first use: %d", r.Status)
		}
		expiring, err := af.Store.IssueCode(ctx, witness.ID, time.Now().Add(30*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		unused := storetest.MustIssueCode(t, af.Store, witness.ID)
		time.Sleep(50 * time.Millisecond)
		want := refusal(t, "a used code", af.signIn(t, hmID, used, "192.0.2.12:1"))
		for what, code := range map[string]string{
			"an expired code":   expiring,
			"an unknown code":   strings.Repeat("x", actas.SecretLength),
			"a malformed code":  "123456",
			"another election":  unused, // a good code of this election, sent for another
			"an empty code":     "",
			"a code with space": " " + used + " ",
		} {
			election := hmID
			if what == "another election" {
				election = "other-2024"
			}
			if got := refusal(t, what, af.signIn(t, election, code, "192.0.2.12:1")); got != strings.ReplaceAll(want, hmID, election) {
				t.Fatalf("%s: refusal differs from a used code's:\n%s\nwant\n%s", what, got, want)
			}
		}
		// A code issued before its account was disabled stops working.
		v := storetest.MustCreateAccount(t, af.Store, storetest.WitnessAccount(hmID, "V", "v@example.org", "0401"))
		vcode := storetest.MustIssueCode(t, af.Store, v.ID)
		if err := af.Store.DisableAccount(ctx, v.ID); err != nil {
			t.Fatal(err)
		}
		if got := refusal(t, "a disabled account's code", af.signIn(t, hmID, vcode, "192.0.2.12:1")); got != want {
			t.Fatalf("a disabled account's code: refusal differs:\n%s", got)
		}
	})

	t.Run("sign-in attempts are rate-limited per address", func(t *testing.T) {
		for i := range signInBurst {
			if r := af.signIn(t, hmID, "wrong", "198.51.100.7:1"); r.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: status %d", i+1, r.Status)
			}
		}
		good := storetest.MustIssueCode(t, af.Store, witness.ID)
		r := af.signIn(t, hmID, good, "198.51.100.7:2")
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || r.Header.Get("Set-Cookie") != "" {
			t.Fatalf("attempt past the limit: status %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
		}
		if r := af.signIn(t, hmID, good, "198.51.100.8:1"); r.Status != http.StatusSeeOther {
			t.Fatalf("another address: status %d (the limited attempt must not have used the code)", r.Status)
		}
		// An IPv6 client's /64 is one address.
		for range signInBurst {
			af.signIn(t, hmID, "wrong", "[2001:db8:1:2::1]:1")
		}
		if r := af.signIn(t, hmID, "wrong", "[2001:db8:1:2::ffff]:1"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("same IPv6 /64: status %d", r.Status)
		}
	})

	t.Run("signing out revokes the session", func(t *testing.T) {
		code := storetest.MustIssueCode(t, af.Store, witness.ID)
		c := sessionOf(t, af.signIn(t, hmID, code, "192.0.2.13:1"), "actas-session")
		cookie := c.Name + "=" + c.Value
		r := af.send(t, http.MethodPost, "/signout", "", "Cookie", cookie, "Sec-Fetch-Site", "same-origin")
		if r.Status != http.StatusSeeOther || sessionOf(t, r, "actas-session").MaxAge >= 0 {
			t.Fatalf("sign-out: status %d, cookies %v", r.Status, r.Header["Set-Cookie"])
		}
		if _, err := af.Store.SessionAccount(ctx, actas.HashSecret(c.Value), time.Now()); actas.ErrorCode(err) != actas.ENOTFOUND {
			t.Fatalf("session after sign-out: %v", err)
		}
		before := af.logSize(t)
		r = af.send(t, http.MethodPost, submissionsURL, af.sheet("0401", nil), "Content-Type", "application/json", "Cookie", cookie)
		if r.Status != http.StatusUnauthorized || af.logSize(t) != before {
			t.Fatalf("submission after sign-out: status %d", r.Status)
		}
		if r := af.send(t, http.MethodPost, "/signout", "", "Cookie", cookie); r.Status != http.StatusSeeOther {
			t.Fatalf("signing out twice: status %d", r.Status)
		}
	})

	t.Run("a sign-in form over the size limit is refused", func(t *testing.T) {
		r := af.send(t, http.MethodPost, "/signin", "code="+strings.Repeat("x", maxFormBody),
			"Content-Type", "application/x-www-form-urlencoded", "RemoteAddr", "192.0.2.14:1")
		if r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", r.Status)
		}
	})
}

func TestCrossOriginProtection(t *testing.T) {
	af := MustAuth(t, -1)
	witness := af.accounts["witness of 0401"]
	session, err := af.Store.CreateSession(t.Context(), witness.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cookie := "actas-session=" + session
	cases := []struct {
		name   string
		target string
		header []string
		want   int
	}{
		{"a cross-site form posting a sign-in", "/signin", []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"}, http.StatusForbidden},
		{"a cross-site form signing the witness out", "/signout", []string{"Sec-Fetch-Site", "cross-site", "Cookie", cookie}, http.StatusForbidden},
		{"another origin submitting with the witness's cookie", submissionsURL, []string{"Origin", "https://evil.example", "Cookie", cookie, "Content-Type", "application/json"}, http.StatusForbidden},
		{"a same-site page of another origin submitting with the cookie", submissionsURL, []string{"Sec-Fetch-Site", "same-site", "Cookie", cookie, "Content-Type", "application/json"}, http.StatusForbidden},
		{"this site's own page submitting with the cookie", submissionsURL, []string{"Sec-Fetch-Site", "same-origin", "Cookie", cookie, "Content-Type", "application/json"}, http.StatusAccepted},
		{"an app submitting with a bearer token from anywhere", submissionsURL, []string{"Sec-Fetch-Site", "cross-site", "Authorization", "Bearer " + af.tokens["witness of 0401"], "Content-Type", "application/json"}, http.StatusAccepted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := af.logSize(t)
			body := ""
			if c.target == submissionsURL {
				body = af.sheet("0401", nil)
			}
			r := af.send(t, http.MethodPost, c.target, body, c.header...)
			if r.Status != c.want {
				t.Fatalf("status %d, want %d; %.300s", r.Status, c.want, r.Body)
			}
			if grew := af.logSize(t) - before; (c.want == http.StatusAccepted) != (grew == 1) {
				t.Fatalf("log grew by %d", grew)
			}
		})
	}
	if _, err := af.Store.SessionAccount(t.Context(), actas.HashSecret(session), time.Now()); err != nil {
		t.Fatalf("the refused cross-site sign-out revoked the session: %v", err)
	}
}

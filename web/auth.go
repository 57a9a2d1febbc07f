package web

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/actasproject/actas"
)

// Sign-in, sessions, bearer tokens, cross-origin protection and the one
// authorization decision. Secrets never reach a log: they travel only in
// the sign-in form's body, the session cookie and the Authorization header,
// none of which the server records.

const (
	defaultSessionTTL = 12 * time.Hour
	// A sign-in code has 256 random bits, so the rate limit does not protect
	// the codes; it keeps one address from making the store work for nothing.
	signInEvery = 6 * time.Second
	signInBurst = 10
	// writeBurst is how many writes an account may make at once before
	// its rate applies (Config.WriteRate): a witness's queue of sheets
	// and photos sent when the network returns.
	writeBurst = 100
	// maxFormBody bounds the sign-in and sign-out forms.
	maxFormBody = 4 << 10
	// maxLimiters bounds the addresses remembered by the sign-in limiter;
	// idle ones are forgotten first.
	maxLimiters = 100_000
)

// sessionCookie names the session cookie. Over TLS the __Host- prefix makes
// browsers refuse a cookie set by a sibling domain or over plain HTTP.
func (s *Server) sessionCookie(r *http.Request) (name string, secure bool) {
	if r.TLS != nil || s.secureCookies {
		return "__Host-actas-session", true
	}
	return "actas-session", false
}

// action is what an account asks to do.
type action string

const (
	// actSubmit states a station's sheet (a witness's copy, or, for an
	// admin, another source).
	actSubmit action = "submit"
	// actKey types a sheet's numbers from its photo (double entry).
	actKey action = "key"
	// actReview decides between a station's conflicting sheets.
	actReview action = "review"
	// actManage creates and disables accounts of the election.
	actManage action = "manage"
	// actAuditRun draws an audit's rounds and computes its risk.
	actAuditRun action = "run audits"
	// actAuditCount enters a hand count of a station an audit sampled.
	actAuditCount action = "enter audit hand counts"
	// actCoverage sees an area's coverage board: its witnesses' contacts
	// (coverage.go).
	actCoverage action = "see the coverage board"
	// actReportIncident reports an incident (incident.go): any account of
	// the election, at any station or area, since reports are private
	// until moderated.
	actReportIncident action = "report incidents"
	// actModerate publishes or rejects incident reports.
	actModerate action = "moderate incidents"
)

// target is what an action applies to: a station (with its area) or an
// area alone (Station empty); the zero target is the whole election.
type target struct {
	Station string
	Area    string // canonical area path
}

// authorize is the one decision of who may do what: nil when account a may
// do act in election on t. The public (a nil account) may write nothing;
// an admin may do everything in its own election; a coordinator may submit
// and review for stations within the areas of its scope; a witness may
// submit for the stations of its scope only; a keyer may only type entries
// and audit hand counts. A coordinator may also enter audit hand counts within
// its scope; only an admin runs audits (draws rounds, computes the risk).
// Any account of the election may report an incident anywhere in it;
// coordinators moderate those within their areas.
// Errors: EUNAUTHORIZED without an account; EFORBIDDEN otherwise.
func authorize(a *actas.Account, act action, election string, t target) error {
	if a == nil {
		return actas.Errorf(actas.EUNAUTHORIZED, "sign in first")
	}
	deny := func() error {
		return actas.Errorf(actas.EFORBIDDEN, "a %s account may not %s here", a.Role, act)
	}
	if a.Disabled || a.Election != election {
		return actas.Errorf(actas.EFORBIDDEN, "this account does not belong to election %s", clip(election))
	}
	if act == actReportIncident {
		return nil
	}
	switch a.Role {
	case actas.RoleAdmin:
		return nil
	case actas.RoleCoordinator:
		if (act == actSubmit || act == actReview || act == actAuditCount || act == actCoverage || act == actModerate) && (t.Station != "" || t.Area != "") && withinAreas(t.Area, a.Scope) {
			return nil
		}
	case actas.RoleWitness:
		if act == actSubmit && t.Station != "" && contains(a.Scope, t.Station) {
			return nil
		}
	case actas.RoleKeyer:
		if act == actKey || act == actAuditCount {
			return nil
		}
	}
	return deny()
}

// withinAreas reports whether the area at path is one of areas or lies
// below one of them.
func withinAreas(path string, areas []string) bool {
	for p := path; p != ""; p = actas.ParentPath(p) {
		if contains(areas, p) {
			return true
		}
	}
	return false
}

// credential is how a request was authenticated.
type credential uint8

const (
	noCredential credential = iota
	bySession
	byToken
)

// authenticate returns the account of the request's bearer token or, when
// it has no Authorization header, of its session cookie. A request with an
// Authorization header is judged by it alone, never by a cookie: that is
// what lets token requests skip cross-origin checks. The store refuses
// disabled accounts, expired and revoked sessions; every refusal says the
// same thing. Errors: EUNAUTHORIZED.
func (s *Server) authenticate(r *http.Request) (*actas.Account, credential, error) {
	refuse := func() (*actas.Account, credential, error) {
		return nil, noCredential, actas.Errorf(actas.EUNAUTHORIZED, "%s", actas.ErrNoCredential)
	}
	check := func(a *actas.Account, err error) error {
		if err == nil && a.Disabled {
			err = actas.Errorf(actas.ENOTFOUND, "disabled")
		}
		return err
	}
	if h, ok := r.Header["Authorization"]; ok {
		scheme, tok, _ := strings.Cut(strings.Join(h, ","), " ")
		if len(h) != 1 || !strings.EqualFold(scheme, "Bearer") || !actas.ValidSecret(tok) {
			return refuse()
		}
		h := actas.HashSecret(tok)
		a, err := s.creds.get(h, func() (*actas.Account, error) { return s.store.TokenAccount(r.Context(), h) })
		if err = check(a, err); err != nil {
			if actas.ErrorCode(err) == actas.EINTERNAL {
				return nil, noCredential, err
			}
			return refuse()
		}
		return a, byToken, nil
	}
	name, _ := s.sessionCookie(r)
	c, err := r.Cookie(name)
	if err != nil {
		return nil, noCredential, actas.Errorf(actas.EUNAUTHORIZED, "sign in first")
	}
	if !actas.ValidSecret(c.Value) {
		return refuse()
	}
	h := actas.HashSecret(c.Value)
	a, err := s.creds.get(h, func() (*actas.Account, error) { return s.store.SessionAccount(r.Context(), h, time.Now()) })
	if err = check(a, err); err != nil {
		if actas.ErrorCode(err) == actas.EINTERNAL {
			return nil, noCredential, err
		}
		return refuse()
	}
	return a, bySession, nil
}

// credentialTTL is how long an authenticated credential is trusted without
// asking the store again: a witness's phone or a load of submissions then
// costs one lookup every few seconds instead of two per request. A
// disabled account or an expired session is refused within this time;
// signing out forgets the session at once.
const credentialTTL = 2 * time.Second

// maxCachedCredentials bounds the cache; it is emptied when full.
const maxCachedCredentials = 100_000

// credentials caches the accounts of recently seen credentials (by the
// hash of their secret; refusals are not cached).
type credentials struct {
	mu sync.Mutex
	m  map[[32]byte]cachedAccount
}

type cachedAccount struct {
	a     *actas.Account
	until time.Time
}

func (c *credentials) get(h [32]byte, load func() (*actas.Account, error)) (*actas.Account, error) {
	now := time.Now()
	c.mu.Lock()
	if v, ok := c.m[h]; ok && now.Before(v.until) {
		c.mu.Unlock()
		return v.a, nil
	}
	c.mu.Unlock()
	a, err := load()
	if err != nil || a.Disabled {
		return a, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedCredentials {
		c.m = map[[32]byte]cachedAccount{}
	}
	c.m[h] = cachedAccount{a: a, until: now.Add(credentialTTL)}
	c.mu.Unlock()
	return a, nil
}

func (c *credentials) forget(h [32]byte) {
	c.mu.Lock()
	delete(c.m, h)
	c.mu.Unlock()
}

// crossOrigin refuses state-changing requests a browser sends on behalf of
// another site (http.CrossOriginProtection). Requests carrying an
// Authorization header are let through: they are authenticated by that
// header alone (authenticate), which another site cannot make a browser
// attach, so they cannot be forged this way.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	protected := s.cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Header["Authorization"]; ok {
			next.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// denyCrossOrigin answers a refused cross-origin request.
func (s *Server) denyCrossOrigin(w http.ResponseWriter, r *http.Request) {
	err := actas.Errorf(actas.EFORBIDDEN, "cross-origin request refused: send it from this site's own pages")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.apiError(w, r, err)
		return
	}
	s.pageError(w, r, s.langs.choose(w, r), nil, err)
}

// limiters rate-limits requests per key: sign-in attempts per client
// address, writes per account. The zero value limits sign-ins.
type limiters struct {
	mu    sync.Mutex
	byIP  map[string]*rate.Limiter // by client address or account
	every time.Duration            // 0: signInEvery
	burst int                      // 0: signInBurst
}

// allow takes one attempt from addr's allowance.
func (l *limiters) allow(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byIP == nil {
		l.byIP = make(map[string]*rate.Limiter)
	}
	lim := l.byIP[addr]
	if lim == nil {
		every, burst := l.every, l.burst
		if every == 0 {
			every, burst = signInEvery, signInBurst
		}
		if len(l.byIP) >= maxLimiters {
			// Forget the addresses whose allowance is full again: they
			// would get a fresh limiter in the same state.
			for k, v := range l.byIP {
				if v.TokensAt(now) >= float64(burst) {
					delete(l.byIP, k)
				}
			}
			if len(l.byIP) >= maxLimiters {
				return false // under attack from very many addresses: refuse rather than grow
			}
		}
		lim = rate.NewLimiter(rate.Every(every), burst)
		l.byIP[addr] = lim
	}
	return lim.AllowN(now, 1)
}

// allowWrite takes one write (a submission, a snapshot, an upload) from
// the account's allowance; errTooMany when it is spent.
func (s *Server) allowWrite(a *actas.Account) error {
	if s.writes.every < 0 || s.writes.allow(strconv.FormatInt(a.ID, 10), time.Now()) {
		return nil
	}
	return errTooMany
}

// errTooMany answers a write beyond the account's allowance: 429 with
// Retry-After, so that an offline queue on a phone backs off and retries.
var errTooMany = errors.New("too many requests from this account: wait a few seconds and send again (with the same idempotency key)")

// clientAddr is the address the rate limits count: the connection's peer.
// Behind a reverse proxy every client shares the proxy's address; the
// proxy should rate-limit itself.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		// One IPv6 client usually holds a whole /64.
		return ip.Mask(net.CIDRMask(64, 128)).String()
	}
	return host
}

// signInPage is the sign-in form's data.
type signInPage struct {
	Election  string
	Code      string
	Elections []link
	Refused   bool
	Limited   bool
	Next      string // a path of this site to return to after signing in
}

// maxNext bounds the return path a sign-in carries.
const maxNext = 512

// localPath returns p when it is a path of this site (one slash, no scheme
// or host, printable ASCII), so that a sign-in link cannot send anyone to
// another site; "" otherwise.
func localPath(p string) string {
	if len(p) > maxNext || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return ""
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c > '~' || c == '\\' {
			return ""
		}
	}
	if u, err := url.Parse(p); err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return p
}

// handleSignInForm shows the sign-in form. A code in the query (a sign-in
// link) fills the form but is not redeemed: link previewers fetch links.
func (s *Server) handleSignInForm(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	q := r.URL.Query()
	d := &signInPage{Election: q.Get("election"), Code: q.Get("code"), Next: localPath(q.Get("next"))}
	if !actas.ValidSecret(d.Code) {
		d.Code = ""
	}
	s.renderSignIn(w, r, l, http.StatusOK, d)
}

func (s *Server) renderSignIn(w http.ResponseWriter, r *http.Request, l *locale, status int, d *signInPage) {
	if d.Election == "" || !actas.ValidID(d.Election) {
		d.Election = ""
		if es, err := s.store.Elections(r.Context()); err == nil && len(es) == 1 {
			d.Election = es[0].ID
		}
	}
	pg := s.newPage(r, l, nil)
	pg.Title = l.t("signin.title")
	pg.Body = d
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "signin", pg)
}

// handleSignIn redeems a one-time code and starts a session in a cookie.
// Every refused code gets the same answer.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	now := time.Now()
	if !s.signIns.allow(clientAddr(r), now) {
		w.Header().Set("Retry-After", "60")
		s.renderSignIn(w, r, l, http.StatusTooManyRequests, &signInPage{Limited: true})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			status = http.StatusRequestEntityTooLarge
		}
		s.renderSignIn(w, r, l, status, &signInPage{Refused: true})
		return
	}
	election, code := strings.TrimSpace(r.PostForm.Get("election")), strings.TrimSpace(r.PostForm.Get("code"))
	a, err := s.store.RedeemCode(r.Context(), election, code, now)
	if err == nil && a.Disabled {
		err = actas.Errorf(actas.ENOTFOUND, "disabled")
	}
	if err != nil {
		if actas.ErrorCode(err) == actas.EINTERNAL {
			s.pageError(w, r, l, nil, err)
			return
		}
		s.renderSignIn(w, r, l, http.StatusUnauthorized, &signInPage{Election: election, Refused: true, Next: localPath(r.PostForm.Get("next"))})
		return
	}
	expires := now.Add(s.sessionTTL)
	plain, err := s.store.CreateSession(r.Context(), a.ID, expires)
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	name, secure := s.sessionCookie(r)
	http.SetCookie(w, &http.Cookie{Name: name, Value: plain, Path: "/", Expires: expires,
		MaxAge: int(s.sessionTTL / time.Second), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	to := electionURL(a.Election)
	if next := localPath(r.PostForm.Get("next")); next != "" {
		to = next
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// handleSignOut revokes the request's session, if any, and forgets the
// cookie; signing out twice is not an error.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	name, secure := s.sessionCookie(r)
	if c, err := r.Cookie(name); err == nil && actas.ValidSecret(c.Value) {
		h := actas.HashSecret(c.Value)
		s.creds.forget(h)
		err := s.store.RevokeSession(r.Context(), h)
		if err != nil && actas.ErrorCode(err) != actas.ENOTFOUND {
			s.pageError(w, r, s.langs.choose(w, r), nil, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

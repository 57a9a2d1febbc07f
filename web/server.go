package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/translog"
)

// Config is what the server reads from; cmd/actas builds it.
type Config struct {
	Store   actas.Store         // elections, stations, submissions, official totals
	Results actas.ResultService // tabulated results, kept current by the caller
	Logger  *slog.Logger        // nil: slog.Default()
	Version string              // shown in the footer

	// TotalsTTL bounds how long official totals loaded from the store are
	// shown before being reloaded (0: 10 s).
	TotalsTTL time.Duration
	// ShutdownTimeout bounds how long Close waits for requests in flight
	// (0: 10 s).
	ShutdownTimeout time.Duration
	// MaxStale is how long a cached page may still be served after the
	// results changed (0: 1 s; negative: never), so that while sheets
	// stream in each popular page is rendered at most once a second rather
	// than once per reader. Pages are cached only when Results can tell its
	// version (as tabulate.Tabulator can).
	MaxStale time.Duration

	// LogKey is the transparency log's verifier key (translog.VerifierKey),
	// shown on every page and served at /log/key; "" when the server was
	// not given it.
	LogKey string
	// CheckpointTTL bounds how long the latest checkpoint loaded from the
	// store is shown before being reloaded (0: 1 s); checkpoints are signed
	// by another part of the program, or another process.
	CheckpointTTL time.Duration

	// Consistency tunes the analyses of the consistency page: the zero
	// value runs every analysis with package consistency's defaults.
	// Analyses may leave some out; Progress is the server's own.
	Consistency consistency.Options
	// ConsistencyWait is how long a request waits for a contest's first
	// consistency report before answering that it is being computed
	// (0: 3 s; negative: not at all). Reports are always computed in the
	// background; a small election's is ready within the wait.
	ConsistencyWait time.Duration

	// SessionTTL is how long a sign-in lasts (0: 12 h; at most
	// actas.MaxCodeValidity).
	SessionTTL time.Duration
	// SecureCookies marks the session cookie Secure with the __Host-
	// prefix also on requests that arrive without TLS: set it when a
	// proxy in front terminates TLS. Requests over TLS always get them.
	SecureCookies bool
	// ReceiptWait is how long a submission waits for a signed checkpoint
	// that includes it before answering 202 without its receipt (0: 5 s;
	// negative: not at all).
	ReceiptWait time.Duration
	// Nudge, when set, is called after each batch of submissions is
	// stored, so that the checkpoint signer signs at once and the batch's
	// receipts come within milliseconds; the signer then calls
	// CheckpointKept.
	Nudge func(election string)
	// WriteRate is how many writes (submissions, snapshots, photo
	// uploads) an account may make per second, with bursts of 100
	// (0: 10; negative: no limit, for load tests). A witness sends a few
	// sheets and photos; a stolen token cannot flood the log.
	WriteRate float64
	// MaxBatch bounds the witnesses' submissions stored in one transaction
	// (0: 256; 1: one transaction each, no group commit, which `actas bench
	// submit` measures for comparison).
	MaxBatch int
}

// Server is the portal: one routing table over the store and the results.
// Build it with New, then either mount Handler or call Listen and Serve;
// Close shuts it down gracefully.
type Server struct {
	store     actas.Store
	results   actas.ResultService
	log       *slog.Logger
	version   string
	totalsTTL time.Duration
	shutdown  time.Duration
	maxStale  time.Duration
	logKey    string
	ckptTTL   time.Duration

	analysisOpts    consistency.Options
	consistencyWait time.Duration

	sessionTTL    time.Duration
	secureCookies bool
	receiptWait   time.Duration
	signIns       limiters                    // sign-in attempts per client address
	cop           *http.CrossOriginProtection // state-changing routes (auth.go)

	langs    *locales
	tmpl     map[string]map[string]*template.Template // language → page → template
	cssHref  string
	iconHref string
	submitJS string        // the witness form's script (form.go)
	uploads  chan struct{} // photo uploads being read (upload.go)
	handler  http.Handler

	elections sync.Map // id → *election
	cache     pageCache
	heavy     chan struct{} // one slot: the whole stations list is rendered one request at a time

	commit *committer  // group commit of witnesses' submissions (commit.go)
	signed signals     // wakes requests waiting for a checkpoint
	creds  credentials // accounts of recently seen credentials (auth.go)
	writes limiters    // writes per account (auth.go)
	nudge  func(election string)

	coverage coverageCache // station → witnesses, per election (coverage.go)

	bgCtx    context.Context // background work (official totals reloads)
	bgCancel context.CancelFunc
	bg       sync.WaitGroup

	mu   sync.Mutex
	http *http.Server
	ln   net.Listener
}

// New builds a server, parsing every template and catalog once; an error in
// any of them fails here rather than on a request.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Results == nil {
		return nil, actas.Errorf(actas.EINVALID, "web: Config needs a Store and a ResultService")
	}
	s := &Server{store: cfg.Store, results: cfg.Results, log: cfg.Logger, version: cfg.Version,
		totalsTTL: cfg.TotalsTTL, shutdown: cfg.ShutdownTimeout, maxStale: cfg.MaxStale,
		logKey: strings.TrimSpace(cfg.LogKey), ckptTTL: cfg.CheckpointTTL, heavy: make(chan struct{}, 1),
		analysisOpts: cfg.Consistency, consistencyWait: cfg.ConsistencyWait,
		sessionTTL: cfg.SessionTTL, secureCookies: cfg.SecureCookies, receiptWait: cfg.ReceiptWait}
	switch {
	case s.sessionTTL == 0:
		s.sessionTTL = defaultSessionTTL
	case s.sessionTTL < 0 || s.sessionTTL > actas.MaxCodeValidity:
		return nil, actas.Errorf(actas.EINVALID, "web: Config.SessionTTL %v is not between 0 and %v", cfg.SessionTTL, actas.MaxCodeValidity)
	}
	switch {
	case s.receiptWait == 0:
		s.receiptWait = defaultReceiptWait
	case s.receiptWait < 0:
		s.receiptWait = 0
	}
	s.cop = http.NewCrossOriginProtection()
	s.cop.SetDenyHandler(http.HandlerFunc(s.denyCrossOrigin))
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.totalsTTL <= 0 {
		s.totalsTTL = 10 * time.Second
	}
	if s.ckptTTL <= 0 {
		s.ckptTTL = time.Second
	}
	if s.logKey != "" {
		if _, err := translog.NewVerifier(s.logKey); err != nil {
			return nil, fmt.Errorf("web: Config.LogKey: %w", err)
		}
	}
	if s.shutdown <= 0 {
		s.shutdown = 10 * time.Second
	}
	switch {
	case s.consistencyWait == 0:
		s.consistencyWait = defaultConsistencyWait
	case s.consistencyWait < 0:
		s.consistencyWait = 0
	}
	for _, a := range s.analysisOpts.Analyses {
		if _, err := consistency.ParseAnalysis(string(a)); err != nil {
			return nil, fmt.Errorf("web: Config.Consistency: %w", err)
		}
	}
	s.analysisOpts.Progress = nil
	switch {
	case s.maxStale == 0:
		s.maxStale = time.Second
	case s.maxStale < 0:
		s.maxStale = 0
	}
	var err error
	if s.langs, err = loadLocales(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.tmpl, err = parseTemplates(s.langs); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	hash, err := staticHash(sub)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.cssHref, s.iconHref = staticURL("style.css", hash), staticURL("icon.svg", hash)
	s.submitJS = staticURL("submit.js", hash)
	s.uploads = make(chan struct{}, maxUploads)
	s.bgCtx, s.bgCancel = context.WithCancel(context.Background())
	s.nudge = cfg.Nudge
	switch {
	case cfg.WriteRate < 0:
		s.writes.every = -1
	case cfg.WriteRate == 0:
		s.writes.every, s.writes.burst = 100*time.Millisecond, writeBurst
	default:
		s.writes.every, s.writes.burst = time.Duration(float64(time.Second)/cfg.WriteRate), writeBurst
	}
	s.commit = newCommitter(s, cfg.MaxBatch)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.commit.run(s.bgCtx)
	}()
	s.handler = s.secure(s.recoverPanics(s.routes(staticHandler(sub, hash))))
	return s, nil
}

// routes is the routing table: every route, page and API, in one place.
// Pages and the public API serve GET (and so HEAD) only; the few routes
// that change state (sign-in, sign-out, submissions, photo uploads:
// auth.go, submit.go, upload.go)
// are POST behind cross-origin protection. Other methods get 405.
func (s *Server) routes(static http.Handler) *http.ServeMux {
	mux := http.NewServeMux()

	mux.HandleFunc("GET /{$}", s.handleIndex)
	mux.HandleFunc("GET /search", s.handleGlobalSearch)
	mux.HandleFunc("GET /e/{election}", s.cached(s.handleArea))
	mux.HandleFunc("GET /e/{election}/{$}", s.handleArea) // redirects to the line above
	mux.HandleFunc("GET /e/{election}/a", s.cached(s.handleArea))
	mux.HandleFunc("GET /e/{election}/a/{path...}", s.cached(s.handleArea))
	mux.HandleFunc("GET /e/{election}/s/{station}", s.cached(s.handleStation))
	mux.HandleFunc("GET /e/{election}/search", s.cached(s.handleSearch))
	mux.HandleFunc("GET /e/{election}/consistency", s.handleConsistencyPage) // its reports are kept per results version (consistency.go)
	mux.HandleFunc("GET /e/{election}/log", s.handleLog)
	mux.HandleFunc("GET /e/{election}/log/{index}", s.handleEntry)
	mux.HandleFunc("GET /e/{election}/audits", s.handleAudits) // audits (audit.go): not in the page cache, their records do not change the results
	mux.HandleFunc("GET /e/{election}/audits/{id}", s.handleAudit)
	mux.HandleFunc("GET /e/{election}/audits/{id}/{file}", s.handleAuditFile)
	mux.HandleFunc("GET /e/{election}/audits/{id}/rounds/{round}", s.handleAuditRound)
	mux.HandleFunc("GET /evidence/{election}/{sha256}", s.handleEvidence) // not cached: files are large, and cached by browsers
	mux.Handle("GET /static/", static)
	mux.HandleFunc("GET /", s.handleNotFound)

	mux.HandleFunc("GET /signin", s.handleSignInForm)
	mux.Handle("POST /signin", s.crossOrigin(http.HandlerFunc(s.handleSignIn)))
	mux.Handle("POST /signout", s.crossOrigin(http.HandlerFunc(s.handleSignOut)))
	mux.Handle("POST /api/v1/elections/{election}/submissions", s.crossOrigin(http.HandlerFunc(s.apiSubmit)))
	mux.Handle("POST /api/v1/elections/{election}/evidence", s.crossOrigin(http.HandlerFunc(s.apiUpload)))
	mux.HandleFunc("GET /e/{election}/submit", s.handleForm) // per account: never cached (form.go)
	mux.HandleFunc("GET /e/{election}/sw.js", s.handleWorker)
	mux.HandleFunc("GET /e/{election}/key", s.handleKeyPage) // per account: never cached (key.go)
	mux.Handle("POST /e/{election}/key", s.crossOrigin(http.HandlerFunc(s.handleKey)))
	mux.HandleFunc("GET /e/{election}/review", s.handleReviewPage) // per account: never cached (review.go)
	mux.Handle("POST /e/{election}/review", s.crossOrigin(http.HandlerFunc(s.handleDecide)))
	mux.Handle("POST /e/{election}/audits/{id}/draw", s.crossOrigin(http.HandlerFunc(s.handleAuditDraw)))
	mux.Handle("POST /e/{election}/audits/{id}/risk", s.crossOrigin(http.HandlerFunc(s.handleAuditRisk)))
	mux.HandleFunc("GET /e/{election}/audits/{id}/count", s.handleAuditCountPage) // per account: never cached
	mux.Handle("POST /e/{election}/audits/{id}/count", s.crossOrigin(http.HandlerFunc(s.handleAuditCount)))
	mux.Handle("POST /api/v1/elections/{election}/snapshots", s.crossOrigin(http.HandlerFunc(s.apiSnapshot)))
	mux.HandleFunc("GET /api/v1/elections/{election}/turnout", s.apiTurnout)
	mux.HandleFunc("GET /e/{election}/coverage", s.handleCoverage)             // per account, with contacts: never cached (coverage.go)
	mux.HandleFunc("GET /api/v1/elections/{election}/coverage", s.apiCoverage) // the same, in JSON
	mux.HandleFunc("GET /e/{election}/incidents/new", s.handleIncidentForm)    // per account: never cached (incident.go)
	mux.Handle("POST /e/{election}/incidents/new", s.crossOrigin(http.HandlerFunc(s.handleReportIncident)))
	mux.HandleFunc("GET /e/{election}/incidents/review", s.handleIncidentReview)
	mux.Handle("POST /e/{election}/incidents/review", s.crossOrigin(http.HandlerFunc(s.handleModerate)))
	mux.HandleFunc("GET /e/{election}/incidents", s.handleIncidents)             // published only; not cached, moderation does not change the results version
	mux.HandleFunc("GET /api/v1/elections/{election}/incidents", s.apiIncidents) // the same, in JSON

	mux.HandleFunc("GET /api/v1/elections", s.apiElections)
	mux.HandleFunc("GET /api/v1/elections/{election}", s.cached(s.apiElection))
	mux.HandleFunc("GET /api/v1/elections/{election}/results", s.cached(s.apiResults))
	mux.HandleFunc("GET /api/v1/elections/{election}/areas/{path...}", s.cached(s.apiArea))
	mux.HandleFunc("GET /api/v1/elections/{election}/stations/{station}", s.cached(s.apiStation))
	mux.HandleFunc("GET /api/v1/elections/{election}/search", s.cached(s.apiSearch))
	mux.HandleFunc("GET /api/v1/elections/{election}/stations.csv", s.apiStationsCSV)
	mux.HandleFunc("GET /api/v1/elections/{election}/export/{format}", s.apiExport) // open data (export.go): streamed, not cached
	mux.HandleFunc("GET /api/v1/elections/{election}/consistency", s.apiConsistencyReport)
	mux.HandleFunc("GET /api/v1/elections/{election}/audits/{id}", s.apiAudit)
	mux.HandleFunc("GET /api/", s.apiNotFound)

	// The transparency log (log.go): not cached, it changes with every entry.
	mux.HandleFunc("GET /log/key", s.handleLogKey)
	mux.HandleFunc("GET /log/{election}/checkpoint", s.handleCheckpoint)
	mux.HandleFunc("GET /log/{election}/checkpoints", s.handleCheckpoints)
	mux.HandleFunc("GET /log/{election}/entries", s.handleEntries)
	mux.HandleFunc("GET /log/{election}/proof/inclusion", s.handleInclusion)
	mux.HandleFunc("GET /log/{election}/proof/consistency", s.handleConsistency)
	mux.HandleFunc("GET /log/{election}/receipt/{index}", s.handleReceipt)
	mux.HandleFunc("GET /log/{election}/tile/{tile...}", s.handleTile)
	mux.HandleFunc("GET /log/", s.apiNotFound)
	return mux
}

// Handler returns the server's HTTP handler, with its security headers.
func (s *Server) Handler() http.Handler { return s.handler }

// contentSecurityPolicy allows nothing from another origin and no script at
// all: pages work without JavaScript.
const contentSecurityPolicy = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'; img-src 'self'; style-src 'self'"

// secure sets the headers every response carries.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/log/") {
			// Public, read-only, no credentials: any site may build on it.
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		} else {
			h.Set("Cross-Origin-Resource-Policy", "same-origin")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Results change as sheets arrive: revalidate every time.
			h.Set("Cache-Control", "no-cache")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into a logged 500 instead of a
// dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Listen binds addr (e.g. ":8080" or "127.0.0.1:0") and returns the URL the
// portal answers on; Serve then serves it.
func (s *Server) Listen(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return "", actas.Errorf(actas.ECONFLICT, "web: server already listening on %s", s.ln.Addr())
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("web: listen %s: %w", addr, err)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      2 * time.Minute, // whole-level CSV downloads
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return listenURL(ln.Addr()), nil
}

// listenURL is the URL to print for a listener: a wildcard address is shown
// as localhost.
func listenURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String() + "/"
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port)) + "/"
}

// Serve serves the listener bound by Listen until Close; it returns nil
// after Close.
func (s *Server) Serve() error {
	s.mu.Lock()
	srv, ln := s.http, s.ln
	s.mu.Unlock()
	if srv == nil {
		return actas.Errorf(actas.EINVALID, "web: Serve before Listen")
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web: serve: %w", err)
	}
	return nil
}

// Close stops accepting connections, waits up to the shutdown timeout for
// requests in flight, and stops background work: a consistency report
// being computed stops after the analysis under way. It may be called
// more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	srv, ln := s.http, s.ln
	s.mu.Unlock()
	var err error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
		defer cancel()
		if e := srv.Shutdown(ctx); e != nil {
			err = fmt.Errorf("web: shutdown: %w", e)
			srv.Close()
		}
	}
	if ln != nil {
		ln.Close() // Shutdown closes only the listeners Serve was given
	}
	s.bgCancel()
	s.bg.Wait()
	return err
}

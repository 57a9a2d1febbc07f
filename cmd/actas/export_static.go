package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/web"
	"golang.org/x/mod/sumdb/tlog"
)

// The static copy's own files, beside the portal's.
const (
	staticMeta     = "actas-static.json" // what `actas log verify` reads first (staticInfo)
	staticManifest = ".actas-static"     // path → SHA-256 of every file written, for re-exports
	staticFormat   = "actas-static/1"
)

// staticInfo is actas-static.json: it marks a directory (or a site) as a
// static copy and says what a reader cannot find out from the files alone.
type staticInfo struct {
	Format    string           `json:"format"`
	Generated time.Time        `json:"generated"`
	Version   string           `json:"version"`
	Elections []staticElection `json:"elections"`
}

type staticElection struct {
	ID string `json:"id"`
	// LogSize is the number of entries exported (tile/8/data/…): the
	// store's log, which may run ahead of the latest checkpoint.
	LogSize int64 `json:"log_size"`

	signed int // checkpoints kept when the export began
}

func runExportStatic(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "export --static", "--dir DIR --base-url URL [--db DB] [--election ID] [--key FILE | --log-key VKEY]",
		"Renders the public portal to files in DIR, so that any static web server or CDN can serve it\n"+
			"and `actas log verify --url` can verify it (docs/static.md): every page of the elections, their\n"+
			"areas, stations and log entries, the JSON API's public GETs, stations.csv, evidence photos, the\n"+
			"log's checkpoints, entries and tiles. Search, sign-in and the witness form are dynamic and left out.\n"+
			"A re-export writes only the files that changed and deletes those no longer produced.")
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", "export only this election (default: all)")
	dir := flags.String("dir", "", "directory to write (created if missing)")
	baseURL := flags.String("base-url", "", "the address the copy will be served at, e.g. https://results.example.org/\n"+
		"(pages show it in the commands that verify the log); the copy must be at the root of its host")
	keyFile := flags.String("key", "", keyFlagUsage)
	logKey := flags.String("log-key", "", "the log's verifier key, shown on every page, when the signing key is not beside the database")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *dir == "" {
		return &usageError{"export --static: --dir is required"}
	}
	base, err := staticBase(*baseURL)
	if err != nil {
		return err
	}
	dbPath := dbFlag(env, *db)
	key, _, err := loadSigningKey(env, dbPath, *keyFile)
	if err != nil {
		return err
	}
	vkey, err := servedVerifierKey(key, *logKey)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, dbPath, true)
	if err != nil {
		return err
	}
	defer store.Close()
	tab, err := loadResults(ctx, store)
	if err != nil {
		return err
	}
	srv, err := web.New(web.Config{Store: store, Results: tab, LogKey: vkey, Version: version,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Every page is rendered once from a store nobody writes to here:
		// wait for the consistency reports rather than export "being
		// computed", and never serve a stale page.
		ConsistencyWait: 30 * time.Minute, MaxStale: -1})
	if err != nil {
		return err
	}
	defer srv.Close()
	x, err := newStaticExport(ctx, env, *dir, base, srv.Handler())
	if err != nil {
		return err
	}
	elections, err := store.Elections(ctx)
	if err != nil {
		return err
	}
	if *electionID != "" {
		e, err := store.Election(ctx, *electionID)
		if err != nil {
			return err
		}
		elections = []*actas.Election{e}
	}
	start := time.Now()
	info := staticInfo{Format: staticFormat, Generated: start.UTC().Truncate(time.Second), Version: version}
	x.addPage("/")
	for _, e := range elections {
		se, err := x.addElection(ctx, store, tab, e)
		if err != nil {
			return err
		}
		info.Elections = append(info.Elections, se)
	}
	if err := x.run(ctx); err != nil {
		return err
	}
	meta, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	// The generation time alone must not rewrite the file: keep the old
	// one when nothing else in it changed.
	if old, err := os.ReadFile(filepath.Join(*dir, staticMeta)); err == nil {
		var prev staticInfo
		if json.Unmarshal(old, &prev) == nil {
			prev.Generated = info.Generated
			if p, err := json.MarshalIndent(prev, "", "  "); err == nil && bytes.Equal(p, meta) {
				meta = old
			}
		}
	}
	if err := x.put(staticMeta, append(bytes.TrimSuffix(meta, []byte("\n")), '\n')); err != nil {
		return err
	}
	if err := x.put("_headers", []byte(staticHeaders)); err != nil {
		return err
	}
	if err := x.put("README.txt", []byte(staticReadme)); err != nil {
		return err
	}
	if err := x.finish(); err != nil {
		return err
	}
	// A checkpoint signed meanwhile (by `actas serve` on the same store)
	// may be in the checkpoint files without its tiles and entries.
	for _, se := range info.Elections {
		cps, err := store.Checkpoints(ctx, se.ID)
		if err != nil {
			return err
		}
		if len(cps) != se.signed {
			return actas.Errorf(actas.ECONFLICT, "export --static: election %s: a checkpoint was signed during the export, which may not hold it whole: export again (only what changed is written)", se.ID)
		}
	}
	fmt.Fprintf(env.Stdout, "static copy in %s: %d files written, %d unchanged, %d removed (%.1f s)\n",
		*dir, x.written, x.unchanged, x.removed, time.Since(start).Seconds())
	if len(x.skipped) > 0 {
		fmt.Fprintf(env.Stdout, "%d linked addresses not exported (not found, or not public), first: %s\n", len(x.skipped), x.skipped[0])
	}
	return nil
}

// staticExport renders addresses with the portal's handler and writes
// them to dir. Pages (under / and /e/) are rendered first, following their
// links; then the files (API, log, assets, evidence), whose layout depends
// on every address exported (see fileFor).
type staticExport struct {
	ctx  context.Context
	env  *Env
	dir  string
	base string // scheme://host the copy is served at
	h    http.Handler

	seen     map[string]bool // every address queued, escaped, without query
	pages    []string        // HTML pages still to render
	files    []string        // other addresses, rendered after the pages
	required map[string]bool // files whose absence is an error, not a skip
	skipped  []string

	old   map[string]manifestEntry // the previous export's manifest
	made  map[string]manifestEntry // this export's
	dirs  map[string]bool          // file paths that are directories
	total int

	written, unchanged, removed int
}

type manifestEntry struct {
	sum  string
	size int64
}

// staticBase checks --base-url and returns its scheme and host: pages link
// with absolute paths (/e/…), so the copy is served at the root of a host.
func staticBase(raw string) (string, error) {
	if raw == "" {
		return "", &usageError{"export --static: --base-url is required: the address the copy will be served at (pages show it)"}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", &usageError{fmt.Sprintf("export --static: --base-url %q is not an http or https address", clipArg(raw))}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", &usageError{fmt.Sprintf("export --static: --base-url %q has a path: the portal's links start at /, so the copy must be served at the root of its host", clipArg(raw))}
	}
	return u.Scheme + "://" + u.Host, nil
}

func newStaticExport(ctx context.Context, env *Env, dir, base string, h http.Handler) (*staticExport, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, actas.Errorf(actas.EINVALID, "export --static: %v", err)
	}
	old, err := readStaticManifest(filepath.Join(dir, staticManifest))
	if err != nil {
		return nil, err
	}
	return &staticExport{ctx: ctx, env: env, dir: dir, base: base, h: h, seen: map[string]bool{}, required: map[string]bool{},
		old: old, made: map[string]manifestEntry{}}, nil
}

// readStaticManifest reads the manifest of a previous export: lines of
// "sha256 size path". A missing manifest is an empty one (a first export).
func readStaticManifest(name string) (map[string]manifestEntry, error) {
	m := map[string]manifestEntry{}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "export --static: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for line := 1; sc.Scan(); line++ {
		sum, rest, ok1 := strings.Cut(sc.Text(), " ")
		size, p, ok2 := strings.Cut(rest, " ")
		n, err := strconv.ParseInt(size, 10, 64)
		if !ok1 || !ok2 || err != nil || len(sum) != 64 || !fs.ValidPath(p) {
			return nil, actas.Errorf(actas.EINVALID, "%s line %d: not \"sha256 size path\": delete the file to export everything again", name, line)
		}
		m[p] = manifestEntry{sum, n}
	}
	if err := sc.Err(); err != nil {
		return nil, actas.Errorf(actas.EINVALID, "%s: %v", name, err)
	}
	return m, nil
}

// addPage queues an HTML page; addFile queues any other address.
func (x *staticExport) addPage(u string) {
	if !x.seen[u] {
		x.seen[u] = true
		x.pages = append(x.pages, u)
	}
}

func (x *staticExport) addFile(u string, required bool) {
	if required {
		x.required[u] = true
	}
	if !x.seen[u] {
		x.seen[u] = true
		x.files = append(x.files, u)
	}
}

// addElection queues every address of an election that is known from the
// data, so that nothing depends on the pages linking it (a station list
// is paged with ?page=, which a static copy cannot follow).
func (x *staticExport) addElection(ctx context.Context, store actas.Store, tab resultsLevels, e *actas.Election) (staticElection, error) {
	id := e.ID
	ep := url.PathEscape(id)
	api := "/api/v1/elections/" + ep
	x.addFile("/api/v1/elections", true)
	x.addFile(api, true)
	x.addFile(api+"/results", true)
	x.addFile(api+"/stations.csv", true)
	x.addFile(api+"/consistency", false)
	x.addFile(api+"/areas/", true)
	x.addPage(web.AreaURL(id, ""))
	x.addPage(web.LogURL(id))
	x.addPage("/e/" + ep + "/consistency")

	levels := append([]string{actas.National}, e.Levels...)
	for _, c := range e.Contests {
		views := append([]actas.Source{actas.Reconciled}, tab.Sources(id)...)
		for _, src := range views {
			for _, level := range levels {
				x.addFile(resultsFile(id, c.ID, src, level), true)
			}
		}
	}
	if len(e.Contests) > 0 {
		for _, level := range e.Levels {
			areas, err := tab.Level(id, e.Contests[0].ID, actas.Reconciled, level, "")
			if err != nil {
				return staticElection{}, err
			}
			for _, a := range areas {
				addStatic(x.addPage, web.AreaURL(id, a.Path))
				addStatic(func(u string) { x.addFile(u, false) }, web.APIAreaURL(id, a.Path))
			}
		}
	}
	stations, err := store.Stations(ctx, id)
	if err != nil {
		return staticElection{}, err
	}
	for _, st := range stations {
		x.addPage(web.StationURL(id, st.Code))
		x.addFile(api+"/stations/"+url.PathEscape(st.Code), false)
	}

	logp := web.APILogURL(id)
	// Checkpoints first: the log then holds at least what they sign, and
	// its tiles are exported for every size a reader may ask about.
	cps, err := store.Checkpoints(ctx, id)
	if err != nil {
		return staticElection{}, err
	}
	size, err := store.LogSize(ctx, id)
	if err != nil {
		return staticElection{}, err
	}
	if len(cps) > 0 {
		x.addFile("/log/key", false)
		x.addFile(logp+"/checkpoint", true)
		x.addFile(logp+"/checkpoints", true)
	}
	signed := int64(0)
	sizes := []int64{size}
	for _, cp := range cps {
		sizes = append(sizes, cp.Size)
		signed = max(signed, cp.Size)
	}
	for _, t := range staticTiles(sizes) {
		x.addFile(logp+"/"+t.Path(), true)
	}
	for i := int64(0); i < size; i++ {
		x.addPage(web.EntryURL(id, i))
		if i < signed {
			x.addFile(logp+"/receipt/"+strconv.FormatInt(i, 10), false)
		}
	}
	for n := int64(0); n<<8 < size; n++ {
		x.addFile(logp+"/"+dataTile(n, size).Path(), true)
	}
	return staticElection{ID: id, LogSize: size, signed: len(cps)}, nil
}

// resultsLevels is the part of the tabulation the export enumerates.
type resultsLevels interface {
	Sources(election string) []actas.Source
	Level(election, contest string, source actas.Source, level, within string) ([]*actas.AreaResult, error)
}

// addStatic queues u unless it needs a query, which a file cannot answer.
func addStatic(add func(string), u string) {
	if !strings.Contains(u, "?") {
		add(u)
	}
}

// resultsFile is where the static copy keeps a level's results in CSV:
// the portal serves them at /results?contest=&source=&level=&format=csv,
// a query no file can answer.
func resultsFile(id, contest string, src actas.Source, level string) string {
	return "/api/v1/elections/" + url.PathEscape(id) + "/results/" + url.PathEscape(contest) + "/" +
		url.PathEscape(string(src)) + "/" + url.PathEscape(level) + ".csv"
}

// dataTile is the tile of entries n (256 entries from n*256) of a log of
// size entries, in the tlog tiles layout (tile/8/data/N[.p/W]).
func dataTile(n, size int64) tlog.Tile {
	return tlog.Tile{H: 8, L: -1, N: n, W: int(min(256, size-n<<8))}
}

// staticTiles are the hash tiles a reader of a tree of any of sizes reads:
// the tiles of each size, partial ones included.
func staticTiles(sizes []int64) []tlog.Tile {
	sizes = slices.Clone(sizes)
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	var out []tlog.Tile
	prev := int64(0)
	for _, s := range sizes {
		if s > prev {
			out = append(out, tlog.NewTiles(8, prev, s)...)
			prev = s
		}
	}
	return out
}

// render answers GET u with the portal's handler.
func (x *staticExport) render(u string) *httptest.ResponseRecorder {
	target := u
	if strings.Contains(u, "/tile/8/data/") {
		// Entries are served as bundles of a range, asked with a query.
		target = entriesQuery(u)
	} else if strings.HasPrefix(u, "/api/v1/elections/") && strings.HasSuffix(u, ".csv") && strings.Contains(u, "/results/") {
		target = resultsQuery(u)
	}
	r := httptest.NewRequest(http.MethodGet, x.base+target, nil).WithContext(x.ctx)
	w := httptest.NewRecorder()
	x.h.ServeHTTP(w, r)
	return w
}

// renderAhead renders the next addresses of a queue on the other cores
// while the caller writes the current one: most of an export's time is
// the handler's, and its pages are independent.
type renderAhead struct {
	batch map[string]*httptest.ResponseRecorder
}

// aheadBatch bounds the pages held in memory at once.
const aheadBatch = 64

// get returns the rendering of u, rendering u and up to aheadBatch of next
// in parallel when u is not rendered yet.
func (a *renderAhead) get(x *staticExport, u string, next []string) *httptest.ResponseRecorder {
	if w, ok := a.batch[u]; ok {
		delete(a.batch, u)
		return w
	}
	us := append([]string{u}, next[:min(len(next), aheadBatch-1)]...)
	ws := make([]*httptest.ResponseRecorder, len(us))
	var wg sync.WaitGroup
	work := make(chan int)
	for range max(runtime.GOMAXPROCS(0), 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				ws[i] = x.render(us[i])
			}
		}()
	}
	for i := range us {
		work <- i
	}
	close(work)
	wg.Wait()
	a.batch = make(map[string]*httptest.ResponseRecorder, len(us))
	for i, v := range us[1:] {
		a.batch[v] = ws[i+1]
	}
	return ws[0]
}

// entriesQuery maps /log/ID/tile/8/data/N[.p/W] to the portal's
// /log/ID/entries?start=&end=.
func entriesQuery(u string) string {
	prefix, rest, _ := strings.Cut(u, "/tile/8/data/")
	t, err := tlog.ParseTilePath("tile/8/data/" + rest)
	if err != nil {
		return u
	}
	from := t.N << 8
	return prefix + "/entries?start=" + strconv.FormatInt(from, 10) + "&end=" + strconv.FormatInt(from+int64(t.W), 10)
}

// resultsQuery maps resultsFile's form back to the portal's query.
func resultsQuery(u string) string {
	prefix, rest, _ := strings.Cut(u, "/results/")
	parts := strings.Split(strings.TrimSuffix(rest, ".csv"), "/")
	if len(parts) != 3 {
		return u
	}
	q := url.Values{"format": {"csv"}}
	for i, k := range []string{"contest", "source", "level"} {
		v, err := url.PathUnescape(parts[i])
		if err != nil {
			return u
		}
		q.Set(k, v)
	}
	return prefix + "/results?" + q.Encode()
}

// linkRE finds the addresses an HTML page links or loads.
var linkRE = regexp.MustCompile(`(?:href|src|action)\s*=\s*"([^"]*)"`)

// links returns the portal's own addresses in a page, escaped, without
// query or fragment.
func links(page []byte) []string {
	var out []string
	for _, m := range linkRE.FindAllSubmatch(page, -1) {
		u, err := url.Parse(html.UnescapeString(string(m[1])))
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			continue
		}
		out = append(out, u.EscapedPath())
	}
	return out
}

// dynamic reports whether u answers per request or per account, so that a
// static copy leaves it out.
func dynamic(u string) bool {
	switch {
	case u == "/search" || u == "/signin" || u == "/signout":
		return true
	case strings.HasPrefix(u, "/e/"):
		rest := strings.SplitN(strings.TrimPrefix(u, "/e/"), "/", 3)
		if len(rest) == 3 && rest[1] == "audits" && strings.HasSuffix(rest[2], "/count") {
			return true // an audit's counting form, per account
		}
		return len(rest) == 2 && slices.Contains([]string{"search", "submit", "key", "review", "sw.js"}, rest[1])
	case strings.HasPrefix(u, "/api/v1/elections/"):
		rest := strings.SplitN(strings.TrimPrefix(u, "/api/v1/elections/"), "/", 3)
		return len(rest) >= 2 && slices.Contains([]string{"search", "turnout", "submissions", "evidence", "snapshots"}, rest[1])
	case strings.HasPrefix(u, "/log/"):
		return strings.Contains(u, "/proof/") || strings.HasSuffix(u, "/entries")
	}
	return false
}

// isPage reports whether u is rendered as an HTML page.
func isPage(u string) bool { return u == "/" || strings.HasPrefix(u, "/e/") }

// run renders the pages, following their links, then the files.
func (x *staticExport) run(ctx context.Context) error {
	bar := newProgress(x.env, int64(len(x.pages)+len(x.files)), "static export", "files")
	defer bar.done()
	done := 0
	var redirects [][2]string // address, Location
	var ahead renderAhead
	for len(x.pages) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		u := x.pages[0]
		x.pages = x.pages[1:]
		w := ahead.get(x, u, x.pages)
		done++
		bar.set(done)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			if loc := w.Header().Get("Location"); w.Code/100 == 3 && loc != "" {
				x.follow(loc)
				redirects = append(redirects, [2]string{u, loc})
				continue
			}
			x.skipped = append(x.skipped, fmt.Sprintf("%s (%d)", u, w.Code))
			continue
		}
		body := w.Body.Bytes()
		for _, l := range links(body) {
			x.follow(l)
		}
		p, err := filePath(u)
		if err != nil {
			x.skipped = append(x.skipped, u+" (no file name)")
			continue
		}
		if err := x.put(path.Join(p, "index.html"), body); err != nil {
			return err
		}
	}
	// A redirect (/ to the only election) becomes a page that sends the
	// browser on, unless the address is a page already (/e/ID/ is /e/ID).
	for _, r := range redirects {
		p, err := filePath(r[0])
		if err != nil {
			continue
		}
		if _, ok := x.made[path.Join(p, "index.html")]; ok {
			continue
		}
		if err := x.put(path.Join(p, "index.html"), redirectPage(r[1])); err != nil {
			return err
		}
	}
	// A file that is also the start of other addresses becomes a
	// directory's index (see fileFor).
	x.dirs = map[string]bool{}
	for u := range x.seen {
		if p, err := filePath(u); err == nil {
			for d := path.Dir(p); d != "." && !x.dirs[d]; d = path.Dir(d) {
				x.dirs[d] = true
			}
			if isPage(u) {
				x.dirs[p] = true
			}
		}
	}
	slices.Sort(x.files) // tiles and entries in order, for a reader of the directory
	ahead = renderAhead{}
	for i, u := range x.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		w := ahead.get(x, u, x.files[i+1:])
		done++
		bar.set(done)
		if w.Code != http.StatusOK {
			if x.required[u] {
				return actas.Errorf(actas.EINVALID, "export --static: GET %s: %d %s", u, w.Code, strings.TrimSpace(w.Body.String()))
			}
			x.skipped = append(x.skipped, fmt.Sprintf("%s (%d)", u, w.Code))
			continue
		}
		p, err := x.fileFor(u, w.Header().Get("Content-Type"))
		if err != nil {
			x.skipped = append(x.skipped, u+" (no file name)")
			continue
		}
		if err := x.put(p, w.Body.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// redirectPage is what a static copy serves for an address the portal
// redirects: a page that sends the browser to loc.
func redirectPage(loc string) []byte {
	l := html.EscapeString(loc)
	return []byte("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url=" + l +
		"\"><link rel=\"canonical\" href=\"" + l + "\"><title>actas</title></head>\n<body><p><a href=\"" + l + "\">" + l + "</a></p></body></html>\n")
}

// follow queues a linked address of the portal, unless dynamic.
func (x *staticExport) follow(l string) {
	u, err := url.Parse(l)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return
	}
	p := u.EscapedPath()
	switch {
	case p == "" || dynamic(p) || x.seen[p]:
	case isPage(p):
		x.addPage(p)
	case x.dirs == nil:
		x.addFile(p, false)
	}
}

// filePath is the slash-separated file path of address u: its decoded
// path, as a static server maps it, refused when it would not come back
// to the same address (dot segments, empty names).
func filePath(u string) (string, error) {
	p, err := url.PathUnescape(u)
	if err != nil {
		return "", err
	}
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return ".", nil
	}
	if !fs.ValidPath(p) || strings.ContainsAny(p, "\\\x00\n\r") {
		return "", actas.Errorf(actas.EINVALID, "%q has no file name", u)
	}
	return p, nil
}

// fileFor is where a non-page address is written: at its own path, or,
// when other addresses continue it (/api/v1/elections/ID and
// /api/v1/elections/ID/results) or it ends in a slash, as the index of
// that directory, index.json (or index.csv, index.txt) by its type. A
// plain file server then serves it at …/index.json; a server configured as
// docs/static.md says serves it at its own address too.
func (x *staticExport) fileFor(u, contentType string) (string, error) {
	p, err := filePath(u)
	if err != nil {
		return "", err
	}
	if !x.dirs[p] && !strings.HasSuffix(u, "/") && p != "." {
		return p, nil
	}
	ext := ".bin"
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		switch mt {
		case "application/json":
			ext = ".json"
		case "text/csv":
			ext = ".csv"
		case "text/plain":
			ext = ".txt"
		}
	}
	return path.Join(p, "index"+ext), nil
}

// put writes body at the slash-separated path p under the directory,
// unless the previous export wrote the same bytes there; a changed file is
// replaced atomically (a temporary file renamed over it).
func (x *staticExport) put(p string, body []byte) error {
	sum := sha256.Sum256(body)
	me := manifestEntry{hex.EncodeToString(sum[:]), int64(len(body))}
	if _, dup := x.made[p]; dup {
		return nil // two addresses of one file (/e/x and /e/x/)
	}
	x.made[p] = me
	name := filepath.Join(x.dir, filepath.FromSlash(p))
	if old, ok := x.old[p]; ok && old == me {
		if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() && fi.Size() == me.size {
			x.unchanged++
			return nil
		}
	}
	if err := x.mkdir(path.Dir(p)); err != nil {
		return err
	}
	if err := writeAtomic(name, body); err != nil {
		return actas.Errorf(actas.EINVALID, "export --static: %v", err)
	}
	x.written++
	return nil
}

// mkdir makes directory d (slash-separated) under the export, first
// removing a file the previous export left where a directory now goes.
func (x *staticExport) mkdir(d string) error {
	if d == "." {
		return nil
	}
	name := filepath.Join(x.dir, filepath.FromSlash(d))
	err := os.MkdirAll(name, 0o755)
	if err == nil {
		return nil
	}
	for q := d; q != "."; q = path.Dir(q) {
		fi, serr := os.Lstat(filepath.Join(x.dir, filepath.FromSlash(q)))
		if serr == nil && !fi.IsDir() {
			if _, ours := x.old[q]; !ours {
				return actas.Errorf(actas.EINVALID, "export --static: %s is a file this export did not write, where a directory goes", q)
			}
			if err := os.Remove(filepath.Join(x.dir, filepath.FromSlash(q))); err != nil {
				return actas.Errorf(actas.EINVALID, "export --static: %v", err)
			}
			break
		}
	}
	if err := os.MkdirAll(name, 0o755); err != nil {
		return actas.Errorf(actas.EINVALID, "export --static: %v", err)
	}
	return nil
}

func writeAtomic(name string, body []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// finish deletes the files of the previous export that this one did not
// produce (and directories left empty), then writes the manifest.
func (x *staticExport) finish() error {
	var gone []string
	for p := range x.old {
		if _, ok := x.made[p]; !ok {
			gone = append(gone, p)
		}
	}
	slices.Sort(gone)
	for _, p := range gone {
		name := filepath.Join(x.dir, filepath.FromSlash(p))
		fi, err := os.Lstat(name)
		if err != nil || !fi.Mode().IsRegular() {
			continue // gone already, or now a directory of this export
		}
		if err := os.Remove(name); err != nil {
			return actas.Errorf(actas.EINVALID, "export --static: %v", err)
		}
		x.removed++
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if os.Remove(filepath.Join(x.dir, filepath.FromSlash(d))) != nil {
				break // not empty
			}
		}
	}
	paths := make([]string, 0, len(x.made))
	for p := range x.made {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var b bytes.Buffer
	for _, p := range paths {
		fmt.Fprintf(&b, "%s %d %s\n", x.made[p].sum, x.made[p].size, p)
	}
	if err := writeAtomic(filepath.Join(x.dir, staticManifest), b.Bytes()); err != nil {
		return actas.Errorf(actas.EINVALID, "export --static: %v", err)
	}
	return nil
}

// staticHeaders is _headers, the per-path headers file of Netlify and
// Cloudflare Pages: the content types a plain file server guesses wrong.
const staticHeaders = `# Content types of the actas static copy (docs/static.md). Pages are
# */index.html; files without an extension are these:
/log/*/checkpoint
  Content-Type: text/plain; charset=utf-8
/log/*/checkpoints
  Content-Type: application/json
/log/key
  Content-Type: text/plain; charset=utf-8
/log/*/receipt/*
  Content-Type: application/json
/log/*/tile/*
  Content-Type: application/octet-stream
/api/*
  Content-Type: application/json
/api/*/stations.csv
  Content-Type: text/csv; charset=utf-8
/api/*.csv
  Content-Type: text/csv; charset=utf-8
/*
  X-Content-Type-Options: nosniff
`

const staticReadme = `This directory is a static copy of an actas portal, written by
"actas export --static". Serve it with any static web server or CDN.

  - Pages are directories with an index.html: /e/ID/a/AREA is e/ID/a/AREA/index.html.
  - JSON API answers whose address other addresses continue are index.json
    in that directory (/api/v1/elections/ID is api/v1/elections/ID/index.json);
    the others are files without an extension. Serve files without an
    extension under /api/ and /log/*/receipt/ as application/json, checkpoints
    and /log/key as text/plain, tiles as application/octet-stream (_headers
    says so for Netlify and Cloudflare Pages; docs/static.md has nginx).
  - Levels' results are api/v1/elections/ID/results/CONTEST/SOURCE/LEVEL.csv,
    log entries are log/ID/tile/8/data/N (tlog tiles), in bundles of 256.
  - actas-static.json says what is here; .actas-static lists every file
    with its SHA-256, for the next export.

Verify it with: actas log verify --url https://WHERE-IT-IS-SERVED/ --key VKEY
Search, sign-in and the witness form need "actas serve".
`

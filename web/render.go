package web

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the page templates; each is parsed with layout.html and
// partials.html, once per language, when the server is built.
var pageNames = []string{"index", "area", "station", "search", "error", "log", "entry", "consistency", "signin", "submit", "key", "review", "coverage",
	"audits", "audit", "audit-count", "audit-round", "incident-new", "incident-review", "incidents"}

// parseTemplates parses every page for every language, binding the
// language's translation and number functions, so a request only executes.
func parseTemplates(ls *locales) (map[string]map[string]*template.Template, error) {
	out := map[string]map[string]*template.Template{}
	for _, l := range ls.list {
		funcs := template.FuncMap{
			"T":   l.T,
			"num": l.num,
			"pct": l.Pct,
			"dec": func(x float64) string { return l.Dec(x, 2) },
		}
		out[l.Code] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(funcs).ParseFS(templateFS,
				"templates/layout.html", "templates/partials.html", "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
			if t.Lookup("layout") == nil || t.Lookup("content") == nil {
				return nil, fmt.Errorf("template %s: defines no layout or content", name)
			}
			out[l.Code][name] = t
		}
	}
	return out, nil
}

// num formats any integer the language's way; templates pass int and int64.
func (l *locale) num(v any) (string, error) {
	switch n := v.(type) {
	case int64:
		return l.Int(n), nil
	case int:
		return l.Int(int64(n)), nil
	case int32:
		return l.Int(int64(n)), nil
	}
	return "", fmt.Errorf("num: %T is not an integer", v)
}

// page is what the layout shows around every page's content.
type page struct {
	Lang         *locale
	Langs        []link // the language switch: links to this page in each language
	Title        string
	Election     *election // nil outside an election
	ElectionHref string
	SearchAction string
	SearchQuery  string
	CSS, Icon    string
	Version      string
	API          string // this page's data in the JSON API, if any
	LogKey       string // the transparency log's verifier key, if known
	LogHref      string // the election's log page
	Refresh      int    // seconds after which the page reloads itself; 0 for never
	Body         any
}

// link is an anchor a template shows.
type link struct {
	Text    string
	Href    string
	Current bool
	Lang    string // for the language switch: the language of Text
}

func (s *Server) newPage(r *http.Request, l *locale, e *election) *page {
	pg := &page{Lang: l, CSS: s.cssHref, Icon: s.iconHref, Version: s.version, SearchAction: "/search", LogKey: s.logKey}
	if e != nil {
		pg.Election = e
		pg.ElectionHref = electionURL(e.ID)
		pg.SearchAction = searchURL(e.ID)
		pg.LogHref = logURL(e.ID)
	}
	// The switch keeps the page and its parameters, changing only lang.
	for _, x := range s.langs.list {
		q := r.URL.Query()
		q.Set("lang", x.Code)
		q.Del("download")
		pg.Langs = append(pg.Langs, link{Text: x.Name, Href: r.URL.EscapedPath() + "?" + q.Encode(), Current: x == l, Lang: x.Code})
	}
	return pg
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer { b := bufPool.Get().(*bytes.Buffer); b.Reset(); return b }

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 { // a rare huge page should not pin its memory
		bufPool.Put(b)
	}
}

// render executes a page into a buffer first, so that a template error
// becomes an error page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, pg *page) {
	t := s.tmpl[pg.Lang.Code][name]
	buf := getBuf()
	defer putBuf(buf)
	if err := t.ExecuteTemplate(buf, "layout", pg); err != nil {
		s.log.Error("render page", "page", name, "lang", pg.Lang.Code, "path", r.URL.Path, "err", err)
		if name == "error" {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		buf.Reset()
		epg := s.newPage(r, pg.Lang, pg.Election)
		epg.Title = pg.Lang.t("error.internal")
		epg.Body = &errorPage{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
		status = http.StatusInternalServerError
		if err := s.tmpl[pg.Lang.Code]["error"].ExecuteTemplate(buf, "layout", epg); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Content-Language", pg.Lang.Code)
	h.Add("Vary", "Accept-Language, Cookie")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeJSON writes v as indented-free JSON with status.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	buf := getBuf()
	defer putBuf(buf)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		s.log.Error("encode JSON", "path", r.URL.Path, "err", err)
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error"}}` + "\n")
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// streamJSON writes a large v straight to the client instead of buffering
// it; an encoding error can then no longer change the status.
func (s *Server) streamJSON(w http.ResponseWriter, r *http.Request, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := json.NewEncoder(bw).Encode(v); err != nil {
		s.log.Error("encode JSON", "path", r.URL.Path, "err", err)
		return
	}
	bw.Flush()
}

// staticHandler serves web/static. A URL carrying the content's hash (as
// pages link it) may be cached for good.
func staticHandler(sub fs.FS, hash string) http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") == hash {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		files.ServeHTTP(w, r)
	})
}

// staticHash is a short digest of every static file, for cache-busting URLs.
func staticHash(sub fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("static files: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func staticURL(name, hash string) string {
	return "/static/" + name + "?v=" + url.QueryEscape(hash)
}

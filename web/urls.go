package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/actasproject/actas"
)

// Limits on what a request may carry; larger requests are refused as invalid
// rather than processed.
const (
	maxQueryLen  = 2048 // raw query string
	maxPathLen   = 4096 // escaped URL path
	maxSearchLen = 100  // q, in bytes after trimming
	maxPage      = 1_000_000
	maxAreaNames = 32 // deeper than any real geography
)

// electionURL is the national overview of an election.
func electionURL(election string) string {
	return "/e/" + url.PathEscape(election)
}

// areaURL is the page of the area at path ("" for national), with one
// path-escaped segment per name; see the package doc for the ?path= form.
func areaURL(election, path string) string {
	if path == "" {
		return electionURL(election)
	}
	names, err := actas.SplitPath(path)
	if err != nil {
		return electionURL(election) + "/a?path=" + url.QueryEscape(path)
	}
	var b strings.Builder
	b.WriteString(electionURL(election))
	b.WriteString("/a")
	for _, n := range names {
		if n == "." || n == ".." {
			// Browsers resolve these (and their %2E forms) as dot segments.
			return electionURL(election) + "/a?path=" + url.QueryEscape(path)
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(n))
	}
	return b.String()
}

// apiAreaURL is the API mirror of an area page.
func apiAreaURL(election, path string) string {
	base := "/api/v1/elections/" + url.PathEscape(election) + "/areas/"
	page := areaURL(election, path)
	if rest, ok := strings.CutPrefix(page, electionURL(election)+"/a/"); ok {
		return base + rest
	}
	if path == "" {
		return base
	}
	return base + "?area=" + url.QueryEscape(path)
}

// stationURL is the page of a station.
func stationURL(election, code string) string {
	return electionURL(election) + "/s/" + url.PathEscape(code)
}

// searchURL is the search page of an election.
func searchURL(election string) string { return electionURL(election) + "/search" }

// withQuery appends the non-empty values of q, in key order.
func withQuery(u string, q url.Values) string {
	for k, vs := range q {
		if len(vs) == 0 || vs[0] == "" {
			delete(q, k)
		}
	}
	if len(q) == 0 {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode()
}

// parseAreaSegments turns the escaped path segments after /a/ into an area
// path: each segment is one name, unescaped on its own so that an escaped '/'
// stays inside its name. An empty rest is the national area.
func parseAreaSegments(rest string) (string, error) {
	if rest == "" {
		return "", nil
	}
	rest = strings.TrimSuffix(rest, "/")
	segs := strings.Split(rest, "/")
	if len(segs) > maxAreaNames {
		return "", actas.Errorf(actas.EINVALID, "area path has more than %d names", maxAreaNames)
	}
	names := make([]string, len(segs))
	for i, seg := range segs {
		n, err := url.PathUnescape(seg)
		if err != nil {
			return "", actas.Errorf(actas.EINVALID, "area path segment %d is not a valid URL segment", i+1)
		}
		if n == "" {
			return "", actas.Errorf(actas.EINVALID, "area path segment %d is empty", i+1)
		}
		if !utf8.ValidString(n) {
			return "", actas.Errorf(actas.EINVALID, "area path segment %d is not UTF-8", i+1)
		}
		names[i] = n
	}
	return actas.JoinPath(names...), nil
}

// areaPathFromRequest returns the area path a page or API request names:
// the escaped URL path segments after the first skip ones, or else the
// ?path= (pages) or ?area= (API) parameter.
func areaPathFromRequest(r *http.Request, skip int, q url.Values) (string, error) {
	p := strings.TrimPrefix(r.URL.EscapedPath(), "/")
	for i := 0; i < skip && p != ""; i++ {
		j := strings.IndexByte(p, '/')
		if j < 0 {
			p = ""
			break
		}
		p = p[j+1:]
	}
	if p != "" {
		return parseAreaSegments(p)
	}
	for _, key := range []string{"path", "area"} {
		if v := q.Get(key); v != "" {
			if len(v) > maxPathLen || !utf8.ValidString(v) {
				return "", actas.Errorf(actas.EINVALID, "parameter %s is not a valid area path", key)
			}
			// Not CanonicalPath: it trims spaces, which may belong to a name.
			names, err := actas.SplitPath(v)
			if err != nil {
				return "", err
			}
			return actas.JoinPath(names...), nil
		}
	}
	return "", nil
}

// params are the validated query parameters common to pages and the API.
type params struct {
	raw      url.Values
	Contest  string
	Source   actas.Source // "" when not given
	Page     int          // 1 when not given
	Q        string
	Level    string
	Download string
	Limit    int // API only; 0 when not given
}

// parseParams validates the query string. Unknown parameters are ignored;
// a known one with a malformed value is EINVALID, naming it.
func parseParams(r *http.Request) (params, error) {
	p := params{Page: 1}
	if len(r.URL.RawQuery) > maxQueryLen {
		return p, actas.Errorf(actas.EINVALID, "query string longer than %d bytes", maxQueryLen)
	}
	if len(r.URL.EscapedPath()) > maxPathLen {
		return p, actas.Errorf(actas.EINVALID, "URL path longer than %d bytes", maxPathLen)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return p, actas.Errorf(actas.EINVALID, "malformed query string")
	}
	p.raw = q
	if v := q.Get("contest"); v != "" {
		if !actas.ValidID(v) {
			return p, actas.Errorf(actas.EINVALID, "contest %q is not a valid id", clip(v))
		}
		p.Contest = v
	}
	if v := q.Get("source"); v != "" {
		src, err := actas.ParseSource(v, true)
		if err != nil {
			return p, actas.Errorf(actas.EINVALID, "unknown source %q", clip(v))
		}
		p.Source = src
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			return p, actas.Errorf(actas.EINVALID, "page %q is not a number from 1 to %d", clip(v), maxPage)
		}
		p.Page = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			return p, actas.Errorf(actas.EINVALID, "limit %q is not a number from 1 to %d", clip(v), maxPage)
		}
		p.Limit = n
	}
	if v := q.Get("q"); v != "" {
		v = strings.TrimSpace(v)
		if len(v) > maxSearchLen {
			return p, actas.Errorf(actas.EINVALID, "search text longer than %d bytes", maxSearchLen)
		}
		if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return p, actas.Errorf(actas.EINVALID, "search text has invalid characters")
		}
		p.Q = v
	}
	if v := q.Get("level"); v != "" {
		if v != actas.National && !actas.ValidID(v) {
			return p, actas.Errorf(actas.EINVALID, "level %q is not a valid level name", clip(v))
		}
		p.Level = v
	}
	if v := q.Get("download"); v != "" {
		if !actas.ValidID(v) {
			return p, actas.Errorf(actas.EINVALID, "download %q names no table", clip(v))
		}
		p.Download = v
	}
	return p, nil
}

// electionParams loads the route's {election} and validates the query, as
// the per-election pages and API handlers that take parameters all begin. On
// a query error it still returns the election, for the error page's header.
func (s *Server) electionParams(r *http.Request) (*election, params, error) {
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		return nil, params{}, err
	}
	p, err := parseParams(r)
	return e, p, err
}

// keep returns the parameters that links within a page carry along: the
// chosen contest and source.
func (p params) keep() url.Values {
	q := url.Values{}
	if p.Contest != "" {
		q.Set("contest", p.Contest)
	}
	if p.Source != "" {
		q.Set("source", string(p.Source))
	}
	return q
}

// clip shortens user input echoed in an error message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/actasproject/actas"
)

// FuzzAreaURL: every area path the store can hold gets a URL that parses
// back to the same path, and no URL segments crash the parser.
func FuzzAreaURL(f *testing.F) {
	for _, seed := range []string{
		"Zulia", "Zulia/MP. L\\/DIEGO BAUTISTA", "Mérida/Libertador", "Distrito Capital/..", "./x", "a\\\\b/c",
		"%2F/%", "a b/ c?#&=", "名前/区", "national", " a/..", "../ ",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		names, err := actas.SplitPath(path)
		if err != nil || len(names) == 0 || len(names) > maxAreaNames {
			return
		}
		for _, n := range names {
			if !utf8.ValidString(n) {
				return
			}
		}
		path = actas.JoinPath(names...)
		u := areaURL("e", path)
		req := httptest.NewRequest("GET", "http://x"+u, nil)
		q, err := url.ParseQuery(req.URL.RawQuery)
		if err != nil {
			t.Fatalf("areaURL(%q) = %q: query does not parse: %v", path, u, err)
		}
		got, err := areaPathFromRequest(req, 3, q)
		if err != nil {
			t.Fatalf("areaURL(%q) = %q does not parse back: %v", path, u, err)
		}
		if got != path {
			t.Fatalf("areaURL(%q) = %q parses back as %q", path, u, got)
		}
		// A browser would resolve dot segments; the URL must have none.
		for _, seg := range strings.Split(strings.SplitN(u, "?", 2)[0], "/") {
			if s, _ := url.PathUnescape(seg); s == "." || s == ".." {
				t.Fatalf("areaURL(%q) = %q has a dot segment", path, u)
			}
		}
	})
}

// FuzzParams: any query string either validates within the limits or is
// refused as invalid; nothing panics.
func FuzzParams(f *testing.F) {
	for _, seed := range []string{
		"", "contest=president&source=witness&page=2", "q=m%C3%A9rida", "q=%00", "source=reconciled&download=areas",
		"page=-1", "page=99999999999999999999", "level=national&limit=10", "lang=es", "a=%zz", strings.Repeat("q=x&", 600),
		"path=Zulia%5C", "q=" + strings.Repeat("é", 60),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest("GET", "http://x/e/e", nil)
		req.URL.RawQuery = raw
		p, err := parseParams(req)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("parseParams(%q): %v is not EINVALID", raw, err)
			}
			return
		}
		if len(p.Q) > maxSearchLen || !utf8.ValidString(p.Q) || p.Page < 1 || p.Page > maxPage || p.Limit < 0 || p.Limit > maxPage {
			t.Fatalf("parseParams(%q) accepted %+v", raw, p)
		}
		if p.Contest != "" && !actas.ValidID(p.Contest) {
			t.Fatalf("parseParams(%q) accepted contest %q", raw, p.Contest)
		}
		if _, err := areaPathFromRequest(req, 3, p.raw); err != nil && actas.ErrorCode(err) != actas.EINVALID {
			t.Fatalf("area path from %q: %v is not EINVALID", raw, err)
		}
	})
}

// FuzzAreaSegments: escaped path segments from a request never crash the
// parser, and what parses is a valid area path.
func FuzzAreaSegments(f *testing.F) {
	for _, seed := range []string{"Zulia", "Zulia/MP.%20L%2FDIEGO", "a/%2E%2E", "%", "a//b", "a/", "%5C/x", "%FF"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rest string) {
		path, err := parseAreaSegments(rest)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("parseAreaSegments(%q): %v is not EINVALID", rest, err)
			}
			return
		}
		if path == "" {
			return
		}
		if _, err := actas.SplitPath(path); err != nil {
			t.Fatalf("parseAreaSegments(%q) = %q, which does not split: %v", rest, path, err)
		}
	})
}

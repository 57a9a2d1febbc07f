package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
	"golang.org/x/text/number"

	"github.com/actasproject/actas"
)

// Each language is one file locales/<BCP 47 tag>.json mapping message keys to
// x/text/message format strings. Adding a language (Portuguese: pt.json) is
// adding a file with the same keys; tests fail while a key lacks a message.
//
//go:embed locales/*.json
var localeFS embed.FS

// defaultLang is served when nothing the client says matches; its file
// defines the set of keys.
const defaultLang = "en"

// langCookie remembers the language chosen with ?lang=.
const langCookie = "lang"

// locale is one language of the interface: its messages and how it writes
// numbers.
type locale struct {
	Code string // BCP 47 tag, as in ?lang= and <html lang>
	Name string // the language's name in itself, for the switch

	tag     language.Tag
	msgs    map[string]string // key → format string
	plain   map[string]string // key → message printed without arguments
	printer *message.Printer

	// Number symbols, taken from x/text's CLDR data at start so that
	// formatting a number in a hot path is a few appends.
	group, decimal       string
	pctPrefix, pctSuffix string
}

// locales is every language, the default first.
type locales struct {
	list    []*locale
	byCode  map[string]*locale
	matcher language.Matcher
}

// loadLocales reads every embedded locale file and builds its printer.
func loadLocales() (*locales, error) {
	files, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		return nil, fmt.Errorf("locales: %w", err)
	}
	codes := make([]string, 0, len(files))
	raw := map[string]map[string]string{}
	for _, f := range files {
		code := strings.TrimSuffix(path.Base(f), ".json")
		data, err := localeFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("locale %s: %w", code, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("locale %s: %w", code, err)
		}
		raw[code] = m
		codes = append(codes, code)
	}
	if raw[defaultLang] == nil {
		return nil, fmt.Errorf("locales: no %s.json", defaultLang)
	}
	slices.SortFunc(codes, func(a, b string) int {
		// The default first: the matcher falls back to its first tag.
		if (a == defaultLang) != (b == defaultLang) {
			if a == defaultLang {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})

	cat := catalog.NewBuilder(catalog.Fallback(language.MustParse(defaultLang)))
	ls := &locales{byCode: map[string]*locale{}}
	tags := make([]language.Tag, 0, len(codes))
	for _, code := range codes {
		tag, err := language.Parse(code)
		if err != nil {
			return nil, fmt.Errorf("locale file %s.json: %w", code, err)
		}
		for k, v := range raw[code] {
			if err := cat.SetString(tag, k, v); err != nil {
				return nil, fmt.Errorf("locale %s: key %s: %w", code, k, err)
			}
		}
		tags = append(tags, tag)
	}
	for i, code := range codes {
		l := &locale{Code: code, tag: tags[i], msgs: raw[code], plain: map[string]string{}}
		l.printer = message.NewPrinter(l.tag, message.Catalog(cat))
		for k, v := range l.msgs {
			if !strings.Contains(v, "%") {
				l.plain[k] = v
			}
		}
		l.Name = l.msgs["lang.name"]
		if l.Name == "" {
			return nil, fmt.Errorf("locale %s: key lang.name is missing", code)
		}
		if err := l.deriveNumberSymbols(); err != nil {
			return nil, fmt.Errorf("locale %s: %w", code, err)
		}
		ls.list = append(ls.list, l)
		ls.byCode[code] = l
	}
	ls.matcher = language.NewMatcher(tags)
	return ls, nil
}

// deriveNumberSymbols reads the group and decimal separators and the percent
// pattern off x/text's own formatting of known numbers.
func (l *locale) deriveNumberSymbols() error {
	g := l.printer.Sprintf("%d", 1234567)
	if !strings.HasPrefix(g, "1") || !strings.HasSuffix(g, "567") {
		return fmt.Errorf("unexpected integer form %q", g)
	}
	parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(g, "1"), "567"), "234")
	if len(parts) != 2 || parts[0] != parts[1] {
		return fmt.Errorf("integer form %q does not group by thousands", g)
	}
	l.group = parts[0]
	d := l.printer.Sprintf("%.1f", 0.5)
	if !strings.HasPrefix(d, "0") || !strings.HasSuffix(d, "5") || len(d) < 3 {
		return fmt.Errorf("unexpected decimal form %q", d)
	}
	l.decimal = d[1 : len(d)-1]
	p := l.printer.Sprint(number.Percent(0.5, number.Scale(0)))
	i := strings.Index(p, "50")
	if i < 0 {
		return fmt.Errorf("unexpected percent form %q", p)
	}
	l.pctPrefix, l.pctSuffix = p[:i], p[i+2:]
	return nil
}

// T returns the message for key with args formatted by x/text. An unknown
// key is an error, so that a template naming one fails when rendered.
func (l *locale) T(key string, args ...any) (string, error) {
	if len(args) == 0 {
		if s, ok := l.plain[key]; ok {
			return s, nil
		}
	}
	if _, ok := l.msgs[key]; !ok {
		return "", fmt.Errorf("message %q missing for language %s", key, l.Code)
	}
	return l.printer.Sprintf(key, args...), nil
}

// t is T for Go code, whose keys tests check; a missing key shows the key.
func (l *locale) t(key string, args ...any) string {
	s, err := l.T(key, args...)
	if err != nil {
		return key
	}
	return s
}

// Int writes n with the language's digit grouping: 1,234,567 or 1.234.567.
func (l *locale) Int(n int64) string {
	var buf [32]byte
	return string(l.appendInt(buf[:0], n))
}

func (l *locale) appendInt(dst []byte, n int64) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], n, 10)
	if n < 0 {
		dst = append(dst, '-')
		d = d[1:]
	}
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			dst = append(dst, l.group...)
		}
		dst = append(dst, c)
	}
	return dst
}

// Dec writes x with prec decimals: 51.23 or 51,23.
func (l *locale) Dec(x float64, prec int) string {
	var buf [48]byte
	return string(l.appendDec(buf[:0], x, prec))
}

func (l *locale) appendDec(dst []byte, x float64, prec int) []byte {
	var tmp [40]byte
	f := strconv.AppendFloat(tmp[:0], x, 'f', prec, 64)
	intPart, frac, _ := strings.Cut(string(f), ".")
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil { // beyond int64: no grouping
		return append(dst, f...)
	}
	if n == 0 && strings.HasPrefix(intPart, "-") {
		dst = append(dst, '-')
	}
	dst = l.appendInt(dst, n)
	if frac != "" {
		dst = append(dst, l.decimal...)
		dst = append(dst, frac...)
	}
	return dst
}

// Pct writes a fraction as a percentage with two decimals: 67.14% or 67,14 %.
func (l *locale) Pct(fraction float64) string {
	var buf [48]byte
	b := append(buf[:0], l.pctPrefix...)
	b = l.appendDec(b, fraction*100, 2)
	return string(append(b, l.pctSuffix...))
}

// choose picks the language of a request (see pick) and, when ?lang= names
// one, remembers it in a cookie.
func (ls *locales) choose(w http.ResponseWriter, r *http.Request) *locale {
	l := ls.pick(r)
	if v := r.URL.Query().Get("lang"); v == l.Code {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l.Code, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	return l
}

// pick is the language of a request: ?lang=, then the cookie, then
// Accept-Language, then the default.
func (ls *locales) pick(r *http.Request) *locale {
	if v := r.URL.Query().Get("lang"); v != "" {
		if l, ok := ls.byCode[v]; ok {
			return l
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := ls.byCode[c.Value]; ok {
			return l
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" && len(al) <= 512 {
		if tags, _, err := language.ParseAcceptLanguage(al); err == nil && len(tags) > 0 {
			if _, i, conf := ls.matcher.Match(tags...); conf != language.No {
				return ls.list[i]
			}
		}
	}
	return ls.list[0]
}

// levelName is a level's name in l when the catalog knows that level id
// (level.state, …), else the id itself: levels are named by each election.
func (l *locale) levelName(id string) string {
	if s, ok := l.plain["level."+id]; ok {
		return s
	}
	return id
}

// sourceName is a source's (or the reconciled view's) name in l.
func (l *locale) sourceName(s actas.Source) string { return l.t("source." + string(s)) }

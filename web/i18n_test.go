package web

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/number"

	"github.com/actasproject/actas"
)

var verbRE = regexp.MustCompile(`%[-+# 0]*[0-9.]*[a-zA-Z%]`)

func TestEveryMessageIsTranslated(t *testing.T) {
	ls, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.list) < 2 || ls.list[0].Code != "en" || ls.byCode["es"] == nil {
		t.Fatalf("languages %v: want English first, and Spanish", ls.list)
	}
	en := ls.byCode["en"]
	for _, l := range ls.list {
		for key, msg := range en.msgs {
			tr, ok := l.msgs[key]
			if !ok || strings.TrimSpace(tr) == "" {
				t.Errorf("%s lacks a translation of %q (%q)", l.Code, key, msg)
				continue
			}
			if got, want := verbRE.FindAllString(tr, -1), verbRE.FindAllString(msg, -1); !slices.Equal(got, want) {
				t.Errorf("%s %q has verbs %v, English has %v", l.Code, key, got, want)
			}
		}
		for key := range l.msgs {
			if _, ok := en.msgs[key]; !ok {
				t.Errorf("%s has %q, which English lacks", l.Code, key)
			}
		}
	}
}

func TestKeysUsedExist(t *testing.T) {
	en := mustLocale(t, "en")
	var keys []string
	// Keys the templates name.
	tre := regexp.MustCompile(`\bT "([^"]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		for _, m := range tre.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Keys the Go code builds from the vocabulary.
	for _, s := range append(slices.Clone(actas.Sources), actas.Reconciled) {
		keys = append(keys, "source."+string(s))
	}
	for _, s := range actas.States {
		keys = append(keys, "state."+string(s), "statenote."+string(s))
	}
	for _, f := range actas.AllFlags() {
		keys = append(keys, "flag."+f.String(), "flagshort."+f.String())
	}
	for _, k := range []string{"photo", "link", "qr", "other"} {
		keys = append(keys, "evidence."+k)
	}
	for _, c := range []string{actas.EINVALID, actas.EUNAUTHORIZED, actas.EFORBIDDEN, actas.ENOTFOUND, actas.ECONFLICT, actas.EINTERNAL} {
		keys = append(keys, "error."+c, "error."+c+".help")
	}
	for _, k := range keys {
		if _, ok := en.msgs[k]; !ok {
			t.Errorf("message %q is used but not defined", k)
		}
	}
}

func TestNumbersAreWrittenAsXTextWritesThem(t *testing.T) {
	ls, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	ints := []int64{0, 7, 999, 1000, 1234567, -1234567, math.MaxInt64, math.MinInt64 + 1}
	for range 200 {
		ints = append(ints, r.Int64N(1<<40)-1<<39)
	}
	fracs := []float64{0, 1, 0.5, 0.67138, 0.9999, 0.00004, 12.5}
	for range 200 {
		fracs = append(fracs, r.Float64()*1.2)
	}
	for _, l := range ls.list {
		for _, n := range ints {
			if got, want := l.Int(n), l.printer.Sprintf("%d", n); got != want {
				t.Errorf("%s: Int(%d) = %q, x/text writes %q", l.Code, n, got, want)
			}
		}
		for _, x := range fracs {
			if got, want := l.Pct(x), l.printer.Sprint(number.Percent(x, number.Scale(2))); got != want {
				t.Errorf("%s: Pct(%v) = %q, x/text writes %q", l.Code, x, got, want)
			}
		}
	}
	en, es := ls.byCode["en"], ls.byCode["es"]
	if en.Int(1234567) != "1,234,567" || es.Int(1234567) != "1.234.567" {
		t.Errorf("grouping: %s / %s", en.Int(1234567), es.Int(1234567))
	}
	if en.Pct(0.6714) != "67.14%" || es.Pct(0.6714) != "67,14\u00a0%" {
		t.Errorf("percent: %q / %q", en.Pct(0.6714), es.Pct(0.6714))
	}
}

func TestEveryPageRendersInEveryLanguage(t *testing.T) {
	f := MustHandmade(t)
	ls, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	pages := []string{"/e/demo-2024", "/e/demo-2024?contest=referendum", "/e/demo-2024/a/Zulia", "/e/demo-2024/a/Zulia/Maracaibo",
		"/e/demo-2024/s/0101", "/e/demo-2024/s/0301", "/e/demo-2024/search", "/e/demo-2024/search?q=0", "/e/demo-2024/search?q=zz"}
	for _, l := range ls.list {
		for _, p := range pages {
			r := f.get(t, p, "Cookie", "lang="+l.Code)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, `<html lang="`+l.Code+`">`) {
				t.Errorf("%s in %s: status %d", p, l.Code, r.Status)
			}
		}
	}
}

func TestInternalErrorsAreLoggedNotShown(t *testing.T) {
	f := MustHandmade(t)
	var logs bytes.Buffer
	srv, err := New(Config{Store: f.Store, Results: f.Tab, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.Handler = srv.Handler()
	// A store that fails: closed underneath the server.
	if err := f.Store.Close(); err != nil {
		t.Fatal(err)
	}
	r := f.get(t, stationURL(hmID, hmConflict))
	if r.Status != http.StatusInternalServerError || !strings.Contains(r.Body, "Something went wrong") {
		t.Errorf("page: status %d", r.Status)
	}
	a := f.get(t, "/api/v1/elections/"+hmID+"/stations/"+hmConflict)
	var body errorBody
	if err := json.Unmarshal([]byte(a.Body), &body); err != nil || a.Status != 500 || body.Error.Code != "internal" || body.Error.Message != "internal error" {
		t.Errorf("API: %d %s", a.Status, a.Body)
	}
	if !strings.Contains(logs.String(), "request failed") || !strings.Contains(logs.String(), "closed") {
		t.Errorf("cause not logged: %s", logs.String())
	}
}

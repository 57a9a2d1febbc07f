package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actasproject/actas/web/webtest"
	"github.com/chromedp/chromedp"
)

// syncBuffer is a bytes.Buffer safe to write from the demo's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// MustDemo runs `actas demo` on a free port until the test ends and returns
// the portal's URL and what the demo printed.
func MustDemo(tb testing.TB, args ...string) (string, *syncBuffer) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	out := &syncBuffer{}
	env := &Env{Stdout: out, Stderr: out, Getenv: func(string) string { return "" }, Ready: func(u string) { ready <- u }}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, env, append([]string{"demo", "--addr", "127.0.0.1:0"}, args...)) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("demo ended with %v", err)
		}
	})
	select {
	case u := <-ready:
		return u, out
	case err := <-done:
		tb.Fatalf("demo stopped before serving: %v\n%s", err, out)
	case <-time.After(60 * time.Second):
		tb.Fatalf("demo not ready after a minute:\n%s", out)
	}
	return "", nil
}

func TestDemoServesAFalsifiedElection(t *testing.T) {
	base, out := MustDemo(t, "--stations", "3000", "--seed", "4")
	if !strings.Contains(out.String(), "3000 stations") || !strings.Contains(out.String(), "official sheets falsified") {
		t.Fatalf("demo banner: %s", out)
	}
	resp, err := http.Get(base + "api/v1/elections")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Elections []struct{ ID string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Elections) != 1 || list.Elections[0].ID != "sim-4" {
		t.Fatalf("elections API: %v %+v", err, list)
	}
}

// The visitor's path through the demo: national figures, down level by
// level to a station, a search by station code, and Spanish.
func TestDemoInBrowser(t *testing.T) {
	ctx := webtest.MustBrowser(t)
	base, _ := MustDemo(t, "--stations", "2000", "--seed", "9")
	name := "Elección presidencial"
	webtest.Do(t, ctx, "open the demo", chromedp.Navigate(base),
		webtest.WaitFor(`document.querySelector("h1") && document.querySelector("h1").textContent.includes(`+webtest.JS(name)+`)`))
	title := webtest.Eval[string](t, ctx, `document.querySelector("h1").textContent.trim()`)
	code := webtest.DrillDown(t, ctx, base, title, 4)
	webtest.Do(t, ctx, "back to the overview", chromedp.Navigate(base), webtest.HeadingIs(title))
	webtest.SearchStation(t, ctx, code)
	webtest.SwitchLanguage(t, ctx, "es")
	webtest.Do(t, ctx, "the station in Spanish", webtest.HeadingIs("Mesa "+code))
	body := webtest.Eval[string](t, ctx, `document.body.innerText`)
	for _, want := range []string{"Electores inscritos", "Actas recibidas"} {
		if !strings.Contains(body, want) {
			t.Errorf("the station page in Spanish lacks %q:\n%s", want, body)
		}
	}

	// The demo's "is the official result consistent?" page: a verdict for
	// every analysis, and the charts of those that ran.
	webtest.SwitchLanguage(t, ctx, "en")
	webtest.Do(t, ctx, "open the overview", chromedp.Navigate(base), webtest.HeadingIs(title))
	webtest.Do(t, ctx, "follow the consistency link", chromedp.Click(chromedp.CSS(`p.consistency-link a`)),
		webtest.WaitFor(`document.querySelectorAll("[id^='verdict-']").length >= 7`))
	for _, a := range []string{"bound", "compare", "bulletins", "exactness", "timeline", "forensics", "project"} {
		status := webtest.Eval[string](t, ctx, `document.querySelector("#verdict-`+a+` .status").innerText`)
		headline := webtest.Eval[string](t, ctx, `document.querySelector("#verdict-`+a+` .headline").innerText`)
		if strings.TrimSpace(status) == "" || strings.TrimSpace(headline) == "" || strings.Contains(status, "Failed") {
			t.Errorf("demo consistency page, %s: status %q, headline %q", a, status, headline)
		}
	}
	for _, a := range []string{"bound", "compare", "timeline", "forensics", "project"} {
		marks := webtest.Eval[int](t, ctx, `(() => { const s = document.querySelector("[id^='chart-`+a+`'] svg"); return s && s.getBoundingClientRect().width > 0 ? s.querySelectorAll("rect, circle, path").length : 0; })()`)
		if marks < 2 {
			t.Errorf("demo consistency page: the %s chart is missing or empty (%d marks)", a, marks)
		}
	}
}

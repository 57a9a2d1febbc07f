// Package webtest drives the portal in headless Chromium for end-to-end
// tests of the web package and of the command that serves it. It knows the
// pages' structure (the selectors below), so tests read as a visitor's steps.
package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's chromium, which the tests drive.
const ChromiumPath = "/usr/bin/chromium"

// MustBrowser starts a headless chromium for the test and returns a tab.
// Without chromium the test is skipped, except under CI=true, where it
// fails: CI must run it.
func MustBrowser(tb testing.TB) context.Context {
	tb.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("browser test: %s not found (CI=true requires it: apt-get install chromium)", ChromiumPath)
		}
		tb.Skipf("browser test skipped: %s not found (install Debian's chromium package to run it)", ChromiumPath)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
		// The machines have no internet: without these, chromium keeps
		// trying to reach Google's services.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Do runs the steps with a time limit, failing the test on error.
func Do(tb testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](tb testing.TB, ctx context.Context, expr string) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// WaitFor polls a JavaScript condition until it holds. It evaluates afresh
// each time, so it survives the navigation a click starts (a poll inside
// the old page would die with it).
func WaitFor(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var last error
		for {
			ok, err := chromedp.Evaluate[bool](`!!(`+cond+`)`)(ctx, t)
			if err == nil && ok {
				return nil
			}
			if err != nil {
				last = err
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w (last error: %v)", cond, ctx.Err(), last)
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// HeadingIs waits until the page's <h1> reads want: the click has led to
// the next page.
func HeadingIs(want string) chromedp.Action[chromedp.Void] {
	return WaitFor(`document.readyState === "complete" && document.querySelector("h1") !== null && document.querySelector("h1").textContent.trim() === ` + JS(want))
}

// JS quotes s as a JavaScript string.
func JS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// DrillDown opens the portal at base, whose overview is headed by the
// election's name, clicks the first area of each of levels levels and then
// the first station, and returns that station's code.
func DrillDown(tb testing.TB, ctx context.Context, base, election string, levels int) string {
	tb.Helper()
	Do(tb, ctx, "open the portal", chromedp.Navigate(base), HeadingIs(election))
	for range levels {
		const link = `table.areas tbody tr:not(.total) th a`
		name := Eval[string](tb, ctx, `document.querySelector(`+JS(link)+`).textContent.trim()`)
		Do(tb, ctx, "click "+name, chromedp.Click(chromedp.CSS(link)), HeadingIs(name))
	}
	const station = `table.stations tbody th a`
	code := Eval[string](tb, ctx, `document.querySelector(`+JS(station)+`).textContent.trim()`)
	Do(tb, ctx, "click station "+code, chromedp.Click(chromedp.CSS(station)), HeadingIs("Station "+code))
	return code
}

// SearchStation types a station code into the search box, submits it and
// opens the station from the hits.
func SearchStation(tb testing.TB, ctx context.Context, code string) {
	tb.Helper()
	Do(tb, ctx, "search "+code,
		chromedp.SendKeys(chromedp.ID("q"), code),
		chromedp.Submit(chromedp.ID("q")),
		WaitFor(`location.pathname.endsWith("/search") && document.querySelector("table.hits") !== null`),
	)
	Do(tb, ctx, "open the hit",
		chromedp.Click(chromedp.CSS(`table.hits tbody a[href$="/s/`+code+`"]`)),
		HeadingIs("Station "+code))
}

// SwitchLanguage clicks the switch to lang ("es", "en") and waits until the
// page is in it.
func SwitchLanguage(tb testing.TB, ctx context.Context, lang string) {
	tb.Helper()
	Do(tb, ctx, "switch to "+lang,
		chromedp.Click(chromedp.CSS(`nav.langs a[lang=`+JS(lang)+`]`)),
		WaitFor(`document.documentElement.lang === `+JS(lang)))
}

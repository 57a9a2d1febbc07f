package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium, which this test drives.
const chromiumPath = "/usr/bin/chromium"

// MustBrowser starts a headless chromium for the test and returns a tab.
// Without chromium the test is skipped, except under CI=true, where it
// fails: CI must run it.
func MustBrowser(tb testing.TB) context.Context {
	tb.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("browser test: %s not found (CI=true requires it: apt-get install chromium)", chromiumPath)
		}
		tb.Skipf("browser test skipped: %s not found (install Debian's chromium package to run it)", chromiumPath)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
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

// browse runs the steps with a time limit, failing the test on error.
func browse(tb testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](tb testing.TB, ctx context.Context, expr string) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds. It evaluates afresh
// each time, so it survives the navigation a click starts (a poll inside
// the old page would die with it).
func waitFor(cond string) chromedp.Action[chromedp.Void] {
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

// headingIs waits until the page's <h1> reads want: the click has led to
// the next page.
func headingIs(want string) chromedp.Action[chromedp.Void] {
	return waitFor(`document.readyState === "complete" && document.querySelector("h1") !== null && document.querySelector("h1").textContent.trim() === ` + jsString(want))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestBrowser(t *testing.T) {
	ctx := MustBrowser(t)
	f := MustSimulate(t, 2000, 5)
	base := MustServe(t, f)
	e := f.Election

	t.Run("drill down from the overview to a station by clicking", func(t *testing.T) {
		browse(t, ctx, "open the portal", chromedp.Navigate(base), headingIs(e.Name))
		for depth := 0; depth < len(e.Levels); depth++ {
			const link = `table.areas tbody tr:not(.total) th a`
			name := eval[string](t, ctx, `document.querySelector(`+jsString(link)+`).textContent.trim()`)
			browse(t, ctx, "click "+name, chromedp.Click(chromedp.CSS(link)), headingIs(name))
		}
		const station = `table.stations tbody th a`
		code := eval[string](t, ctx, `document.querySelector(`+jsString(station)+`).textContent.trim()`)
		browse(t, ctx, "click station "+code, chromedp.Click(chromedp.CSS(station)), headingIs("Station "+code))
		crumbs := eval[int](t, ctx, `document.querySelectorAll("nav.crumbs li").length`)
		if crumbs != len(e.Levels)+1 {
			t.Errorf("station breadcrumb has %d entries, want national and %d levels", crumbs, len(e.Levels))
		}
	})

	code := f.Stations[len(f.Stations)/3].Code
	t.Run("search box finds a station by code", func(t *testing.T) {
		browse(t, ctx, "search "+code,
			chromedp.SendKeys(chromedp.ID("q"), code),
			chromedp.Submit(chromedp.ID("q")),
			waitFor(`location.pathname.endsWith("/search") && document.querySelector("table.hits") !== null`),
		)
		browse(t, ctx, "open the hit",
			chromedp.Click(chromedp.CSS(`table.hits tbody a[href$="/s/`+code+`"]`)),
			headingIs("Station "+code))
	})

	t.Run("switch to Spanish", func(t *testing.T) {
		browse(t, ctx, "click Español",
			chromedp.Click(chromedp.CSS(`nav.langs a[lang="es"]`)),
			waitFor(`document.documentElement.lang === "es"`),
			headingIs("Mesa "+code))
		// The choice stays with the reader: the overview is Spanish too.
		browse(t, ctx, "overview in Spanish", chromedp.Navigate(base), headingIs(e.Name),
			waitFor(`document.documentElement.lang === "es"`))
		body := eval[string](t, ctx, `document.body.innerText`)
		for _, want := range []string{"Resultados", "Mesas contadas", "Descargar esta tabla (CSV)"} {
			if !strings.Contains(body, want) {
				t.Errorf("Spanish overview lacks %q", want)
			}
		}
		first := eval[string](t, ctx, `document.querySelector("table.summary tbody td").firstChild.textContent`)
		if !regexp.MustCompile(`^\d{1,3}(\.\d{3})+$`).MatchString(first) {
			t.Errorf("votes written %q, want Spanish grouping like 123.456", first)
		}
		browse(t, ctx, "back to English", chromedp.Click(chromedp.CSS(`nav.langs a[lang="en"]`)),
			waitFor(`document.documentElement.lang === "en"`))
	})

	t.Run("nothing overflows a phone's width", func(t *testing.T) {
		_, states := f.mustArea(t, f.contest(), "reconciled", "")
		lowest, err := f.Tab.Level(e.ID, f.contest(), "reconciled", e.Levels[len(e.Levels)-1], "")
		if err != nil {
			t.Fatal(err)
		}
		pages := map[string]string{
			"overview": electionURL(e.ID),
			"state":    areaURL(e.ID, states[0].Path),
			"center":   areaURL(e.ID, lowest[0].Path),
			"station":  stationURL(e.ID, code),
			"search":   searchURL(e.ID) + "?q=san",
		}
		dir := os.Getenv("ACTAS_SCREENSHOTS") // keep them to look at
		if dir == "" {
			dir = t.TempDir()
		}
		browse(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		for name, path := range pages {
			browse(t, ctx, "open "+name, chromedp.Navigate(strings.TrimSuffix(base, "/")+path),
				chromedp.WaitVisible(chromedp.CSS("h1")))
			if fits := eval[bool](t, ctx, `document.documentElement.scrollWidth <= window.innerWidth`); !fits {
				w := eval[int](t, ctx, `document.documentElement.scrollWidth`)
				t.Errorf("%s: the page is %d px wide on a 390 px phone", name, w)
			}
			// Wide tables scroll inside their own box; nothing else may
			// stick out.
			out := eval[[]string](t, ctx, `[...document.querySelectorAll("body *")]
				.filter(e => !e.closest(".scroll") && e.getBoundingClientRect().right > window.innerWidth + 1)
				.map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))`)
			if len(out) > 0 {
				t.Errorf("%s: elements overflow the phone's width: %v", name, out)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", name, err)
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatalf("%s: screenshot is not a PNG: %v", name, err)
			}
			if w := img.Bounds().Dx(); w != 390*2 {
				t.Errorf("%s: screenshot is %d px wide, want 780 (390 at 2×)", name, w)
			}
			if err := os.WriteFile(filepath.Join(dir, "phone-"+name+".png"), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
}

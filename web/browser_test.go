package web

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/web/webtest"
	"github.com/chromedp/chromedp"
)

func TestBrowser(t *testing.T) {
	ctx := webtest.MustBrowser(t)
	f := MustSimulate(t, 2000, 5)
	base := MustServe(t, f)
	e := f.Election

	t.Run("drill down from the overview to a station by clicking", func(t *testing.T) {
		webtest.DrillDown(t, ctx, base, e.Name, len(e.Levels))
		crumbs := webtest.Eval[int](t, ctx, `document.querySelectorAll("nav.crumbs li").length`)
		if crumbs != len(e.Levels)+1 {
			t.Errorf("station breadcrumb has %d entries, want national and %d levels", crumbs, len(e.Levels))
		}
	})

	code := f.Stations[len(f.Stations)/3].Code
	t.Run("search box finds a station by code", func(t *testing.T) {
		webtest.SearchStation(t, ctx, code)
	})

	t.Run("switch to Spanish", func(t *testing.T) {
		webtest.SwitchLanguage(t, ctx, "es")
		webtest.Do(t, ctx, "the station page in Spanish", webtest.HeadingIs("Mesa "+code))
		// The choice stays with the reader: the overview is Spanish too.
		webtest.Do(t, ctx, "overview in Spanish", chromedp.Navigate(base), webtest.HeadingIs(e.Name),
			webtest.WaitFor(`document.documentElement.lang === "es"`))
		body := webtest.Eval[string](t, ctx, `document.body.innerText`)
		for _, want := range []string{"Resultados", "Mesas contadas", "Descargar esta tabla (CSV)"} {
			if !strings.Contains(body, want) {
				t.Errorf("Spanish overview lacks %q", want)
			}
		}
		first := webtest.Eval[string](t, ctx, `document.querySelector("table.summary tbody td").firstChild.textContent`)
		if !regexp.MustCompile(`^\d{1,3}(\.\d{3})+$`).MatchString(first) {
			t.Errorf("votes written %q, want Spanish grouping like 123.456", first)
		}
		webtest.SwitchLanguage(t, ctx, "en")
	})

	t.Run("a stored photo shows as a thumbnail linking to it", func(t *testing.T) {
		// An audit of a station not shown yet (its page is not cached),
		// with a photo: the server already running serves it (a second
		// server would take seconds to close), and the phone test below
		// checks the page with it.
		st := f.Stations[len(f.Stations)/2]
		name, err := f.Store.PutEvidence(t.Context(), e.ID, storetest.Photo(7))
		if err != nil {
			t.Fatal(err)
		}
		c := &e.Contests[0]
		sub := &actas.Submission{Source: actas.Audit, Submitter: "import", Origin: "browser test", Received: time.Now().UTC(),
			Sheet:    actas.Sheet{Station: st.Code, Contest: c.ID, Votes: make([]int64, len(c.Choices)), Voters: actas.Unknown},
			Evidence: []actas.Evidence{{Kind: "photo", SHA256: name}}}
		if _, err := f.Store.Submit(t.Context(), e.ID, []*actas.Submission{sub}, nil); err != nil {
			t.Fatal(err)
		}
		if err := f.Tab.Add(sub); err != nil {
			t.Fatal(err)
		}
		webtest.Do(t, ctx, "open the station with a photo", chromedp.Navigate(strings.TrimSuffix(base, "/")+stationURL(e.ID, st.Code)),
			webtest.HeadingIs("Station "+st.Code),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("a.photo img").scrollIntoView()`),
			// Loaded and decoded under the page's Content-Security-Policy.
			webtest.WaitFor(`document.querySelector("a.photo img").complete && document.querySelector("a.photo img").naturalWidth === 4`))
		if href := webtest.Eval[string](t, ctx, `document.querySelector("a.photo").getAttribute("href")`); href != evidenceURL(e.ID, name) {
			t.Errorf("the thumbnail links to %q, want %q", href, evidenceURL(e.ID, name))
		}
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
			"photo":    stationURL(e.ID, f.Stations[len(f.Stations)/2].Code),
			"search":   searchURL(e.ID) + "?q=san",
		}
		dir := os.Getenv("ACTAS_SCREENSHOTS") // keep them to look at
		if dir == "" {
			dir = t.TempDir()
		}
		webtest.Do(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		for name, path := range pages {
			webtest.Do(t, ctx, "open "+name, chromedp.Navigate(strings.TrimSuffix(base, "/")+path),
				chromedp.WaitVisible(chromedp.CSS("h1")))
			if fits := webtest.Eval[bool](t, ctx, `document.documentElement.scrollWidth <= window.innerWidth`); !fits {
				w := webtest.Eval[int](t, ctx, `document.documentElement.scrollWidth`)
				t.Errorf("%s: the page is %d px wide on a 390 px phone", name, w)
			}
			// Wide tables scroll inside their own box; nothing else may
			// stick out.
			out := webtest.Eval[[]string](t, ctx, `[...document.querySelectorAll("body *")]
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

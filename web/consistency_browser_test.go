package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/web/webtest"
	"github.com/chromedp/chromedp"
)

func TestBrowserConsistency(t *testing.T) {
	ctx := webtest.MustBrowser(t)
	f := MustDemo(t, 2000, 1, Config{Consistency: testAnalyses, ConsistencyWait: time.Minute})
	base := strings.TrimSuffix(MustServe(t, f), "/")
	e := f.Election
	ref := f.mustReference(t, "", testAnalyses)
	l := mustLocale(t, "en")

	t.Run("the overview leads to the consistency page", func(t *testing.T) {
		webtest.Do(t, ctx, "open the overview", chromedp.Navigate(base+electionURL(e.ID)), webtest.HeadingIs(e.Name))
		webtest.Do(t, ctx, "follow the link", chromedp.Click(chromedp.CSS(`p.consistency-link a`)),
			webtest.HeadingIs(l.t("consistency.title")))
	})

	t.Run("each verdict is shown with its status in words", func(t *testing.T) {
		for _, s := range ref.Sections() {
			sel := webtest.JS("#verdict-" + string(s.Analysis))
			status := webtest.Eval[string](t, ctx, `document.querySelector(`+sel+` + " .status").innerText`)
			if want := l.t("consistency.status." + string(s.Status)); !strings.Contains(status, want) || !strings.Contains(status, statusIcons[s.Status]) {
				t.Errorf("%s: status reads %q, want %q with its icon", s.Analysis, status, want)
			}
			headline := webtest.Eval[string](t, ctx, `document.querySelector(`+sel+` + " .headline").innerText`)
			if words(headline) != words(s.Headline) {
				t.Errorf("%s: headline reads %q, want %q", s.Analysis, headline, s.Headline)
			}
			if visible := webtest.Eval[bool](t, ctx, `document.querySelector(`+sel+`).getBoundingClientRect().height > 0`); !visible {
				t.Errorf("%s: the verdict is not visible", s.Analysis)
			}
		}
	})

	t.Run("each chart is drawn", func(t *testing.T) {
		for _, a := range charted {
			sel := webtest.JS(`[id^="chart-` + string(a) + `"] svg`)
			type box struct{ W, H float64 }
			b := webtest.Eval[box](t, ctx, `(() => { const r = document.querySelector(`+sel+`).getBoundingClientRect(); return {W: r.width, H: r.height}; })()`)
			marks := webtest.Eval[int](t, ctx, `document.querySelector(`+sel+`).querySelectorAll("rect, circle, path").length`)
			if b.W <= 0 || b.H <= 0 || marks < 2 {
				t.Errorf("%s: chart of %v×%v px with %d marks", a, b.W, b.H, marks)
			}
			title := webtest.Eval[string](t, ctx, `document.querySelector(`+sel+` + " > title").textContent`)
			if title == "" {
				t.Errorf("%s: chart has no title", a)
			}
		}
	})

	t.Run("a download link gives the analysis's data", func(t *testing.T) {
		href := webtest.Eval[string](t, ctx, `document.querySelector("#bound a[href*='download=']").getAttribute("href")`)
		resp, err := http.Get(base + href)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(resp.Body).ReadAll()
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(rows) != 1+len(ref.Bound.Result.Choices)+len(ref.Bound.Result.Figures) {
			t.Errorf("GET %s: %d, %d rows, %v", href, resp.StatusCode, len(rows), err)
		}
		webtest.Do(t, ctx, "follow the JSON link of the bound", chromedp.Click(chromedp.CSS(`#bound a.json`)),
			webtest.WaitFor(`location.pathname.startsWith("/api/") && document.readyState === "complete"`))
		body := webtest.Eval[string](t, ctx, `document.body.innerText`)
		var doc consistencyDoc
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("the JSON link shows %.200q: %v", body, err)
		}
		if !slices.Equal(doc.Analyses, []consistency.Analysis{consistency.Bound}) || doc.Bound == nil ||
			doc.Bound.Verdict != ref.Bound.Result.Verdict || doc.Bound.Status != ref.Bound.Status {
			t.Errorf("the bound's data: %+v", doc.Analyses)
		}
	})

	t.Run("nothing overflows a phone's width", func(t *testing.T) {
		dir := os.Getenv("ACTAS_SCREENSHOTS") // keep them to look at
		if dir == "" {
			dir = t.TempDir()
		}
		webtest.Do(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		for _, lang := range []string{"en", "es"} {
			webtest.Do(t, ctx, "open the page in "+lang, chromedp.Navigate(base+consistencyURL(e.ID)+"?lang="+lang),
				webtest.WaitFor(`document.documentElement.lang === `+webtest.JS(lang)+` && document.querySelector("#verdicts-h") !== null`))
			if fits := webtest.Eval[bool](t, ctx, `document.documentElement.scrollWidth <= window.innerWidth`); !fits {
				t.Errorf("%s: the page is %d px wide on a 390 px phone", lang, webtest.Eval[int](t, ctx, `document.documentElement.scrollWidth`))
			}
			out := webtest.Eval[[]string](t, ctx, `[...document.querySelectorAll("body *")]
				.filter(e => !e.closest(".scroll") && !e.closest("svg") && e.getBoundingClientRect().right > window.innerWidth + 1)
				.map(e => e.tagName.toLowerCase() + (typeof e.className === "string" && e.className ? "." + e.className : ""))`)
			if len(out) > 0 {
				t.Errorf("%s: elements overflow the phone's width: %v", lang, out)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "phone-consistency-"+lang+".png"), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		webtest.Do(t, ctx, "desktop viewport", chromedp.EmulateViewport(1280, 900))
	})
}

package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/web/webtest"
)

func TestIncidentReportedModeratedAndPublishedInBrowser(t *testing.T) {
	ctx := webtest.MustBrowser(t)
	af := MustAuth(t, -1)
	base := strings.TrimSuffix(MustServe(t, af.fixture), "/")
	photoPath := filepath.Join(t.TempDir(), "incidente.png")
	if err := os.WriteFile(photoPath, storetest.Photo(77), 0o644); err != nil {
		t.Fatal(err)
	}
	const secret = "Pedro Pérez, chofer del alcalde, sacó al testigo a empujones"
	const redacted = "Un hombre sacó al testigo a empujones."
	zulia := base + areaURL(hmID, "Zulia")
	webtest.Do(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))

	t.Run("a witness reports an incident with a photo", func(t *testing.T) {
		signInAt(t, ctx, base+newIncidentURL(hmID), storetest.MustIssueCode(t, af.Store, af.accounts["witness of 0401"].ID), "Report an incident")
		webtest.Do(t, ctx, "fill and send the report",
			chromedp.SendKeys(chromedp.CSS("#incident-station"), hmFlagged),
			chromedp.SetValue(chromedp.CSS("#incident-category"), "witness-expelled"),
			chromedp.SetValue(chromedp.CSS("#incident-severity"), "3"),
			chromedp.SendKeys(chromedp.CSS("#incident-text"), secret),
			chromedp.SetUploadFiles(chromedp.CSS("#incident-file"), []string{photoPath}),
			chromedp.Click(chromedp.CSS("#incident-form button")),
			webtest.WaitFor(`document.querySelector("#incident-sent") !== null`))
	})

	t.Run("the report is not public", func(t *testing.T) {
		webtest.Do(t, ctx, "sign out; open Zulia", signOutAll(), chromedp.Navigate(zulia), webtest.WaitFor(`document.querySelector("#incidents") !== null`))
		if webtest.Eval[bool](t, ctx, `document.body.textContent.includes("Pedro")`) {
			t.Fatal("the unmoderated report shows on the public area page")
		}
	})

	t.Run("the coordinator sees it with its photo and publishes it redacted", func(t *testing.T) {
		signInAt(t, ctx, base+reviewIncidentsURL(hmID), storetest.MustIssueCode(t, af.Store, af.accounts["coordinator of Zulia"].ID), "Incident reports")
		item := `section.incident-review[data-incident]`
		webtest.Do(t, ctx, "see the photo", webtest.WaitFor(photoShown(item)))
		if !webtest.Eval[bool](t, ctx, `document.querySelector(`+webtest.JS(item)+`).textContent.includes("Pedro")`) {
			t.Fatal("the queue does not show the report's text")
		}
		webtest.Do(t, ctx, "redact and publish",
			chromedp.SetValue(chromedp.CSS(item+" form.publish textarea"), redacted),
			chromedp.Click(chromedp.CSS(item+" form.publish button")),
			webtest.HeadingIs("Incident reports"),
			webtest.WaitFor(`document.querySelector("#incidents-empty") !== null`))
	})

	t.Run("the public area page shows the published text and its count", func(t *testing.T) {
		webtest.Do(t, ctx, "sign out; open Zulia", signOutAll(), chromedp.Navigate(zulia), webtest.WaitFor(`document.querySelector("#incidents") !== null`))
		got := webtest.Eval[string](t, ctx, `document.querySelector("#incidents").textContent`)
		for _, want := range []string{redacted, "Witness expelled: 1", "Published incidents: 1"} {
			if !strings.Contains(strings.Join(strings.Fields(got), " "), want) {
				t.Errorf("the incidents section says %q, without %q", got, want)
			}
		}
		if webtest.Eval[bool](t, ctx, `document.body.textContent.includes("Pedro")`) {
			t.Fatal("the report's own text is public")
		}
		n := webtest.Eval[int](t, ctx, `document.querySelectorAll("#incidents img").length`)
		if n != 0 {
			t.Fatal("the report's photo is public")
		}
		incs, err := af.Store.Incidents(t.Context(), hmID, actas.IncidentFilter{Status: actas.IncidentPublished})
		if err != nil || len(incs) != 1 || len(incs[0].Photos) != 1 {
			t.Fatalf("stored: %+v, %v", incs, err)
		}
	})
}

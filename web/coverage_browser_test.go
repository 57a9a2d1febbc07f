package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/web/webtest"
)

func TestCoverageBoardInBrowser(t *testing.T) {
	ctx := webtest.MustBrowser(t)
	af := MustCoverage(t)
	base := strings.TrimSuffix(MustServe(t, af.fixture), "/")
	coordinator := af.accounts["coordinator of Zulia"]

	signInAt(t, ctx, base+electionURL(hmID)+"/coverage", storetest.MustIssueCode(t, af.Store, coordinator.ID), "Coverage: Zulia")
	maracaibo := `#coverage-table tr[data-area=` + webtest.JS(actas.JoinPath("Zulia", "Maracaibo")) + `] th a`
	webtest.Do(t, ctx, "drill down to Maracaibo", chromedp.Click(chromedp.CSS(maracaibo)), webtest.HeadingIs("Coverage: Maracaibo"))
	row := `document.querySelector('#coverage-stations tr[data-station="` + hmFlagged + `"]')`
	if got := webtest.Eval[string](t, ctx, row+`.textContent.replace(/\s+/g, " ").trim()`); !strings.Contains(got, "witness assigned, no sheet sent") || !strings.Contains(got, "Rosa Pérez") {
		t.Fatalf("station %s's row reads %q", hmFlagged, got)
	}
	if got := webtest.Eval[string](t, ctx, row+`.querySelector('a[href^="tel:"]').getAttribute("href")`); got != "tel:"+hmPhone {
		t.Fatalf("the witness's phone link is %q, want tel:%s", got, hmPhone)
	}
}

package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/web/webtest"
)

// handCount types a station's hand count into the audit's count form and
// sends it.
func (af *auditFixture) handCount(sh actas.Sheet) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for i, ch := range af.Election.Contests[0].Choices {
		steps = append(steps, typeInto("#c-"+ch.ID, itoa(sh.Votes[i])))
	}
	steps = append(steps, typeInto("#c-blank", itoa(sh.Blank)), typeInto("#c-null", itoa(sh.Null)), typeInto("#c-ballots", itoa(sh.Ballots)),
		chromedp.Click(chromedp.CSS("#count-send")))
	return chromedp.Steps(steps...)
}

func TestAuditRoundInBrowser(t *testing.T) {
	ctx := webtest.MustBrowser(t)
	af := MustAuditFixture(t)
	base := strings.TrimSuffix(MustServe(t, af.fixture), "/")
	page := base + af.auditURL()
	countPage := base + auditCountURL(af.Election.ID, auditID, "")
	const countHeading = "Hand counts of audit " + auditID

	t.Run("an admin signs in and draws round 1", func(t *testing.T) {
		signInAt(t, ctx, countPage, storetest.MustIssueCode(t, af.Store, af.accounts["admin"].ID), countHeading)
		webtest.Do(t, ctx, "draw", chromedp.Navigate(page), webtest.HeadingIs("Audit "+auditID),
			chromedp.Click(chromedp.CSS("#draw")), webtest.WaitFor(`document.querySelector("#round-1") !== null`))
		if n := webtest.Eval[int](t, ctx, `document.querySelectorAll("#sample tr.reported").length`); n != len(af.state(t).Sampled()) {
			t.Fatalf("the page shows %d sampled stations", n)
		}
	})
	sampled := af.state(t).Sampled()

	for _, k := range []struct{ keyer, want string }{
		{"keyer one", "It now needs a second keyer"},
		{"keyer two", "agrees with another keyer"},
	} {
		t.Run(k.keyer+" enters the hand counts of the sampled stations", func(t *testing.T) {
			webtest.Do(t, ctx, "sign out", signOutAll())
			signInAt(t, ctx, countPage, storetest.MustIssueCode(t, af.Store, af.accounts[k.keyer].ID), countHeading)
			for _, id := range sampled {
				sh := af.truth(t, id)
				webtest.Do(t, ctx, "count "+id,
					chromedp.Click(chromedp.CSS(`#count-stations li[data-station=`+webtest.JS(id)+`] a`)),
					webtest.WaitFor(`document.querySelector("#count-station") && document.querySelector("#count-station").textContent === `+webtest.JS("Station "+id)))
				if webtest.Eval[bool](t, ctx, `document.querySelector("#count-form").textContent.includes(`+webtest.JS(itoa(sh.Ballots))+`)`) {
					t.Fatalf("the form for %s shows the reported ballots", id)
				}
				webtest.Do(t, ctx, "send "+id, af.handCount(sh),
					webtest.WaitFor(`document.querySelector("#count-done") && document.querySelector("#count-done").textContent.includes(`+webtest.JS(k.want)+`)`))
			}
		})
	}

	t.Run("the admin computes the risk and the public page shows the outcome", func(t *testing.T) {
		webtest.Do(t, ctx, "sign out", signOutAll())
		signInAt(t, ctx, countPage, storetest.MustIssueCode(t, af.Store, af.accounts["admin"].ID), countHeading)
		webtest.Do(t, ctx, "compute the risk", chromedp.Navigate(page), webtest.HeadingIs("Audit "+auditID),
			chromedp.Click(chromedp.CSS("#compute-risk")), webtest.WaitFor(`document.querySelector("#risk-1") !== null`))
		webtest.Do(t, ctx, "read it as the public", signOutAll(), chromedp.Navigate(page), webtest.HeadingIs("Audit "+auditID))
		outcome := webtest.Eval[string](t, ctx, `document.querySelector("#audit-outcome").textContent`)
		if !strings.Contains(outcome, "Outcome confirmed at risk") || !strings.Contains(outcome, "≤ 10%") {
			t.Errorf("outcome %q", outcome)
		}
		if got := webtest.Eval[string](t, ctx, `document.querySelector("#risk-1").dataset.decision`); got != "confirmed" {
			t.Errorf("decision %q", got)
		}
		if n := webtest.Eval[int](t, ctx, `document.querySelectorAll("#sample tr.hand").length`); n != len(sampled) {
			t.Errorf("%d hand counts shown, want %d", n, len(sampled))
		}
		cmd := webtest.Eval[string](t, ctx, `document.querySelector("#recompute-command").textContent`)
		if !strings.HasPrefix(cmd, "actas audit compute --batches batches.csv --seed "+auditSeed) || !strings.Contains(cmd, "--counts counts.csv") {
			t.Errorf("recompute command %q", cmd)
		}
		if webtest.Eval[bool](t, ctx, `document.querySelector("#audit-forms") !== null`) {
			t.Error("the public sees the audit's forms")
		}
	})

	t.Run("a sampled station's page shows the audit sheet", func(t *testing.T) {
		const auditSheet = `[...document.querySelectorAll("main .subhead strong")].some(e => e.textContent === "Audit")`
		// The station page reads the station's submissions from the store:
		// the agreed hand count is there as a sheet of source audit.
		webtest.Do(t, ctx, "open "+sampled[0], chromedp.Navigate(base+stationURL(af.Election.ID, sampled[0])), webtest.HeadingIs("Station "+sampled[0]))
		if !webtest.Eval[bool](t, ctx, auditSheet) {
			t.Fatalf("the station page shows no audit sheet: %.600s", webtest.Eval[string](t, ctx, `document.querySelector("main").textContent`))
		}
	})
}

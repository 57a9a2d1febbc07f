package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/web/webtest"
)

// signOutAll forgets every cookie, as another person on another phone.
func signOutAll() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
		return err
	})
}

// signInAt opens a signed-in page, is sent to sign in, and signs in with
// a one-time code, landing on the page headed want.
func signInAt(tb testing.TB, ctx context.Context, url, code, want string) {
	tb.Helper()
	webtest.Do(tb, ctx, "sign in for "+url, chromedp.Navigate(url), webtest.HeadingIs("Sign in"),
		chromedp.SendKeys(chromedp.CSS("#signin-code"), code),
		chromedp.Click(chromedp.CSS(`form.signin button`)),
		webtest.HeadingIs(want))
}

// keyIn types a sheet into the keyer's form and sends it.
func keyIn(votes [3]string, blank, null, ballots string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		typeInto("#k-a", votes[0]), typeInto("#k-b", votes[1]), typeInto("#k-c", votes[2]),
		typeInto("#k-blank", blank), typeInto("#k-null", null), typeInto("#k-ballots", ballots),
		chromedp.Click(chromedp.CSS("#key-send")),
	)
}

// photoShown is a condition: the page's first photo in scope has loaded.
func photoShown(scope string) string {
	return `(() => { const i = document.querySelector(` + webtest.JS(scope+" img") + `); return i && i.complete && i.naturalWidth > 0 })()`
}

func TestDoubleEntryAndReviewInBrowser(t *testing.T) {
	ctx := webtest.MustBrowser(t)
	af := MustAuth(t, -1)
	base := strings.TrimSuffix(MustServe(t, af.fixture), "/")
	// Two witnesses' sheets with a photo: 0101's (handmade) and 0201's,
	// which states the official numbers.
	w0101 := MustStation(t, af, hmConflict).Current[actas.Witness]
	w0201 := af.MustWitnessPhoto(t, hmFlaggedSheet, "import")
	keyer := af.accounts["keyer"]
	coordinator := af.accounts["coordinator of Zulia"]

	t.Run("a keyer keys a sheet identically and verifies it", func(t *testing.T) {
		signInAt(t, ctx, base+keyURL(hmID), storetest.MustIssueCode(t, af.Store, keyer.ID), "Key a tally sheet")
		webtest.Do(t, ctx, "see the photo", webtest.WaitFor(photoShown(".photos")))
		if got := webtest.Eval[string](t, ctx, `document.querySelector("#key-station").textContent`); got != "Station "+hmConflict {
			t.Fatalf("first sheet to key: %q", got)
		}
		if webtest.Eval[bool](t, ctx, `document.body.textContent.includes("1030")`) {
			t.Fatal("the keyer's page shows the witness's ballots")
		}
		webtest.Do(t, ctx, "key 0101 as the witness did", keyIn([3]string{"700", "300", "20"}, "5", "5", "1030"),
			webtest.WaitFor(`document.querySelector("#key-done") && document.querySelector("#key-done").textContent.includes("Verified")`))
	})

	t.Run("a keyer keys another station differently and it goes to review", func(t *testing.T) {
		if got := webtest.Eval[string](t, ctx, `document.querySelector("#key-station").textContent`); got != "Station "+hmFlagged {
			t.Fatalf("next sheet to key: %q", got)
		}
		webtest.Do(t, ctx, "key 0201 with other numbers", webtest.WaitFor(photoShown(".photos")),
			keyIn([3]string{"400", "300", "70"}, "5", "5", "780"),
			webtest.WaitFor(`document.querySelector("#key-done") && document.querySelector("#key-done").textContent.includes("Sent to review")`))
		if !webtest.Eval[bool](t, ctx, `document.querySelector("#key-none") !== null`) {
			t.Fatal("after two sheets the keyer is offered another")
		}
	})

	item := `section[data-station="` + hmFlagged + `"]`
	t.Run("the coordinator sees the station with its photo and both entries", func(t *testing.T) {
		webtest.Do(t, ctx, "sign out the keyer", signOutAll())
		signInAt(t, ctx, base+reviewURL(hmID), storetest.MustIssueCode(t, af.Store, coordinator.ID), "Review queue")
		webtest.Do(t, ctx, "see 0201's photo", webtest.WaitFor(photoShown(item)))
		rows := webtest.Eval[[]string](t, ctx, `[...document.querySelectorAll(`+webtest.JS(item+" table.compare tbody th")+`)].map(th => th.textContent)`)
		joined := strings.Join(rows, " | ")
		if !strings.Contains(joined, "Witnesses #"+itoa(w0201)) || !strings.Contains(joined, "keying #") {
			t.Fatalf("rows %q: want the witness's sheet and the keying", rows)
		}
		if n := webtest.Eval[int](t, ctx, `document.querySelectorAll(`+webtest.JS(item+" mark")+`).length`); n == 0 {
			t.Fatal("the differences are not highlighted")
		}
		if w0101 == 0 || !webtest.Eval[bool](t, ctx, `document.querySelector('section[data-station="`+hmConflict+`"]') !== null`) {
			t.Fatal("0101, whose sheets conflict, is not in the queue")
		}
	})

	reason := "The photo shows 10 for Carla Ruiz and 720 ballots, as the witness typed."
	t.Run("the coordinator accepts the witness's sheet and the station page shows it", func(t *testing.T) {
		webtest.Do(t, ctx, "decide", chromedp.Click(chromedp.CSS(item+` input[value="accept:`+itoa(w0201)+`"]`)),
			chromedp.SendKeys(chromedp.CSS(item+" textarea"), reason),
			chromedp.Click(chromedp.CSS(item+" form.decide button")),
			webtest.HeadingIs("Station "+hmFlagged))
		got := webtest.Eval[string](t, ctx, `document.querySelector("#review-president").textContent`)
		for _, want := range []string{"Decisions", "Accept Witnesses #" + itoa(w0201), reason, "by account " + itoa(coordinator.ID)} {
			if !strings.Contains(got, want) {
				t.Errorf("the station page's review says %q, without %q", got, want)
			}
		}
		if webtest.Eval[bool](t, ctx, `document.body.textContent.includes(`+webtest.JS(coordinator.Name)+`)`) {
			t.Error("the public page names the coordinator")
		}
		webtest.Do(t, ctx, "follow the decision's log entry", chromedp.Click(chromedp.CSS(`#review-president ol.decisions a`)),
			webtest.WaitFor(`document.readyState === "complete" && location.pathname.startsWith("/e/`+hmID+`/log/")`))
	})
}

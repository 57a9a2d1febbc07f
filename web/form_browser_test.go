package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/translog"
	"github.com/actasproject/actas/web/webtest"
)

// setOffline cuts the page's (and its service worker's) connection, or
// gives it back, the way DevTools' "Offline" switch does: requests fail,
// navigator.onLine changes and the page gets offline and online events.
func setOffline(offline bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		yes := true
		conds := []*network.Conditions{}
		if offline {
			conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &yes, MatchedNetworkConditions: conds}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

// typeInto replaces a field's text by typing, key by key, as a witness does.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+webtest.JS(sel)+`).value = ""`),
		chromedp.SendKeys(chromedp.CSS(sel), text),
	)
}

// stationCount is how many submissions the store holds for a station.
func (af *authFixture) stationCount(tb testing.TB, station string) int {
	tb.Helper()
	subs, err := af.Store.StationSubmissions(tb.Context(), hmID, station)
	if err != nil {
		tb.Fatal(err)
	}
	return len(subs)
}

func TestWitnessFormInBrowser(t *testing.T) {
	ctx := webtest.MustBrowser(t)
	af := MustAuth(t, 5*time.Second) // its signer keeps signing checkpoints
	// Answer 202 at once: the phone then fetches its receipt itself.
	af.restart(t, -1)
	base := strings.TrimSuffix(MustServe(t, af.fixture), "/")
	e := handmade().Election
	// A witness of two stations, one of them with machines, so that every
	// rule the form mirrors has a station to apply to.
	witness := storetest.MustCreateAccount(t, af.Store, &actas.Account{Election: hmID, Name: "Wilmer Ortega",
		Contact: "wilmer@example.org", Role: actas.RoleWitness, Scope: []string{"0401", hmConflict}})
	code, err := af.Store.IssueCode(t.Context(), witness.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	photo := MustJPEG(t, 9, true)
	photoPath := filepath.Join(t.TempDir(), "acta-0401.jpg")
	if err := os.WriteFile(photoPath, photo, 0o644); err != nil {
		t.Fatal(err)
	}
	webtest.Do(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))

	t.Run("a witness signs in with a one-time code and lands on the form", func(t *testing.T) {
		webtest.Do(t, ctx, "open the form", chromedp.Navigate(base+formURL(hmID)), webtest.HeadingIs("Sign in"),
			chromedp.SendKeys(chromedp.CSS("#signin-code"), code),
			chromedp.Click(chromedp.CSS(`form.signin button`)),
			webtest.HeadingIs("Send a tally sheet"),
			webtest.WaitFor(`document.documentElement.dataset.ready === "true"`))
		if n := webtest.Eval[int](t, ctx, `document.querySelectorAll("#f-station option[value]:not([value=''])").length`); n != 2 {
			t.Fatalf("the form offers %d stations, want the witness's 2", n)
		}
		if w := webtest.Eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the form is %d px wide on a 390 px phone", w)
		}
		if dir := os.Getenv("ACTAS_SCREENSHOTS"); dir != "" {
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "phone-form.png"), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("the page's checks give the server's verdict", func(t *testing.T) {
		stations := map[string]*actas.Station{}
		for _, st := range handmade().Stations {
			stations[st.Code] = &st
		}
		sheets := []struct {
			name string
			s    actas.Sheet
		}{
			{"a sheet that adds up", actas.Sheet{Station: "0401", Votes: []int64{100, 200, 3}, Blank: 1, Null: 1, Ballots: 305, Voters: actas.Unknown}},
			{"one ballot too many", actas.Sheet{Station: "0401", Votes: []int64{100, 200, 3}, Blank: 1, Null: 1, Ballots: 306, Voters: actas.Unknown}},
			{"voters differ from ballots", actas.Sheet{Station: "0401", Votes: []int64{100, 200, 3}, Blank: 1, Null: 1, Ballots: 305, Voters: 300}},
			{"more ballots than registered", actas.Sheet{Station: "0401", Votes: []int64{600, 500, 0}, Ballots: 1100, Voters: 1100}},
			{"more voters than registered", actas.Sheet{Station: "0401", Votes: []int64{100, 200, 3}, Blank: 1, Null: 1, Ballots: 305, Voters: 1001}},
			{"one choice above the registered", actas.Sheet{Station: "0401", Votes: []int64{1200, 0, 0}, Ballots: 1200, Voters: actas.Unknown}},
			{"null votes above the registered", actas.Sheet{Station: "0401", Votes: []int64{0, 0, 0}, Null: 1001, Ballots: 1001, Voters: actas.Unknown}},
			{"a station with machines, over its registered", actas.Sheet{Station: hmConflict, Votes: []int64{900, 700, 0}, Ballots: 1600, Voters: 1600}},
			{"a station with machines, in order", actas.Sheet{Station: hmConflict, Votes: []int64{900, 500, 0}, Blank: 10, Null: 5, Ballots: 1415, Voters: 1415}},
			{"an empty box", actas.Sheet{Station: hmConflict, Votes: []int64{0, 0, 0}, Voters: 0}},
		}
		for _, c := range sheets {
			t.Run(c.name, func(t *testing.T) {
				st := stations[c.s.Station]
				want := actas.Check(&c.s, st, e.Capacity(st)).Names()
				js := fmt.Sprintf(`actasCheck({votes: [%d, %d, %d], blank: %d, null: %d, ballots: %d, voters: %d}, %s)`,
					c.s.Votes[0], c.s.Votes[1], c.s.Votes[2], c.s.Blank, c.s.Null, c.s.Ballots, c.s.Voters, webtest.JS(c.s.Station))
				got := webtest.Eval[[]string](t, ctx, js)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("the page says %v, the server %v", got, want)
				}
			})
		}
	})

	before := af.stationCount(t, "0401")
	t.Run("the flag shows while the numbers do not add up, and goes when they do", func(t *testing.T) {
		webtest.Do(t, ctx, "fill the sheet with one ballot too many",
			chromedp.SetValue(chromedp.CSS("#f-station"), "0401"),
			typeInto("#f-president-a", "110"), typeInto("#f-president-b", "200"), typeInto("#f-president-c", "3"),
			typeInto("#f-blank", "1"), typeInto("#f-null", "1"), typeInto("#f-ballots", "316"),
			webtest.WaitFor(`document.querySelector('#flags li[data-flag="sum-mismatch"]')`))
		if n := webtest.Eval[int](t, ctx, `document.querySelectorAll("#flags li").length`); n != 1 {
			t.Errorf("%d flags shown, want sum-mismatch alone", n)
		}
		webtest.Do(t, ctx, "correct the ballots", typeInto("#f-ballots", "315"),
			webtest.WaitFor(`document.querySelectorAll("#flags li").length === 0 && document.querySelector("#check-note").textContent === "The numbers add up."`))
	})

	t.Run("a draft survives closing the page", func(t *testing.T) {
		time.Sleep(500 * time.Millisecond) // drafts are saved when typing pauses
		webtest.Do(t, ctx, "reopen the form", chromedp.Navigate(base+formURL(hmID)),
			webtest.WaitFor(`document.documentElement.dataset.ready === "true"`))
		got := webtest.Eval[[]string](t, ctx, `["#f-station", "#f-president-a", "#f-ballots", "#check-note"].map(s => document.querySelector(s).value ?? document.querySelector(s).textContent)`)
		if strings.Join(got, "|") != "0401|110|315|The numbers add up." {
			t.Fatalf("after reopening, the form reads %q", got)
		}
	})

	var index int64
	t.Run("sent offline, the sheet waits on the phone and is confirmed when the connection returns", func(t *testing.T) {
		webtest.Do(t, ctx, "attach the photo and go offline",
			chromedp.SetUploadFiles(chromedp.CSS("#f-photos"), []string{photoPath}),
			setOffline(true),
			webtest.WaitFor(`!navigator.onLine && document.querySelector("#net.offline")`),
			chromedp.Click(chromedp.CSS("#send")),
			webtest.WaitFor(`document.querySelector('#queue li[data-state="pending"]')`))
		time.Sleep(time.Second) // a retry or two fail meanwhile
		if n := af.stationCount(t, "0401"); n != before {
			t.Fatalf("offline, the server got %d submissions", n-before)
		}
		if state := webtest.Eval[string](t, ctx, `document.querySelector("#queue li").dataset.state`); state != "pending" {
			t.Fatalf("offline, the sheet is %s", state)
		}
		// Every state the witness is shown, as the list is redrawn.
		webtest.Do(t, ctx, "watch the list", chromedp.Evaluate[chromedp.Void](`window.seen = [];
			new MutationObserver(() => document.querySelectorAll("#queue li").forEach(li => {
				if (!seen.includes(li.dataset.state)) seen.push(li.dataset.state);
			})).observe(document.querySelector("#queue"), {childList: true, subtree: true})`))
		webtest.Do(t, ctx, "come back online", setOffline(false),
			webtest.WaitFor(`document.querySelector("#net.online")`),
			webtest.WaitFor(`document.querySelector('#queue li[data-state="confirmed"]')`))
		// The server answers 202 before a checkpoint includes the sheet
		// (its receipt wait is off): the phone shows it sent, then fetches
		// its receipt.
		if seen := webtest.Eval[[]string](t, ctx, `seen`); !slices.Contains(seen, "sent") || seen[len(seen)-1] != "confirmed" {
			t.Errorf("the sheet was shown %v, want sent and then confirmed", seen)
		}
		subs, err := af.Store.StationSubmissions(t.Context(), hmID, "0401")
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != before+1 {
			t.Fatalf("the server holds %d new submissions, want 1", len(subs)-before)
		}
		got := subs[len(subs)-1]
		index = got.Seq
		want := actas.Sheet{Station: "0401", Contest: "president", Votes: []int64{110, 200, 3}, Blank: 1, Null: 1, Ballots: 315, Voters: actas.Unknown}
		if !got.Sheet.Equal(&want) || got.Flags != 0 || got.Submitter != fmt.Sprint(witness.ID) || len(got.Evidence) != 1 ||
			got.Evidence[0].SHA256 != sha256Hex(photo) || !strings.HasPrefix(got.Evidence[0].Text, "exif time=2024-07-28T18:40:12") {
			t.Fatalf("stored %+v", got)
		}
		text := webtest.Eval[string](t, ctx, `document.querySelector("#queue li").innerText`)
		if !strings.Contains(text, fmt.Sprintf("Log entry %d in the signed checkpoint of", index)) {
			t.Errorf("the confirmed sheet reads %q", text)
		}
		if href := webtest.Eval[string](t, ctx, `document.querySelector("#queue li a.receipt").getAttribute("href")`); href != receiptURL(hmID, index) {
			t.Errorf("receipt link %q, want %q", href, receiptURL(hmID, index))
		}
		if href := webtest.Eval[string](t, ctx, `document.querySelector("#queue li a.station").getAttribute("href")`); href != stationURL(hmID, "0401") {
			t.Errorf("station link %q", href)
		}
	})

	t.Run("the receipt verifies and the public station page shows the sheet and its photo", func(t *testing.T) {
		r := af.get(t, receiptURL(hmID, index)).mustOK(t, receiptURL(hmID, index))
		var rc translog.Receipt
		if err := json.Unmarshal([]byte(r.Body), &rc); err != nil {
			t.Fatal(err)
		}
		af.mustVerify(t, &submissionResponse{Index: index, Receipt: &rc})
		webtest.Do(t, ctx, "open the station", chromedp.Click(chromedp.CSS("#queue li a.station")),
			webtest.HeadingIs("Station 0401"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("a.photo img").scrollIntoView()`),
			webtest.WaitFor(`document.querySelector("a.photo img").complete && document.querySelector("a.photo img").naturalWidth === 32`))
		if href := webtest.Eval[string](t, ctx, `document.querySelector("a.photo").getAttribute("href")`); href != evidenceURL(hmID, sha256Hex(photo)) {
			t.Errorf("the photo links to %q", href)
		}
		if body := webtest.Eval[string](t, ctx, `document.body.innerText`); !strings.Contains(body, fmt.Sprintf("#%d", index)) {
			t.Errorf("the station page does not list submission #%d", index)
		}
	})

	// The rest of the witness network, on the same phone: a keyer verifies
	// the witness's sheet from its photo alone, a differing entry of
	// another station goes to the coordinator, whose decision the public
	// station page shows.
	t.Run("a keyer's independent entry verifies the witness's sheet", func(t *testing.T) {
		// The tabulation learns what the API stored, as `actas serve`'s
		// follow does.
		seq, err := af.Tab.SubmissionSeq(hmID)
		if err != nil {
			t.Fatal(err)
		}
		if err := af.Tab.CatchUp(t.Context(), af.Store, hmID, seq); err != nil {
			t.Fatal(err)
		}
		webtest.Do(t, ctx, "the witness hands the phone on", signOutAll())
		signInAt(t, ctx, base+keyURL(hmID), storetest.MustIssueCode(t, af.Store, af.accounts["keyer"].ID), "Key a tally sheet")
		// The oldest sheet with a photo comes first: 0101's, keyed with
		// other numbers than its witness typed.
		if got := webtest.Eval[string](t, ctx, `document.querySelector("#key-station").textContent`); got != "Station "+hmConflict {
			t.Fatalf("first sheet to key: %q", got)
		}
		webtest.Do(t, ctx, "key 0101 differently", webtest.WaitFor(photoShown(".photos")),
			keyIn([3]string{"690", "310", "20"}, "5", "5", "1030"),
			webtest.WaitFor(`document.querySelector("#key-done") && document.querySelector("#key-done").textContent.includes("Sent to review")`))
		if got := webtest.Eval[string](t, ctx, `document.querySelector("#key-station").textContent`); got != "Station 0401" {
			t.Fatalf("next sheet to key: %q, want the witness's 0401", got)
		}
		if webtest.Eval[bool](t, ctx, `document.body.textContent.includes("315")`) {
			t.Fatal("the keyer's page shows the witness's ballots")
		}
		webtest.Do(t, ctx, "key 0401 as the photo reads", webtest.WaitFor(photoShown(".photos")),
			keyIn([3]string{"110", "200", "3"}, "1", "1", "315"),
			webtest.WaitFor(`document.querySelector("#key-done") && document.querySelector("#key-done").textContent.includes("Verified")`))
		webtest.Do(t, ctx, "the station page says so", chromedp.Navigate(base+stationURL(hmID, "0401")),
			webtest.HeadingIs("Station 0401"),
			webtest.WaitFor(`document.body.textContent.includes("verified by an independent entry")`))
	})

	t.Run("the differing entry is in the coordinator's queue, whose decision the station page shows", func(t *testing.T) {
		coordinator := af.accounts["coordinator of Zulia"]
		item := `section[data-station="` + hmConflict + `"]`
		webtest.Do(t, ctx, "the keyer hands the phone on", signOutAll())
		signInAt(t, ctx, base+reviewURL(hmID), storetest.MustIssueCode(t, af.Store, coordinator.ID), "Review queue")
		webtest.Do(t, ctx, "see 0101's photo and entries", webtest.WaitFor(photoShown(item)))
		w0101 := MustStation(t, af, hmConflict).Current[actas.Witness]
		reason := "The photo reads 700 and 300, as the witness typed."
		webtest.Do(t, ctx, "accept the witness's sheet",
			chromedp.Click(chromedp.CSS(item+` input[value="accept:`+itoa(w0101)+`"]`)),
			chromedp.SendKeys(chromedp.CSS(item+" textarea"), reason),
			chromedp.Click(chromedp.CSS(item+" form.decide button")),
			webtest.HeadingIs("Station "+hmConflict))
		if got := webtest.Eval[string](t, ctx, `document.querySelector("#review-president").textContent`); !strings.Contains(got, reason) {
			t.Errorf("the station page's review says %q, without the decision's reason", got)
		}
		// The witness signs in again for what follows.
		code, err := af.Store.IssueCode(t.Context(), witness.ID, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		webtest.Do(t, ctx, "the witness takes the phone back", signOutAll(),
			chromedp.Navigate(base+formURL(hmID)), webtest.HeadingIs("Sign in"),
			chromedp.SendKeys(chromedp.CSS("#signin-code"), code),
			chromedp.Click(chromedp.CSS(`form.signin button`)),
			webtest.HeadingIs("Send a tally sheet"),
			webtest.WaitFor(`document.documentElement.dataset.ready === "true"`))
	})

	t.Run("the form opens without a connection", func(t *testing.T) {
		webtest.Do(t, ctx, "reopen the form offline", chromedp.Navigate(base+formURL(hmID)),
			webtest.WaitFor(`document.documentElement.dataset.ready === "true"`),
			setOffline(true),
			chromedp.Navigate(base+formURL(hmID)),
			webtest.HeadingIs("Send a tally sheet"),
			webtest.WaitFor(`document.documentElement.dataset.ready === "true" && document.querySelector('#queue li[data-state="confirmed"]')`),
			setOffline(false))
	})

	t.Run("an answer lost on the way is retried without a second submission", func(t *testing.T) {
		// The server stores the sheet, but its answer never reaches the
		// phone, as when the connection drops while it travels back.
		var dropped atomic.Int32
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if err := chromedp.Listen(lctx, func(ev any) {
			p, ok := ev.(*fetch.EventRequestPaused)
			if !ok {
				return
			}
			go func() {
				var err error
				if strings.HasSuffix(p.Request.URL, "/submissions") && p.ResponseStatusCode != 0 && dropped.Add(1) == 1 {
					err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
						_, err := cdp.Call(ctx, t, fetch.FailRequest, fetch.FailRequestParams{RequestID: p.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
						return err
					}))
				} else {
					err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
						_, err := cdp.Call(ctx, t, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: p.RequestID})
						return err
					}))
				}
				if err != nil && lctx.Err() == nil {
					t.Errorf("intercept: %v", err)
				}
			}()
		}); err != nil {
			t.Fatal(err)
		}
		webtest.Do(t, ctx, "intercept answers", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
				{URLPattern: "*/submissions", RequestStage: fetch.RequestStageResponse}}})
			return err
		}))
		defer webtest.Do(t, ctx, "stop intercepting", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, fetch.Disable, cdp.Empty{})
			return err
		}))
		before := af.stationCount(t, "0401")
		webtest.Do(t, ctx, "send another sheet",
			chromedp.SetValue(chromedp.CSS("#f-station"), "0401"),
			typeInto("#f-president-a", "120"), typeInto("#f-president-b", "200"), typeInto("#f-president-c", "3"),
			typeInto("#f-blank", "1"), typeInto("#f-null", "1"), typeInto("#f-ballots", "325"),
			chromedp.Click(chromedp.CSS("#send")),
			webtest.WaitFor(`document.querySelectorAll('#queue li[data-state="confirmed"]').length === 2`))
		if dropped.Load() < 2 {
			t.Fatalf("the first answer was not dropped and retried (%d answers seen)", dropped.Load())
		}
		if n := af.stationCount(t, "0401"); n != before+1 {
			t.Fatalf("the retried sheet was stored %d times", n-before)
		}
	})

	t.Run("a sheet sent after the session ended waits for the witness to sign in again", func(t *testing.T) {
		before := af.stationCount(t, "0401")
		webtest.Do(t, ctx, "the session ends, the witness sends a sheet",
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
				return err
			}),
			typeInto("#f-president-a", "130"), typeInto("#f-president-b", "200"), typeInto("#f-president-c", "3"),
			typeInto("#f-blank", "1"), typeInto("#f-null", "1"), typeInto("#f-ballots", "335"),
			chromedp.Click(chromedp.CSS("#send")),
			webtest.WaitFor(`document.querySelector('#queue li[data-state="signin"] a.signin')`))
		if n := af.stationCount(t, "0401"); n != before {
			t.Fatalf("without a session the server stored %d submissions", n-before)
		}
		code, err := af.Store.IssueCode(t.Context(), witness.ID, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		webtest.Do(t, ctx, "sign in again from the sheet's link",
			chromedp.Click(chromedp.CSS(`#queue li[data-state="signin"] a.signin`)), webtest.HeadingIs("Sign in"),
			chromedp.SendKeys(chromedp.CSS("#signin-code"), code),
			chromedp.Click(chromedp.CSS(`form.signin button`)),
			webtest.HeadingIs("Send a tally sheet"),
			webtest.WaitFor(`document.querySelectorAll('#queue li[data-state="confirmed"]').length === 3`))
		if n := af.stationCount(t, "0401"); n != before+1 {
			t.Fatalf("after signing in again the server stored %d submissions, want 1", n-before)
		}
	})
}

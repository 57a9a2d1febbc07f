package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/review"
	"github.com/actasproject/actas/storetest"
)

// hmFlaggedSheet is the official sheet of station 0201; a witness's copy
// with the same numbers leaves the station agreed.
var hmFlaggedSheet = actas.Sheet{Station: hmFlagged, Contest: "president", Votes: []int64{400, 300, 10}, Blank: 5, Null: 5, Ballots: 720, Voters: 720}

// MustWitnessPhoto stores a witness's sheet with the handmade photo, as
// sent by submitter, tabulates it, and returns its Seq.
func (af *authFixture) MustWitnessPhoto(tb testing.TB, sh actas.Sheet, submitter string) int64 {
	tb.Helper()
	sub := &actas.Submission{Source: actas.Witness, Sheet: sh, Submitter: submitter, Origin: "test",
		Received: storetest.Sub(actas.Witness, sh).Received, Evidence: []actas.Evidence{{Kind: "photo", SHA256: hmPhotoName()}}}
	if _, err := af.Store.Submit(tb.Context(), hmID, []*actas.Submission{sub}, nil); err != nil {
		tb.Fatal(err)
	}
	if err := af.Tab.Add(sub); err != nil {
		tb.Fatal(err)
	}
	return sub.Seq
}

// page gets a page with the named account's token ("" for none).
func (af *authFixture) page(tb testing.TB, who, target string) response {
	tb.Helper()
	var h []string
	if who != "" {
		h = []string{"Authorization", "Bearer " + af.tokens[who]}
	}
	return af.send(tb, http.MethodGet, target, "", h...)
}

// postForm posts a form with the named account's token ("" for none).
func (af *authFixture) postForm(tb testing.TB, who, target string, form url.Values, header ...string) response {
	tb.Helper()
	h := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if who != "" {
		h = append(h, "Authorization", "Bearer "+af.tokens[who])
	}
	return af.send(tb, http.MethodPost, target, form.Encode(), append(h, header...)...)
}

// keyForm is a keyer's form for submission seq of the president contest.
func keyForm(station string, seq int64, votes [3]string, blank, null, ballots, voters string) url.Values {
	return url.Values{"station": {station}, "contest": {"president"}, "seq": {itoa(seq)},
		"v-a": {votes[0]}, "v-b": {votes[1]}, "v-c": {votes[2]}, "blank": {blank}, "null": {null}, "ballots": {ballots}, "voters": {voters}}
}

func TestDoubleEntryAndReviewPages(t *testing.T) {
	af := MustAuth(t, -1)
	keyURL, reviewURL := keyURL(hmID), reviewURL(hmID)
	// 0101's witness sheet (with a photo, sent by "import") is the first to key.
	w0101 := MustStation(t, af, hmConflict).Current[actas.Witness]

	t.Run("the keyer sees the photo and a form, never the witness's numbers", func(t *testing.T) {
		r := af.page(t, "keyer", keyURL).mustOK(t, keyURL)
		if !strings.Contains(r.Body, evidenceURL(hmID, hmPhotoName())) || !strings.Contains(r.Body, `name="seq" value="`+itoa(w0101)+`"`) {
			t.Fatalf("the page does not offer submission %d's photo:\n%.3000s", w0101, r.Body)
		}
		for _, n := range []string{"700", "1030", "1,030"} {
			if strings.Contains(r.Body, n) {
				t.Fatalf("the keyer's page shows the witness's number %s", n)
			}
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q: the page is the account's own", cc)
		}
	})
	t.Run("an identical entry verifies the sheet", func(t *testing.T) {
		r := af.postForm(t, "keyer", keyURL, keyForm(hmConflict, w0101, [3]string{"700", "300", "20"}, "5", "5", "1030", ""))
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="key-done"`) || !strings.Contains(text(r.Body), "Verified") {
			t.Fatalf("status %d:\n%.3000s", r.Status, r.Body)
		}
		st := af.get(t, stationURL(hmID, hmConflict)).mustOK(t, "station")
		if !strings.Contains(text(st.Body), "Independent entries by keyers: 1 verified by an independent entry") {
			t.Fatalf("the station page does not show the verification:\n%.3000s", text(section(t, st.Body, "contest-president-h")))
		}
	})
	seq := af.MustWitnessPhoto(t, hmFlaggedSheet, "import")
	t.Run("numbers that are not a sheet come back with the reason and nothing is stored", func(t *testing.T) {
		before := af.logSize(t)
		r := af.postForm(t, "keyer", keyURL, keyForm(hmFlagged, seq, [3]string{"400", "-3", "10"}, "5", "5", "720", "720"))
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="key-error"`) || !strings.Contains(r.Body, `value="-3"`) {
			t.Fatalf("status %d:\n%.3000s", r.Status, r.Body)
		}
		if af.logSize(t) != before {
			t.Fatal("a refused entry grew the log")
		}
	})
	t.Run("a differing entry sends the station to review", func(t *testing.T) {
		r := af.postForm(t, "keyer", keyURL, keyForm(hmFlagged, seq, [3]string{"400", "300", "70"}, "5", "5", "780", "780"))
		if r.Status != http.StatusOK || !strings.Contains(text(r.Body), "Sent to review") {
			t.Fatalf("status %d:\n%.3000s", r.Status, r.Body)
		}
		if r := af.postForm(t, "keyer", keyURL, keyForm(hmFlagged, seq, [3]string{"400", "300", "10"}, "5", "5", "720", "720")); r.Status != http.StatusConflict {
			t.Fatalf("keying the same sheet again: status %d, want 409 (a second try could be tuned to match)", r.Status)
		}
	})
	t.Run("the coordinator of the area sees the station with the photo and both entries", func(t *testing.T) {
		r := af.page(t, "coordinator of Zulia", reviewURL).mustOK(t, reviewURL)
		i := strings.Index(r.Body, `data-station="`+hmFlagged+`"`)
		if i < 0 {
			t.Fatalf("0201 is not in the queue:\n%.3000s", r.Body)
		}
		item := r.Body[i:]
		item = item[:strings.Index(item, "</section>")]
		for _, want := range []string{evidenceURL(hmID, hmPhotoName()), "Witnesses #" + itoa(seq), "keying #", `<mark title=`, `value="accept:` + itoa(seq) + `"`} {
			if !strings.Contains(item, want) {
				t.Errorf("the queue's item lacks %q:\n%s", want, item)
			}
		}
		if !strings.Contains(r.Body, `data-station="`+hmConflict+`"`) {
			t.Errorf("0101, whose sheets conflict, is not in the queue")
		}
		if r := af.page(t, "coordinator of Mérida", reviewURL).mustOK(t, reviewURL); strings.Contains(r.Body, `data-station="`+hmFlagged+`"`) {
			t.Errorf("the coordinator of Mérida sees a station of Zulia")
		}
	})
	decide := url.Values{"station": {hmFlagged}, "contest": {"president"}, "verdict": {"accept:" + itoa(seq)},
		"reason": {"The photo shows 10 for Carla Ruiz, as the witness typed."}}
	t.Run("a coordinator outside the area may not decide", func(t *testing.T) {
		before := af.logSize(t)
		if r := af.postForm(t, "coordinator of Mérida", reviewURL, decide); r.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", r.Status)
		}
		if af.logSize(t) != before {
			t.Fatal("a refused decision grew the log")
		}
	})
	t.Run("a decision needs a reason", func(t *testing.T) {
		bare := url.Values{"station": {hmFlagged}, "contest": {"president"}, "verdict": {"reject-all"}, "reason": {" "}}
		if r := af.postForm(t, "coordinator of Zulia", reviewURL, bare); r.Status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", r.Status)
		}
	})
	t.Run("the decision shows on the public station page", func(t *testing.T) {
		before, _ := af.Tab.MaxSeq(hmID)
		r := af.postForm(t, "coordinator of Zulia", reviewURL, decide)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), stationURL(hmID, hmFlagged)) {
			t.Fatalf("status %d, location %q", r.Status, r.Header.Get("Location"))
		}
		after, _ := af.Tab.MaxSeq(hmID)
		if after <= before {
			t.Fatalf("results version %d → %d: the decision did not reach the tabulation", before, after)
		}
		page := af.get(t, stationURL(hmID, hmFlagged)).mustOK(t, "station")
		body := text(section(t, page.Body, "contest-president-h"))
		coord := af.accounts["coordinator of Zulia"]
		for _, want := range []string{"Decisions", "Accept Witnesses #" + itoa(seq), "The photo shows 10 for Carla Ruiz", "by account " + itoa(coord.ID), "entry " + itoa(after)} {
			if !strings.Contains(body, want) {
				t.Errorf("the station page lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(page.Body, coord.Name) {
			t.Errorf("the public page names the coordinator")
		}
		if r := af.page(t, "coordinator of Zulia", reviewURL); strings.Contains(r.Body, `data-station="`+hmFlagged+`"`) {
			t.Errorf("0201 is still in the queue after the decision")
		}
	})
}

// MustStation is the tabulation's view of a station's president contest.
func MustStation(tb testing.TB, af *authFixture, code string) *actas.StationResult {
	tb.Helper()
	res, err := af.Tab.Station(hmID, "president", code)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func TestReviewRoutesAuthorization(t *testing.T) {
	af := MustAuth(t, -1)
	seq := MustStation(t, af, hmConflict).Current[actas.Witness]
	code := storetest.MustIssueCode(t, af.Store, af.accounts["coordinator of Zulia"].ID)
	cookie := sessionOf(t, af.signIn(t, hmID, code, "192.0.2.50:1"), "actas-session")
	decide := url.Values{"station": {hmConflict}, "contest": {"president"}, "verdict": {"needs-recount"}, "reason": {"illegible"}}
	key := keyForm(hmConflict, seq, [3]string{"1", "2", "3"}, "0", "0", "6", "")
	cases := []struct {
		name   string
		method string
		url    string
		who    string
		form   url.Values
		header []string
		want   int
	}{
		{"the public is sent to sign in before keying", http.MethodGet, keyURL(hmID), "", nil, nil, http.StatusSeeOther},
		{"a keyer keys", http.MethodGet, keyURL(hmID), "keyer", nil, nil, http.StatusOK},
		{"an admin keys", http.MethodGet, keyURL(hmID), "admin", nil, nil, http.StatusOK},
		{"a coordinator does not key", http.MethodGet, keyURL(hmID), "coordinator of Zulia", nil, nil, http.StatusForbidden},
		{"a witness does not key", http.MethodGet, keyURL(hmID), "witness of 0401", nil, nil, http.StatusForbidden},
		{"an admin of another election does not key", http.MethodGet, keyURL(hmID), "admin of another election", nil, nil, http.StatusForbidden},
		{"a witness may not send a keying", http.MethodPost, keyURL(hmID), "witness of 0401", key, nil, http.StatusForbidden},
		{"the public may not send a keying", http.MethodPost, keyURL(hmID), "", key, nil, http.StatusUnauthorized},
		{"the public is sent to sign in before reviewing", http.MethodGet, reviewURL(hmID), "", nil, nil, http.StatusSeeOther},
		{"an admin reviews", http.MethodGet, reviewURL(hmID), "admin", nil, nil, http.StatusOK},
		{"a coordinator reviews", http.MethodGet, reviewURL(hmID), "coordinator of Mérida", nil, nil, http.StatusOK},
		{"a keyer does not review", http.MethodGet, reviewURL(hmID), "keyer", nil, nil, http.StatusForbidden},
		{"a witness does not review", http.MethodGet, reviewURL(hmID), "witness of 0401", nil, nil, http.StatusForbidden},
		{"a keyer may not decide", http.MethodPost, reviewURL(hmID), "keyer", decide, nil, http.StatusForbidden},
		{"a witness may not decide", http.MethodPost, reviewURL(hmID), "witness of 0401", decide, nil, http.StatusForbidden},
		{"the public may not decide", http.MethodPost, reviewURL(hmID), "", decide, nil, http.StatusUnauthorized},
		{"a cross-site form may not decide with the coordinator's cookie", http.MethodPost, reviewURL(hmID), "", decide,
			[]string{"Cookie", cookie.Name + "=" + cookie.Value, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a cross-site form may not key with a cookie", http.MethodPost, keyURL(hmID), "", key,
			[]string{"Cookie", cookie.Name + "=" + cookie.Value, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a decision sent as JSON is refused", http.MethodPost, reviewURL(hmID), "admin", nil,
			[]string{"Content-Type", "application/json"}, http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := af.logSize(t)
			var r response
			if c.method == http.MethodGet {
				r = af.page(t, c.who, c.url)
			} else {
				r = af.postForm(t, c.who, c.url, c.form, c.header...)
			}
			if r.Status != c.want {
				t.Fatalf("status %d, want %d; body %.800s", r.Status, c.want, r.Body)
			}
			if c.method == http.MethodPost && af.logSize(t) != before {
				t.Fatal("a refused request grew the log")
			}
		})
	}
	t.Run("the same-origin form decides with the coordinator's cookie", func(t *testing.T) {
		r := af.postForm(t, "", reviewURL(hmID), decide, "Cookie", cookie.Name+"="+cookie.Value, "Sec-Fetch-Site", "same-origin")
		if r.Status != http.StatusSeeOther {
			t.Fatalf("status %d; body %.800s", r.Status, r.Body)
		}
	})
}

func TestVerdictsAreTranslated(t *testing.T) {
	for _, code := range []string{"en", "es"} {
		l := mustLocale(t, code)
		for _, v := range review.Verdicts {
			if _, ok := l.msgs["verdict."+string(v)]; !ok {
				t.Errorf("%s: verdict %s has no message", code, v)
			}
		}
		for _, k := range []string{"review.accept", "review.keying", "key.title", "review.title"} {
			if _, ok := l.msgs[k]; !ok {
				t.Errorf("%s: message %s is missing", code, k)
			}
		}
	}
}

func FuzzParseKeying(f *testing.F) {
	c := &handmade().Election.Contests[0]
	f.Add("station=0101&seq=3&v-a=700&v-b=300&v-c=20&blank=5&null=5&ballots=1030&voters=")
	f.Add("station=0101&seq=3&v-a=%2B7&v-b=-1&v-c=1e3&blank=&null=5&ballots=99999999999999999999")
	f.Add("seq=0")
	f.Add("station=%ff&seq=1&v-a=1&v-b=1&v-c=1&blank=0&null=0&ballots=3&voters=3")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		k, err := parseKeying(form, c)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		sh := k.Sheet()
		if err := actas.CheckForm(&sh, c); err != nil {
			t.Fatalf("a parsed keying fails CheckForm: %v", err)
		}
		if k.Keyed <= 0 {
			t.Fatalf("a parsed keying names submission %d", k.Keyed)
		}
	})
}

func FuzzParseDecision(f *testing.F) {
	f.Add("station=0201&contest=president&verdict=accept%3A14&reason=the+photo")
	f.Add("station=0201&contest=president&verdict=accept%3A-1&reason=")
	f.Add("verdict=reject-all")
	f.Add("verdict=accept%3A&reason=x")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		d, err := parseDecision(form)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if (d.Verdict == review.Accept) != (d.Accepted > 0) {
			t.Fatalf("verdict %q with accepted submission %d", d.Verdict, d.Accepted)
		}
	})
}

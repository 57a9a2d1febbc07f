package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

func TestSubmission(t *testing.T) {
	af := MustAuth(t, 5*time.Second)
	parent := t // the restarted server lives as long as the fixture
	const w = "witness of 0401"

	t.Run("a witness's sheet is stored, flagged and answered with a verifiable receipt", func(t *testing.T) {
		// Votes, blank and null do not add up to 999 ballots, and the QR
		// payload cannot be read as this contest's. The fixture holds
		// another witness sheet of 0401, so this one differs.
		body := af.sheet("0401", func(m map[string]any) { m["ballots"] = 999; m["voters"] = 999; m["qr"] = "0401!1,2,3" })
		r := af.submit(t, w, body)
		if r.Status != http.StatusCreated {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		a := mustAnswer(t, r)
		af.mustVerify(t, a)
		if a.Outcome != actas.Differing.String() || strings.Join(a.Flags, ",") != "sum-mismatch,qr-mismatch" || a.ReceiptURL != receiptURL(hmID, a.Index) {
			t.Fatalf("answer %+v", a)
		}
		subs, err := af.Store.StationSubmissions(t.Context(), hmID, "0401")
		if err != nil {
			t.Fatal(err)
		}
		got := subs[len(subs)-1]
		if got.Seq != a.Index || got.Source != actas.Witness || got.Sheet.Ballots != 999 || got.Sheet.Voters != 999 ||
			got.Submitter != strconv.FormatInt(af.accounts[w].ID, 10) || got.Flags != actas.FlagSumMismatch|actas.FlagQRMismatch ||
			len(got.Evidence) != 1 || got.Evidence[0].Kind != "qr" || got.Evidence[0].Text != "0401!1,2,3" {
			t.Fatalf("stored %+v", got)
		}
	})

	t.Run("a sheet that adds up, without a QR payload, is not flagged", func(t *testing.T) {
		r := af.submit(t, w, af.sheet("0401", nil))
		if a := mustAnswer(t, r); r.Status != http.StatusCreated || a.Flags == nil || len(a.Flags) != 0 {
			t.Fatalf("status %d, flags %q", r.Status, a.Flags)
		}
	})

	t.Run("a retry with the same key answers the same entry and stores nothing", func(t *testing.T) {
		body := af.sheet("0401", nil)
		first := mustAnswer(t, af.submit(t, w, body))
		before := af.logSize(t)
		r := af.submit(t, w, body)
		if r.Status != http.StatusOK {
			t.Fatalf("retry: status %d: %s", r.Status, r.Body)
		}
		again := mustAnswer(t, r)
		af.mustVerify(t, again)
		if again.Index != first.Index || again.Receipt.Entry != first.Receipt.Entry || af.logSize(t) != before {
			t.Fatalf("retry answered entry %d (first %d); log %d → %d", again.Index, first.Index, before, af.logSize(t))
		}
	})

	t.Run("the same key with other content is a conflict", func(t *testing.T) {
		body := af.sheet("0401", func(m map[string]any) { m["idempotency_key"] = "reused" })
		if r := af.submit(t, w, body); r.Status != http.StatusCreated {
			t.Fatalf("first: %d", r.Status)
		}
		before := af.logSize(t)
		for _, other := range []string{
			af.sheet("0401", func(m map[string]any) { m["idempotency_key"] = "reused" }),
			strings.Replace(body, `"contest"`, `"qr":"x","contest"`, 1),
		} {
			if r := af.submit(t, w, other); r.Status != http.StatusConflict {
				t.Fatalf("other content: status %d: %s", r.Status, r.Body)
			}
		}
		if af.logSize(t) != before {
			t.Fatal("a conflicting retry stored something")
		}
		// Another account's key of the same name is its own.
		if r := af.submit(t, "admin", af.sheet("0401", func(m map[string]any) { m["idempotency_key"] = "reused" })); r.Status != http.StatusCreated {
			t.Fatalf("another account's key: status %d", r.Status)
		}
	})

	t.Run("keys survive a restart of the server", func(t *testing.T) {
		body := af.sheet("0401", nil)
		first := mustAnswer(t, af.submit(t, w, body))
		af.restart(parent, 5*time.Second)
		before := af.logSize(t)
		again := mustAnswer(t, af.submit(t, w, body))
		if again.Index != first.Index || af.logSize(t) != before {
			t.Fatalf("after restart: entry %d, first %d", again.Index, first.Index)
		}
	})

	t.Run("a submission stored before its key was kept is answered, not stored twice", func(t *testing.T) {
		// As if the server died between storing the sheet and keeping its key.
		body := af.sheet("0401", nil)
		var req submissionRequest
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatal(err)
		}
		e := mustElection(t, af.fixture)
		sub, _, err := af.Server.submission(e, &req)
		if err != nil {
			t.Fatal(err)
		}
		sub.Submitter, sub.Received = "test", time.Now().UTC()
		if _, err := af.Store.Submit(t.Context(), hmID, []*actas.Submission{sub}, nil); err != nil {
			t.Fatal(err)
		}
		before := af.logSize(t)
		r := af.submit(t, w, body)
		a := mustAnswer(t, r)
		if r.Status != http.StatusOK || a.Index != sub.Seq || a.Outcome != actas.Present.String() || af.logSize(t) != before {
			t.Fatalf("status %d, answer %+v; stored as %d", r.Status, a, sub.Seq)
		}
	})

	t.Run("concurrent retries store once", func(t *testing.T) {
		body := af.sheet("0401", nil)
		before := af.logSize(t)
		idx := make([]int64, 6)
		var wg sync.WaitGroup
		for i := range idx {
			wg.Go(func() {
				r := af.submit(t, w, body)
				if r.Status != http.StatusCreated && r.Status != http.StatusOK {
					t.Errorf("retry %d: status %d: %s", i, r.Status, r.Body)
					return
				}
				idx[i] = mustAnswer(t, r).Index
			})
		}
		wg.Wait()
		for i := range idx {
			if idx[i] != idx[0] {
				t.Fatalf("retries answered entries %v", idx)
			}
		}
		if af.logSize(t) != before+1 {
			t.Fatalf("log grew by %d, want 1", af.logSize(t)-before)
		}
	})

	t.Run("photos must be stored evidence", func(t *testing.T) {
		ok := af.submit(t, w, af.sheet("0401", func(m map[string]any) { m["photos"] = []string{hmPhotoName()} }))
		if ok.Status != http.StatusCreated {
			t.Fatalf("a stored photo: status %d: %s", ok.Status, ok.Body)
		}
		before := af.logSize(t)
		missing := strings.Repeat("ab", 32)
		if r := af.submit(t, w, af.sheet("0401", func(m map[string]any) { m["photos"] = []string{missing} })); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, missing) {
			t.Fatalf("a photo not stored: status %d: %s", r.Status, r.Body)
		}
		if af.logSize(t) != before {
			t.Fatal("a submission with a missing photo was stored")
		}
	})
}

func TestSubmissionRequests(t *testing.T) {
	af := MustAuth(t, -1)
	const w = "witness of 0401"
	cases := []struct {
		name   string
		body   string
		header []string
		want   int
	}{
		{"a body over 64 KiB", af.sheet("0401", func(m map[string]any) { m["qr"] = strings.Repeat("x", maxSubmissionBody) }), nil, http.StatusRequestEntityTooLarge},
		{"a form instead of JSON", "station=0401", []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"text/plain", af.sheet("0401", nil), []string{"Content-Type", "text/plain"}, http.StatusUnsupportedMediaType},
		{"no content type", af.sheet("0401", nil), []string{"Content-Type", ""}, http.StatusUnsupportedMediaType},
		{"JSON in Latin-1", af.sheet("0401", nil), []string{"Content-Type", "application/json; charset=latin1"}, http.StatusUnsupportedMediaType},
		{"JSON declared UTF-8", af.sheet("0401", nil), []string{"Content-Type", "application/json; charset=UTF-8"}, http.StatusAccepted},
		{"an unknown field", af.sheet("0401", func(m map[string]any) { m["registered"] = 5 }), nil, http.StatusBadRequest},
		{"two objects", af.sheet("0401", nil) + "{}", nil, http.StatusBadRequest},
		{"not JSON", "{station:", nil, http.StatusBadRequest},
		{"no idempotency key", af.sheet("0401", func(m map[string]any) { delete(m, "idempotency_key") }), nil, http.StatusBadRequest},
		{"a key with spaces", af.sheet("0401", func(m map[string]any) { m["idempotency_key"] = "a b" }), nil, http.StatusBadRequest},
		{"a choice missing", af.sheet("0401", func(m map[string]any) { m["votes"] = map[string]int{"a": 1, "b": 2} }), nil, http.StatusBadRequest},
		{"an unknown choice", af.sheet("0401", func(m map[string]any) { m["votes"] = map[string]int{"a": 1, "b": 2, "c": 3, "d": 4} }), nil, http.StatusBadRequest},
		{"negative votes", af.sheet("0401", func(m map[string]any) { m["votes"] = map[string]int{"a": -1, "b": 2, "c": 3} }), nil, http.StatusBadRequest},
		{"fractional votes", af.sheet("0401", func(m map[string]any) { m["votes"] = map[string]float64{"a": 1.5, "b": 2, "c": 3} }), nil, http.StatusBadRequest},
		{"ballots missing", af.sheet("0401", func(m map[string]any) { delete(m, "ballots") }), nil, http.StatusBadRequest},
		{"negative voters", af.sheet("0401", func(m map[string]any) { m["voters"] = -1 }), nil, http.StatusBadRequest},
		{"an unknown station", af.sheet("9999", nil), nil, http.StatusNotFound},
		{"an unknown contest", af.sheet("0401", func(m map[string]any) { m["contest"] = "senate" }), nil, http.StatusNotFound},
		{"an unknown source", af.sheet("0401", func(m map[string]any) { m["source"] = "rumour" }), nil, http.StatusBadRequest},
		{"a photo name that is no hash", af.sheet("0401", func(m map[string]any) { m["photos"] = []string{"../etc/passwd"} }), nil, http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := af.logSize(t)
			h := []string{"Content-Type", "application/json"}
			if len(c.header) > 0 {
				h = c.header
			}
			r := af.send(t, http.MethodPost, submissionsURL, c.body, append(h, "Authorization", "Bearer "+af.tokens[w])...)
			if r.Status != c.want {
				t.Fatalf("status %d, want %d: %s", r.Status, c.want, r.Body)
			}
			if grew := af.logSize(t) - before; (c.want == http.StatusAccepted) != (grew == 1) {
				t.Fatalf("log grew by %d", grew)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("answer of type %q", ct)
			}
		})
	}
	t.Run("GET on the submissions address is not allowed", func(t *testing.T) {
		if r := af.send(t, http.MethodGet, submissionsURL, ""); r.Status != http.StatusMethodNotAllowed && r.Status != http.StatusNotFound {
			t.Fatalf("status %d", r.Status)
		}
	})
}

func FuzzSubmissionRequest(f *testing.F) {
	af := MustAuth(f, -1)
	e := mustElection(f, af.fixture)
	f.Add(af.sheet("0401", nil))
	f.Add(af.sheet("0401", func(m map[string]any) { m["voters"] = 7; m["photos"] = []string{hmPhotoName()}; m["qr"] = "x" }))
	f.Add(`{"station":"0401","votes":{"a":1e30},"idempotency_key":"k"}`)
	f.Add(`{"votes":null,"blank":-0,"null":9223372036854775807}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		req, err := decodeSubmission(nil, mustPost(t, body))
		if err != nil {
			return
		}
		sub, st, err := af.Server.submission(e, req)
		if err != nil {
			if actas.ErrorCode(err) == actas.EINTERNAL {
				t.Fatalf("internal error for a client's mistake: %v", err)
			}
			return
		}
		if st.Code != sub.Sheet.Station {
			t.Fatalf("station %q for sheet of %q", st.Code, sub.Sheet.Station)
		}
		c, _ := e.Contest(sub.Sheet.Contest)
		if err := actas.CheckForm(&sub.Sheet, c); err != nil {
			t.Fatalf("accepted a sheet failing CheckForm: %v", err)
		}
		if requestDigest(sub) != requestDigest(sub) {
			t.Fatal("digest is not deterministic")
		}
	})
}

func mustPost(tb testing.TB, body string) *http.Request {
	tb.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://x"+submissionsURL, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestReceiptAfterCheckpoint(t *testing.T) {
	af := MustAuth(t, -1)
	body := af.sheet("0401", nil)
	r := af.submit(t, "witness of 0401", body)
	first := mustAnswer(t, r)
	if r.Status != http.StatusAccepted || first.Receipt != nil {
		t.Fatalf("before a checkpoint: status %d, receipt %v", r.Status, first.Receipt)
	}
	if got := af.send(t, http.MethodGet, first.ReceiptURL, ""); got.Status != http.StatusNotFound {
		t.Fatalf("receipt URL before a checkpoint: status %d", got.Status)
	}
	if err := af.signNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	r = af.submit(t, "witness of 0401", body)
	again := mustAnswer(t, r)
	if r.Status != http.StatusOK || again.Index != first.Index {
		t.Fatalf("retry after a checkpoint: status %d, entry %d (first %d)", r.Status, again.Index, first.Index)
	}
	af.mustVerify(t, again)
	if got := af.send(t, http.MethodGet, first.ReceiptURL, ""); got.Status != http.StatusOK {
		t.Fatalf("receipt URL after a checkpoint: status %d", got.Status)
	}
}

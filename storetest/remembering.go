package storetest

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

// MustSubmitRemembering submits subs, each with its request's idempotency
// key (requests[i] names the request of subs[i]), and returns the outcomes
// and the requests with what the store kept for them.
func MustSubmitRemembering(tb testing.TB, s actas.Store, election string, subs []*actas.Submission, requests []*actas.RememberedRequest) []actas.Outcome {
	tb.Helper()
	out, err := s.SubmitRemembering(tb.Context(), election, subs, requests)
	if err != nil {
		tb.Fatalf("SubmitRemembering(%d submissions): %v", len(subs), err)
	}
	return out
}

func testSubmitRemembering(t *testing.T, b Backend) {
	const (
		e = "e"
		N = actas.New
		P = actas.Present
		D = actas.Differing
	)
	w := func(station string, seed int64) *actas.Submission {
		return Sub(actas.Witness, Sheet(station, "president", seed))
	}
	digest := func(text string) [32]byte { return sha256.Sum256([]byte(text)) }
	// req is account a's request named key, whose content is text.
	req := func(a *actas.Account, key, text string) *actas.RememberedRequest {
		return &actas.RememberedRequest{Account: a.ID, Key: key, Request: digest(text)}
	}
	// wantKept checks what the store says it kept for a request, and what
	// a later look at the key finds.
	wantKept := func(t *testing.T, s actas.Store, what string, r *actas.RememberedRequest, seq int64, text string) {
		t.Helper()
		if r.KeptSeq != seq || r.KeptRequest != digest(text) {
			t.Errorf("%s: kept entry %d of request %x, want entry %d of %q", what, r.KeptSeq, r.KeptRequest[:4], seq, text)
		}
		gotSeq, gotReq, err := s.RememberedRequest(t.Context(), r.Account, r.Key)
		if err != nil || gotSeq != seq || gotReq != digest(text) {
			t.Errorf("%s: RememberedRequest = %d, %x, %v; want entry %d of %q", what, gotSeq, gotReq[:4], err, seq, text)
		}
	}
	setup := func(t *testing.T) (actas.Store, *actas.Account, *actas.Account) {
		s := MustOpenWithElection(t, b, e)
		a := MustCreateAccount(t, s, WitnessAccount(e, "A", "a@example.org", "001", "002", "003"))
		c := MustCreateAccount(t, s, WitnessAccount(e, "C", "c@example.org", "001", "002", "003"))
		return s, a, c
	}

	t.Run("each key is kept with the entry of its submission", func(t *testing.T) {
		s, a, _ := setup(t)
		subs := []*actas.Submission{w("001", 0), w("002", 0)}
		reqs := []*actas.RememberedRequest{req(a, "k1", "one"), req(a, "k2", "two")}
		wantOutcomes(t, "two new sheets", MustSubmitRemembering(t, s, e, subs, reqs), N, N)
		wantSeqs(t, subs, 1)
		wantKept(t, s, "the first", reqs[0], subs[0].Seq, "one")
		wantKept(t, s, "the second", reqs[1], subs[1].Seq, "two")
		wantSubmissions(t, e, MustSubmissions(t, s, e), subs)
	})

	t.Run("a retry with the same key finds the kept answer and stores nothing", func(t *testing.T) {
		s, a, _ := setup(t)
		first := w("001", 0)
		MustSubmitRemembering(t, s, e, []*actas.Submission{first}, []*actas.RememberedRequest{req(a, "k", "sheet")})
		// The retry states other numbers: a key that is kept is answered
		// by what it kept, whatever the submission says.
		retry := req(a, "k", "sheet")
		wantOutcomes(t, "the retry", MustSubmitRemembering(t, s, e, []*actas.Submission{w("001", 9)}, []*actas.RememberedRequest{retry}), P)
		wantKept(t, s, "the retry", retry, first.Seq, "sheet")
		reused := req(a, "k", "other content")
		wantOutcomes(t, "the key reused for other content", MustSubmitRemembering(t, s, e, []*actas.Submission{w("002", 0)}, []*actas.RememberedRequest{reused}), P)
		if reused.KeptRequest != digest("sheet") || reused.KeptSeq != first.Seq {
			t.Errorf("the key reused: kept entry %d of %x, want the first request's, entry %d", reused.KeptSeq, reused.KeptRequest[:4], first.Seq)
		}
		wantSubmissions(t, e, MustSubmissions(t, s, e), []*actas.Submission{first})
	})

	t.Run("the same key twice in one call stores once", func(t *testing.T) {
		s, a, _ := setup(t)
		subs := []*actas.Submission{w("001", 0), w("002", 0)}
		reqs := []*actas.RememberedRequest{req(a, "k", "first"), req(a, "k", "second")}
		wantOutcomes(t, "one key twice", MustSubmitRemembering(t, s, e, subs, reqs), N, P)
		wantKept(t, s, "the first", reqs[0], subs[0].Seq, "first")
		if reqs[1].KeptSeq != subs[0].Seq || reqs[1].KeptRequest != digest("first") {
			t.Errorf("the second: kept entry %d of %x, want the first's, entry %d", reqs[1].KeptSeq, reqs[1].KeptRequest[:4], subs[0].Seq)
		}
		wantSubmissions(t, e, MustSubmissions(t, s, e), subs[:1])
	})

	t.Run("the same key of two accounts is two keys", func(t *testing.T) {
		s, a, c := setup(t)
		subs := []*actas.Submission{w("001", 0), w("002", 0)}
		reqs := []*actas.RememberedRequest{req(a, "k", "a's"), req(c, "k", "c's")}
		wantOutcomes(t, "two accounts", MustSubmitRemembering(t, s, e, subs, reqs), N, N)
		wantKept(t, s, "account A", reqs[0], subs[0].Seq, "a's")
		wantKept(t, s, "account C", reqs[1], subs[1].Seq, "c's")
	})

	t.Run("numbers already stored are answered by their entry", func(t *testing.T) {
		s, a, c := setup(t)
		stored := w("001", 0)
		MustSubmit(t, s, e, stored)
		changed := w("001", 1)
		MustSubmit(t, s, e, changed) // the source changed its numbers since
		again := req(a, "k1", "again")
		wantOutcomes(t, "the first numbers again", MustSubmitRemembering(t, s, e, []*actas.Submission{w("001", 0)}, []*actas.RememberedRequest{again}), P)
		wantKept(t, s, "the first numbers again", again, stored.Seq, "again")
		// Two holders of the source send the same new numbers in one call.
		subs := []*actas.Submission{w("002", 0), w("002", 0), w("001", 2)}
		reqs := []*actas.RememberedRequest{req(a, "k2", "a"), req(c, "k2", "c"), req(c, "k3", "changed again")}
		wantOutcomes(t, "one call", MustSubmitRemembering(t, s, e, subs, reqs), N, P, D)
		wantKept(t, s, "the first holder", reqs[0], subs[0].Seq, "a")
		wantKept(t, s, "the second holder", reqs[1], subs[0].Seq, "c")
		wantKept(t, s, "the changed numbers", reqs[2], subs[2].Seq, "changed again")
		wantSubmissions(t, e, MustSubmissions(t, s, e), []*actas.Submission{stored, changed, subs[0], subs[2]})
	})

	t.Run("a refused call stores no submission and keeps no key", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			subs func() []*actas.Submission
			reqs func(a *actas.Account) []*actas.RememberedRequest
			code string
		}{
			{
				name: "an unknown station",
				subs: func() []*actas.Submission { return []*actas.Submission{w("001", 0), w("999", 0)} },
				reqs: func(a *actas.Account) []*actas.RememberedRequest {
					return []*actas.RememberedRequest{req(a, "k1", "1"), req(a, "k2", "2")}
				},
				code: actas.EINVALID,
			},
			{
				name: "an unknown account",
				subs: func() []*actas.Submission { return []*actas.Submission{w("001", 0), w("002", 0)} },
				reqs: func(a *actas.Account) []*actas.RememberedRequest {
					return []*actas.RememberedRequest{req(a, "k1", "1"), {Account: a.ID + 100, Key: "k2", Request: digest("2")}}
				},
				code: actas.ENOTFOUND,
			},
			{
				name: "a bad key",
				subs: func() []*actas.Submission { return []*actas.Submission{w("001", 0), w("002", 0)} },
				reqs: func(a *actas.Account) []*actas.RememberedRequest {
					return []*actas.RememberedRequest{req(a, "k1", "1"), req(a, "with space", "2")}
				},
				code: actas.EINVALID,
			},
			{
				name: "fewer requests than submissions",
				subs: func() []*actas.Submission { return []*actas.Submission{w("001", 0), w("002", 0)} },
				reqs: func(a *actas.Account) []*actas.RememberedRequest {
					return []*actas.RememberedRequest{req(a, "k1", "1")}
				},
				code: actas.EINVALID,
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, a, _ := setup(t)
				_, err := s.SubmitRemembering(t.Context(), e, tc.subs(), tc.reqs(a))
				wantCode(t, tc.name, err, tc.code)
				if got := MustSubmissions(t, s, e); len(got) != 0 {
					t.Errorf("a refused call stored %d submissions", len(got))
				}
				if _, _, err := s.RememberedRequest(t.Context(), a.ID, "k1"); actas.ErrorCode(err) != actas.ENOTFOUND {
					t.Errorf("a refused call kept a key: %v", err)
				}
				// The same requests, once right, store as if nothing happened.
				subs := []*actas.Submission{w("001", 0)}
				reqs := []*actas.RememberedRequest{req(a, "k1", "1")}
				wantOutcomes(t, "after the refusal", MustSubmitRemembering(t, s, e, subs, reqs), N)
				wantSeqs(t, subs, 1)
				wantKept(t, s, "after the refusal", reqs[0], 1, "1")
			})
		}
	})

	t.Run("live submissions in batches of any size read back as sent", func(t *testing.T) {
		s, a, _ := setup(t)
		stations := Stations()
		var all []*actas.Submission
		n := 0
		for _, size := range []int{1, 2, 3, 37, 63, 64, 65, 100} {
			subs := make([]*actas.Submission, size)
			reqs := make([]*actas.RememberedRequest, size)
			for i := range subs {
				// Each received at its own time, as the server stamps
				// them: no column is shared across the batch.
				sub := w(stations[n%len(stations)].Code, int64(n))
				sub.Received = received.Add(time.Duration(n) * time.Millisecond)
				sub.Submitter = fmt.Sprint(a.ID)
				sub.Origin = "web api"
				subs[i] = sub
				reqs[i] = req(a, fmt.Sprintf("live-%d", n), fmt.Sprint(n))
				n++
			}
			MustSubmitRemembering(t, s, e, subs, reqs)
			for i, r := range reqs {
				if r.KeptSeq != subs[i].Seq {
					t.Fatalf("batch of %d, request %d: kept entry %d, stored as %d", size, i, r.KeptSeq, subs[i].Seq)
				}
			}
			all = append(all, subs...)
		}
		wantSeqs(t, all, 1)
		wantSubmissions(t, e, MustSubmissions(t, s, e), all)
	})

	t.Run("keys kept with submissions survive reopening", func(t *testing.T) {
		s, addr := MustOpen(t, b)
		MustCreateElection(t, s, Election(e), Stations())
		a := MustCreateAccount(t, s, WitnessAccount(e, "A", "a@example.org", "001"))
		subs := []*actas.Submission{w("001", 0)}
		MustSubmitRemembering(t, s, e, subs, []*actas.RememberedRequest{req(a, "k", "sheet")})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = MustOpenAt(t, b, addr)
		retry := req(a, "k", "sheet")
		wantOutcomes(t, "a retry after reopening", MustSubmitRemembering(t, s, e, []*actas.Submission{w("001", 0)}, []*actas.RememberedRequest{retry}), P)
		wantKept(t, s, "a retry after reopening", retry, subs[0].Seq, "sheet")
	})
}

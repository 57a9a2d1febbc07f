package web

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestGroupCommit sends many submissions at once: each is answered once
// with its own entry and a verifiable receipt; a key sent twice at the same
// moment stores one entry; and a submission the store refuses (a photo it
// does not hold) fails alone, not its batch.
func TestGroupCommit(t *testing.T) {
	af := MustAuth(t, 5*time.Second)
	af.Server.writes = limiters{every: -1} // one witness sends more than its allowance here
	const n = 120
	before := af.logSize(t)
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = af.sheet("0401", nil)
	}
	// The last two repeat the first two's keys and content, sent at once.
	bodies = append(bodies, bodies[0], bodies[1])
	// One names a photo the election does not store.
	bad := af.sheet("0401", func(m map[string]any) {
		m["photos"] = []string{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
	})
	bodies = append(bodies, bad)
	answers := make([]response, len(bodies))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, b := range bodies {
		wg.Go(func() {
			<-start
			answers[i] = af.submit(t, "witness of 0401", b)
		})
	}
	close(start)
	wg.Wait()

	seen := map[int64]int{}
	for i, r := range answers[:n] {
		if r.Status != http.StatusCreated && r.Status != http.StatusOK {
			t.Fatalf("submission %d: status %d: %s", i, r.Status, r.Body)
		}
		a := mustAnswer(t, r)
		af.mustVerify(t, a)
		seen[a.Index]++
	}
	if len(seen) != n {
		t.Fatalf("%d submissions answered with %d distinct entries", n, len(seen))
	}
	for k := range 2 {
		r := answers[n+k]
		if r.Status != http.StatusOK && r.Status != http.StatusCreated {
			t.Fatalf("repeated key %d: status %d: %s", k, r.Status, r.Body)
		}
		if a := mustAnswer(t, r); a.Index != mustAnswer(t, answers[k]).Index {
			t.Errorf("repeated key %d answered entry %d, the first %d", k, a.Index, mustAnswer(t, answers[k]).Index)
		}
	}
	// Exactly one of each pair of copies stored the entry.
	for k := range 2 {
		if answers[k].Status == http.StatusCreated && answers[n+k].Status == http.StatusCreated {
			t.Errorf("both copies of key %d answered 201 Created", k)
		}
	}
	if r := answers[n+2]; r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
		t.Errorf("a photo the election does not store: status %d: %s", r.Status, r.Body)
	}
	if got := af.logSize(t) - before; got != n {
		t.Errorf("the log grew by %d entries, want %d", got, n)
	}
	subs, err := af.Store.StationSubmissions(t.Context(), hmID, "0401")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		for _, ev := range s.Evidence {
			if ev.Kind == "photo" {
				t.Errorf("the refused submission was stored: %+v", s)
			}
		}
	}
}

// TestWriteRate: an account's writes beyond its allowance are answered 429
// with Retry-After, and stored nothing; other accounts are not affected.
func TestWriteRate(t *testing.T) {
	af := MustAuth(t, 5*time.Second)
	af.Server.writes = limiters{every: time.Hour, burst: 3} // three writes, then none for an hour
	before := af.logSize(t)
	for i := range 3 {
		if r := af.submit(t, "witness of 0401", af.sheet("0401", nil)); r.Status != http.StatusCreated {
			t.Fatalf("write %d within the allowance: status %d: %s", i+1, r.Status, r.Body)
		}
	}
	r := af.submit(t, "witness of 0401", af.sheet("0401", nil))
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("write beyond the allowance: status %d, Retry-After %q: %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if got := af.logSize(t) - before; got != 3 {
		t.Errorf("the log grew by %d, want 3", got)
	}
	if r := af.submit(t, "admin", af.sheet("0401", nil)); r.Status != http.StatusCreated {
		t.Errorf("another account: status %d: %s", r.Status, r.Body)
	}
}

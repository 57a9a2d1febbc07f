package storetest

import (
	"crypto/sha256"
	"strings"
	"sync"
	"testing"

	"github.com/actasproject/actas"
)

func testIdempotency(t *testing.T, b Backend) {
	first, other := sha256.Sum256([]byte("first request")), sha256.Sum256([]byte("other request"))

	t.Run("the first answer to a key is kept and returned to retries", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		_, _, err := s.RememberedRequest(t.Context(), w.ID, "k1")
		wantCode(t, "a key never used", err, actas.ENOTFOUND)
		seq, req, err := s.RememberRequest(t.Context(), w.ID, "k1", first, 7)
		if err != nil || seq != 7 || req != first {
			t.Fatalf("RememberRequest = %d, %x, %v; want 7, the request", seq, req[:4], err)
		}
		seq, req, err = s.RememberRequest(t.Context(), w.ID, "k1", other, 9)
		if err != nil || seq != 7 || req != first {
			t.Fatalf("a second answer to the key: %d, %x, %v; want the first (7)", seq, req[:4], err)
		}
		seq, req, err = s.RememberedRequest(t.Context(), w.ID, "k1")
		if err != nil || seq != 7 || req != first {
			t.Fatalf("RememberedRequest = %d, %x, %v; want 7, the first request", seq, req[:4], err)
		}
	})

	t.Run("many keys kept in one call, all or none", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		v := MustCreateAccount(t, s, WitnessAccount("e", "V", "v@example.org", "002"))
		if _, _, err := s.RememberRequest(t.Context(), w.ID, "old", first, 2); err != nil {
			t.Fatal(err)
		}
		reqs := []*actas.RememberedRequest{
			{Account: w.ID, Key: "a", Request: first, Seq: 5},
			{Account: v.ID, Key: "a", Request: other, Seq: 6},
			{Account: w.ID, Key: "old", Request: other, Seq: 7}, // kept before: the first answer stays
			{Account: w.ID, Key: "a", Request: other, Seq: 8},   // the same key twice in one call
		}
		if err := s.RememberRequests(t.Context(), reqs); err != nil {
			t.Fatal(err)
		}
		want := []struct {
			seq int64
			req [32]byte
		}{{5, first}, {6, other}, {2, first}, {5, first}}
		for i, r := range reqs {
			if r.KeptSeq != want[i].seq || r.KeptRequest != want[i].req {
				t.Errorf("request %d: kept %d %x, want %d %x", i, r.KeptSeq, r.KeptRequest[:4], want[i].seq, want[i].req[:4])
			}
		}
		bad := []*actas.RememberedRequest{{Account: w.ID, Key: "b", Request: first, Seq: 9}, {Account: w.ID + 100, Key: "c", Request: first, Seq: 9}}
		wantCode(t, "a batch with an unknown account", s.RememberRequests(t.Context(), bad), actas.ENOTFOUND)
		if _, _, err := s.RememberedRequest(t.Context(), w.ID, "b"); actas.ErrorCode(err) != actas.ENOTFOUND {
			t.Errorf("a refused batch kept a key: %v", err)
		}
	})

	t.Run("keys belong to their account", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		v := MustCreateAccount(t, s, WitnessAccount("e", "V", "v@example.org", "002"))
		if _, _, err := s.RememberRequest(t.Context(), w.ID, "same", first, 3); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.RememberedRequest(t.Context(), v.ID, "same")
		wantCode(t, "another account's key", err, actas.ENOTFOUND)
		if seq, _, err := s.RememberRequest(t.Context(), v.ID, "same", other, 4); err != nil || seq != 4 {
			t.Fatalf("another account, same key: %d, %v; want 4", seq, err)
		}
	})

	t.Run("bad keys, indexes and accounts are refused", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		for _, key := range []string{"", "with space", "tab\t", "ñ", strings.Repeat("k", actas.MaxIdempotencyKey+1)} {
			_, _, err := s.RememberRequest(t.Context(), w.ID, key, first, 1)
			wantCode(t, "key "+key, err, actas.EINVALID)
		}
		_, _, err := s.RememberRequest(t.Context(), w.ID, "k", first, -1)
		wantCode(t, "a negative index", err, actas.EINVALID)
		_, _, err = s.RememberRequest(t.Context(), w.ID+100, "k", first, 1)
		wantCode(t, "an unknown account", err, actas.ENOTFOUND)
		if _, _, err := s.RememberedRequest(t.Context(), w.ID, "k"); actas.ErrorCode(err) != actas.ENOTFOUND {
			t.Fatalf("a refused key was kept: %v", err)
		}
	})

	t.Run("concurrent retries of one key agree on one answer", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		seqs := make([]int64, 8)
		errs := make([]error, len(seqs))
		var wg sync.WaitGroup
		for i := range seqs {
			wg.Go(func() { seqs[i], _, errs[i] = s.RememberRequest(t.Context(), w.ID, "race", first, int64(10+i)) })
		}
		wg.Wait()
		for i := range seqs {
			if errs[i] != nil || seqs[i] != seqs[0] {
				t.Fatalf("retry %d: %d, %v; retry 0 got %d", i, seqs[i], errs[i], seqs[0])
			}
		}
	})

	t.Run("keys survive reopening", func(t *testing.T) {
		s, addr := MustOpen(t, b)
		MustCreateElection(t, s, Election("e"), Stations())
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		if _, _, err := s.RememberRequest(t.Context(), w.ID, "k", first, 5); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = MustOpenAt(t, b, addr)
		if seq, req, err := s.RememberedRequest(t.Context(), w.ID, "k"); err != nil || seq != 5 || req != first {
			t.Fatalf("after reopening: %d, %v; want 5", seq, err)
		}
	})
}

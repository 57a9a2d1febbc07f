package storeutil

import (
	"errors"
	"slices"
	"testing"

	"github.com/actasproject/actas"
)

// TestMarkRequests checks which requests of a batch store nothing and what
// each is answered with: a key kept before, a key repeated in the batch, a
// key of the same name under another account.
func TestMarkRequests(t *testing.T) {
	req := func(account int64, key string) *actas.RememberedRequest {
		return &actas.RememberedRequest{Account: account, Key: key, Request: [32]byte{byte(account), key[0]}}
	}
	reqs := []*actas.RememberedRequest{req(1, "a"), req(1, "old"), req(1, "a"), req(2, "a"), req(1, "b")}
	skip := make([]bool, len(reqs))
	kept, err := MarkRequests(reqs, skip, func(int64) error { return nil }, func(r *actas.RememberedRequest) (bool, error) {
		if r.Key == "old" {
			r.KeptSeq, r.KeptRequest = 7, [32]byte{9}
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, true, true, false, false}; !slices.Equal(skip, want) {
		t.Fatalf("skip %v, want %v", skip, want)
	}
	var kept2 []int
	seq := int64(100)
	if err := kept.New(reqs, func(i int, r *actas.RememberedRequest) error {
		kept2 = append(kept2, i)
		r.KeptSeq, r.KeptRequest = seq, r.Request
		seq++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 3, 4}; !slices.Equal(kept2, want) {
		t.Fatalf("new keys at %v, want %v", kept2, want)
	}
	kept.Follow(reqs)
	for i, want := range []int64{100, 7, 100, 101, 102} {
		if reqs[i].KeptSeq != want {
			t.Errorf("request %d (account %d, key %q) answered by entry %d, want %d", i, reqs[i].Account, reqs[i].Key, reqs[i].KeptSeq, want)
		}
	}
	if reqs[2].KeptRequest != reqs[0].Request {
		t.Errorf("a repeated key keeps %x, want its first request's %x", reqs[2].KeptRequest, reqs[0].Request)
	}
}

// TestMarkRequestsRefuses checks that an unknown account or a failed
// look-up ends the marking with that error.
func TestMarkRequestsRefuses(t *testing.T) {
	noAccount := actas.Errorf(actas.ENOTFOUND, "no account 2")
	broken := errors.New("look-up failed")
	tests := []struct {
		name    string
		account func(int64) error
		kept    func(*actas.RememberedRequest) (bool, error)
		want    error
	}{
		{"an unknown account", func(id int64) error {
			if id == 2 {
				return noAccount
			}
			return nil
		}, func(*actas.RememberedRequest) (bool, error) { return false, nil }, noAccount},
		{"a look-up failing", func(int64) error { return nil }, func(*actas.RememberedRequest) (bool, error) { return false, broken }, broken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := []*actas.RememberedRequest{{Account: 1, Key: "a"}, {Account: 2, Key: "b"}}
			if _, err := MarkRequests(reqs, make([]bool, 2), tt.account, tt.kept); !errors.Is(err, tt.want) {
				t.Fatalf("MarkRequests: %v, want %v", err, tt.want)
			}
		})
	}
}

// TestCheckRequests checks the form of requests to keep.
func TestCheckRequests(t *testing.T) {
	tests := []struct {
		name    string
		reqs    []*actas.RememberedRequest
		withSeq bool
		ok      bool
	}{
		{"valid", []*actas.RememberedRequest{{Key: "k", Seq: 3}}, true, true},
		{"a missing request", []*actas.RememberedRequest{nil}, false, false},
		{"an empty key", []*actas.RememberedRequest{{Key: ""}}, false, false},
		{"a negative log index kept", []*actas.RememberedRequest{{Key: "k", Seq: -1}}, true, false},
		{"a negative log index ignored (SubmitRemembering sets it)", []*actas.RememberedRequest{{Key: "k", Seq: -1}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRequests(tt.reqs, tt.withSeq)
			if (err == nil) != tt.ok || (err != nil && actas.ErrorCode(err) != actas.EINVALID) {
				t.Fatalf("CheckRequests: %v, want ok %v", err, tt.ok)
			}
		})
	}
}

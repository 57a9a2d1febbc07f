package storeutil

import (
	"testing"

	"github.com/actasproject/actas"
)

// TestDigests checks every digest against the sheet's own, on both sides of
// the size from which the work is shared, and with missing submissions.
func TestDigests(t *testing.T) {
	for _, n := range []int{0, 1, 7, parallelDigestsFrom - 1, parallelDigestsFrom, 3*parallelDigestsFrom + 5} {
		subs := make([]*actas.Submission, n)
		for i := range subs {
			if i%1000 == 999 {
				continue // missing
			}
			subs[i] = &actas.Submission{Sheet: actas.Sheet{Station: "S", Contest: "c", Votes: []int64{int64(i), 2}, Ballots: int64(i) + 2}}
		}
		digests := make([][32]byte, n)
		Digests(subs, digests)
		for i, s := range subs {
			want := [32]byte{}
			if s != nil {
				want = s.Sheet.Digest()
			}
			if digests[i] != want {
				t.Fatalf("%d submissions: digest %d is %x, want %x", n, i, digests[i], want)
			}
		}
	}
}

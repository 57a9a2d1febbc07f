package storeutil

import (
	"slices"
	"testing"

	"github.com/actasproject/actas"
)

// TestKnownDecide decides one batch against digests stored before, with
// the first digests of keys in a map and in a table by station, and checks
// the outcomes a user would read and the entry answering each Present one.
func TestKnownDecide(t *testing.T) {
	d := func(n byte) [32]byte { return [32]byte{n} }
	witness, official := uint8(0), uint8(1)
	type sub struct {
		station int64
		source  uint8
		digest  [32]byte
	}
	batch := []sub{
		{0, witness, d(1)},  // stored before, same numbers
		{0, witness, d(2)},  // stored before with other numbers
		{1, witness, d(3)},  // new
		{1, witness, d(3)},  // the same again in the batch
		{1, official, d(3)}, // another source
		{2, witness, d(4)},  // skipped: its request's key was kept
		{1, witness, d(5)},  // the source changing its numbers in the batch
		{0, witness, d(2)},  // the change above, again
	}
	want := []actas.Outcome{actas.Present, actas.Differing, actas.New, actas.Present, actas.New, actas.Present, actas.Differing, actas.Present}
	wantOrder := []int32{1, 2, 4, 6}
	digests := make([][32]byte, len(batch))
	for i, s := range batch {
		digests[i] = s.digest
	}
	key := func(i int) SheetKey { return MakeKey(batch[i].station, 0, batch[i].source) }
	skip := []bool{5: true, 7: false}
	for _, mode := range []struct {
		name  string
		known *Known
	}{
		{"in a map", NewKnown(digests)},
		{"in a table by station", NewKnownTable(digests, 3, []uint32{1<<witness | 1<<official})},
	} {
		t.Run(mode.name, func(t *testing.T) {
			k := mode.known
			k.AddPrior(MakeKey(0, 0, witness), d(1), 40)
			outcomes := make([]actas.Outcome, len(batch))
			order := k.Decide(len(batch), key, skip, outcomes)
			if !slices.Equal(outcomes, want) {
				t.Fatalf("outcomes %v, want %v", outcomes, want)
			}
			if !slices.Equal(order, wantOrder) {
				t.Fatalf("stored %v, want %v", order, wantOrder)
			}
			seqOf := map[int32]int64{1: 50, 2: 51, 4: 52, 6: 53}
			for i, wantSeq := range map[int]int64{0: 40, 3: 51, 7: 50} {
				if seq, ok := k.Answer(key(i), i, seqOf); !ok || seq != wantSeq {
					t.Errorf("submission %d is answered by entry %d (%v), want %d", i, seq, ok, wantSeq)
				}
			}
		})
	}
}

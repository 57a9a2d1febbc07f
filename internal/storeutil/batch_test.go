package storeutil

import (
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

// TestCheckBatch checks what a batch derives (stations numbered once,
// contest and source pairs, digests) and that the first malformed
// submission is the one named.
func TestCheckBatch(t *testing.T) {
	e := &actas.Election{ID: "e1", Contests: []actas.Contest{
		{ID: "p", Choices: []actas.Choice{{ID: "a"}, {ID: "b"}}},
		{ID: "r", Choices: []actas.Choice{{ID: "yes"}}},
	}}
	contests := map[string]int{"p": 0, "r": 1}
	at := time.Date(2024, 7, 28, 20, 0, 0, 0, time.UTC)
	sub := func(station, contest string, source actas.Source, votes ...int64) *actas.Submission {
		var sum int64
		for _, v := range votes {
			sum += v
		}
		return &actas.Submission{Source: source, Received: at, Sheet: actas.Sheet{Station: station, Contest: contest, Votes: votes, Ballots: sum, Voters: actas.Unknown}}
	}
	subs := []*actas.Submission{sub("001", "p", actas.Witness, 1, 2), sub("002", "r", actas.Official, 4), sub("001", "r", actas.Witness, 3)}
	b, err := CheckBatch(e, contests, subs)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Codes) != 2 || b.Slots[0] != b.Slots[2] || b.Slots[0] == b.Slots[1] {
		t.Errorf("stations numbered %v by %v, want two, 001 once", b.Slots, b.Codes)
	}
	witness, _ := SourceIndex(actas.Witness)
	official, _ := SourceIndex(actas.Official)
	if b.Pairs[0] != 1<<witness || b.Pairs[1] != 1<<witness|1<<official {
		t.Errorf("pairs %b, want p: witness, r: witness and official", b.Pairs)
	}
	for i, s := range subs {
		if b.Digests[i] != s.Sheet.Digest() {
			t.Errorf("digest %d is not its sheet's", i)
		}
	}

	tests := []struct {
		name string
		subs []*actas.Submission
		want string
	}{
		{"a missing submission", []*actas.Submission{subs[0], nil}, "submission 2 is missing"},
		{"an unknown contest, before a later fault", []*actas.Submission{sub("003", "x", actas.Witness, 1), nil}, `station 003: election e1 has no contest "x"`},
		{"another election", []*actas.Submission{{Election: "e2", Sheet: subs[0].Sheet, Source: actas.Witness, Received: at}}, "names election e2"},
		{"a received time in year 10000", []*actas.Submission{{Sheet: subs[0].Sheet, Source: actas.Witness, Received: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}, "not between years 1 and 9999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckBatch(e, contests, tt.subs)
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(actas.ErrorMessage(err), tt.want) {
				t.Fatalf("CheckBatch: %v, want invalid saying %q", err, tt.want)
			}
		})
	}
}

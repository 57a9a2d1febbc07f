package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

func testSubmissions(t *testing.T, b Backend) {
	const (
		e = "ve-2024"
		N = actas.New
		P = actas.Present
		D = actas.Differing
	)
	w := func(station, contest string, seed int64) *actas.Submission {
		return Sub(actas.Witness, Sheet(station, contest, seed))
	}
	off := func(station, contest string, seed int64) *actas.Submission {
		return Sub(actas.Official, Sheet(station, contest, seed))
	}

	// Each case submits its batches in order to a new store; want are the
	// outcomes of each batch and stored the submissions kept, in order.
	for _, tc := range []struct {
		name    string
		batches [][]*actas.Submission
		want    [][]actas.Outcome
		stored  []int // indexes into the flattened batches
	}{
		{
			name:    "the first sheet of a source is new",
			batches: [][]*actas.Submission{{w("001", "president", 0)}},
			want:    [][]actas.Outcome{{N}},
			stored:  []int{0},
		},
		{
			name:    "the same sheet again is already present and stores nothing",
			batches: [][]*actas.Submission{{w("001", "president", 0)}, {w("001", "president", 0)}},
			want:    [][]actas.Outcome{{N}, {P}},
			stored:  []int{0},
		},
		{
			name:    "the same sheet twice in one batch is stored once",
			batches: [][]*actas.Submission{{w("001", "president", 0), w("002", "president", 0), w("001", "president", 0)}},
			want:    [][]actas.Outcome{{N, N, P}},
			stored:  []int{0, 1},
		},
		{
			name:    "other numbers from the same source are differing and both are kept",
			batches: [][]*actas.Submission{{w("001", "president", 0)}, {w("001", "president", 1)}},
			want:    [][]actas.Outcome{{N}, {D}},
			stored:  []int{0, 1},
		},
		{
			name:    "other numbers from the same source in one batch are differing",
			batches: [][]*actas.Submission{{w("001", "president", 0), w("001", "president", 1), w("001", "president", 1)}},
			want:    [][]actas.Outcome{{N, D, P}},
			stored:  []int{0, 1},
		},
		{
			name:    "a source going back to numbers it stated before is already present",
			batches: [][]*actas.Submission{{w("001", "president", 0)}, {w("001", "president", 1)}, {w("001", "president", 0)}},
			want:    [][]actas.Outcome{{N}, {D}, {P}},
			stored:  []int{0, 1},
		},
		{
			name:    "the same numbers from another source are new",
			batches: [][]*actas.Submission{{w("001", "president", 0)}, {off("001", "president", 0), Sub(actas.QR, Sheet("001", "president", 0))}},
			want:    [][]actas.Outcome{{N}, {N, N}},
			stored:  []int{0, 1, 2},
		},
		{
			name:    "other numbers from another source are new",
			batches: [][]*actas.Submission{{w("001", "president", 0), off("001", "president", 5)}},
			want:    [][]actas.Outcome{{N, N}},
			stored:  []int{0, 1},
		},
		{
			name:    "each contest of a station is its own sheet",
			batches: [][]*actas.Submission{{w("001", "president", 0), w("001", "referendum", 0)}},
			want:    [][]actas.Outcome{{N, N}},
			stored:  []int{0, 1},
		},
		{
			name:    "the same numbers at another station are new",
			batches: [][]*actas.Submission{{w("001", "president", 0)}, {w("002", "president", 0)}},
			want:    [][]actas.Outcome{{N}, {N}},
			stored:  []int{0, 1},
		},
		{
			name:    "an empty batch stores nothing",
			batches: [][]*actas.Submission{{}, {w("001", "president", 0)}, {}},
			want:    [][]actas.Outcome{{}, {N}, {}},
			stored:  []int{0},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := MustOpenWithElection(t, b, e)
			var all []*actas.Submission
			for i, batch := range tc.batches {
				got := MustSubmit(t, s, e, batch...)
				wantOutcomes(t, fmt.Sprintf("batch %d", i+1), got, tc.want[i]...)
				all = append(all, batch...)
			}
			var want []*actas.Submission
			for _, i := range tc.stored {
				want = append(want, all[i])
			}
			got := MustSubmissions(t, s, e)
			wantSubmissions(t, e, got, want)
			wantSeqs(t, got, 1)
		})
	}

	t.Run("a differing sheet leaves the earlier one as it was", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		first := w("001", "president", 0)
		MustSubmit(t, s, e, first)
		before := MustSubmissions(t, s, e)
		second := w("001", "president", 9)
		second.Submitter = "someone else"
		second.Received = received.Add(time.Hour)
		MustSubmit(t, s, e, second)
		after := MustSubmissions(t, s, e)
		if len(after) != 2 || !reflect.DeepEqual(after[0], before[0]) {
			t.Fatalf("after a differing sheet the first submission is %+v, want %+v", after[0], before[0])
		}
		wantSubmissions(t, e, after, []*actas.Submission{first, second})
	})

	t.Run("sequence numbers count from 1 without gaps across calls", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, w("001", "president", 0), w("002", "president", 0))
		MustSubmit(t, s, e, w("001", "president", 0)) // present: takes no number
		if _, err := s.Submit(t.Context(), e, []*actas.Submission{w("003", "president", 0), w("nowhere", "president", 0)}, nil); err == nil {
			t.Fatal("Submit with an unknown station succeeded")
		}
		MustSubmit(t, s, e, w("003", "president", 0))
		MustSubmit(t, s, e, w("001", "president", 1), w("004", "referendum", 0), w("005", "president", 0))
		got := MustSubmissions(t, s, e)
		if len(got) != 6 {
			t.Fatalf("%d submissions stored, want 6", len(got))
		}
		wantSeqs(t, got, 1)
		// Each election has its own sequence.
		MustCreateElection(t, s, Election("other"), Stations())
		MustSubmit(t, s, "other", w("001", "president", 0))
		wantSeqs(t, MustSubmissions(t, s, "other"), 1)
		MustSubmit(t, s, e, w("006", "president", 0))
		wantSeqs(t, MustSubmissions(t, s, e), 1)
	})

	for _, tc := range []struct {
		name    string
		bad     *actas.Submission
		mention string
	}{
		{"an unknown station", w("999", "president", 0), "999"},
		{"an unknown contest", w("003", "senate", 0), "003"},
		{"too few votes", func() *actas.Submission {
			s := w("003", "president", 0)
			s.Sheet.Votes = s.Sheet.Votes[:2]
			return s
		}(), "003"},
		{"too many votes", func() *actas.Submission {
			s := w("003", "referendum", 0)
			s.Sheet.Votes = append(s.Sheet.Votes, 1)
			return s
		}(), "003"},
	} {
		t.Run("a batch with "+tc.name+" stores nothing and names the station", func(t *testing.T) {
			s := MustOpenWithElection(t, b, e)
			batch := []*actas.Submission{w("001", "president", 0), w("002", "president", 0), tc.bad, w("004", "president", 0)}
			_, err := s.Submit(t.Context(), e, batch, nil)
			wantCode(t, "Submit", err, actas.EINVALID)
			wantMention(t, "Submit", err, tc.mention)
			if got := MustSubmissions(t, s, e); len(got) != 0 {
				t.Fatalf("%d submissions stored after a refused batch, want none", len(got))
			}
			// Nothing half-done remains: the good sheets are new and numbered from 1.
			wantOutcomes(t, "the good sheets again", MustSubmit(t, s, e, batch[0], batch[1], batch[3]), N, N, N)
			wantSeqs(t, MustSubmissions(t, s, e), 1)
		})
	}

	t.Run("every field reads back as submitted", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		photo1, photo2 := MustPutPhoto(t, s, e, 1), MustPutPhoto(t, s, e, 2)
		full := &actas.Submission{
			Source:    actas.Official,
			Sheet:     actas.Sheet{Station: "005", Contest: "president", Votes: []int64{0, 9_000_000_000, 1}, Blank: 4, Null: 5, Ballots: 7, Voters: actas.Unknown},
			Flags:     actas.FlagSumMismatch | actas.FlagOverRegistered | actas.FlagOverCapacity,
			Submitter: "witness:María José",
			Origin:    "import actas.csv sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			Received:  time.Date(2024, 7, 29, 0, 6, 59, 987654321, time.FixedZone("VET", -4*60*60)),
			Evidence: []actas.Evidence{
				{Kind: "photo", SHA256: photo1},
				{Kind: "link", URL: "https://example.org/acta/005.jpg?size=full&x=\"quoted\""},
				{Kind: "qr", Text: "0005!1,2,3\n\tñ"},
			},
		}
		plain := &actas.Submission{
			Source:   actas.Audit,
			Sheet:    actas.Sheet{Station: "P01", Contest: "referendum", Votes: []int64{1, 2}, Blank: 0, Null: 0, Ballots: 3, Voters: 3},
			Received: time.Date(2024, 7, 28, 23, 0, 0, 0, time.UTC),
		}
		photo := &actas.Submission{
			Source:    actas.Witness,
			Sheet:     Sheet("P02", "president", 0),
			Submitter: "witness:17",
			Received:  time.Date(2024, 7, 28, 22, 0, 0, 1000, time.UTC),
			Evidence:  []actas.Evidence{{Kind: "photo", SHA256: photo2}, {Kind: "photo", SHA256: photo1}},
		}
		MustSubmit(t, s, e, full, plain, photo)
		got := MustSubmissions(t, s, e)
		wantSubmissions(t, e, got, []*actas.Submission{full, plain, photo})
		if got[0].Sheet.Voters != actas.Unknown {
			t.Fatalf("voters not stated read back as %d, want actas.Unknown", got[0].Sheet.Voters)
		}
		st, err := s.StationSubmissions(t.Context(), e, "005")
		if err != nil {
			t.Fatalf("StationSubmissions: %v", err)
		}
		wantSubmissions(t, e, st, []*actas.Submission{full})
	})

	t.Run("submissions after a sequence number come in order", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		subs := []*actas.Submission{w("001", "president", 0), w("002", "president", 0), w("003", "president", 0), w("004", "president", 0)}
		MustSubmit(t, s, e, subs[:2]...)
		MustSubmit(t, s, e, subs[2:]...)
		for _, tc := range []struct {
			after int64
			want  []*actas.Submission
		}{
			{0, subs}, {-5, subs}, {1, subs[1:]}, {3, subs[3:]}, {4, nil}, {100, nil},
		} {
			var got []*actas.Submission
			if err := s.Submissions(t.Context(), e, tc.after, func(s *actas.Submission) error {
				got = append(got, s)
				return nil
			}); err != nil {
				t.Fatalf("Submissions(after %d): %v", tc.after, err)
			}
			wantSubmissions(t, e, got, tc.want)
			if len(got) > 0 && got[0].Seq != max(tc.after, 0)+1 {
				t.Fatalf("Submissions(after %d) starts at %d", tc.after, got[0].Seq)
			}
		}
	})

	t.Run("reading submissions stops at the callback's first error", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, w("001", "president", 0), w("002", "president", 0), w("003", "president", 0))
		calls := 0
		err := s.Submissions(t.Context(), e, 0, func(*actas.Submission) error {
			calls++
			if calls == 2 {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("Submissions returned %v, want the callback's error", err)
		}
		if calls != 2 {
			t.Fatalf("callback called %d times, want 2", calls)
		}
	})

	t.Run("a station's submissions come in order, every contest and source", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		a := w("003", "president", 0)
		MustSubmit(t, s, e, a, w("001", "president", 0))
		c, d := off("003", "referendum", 0), w("003", "president", 2)
		MustSubmit(t, s, e, w("002", "president", 0), c, d)
		got, err := s.StationSubmissions(t.Context(), e, "003")
		if err != nil {
			t.Fatalf("StationSubmissions: %v", err)
		}
		wantSubmissions(t, e, got, []*actas.Submission{a, c, d})
		if got[0].Seq != 1 || got[1].Seq != 4 || got[2].Seq != 5 {
			t.Fatalf("station 003 has sequence numbers %d, %d, %d; want 1, 4, 5", got[0].Seq, got[1].Seq, got[2].Seq)
		}
	})

	t.Run("a station without submissions has none", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, w("001", "president", 0))
		got, err := s.StationSubmissions(t.Context(), e, "002")
		if err != nil || len(got) != 0 {
			t.Fatalf("StationSubmissions(002) = %d submissions, %v; want none", len(got), err)
		}
	})

	t.Run("an unknown station is not found", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		_, err := s.StationSubmissions(t.Context(), e, "999")
		wantCode(t, "StationSubmissions", err, actas.ENOTFOUND)
	})

	t.Run("importing a whole file again changes nothing", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		file := File(actas.Witness, 0)
		out := MustSubmit(t, s, e, file...)
		wantCounts(t, "first import", out, len(file), 0, 0)
		out = MustSubmit(t, s, e, File(actas.Witness, 0)...)
		wantCounts(t, "second import", out, 0, len(file), 0)
		// A corrected file: ten sheets change.
		corrected := File(actas.Witness, 0)
		for i := 0; i < 10; i++ {
			corrected[i*7] = w(corrected[i*7].Sheet.Station, corrected[i*7].Sheet.Contest, 1)
		}
		out = MustSubmit(t, s, e, corrected...)
		wantCounts(t, "corrected file", out, 0, len(file)-10, 10)
		// Another source with the same numbers is all new.
		out = MustSubmit(t, s, e, File(actas.Official, 0)...)
		wantCounts(t, "official file", out, len(file), 0, 0)
		// One sheet, looked up alone.
		wantOutcomes(t, "one corrected sheet again", MustSubmit(t, s, e, w(corrected[7].Sheet.Station, corrected[7].Sheet.Contest, 1)), P)
		wantOutcomes(t, "one new number", MustSubmit(t, s, e, w("P10", "referendum", 3)), D)
		got := MustSubmissions(t, s, e)
		if want := 2*len(file) + 10 + 1; len(got) != want {
			t.Fatalf("%d submissions stored, want %d", len(got), want)
		}
		wantSeqs(t, got, 1)
	})

	t.Run("progress reaches the number of submissions", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		file := File(actas.Witness, 0)
		var calls []int
		if _, err := s.Submit(t.Context(), e, file, func(done int) { calls = append(calls, done) }); err != nil {
			t.Fatalf("Submit: %v", err)
		}
		if len(calls) == 0 || calls[len(calls)-1] != len(file) {
			t.Fatalf("progress calls %v, want the last to be %d", calls, len(file))
		}
		for i := 1; i < len(calls); i++ {
			if calls[i] < calls[i-1] {
				t.Fatalf("progress went back: %v", calls)
			}
		}
	})
}

// wantCounts fails tb unless the outcomes count n new, p present and d
// differing.
func wantCounts(tb testing.TB, what string, out []actas.Outcome, n, p, d int) {
	tb.Helper()
	var r actas.Report
	for _, o := range out {
		r.Add(o)
	}
	if r != (actas.Report{New: n, Present: p, Differing: d}) {
		tb.Fatalf("%s: %v; want %d new, %d already present, %d differing", what, r, n, p, d)
	}
}

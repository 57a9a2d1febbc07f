package review_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/review"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/tabulate"
)

const (
	eid         = "e1"
	witnessAnna = "11" // account ids, as records keep them
	witnessBeto = "12"
	keyerKim    = "21"
	keyerLeo    = "22"
	coordinator = "31"
)

var now = time.Date(2024, 7, 28, 22, 0, 0, 0, time.UTC)

// fixture is a real SQLite store with the storetest election, its
// tabulation kept current the way the server keeps it, and witnesses'
// sheets with photos.
type fixture struct {
	store actas.Store
	tab   *tabulate.Tabulator
	photo string
}

func MustFixture(tb testing.TB) *fixture {
	tb.Helper()
	db, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "actas.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	storetest.MustCreateElection(tb, db, storetest.Election(eid), storetest.Stations())
	tab := tabulate.New(tabulate.DefaultRules())
	if err := tab.AddElection(storetest.Election(eid), storetest.Stations()); err != nil {
		tb.Fatal(err)
	}
	return &fixture{store: db, tab: tab, photo: storetest.MustPutPhoto(tb, db, eid, 1)}
}

// MustSubmit stores a sheet of source from submitter (with the photo when
// photo is set) and tabulates it; it returns its Seq.
func (f *fixture) MustSubmit(tb testing.TB, src actas.Source, submitter string, sh actas.Sheet, photo bool) int64 {
	tb.Helper()
	sub := storetest.Sub(src, sh)
	sub.Submitter = submitter
	if photo {
		sub.Evidence = []actas.Evidence{{Kind: "photo", SHA256: f.photo}}
	}
	if _, err := f.store.Submit(tb.Context(), eid, []*actas.Submission{sub}, nil); err != nil {
		tb.Fatal(err)
	}
	if err := f.tab.Add(sub); err != nil {
		tb.Fatal(err)
	}
	return sub.Seq
}

// keying is what a keyer types for submission seq: the sheet's numbers.
func keying(seq int64, sh actas.Sheet) review.KeyingBody {
	return review.KeyingBody{Station: sh.Station, Contest: sh.Contest, Keyed: seq, Votes: slices.Clone(sh.Votes),
		Blank: sh.Blank, Null: sh.Null, Ballots: sh.Ballots, Voters: sh.Voters}
}

func (f *fixture) MustKey(tb testing.TB, k review.KeyingBody, account string) *review.Keying {
	tb.Helper()
	kg, err := review.AddKeying(tb.Context(), f.store, eid, k, account, now)
	if err != nil {
		tb.Fatalf("AddKeying(%s, submission %d) by %s: %v", k.Station, k.Keyed, account, err)
	}
	return kg
}

func (f *fixture) queue(tb testing.TB, account string) []int64 {
	tb.Helper()
	tasks, err := review.KeyerQueue(tb.Context(), f.store, eid, account, 100)
	if err != nil {
		tb.Fatal(err)
	}
	var seqs []int64
	for _, t := range tasks {
		if len(t.Photos) == 0 {
			tb.Fatalf("task %+v has no photo to key from", t)
		}
		seqs = append(seqs, t.Seq)
	}
	return seqs
}

func (f *fixture) reviewQueue(tb testing.TB, areas ...string) []string {
	tb.Helper()
	items, err := review.ReviewQueue(tb.Context(), f.store, f.tab, eid, areas, 100)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.Station.Code+"/"+it.Contest)
	}
	return out
}

func (f *fixture) logSize(tb testing.TB) int64 {
	tb.Helper()
	n, err := f.store.LogSize(tb.Context(), eid)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestDoubleEntry(t *testing.T) {
	f := MustFixture(t)
	same := storetest.Sheet("001", "president", 1)
	other := storetest.Sheet("002", "president", 2)
	s1 := f.MustSubmit(t, actas.Witness, witnessAnna, same, true)
	s2 := f.MustSubmit(t, actas.Witness, witnessBeto, other, true)
	f.MustSubmit(t, actas.Witness, witnessBeto, storetest.Sheet("003", "president", 3), false) // no photo: nothing to key

	t.Run("a keyer is offered the witnesses' sheets with a photo, oldest first", func(t *testing.T) {
		if got := f.queue(t, keyerKim); !slices.Equal(got, []int64{s1, s2}) {
			t.Fatalf("queue %v, want %v", got, []int64{s1, s2})
		}
	})
	t.Run("a witness who keys is not offered their own sheet", func(t *testing.T) {
		if got := f.queue(t, witnessAnna); !slices.Equal(got, []int64{s2}) {
			t.Fatalf("queue %v, want only %d", got, s2)
		}
	})
	t.Run("an identical independent entry verifies the sheet", func(t *testing.T) {
		kg := f.MustKey(t, keying(s1, same), keyerKim)
		if !kg.Matches || kg.Index <= s2 || kg.Account != keyerKim || !kg.Time.Equal(now) {
			t.Fatalf("keying %+v: want a match logged after the submissions, by %s at %v", kg, keyerKim, now)
		}
		h, err := review.StationHistory(t.Context(), f.store, eid, "001")
		if err != nil {
			t.Fatal(err)
		}
		if v := h.Verified(s1, witnessAnna); len(v) != 1 {
			t.Fatalf("%d verifying keyings, want 1", len(v))
		}
		if got := f.queue(t, keyerLeo); !slices.Equal(got, []int64{s2}) {
			t.Fatalf("after verification another keyer's queue is %v, want only %d", got, s2)
		}
		if got := f.reviewQueue(t, ""); len(got) != 0 {
			t.Fatalf("review queue %v, want empty", got)
		}
	})
	t.Run("a differing entry sends the station to review", func(t *testing.T) {
		k := keying(s2, other)
		k.Votes[0]++
		kg := f.MustKey(t, k, keyerKim)
		if kg.Matches {
			t.Fatal("a keying with other numbers matches")
		}
		if got := f.queue(t, keyerKim); len(got) != 0 {
			t.Fatalf("the keyer is offered %v again", got)
		}
		if got := f.queue(t, keyerLeo); !slices.Equal(got, []int64{s2}) {
			t.Fatalf("a second keyer's queue is %v, want %d: a third entry helps decide", got, s2)
		}
		if got := f.reviewQueue(t, ""); !slices.Equal(got, []string{"002/president"}) {
			t.Fatalf("review queue %v", got)
		}
		if got := f.reviewQueue(t, "Zulia"); !slices.Equal(got, []string{"002/president"}) {
			t.Fatalf("Zulia's coordinator sees %v", got)
		}
		if got := f.reviewQueue(t, "Miranda"); len(got) != 0 {
			t.Fatalf("Miranda's coordinator sees %v", got)
		}
	})
	t.Run("a decision takes the station out of the queue and into the reconciled view", func(t *testing.T) {
		d, err := review.Decide(t.Context(), f.store, eid, review.DecisionBody{Station: "002", Contest: "president",
			Verdict: review.Accept, Accepted: s2, Reason: "  the photo shows the witness's numbers; the keyer misread a 7  "}, coordinator, now)
		if err != nil {
			t.Fatal(err)
		}
		if d.Source != actas.Witness || d.Reason != "the photo shows the witness's numbers; the keyer misread a 7" || d.Account != coordinator {
			t.Fatalf("decision %+v", d)
		}
		if got := f.reviewQueue(t, ""); len(got) != 0 {
			t.Fatalf("review queue after the decision: %v", got)
		}
		if err := review.ApplyAll(t.Context(), f.store, f.tab, eid); err != nil {
			t.Fatal(err)
		}
		if err := review.ApplyAll(t.Context(), f.store, f.tab, eid); err != nil {
			t.Fatalf("applying the same decisions again: %v", err)
		}
		if seq, _ := f.tab.MaxSeq(eid); seq != d.Index {
			t.Fatalf("results version %d, want the decision's entry %d", seq, d.Index)
		}
		h, err := review.StationHistory(t.Context(), f.store, eid, "002")
		if err != nil {
			t.Fatal(err)
		}
		if l := h.Latest("president"); l == nil || l.Index != d.Index || len(h.Keyings) != 1 {
			t.Fatalf("history %+v", h)
		}
	})
	t.Run("a rejection leaves the station uncounted until new evidence", func(t *testing.T) {
		f.MustSubmit(t, actas.Official, "import", storetest.Sheet("001", "president", 9), false)
		if got := f.reviewQueue(t, ""); !slices.Equal(got, []string{"001/president"}) {
			t.Fatalf("review queue %v, want the conflict at 001", got)
		}
		if _, err := review.Decide(t.Context(), f.store, eid, review.DecisionBody{Station: "001", Contest: "president",
			Verdict: review.NeedsRecount, Reason: "the photos are unreadable"}, coordinator, now); err != nil {
			t.Fatal(err)
		}
		if err := review.ApplyAll(t.Context(), f.store, f.tab, eid); err != nil {
			t.Fatal(err)
		}
		res, err := f.tab.Station(eid, "president", "001")
		if err != nil {
			t.Fatal(err)
		}
		if res.Sheet != nil || res.State != actas.StateConflict {
			t.Fatalf("after needs-recount: %s with sheet %+v", res.State, res.Sheet)
		}
		f.MustSubmit(t, actas.Audit, "import", storetest.Sheet("001", "president", 1), false)
		if got := f.reviewQueue(t, ""); !slices.Equal(got, []string{"001/president"}) {
			t.Fatalf("a hand count after the decision: review queue %v, want 001 back", got)
		}
	})
	t.Run("decisions replayed into a new tabulation give the same results", func(t *testing.T) {
		fresh, err := tabulate.Load(t.Context(), f.store, tabulate.DefaultRules())
		if err != nil {
			t.Fatal(err)
		}
		if err := review.ApplyAll(t.Context(), f.store, fresh, eid); err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{"001", "002", "003"} {
			a, _ := f.tab.Station(eid, "president", st)
			b, _ := fresh.Station(eid, "president", st)
			if a.State != b.State || (a.Sheet == nil) != (b.Sheet == nil) || (a.Sheet != nil && !a.Sheet.Equal(b.Sheet)) {
				t.Fatalf("station %s: live %+v, replayed %+v", st, a, b)
			}
		}
	})
}

func TestRefusals(t *testing.T) {
	f := MustFixture(t)
	sh := storetest.Sheet("001", "president", 1)
	old := f.MustSubmit(t, actas.Witness, witnessAnna, sh, true)
	cur := f.MustSubmit(t, actas.Witness, witnessAnna, storetest.Sheet("001", "president", 4), true)
	bare := f.MustSubmit(t, actas.Witness, witnessBeto, storetest.Sheet("002", "president", 1), false)
	f.MustKey(t, keying(cur, storetest.Sheet("001", "president", 4)), keyerLeo)
	short := keying(cur, sh)
	short.Votes = short.Votes[:2]
	wrongContest := keying(cur, sh)
	wrongContest.Contest = "referendum"
	keys := []struct {
		name    string
		k       review.KeyingBody
		account string
		code    string
	}{
		{"a witness keys their own sheet", keying(cur, sh), witnessAnna, actas.EFORBIDDEN},
		{"a keyer keys the same sheet twice", keying(cur, sh), keyerLeo, actas.ECONFLICT},
		{"a keyer keys a corrected sheet", keying(old, sh), keyerKim, actas.ECONFLICT},
		{"a keyer keys a sheet without a photo", keying(bare, storetest.Sheet("002", "president", 1)), keyerKim, actas.EINVALID},
		{"a keying misses a choice", short, keyerKim, actas.EINVALID},
		{"a keying names another contest", wrongContest, keyerKim, actas.EINVALID},
		{"a keying names a submission the station does not have", keying(bare, sh), keyerKim, actas.ENOTFOUND},
		{"a keying names an unknown station", keying(cur, storetest.Sheet("999", "president", 1)), keyerKim, actas.ENOTFOUND},
	}
	for _, c := range keys {
		t.Run(c.name, func(t *testing.T) {
			before := f.logSize(t)
			_, err := review.AddKeying(t.Context(), f.store, eid, c.k, c.account, now)
			if actas.ErrorCode(err) != c.code {
				t.Fatalf("AddKeying = %v, want %s", err, c.code)
			}
			if after := f.logSize(t); after != before {
				t.Fatalf("refused, yet the log grew from %d to %d", before, after)
			}
		})
	}
	decisions := []struct {
		name string
		d    review.DecisionBody
		code string
	}{
		{"a decision without a reason", review.DecisionBody{Station: "001", Contest: "president", Verdict: review.Accept, Accepted: cur, Reason: "   "}, actas.EINVALID},
		{"an unknown verdict", review.DecisionBody{Station: "001", Contest: "president", Verdict: "maybe", Reason: "why not"}, actas.EINVALID},
		{"accepting a corrected sheet", review.DecisionBody{Station: "001", Contest: "president", Verdict: review.Accept, Accepted: old, Reason: "r"}, actas.ECONFLICT},
		{"accepting a submission of another station", review.DecisionBody{Station: "001", Contest: "president", Verdict: review.Accept, Accepted: bare, Reason: "r"}, actas.EINVALID},
		{"a rejection that accepts a submission", review.DecisionBody{Station: "001", Contest: "president", Verdict: review.RejectAll, Accepted: cur, Reason: "r"}, actas.EINVALID},
		{"a decision on a contest without sheets", review.DecisionBody{Station: "001", Contest: "referendum", Verdict: review.RejectAll, Reason: "r"}, actas.EINVALID},
		{"a decision on an unknown contest", review.DecisionBody{Station: "001", Contest: "mayor", Verdict: review.RejectAll, Reason: "r"}, actas.EINVALID},
		{"a decision on an unknown station", review.DecisionBody{Station: "999", Contest: "president", Verdict: review.RejectAll, Reason: "r"}, actas.ENOTFOUND},
		{"a reason with a control character", review.DecisionBody{Station: "001", Contest: "president", Verdict: review.RejectAll, Reason: "bell\a"}, actas.EINVALID},
	}
	for _, c := range decisions {
		t.Run(c.name, func(t *testing.T) {
			before := f.logSize(t)
			_, err := review.Decide(t.Context(), f.store, eid, c.d, coordinator, now)
			if actas.ErrorCode(err) != c.code {
				t.Fatalf("Decide = %v, want %s", err, c.code)
			}
			if after := f.logSize(t); after != before {
				t.Fatalf("refused, yet the log grew from %d to %d", before, after)
			}
		})
	}
}

func TestReviewQueueOrder(t *testing.T) {
	f := MustFixture(t)
	disagreed := f.MustSubmit(t, actas.Witness, witnessAnna, storetest.Sheet("002", "president", 1), true)
	k := keying(disagreed, storetest.Sheet("002", "president", 1))
	k.Blank++
	f.MustKey(t, k, keyerKim)
	f.MustSubmit(t, actas.Witness, witnessBeto, storetest.Sheet("003", "president", 1), false)
	f.MustSubmit(t, actas.Official, "import", storetest.Sheet("003", "president", 2), false) // the rules take the witness's
	f.MustSubmit(t, actas.Witness, witnessBeto, storetest.Sheet("004", "president", 1), false)
	f.MustSubmit(t, actas.Witness, witnessBeto, storetest.Sheet("004", "president", 2), false) // a correction: no sheet until decided
	cases := []struct {
		name  string
		limit int
		want  []string
	}{
		{"uncounted stations first, then differing keyings, then settled conflicts", 10, []string{"004/president", "002/president", "003/president"}},
		{"a short page keeps the most urgent", 2, []string{"004/president", "002/president"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items, err := review.ReviewQueue(t.Context(), f.store, f.tab, eid, []string{""}, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Station.Code+"/"+it.Contest)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("queue %v, want %v", got, c.want)
			}
			if !items[0].Unsettled || items[1].Unsettled || len(items[1].Disagree) != 1 {
				t.Fatalf("items %+v", items)
			}
		})
	}
}

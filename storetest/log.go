package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Log is an election's transparency log as a store serves it.
type Log struct {
	Size    int64
	Entries [][]byte          // by index
	Parsed  []*translog.Entry // Entries, parsed
	Root    translog.Hash     // the tree hash of the stored hashes
}

// MustLog reads the election's whole log and fails tb unless it is sound:
// every entry parses as an entry of the election (the first as its
// definition, no other), each entry's leaf hash is the one stored for it,
// and the root of the stored hashes is the root a recount of the entries
// gives (computed by transparency-dev/merkle, not by the code that built
// the tree).
func MustLog(tb testing.TB, s actas.Store, election string) *Log {
	tb.Helper()
	ctx := tb.Context()
	size, err := s.LogSize(ctx, election)
	if err != nil {
		tb.Fatalf("LogSize(%s): %v", election, err)
	}
	l := &Log{Size: size}
	if err := s.LogEntries(ctx, election, 0, size, func(i int64, entry []byte) error {
		if i != int64(len(l.Entries)) {
			return fmt.Errorf("entry %d came after %d entries", i, len(l.Entries))
		}
		l.Entries = append(l.Entries, entry)
		return nil
	}); err != nil {
		tb.Fatalf("LogEntries(%s, 0, %d): %v", election, size, err)
	}
	if int64(len(l.Entries)) != size {
		tb.Fatalf("LogEntries(%s) gave %d entries, LogSize %d", election, len(l.Entries), size)
	}
	recount := translog.NewRecount()
	leaves := make([]int64, size)
	for i, entry := range l.Entries {
		e, err := translog.ParseEntry(entry)
		if err != nil {
			tb.Fatalf("entry %d does not parse: %v\n%s", i, err, entry)
		}
		if e.Election != election {
			tb.Fatalf("entry %d is of election %q, not %q", i, e.Election, election)
		}
		if (i == 0) != (e.Kind == translog.KindElection) {
			tb.Fatalf("entry %d is of kind %s: the first entry, and only it, is the election's", i, e.Kind)
		}
		l.Parsed = append(l.Parsed, e)
		recount.Append(entry)
		leaves[i] = tlog.StoredHashIndex(0, int64(i))
	}
	stored, err := s.LogHashes(ctx, election, leaves)
	if err != nil {
		tb.Fatalf("LogHashes(%s, leaves): %v", election, err)
	}
	for i, entry := range l.Entries {
		if translog.LeafHash(entry) != stored[i] {
			tb.Fatalf("entry %d has leaf hash %x, but the log stores %x for it", i, translog.LeafHash(entry), stored[i])
		}
	}
	if l.Root, err = translog.TreeHash(size, HashReader(ctx, s, election)); err != nil {
		tb.Fatalf("TreeHash(%d) over LogHashes(%s): %v", size, election, err)
	}
	if want := recount.Root(); l.Root != want {
		tb.Fatalf("the stored hashes of %d entries have root %x; the entries recounted, %x", size, l.Root, want)
	}
	return l
}

// HashReader reads the election's stored hashes from s, for translog.
func HashReader(ctx context.Context, s actas.Store, election string) translog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs, err := s.LogHashes(ctx, election, indexes)
		if err != nil {
			return nil, err
		}
		if len(hs) != len(indexes) {
			return nil, fmt.Errorf("LogHashes returned %d hashes for %d indexes", len(hs), len(indexes))
		}
		out := make([]tlog.Hash, len(hs))
		for i := range hs {
			out[i] = hs[i]
		}
		return out, nil
	})
}

// keyName names the suite's signing keys.
const keyName = "storetest"

// MustSigner returns a new signing key and its verifier.
func MustSigner(tb testing.TB) (note.Signer, note.Verifier) {
	tb.Helper()
	skey, vkey, err := translog.GenerateKey(keyName)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := translog.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	verifier, err := translog.NewVerifier(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	return signer, verifier
}

// SignCheckpoint returns the checkpoint of election's log at size with
// root, signed by signer, as a command would make it.
func SignCheckpoint(tb testing.TB, signer note.Signer, election string, size int64, root translog.Hash) *actas.Checkpoint {
	tb.Helper()
	msg, err := translog.Sign(translog.Checkpoint{Origin: translog.Origin(keyName, election), Size: size, Hash: root}, signer)
	if err != nil {
		tb.Fatal(err)
	}
	return &actas.Checkpoint{Size: size, Root: root, Note: msg}
}

// MustCheckpoint returns a signed checkpoint of the first size entries of
// the election's log, its root computed from the stored hashes.
func MustCheckpoint(tb testing.TB, s actas.Store, signer note.Signer, election string, size int64) *actas.Checkpoint {
	tb.Helper()
	root, err := translog.TreeHash(size, HashReader(tb.Context(), s, election))
	if err != nil {
		tb.Fatalf("TreeHash(%d): %v", size, err)
	}
	return SignCheckpoint(tb, signer, election, size, root)
}

// MustCheckpoints returns the checkpoints kept for the election.
func MustCheckpoints(tb testing.TB, s actas.Store, election string) []*actas.Checkpoint {
	tb.Helper()
	cps, err := s.Checkpoints(tb.Context(), election)
	if err != nil {
		tb.Fatalf("Checkpoints(%s): %v", election, err)
	}
	return cps
}

// wantSubmissionEntry fails tb unless entry i of l records sub, stored with
// Seq i.
func wantSubmissionEntry(tb testing.TB, election string, l *Log, sub *actas.Submission) {
	tb.Helper()
	if sub.Seq <= 0 || sub.Seq >= l.Size {
		tb.Fatalf("submission of station %s has Seq %d, outside the log of %d entries", sub.Sheet.Station, sub.Seq, l.Size)
	}
	e := l.Parsed[sub.Seq]
	if e.Kind != translog.KindSubmission {
		tb.Fatalf("entry %d, the Seq of the submission of station %s, is of kind %s", sub.Seq, sub.Sheet.Station, e.Kind)
	}
	if e.Submission.Seq != sub.Seq {
		tb.Fatalf("entry %d states seq %d", sub.Seq, e.Submission.Seq)
	}
	if d := sameSubmission(election, sub, e.Submission); d != "" {
		tb.Fatalf("entry %d does not record the submission of station %s: %s", sub.Seq, sub.Sheet.Station, d)
	}
	c, err := Election(election).Contest(sub.Sheet.Contest)
	if err != nil {
		tb.Fatal(err)
	}
	if !slices.Equal(e.Choices, c.ChoiceIDs()) {
		tb.Fatalf("entry %d names choices %q, want %q", sub.Seq, e.Choices, c.ChoiceIDs())
	}
}

// wantTotalEntry fails tb unless the entry at t.Index records t.
func wantTotalEntry(tb testing.TB, l *Log, t actas.OfficialTotal) {
	tb.Helper()
	if t.Index <= 0 || t.Index >= l.Size {
		tb.Fatalf("official total %+v has an index outside the log of %d entries", t, l.Size)
	}
	e := l.Parsed[t.Index]
	want := t
	want.Index = 0
	want.Area, _ = actas.CanonicalPath(t.Area)
	if e.Kind != translog.KindTotal || !reflect.DeepEqual(*e.Total, want) {
		tb.Fatalf("entry %d records %s %+v, want the total %+v", t.Index, e.Kind, e.Total, want)
	}
}

// wantSnapshotEntry fails tb unless the entry at s.Index records s.
func wantSnapshotEntry(tb testing.TB, l *Log, s actas.Snapshot) {
	tb.Helper()
	if s.Index <= 0 || s.Index >= l.Size {
		tb.Fatalf("snapshot %+v has an index outside the log of %d entries", s, l.Size)
	}
	e := l.Parsed[s.Index]
	want := s
	want.Index = 0
	if !s.Station {
		want.Scope, _ = actas.CanonicalPath(s.Scope)
	}
	if e.Kind != translog.KindSnapshot || !reflect.DeepEqual(*e.Snapshot, want) {
		tb.Fatalf("entry %d records %s %+v, want the snapshot %+v", s.Index, e.Kind, e.Snapshot, want)
	}
}

// wantKinds fails tb unless the log's entries are of the kinds given, in
// order ('e' election, 's' submission, 't' total, 'p' snapshot).
func wantKinds(tb testing.TB, l *Log, kinds string) {
	tb.Helper()
	letter := map[translog.Kind]byte{translog.KindElection: 'e', translog.KindSubmission: 's', translog.KindTotal: 't', translog.KindSnapshot: 'p'}
	got := make([]byte, len(l.Parsed))
	for i, e := range l.Parsed {
		got[i] = letter[e.Kind]
	}
	if string(got) != kinds {
		tb.Fatalf("the log's entries are of kinds %q, want %q", got, kinds)
	}
}

func testLog(t *testing.T, b Backend) {
	const e = "ve-2024"
	w := func(station, contest string, seed int64) *actas.Submission {
		return Sub(actas.Witness, Sheet(station, contest, seed))
	}
	total := func(area, choice string, votes int64) actas.OfficialTotal {
		return actas.OfficialTotal{Contest: "president", Bulletin: "bulletin-1", Area: area, Choice: choice, Votes: votes}
	}
	station := func(code string, time int, voters int64) actas.Snapshot {
		return actas.Snapshot{Scope: code, Station: true, Time: time, Voters: voters, Source: actas.Witness}
	}
	area := func(path string, time int, voters int64) actas.Snapshot {
		return actas.Snapshot{Scope: path, Time: time, Voters: voters, Source: actas.Official}
	}

	t.Run("the first entry is the election's definition with a digest of its stations", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		l := MustLog(t, s, e)
		if l.Size != 1 {
			t.Fatalf("a new election's log has %d entries, want 1", l.Size)
		}
		def := l.Parsed[0].Definition
		if !reflect.DeepEqual(def.Election, Election(e)) {
			t.Fatalf("entry 0 defines %+v, want %+v", def.Election, Election(e))
		}
		if def.Stations != int64(len(Stations())) || def.Digest != translog.StationsDigest(Stations()) {
			t.Fatalf("entry 0 states %d stations with digest %x, want %d and %x", def.Stations, def.Digest, len(Stations()), translog.StationsDigest(Stations()))
		}
		again, err := translog.EncodeElection(Election(e), Stations())
		if err != nil || !bytes.Equal(again, l.Entries[0]) {
			t.Fatalf("entry 0 is not the election's encoding:\n%s\nwant\n%s", l.Entries[0], again)
		}
	})

	t.Run("each election has its own log", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustCreateElection(t, s, Election("other"), Stations()[:3])
		MustSubmit(t, s, e, w("001", "president", 0), w("002", "president", 0))
		other := w("001", "president", 0)
		MustSubmit(t, s, "other", other)
		if other.Seq != 1 {
			t.Fatalf("the other election's first submission has Seq %d, want 1", other.Seq)
		}
		wantKinds(t, MustLog(t, s, e), "ess")
		l := MustLog(t, s, "other")
		wantKinds(t, l, "es")
		if l.Parsed[0].Definition.Stations != 3 {
			t.Fatalf("the other election's definition states %d stations, want 3", l.Parsed[0].Definition.Stations)
		}
	})

	t.Run("every stored submission, total and snapshot is one entry, in the order stored", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		subs := []*actas.Submission{w("001", "president", 0), w("002", "president", 0), w("001", "president", 0),
			Sub(actas.Official, Sheet("001", "president", 5))}
		wantOutcomes(t, "first batch", MustSubmit(t, s, e, subs...), actas.New, actas.New, actas.Present, actas.New)
		totals := []actas.OfficialTotal{total("", "a", 10), total(actas.National, "a", 10),
			{Contest: "referendum", Bulletin: "final", Area: "Zulia", Choice: "yes", Votes: 5}}
		MustAddTotals(t, s, e, report(2, 1, 0), totals...)
		snaps := []actas.Snapshot{station("001", 600, 40), area(Urdaneta, 600, 90), station("001", 600, 40)}
		MustAddSnapshots(t, s, e, report(2, 1, 0), snaps...)
		more := []*actas.Submission{w("003", "referendum", 0), w("001", "president", 1)}
		wantOutcomes(t, "second batch", MustSubmit(t, s, e, more...), actas.New, actas.Differing)
		later := []actas.OfficialTotal{total("", "a", 12)}
		MustAddTotals(t, s, e, report(0, 0, 1), later...)

		l := MustLog(t, s, e)
		wantKinds(t, l, "esssttppsst")
		for _, tc := range []struct {
			what string
			got  int64
			want int64
		}{
			{"the first submission's Seq", subs[0].Seq, 1},
			{"the second submission's Seq", subs[1].Seq, 2},
			{"the present submission's Seq", subs[2].Seq, 0},
			{"the official submission's Seq", subs[3].Seq, 3},
			{"the national total's Index", totals[0].Index, 4},
			{"the present total's Index", totals[1].Index, 0},
			{"the state total's Index", totals[2].Index, 5},
			{"the station snapshot's Index", snaps[0].Index, 6},
			{"the area snapshot's Index", snaps[1].Index, 7},
			{"the present snapshot's Index", snaps[2].Index, 0},
			{"the later new submission's Seq", more[0].Seq, 8},
			{"the later differing submission's Seq", more[1].Seq, 9},
			{"the differing total's Index", later[0].Index, 10},
		} {
			if tc.got != tc.want {
				t.Fatalf("%s is %d, want %d", tc.what, tc.got, tc.want)
			}
		}
		for _, sub := range []*actas.Submission{subs[0], subs[1], subs[3], more[0], more[1]} {
			wantSubmissionEntry(t, e, l, sub)
		}
		for _, tot := range []actas.OfficialTotal{totals[0], totals[2], later[0]} {
			wantTotalEntry(t, l, tot)
		}
		for _, snap := range snaps[:2] {
			wantSnapshotEntry(t, l, snap)
		}
		// What the store lists carries the same indexes.
		stored := MustSubmissions(t, s, e)
		var seqs []int64
		for _, sub := range stored {
			seqs = append(seqs, sub.Seq)
		}
		if !slices.Equal(seqs, []int64{1, 2, 3, 8, 9}) {
			t.Fatalf("Submissions have Seqs %v, want 1, 2, 3, 8, 9", seqs)
		}
		cur, err := s.Totals(t.Context(), e)
		if err != nil {
			t.Fatal(err)
		}
		for _, tot := range cur {
			wantTotalEntry(t, l, tot)
		}
		if len(cur) != 2 || cur[0].Index != 10 {
			t.Fatalf("Totals = %+v, want the national total current at index 10", cur)
		}
		curSnaps, err := s.Snapshots(t.Context(), e)
		if err != nil {
			t.Fatal(err)
		}
		for _, snap := range curSnaps {
			wantSnapshotEntry(t, l, snap)
		}
	})

	t.Run("what is already present adds no entry", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, File(actas.Witness, 0)...)
		MustAddTotals(t, s, e, report(1, 0, 0), total("", "a", 10))
		MustAddSnapshots(t, s, e, report(1, 0, 0), station("001", 600, 40))
		before := MustLog(t, s, e)
		MustSubmit(t, s, e, File(actas.Witness, 0)...)
		MustAddTotals(t, s, e, report(0, 1, 0), total("", "a", 10))
		MustAddSnapshots(t, s, e, report(0, 1, 0), station("001", 600, 40))
		MustSubmit(t, s, e)
		after := MustLog(t, s, e)
		if after.Size != before.Size || after.Root != before.Root {
			t.Fatalf("the log went from %d entries to %d (root %x to %x) storing nothing", before.Size, after.Size, before.Root, after.Root)
		}
	})

	t.Run("entries are read by range", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, w("001", "president", 0), w("002", "president", 0))
		MustAddTotals(t, s, e, report(1, 0, 0), total("", "a", 10))
		MustSubmit(t, s, e, w("003", "president", 0))
		MustAddSnapshots(t, s, e, report(1, 0, 0), station("001", 600, 40))
		l := MustLog(t, s, e)
		for from := int64(0); from <= l.Size; from++ {
			for to := from; to <= l.Size; to++ {
				var got [][]byte
				if err := s.LogEntries(t.Context(), e, from, to, func(i int64, entry []byte) error {
					if i != from+int64(len(got)) {
						return fmt.Errorf("index %d after %d entries", i, len(got))
					}
					got = append(got, entry)
					return nil
				}); err != nil {
					t.Fatalf("LogEntries(%d, %d): %v", from, to, err)
				}
				if !slices.EqualFunc(got, l.Entries[from:to], bytes.Equal) {
					t.Fatalf("LogEntries(%d, %d) differs from the whole log's entries", from, to)
				}
			}
		}
	})

	t.Run("an entry kept by the caller stays as it was", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, File(actas.Witness, 0)...)
		var kept [][]byte
		if err := s.LogEntries(t.Context(), e, 0, 30, func(_ int64, entry []byte) error {
			kept = append(kept, entry)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		copies := make([][]byte, len(kept))
		for i := range kept {
			copies[i] = bytes.Clone(kept[i])
			kept[i] = append(kept[i], "appended by the caller"...)
		}
		l := MustLog(t, s, e)
		for i := range copies {
			if !bytes.Equal(copies[i], l.Entries[i]) || !bytes.HasPrefix(kept[i], l.Entries[i]) {
				t.Fatalf("entry %d changed after the callback returned, or when another was appended to", i)
			}
		}
	})

	for _, tc := range []struct {
		name     string
		from, to int64
	}{
		{"a range starting before the log", -1, 1},
		{"a range ending after the log", 0, 3},
		{"a range starting after the log", 4, 4},
		{"a range ending before it starts", 2, 1},
	} {
		t.Run(tc.name+" is invalid", func(t *testing.T) {
			s := MustOpenWithElection(t, b, e)
			MustSubmit(t, s, e, w("001", "president", 0))
			called := false
			err := s.LogEntries(t.Context(), e, tc.from, tc.to, func(int64, []byte) error { called = true; return nil })
			wantCode(t, fmt.Sprintf("LogEntries(%d, %d) of a log of 2 entries", tc.from, tc.to), err, actas.EINVALID)
			if called {
				t.Fatal("the callback was called for an invalid range")
			}
		})
	}

	t.Run("reading entries stops at the callback's first error", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, w("001", "president", 0), w("002", "president", 0))
		calls := 0
		err := s.LogEntries(t.Context(), e, 0, 3, func(int64, []byte) error {
			if calls++; calls == 2 {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) || calls != 2 {
			t.Fatalf("LogEntries returned %v after %d calls, want the callback's error after 2", err, calls)
		}
	})

	t.Run("the tree of every size has the root a recount gives, and proofs between all of them", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		// Batches of every size, across the pages a store may keep hashes
		// in: 1 + 84 + 43 + 84 entries store 421 hashes.
		file := File(actas.Witness, 0)
		MustSubmit(t, s, e, file[:1]...)
		for start := 1; start < len(file); start += 13 {
			MustSubmit(t, s, e, file[start:min(start+13, len(file))]...)
		}
		MustAddTotals(t, s, e, report(1, 0, 0), total("", "a", 10))
		for i := range 42 {
			MustAddSnapshots(t, s, e, report(1, 0, 0), station("001", i, int64(i)))
		}
		MustSubmit(t, s, e, File(actas.Official, 0)...)
		l := MustLog(t, s, e)
		if hashes := translog.StoredHashCount(l.Size); hashes <= 400 {
			t.Fatalf("the log stores %d hashes, want more than 400", hashes)
		}
		ctx := t.Context()
		r := HashReader(ctx, s, e)
		recount := translog.NewRecount()
		roots := []translog.Hash{recount.Root()}
		for _, entry := range l.Entries {
			recount.Append(entry)
			roots = append(roots, recount.Root())
		}
		cp := func(n int64) translog.Checkpoint { return translog.Checkpoint{Size: n, Hash: roots[n]} }
		for n := int64(1); n <= l.Size; n++ {
			root, err := translog.TreeHash(n, r)
			if err != nil || root != roots[n] {
				t.Fatalf("TreeHash(%d) = %x, %v; the first %d entries recounted give %x", n, root, err, n, roots[n])
			}
		}
		// Proofs at a spread of sizes (all would be quadratic).
		sizes := []int64{1, 2, 3, 7, 8, 9, 64, 100, 127, 128, 129, 200, l.Size - 1, l.Size}
		for _, n := range sizes {
			for i := int64(0); i < n; i++ {
				p, err := translog.ProveInclusion(n, i, r)
				if err != nil {
					t.Fatalf("ProveInclusion(%d, %d): %v", n, i, err)
				}
				if err := translog.VerifyInclusion(cp(n), i, translog.LeafHash(l.Entries[i]), translog.ProofBytes(p)); err != nil {
					t.Fatalf("entry %d at size %d: %v", i, n, err)
				}
			}
			for _, m := range sizes {
				if m > n {
					continue
				}
				p, err := translog.ProveConsistency(n, m, r)
				if err != nil {
					t.Fatalf("ProveConsistency(%d, %d): %v", n, m, err)
				}
				if err := translog.VerifyConsistency(cp(m), cp(n), translog.ProofBytes(p)); err != nil {
					t.Fatalf("size %d to %d: %v", m, n, err)
				}
			}
		}
	})

	t.Run("the root does not depend on how the submissions were batched", func(t *testing.T) {
		var all []*actas.Submission
		for _, src := range actas.Sources {
			all = append(all, File(src, 0)...)
		}
		one := MustOpenWithElection(t, b, e)
		MustSubmit(t, one, e, all...)
		many := MustOpenWithElection(t, b, e)
		for start := 0; start < len(all); start += 37 {
			MustSubmit(t, many, e, File(actas.Witness, 0)[0]) // present after the first
			MustSubmit(t, many, e, all[start:min(start+37, len(all))]...)
		}
		a, c := MustLog(t, one, e), MustLog(t, many, e)
		if a.Size != int64(1+len(all)) || a.Size != c.Size || a.Root != c.Root {
			t.Fatalf("one batch gives %d entries with root %x; batches of 37, %d with root %x; want %d entries and one root",
				a.Size, a.Root, c.Size, c.Root, 1+len(all))
		}
	})

	t.Run("a hash the log does not store is invalid", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, w("001", "president", 0), w("002", "president", 0))
		count := translog.StoredHashCount(MustLog(t, s, e).Size)
		for _, idx := range [][]int64{{count}, {0, count + 1000}, {-1}, {count - 1, count}} {
			_, err := s.LogHashes(t.Context(), e, idx)
			wantCode(t, fmt.Sprintf("LogHashes(%v) of a log storing %d hashes", idx, count), err, actas.EINVALID)
		}
		hs, err := s.LogHashes(t.Context(), e, nil)
		if err != nil || len(hs) != 0 {
			t.Fatalf("LogHashes(none) = %d hashes, %v; want none", len(hs), err)
		}
		hs, err = s.LogHashes(t.Context(), e, []int64{count - 1, 0, count - 1})
		if err != nil || len(hs) != 3 || hs[0] != hs[2] {
			t.Fatalf("LogHashes(last, first, last) = %x, %v; want three hashes, the first and third the same", hs, err)
		}
	})

	testLogCheckpoints(t, b)

	t.Run("a refused batch adds no entry and no hash", func(t *testing.T) {
		for _, tc := range []struct {
			what   string
			refuse func(s actas.Store) error
		}{
			{"Submit with an unknown station", func(s actas.Store) error {
				_, err := s.Submit(t.Context(), e, []*actas.Submission{w("003", "president", 0), w("nowhere", "president", 0)}, nil)
				return err
			}},
			{"AddTotals with an unknown area", func(s actas.Store) error {
				_, err := s.AddTotals(t.Context(), e, []actas.OfficialTotal{total("", "b", 1), total("Nowhere", "a", 1)})
				return err
			}},
			{"AddSnapshots with an unknown station", func(s actas.Store) error {
				_, err := s.AddSnapshots(t.Context(), e, []actas.Snapshot{station("002", 600, 1), station("nowhere", 600, 1)})
				return err
			}},
		} {
			t.Run(tc.what, func(t *testing.T) {
				s := MustOpenWithElection(t, b, e)
				MustSubmit(t, s, e, w("001", "president", 0), w("002", "president", 0))
				before := MustLog(t, s, e)
				wantCode(t, tc.what, tc.refuse(s), actas.EINVALID)
				after := MustLog(t, s, e)
				if after.Size != before.Size || after.Root != before.Root {
					t.Fatalf("the log went from %d entries to %d after a refused batch", before.Size, after.Size)
				}
				_, err := s.LogHashes(t.Context(), e, []int64{translog.StoredHashCount(before.Size)})
				wantCode(t, "the hash after the log's last", err, actas.EINVALID)
				next := w("003", "president", 0)
				MustSubmit(t, s, e, next)
				if next.Seq != before.Size {
					t.Fatalf("the next submission has Seq %d, want %d", next.Seq, before.Size)
				}
				MustLog(t, s, e)
			})
		}
	})

	t.Run("many writers and signers at once leave one log without gaps or forks", func(t *testing.T) {
		s, addr := MustOpen(t, b)
		MustCreateElection(t, s, Election(e), Stations())
		other := MustOpenAt(t, b, addr)
		signer, _ := MustSigner(t)
		done := make(chan struct{})
		errs := make(chan error, 8)
		var wg sync.WaitGroup
		// Officials add totals and snapshots, and signers checkpoint the
		// log, while witnesses submit through two handles.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				st := []actas.Store{s, other}[i%2]
				if _, err := st.AddTotals(t.Context(), e, []actas.OfficialTotal{total("", "a", int64(i))}); err != nil {
					errs <- fmt.Errorf("AddTotals: %w", err)
					return
				}
				if _, err := st.AddSnapshots(t.Context(), e, []actas.Snapshot{area("", i%1440, int64(i))}); err != nil {
					errs <- fmt.Errorf("AddSnapshots: %w", err)
					return
				}
			}
		}()
		for g, st := range []actas.Store{s, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					size, err := st.LogSize(t.Context(), e)
					if err != nil {
						errs <- fmt.Errorf("signer %d: LogSize: %w", g, err)
						return
					}
					root, err := translog.TreeHash(size, HashReader(t.Context(), st, e))
					if err != nil {
						errs <- fmt.Errorf("signer %d: TreeHash(%d): %w", g, size, err)
						return
					}
					// Another signer may have kept a larger checkpoint
					// meanwhile: that one refusal is expected.
					err = st.AddCheckpoint(t.Context(), e, SignCheckpoint(t, signer, e, size, root))
					if err != nil && actas.ErrorCode(err) != actas.ECONFLICT {
						errs <- fmt.Errorf("signer %d: AddCheckpoint(%d): %w", g, size, err)
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
		}
		n := submitConcurrently(t, e, s, other)
		close(done)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		l := MustLog(t, s, e)
		totals, snaps, subs := 0, 0, 0
		for _, p := range l.Parsed {
			switch p.Kind {
			case translog.KindTotal:
				totals++
			case translog.KindSnapshot:
				snaps++
			case translog.KindSubmission:
				subs++
			}
		}
		stored := MustSubmissions(t, s, e)
		if subs != n || len(stored) != n {
			t.Fatalf("the log has %d submissions and the store %d, want %d", subs, len(stored), n)
		}
		for _, sub := range stored {
			wantSubmissionEntry(t, e, l, sub)
		}
		if totals == 0 || snaps != totals {
			t.Fatalf("the log has %d totals and %d snapshots, want as many of each, at least one", totals, snaps)
		}
		cps := MustCheckpoints(t, s, e)
		if len(cps) == 0 {
			t.Fatal("no checkpoint was kept")
		}
		for i, cp := range cps {
			if i > 0 && cp.Size < cps[i-1].Size {
				t.Fatalf("checkpoint %d has size %d, smaller than the one before, %d", i, cp.Size, cps[i-1].Size)
			}
			root, err := translog.TreeHash(cp.Size, HashReader(t.Context(), s, e))
			if err != nil || root != cp.Root {
				t.Fatalf("checkpoint %d of size %d has root %x, but the log's first %d entries have %x (%v): the log forked",
					i, cp.Size, cp.Root, cp.Size, root, err)
			}
		}
	})

	t.Run("the log and its checkpoints survive closing and opening again", func(t *testing.T) {
		addr := b.New(t)
		s := MustOpenAt(t, b, addr)
		MustCreateElection(t, s, Election(e), Stations())
		MustSubmit(t, s, e, File(actas.Witness, 0)...)
		MustAddTotals(t, s, e, report(1, 0, 0), total("", "a", 10))
		MustAddSnapshots(t, s, e, report(1, 0, 0), station("001", 600, 40))
		signer, _ := MustSigner(t)
		for _, n := range []int64{1, 50, 87} {
			if err := s.AddCheckpoint(t.Context(), e, MustCheckpoint(t, s, signer, e, n)); err != nil {
				t.Fatalf("AddCheckpoint(%d): %v", n, err)
			}
		}
		before, cps := MustLog(t, s, e), MustCheckpoints(t, s, e)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = MustOpenAt(t, b, addr)
		after := MustLog(t, s, e)
		if after.Size != before.Size || after.Root != before.Root || !slices.EqualFunc(after.Entries, before.Entries, bytes.Equal) {
			t.Fatalf("the log of %d entries (root %x) reads as %d entries (root %x) after reopening", before.Size, before.Root, after.Size, after.Root)
		}
		if got := MustCheckpoints(t, s, e); !reflect.DeepEqual(got, cps) {
			t.Fatalf("checkpoints after reopening = %+v, want %+v", got, cps)
		}
		next := w("P01", "president", 9)
		MustSubmit(t, s, e, next)
		if next.Seq != before.Size {
			t.Fatalf("the first submission after reopening has Seq %d, want %d", next.Seq, before.Size)
		}
		if err := s.AddCheckpoint(t.Context(), e, MustCheckpoint(t, s, signer, e, 50)); actas.ErrorCode(err) != actas.ECONFLICT {
			t.Fatalf("a checkpoint smaller than one kept before reopening: %v, want a conflict", err)
		}
		MustLog(t, s, e)
	})
}

func testLogCheckpoints(t *testing.T, b Backend) {
	const e = "ve-2024"
	// newLog returns a store whose log has 5 entries.
	newLog := func(t *testing.T) actas.Store {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, File(actas.Witness, 0)[:4]...)
		return s
	}
	var bogus translog.Hash
	copy(bogus[:], "a root that is no tree's root...")

	t.Run("a checkpoint is kept with its note and when it was kept", func(t *testing.T) {
		s := newLog(t)
		signer, verifier := MustSigner(t)
		cp := MustCheckpoint(t, s, signer, e, 5)
		start := time.Now()
		if err := s.AddCheckpoint(t.Context(), e, cp); err != nil {
			t.Fatalf("AddCheckpoint: %v", err)
		}
		got := MustCheckpoints(t, s, e)
		if len(got) != 1 || got[0].Size != 5 || got[0].Root != cp.Root || !bytes.Equal(got[0].Note, cp.Note) {
			t.Fatalf("Checkpoints = %+v, want the one added", got)
		}
		if c := got[0].Created; c.Location() != time.UTC || c.Before(start.Add(-time.Second)) || c.After(time.Now().Add(time.Second)) || !c.Equal(cp.Created) {
			t.Fatalf("the checkpoint was kept at %v (AddCheckpoint set %v), want now, in UTC", c, cp.Created)
		}
		opened, err := translog.Open(got[0].Note, translog.Origin(keyName, e), verifier)
		if err != nil || opened.Size != 5 || opened.Hash != cp.Root {
			t.Fatalf("the kept note opens as %+v, %v", opened, err)
		}
		if MustLog(t, s, e).Root != cp.Root {
			t.Fatal("the checkpoint's root is not the log's")
		}
	})

	t.Run("checkpoints are kept in order, and the latest again is kept once", func(t *testing.T) {
		s := newLog(t)
		signer, _ := MustSigner(t)
		if cp, n, err := s.LatestCheckpoint(t.Context(), e); actas.ErrorCode(err) != actas.ENOTFOUND || cp != nil || n != 0 {
			t.Fatalf("LatestCheckpoint of a log never signed = %+v, %d, %v; want ENOTFOUND", cp, n, err)
		}
		if _, _, err := s.LatestCheckpoint(t.Context(), "no-such-election"); actas.ErrorCode(err) != actas.ENOTFOUND {
			t.Fatalf("LatestCheckpoint of an unknown election: %v, want ENOTFOUND", err)
		}
		var want []*actas.Checkpoint
		for _, n := range []int64{1, 3, 3, 5} {
			cp := MustCheckpoint(t, s, signer, e, n)
			if err := s.AddCheckpoint(t.Context(), e, cp); err != nil {
				t.Fatalf("AddCheckpoint(%d): %v", n, err)
			}
			if len(want) == 0 || want[len(want)-1].Size != n {
				want = append(want, cp)
			}
		}
		MustSubmit(t, s, e, File(actas.Witness, 0)[4:10]...)
		cp := MustCheckpoint(t, s, signer, e, 11)
		if err := s.AddCheckpoint(t.Context(), e, cp); err != nil {
			t.Fatalf("AddCheckpoint(11): %v", err)
		}
		want = append(want, cp)
		latest, count, err := s.LatestCheckpoint(t.Context(), e)
		if err != nil || count != len(want) || latest.Size != 11 || latest.Root != cp.Root || !bytes.Equal(latest.Note, cp.Note) {
			t.Fatalf("LatestCheckpoint = %+v, %d, %v; want size 11 of %d", latest, count, err, len(want))
		}
		got := MustCheckpoints(t, s, e)
		if len(got) != len(want) {
			t.Fatalf("%d checkpoints kept, want %d (sizes 1, 3, 5, 11)", len(got), len(want))
		}
		for i := range want {
			if got[i].Size != want[i].Size || got[i].Root != want[i].Root || !bytes.Equal(got[i].Note, want[i].Note) || !got[i].Created.Equal(want[i].Created) {
				t.Fatalf("checkpoint %d = %+v, want %+v", i, got[i], want[i])
			}
			if i > 0 && got[i].Created.Before(got[i-1].Created) {
				t.Fatalf("checkpoint %d was kept before checkpoint %d", i, i-1)
			}
		}
	})

	for _, tc := range []struct {
		name  string
		code  string
		first int64 // size of a checkpoint kept first, 0 for none
		make  func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint
	}{
		{"a checkpoint smaller than the latest kept", actas.ECONFLICT, 4, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			return MustCheckpoint(t, s, signer, e, 3)
		}},
		{"another root at the size of the latest kept", actas.ECONFLICT, 4, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			return SignCheckpoint(t, signer, e, 4, bogus)
		}},
		{"a checkpoint larger than the log", actas.ECONFLICT, 0, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			return SignCheckpoint(t, signer, e, 6, bogus)
		}},
		{"a root that is not the log's", actas.ECONFLICT, 2, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			return SignCheckpoint(t, signer, e, 4, bogus)
		}},
		{"the root of a shorter log", actas.ECONFLICT, 0, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			cp := MustCheckpoint(t, s, signer, e, 4)
			return SignCheckpoint(t, signer, e, 5, cp.Root)
		}},
		{"a note stating another size", actas.EINVALID, 0, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			cp := MustCheckpoint(t, s, signer, e, 4)
			cp.Size = 3
			return cp
		}},
		{"a note stating another root", actas.EINVALID, 0, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			cp := MustCheckpoint(t, s, signer, e, 4)
			cp.Root = bogus
			return cp
		}},
		{"a note of another election's log", actas.EINVALID, 0, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			cp := MustCheckpoint(t, s, signer, e, 4)
			msg, err := translog.Sign(translog.Checkpoint{Origin: translog.Origin(keyName, "other"), Size: 4, Hash: cp.Root}, signer)
			if err != nil {
				t.Fatal(err)
			}
			cp.Note = msg
			return cp
		}},
		{"a note without a signature", actas.EINVALID, 0, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			cp := MustCheckpoint(t, s, signer, e, 4)
			cp.Note = translog.Checkpoint{Origin: translog.Origin(keyName, e), Size: 4, Hash: cp.Root}.Body()
			return cp
		}},
		{"no note", actas.EINVALID, 0, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			cp := MustCheckpoint(t, s, signer, e, 4)
			cp.Note = nil
			return cp
		}},
		{"no checkpoint", actas.EINVALID, 0, func(t *testing.T, s actas.Store, signer note.Signer) *actas.Checkpoint {
			return nil
		}},
	} {
		t.Run(tc.name+" is refused and not kept", func(t *testing.T) {
			s := newLog(t)
			signer, _ := MustSigner(t)
			if tc.first > 0 {
				if err := s.AddCheckpoint(t.Context(), e, MustCheckpoint(t, s, signer, e, tc.first)); err != nil {
					t.Fatalf("AddCheckpoint(%d): %v", tc.first, err)
				}
			}
			before := MustCheckpoints(t, s, e)
			wantCode(t, "AddCheckpoint", s.AddCheckpoint(t.Context(), e, tc.make(t, s, signer)), tc.code)
			if after := MustCheckpoints(t, s, e); !reflect.DeepEqual(after, before) {
				t.Fatalf("Checkpoints after the refusal = %+v, want %+v", after, before)
			}
		})
	}
}

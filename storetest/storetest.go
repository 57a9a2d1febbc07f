// Package storetest is the conformance suite every actas.Store passes. A
// backend's test calls Run with a Backend that makes and opens stores of its
// kind:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, storetest.Backend{
//			New:  func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "actas.db") },
//			Open: func(tb testing.TB, addr string) actas.Store { … },
//		})
//	}
//
// The subtests are named for what a user relies on ("the same sheet again is
// already present"); each checks the contracts written on the interfaces of
// the actas package. Where a contract leaves a choice open the suite pins
// what actas needs, and says so:
//   - Seq is a submission's index in its election's log (entry 0 is the
//     election), so while only submissions are stored they are numbered 1,
//     2, 3, … without gaps, across calls, handles and failed batches.
//   - Totals and Snapshots give each current value's log index.
//   - AddCheckpoint refuses (EINVALID) a note that is not a signed
//     checkpoint of the election's log stating the checkpoint's size and
//     root, and (ECONFLICT) a root that is not the log's at that size;
//     adding the latest checkpoint again keeps it once.
//   - A source restating numbers it stated at any time before is Present,
//     also for official totals and snapshots (importing an old file again
//     changes nothing), even after another value was stated since.
//   - Received reads back in UTC, to the microsecond at least.
//   - Elections, Totals and Snapshots order strings byte by byte (PostgreSQL
//     needs COLLATE "C"); in Snapshots an area sorts before a station of the
//     same text.
//   - Lists with nothing in them are empty, not errors.
//   - Records read back with Time in UTC to the nanosecond.
//   - Submit refuses a batch in which any submission names a photo the
//     election does not store, also one it would find already present.
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

// Backend makes and opens stores of one kind for the suite.
type Backend struct {
	// New returns the address of a new, empty store (a file path, a
	// database URL) that lives until tb ends.
	New func(tb testing.TB) string
	// Open opens the store at addr, failing tb if it cannot. The suite
	// closes every store it opens; it opens an address again after closing
	// it (persistence) and opens two handles on one address at once (two
	// processes sharing a store).
	Open func(tb testing.TB, addr string) actas.Store
}

// Run runs the conformance suite against stores of backend b.
func Run(t *testing.T, b Backend) {
	if b.New == nil || b.Open == nil {
		t.Fatal("storetest: Backend needs New and Open")
	}
	t.Run("elections", func(t *testing.T) { testElections(t, b) })
	t.Run("submissions", func(t *testing.T) { testSubmissions(t, b) })
	t.Run("official totals", func(t *testing.T) { testTotals(t, b) })
	t.Run("snapshots", func(t *testing.T) { testSnapshots(t, b) })
	t.Run("unknown election", func(t *testing.T) { testUnknownElection(t, b) })
	t.Run("concurrency", func(t *testing.T) { testConcurrency(t, b) })
	t.Run("persistence", func(t *testing.T) { testPersistence(t, b) })
	t.Run("log", func(t *testing.T) { testLog(t, b) })
	t.Run("evidence", func(t *testing.T) { testEvidence(t, b) })
	t.Run("accounts", func(t *testing.T) { testAccounts(t, b) })
	t.Run("idempotency keys", func(t *testing.T) { testIdempotency(t, b) })
	t.Run("submissions with idempotency keys", func(t *testing.T) { testSubmitRemembering(t, b) })
	t.Run("records", func(t *testing.T) { testRecords(t, b) })
	t.Run("incidents", func(t *testing.T) { testIncidents(t, b) })
}

// handle closes its store once, whether the test or the cleanup asks first.
type handle struct {
	actas.Store
	once sync.Once
	err  error
}

func (h *handle) Close() error {
	h.once.Do(func() { h.err = h.Store.Close() })
	return h.err
}

// MustOpenAt opens the store at addr and closes it when tb ends.
func MustOpenAt(tb testing.TB, b Backend, addr string) actas.Store {
	tb.Helper()
	s := b.Open(tb, addr)
	if s == nil {
		tb.Fatalf("Open(%q) returned no store", addr)
	}
	h := &handle{Store: s}
	tb.Cleanup(func() {
		if err := h.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return h
}

// MustOpen opens a new, empty store and closes it when tb ends.
func MustOpen(tb testing.TB, b Backend) (actas.Store, string) {
	tb.Helper()
	addr := b.New(tb)
	return MustOpenAt(tb, b, addr), addr
}

// MustOpenWithElection opens a new store holding Election(id) and
// Stations().
func MustOpenWithElection(tb testing.TB, b Backend, id string) actas.Store {
	tb.Helper()
	s, _ := MustOpen(tb, b)
	MustCreateElection(tb, s, Election(id), Stations())
	return s
}

// MustCreateElection creates e with its stations.
func MustCreateElection(tb testing.TB, s actas.Store, e *actas.Election, stations []actas.Station) {
	tb.Helper()
	if err := s.CreateElection(tb.Context(), e, stations); err != nil {
		tb.Fatalf("CreateElection(%s): %v", e.ID, err)
	}
}

// MustSubmit submits subs and returns their outcomes.
func MustSubmit(tb testing.TB, s actas.Store, election string, subs ...*actas.Submission) []actas.Outcome {
	tb.Helper()
	out, err := s.Submit(tb.Context(), election, subs, nil)
	if err != nil {
		tb.Fatalf("Submit(%d submissions): %v", len(subs), err)
	}
	if len(out) != len(subs) {
		tb.Fatalf("Submit(%d submissions) returned %d outcomes", len(subs), len(out))
	}
	return out
}

// MustSubmissions returns every submission of the election.
func MustSubmissions(tb testing.TB, s actas.Store, election string) []*actas.Submission {
	tb.Helper()
	var out []*actas.Submission
	if err := s.Submissions(tb.Context(), election, 0, func(sub *actas.Submission) error {
		out = append(out, sub)
		return nil
	}); err != nil {
		tb.Fatalf("Submissions(%s): %v", election, err)
	}
	return out
}

// wantCode fails tb unless err carries the error code want.
func wantCode(tb testing.TB, what string, err error, want string) {
	tb.Helper()
	if got := actas.ErrorCode(err); got != want {
		tb.Fatalf("%s: error %v (code %q), want code %q", what, err, got, want)
	}
}

// wantMention fails tb unless the user-facing message of err contains s.
func wantMention(tb testing.TB, what string, err error, s string) {
	tb.Helper()
	if msg := actas.ErrorMessage(err); !strings.Contains(msg, s) {
		tb.Fatalf("%s: message %q does not name %q", what, msg, s)
	}
}

// wantOutcomes fails tb unless got equals want.
func wantOutcomes(tb testing.TB, what string, got []actas.Outcome, want ...actas.Outcome) {
	tb.Helper()
	if !slices.Equal(got, want) {
		tb.Fatalf("%s: outcomes %v, want %v", what, got, want)
	}
}

// wantSeqs fails tb unless subs are numbered from, from+1, … in order.
func wantSeqs(tb testing.TB, subs []*actas.Submission, from int64) {
	tb.Helper()
	for i, s := range subs {
		if s.Seq != from+int64(i) {
			seqs := make([]int64, len(subs))
			for j, s := range subs {
				seqs[j] = s.Seq
			}
			tb.Fatalf("sequence numbers %v, want %d, %d, … without gaps", seqs, from, from+1)
		}
	}
}

// sameSubmission reports how got differs from what was submitted as want
// to election, or "" when it is the same.
func sameSubmission(election string, want, got *actas.Submission) string {
	var diffs []string
	if got.Seq <= 0 {
		diffs = append(diffs, fmt.Sprintf("seq %d is not positive", got.Seq))
	}
	if got.Election != election {
		diffs = append(diffs, fmt.Sprintf("election %q, want %q", got.Election, election))
	}
	if got.Source != want.Source {
		diffs = append(diffs, fmt.Sprintf("source %q, want %q", got.Source, want.Source))
	}
	if !reflect.DeepEqual(got.Sheet, want.Sheet) {
		diffs = append(diffs, fmt.Sprintf("sheet %+v, want %+v", got.Sheet, want.Sheet))
	}
	if got.Flags != want.Flags {
		diffs = append(diffs, fmt.Sprintf("flags %v, want %v", got.Flags, want.Flags))
	}
	if got.Submitter != want.Submitter {
		diffs = append(diffs, fmt.Sprintf("submitter %q, want %q", got.Submitter, want.Submitter))
	}
	if got.Origin != want.Origin {
		diffs = append(diffs, fmt.Sprintf("origin %q, want %q", got.Origin, want.Origin))
	}
	if got.Received.Location() != time.UTC {
		diffs = append(diffs, fmt.Sprintf("received %s is not in UTC", got.Received))
	}
	if d := got.Received.Sub(want.Received); d >= time.Microsecond || d <= -time.Microsecond {
		diffs = append(diffs, fmt.Sprintf("received %s, want %s", got.Received.Format(time.RFC3339Nano), want.Received.UTC().Format(time.RFC3339Nano)))
	}
	if len(got.Evidence) != 0 || len(want.Evidence) != 0 {
		if !reflect.DeepEqual(got.Evidence, want.Evidence) {
			diffs = append(diffs, fmt.Sprintf("evidence %+v, want %+v", got.Evidence, want.Evidence))
		}
	}
	return strings.Join(diffs, "; ")
}

// wantSubmissions fails tb unless got are the submissions want, in order.
func wantSubmissions(tb testing.TB, election string, got, want []*actas.Submission) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%d submissions stored, want %d", len(got), len(want))
	}
	for i := range want {
		if d := sameSubmission(election, want[i], got[i]); d != "" {
			tb.Fatalf("submission %d (station %s): %s", i+1, want[i].Sheet.Station, d)
		}
	}
}

var errStop = errors.New("storetest: stop")

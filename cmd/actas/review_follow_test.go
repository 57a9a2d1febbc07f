package main

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/review"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/storetest"
)

// A decision taken by another process reaches the served results, and so
// does every submission stored before it, even when both arrive between
// two rounds of follow; a restart loads the decision again.
func TestServedResultsFollowDecisions(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "actas.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.MustCreateElection(t, db, storetest.Election("e1"), storetest.Stations())
	submit := func(src actas.Source, station string, seed int64) int64 {
		t.Helper()
		sub := storetest.Sub(src, storetest.Sheet(station, "president", seed))
		if _, err := db.Submit(ctx, "e1", []*actas.Submission{sub}, nil); err != nil {
			t.Fatal(err)
		}
		return sub.Seq
	}
	submit(actas.Witness, "001", 1)
	official := submit(actas.Official, "001", 2)
	tab, err := loadResults(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	from := func() actas.Source {
		res, err := tab.Station("e1", "president", "001")
		if err != nil {
			t.Fatal(err)
		}
		return res.From
	}
	if f := from(); f != actas.Witness {
		t.Fatalf("before any decision the rules take %q, want the witness's sheet", f)
	}
	go follow(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), db, tab, 20*time.Millisecond)

	// Another process stores a submission, then a decision after it.
	later := submit(actas.Witness, "002", 3)
	d, err := review.Decide(ctx, db, "e1", review.DecisionBody{Station: "001", Contest: "president", Verdict: review.Accept,
		Accepted: official, Reason: "the official sheet matches the photo"}, "7", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		seq, _ := tab.MaxSeq("e1")
		if seq >= d.Index {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the served results never learned decision %d (results at %d)", d.Index, seq)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if f := from(); f != actas.Official {
		t.Fatalf("after the decision the reconciled sheet comes from %q, want official", f)
	}
	if seq, _ := tab.SubmissionSeq("e1"); seq < later {
		t.Fatalf("submission %d, stored before the decision, was skipped (submissions tabulated up to %d)", later, seq)
	}
	restarted, err := loadResults(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := restarted.Station("e1", "president", "001"); res.From != actas.Official {
		t.Fatalf("after a restart the reconciled sheet comes from %q, want official", res.From)
	}
}

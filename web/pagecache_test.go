package web

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

// submit stores and tabulates one more sheet, as a live submission would.
func (f *fixture) submit(tb testing.TB, sub *actas.Submission) {
	tb.Helper()
	sub.Election, sub.Submitter, sub.Origin, sub.Received = f.Election.ID, "w-17", "phone", time.Now().UTC()
	outs, err := f.Store.Submit(context.Background(), f.Election.ID, []*actas.Submission{sub}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if outs[0] != actas.Present {
		if err := f.Tab.Add(sub); err != nil {
			tb.Fatal(err)
		}
	}
}

func (f *fixture) withConfig(tb testing.TB, cfg Config) {
	tb.Helper()
	cfg.Store, cfg.Results, cfg.Logger = f.Store, f.Tab, slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	f.Server, f.Handler = srv, srv.Handler()
}

func TestPagesFollowNewSheets(t *testing.T) {
	f := MustHandmade(t)
	f.withConfig(t, Config{MaxStale: -1})
	merida := areaURL(hmID, "Mérida")
	before := f.get(t, merida).mustOK(t, merida).Body
	if !strings.Contains(text(before), "Stations counted 0 of 1") {
		t.Fatalf("Mérida should have no sheet yet")
	}
	// Read it again: now from the cache.
	if again := f.get(t, merida).Body; again != before {
		t.Fatalf("the same page twice differs")
	}
	f.submit(t, &actas.Submission{Source: actas.Witness, Sheet: actas.Sheet{Station: hmNone, Contest: "president",
		Votes: []int64{90, 80, 7}, Blank: 1, Null: 2, Ballots: 180, Voters: actas.Unknown}})
	after := f.get(t, merida).mustOK(t, merida).Body
	if !strings.Contains(text(after), "Stations counted 1 of 1") || !strings.Contains(after, "180") {
		t.Errorf("after a new sheet the page still shows the old results")
	}
	st := text(f.get(t, stationURL(hmID, hmNone)).Body)
	if !strings.Contains(st, "w-17") || !strings.Contains(st, "Single") {
		t.Errorf("station page does not show the new submission")
	}
}

func TestStalePagesWithinMaxStale(t *testing.T) {
	f := MustHandmade(t)
	f.withConfig(t, Config{MaxStale: time.Hour})
	merida := areaURL(hmID, "Mérida")
	before := f.get(t, merida).Body
	f.submit(t, &actas.Submission{Source: actas.Witness, Sheet: actas.Sheet{Station: hmNone, Contest: "president",
		Votes: []int64{90, 80, 7}, Blank: 1, Null: 2, Ballots: 180, Voters: actas.Unknown}})
	if f.get(t, merida).Body != before {
		t.Errorf("within MaxStale the cached page should be served")
	}
	// Another address is rendered afresh.
	if !strings.Contains(text(f.get(t, merida+"?source=witness").Body), "Stations counted 1 of 1") {
		t.Errorf("an uncached page shows old results")
	}
}

func TestOfficialTotalsAreReloaded(t *testing.T) {
	f := MustHandmade(t)
	f.withConfig(t, Config{MaxStale: -1, TotalsTTL: time.Millisecond})
	if strings.Contains(f.get(t, electionURL(hmID)).Body, "bulletin-2") {
		t.Fatal("bulletin-2 before it was announced")
	}
	_, err := f.Store.AddTotals(context.Background(), hmID, []actas.OfficialTotal{
		{Contest: "president", Bulletin: "bulletin-2", Area: "", Choice: "a", Votes: 1700}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(f.get(t, electionURL(hmID)).Body, "bulletin-2") {
		if time.Now().After(deadline) {
			t.Fatal("new official totals never shown")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestOutOfDatePagesRenderInTheBackground(t *testing.T) {
	const maxStale = time.Second
	f := MustHandmade(t)
	f.withConfig(t, Config{MaxStale: maxStale})
	merida := areaURL(hmID, "Mérida")
	before := f.get(t, merida).mustOK(t, merida).Body
	f.submit(t, &actas.Submission{Source: actas.Witness, Sheet: actas.Sheet{Station: hmNone, Contest: "president",
		Votes: []int64{90, 80, 7}, Blank: 1, Null: 2, Ballots: 180, Voters: actas.Unknown}})
	time.Sleep(maxStale + 100*time.Millisecond)
	// Out of date and older than MaxStale, but not twice as old: the
	// reader gets the page at once, and its successor renders meanwhile.
	if f.get(t, merida).mustOK(t, merida).Body != before {
		t.Fatalf("a page found out of date within twice MaxStale should be served as it was")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(text(f.get(t, merida).Body), "Stations counted 1 of 1") {
		if time.Now().After(deadline) {
			t.Fatal("the page rendered in the background never replaced the old one")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

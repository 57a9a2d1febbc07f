package audits_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/audit"
	"github.com/actasproject/actas/internal/audits"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/translog"
)

const seed = "01382438112797316654"

var now = time.Date(2024, 8, 10, 12, 0, 0, 0, time.UTC)

// election is a simulated election stored in a real SQLite file with its
// official sheets, and the true sheet of every station (what a hand count
// finds).
type election struct {
	store actas.Store
	id    string
	truth map[string]audits.CountBody
}

// MustElection simulates an election of n stations with the given frauds
// and stores its official sheets.
func MustElection(tb testing.TB, n int, fraud ...simulate.Fraud) *election {
	tb.Helper()
	ds, truth, err := simulate.Run(simulate.Config{Stations: n, Seed: 7, Fraud: fraud})
	if err != nil {
		tb.Fatal(err)
	}
	db, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "actas.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	storetest.MustCreateElection(tb, db, ds.Election, ds.Stations)
	el := &election{store: db, id: ds.Election.ID, truth: map[string]audits.CountBody{}}
	falsified := map[string]simulate.Falsification{}
	for _, f := range truth.Falsified {
		falsified[f.Station] = f
	}
	var official []*actas.Submission
	for _, sub := range ds.Sheets {
		if sub.Source != actas.Official {
			continue
		}
		sub.Submitter, sub.Origin, sub.Received = "import", "simulated", now.Add(-time.Hour)
		official = append(official, sub)
		sh := sub.Sheet
		c := audits.CountBody{Station: sh.Station, Votes: slices.Clone(sh.Votes), Blank: sh.Blank, Null: sh.Null, Ballots: sh.Ballots}
		if f, ok := falsified[sh.Station]; ok {
			for i := range c.Votes {
				c.Votes[i] -= f.Votes[i]
			}
			c.Blank -= f.Blank
			c.Null -= f.Null
			c.Ballots -= f.Ballots
		}
		el.truth[sh.Station] = c
	}
	if _, err := db.Submit(tb.Context(), el.id, official, nil); err != nil {
		tb.Fatal(err)
	}
	return el
}

func (el *election) MustNew(tb testing.TB, id string) *audits.State {
	tb.Helper()
	st, err := audits.New(tb.Context(), el.store, el.id, audits.SetupOptions{ID: id, RiskLimit: 10, Seed: seed, Account: "admin", Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// MustCountRound has two keyers count every sampled station truly.
func (el *election) MustCountRound(tb testing.TB, st *audits.State) {
	tb.Helper()
	for _, keyer := range []string{"keyer ana", "keyer luis"} {
		for _, station := range st.Sampled() {
			if _, status := st.HandCount(station); status == audits.Agreed {
				continue
			}
			if _, err := audits.AddCount(tb.Context(), el.store, st, el.truth[station], keyer, now); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

func TestHonestResultIsConfirmed(t *testing.T) {
	el := MustElection(t, 1500)
	st := el.MustNew(t, "rla")
	if st.Setup.Batches != 1500 || !slices.Equal(st.Setup.Winners, []string{"a"}) {
		t.Fatalf("setup %+v, want 1500 batches and winner a", st.Setup)
	}
	for round := 1; !st.Finished(); round++ {
		if round > 5 {
			t.Fatalf("no decision after 5 rounds: %+v", st.Last())
		}
		r, err := audits.DrawRound(t.Context(), el.store, st, 0, "admin", now)
		if err != nil {
			t.Fatal(err)
		}
		if r.Round != round || len(r.Draws) == 0 {
			t.Fatalf("round %+v", r)
		}
		el.MustCountRound(t, st)
		risk, err := audits.ComputeRisk(t.Context(), el.store, st, "admin", now)
		if err != nil {
			t.Fatal(err)
		}
		if risk.Decision == audit.FullCount || risk.Decision == audit.Overturned {
			t.Fatalf("an honest result escalated: %+v", risk)
		}
	}
	if last := st.Last(); last.Decision != audit.Confirmed || last.Risk > 0.10 {
		t.Errorf("last risk %+v, want confirmed at risk ≤ 10%%", last)
	}

	// Everything the audit did is in the log, and the state reloads from
	// it alone.
	again, err := audits.Load(t.Context(), el.store, el.id, "rla")
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Rounds) != len(st.Rounds) || !slices.Equal(again.Sampled(), st.Sampled()) || again.Last().Risk != st.Last().Risk {
		t.Errorf("reloaded %d rounds, risk %v; want %d and %v", len(again.Rounds), again.Last().Risk, len(st.Rounds), st.Last().Risk)
	}
	l := storetest.MustLog(t, el.store, el.id)
	kinds := map[string]int{}
	for _, e := range l.Parsed {
		if e.Kind == translog.KindRecord {
			kinds[e.Record.Kind]++
		}
	}
	sampled := len(st.Sampled())
	if kinds[audits.KindSetup] != 1 || kinds[audits.KindRound] != len(st.Rounds) || kinds[audits.KindCount] != 2*sampled || kinds[audits.KindRisk] != len(st.Rounds) {
		t.Errorf("log records %v; want 1 setup, %d rounds and risks, %d counts", kinds, len(st.Rounds), 2*sampled)
	}
	// Each agreed count is the station's sheet of source audit.
	subs, err := el.store.StationSubmissions(t.Context(), el.id, st.Sampled()[0])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(subs, func(s *actas.Submission) bool { return s.Source == actas.Audit }) {
		t.Errorf("station %s has no sheet of source audit after two keyers agreed", st.Sampled()[0])
	}
	if _, err := audits.DrawRound(t.Context(), el.store, st, 0, "admin", now); actas.ErrorCode(err) != actas.ECONFLICT {
		t.Errorf("drawing after the audit finished: %v, want ECONFLICT", err)
	}
}

func TestWrongWinnerEscalates(t *testing.T) {
	// Incremental fraud for b at 60% of stations turns b into the
	// reported winner; hand counts show the truth.
	el := MustElection(t, 600, simulate.Fraud{Model: simulate.Shift, Fraction: 0.6, Beneficiary: "b"})
	st := el.MustNew(t, "rla")
	if !slices.Equal(st.Setup.Winners, []string{"b"}) {
		t.Skipf("the fraud did not change the reported winner (%v): pick another seed", st.Setup.Winners)
	}
	for round := 1; ; round++ {
		// Rounds keep asking for more until the draws reach every
		// station: then the next round is the rest, a full hand count.
		if round > 40 {
			t.Fatalf("no decision after 40 rounds")
		}
		if _, err := audits.DrawRound(t.Context(), el.store, st, 0, "admin", now); err != nil {
			t.Fatal(err)
		}
		el.MustCountRound(t, st)
		risk, err := audits.ComputeRisk(t.Context(), el.store, st, "admin", now)
		if err != nil {
			t.Fatal(err)
		}
		if risk.Decision == audit.Confirmed {
			t.Fatalf("a wrong winner was confirmed in round %d at risk %v", round, risk.Risk)
		}
		if risk.Decision == audit.Overturned {
			break
		}
	}
	if len(st.Sampled()) != 600 {
		t.Errorf("the audit ended after hand counting %d of 600 stations, want a full hand count", len(st.Sampled()))
	}
}

func TestDoubleEntry(t *testing.T) {
	el := MustElection(t, 300)
	st := el.MustNew(t, "rla")
	if _, err := audits.DrawRound(t.Context(), el.store, st, 3, "admin", now); err != nil {
		t.Fatal(err)
	}
	station := st.Sampled()[0]
	right := el.truth[station]
	wrong := right
	wrong.Votes = slices.Clone(right.Votes)
	wrong.Votes[0]--
	steps := []struct {
		keyer string
		count audits.CountBody
		want  audits.Status
	}{
		{"ana", right, audits.Single},
		{"ana", right, audits.Single}, // the same keyer twice is not double entry
		{"luis", wrong, audits.Disagreed},
		{"luis", right, audits.Agreed}, // luis corrects his count
		{"eva", wrong, audits.Agreed},  // a third keyer's slip does not undo two agreeing
	}
	for i, s := range steps {
		got, err := audits.AddCount(t.Context(), el.store, st, s.count, s.keyer, now)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Fatalf("step %d (%s): status %s, want %s", i+1, s.keyer, got, s.want)
		}
	}
	if c, _ := st.HandCount(station); !slices.Equal(c.Votes, right.Votes) {
		t.Errorf("agreed count %v, want %v", c.Votes, right.Votes)
	}
	if _, err := audits.ComputeRisk(t.Context(), el.store, st, "admin", now); actas.ErrorCode(err) != actas.ECONFLICT {
		t.Errorf("risk with sampled stations uncounted: %v, want ECONFLICT", err)
	}
	for _, tc := range []struct {
		name  string
		count audits.CountBody
	}{
		{"a station not in the sample", func() audits.CountBody {
			for code, c := range el.truth {
				if !slices.Contains(st.Sampled(), code) {
					return c
				}
			}
			panic("all sampled")
		}()},
		{"more votes than ballots", func() audits.CountBody { c := right; c.Ballots = 1; return c }()},
		{"votes of the wrong length", func() audits.CountBody { c := right; c.Votes = c.Votes[:1]; return c }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(st.Counts[tc.count.Station])
			if _, err := audits.AddCount(t.Context(), el.store, st, tc.count, "ana", now); actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("AddCount: %v, want EINVALID", err)
			}
			if len(st.Counts[tc.count.Station]) != before {
				t.Errorf("a refused count was recorded")
			}
		})
	}
}

func TestSetupIsFixedOnceDrawn(t *testing.T) {
	el := MustElection(t, 300)
	el.MustNew(t, "rla")
	// Before the first draw the setup may be replaced.
	st, err := audits.New(t.Context(), el.store, el.id, audits.SetupOptions{ID: "rla", RiskLimit: 5, Seed: seed, Account: "admin", Now: now})
	if err != nil || st.Setup.RiskLimit != 5 {
		t.Fatalf("replacing the setup before any draw: %v, risk limit %d", err, st.Setup.RiskLimit)
	}
	if _, err := audits.DrawRound(t.Context(), el.store, st, 0, "admin", now); err != nil {
		t.Fatal(err)
	}
	_, err = audits.New(t.Context(), el.store, el.id, audits.SetupOptions{ID: "rla", RiskLimit: 20, Seed: seed, Account: "admin", Now: now})
	if actas.ErrorCode(err) != actas.ECONFLICT {
		t.Errorf("changing the setup after the first draw: %v, want ECONFLICT", err)
	}
	// An official sheet stored after the setup does not change the audit.
	subs := storetest.MustSubmissions(t, el.store, el.id)
	late := *subs[0]
	late.Sheet.Votes = slices.Clone(late.Sheet.Votes)
	late.Sheet.Votes[0] += 50
	late.Sheet.Ballots += 50
	late.Seq = 0
	if _, err := el.store.Submit(t.Context(), el.id, []*actas.Submission{&late}, nil); err != nil {
		t.Fatal(err)
	}
	again, err := audits.Load(t.Context(), el.store, el.id, "rla")
	if err != nil {
		t.Fatalf("loading after a later official sheet: %v", err)
	}
	if p, _ := again.Audit.Lookup(late.Sheet.Station); again.Audit.Batch(p).Ballots == late.Sheet.Ballots {
		t.Errorf("the audit took an official sheet stored after its setup")
	}
	for _, tc := range []struct {
		name string
		o    audits.SetupOptions
		code string
	}{
		{"a short seed", audits.SetupOptions{ID: "x", RiskLimit: 5, Seed: "12345"}, actas.EINVALID},
		{"a risk limit of 0", audits.SetupOptions{ID: "x", RiskLimit: 0, Seed: seed}, actas.EINVALID},
		{"an id that is not an id", audits.SetupOptions{ID: "Audit 1", RiskLimit: 5, Seed: seed}, actas.EINVALID},
		{"a winner who is not a choice", audits.SetupOptions{ID: "x", RiskLimit: 5, Seed: seed, Winners: []string{"zz"}}, actas.EINVALID},
		{"an unknown contest", audits.SetupOptions{ID: "x", RiskLimit: 5, Seed: seed, Contest: "senate"}, actas.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Account, tc.o.Now = "admin", now
			if _, err := audits.New(t.Context(), el.store, el.id, tc.o); actas.ErrorCode(err) != tc.code {
				t.Errorf("New: %v, want %s", err, tc.code)
			}
		})
	}
}

package audit

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/actasproject/actas"
)

// Arlo's own tests, reproduced: votingworks/arlo at 8d86156c,
// server/tests/audit_math/test_sampler.py and test_macro.py, with expected
// values from their snapshot files (server/tests/audit_math/snapshots/).
const arloSeed = "12345678901234567890abcdefghijklmnopqrstuvwxyz😊"

// arloKey is Python's str() of Arlo's (jurisdiction, batch) keys: what Arlo
// hashes into ticket numbers.
func arloKey(batch string) string { return fmt.Sprintf("('Jx 1', '%s')", batch) }

func mustAudit(tb testing.TB, setup Setup, batches []Batch) *Audit {
	tb.Helper()
	a, err := newAudit(setup, batches)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// MustArloMacroBatches is test_sampler.py's macro_batches with
// macro_contest (totals 600/400: 50 votes are in no batch) or, with other,
// test_draw_macro_multiple_contests' "Other Contest", held by pct 0-9 only.
func MustArloMacroBatches(tb testing.TB, other bool) *Audit {
	tb.Helper()
	var batches []Batch
	for i := range 10 {
		b := Batch{ID: arloKey(fmt.Sprintf("pct %d", i)), Ballots: 50, Votes: []int64{40, 10}}
		batches = append(batches, b)
	}
	for i := 11; i < 20; i++ {
		b := Batch{ID: arloKey(fmt.Sprintf("pct %d", i)), Ballots: 50, Votes: []int64{20, 30}}
		if other { // not in the contest: no ballots, error bound 0
			b.Ballots, b.Votes = 0, []int64{0, 0}
		}
		batches = append(batches, b)
	}
	totals := []int64{600, 400}
	if other {
		totals = []int64{400, 100}
	}
	return mustAudit(tb, Setup{Contest: "Contest", Choices: []string{"cand1", "cand2"}, Winners: []string{"cand1"},
		RiskLimit: 10, Seed: arloSeed, Totals: totals}, batches)
}

func draws(tb testing.TB, a *Audit, n int, previous []Draw) []Draw {
	tb.Helper()
	d, err := a.Draw(n, previous)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

type want struct{ ticket, batch string }

func checkDraws(t *testing.T, got []Draw, w []want) {
	t.Helper()
	if len(got) != len(w) {
		t.Fatalf("%d draws, want %d: %v", len(got), len(w), got)
	}
	for i := range w {
		if got[i].Ticket != w[i].ticket || got[i].ID != arloKey(w[i].batch) {
			t.Errorf("draw %d: %s %s, want %s %s", i+1, got[i].Ticket, got[i].ID, w[i].ticket, arloKey(w[i].batch))
		}
	}
}

var arloMacroSample = []want{
	{"0.642074320588256264", "pct 8"}, {"0.634903028357318938", "pct 6"}, {"0.697435332323894639", "pct 8"},
	{"0.096486566275573723", "pct 0"}, {"0.835553892011720777", "pct 9"}, {"0.9722586520568512638", "pct 14"},
	{"0.030338217960461852", "pct 18"}, {"0.546393063883135848", "pct 17"}, {"0.878526714305113154", "pct 8"},
	{"0.847430249189970028", "pct 2"},
}

func TestArloPPEBSample(t *testing.T) {
	t.Run("ten draws (test_draw_macro_sample)", func(t *testing.T) {
		checkDraws(t, draws(t, MustArloMacroBatches(t, false), 10, nil), arloMacroSample)
	})
	t.Run("two rounds of five (test_draw_more_macro_sample)", func(t *testing.T) {
		a := MustArloMacroBatches(t, false)
		first := draws(t, a, 5, nil)
		checkDraws(t, first, arloMacroSample[:5])
		checkDraws(t, draws(t, a, 5, first), arloMacroSample[5:])
	})
	t.Run("batches outside the contest are never drawn (test_draw_macro_multiple_contests)", func(t *testing.T) {
		checkDraws(t, draws(t, MustArloMacroBatches(t, true), 10, nil), []want{
			{"0.202823455933455274", "pct 5"}, {"0.328034953571610594", "pct 4"}, {"0.855737281564352199", "pct 5"},
			{"0.096486566275573723", "pct 0"}, {"0.634903028357318938", "pct 6"}, {"0.642074320588256264", "pct 8"},
			{"0.835553892011720777", "pct 9"}, {"0.697435332323894639", "pct 8"}, {"0.879238100629436915", "pct 5"},
			{"0.847430249189970028", "pct 2"},
		})
	})
}

func TestArloFullHandTally(t *testing.T) {
	// close_macro_batches and close_macro_contest (totals 200/198).
	batches := []Batch{
		{ID: arloKey("pct 1"), Ballots: 100, Votes: []int64{100, 0}},
		{ID: arloKey("pct 2"), Ballots: 100, Votes: []int64{100, 0}},
		{ID: arloKey("pct 3"), Ballots: 100, Votes: []int64{0, 100}},
		{ID: arloKey("pct 4"), Ballots: 98, Votes: []int64{0, 98}},
	}
	a := mustAudit(t, Setup{Contest: "Close Contest", Choices: []string{"cand1", "cand2"}, Winners: []string{"cand1"},
		RiskLimit: 10, Seed: arloSeed, Totals: []int64{200, 198}}, batches)
	prev := func(ids ...string) []Draw {
		var out []Draw
		for _, id := range ids {
			out = append(out, Draw{ID: arloKey(id)})
		}
		return out
	}
	tests := []struct {
		name     string
		n        int
		previous []Draw
		want     []want
	}{
		{"every batch at once", 4, nil, []want{{"0.370405751560609643", "pct 1"}, {"0.847430249189970028", "pct 2"}, {"0.851346057402501613", "pct 3"}, {"0.328034953571610594", "pct 4"}}},
		{"after one batch", 4, prev("pct 1"), []want{{"0.847430249189970028", "pct 2"}, {"0.851346057402501613", "pct 3"}, {"0.328034953571610594", "pct 4"}}},
		{"after two batches", 4, prev("pct 2", "pct 4"), []want{{"0.370405751560609643", "pct 1"}, {"0.851346057402501613", "pct 3"}}},
		{"cumulative size reaches every batch", 2, prev("pct 2", "pct 4"), []want{{"0.370405751560609643", "pct 1"}, {"0.851346057402501613", "pct 3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDraws(t, draws(t, a, tt.n, tt.previous), tt.want)
		})
	}
}

func TestDrawRefusesAChangedSample(t *testing.T) {
	a := MustArloMacroBatches(t, false)
	first := draws(t, a, 5, nil)
	t.Run("a previous draw of another batch", func(t *testing.T) {
		bad := slices.Clone(first)
		bad[1].ID, bad[1].Ticket = bad[0].ID, bad[0].Ticket
		if _, err := a.Draw(5, bad); actas.ErrorCode(err) != actas.ECONFLICT {
			t.Errorf("error %v, want ECONFLICT", err)
		}
	})
	t.Run("a previous ticket changed", func(t *testing.T) {
		bad := slices.Clone(first)
		bad[2].Ticket = "0.5"
		if _, err := a.Draw(5, bad); actas.ErrorCode(err) != actas.ECONFLICT {
			t.Errorf("error %v, want ECONFLICT", err)
		}
	})
	t.Run("an unknown batch", func(t *testing.T) {
		bad := slices.Clone(first)
		bad[0].ID = "nowhere"
		if _, err := a.Draw(5, bad); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("error %v, want EINVALID", err)
		}
	})
	t.Run("a negative size", func(t *testing.T) {
		if _, err := a.Draw(-1, nil); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("error %v, want EINVALID", err)
		}
	})
}

// arloContests is test_macro.py's fixture: contests A, B and C over 400
// batches ("Batch i" of 400 ballots and "Batch i AV" of 200), B in batches
// 0-99 and C in 0-29 and 100-129. A batch without a contest is left out of
// that contest's audit (Arlo gives it an error bound of 0, which changes
// nothing).
func arloContest(tb testing.TB, contest string) *Audit {
	tb.Helper()
	type spec struct {
		w, l   int64
		in     func(i int) bool
		tw, tl int64
	}
	specs := map[string]spec{
		"Contest A": {200, 180, func(i int) bool { return true }, 60000, 54000},
		"Contest B": {200, 160, func(i int) bool { return i < 100 }, 30000, 24000},
		"Contest C": {200, 140, func(i int) bool { return i < 30 || (i >= 100 && i < 130) }, 18000, 12600},
	}
	s := specs[contest]
	var batches []Batch
	for i := range 200 {
		if s.in(i) {
			batches = append(batches,
				Batch{ID: fmt.Sprintf("Batch %d", i), Ballots: 400, Votes: []int64{s.w, s.l}},
				Batch{ID: fmt.Sprintf("Batch %d AV", i), Ballots: 200, Votes: []int64{s.w / 2, s.l / 2}})
		}
	}
	return mustAudit(tb, Setup{Contest: contest, Choices: []string{"winner", "loser"}, Winners: []string{"winner"},
		RiskLimit: 25, Seed: arloSeed, Totals: []int64{s.tw, s.tl}}, batches)
}

// clean returns n draws of batches "Batch from" … with tickets "0", "1", …
// as test_macro.py numbers them, and their hand counts.
type sampleBuilder struct {
	draws  []Draw
	counts map[string]HandCount
}

func (s *sampleBuilder) add(batch string, w, l int64) {
	if s.counts == nil {
		s.counts = map[string]HandCount{}
	}
	s.draws = append(s.draws, Draw{Ticket: fmt.Sprint(len(s.draws)), ID: batch})
	s.counts[batch] = HandCount{Ballots: w + l, Votes: []int64{w, l}}
}

func mustRisk(tb testing.TB, a *Audit, s *sampleBuilder) *Result {
	tb.Helper()
	r, err := a.Risk(s.draws, s.counts)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestArloSampleSizes(t *testing.T) {
	// test_get_sample_sizes: rounds one to four, and the risk it reaches.
	samples := map[string]*sampleBuilder{"Contest A": {}, "Contest B": {}, "Contest C": {}}
	clean := map[string][2]int64{"Contest A": {200, 180}, "Contest B": {200, 160}, "Contest C": {200, 140}}
	rounds := []struct {
		name string
		add  func()
		want map[string]int
	}{
		{"first round", func() {}, map[string]int{"Contest A": 30, "Contest B": 16, "Contest C": 11}},
		{"after four clean batches", func() {
			for i := range 4 {
				for c, s := range samples {
					s.add(fmt.Sprintf("Batch %d", i), clean[c][0], clean[c][1])
				}
			}
		}, map[string]int{"Contest A": 26, "Contest B": 12, "Contest C": 7}},
		{"after five batches tainted in A in proportion to its margin", func() {
			for i := 4; i < 9; i++ {
				samples["Contest A"].add(fmt.Sprintf("Batch %d", i), 190, 190)
				samples["Contest C"].add(fmt.Sprintf("Batch %d", i), 200, 140)
			}
		}, map[string]int{"Contest A": 26, "Contest B": 12, "Contest C": 2}},
		{"C confirmed after one more clean batch", func() {
			samples["Contest C"].add("Batch 9", 200, 140)
		}, map[string]int{"Contest A": 26, "Contest B": 12, "Contest C": 0}},
	}
	for _, round := range rounds {
		round.add()
		for _, c := range []string{"Contest A", "Contest B", "Contest C"} {
			t.Run(round.name+"/"+c, func(t *testing.T) {
				r := mustRisk(t, arloContest(t, c), samples[c])
				if r.Next != round.want[c] {
					t.Errorf("next round %d draws (%s, risk %v), want %d", r.Next, r.Decision, r.Risk, round.want[c])
				}
				if (round.want[c] == 0) != (r.Decision == Confirmed) {
					t.Errorf("decision %s", r.Decision)
				}
			})
		}
	}
}

func TestArloExtraContest(t *testing.T) {
	// test_get_sizes_extra_contests: "test2", in Batch 0-9 only.
	var batches []Batch
	for i := range 10 {
		batches = append(batches, Batch{ID: fmt.Sprintf("Batch %d", i), Ballots: 50, Votes: []int64{40, 10}})
	}
	a := mustAudit(t, Setup{Contest: "test2", Choices: []string{"cand1", "cand2"}, Winners: []string{"cand1"}, RiskLimit: 25, Seed: arloSeed}, batches)
	r := mustRisk(t, a, &sampleBuilder{})
	if r.Next != 4 || r.Decision != Continue {
		t.Errorf("first round %d (%s), want 4", r.Next, r.Decision)
	}
}

func TestArloMaxError(t *testing.T) {
	// test_max_error: u_p within 0.001 of Arlo's figures.
	tests := []struct {
		contest, batch string
		want           float64
	}{
		{"Contest A", "Batch 0", 0.07}, {"Contest A", "Batch 0 AV", 0.035},
		{"Contest B", "Batch 7", 0.0733}, {"Contest B", "Batch 7 AV", 0.0367},
		{"Contest C", "Batch 120", 0.0852}, {"Contest C", "Batch 120 AV", 0.0426},
	}
	for _, tt := range tests {
		t.Run(tt.contest+"/"+tt.batch, func(t *testing.T) {
			a := arloContest(t, tt.contest)
			p, ok := a.Lookup(tt.batch)
			if !ok {
				t.Fatal("batch missing")
			}
			if got := a.ErrorBound(p); math.Abs(got-tt.want) >= 0.001 {
				t.Errorf("u_p = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestArloComputeRisk(t *testing.T) {
	// test_compute_risk: 30 clean draws, then 6 draws tainted for A in
	// proportion to its margin, then 3 of them drawn again.
	build := func(c string, again bool) *sampleBuilder {
		s := &sampleBuilder{}
		w, l := map[string]int64{"Contest A": 200, "Contest B": 200, "Contest C": 200}[c], map[string]int64{"Contest A": 180, "Contest B": 160, "Contest C": 140}[c]
		for i := range 30 {
			s.add(fmt.Sprintf("Batch %d", i), w, l)
		}
		if c == "Contest B" {
			return s
		}
		tw, tl := int64(190), int64(190)
		if c == "Contest C" {
			tw, tl = 200, 140
		}
		for i := 100; i < 106; i++ {
			s.add(fmt.Sprintf("Batch %d", i), tw, tl)
		}
		if again {
			for i := 100; i < 103; i++ {
				s.add(fmt.Sprintf("Batch %d", i), tw, tl)
			}
		}
		return s
	}
	tests := []struct {
		contest string
		again   bool
		want    float64
	}{
		{"Contest A", false, math.Pow(20.0/21, 30)},
		{"Contest B", false, math.Pow(10.0/11, 30)},
		{"Contest C", false, math.Pow(20.0/23, 36)},
		{"Contest A", true, math.Pow(20.0/21, 30)},
		{"Contest C", true, math.Pow(20.0/23, 39)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s drawn again %v", tt.contest, tt.again), func(t *testing.T) {
			r := mustRisk(t, arloContest(t, tt.contest), build(tt.contest, tt.again))
			if math.Abs(r.Risk-tt.want) >= 1e-4 {
				t.Errorf("risk %v, want %v", r.Risk, tt.want)
			}
			if r.Decision != Confirmed {
				t.Errorf("decision %s, want confirmed", r.Decision)
			}
		})
	}
}

// fourBatches is test_macro.py's four-batch contest (totals 200/100/50) used
// by test_unauditable_ballots without unauditable ballots.
func fourBatches(tb testing.TB) *Audit {
	tb.Helper()
	return mustAudit(tb, Setup{Contest: "Contest", Choices: []string{"winner", "loser", "third"}, Winners: []string{"winner"}, RiskLimit: 25, Seed: arloSeed}, []Batch{
		{ID: "Batch 1", Ballots: 100, Votes: []int64{60, 40, 0}},
		{ID: "Batch 2", Ballots: 100, Votes: []int64{0, 60, 40}},
		{ID: "Batch 3", Ballots: 100, Votes: []int64{90, 0, 10}},
		{ID: "Batch 4", Ballots: 50, Votes: []int64{50, 0, 0}},
	})
}

func TestArloRiskValuesBitForBit(t *testing.T) {
	// snap_test_macro.py, test_unauditable_ballots: U = 4.5 and
	// computed_p_without_unauditable_ballots = 0.47050754458161864 after
	// three clean batches; the first round is every batch.
	a := fourBatches(t)
	if a.U() != 4.5 {
		t.Errorf("U = %v, want 4.5", a.U())
	}
	first := mustRisk(t, a, &sampleBuilder{})
	if first.Next != 4 || first.Decision != FullCount {
		t.Errorf("first round %d (%s), want every batch (4)", first.Next, first.Decision)
	}
	s := &sampleBuilder{counts: map[string]HandCount{}}
	for i := range 3 {
		b := a.Batch(i)
		s.draws = append(s.draws, Draw{Ticket: fmt.Sprint(i), ID: b.ID})
		s.counts[b.ID] = HandCount{Ballots: b.Ballots, Votes: b.Votes}
	}
	r := mustRisk(t, a, s)
	if r.Risk != 0.47050754458161864 {
		t.Errorf("risk %v, want 0.47050754458161864 exactly", r.Risk)
	}
}

func TestArloEdgeCases(t *testing.T) {
	t.Run("tied contest cannot be audited (test_tied_contest)", func(t *testing.T) {
		var batches []Batch
		for i := range 100 {
			batches = append(batches, Batch{ID: fmt.Sprint(i), Ballots: 1000, Votes: []int64{500, 500}})
		}
		_, err := newAudit(Setup{Contest: "Tied Contest", Choices: []string{"winner", "loser"}, Winners: []string{"winner"}, RiskLimit: 25, Seed: arloSeed}, batches)
		if actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("error %v, want EINVALID", err)
		}
	})
	t.Run("worst case taint of one escalates (test_worst_case)", func(t *testing.T) {
		a := mustAudit(t, Setup{Contest: "test1", Choices: []string{"winner", "loser"}, Winners: []string{"winner"}, RiskLimit: 25, Seed: arloSeed}, []Batch{
			{ID: "Batch 1", Ballots: 500, Votes: []int64{500, 0}},
			{ID: "Batch 2", Ballots: 500, Votes: []int64{500, 0}},
		})
		r := mustRisk(t, a, &sampleBuilder{draws: []Draw{{Ticket: "1", ID: "Batch 1"}}, counts: map[string]HandCount{"Batch 1": {Ballots: 500, Votes: []int64{0, 500}}}})
		if r.Risk != 1 || r.Decision != FullCount || r.Next != 1 {
			t.Errorf("risk %v, %s, next %d; want 1, full-count, 1", r.Risk, r.Decision, r.Next)
		}
	})
	t.Run("close contest: one clean batch is not enough (test_close_contest)", func(t *testing.T) {
		a := mustAudit(t, Setup{Contest: "Tied Contest", Choices: []string{"winner", "loser"}, Winners: []string{"winner"}, RiskLimit: 25, Seed: arloSeed, Totals: []int64{200, 198}}, []Batch{
			{ID: "1", Ballots: 100, Votes: []int64{100, 0}}, {ID: "2", Ballots: 100, Votes: []int64{100, 0}},
			{ID: "3", Ballots: 100, Votes: []int64{0, 100}}, {ID: "4", Ballots: 100, Votes: []int64{0, 98}},
		})
		if r := mustRisk(t, a, &sampleBuilder{}); r.Next != 4 {
			t.Errorf("first round %d, want 4", r.Next)
		}
		s := &sampleBuilder{}
		s.add("1", 100, 0)
		if r := mustRisk(t, a, s); r.Risk <= 0.25 || r.Decision == Confirmed {
			t.Errorf("risk %v (%s), want above 25%%", r.Risk, r.Decision)
		}
		for _, id := range []string{"2", "3", "4"} {
			b := a.Batch(map[string]int{"2": 1, "3": 2, "4": 3}[id])
			s.draws = append(s.draws, Draw{Ticket: id, ID: id})
			s.counts[id] = HandCount{Ballots: b.Ballots, Votes: b.Votes}
		}
		if r := mustRisk(t, a, s); r.Risk != 0 || r.Decision != Confirmed {
			t.Errorf("after a full hand count: risk %v (%s), want 0, confirmed", r.Risk, r.Decision)
		}
	})
	t.Run("a full hand count that ties overturns (test_almost_done)", func(t *testing.T) {
		a := mustAudit(t, Setup{Contest: "test1", Choices: []string{"winner", "loser"}, Winners: []string{"winner"}, RiskLimit: 25, Seed: arloSeed}, []Batch{{ID: "Batch 1", Ballots: 1000, Votes: []int64{600, 400}}})
		r := mustRisk(t, a, &sampleBuilder{draws: []Draw{{Ticket: "1", ID: "Batch 1"}}, counts: map[string]HandCount{"Batch 1": {Ballots: 1000, Votes: []int64{500, 500}}}})
		if r.Decision != Overturned {
			t.Errorf("decision %s, want overturned", r.Decision)
		}
	})
}

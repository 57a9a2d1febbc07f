package audit

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

const testSeed = "01382438112797316654"

func TestNewRefuses(t *testing.T) {
	ok := Setup{Contest: "p", Choices: []string{"a", "b", "c"}, Winners: []string{"a"}, RiskLimit: 5, Seed: testSeed}
	two := []Batch{{ID: "s1", Ballots: 100, Votes: []int64{60, 30, 5}}, {ID: "s2", Ballots: 100, Votes: []int64{50, 40, 5}}}
	with := func(f func(*Setup)) Setup { s := ok; s.Choices = slices.Clone(ok.Choices); f(&s); return s }
	tests := []struct {
		name    string
		setup   Setup
		batches []Batch
		say     string // part of the message
	}{
		{"a seed of 19 digits", with(func(s *Setup) { s.Seed = "0138243811279731665" }), two, "at least 20"},
		{"a risk limit of 0%", with(func(s *Setup) { s.RiskLimit = 0 }), two, "risk limit"},
		{"a risk limit of 100%", with(func(s *Setup) { s.RiskLimit = 100 }), two, "risk limit"},
		{"one choice", with(func(s *Setup) { s.Choices = []string{"a"} }), two, "at least two choices"},
		{"no winner named", with(func(s *Setup) { s.Winners = nil }), two, "reported winners"},
		{"every choice a winner", with(func(s *Setup) { s.Winners = []string{"a", "b", "c"} }), two, "reported winners"},
		{"a winner that is not a choice", with(func(s *Setup) { s.Winners = []string{"z"} }), two, "not a choice"},
		{"a winner named twice", with(func(s *Setup) { s.Winners = []string{"a", "a"} }), two, "twice"},
		{"a reported winner who trails", with(func(s *Setup) { s.Winners = []string{"b"} }), two, "trails"},
		{"a tie", ok, []Batch{{ID: "s1", Ballots: 100, Votes: []int64{50, 50, 0}}}, "ties"},
		{"a lead made of unauditable votes", with(func(s *Setup) { s.Totals = []int64{112, 108, 10} }), two, "unauditable"},
		{"no batches", ok, nil, "no batches"},
		{"a batch twice", ok, []Batch{two[0], two[0]}, "twice"},
		{"votes for two choices of three", ok, []Batch{{ID: "s1", Ballots: 10, Votes: []int64{5, 3}}}, "vote counts"},
		{"negative votes", ok, []Batch{{ID: "s1", Ballots: 10, Votes: []int64{5, -3, 0}}}, "not a count"},
		{"negative ballots", ok, []Batch{{ID: "s1", Ballots: -1, Votes: []int64{5, 3, 0}}}, "not a count"},
		{"absurd ballots", ok, []Batch{{ID: "s1", Ballots: 1 << 40, Votes: []int64{5, 3, 0}}}, "not a count"},
		{"totals for two choices of three", with(func(s *Setup) { s.Totals = []int64{110, 70} }), two, "totals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.setup, tt.batches)
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			if !strings.Contains(err.Error(), tt.say) {
				t.Errorf("message %q does not say %q", err.Error(), tt.say)
			}
		})
	}
}

func TestErrorBounds(t *testing.T) {
	tests := []struct {
		name    string
		setup   Setup
		batches []Batch
		wantU   float64
		wantUp  []float64
	}{
		{
			"one winner: the closest loser bounds each batch",
			Setup{Choices: []string{"a", "b", "c"}, Winners: []string{"a"}},
			[]Batch{{ID: "s1", Ballots: 100, Votes: []int64{60, 30, 5}}, {ID: "s2", Ballots: 100, Votes: []int64{50, 40, 5}}},
			// V_ab = 40, V_ac = 100: u = max(130/40, 155/100), max(110/40, 145/100)
			130.0/40 + 110.0/40, []float64{130.0 / 40, 110.0 / 40},
		},
		{
			"two winners: every winner against every loser",
			Setup{Choices: []string{"a", "b", "c"}, Winners: []string{"a", "b"}},
			[]Batch{{ID: "s1", Ballots: 100, Votes: []int64{60, 30, 5}}, {ID: "s2", Ballots: 100, Votes: []int64{50, 40, 5}}},
			// V_ac = 100, V_bc = 60: u = max(155/100, 125/60), max(145/100, 135/60)
			125.0/60 + 135.0/60, []float64{125.0 / 60, 135.0 / 60},
		},
		{
			"an empty station has no error bound and is never drawn",
			Setup{Choices: []string{"a", "b"}, Winners: []string{"a"}},
			[]Batch{{ID: "s1", Ballots: 100, Votes: []int64{60, 30}}, {ID: "s2", Ballots: 0, Votes: []int64{0, 0}}},
			130.0 / 30, []float64{130.0 / 30, 0},
		},
		{
			"a sheet with fewer ballots than votes is bounded by its votes",
			Setup{Choices: []string{"a", "b"}, Winners: []string{"a"}},
			[]Batch{{ID: "s1", Ballots: 10, Votes: []int64{60, 30}}},
			120.0 / 30, []float64{120.0 / 30},
		},
		{
			"unauditable votes in the announced totals narrow the margin",
			Setup{Choices: []string{"a", "b"}, Winners: []string{"a"}, Totals: []int64{70, 30}},
			[]Batch{{ID: "s1", Ballots: 100, Votes: []int64{60, 30}}},
			// 10 votes in no batch: V = 70 − 30 − 10
			130.0 / 30, []float64{130.0 / 30},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup.Contest, tt.setup.RiskLimit, tt.setup.Seed = "p", 5, testSeed
			a, err := New(tt.setup, tt.batches)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(a.U()-tt.wantU) > 1e-12 {
				t.Errorf("U = %v, want %v", a.U(), tt.wantU)
			}
			for p, want := range tt.wantUp {
				if math.Abs(a.ErrorBound(p)-want) > 1e-12 {
					t.Errorf("u_%d = %v, want %v", p, a.ErrorBound(p), want)
				}
				if math.Abs(a.Weight(p)-want/tt.wantU) > 1e-12 {
					t.Errorf("weight %d = %v, want %v", p, a.Weight(p), want/tt.wantU)
				}
			}
		})
	}
}

// MustSmallAudit is 40 stations, "a" ahead of "b" by 10 votes in each.
func MustSmallAudit(tb testing.TB) *Audit {
	tb.Helper()
	var batches []Batch
	for i := range 40 {
		batches = append(batches, Batch{ID: strings.Repeat("x", i%3) + string(rune('A'+i%26)) + string(rune('0'+i/26)), Ballots: 100, Votes: []int64{50, 40}})
	}
	a, err := New(Setup{Contest: "p", Choices: []string{"a", "b"}, Winners: []string{"a"}, RiskLimit: 10, Seed: testSeed}, batches)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func TestRisk(t *testing.T) {
	a := MustSmallAudit(t)
	first, err := a.Risk(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Draw(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	agree := func(id string) HandCount {
		b := a.Batch(a.index[id])
		return HandCount{Ballots: b.Ballots, Votes: slices.Clone(b.Votes)}
	}
	countsWith := func(h HandCount) map[string]HandCount {
		c := map[string]HandCount{}
		for _, x := range d {
			c[x.ID] = agree(x.ID)
		}
		c[d[0].ID] = h
		return c
	}
	tests := []struct {
		name     string
		hand     HandCount
		decision Decision
		taint    float64
	}{
		{"hand counts agree: continue, taint 0", HandCount{Ballots: 100, Votes: []int64{50, 40}}, Continue, 0},
		{"an understatement of the margin is no taint", HandCount{Ballots: 100, Votes: []int64{55, 35}}, Continue, 0},
		{"two votes moved from a to b", HandCount{Ballots: 100, Votes: []int64{48, 42}}, Continue, 4.0 / 110},
		{"b won the station outright: a full count", HandCount{Ballots: 100, Votes: []int64{0, 100}}, FullCount, 1},
		{"more ballots found than reported: taint above 1, a full count", HandCount{Ballots: 500, Votes: []int64{0, 500}}, FullCount, 510.0 / 110},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := a.Risk(d, countsWith(tt.hand))
			if err != nil {
				t.Fatal(err)
			}
			if r.Decision != tt.decision {
				t.Errorf("decision %s, want %s", r.Decision, tt.decision)
			}
			var got float64
			for _, x := range r.Taints {
				if x.ID == d[0].ID {
					got = x.Taint
				}
			}
			if math.Abs(got-tt.taint) > 1e-12 {
				t.Errorf("taint %v, want %v", got, tt.taint)
			}
			if r.Risk < 0 || r.Risk > 1 {
				t.Errorf("risk %v outside [0, 1]", r.Risk)
			}
			if r.Decision == Continue && (r.Next < 1 || r.Next > first.Next) {
				t.Errorf("next round %d, first round was %d", r.Next, first.Next)
			}
			if r.Decision == FullCount && r.Next != a.Batches()-len(countsWith(tt.hand)) {
				t.Errorf("full count of %d batches, want %d", r.Next, a.Batches()-3)
			}
		})
	}
}

func TestRiskRefuses(t *testing.T) {
	a := MustSmallAudit(t)
	d, err := a.Draw(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	good := HandCount{Ballots: 100, Votes: []int64{50, 40}}
	tests := []struct {
		name   string
		draws  []Draw
		counts map[string]HandCount
		code   string
		say    string
	}{
		{"a drawn station not yet counted", d, map[string]HandCount{d[0].ID: good}, actas.EINVALID, "no hand count"},
		{"more votes than ballots", d[:1], map[string]HandCount{d[0].ID: {Ballots: 80, Votes: []int64{50, 40}}}, actas.EINVALID, "not a valid count"},
		{"negative votes", d[:1], map[string]HandCount{d[0].ID: {Ballots: 80, Votes: []int64{50, -4}}}, actas.EINVALID, "not a count"},
		{"a count for one choice of two", d[:1], map[string]HandCount{d[0].ID: {Ballots: 80, Votes: []int64{50}}}, actas.EINVALID, "vote counts"},
		{"a count of an unknown station", d[:1], map[string]HandCount{d[0].ID: good, "nowhere": good}, actas.ENOTFOUND, "unknown"},
		{"a draw of an unknown station", []Draw{{ID: "nowhere", Ticket: "0.5"}}, map[string]HandCount{}, actas.ENOTFOUND, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Risk(tt.draws, tt.counts)
			if actas.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.say) {
				t.Errorf("error %v (%s), want %s saying %q", err, actas.ErrorCode(err), tt.code, tt.say)
			}
		})
	}
}

func TestRoundsExtendTheSample(t *testing.T) {
	a := MustSmallAudit(t)
	all, err := a.Draw(12, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rounds []Draw
	for _, n := range []int{5, 4, 3} {
		d, err := a.Draw(n, rounds)
		if err != nil {
			t.Fatal(err)
		}
		rounds = append(rounds, d...)
	}
	if !slices.Equal(all, rounds) {
		t.Errorf("rounds of 5, 4 and 3 draws differ from one of 12:\n%v\n%v", rounds, all)
	}
	for i, d := range all {
		if a.Batch(d.Batch).ID != d.ID || d.Times < 1 {
			t.Errorf("draw %d: %+v", i, d)
		}
	}
}

func TestReportedWinners(t *testing.T) {
	choices := []string{"a", "b", "c", "d"}
	tests := []struct {
		name   string
		totals []int64
		seats  int
		want   []string
		ok     bool
	}{
		{"one seat", []int64{10, 30, 20, 5}, 1, []string{"b"}, true},
		{"two seats", []int64{10, 30, 20, 5}, 2, []string{"b", "c"}, true},
		{"a tie below the last seat", []int64{10, 30, 20, 10}, 2, []string{"b", "c"}, true},
		{"a tie for the last seat", []int64{20, 30, 20, 5}, 2, nil, false},
		{"a tie for the only seat", []int64{30, 30, 20, 5}, 1, nil, false},
		{"no seat", []int64{10, 30, 20, 5}, 0, nil, false},
		{"every choice seated", []int64{10, 30, 20, 5}, 4, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReportedWinners(choices, tt.totals, tt.seats)
			if (err == nil) != tt.ok || !slices.Equal(got, tt.want) {
				t.Errorf("got %v, %v; want %v (ok %v)", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestFromPanel(t *testing.T) {
	contest := &actas.Contest{ID: "p", Choices: []actas.Choice{{ID: "a"}, {ID: "b"}}}
	stations := []actas.Station{{Code: "s1"}, {Code: "s2"}, {Code: "s3"}}
	sheets := []*actas.Sheet{{Station: "s1", Votes: []int64{5, 3}, Ballots: 9}, nil, {Station: "s3", Votes: []int64{1, 7}, Ballots: 8}}
	t.Run("official sheets become batches; stations without one are listed", func(t *testing.T) {
		b, missing, err := FromPanel(&actas.Panel{Contest: contest, Source: actas.Official, Stations: stations, Sheets: sheets})
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 2 || b[0].ID != "s1" || b[1].ID != "s3" || b[1].Ballots != 8 || !slices.Equal(b[1].Votes, []int64{1, 7}) {
			t.Errorf("batches %+v", b)
		}
		if !slices.Equal(missing, []string{"s2"}) {
			t.Errorf("missing %v", missing)
		}
	})
	t.Run("witness sheets are not the reported result", func(t *testing.T) {
		_, _, err := FromPanel(&actas.Panel{Contest: contest, Source: actas.Witness, Stations: stations, Sheets: sheets})
		if actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("error %v, want EINVALID", err)
		}
	})
	t.Run("a sheet with the wrong number of choices", func(t *testing.T) {
		bad := []*actas.Sheet{{Station: "s1", Votes: []int64{5}, Ballots: 9}, nil, nil}
		_, _, err := FromPanel(&actas.Panel{Contest: contest, Source: actas.Official, Stations: stations, Sheets: bad})
		if actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("error %v, want EINVALID", err)
		}
	})
}

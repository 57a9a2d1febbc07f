package audit

import (
	"fmt"
	"math"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/simulate"
)

// election is one simulated election ready to audit: the official
// per-station results and what a hand count of each station finds (the
// simulator's true sheet).
type election struct {
	batches    []Batch
	hand       map[string]HandCount
	official   []string // reported (official) winner
	trueWinner string
	choices    []string
	seed       string
}

func mustSimulate(tb testing.TB, seed uint64, stations int, fraud []simulate.Fraud) *election {
	tb.Helper()
	ds, truth, err := simulate.Run(simulate.Config{
		Stations: stations, Seed: seed, Shares: []float64{0.52, 0.40, 0.05, 0.03},
		WitnessCoverage: -1, StationSample: -1, Fraud: fraud,
	})
	if err != nil {
		tb.Fatal(err)
	}
	contest := &ds.Election.Contests[0]
	sheets := make(map[string]*actas.Sheet, len(ds.Stations))
	for _, s := range ds.Sheets {
		if s.Source == actas.Official {
			sheets[s.Sheet.Station] = &s.Sheet
		}
	}
	p := &actas.Panel{Election: ds.Election, Contest: contest, Source: actas.Official, Stations: ds.Stations, Sheets: make([]*actas.Sheet, len(ds.Stations))}
	for i, st := range ds.Stations {
		p.Sheets[i] = sheets[st.Code]
	}
	batches, missing, err := FromPanel(p)
	if err != nil {
		tb.Fatal(err)
	}
	if len(missing) > 0 {
		tb.Fatalf("%d stations without an official sheet", len(missing))
	}
	e := &election{batches: batches, hand: make(map[string]HandCount, len(batches)), choices: contest.ChoiceIDs(),
		seed: fmt.Sprintf("%020d", seed*7919+12345678901234567)}
	for _, b := range batches {
		e.hand[b.ID] = HandCount{Ballots: sheets[b.ID].Ballots, Votes: b.Votes}
	}
	for _, f := range truth.Falsified {
		t := f.Undo(sheets[f.Station])
		e.hand[f.Station] = HandCount{Ballots: t.Ballots, Votes: t.Votes}
	}
	official := make([]int64, len(e.choices))
	for i, id := range e.choices {
		official[i] = truth.Official.Votes[id]
	}
	if e.official, err = ReportedWinners(e.choices, official, 1); err != nil {
		tb.Fatal(err)
	}
	trueTotals := make([]int64, len(e.choices))
	for i, id := range e.choices {
		trueTotals[i] = truth.National.Votes[id]
	}
	w, err := ReportedWinners(e.choices, trueTotals, 1)
	if err != nil {
		tb.Fatal(err)
	}
	e.trueWinner = w[0]
	return e
}

// outcome is how one audit ended.
type outcome struct {
	decision   Decision // after the full hand count, when it came to that
	escalated  bool     // the audit asked for a full hand count
	firstRound int
	draws      int // draws before it stopped or escalated
	rounds     int
}

// audit runs rounds until the audit confirms or escalates, then, if it
// escalated, hand counts every station as a full count would.
func (e *election) audit(tb testing.TB, riskLimit int) outcome {
	tb.Helper()
	a, err := New(Setup{Contest: "sim", Choices: e.choices, Winners: e.official, RiskLimit: riskLimit, Seed: e.seed}, e.batches)
	if err != nil {
		tb.Fatal(err)
	}
	var all []Draw
	counts := map[string]HandCount{}
	r, err := a.Risk(nil, counts)
	if err != nil {
		tb.Fatal(err)
	}
	out := outcome{firstRound: r.Next}
	for r.Decision == Continue {
		d, err := a.Draw(r.Next, all)
		if err != nil {
			tb.Fatal(err)
		}
		all = append(all, d...)
		for _, x := range d {
			counts[x.ID] = e.hand[x.ID]
		}
		out.rounds++
		if r, err = a.Risk(all, counts); err != nil {
			tb.Fatal(err)
		}
	}
	out.draws = len(all)
	if r.Decision == FullCount {
		out.escalated = true
		for id, h := range e.hand {
			counts[id] = h
		}
		if r, err = a.Risk(all, counts); err != nil {
			tb.Fatal(err)
		}
	}
	out.decision = r.Decision
	return out
}

// TestAuditOnSimulatedElections is the validation of issue 7: over 200
// seeded elections of 500 stations (40 with -short), an audit of an honest
// official result stops in its first round, and an audit of an official
// result falsified to change the winner escalates to a full hand count
// (which then overturns it) in at least 1 − α of the runs. Risk limit 5%.
// The rates are printed with -v; docs/methods.md quotes them.
func TestAuditOnSimulatedElections(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 40
	}
	const stations, riskLimit = 500, 5
	// Shift moves 15-60% of the leader's votes to the runner-up in about
	// 55% of the stations: always enough to change the winner here.
	fraud := []simulate.Fraud{{Model: simulate.Shift, Fraction: 0.55, Beneficiary: "b"}}

	var honestConfirmed, honestOneRound, minN, maxN, sumN int
	minN = math.MaxInt
	var escalated, overturned, sumDraws, confirmedWrong int
	for i := range runs {
		seed := uint64(1000 + i)
		h := mustSimulate(t, seed, stations, nil)
		if h.official[0] != h.trueWinner {
			t.Fatalf("seed %d: honest official winner %s is not the true winner %s", seed, h.official[0], h.trueWinner)
		}
		o := h.audit(t, riskLimit)
		if o.decision == Confirmed && !o.escalated {
			honestConfirmed++
		}
		if o.rounds == 1 && o.draws == o.firstRound {
			honestOneRound++
		}
		minN, maxN, sumN = min(minN, o.draws), max(maxN, o.draws), sumN+o.draws

		f := mustSimulate(t, seed, stations, fraud)
		if f.official[0] == f.trueWinner {
			t.Fatalf("seed %d: the fraud did not change the winner (%s)", seed, f.trueWinner)
		}
		o = f.audit(t, riskLimit)
		if o.escalated {
			escalated++
			sumDraws += o.draws
		} else {
			confirmedWrong++
		}
		if o.decision == Overturned {
			overturned++
		}
	}
	t.Logf("honest:    %d/%d confirmed, %d in one round; draws min %d, mean %.1f, max %d", honestConfirmed, runs, honestOneRound, minN, float64(sumN)/float64(runs), maxN)
	t.Logf("falsified: %d/%d escalated to a full hand count (%.1f%%), %d overturned by it, %d confirmed the wrong winner; mean draws before escalating %.1f",
		escalated, runs, 100*float64(escalated)/float64(runs), overturned, confirmedWrong, float64(sumDraws)/float64(max(escalated, 1)))
	if honestConfirmed != runs || honestOneRound != runs {
		t.Errorf("honest results: %d of %d confirmed, %d in one round; want all", honestConfirmed, runs, honestOneRound)
	}
	if float64(escalated) < (1-riskLimit/100.0)*float64(runs) {
		t.Errorf("falsified results: %d of %d escalated, want at least %.0f%%", escalated, runs, 100-float64(riskLimit))
	}
	if overturned != escalated {
		t.Errorf("%d full hand counts, %d overturned the falsified winner", escalated, overturned)
	}
}

package tabulate_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

// world is a random election with random submissions, each with its Seq.
type world struct {
	election *actas.Election
	stations []actas.Station
	subs     []*actas.Submission
	rules    tabulate.Rules
	// decisions are people's decisions on stations, numbered in the same
	// log as subs: some accept a submission, some none, some go stale.
	decisions []tabulate.Decision
}

var namePool = []string{"Norte", "Sur", "San José", "SAN JOSE", "A/B", `C\D`, "Ñuñoa", "Centro", "national"}

func randomWorld(seed uint64) world {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := world{election: &actas.Election{ID: "random", Name: "Random election"}}
	nLevels := 1 + rng.IntN(4)
	for l := range nLevels {
		w.election.Levels = append(w.election.Levels, fmt.Sprintf("level%d", l))
	}
	for c := range 1 + rng.IntN(2) {
		ct := actas.Contest{ID: fmt.Sprintf("contest%d", c), Name: "Contest"}
		for k := range 1 + rng.IntN(4) {
			ct.Choices = append(ct.Choices, actas.Choice{ID: fmt.Sprintf("choice%d", k), Name: "Choice"})
		}
		w.election.Contests = append(w.election.Contests, ct)
	}
	nStations := 1 + rng.IntN(60)
	for i := range nStations {
		names := make([]string, nLevels)
		for l := range names {
			names[l] = namePool[rng.IntN(len(namePool)-1)+min(l, 1)] // "national" only below the top
		}
		w.stations = append(w.stations, actas.Station{
			Code: fmt.Sprintf("S%d", i), Area: actas.JoinPath(names...),
			Registered: int64(rng.IntN(500)), Machines: int64(rng.IntN(3)),
		})
	}

	// A few candidate sheets per station and contest, so that sources often
	// agree, sometimes differ, and now and then state an absurd count.
	srcs := slices.Clone(actas.Sources)
	rng.Shuffle(len(srcs), func(i, j int) { srcs[i], srcs[j] = srcs[j], srcs[i] })
	srcs = srcs[:1+rng.IntN(len(srcs))]
	candidates := map[string][]actas.Sheet{}
	for _, st := range w.stations {
		for _, c := range w.election.Contests {
			for range 3 {
				sh := actas.Sheet{Station: st.Code, Contest: c.ID, Votes: make([]int64, len(c.Choices)), Voters: actas.Unknown}
				for k := range sh.Votes {
					sh.Votes[k] = int64(rng.IntN(3) * 50)
				}
				if rng.IntN(20) == 0 {
					sh.Votes[0] = 3_000_000_000 + int64(rng.IntN(2))
				}
				sh.Blank, sh.Null = int64(rng.IntN(3)), int64(rng.IntN(2))
				sh.Ballots = sh.Valid() + sh.Blank + sh.Null + int64(rng.IntN(2))
				if rng.IntN(2) == 0 {
					sh.Voters = sh.Ballots
				}
				candidates[st.Code+"|"+c.ID] = append(candidates[st.Code+"|"+c.ID], sh)
			}
		}
	}
	seq := int64(0)
	for range rng.IntN(3*nStations + 1) {
		st := w.stations[rng.IntN(nStations)]
		c := w.election.Contests[rng.IntN(len(w.election.Contests))]
		cand := candidates[st.Code+"|"+c.ID]
		sh := cand[rng.IntN(len(cand))]
		sh.Votes = slices.Clone(sh.Votes)
		seq += 1 + int64(rng.IntN(2)*rng.IntN(1000)) // mostly dense, with gaps
		w.subs = append(w.subs, &actas.Submission{
			Seq: seq, Election: "random", Source: srcs[rng.IntN(len(srcs))], Sheet: sh,
			Flags: actas.Flags(rng.IntN(4)) &^ 2,
		})
	}

	w.rules = tabulate.DefaultRules()
	if rng.IntN(2) == 0 {
		rank := slices.Clone(actas.Sources)
		rng.Shuffle(len(rank), func(i, j int) { rank[i], rank[j] = rank[j], rank[i] })
		w.rules.Rank = rank[:rng.IntN(len(rank)+1)]
	}
	w.decisions = randomDecisions(seed, w.subs)
	return w
}

// randomDecisions decides on stations that have submissions, at log
// indexes no submission uses: after all of a station's submissions or
// between them (so that some go stale), accepting one of the submissions
// before it (current or not) or none. Its own generator leaves the worlds
// of the other tests as they were.
func randomDecisions(seed uint64, subs []*actas.Submission) []tabulate.Decision {
	rng := rand.New(rand.NewPCG(seed, 13))
	if len(subs) == 0 {
		return nil
	}
	used := map[int64]bool{}
	for _, s := range subs {
		used[s.Seq] = true
	}
	last := subs[len(subs)-1].Seq
	var out []tabulate.Decision
	for range rng.IntN(len(subs)/2 + 2) {
		s := subs[rng.IntN(len(subs))]
		index := s.Seq + 1 + int64(rng.IntN(3))
		if rng.IntN(2) == 0 {
			index = last + 1 + int64(rng.IntN(50))
		}
		if used[index] {
			continue
		}
		used[index] = true
		d := tabulate.Decision{Index: index, Station: s.Sheet.Station, Contest: s.Sheet.Contest}
		var before []*actas.Submission
		for _, x := range subs {
			if x.Sheet.Station == d.Station && x.Sheet.Contest == d.Contest && x.Seq < index {
				before = append(before, x)
			}
		}
		if rng.IntN(4) > 0 {
			a := before[rng.IntN(len(before))]
			d.Source, d.Seq = a.Source, a.Seq
		}
		out = append(out, d)
	}
	return out
}

// decide applies the latest of a station's decisions to the result of the
// rules, the way tabulate.Decide documents it.
func decide(res *actas.StationResult, mine []*actas.Submission, decisions []tabulate.Decision, latest map[actas.Source]*actas.Submission, chosen *actas.Submission) *actas.Submission {
	var d *tabulate.Decision
	for k := range decisions {
		x := &decisions[k]
		if x.Station == res.Station.Code && x.Contest == res.Contest && (d == nil || x.Index > d.Index) {
			d = x
		}
	}
	if d == nil || len(mine) == 0 {
		return chosen
	}
	for _, s := range mine {
		if s.Seq > d.Index {
			return chosen
		}
	}
	if d.Source == "" {
		res.State = actas.StateConflict
		return nil
	}
	if l := latest[d.Source]; l != nil && l.Seq == d.Seq {
		return l
	}
	return chosen
}

// recount tabulates subs from scratch, the slow and obvious way, and
// returns the totals per "contest|view|area path" and the result per
// "contest|station".
func recount(w world, subs []*actas.Submission, decisions []tabulate.Decision) (map[string]actas.Totals, map[string]*actas.StationResult) {
	rankOf := func(s actas.Source) int {
		if i := slices.Index(w.rules.Rank, s); i >= 0 {
			return i
		}
		return len(w.rules.Rank) + slices.Index(actas.Sources, s)
	}
	ranked := func(s actas.Source) bool { return slices.Contains(w.rules.Rank, s) }
	totals := map[string]actas.Totals{}
	stations := map[string]*actas.StationResult{}
	add := func(key string, st actas.Station, sheet *actas.Sheet, flags actas.Flags, state actas.State) {
		tot := totals[key]
		if sheet != nil {
			tot.StationsCounted++
			tot.RegisteredCounted += st.Registered
			tot.Ballots += sheet.Ballots
			tot.Blank += sheet.Blank
			tot.Null += sheet.Null
			if sheet.Voters != actas.Unknown {
				tot.Voters += sheet.Voters
				tot.VotersStations++
			}
			if flags != 0 {
				tot.Flagged++
			}
			for k, v := range sheet.Votes {
				tot.Votes[k] += v
			}
		}
		switch state {
		case actas.StateAgreed:
			tot.Agreed++
		case actas.StateSingle:
			tot.Single++
		case actas.StateConflict:
			tot.Conflict++
		}
		totals[key] = tot
	}
	for _, c := range w.election.Contests {
		views := append(slices.Clone(actas.Sources), actas.Reconciled)
		// Every area of the election, as the ancestors of every station.
		for _, st := range w.stations {
			for _, p := range ancestors(st.Area) {
				for _, v := range views {
					key := c.ID + "|" + string(v) + "|" + p
					tot := totals[key]
					if tot.Votes == nil {
						tot.Votes = make([]int64, len(c.Choices))
					}
					tot.Stations++
					tot.Registered += st.Registered
					totals[key] = tot
				}
			}
		}
		for _, st := range w.stations {
			var mine []*actas.Submission
			for _, s := range subs {
				if s.Sheet.Station == st.Code && s.Sheet.Contest == c.ID {
					mine = append(mine, s)
				}
			}
			latest := map[actas.Source]*actas.Submission{}
			for _, s := range mine {
				if l := latest[s.Source]; l == nil || s.Seq > l.Seq {
					latest[s.Source] = s
				}
			}
			res := &actas.StationResult{Station: st, Contest: c.ID, State: actas.StateNone, Current: map[actas.Source]int64{}}
			for src, s := range latest {
				res.Current[src] = s.Seq
				for _, p := range ancestors(st.Area) {
					add(c.ID+"|"+string(src)+"|"+p, st, &s.Sheet, s.Flags, "")
				}
			}
			// Sheets of one source must be equal; of two sources, equal
			// but for voters that one of them leaves open (Unknown).
			allEqual := func(list []*actas.Submission) bool {
				for i, a := range list {
					for _, b := range list[:i] {
						x, y := a.Sheet, b.Sheet
						if a.Source != b.Source && (x.Voters == actas.Unknown || y.Voters == actas.Unknown) {
							x.Voters, y.Voters = 0, 0
						}
						if !x.Equal(&y) {
							return false
						}
					}
				}
				return true
			}
			var chosen *actas.Submission
			switch {
			case len(mine) == 1:
				res.State = actas.StateSingle
				chosen = mine[0]
			case len(mine) > 1 && allEqual(mine):
				res.State = actas.StateAgreed
				best := mine[0].Source
				for src := range latest {
					if rankOf(src) < rankOf(best) {
						best = src
					}
				}
				chosen = latest[best]
			case len(mine) > 1:
				res.State = actas.StateConflict
				var best actas.Source
				for src := range latest {
					if ranked(src) && (best == "" || rankOf(src) < rankOf(best)) {
						best = src
					}
				}
				var of []*actas.Submission
				for _, s := range mine {
					if s.Source == best {
						of = append(of, s)
					}
				}
				if best != "" && allEqual(of) {
					chosen = latest[best]
				}
			}
			chosen = decide(res, mine, decisions, latest, chosen)
			var sheet *actas.Sheet
			if chosen != nil {
				sh := chosen.Sheet
				sh.Votes = slices.Clone(sh.Votes)
				sheet = &sh
				res.Sheet, res.From, res.Flags = sheet, chosen.Source, chosen.Flags
			}
			stations[c.ID+"|"+st.Code] = res
			for _, p := range ancestors(st.Area) {
				add(c.ID+"|"+string(actas.Reconciled)+"|"+p, st, sheet, res.Flags, res.State)
			}
		}
	}
	return totals, stations
}

// ancestors returns the paths of the area at path and of every area above
// it, national ("") included.
func ancestors(path string) []string {
	names, err := actas.SplitPath(path)
	if err != nil {
		panic(err)
	}
	out := []string{""}
	for i := range names {
		out = append(out, actas.JoinPath(names[:i+1]...))
	}
	return out
}

// checkAgainstRecount compares every area of every view and every station
// with a recount of subs.
func checkAgainstRecount(t *testing.T, tab *tabulate.Tabulator, w world, subs []*actas.Submission, decisions []tabulate.Decision) {
	t.Helper()
	wantTotals, wantStations := recount(w, subs, decisions)
	got := 0
	views := append(slices.Clone(actas.Sources), actas.Reconciled)
	for _, c := range w.election.Contests {
		for _, v := range views {
			for _, level := range append([]string{actas.National}, w.election.Levels...) {
				areas, err := tab.Level("random", c.ID, v, level, "")
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range areas {
					got++
					want, ok := wantTotals[c.ID+"|"+string(v)+"|"+a.Path]
					if !ok {
						t.Fatalf("%s %s: area %q should not exist", c.ID, v, a.Path)
					}
					if !reflect.DeepEqual(a.Totals, want) {
						t.Fatalf("%s %s %q (%s):\n got %+v\nwant %+v", c.ID, v, a.Path, a.Level, a.Totals, want)
					}
				}
			}
		}
		var conflicts []*actas.StationResult
		for _, st := range w.stations {
			res := MustStation(t, tab, "random", c.ID, st.Code)
			want := wantStations[c.ID+"|"+st.Code]
			if !reflect.DeepEqual(res, want) {
				t.Fatalf("%s station %s:\n got %+v (sheet %+v)\nwant %+v (sheet %+v)", c.ID, st.Code, res, res.Sheet, want, want.Sheet)
			}
			if want.State == actas.StateConflict {
				conflicts = append(conflicts, want)
			}
		}
		// Conflicts lists the same stations, in creation order, up to its limit.
		for _, limit := range []int{0, 1, len(w.stations)} {
			got, n, err := tab.Conflicts("random", c.ID, "", limit)
			if err != nil {
				t.Fatal(err)
			}
			if want := conflicts[:min(limit, len(conflicts))]; n != len(conflicts) || !reflect.DeepEqual(got, want) && len(want) > 0 {
				t.Fatalf("%s: Conflicts(limit %d) = %d of %d, want %d of %d", c.ID, limit, len(got), n, len(want), len(conflicts))
			}
		}
	}
	if got != len(wantTotals) {
		t.Fatalf("Level lists %d area results, the recount %d", got, len(wantTotals))
	}
}

func TestAggregatesMatchRecount(t *testing.T) {
	for seed := range uint64(40) {
		w := randomWorld(seed)
		t.Run(fmt.Sprintf("seed %d, %d stations, %d submissions", seed, len(w.stations), len(w.subs)), func(t *testing.T) {
			tab := MustTabulator(t, w.rules, w.election, w.stations)
			order := slices.Clone(w.subs)
			rng := rand.New(rand.NewPCG(seed, 11))
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			decisions := slices.Clone(w.decisions)
			rng.Shuffle(len(decisions), func(i, j int) { decisions[i], decisions[j] = decisions[j], decisions[i] })
			half, dhalf := len(order)/2, len(decisions)/2
			for _, s := range order[:half] {
				MustAdd(t, tab, s)
			}
			// A decision may arrive before the submission it accepts.
			for _, d := range decisions[:dhalf] {
				MustDecide(t, tab, "random", d)
			}
			checkAgainstRecount(t, tab, w, order[:half], decisions[:dhalf])
			for _, s := range order[half:] {
				MustAdd(t, tab, s)
			}
			for _, d := range decisions[dhalf:] {
				MustDecide(t, tab, "random", d)
			}
			checkAgainstRecount(t, tab, w, order, decisions)
		})
	}
}

func TestOrderIndependence(t *testing.T) {
	for seed := range uint64(10) {
		w := randomWorld(100 + seed)
		t.Run(fmt.Sprintf("seed %d", 100+seed), func(t *testing.T) {
			var first snapshot
			for k := range uint64(4) {
				order := slices.Clone(w.subs)
				if k > 0 { // the first run replays in Seq order, as at start-up
					rng := rand.New(rand.NewPCG(seed, k))
					rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
				}
				decisions := slices.Clone(w.decisions)
				if k > 0 {
					rng := rand.New(rand.NewPCG(seed, 100+k))
					rng.Shuffle(len(decisions), func(i, j int) { decisions[i], decisions[j] = decisions[j], decisions[i] })
				}
				tab := MustTabulator(t, w.rules, w.election, w.stations)
				// Decisions interleave with submissions: each goes in
				// after a random number of them.
				rng := rand.New(rand.NewPCG(seed, 200+k))
				for _, s := range order {
					for len(decisions) > 0 && rng.IntN(3) == 0 {
						MustDecide(t, tab, "random", decisions[0])
						decisions = decisions[1:]
					}
					MustAdd(t, tab, s)
				}
				for _, d := range decisions {
					MustDecide(t, tab, "random", d)
				}
				snap := takeSnapshot(t, tab, "random")
				if k == 0 {
					first = snap
					continue
				}
				sameSnapshot(t, first, snap)
			}
		})
	}
}

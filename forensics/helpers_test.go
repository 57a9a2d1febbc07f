package forensics_test

import (
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/tabulate"
)

// MustPanel tabulates the dataset's sheets and returns the panel of one
// source for its first contest.
func MustPanel(tb testing.TB, ds *actas.Dataset, source actas.Source) *actas.Panel {
	tb.Helper()
	tab, err := tabulate.FromDataset(ds, tabulate.DefaultRules())
	if err != nil {
		tb.Fatal(err)
	}
	p, err := tab.Panel(ds.Election.ID, ds.Election.Contests[0].ID, source)
	if err != nil {
		tb.Fatalf("Panel(%s): %v", source, err)
	}
	return p
}

var realPanels sync.Map // path → *actas.Panel

// MustRealPanel reads one of the repository's real elections
// (testdata/README.md) with its converter and returns its official panel,
// read once per test binary: the analyses treat panels as read-only.
func MustRealPanel(tb testing.TB, format string, path ...string) *actas.Panel {
	tb.Helper()
	file := filepath.Join(append([]string{"..", "testdata"}, path...)...)
	if p, ok := realPanels.Load(file); ok {
		return p.(*actas.Panel)
	}
	f, err := sheetio.LookupFormat(format)
	if err != nil {
		tb.Fatal(err)
	}
	ds, err := f.Read(file)
	if err != nil {
		tb.Fatalf("reading %s: %v", file, err)
	}
	source := ds.Sheets[0].Source
	p := MustPanel(tb, ds, source)
	realPanels.Store(file, p)
	return p
}

// MustSimulate runs the simulator and fails the test on error.
func MustSimulate(tb testing.TB, cfg simulate.Config) (*actas.Dataset, *simulate.Truth) {
	tb.Helper()
	ds, truth, err := simulate.Run(cfg)
	if err != nil {
		tb.Fatalf("simulate.Run: %v", err)
	}
	return ds, truth
}

// row is one station of a hand-made panel: its register and machines and
// its sheet (votes for choices a and b, blank, null, ballots, voters);
// a nil sheet leaves the station uncounted.
type row struct {
	code       string
	registered int64
	machines   int64
	sheet      *actas.Sheet
}

// sheet returns a sheet of contest "c" with votes for a and b.
func sheet(a, b, blank, null, ballots, voters int64) *actas.Sheet {
	return &actas.Sheet{Contest: "c", Votes: []int64{a, b}, Blank: blank, Null: null, Ballots: ballots, Voters: voters}
}

// MustHandPanel builds a panel of one two-choice contest from rows, with
// voting from 08:00 to 18:00 so that stations with machines have a
// capacity.
func MustHandPanel(tb testing.TB, source actas.Source, rows ...row) *actas.Panel {
	tb.Helper()
	e := &actas.Election{ID: "hand", Name: "Hand-made", Open: "08:00", Close: "18:00", Levels: []string{"district"},
		Contests: []actas.Contest{{ID: "c", Name: "Contest", Choices: []actas.Choice{{ID: "a", Name: "A"}, {ID: "b", Name: "B"}}}}}
	if err := e.Validate(); err != nil {
		tb.Fatal(err)
	}
	p := &actas.Panel{Election: e, Contest: &e.Contests[0], Source: source,
		Stations: make([]actas.Station, len(rows)), Sheets: make([]*actas.Sheet, len(rows)), Flags: make([]actas.Flags, len(rows))}
	for i, r := range rows {
		p.Stations[i] = actas.Station{Code: r.code, Area: "North", Registered: r.registered, Machines: r.machines}
		if r.sheet != nil {
			s := *r.sheet
			s.Station = r.code
			p.Sheets[i] = &s
			p.Flags[i] = actas.Check(&s, &p.Stations[i], e.Capacity(&p.Stations[i]))
		}
	}
	return p
}

// MustSimPanel simulates an election and returns its official panel.
func MustSimPanel(tb testing.TB, cfg simulate.Config) (*actas.Panel, *simulate.Truth) {
	tb.Helper()
	ds, truth := MustSimulate(tb, cfg)
	return officialPanel(ds), truth
}

// roundShares rewrites every nth counted sheet of p as a commission told
// to reach a round figure would: the leader's votes become the nearest
// count that is a whole percentage of valid + invalid ballots, taken from
// or given to the runner-up so that the sheet still adds up. It returns
// how many sheets changed.
func roundShares(p *actas.Panel, leaderID string, nth int) int {
	leader, other := p.Contest.ChoiceIndex(leaderID), -1
	var totals = make([]int64, len(p.Contest.Choices))
	for _, s := range p.Sheets {
		if s != nil {
			for j, v := range s.Votes {
				totals[j] += v
			}
		}
	}
	for j := range totals {
		if j != leader && (other < 0 || totals[j] > totals[other]) {
			other = j
		}
	}
	rounded := 0
	for i, s := range p.Sheets {
		if s == nil || i%nth != 0 {
			continue
		}
		recv := s.Valid() + s.Blank + s.Null
		target := int64(-1)
		for d := int64(0); d <= recv/20 && target < 0; d++ {
			for _, x := range []int64{s.Votes[leader] - d, s.Votes[leader] + d} {
				if x >= 0 && x <= recv && wholePercent(float64(x), float64(recv)) {
					target = x
					break
				}
			}
		}
		moved := target - s.Votes[leader]
		if target < 0 || moved == 0 || s.Votes[other] < moved {
			continue
		}
		c := *s
		c.Votes = append([]int64(nil), s.Votes...)
		c.Votes[leader] += moved
		c.Votes[other] -= moved
		p.Sheets[i] = &c
		rounded++
	}
	return rounded
}

// inventDigits gives every count of at least 20 on every nth counted
// sheet of p a made-up last digit, as people inventing numbers write
// them: 0 and 5 favoured, 1 and 9 avoided (Beber & Scacco 2012, after the
// psychology literature they cite). The sheets no longer add up exactly;
// the digit tests do not look at sums.
func inventDigits(p *actas.Panel, nth int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed))
	favoured := []int64{0, 0, 0, 5, 5, 2, 3, 4, 6, 7, 8}
	for i, s := range p.Sheets {
		if s == nil || i%nth != 0 {
			continue
		}
		c := *s
		c.Votes = append([]int64(nil), s.Votes...)
		for j, v := range c.Votes {
			if v >= 20 {
				c.Votes[j] = v - v%10 + favoured[rng.IntN(len(favoured))]
			}
		}
		p.Sheets[i] = &c
	}
}

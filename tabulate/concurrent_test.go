package tabulate_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

// TestConcurrentReaders reads while submissions arrive (run with -race):
// every read must see a consistent tabulation, in which an area's totals
// are the sums of its children's, and the end result must be the same as
// without readers.
func TestConcurrentReaders(t *testing.T) {
	e, stations := syntheticElection(2000)
	codes := make([]string, len(stations))
	for i, s := range stations {
		codes[i] = s.Code
	}
	submissions := func() []*actas.Submission {
		var subs []*actas.Submission
		for k, src := range []actas.Source{actas.Witness, actas.Official, actas.Witness} {
			for i, code := range codes {
				if k == 2 && i%13 != 0 {
					continue // a few witness corrections
				}
				s := &actas.Submission{Seq: int64(len(subs) + 1), Election: "synthetic", Sheet: actas.Sheet{Contest: "president", Votes: make([]int64, 12)}}
				syntheticSheet(s, code, i+k, src)
				subs = append(subs, s)
			}
		}
		return subs
	}()

	tab := MustTabulator(t, tabulate.DefaultRules(), e, stations)
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		for _, s := range submissions {
			if err := tab.Add(s); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	reader := func(view actas.Source) {
		defer wg.Done()
		for i := 0; !done.Load(); i++ {
			for _, path := range []string{"", "Estado 0/Distrito 0"} {
				a, children, err := tab.Area("synthetic", "", view, path)
				if err != nil {
					t.Error(err)
					return
				}
				var counted, conflict, votes int64
				for _, c := range children {
					counted += c.StationsCounted
					conflict += c.Conflict
					votes += c.Votes[3]
				}
				if counted != a.StationsCounted || conflict != a.Conflict || votes != a.Votes[3] {
					t.Errorf("%s %q: %d counted, %d in conflict, %d votes; its children add up to %d, %d, %d",
						view, path, a.StationsCounted, a.Conflict, a.Votes[3], counted, conflict, votes)
					return
				}
			}
			st, err := tab.Station("synthetic", "president", codes[(i*37)%len(codes)])
			if err != nil {
				t.Error(err)
				return
			}
			if (st.State == actas.StateNone) != (len(st.Current) == 0) {
				t.Errorf("station %s is %s with current submissions %v", st.Station.Code, st.State, st.Current)
				return
			}
			if _, err := tab.Search("synthetic", "chiquinquira", 5); err != nil {
				t.Error(err)
				return
			}
			_ = tab.Sources("synthetic")
		}
	}
	for _, v := range []actas.Source{actas.Reconciled, actas.Witness, actas.Official} {
		wg.Add(1)
		go reader(v)
	}
	wg.Wait()

	quiet := MustTabulator(t, tabulate.DefaultRules(), e, stations)
	for _, s := range submissions {
		MustAdd(t, quiet, s)
	}
	sameSnapshot(t, takeSnapshot(t, quiet, "synthetic"), takeSnapshot(t, tab, "synthetic"))
}

// memStore is a store held in memory, enough for Load to read.
type memStore struct {
	elections []*actas.Election
	stations  map[string][]actas.Station
	subs      map[string][]*actas.Submission
}

func (m *memStore) Elections(ctx context.Context) ([]*actas.Election, error) { return m.elections, nil }

func (m *memStore) Stations(ctx context.Context, election string) ([]actas.Station, error) {
	return m.stations[election], nil
}

func (m *memStore) Submissions(ctx context.Context, election string, after int64, fn func(*actas.Submission) error) error {
	for _, s := range m.subs[election] {
		if s.Seq > after {
			if err := fn(s); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestLoad(t *testing.T) {
	w := randomWorld(3)
	w.rules = tabulate.DefaultRules()
	store := &memStore{
		elections: []*actas.Election{fixtureElection(), w.election},
		stations:  map[string][]actas.Station{"ve-2024": fixtureStations(), "random": w.stations},
		subs: map[string][]*actas.Submission{
			"ve-2024": {sub(1, actas.Witness, "1001", sheetA), sub(2, actas.Official, "1001", sheetB)},
			"random":  w.subs,
		},
	}
	tab, err := tabulate.Load(context.Background(), store, tabulate.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	direct := MustTabulator(t, w.rules, w.election, w.stations)
	for _, s := range w.subs {
		MustAdd(t, direct, s)
	}
	sameSnapshot(t, takeSnapshot(t, direct, "random"), takeSnapshot(t, tab, "random"))
	if st := MustStation(t, tab, "ve-2024", "", "1001"); st.State != actas.StateConflict || st.From != actas.Witness {
		t.Fatalf("station 1001 after Load: %+v", st)
	}

	t.Run("catching up adds what was stored since", func(t *testing.T) {
		store.subs["ve-2024"] = append(store.subs["ve-2024"], sub(4, actas.Witness, "1002", sheetC))
		from, err := tab.MaxSeq("ve-2024")
		if err != nil || from != 2 {
			t.Fatalf("MaxSeq = %d, %v; want 2", from, err)
		}
		if err := tab.CatchUp(context.Background(), store, "ve-2024", from); err != nil {
			t.Fatal(err)
		}
		if st := MustStation(t, tab, "ve-2024", "", "1002"); st.State != actas.StateSingle {
			t.Fatalf("station 1002 after CatchUp: %+v", st)
		}
		// Seq 3 commits late, below MaxSeq: catching up from an earlier
		// point adds it and skips what is already there.
		store.subs["ve-2024"] = append(store.subs["ve-2024"], sub(3, actas.Official, "1002", sheetC))
		if err := tab.CatchUp(context.Background(), store, "ve-2024", from); err != nil {
			t.Fatalf("CatchUp over Seqs already tabulated: %v", err)
		}
		if st := MustStation(t, tab, "ve-2024", "", "1002"); st.State != actas.StateAgreed || st.Current[actas.Official] != 3 {
			t.Fatalf("station 1002 after the late Seq: %+v", st)
		}
		if err := tab.CatchUp(context.Background(), store, "nowhere", 0); actas.ErrorCode(err) != actas.ENOTFOUND {
			t.Fatalf("CatchUp of an unknown election: %v", err)
		}
	})
	t.Run("a stored submission the election cannot hold stops the load", func(t *testing.T) {
		bad := *store
		bad.subs = map[string][]*actas.Submission{"ve-2024": {sub(1, actas.Witness, "no-such-station", sheetA)}}
		_, err := tabulate.Load(context.Background(), &bad, tabulate.DefaultRules())
		if actas.ErrorCode(err) != actas.EINVALID {
			t.Fatalf("Load error = %v, want invalid", err)
		}
	})
	t.Run("invalid rules", func(t *testing.T) {
		_, err := tabulate.Load(context.Background(), store, tabulate.Rules{Rank: []actas.Source{"rumour"}})
		if actas.ErrorCode(err) != actas.EINVALID {
			t.Fatalf("Load error = %v, want invalid", err)
		}
	})
	t.Run("a cancelled context stops the replay", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := tabulate.Load(ctx, store, tabulate.DefaultRules()); !errors.Is(err, context.Canceled) {
			t.Fatalf("Load error = %v, want context canceled", err)
		}
	})
}

// FuzzAddSheet adds fuzzed sheets from two sources to one station and
// checks the totals against the sheets: every well-formed sheet is
// tabulated exactly, whatever its numbers; a malformed one changes nothing.
func FuzzAddSheet(f *testing.F) {
	f.Add(int64(120), int64(80), int64(5), int64(3), int64(2), int64(210), int64(210), int64(100), true)
	f.Add(int64(3_000_000_000), int64(0), int64(0), int64(0), int64(0), int64(1), int64(-1), int64(2_147_483_648), false)
	f.Add(int64(-1), int64(0), int64(0), int64(0), int64(0), int64(0), int64(-2), int64(0), true)
	f.Add(int64(1)<<62, int64(1)<<62, int64(0), int64(0), int64(0), int64(0), int64(0), int64(-2_147_483_649), false)
	f.Fuzz(func(t *testing.T, a, b, c, blank, null, ballots, voters, other int64, same bool) {
		tab := MustTabulator(t, tabulate.DefaultRules(), fixtureElection(), fixtureStations())
		witness := numbers{votes: []int64{a, b, c}, blank: blank, null: null, ballots: ballots, voters: voters}
		official := witness
		official.votes = []int64{a, b, c}
		if !same {
			official.votes[1] = other
		}
		ws := sub(1, actas.Witness, "1001", witness)
		valid := actas.CheckForm(&ws.Sheet, &fixtureElection().Contests[0]) == nil
		before := takeSnapshot(t, tab, "ve-2024")
		if err := tab.Add(ws); (err == nil) != valid {
			t.Fatalf("Add error = %v; sheet well-formed: %v", err, valid)
		}
		if !valid {
			sameSnapshot(t, before, takeSnapshot(t, tab, "ve-2024"))
			return
		}
		os := sub(2, actas.Official, "1001", official)
		officialValid := actas.CheckForm(&os.Sheet, &fixtureElection().Contests[0]) == nil
		if err := tab.Add(os); (err == nil) != officialValid {
			t.Fatalf("official Add error = %v; sheet well-formed: %v", err, officialValid)
		}
		check := func(view actas.Source, n numbers) {
			t.Helper()
			a, _ := MustArea(t, tab, "ve-2024", "", view, "Zulia")
			wantVoters, wantVS := n.voters, int64(1)
			if n.voters == actas.Unknown {
				wantVoters, wantVS = 0, 0
			}
			if !reflect.DeepEqual(a.Votes, n.votes) || a.Blank != n.blank || a.Null != n.null || a.Ballots != n.ballots ||
				a.Voters != wantVoters || a.VotersStations != wantVS || a.StationsCounted != 1 || a.RegisteredCounted != 500 {
				t.Fatalf("%s totals %+v for sheet %+v", view, a.Totals, n)
			}
		}
		check(actas.Witness, witness)
		check(actas.Reconciled, witness) // the witness wins any conflict with the official sheet
		if officialValid {
			check(actas.Official, official)
			st := MustStation(t, tab, "ve-2024", "", "1001")
			if agreed := same || other == b; (st.State == actas.StateAgreed) != agreed {
				t.Fatalf("state %s for sheets that agree: %v", st.State, agreed)
			}
		}
	})
}

// FuzzAreaPaths builds elections from fuzzed area paths: either the
// election is refused as invalid, or every station's area is found again
// by its path, with its parents.
func FuzzAreaPaths(f *testing.F) {
	for _, p := range [][2]string{
		{"Zulia/Maracaibo", "Zulia/Cabimas"}, {`TÁCHIRA/MP. L\/DIEGO`, "TÁCHIRA/MP. L"}, {`A\\B/C`, `A\\/B/C`},
		{"national/x", "a/b"}, {" a /b ", "a/b"}, {"a//b", "a/b"}, {"a/b/c", "a/b"}, {"", "a/b"}, {`a\`, "a/b"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, p1, p2 string) {
		e := fixtureElection()
		e.Levels = []string{"state", "municipality"}
		stations := []actas.Station{{Code: "1", Area: p1, Registered: 1}, {Code: "2", Area: p2, Registered: 2}}
		tab := tabulate.New(tabulate.DefaultRules())
		if err := tab.AddElection(e, stations); err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("AddElection error = %v, want invalid", err)
			}
			for _, p := range []string{p1, p2} {
				if names, err := actas.SplitPath(p); err != nil || len(names) != 2 || names[0] == actas.National {
					return
				}
			}
			t.Fatalf("valid paths %q, %q refused: %v", p1, p2, err)
		}
		var total int64
		for _, st := range stations {
			a, _ := MustArea(t, tab, "ve-2024", "", actas.Witness, st.Area)
			names, _ := actas.SplitPath(st.Area)
			if a.Path != st.Area || a.Name != names[1] || a.Level != "municipality" {
				t.Fatalf("area of station %s: %+v, want path %q named %q", st.Code, a, st.Area, names[1])
			}
			parent, children := MustArea(t, tab, "ve-2024", "", actas.Witness, actas.ParentPath(st.Area))
			if parent.Name != names[0] || parent.Level != "state" || !slices.ContainsFunc(children, func(c *actas.AreaResult) bool { return c.Path == st.Area }) {
				t.Fatalf("parent of %q: %+v with children %q", st.Area, parent, paths(children))
			}
			if got := MustStation(t, tab, "ve-2024", "", st.Code).Station.Area; got != st.Area {
				t.Fatalf("station %s in %q, want %q", st.Code, got, st.Area)
			}
			total += st.Registered
		}
		if nat, _ := MustArea(t, tab, "ve-2024", "", actas.Witness, ""); nat.Registered != total || nat.Stations != 2 {
			t.Fatalf("national: %+v", nat)
		}
	})
}

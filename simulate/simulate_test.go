package simulate_test

import (
	"encoding/json"
	"math"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/simulate"
)

func TestRunIsDeterministic(t *testing.T) {
	cfg := simulate.Config{Stations: 3000, Seed: 42, Fraud: []simulate.Fraud{{Model: simulate.Incremental}, {Model: simulate.LateTurnout}}}
	ds1, truth1 := MustRun(t, cfg)
	ds2, truth2 := MustRun(t, cfg)
	t.Run("same seed gives the same election", func(t *testing.T) {
		if !reflect.DeepEqual(ds1, ds2) {
			t.Fatal("two runs with one config gave different datasets")
		}
		if !reflect.DeepEqual(truth1, truth2) {
			t.Fatal("two runs with one config gave different truths")
		}
	})
	t.Run("the truth's config reproduces the run", func(t *testing.T) {
		b, err := json.Marshal(truth1.Config)
		if err != nil {
			t.Fatal(err)
		}
		var again simulate.Config
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatal(err)
		}
		ds3, truth3 := MustRun(t, again)
		if !reflect.DeepEqual(ds1, ds3) || !reflect.DeepEqual(truth1, truth3) {
			t.Fatal("running truth.json's config gave another election")
		}
	})
	t.Run("the number of processors does not matter", func(t *testing.T) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		ds3, truth3 := MustRun(t, cfg)
		if !reflect.DeepEqual(ds1, ds3) || !reflect.DeepEqual(truth1, truth3) {
			t.Fatal("one processor gave another election than several")
		}
	})
	t.Run("another seed gives another election", func(t *testing.T) {
		cfg.Seed = 43
		ds3, truth3 := MustRun(t, cfg)
		if reflect.DeepEqual(ds1.Stations, ds3.Stations) {
			t.Fatal("seeds 42 and 43 gave the same stations")
		}
		if reflect.DeepEqual(truth1.National, truth3.National) {
			t.Fatal("seeds 42 and 43 gave the same national result")
		}
		if ds1.Election.ID == ds3.Election.ID {
			t.Fatalf("seeds 42 and 43 share the election id %s", ds1.Election.ID)
		}
	})
}

// Analyses compare runs with and without fraud: the fraud must be the only
// difference.
func TestFraudLeavesTheTruthAlone(t *testing.T) {
	cfg := simulate.Config{Stations: 4000, Seed: 7}
	honest, honestTruth := MustRun(t, cfg)
	cfg.Fraud = []simulate.Fraud{{Model: simulate.Extreme, Fraction: 0.1}, {Model: simulate.Shift, Fraction: 0.3}}
	rigged, riggedTruth := MustRun(t, cfg)
	if !reflect.DeepEqual(honest.Stations, rigged.Stations) {
		t.Fatal("fraud changed the stations")
	}
	if !reflect.DeepEqual(honestTruth.National, riggedTruth.National) || !reflect.DeepEqual(honestTruth.States, riggedTruth.States) {
		t.Fatal("fraud changed the true result")
	}
	if !reflect.DeepEqual(sheetsOf(t, honest, actas.Witness), sheetsOf(t, rigged, actas.Witness)) {
		t.Fatal("fraud changed the witness sheets")
	}
	if len(riggedTruth.Falsified) == 0 || reflect.DeepEqual(honestTruth.Official, riggedTruth.Official) {
		t.Fatal("fraud changed no official figure")
	}
	for i := range honestTruth.Turnout {
		if honestTruth.Turnout[i].True != riggedTruth.Turnout[i].True {
			t.Fatalf("fraud changed the true turnout at %s", honestTruth.Turnout[i].Time)
		}
	}
	t.Run("nor does the station sample", func(t *testing.T) {
		cfg := simulate.Config{Stations: 4000, Seed: 7, StationSample: 50}
		sampled, _ := MustRun(t, cfg)
		if !reflect.DeepEqual(sheetsOf(t, honest, actas.Official), sheetsOf(t, sampled, actas.Official)) {
			t.Fatal("the station sample changed the sheets")
		}
	})
}

func TestTruthAddsUp(t *testing.T) {
	cfg := simulate.Config{Stations: 5000, Seed: 3, Levels: 5, Choices: 6,
		Fraud: []simulate.Fraud{{Model: simulate.Incremental}, {Model: simulate.Extreme}, {Model: simulate.Shift, Beneficiary: "a"}, {Model: simulate.LateTurnout}}}
	ds, truth := MustRun(t, cfg)
	stations := stationsBy(ds)
	official := sheetsOf(t, ds, actas.Official)
	witness := sheetsOf(t, ds, actas.Witness)
	truthSheets := trueSheets(t, ds, truth)
	falsified := falsifiedBy(truth)
	slipped := map[string]simulate.Slip{}
	for _, s := range truth.WitnessErrors {
		slipped[s.Station] = s
	}

	t.Run("true totals are the sum of the true sheets", func(t *testing.T) {
		var national sum
		states := map[string]*sum{}
		for code, sh := range truthSheets {
			st := stations[code]
			national.add(sh, st)
			top := actas.JoinPath(topName(t, st.Area))
			if states[top] == nil {
				states[top] = &sum{}
			}
			states[top].add(sh, st)
		}
		if d := national.differs(truth.National, truth.Choices); d != "" {
			t.Fatalf("national truth: %s", d)
		}
		if len(truth.States) != len(states) {
			t.Fatalf("%d true state tallies, %d states", len(truth.States), len(states))
		}
		for _, st := range truth.States {
			if d := states[st.Area].differs(st, truth.Choices); d != "" {
				t.Fatalf("truth of %s: %s", st.Area, d)
			}
		}
	})
	t.Run("official totals are the sum of the official sheets", func(t *testing.T) {
		var national sum
		for code, sh := range official {
			national.add(sh, stations[code])
		}
		if d := national.differs(truth.Official, truth.Choices); d != "" {
			t.Fatalf("official: %s", d)
		}
		announced := map[string]int64{}
		for _, tot := range ds.Totals {
			if tot.Contest != simulate.ContestID || tot.Bulletin != simulate.Bulletin {
				t.Fatalf("total %+v: want contest %s, bulletin %s", tot, simulate.ContestID, simulate.Bulletin)
			}
			announced[tot.Area+"|"+tot.Choice] = tot.Votes
		}
		for i, id := range truth.Choices {
			if got := announced["|"+id]; got != national.votes[i] {
				t.Errorf("announced national %s = %d, sheets add up to %d", id, got, national.votes[i])
			}
		}
		for field, want := range map[string]int64{"ballots": national.ballots, "blank": national.blank, "null": national.null, "voters": national.voters, "registered": national.registered} {
			if got := announced["|"+field]; got != want {
				t.Errorf("announced national %s = %d, sheets add up to %d", field, got, want)
			}
		}
		for _, st := range truth.OfficialStates {
			if got := announced[st.Area+"|ballots"]; got != st.Ballots {
				t.Errorf("announced ballots of %s = %d, want %d", st.Area, got, st.Ballots)
			}
		}
		// Every choice, blank, null, ballots, voters and registered: the
		// simulated bulletin states each choice, so it need not state valid.
		if want := (1 + len(truth.States)) * (len(truth.Choices) + 5); len(ds.Totals) != want {
			t.Errorf("%d totals, want %d (national and states, every figure)", len(ds.Totals), want)
		}
	})
	t.Run("official sheets are true where not falsified", func(t *testing.T) {
		for code, sh := range official {
			_, rigged := falsified[code]
			if equal := sh.Equal(truthSheets[code]); equal == rigged {
				t.Fatalf("station %s: official equals truth = %v, but listed as falsified = %v", code, equal, rigged)
			}
		}
	})
	t.Run("witness sheets are true but for the listed slips", func(t *testing.T) {
		if len(witness) != truth.WitnessStations {
			t.Fatalf("%d witness sheets, truth says %d", len(witness), truth.WitnessStations)
		}
		for code, sh := range witness {
			slip, slipped := slipped[code]
			if !slipped {
				if !sh.Equal(truthSheets[code]) {
					t.Fatalf("witness sheet of %s differs from the truth without a listed slip", code)
				}
				continue
			}
			restored := *sh
			restored.Votes = slices.Clone(sh.Votes)
			field := fieldOf(&restored, truth.Choices, slip.Field)
			if *field != slip.Stated {
				t.Fatalf("slip %+v: the sheet states %d", slip, *field)
			}
			*field = slip.True
			if !restored.Equal(truthSheets[code]) {
				t.Fatalf("slip %+v: the sheet differs from the truth elsewhere too", slip)
			}
		}
	})
	t.Run("falsified sheets add up", func(t *testing.T) {
		for _, f := range truth.Falsified {
			sh := official[f.Station]
			if sh.Valid()+sh.Blank+sh.Null != sh.Ballots {
				t.Fatalf("falsified sheet of %s (%s) does not add up", f.Station, f.Model)
			}
			if truthSheets[f.Station].Voters == truthSheets[f.Station].Ballots && sh.Voters != sh.Ballots {
				t.Fatalf("falsified sheet of %s (%s): voters %d ≠ ballots %d", f.Station, f.Model, sh.Voters, sh.Ballots)
			}
		}
	})
	t.Run("truth survives JSON", func(t *testing.T) {
		b, err := json.Marshal(truth)
		if err != nil {
			t.Fatal(err)
		}
		var back simulate.Truth
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&back, truth) {
			t.Fatal("truth.json does not read back to the same truth")
		}
		for _, key := range []string{`"seed":3`, `"falsified":[`, `"witness_stations":`, `"official_states":`, `"shares":`} {
			if !strings.Contains(string(b), key) {
				t.Errorf("truth.json lacks %s", key)
			}
		}
	})
}

func fieldOf(s *actas.Sheet, ids []string, field string) *int64 {
	switch field {
	case "blank":
		return &s.Blank
	case "null":
		return &s.Null
	case "ballots":
		return &s.Ballots
	}
	return &s.Votes[slices.Index(ids, field)]
}

func TestFraudModels(t *testing.T) {
	const stations = 6000
	for _, tc := range []struct {
		model    string
		fraction float64
		// claim checks one falsified station; true and official are its
		// sheets, b the beneficiary, o the main opponent.
		claim func(t *testing.T, f *simulate.Falsification, st *actas.Station, tr, off *actas.Sheet, b, o int)
	}{
		{simulate.Incremental, 0.3, func(t *testing.T, f *simulate.Falsification, st *actas.Station, tr, off *actas.Sheet, b, o int) {
			if turnout(off, st) < turnout(tr, st) || share(off, b) <= share(tr, b) {
				t.Fatalf("%s: turnout %.3f → %.3f, beneficiary's share %.3f → %.3f; want both to rise", f.Station,
					turnout(tr, st), turnout(off, st), share(tr, b), share(off, b))
			}
			for j, d := range f.Votes {
				if (j == b && d <= 0) || (j != b && d > 0) {
					t.Fatalf("%s: vote changes %v; only the beneficiary may gain", f.Station, f.Votes)
				}
			}
		}},
		{simulate.Extreme, 0.05, func(t *testing.T, f *simulate.Falsification, st *actas.Station, tr, off *actas.Sheet, b, o int) {
			if turnout(off, st) <= 0.95 || share(off, b) <= 0.95 {
				t.Fatalf("%s: turnout %.3f, beneficiary's share %.3f; want both above 0.95", f.Station, turnout(off, st), share(off, b))
			}
		}},
		{simulate.Shift, 0.2, func(t *testing.T, f *simulate.Falsification, st *actas.Station, tr, off *actas.Sheet, b, o int) {
			if f.Ballots != 0 || f.Voters != 0 || f.Blank != 0 || f.Null != 0 {
				t.Fatalf("%s: shift changed ballots, voters, blank or null: %+v", f.Station, f)
			}
			for j, d := range f.Votes {
				if (j == b && d <= 0) || (j == o && d != -f.Votes[b]) || (j != b && j != o && d != 0) {
					t.Fatalf("%s: vote changes %v; want votes moved from the main opponent to the beneficiary only", f.Station, f.Votes)
				}
			}
		}},
		{simulate.LateTurnout, 0.15, func(t *testing.T, f *simulate.Falsification, st *actas.Station, tr, off *actas.Sheet, b, o int) {
			if f.Late <= 0 || f.Ballots != f.Late || f.Voters != f.Late || f.Votes[b] != f.Late {
				t.Fatalf("%s: %+v; want Late ballots and voters added for the beneficiary", f.Station, f)
			}
			if off.Ballots > st.Registered {
				t.Fatalf("%s: %d ballots for %d registered", f.Station, off.Ballots, st.Registered)
			}
		}},
	} {
		t.Run(tc.model, func(t *testing.T) {
			ds, truth := MustRun(t, simulate.Config{Stations: stations, Seed: 11, StationSample: stations,
				Fraud: []simulate.Fraud{{Model: tc.model, Fraction: tc.fraction}}})
			stationOf := stationsBy(ds)
			official := sheetsOf(t, ds, actas.Official)
			truthSheets := trueSheets(t, ds, truth)
			b, o := slices.Index(truth.Choices, "b"), slices.Index(truth.Choices, "a")
			want := tc.fraction * stations
			if n := float64(len(truth.Falsified)); math.Abs(n-want) > 0.15*want {
				t.Errorf("%d stations falsified, want about %.0f", len(truth.Falsified), want)
			}
			for i := range truth.Falsified {
				f := &truth.Falsified[i]
				if f.Model != tc.model || f.Beneficiary != "b" {
					t.Fatalf("%s: model %s for %s, want %s for b", f.Station, f.Model, f.Beneficiary, tc.model)
				}
				tc.claim(t, f, stationOf[f.Station], truthSheets[f.Station], official[f.Station], b, o)
			}
			if truth.Official.Shares["b"] <= truth.National.Shares["b"] {
				t.Errorf("official share of b %.4f is not above its true share %.4f", truth.Official.Shares["b"], truth.National.Shares["b"])
			}
			if tc.model == simulate.LateTurnout {
				checkLateSurge(t, ds, truth)
			}
		})
	}
}

// checkLateSurge: late ballots show in the official snapshots in the half
// hour before closing only, and beyond capacity in stations that had the
// non-voters for it, which most have.
func checkLateSurge(t *testing.T, ds *actas.Dataset, truth *simulate.Truth) {
	var late int64
	for _, f := range truth.Falsified {
		late += f.Late
	}
	for _, p := range truth.Turnout {
		m, _ := actas.ParseClock(p.Time)
		if extra := p.Official - p.True; (m <= 17*60+30 && extra != 0) || (m >= 18*60 && extra != late) {
			t.Fatalf("at %s official turnout exceeds the true one by %d; want 0 until 17:30 and %d from 18:00", p.Time, extra, late)
		}
	}
	series := stationSeries(ds)
	falsified := falsifiedBy(truth)
	stationOf := stationsBy(ds)
	beyond := 0
	for code, f := range falsified {
		capacity := capacity(stationOf[code], 30)
		surge := series[code][18*60] - series[code][17*60+30]
		if f.Late > capacity && surge <= capacity {
			t.Fatalf("%s: %d late ballots, but snapshots show %d voters from 17:30 to 18:00", code, f.Late, surge)
		}
		if surge > capacity {
			beyond++
		}
	}
	if beyond < len(falsified)/2 {
		t.Fatalf("only %d of %d late-turnout stations show more voters before closing than their machines could take", beyond, len(falsified))
	}
}

// capacity is how many voters a station's machines take in so many minutes.
func capacity(st *actas.Station, minutes int64) int64 {
	return st.Machines * minutes * 60 / actas.DefaultSecondsPerVoter
}

// snapshotTimes are the times of every snapshot series, in minutes.
var snapshotTimes = []int{7 * 60, 8 * 60, 9 * 60, 10 * 60, 11 * 60, 12 * 60, 13 * 60, 14 * 60, 15 * 60, 16 * 60, 17 * 60, 17*60 + 30, 18 * 60, 19 * 60}

// stationSeries returns each sampled station's cumulative voters by minute.
func stationSeries(ds *actas.Dataset) map[string]map[int]int64 {
	m := map[string]map[int]int64{}
	for _, sn := range ds.Snapshots {
		if !sn.Station {
			continue
		}
		if m[sn.Scope] == nil {
			m[sn.Scope] = map[int]int64{}
		}
		m[sn.Scope][sn.Time] = sn.Voters
	}
	return m
}

func TestWitnessCoverage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		uniform bool
		// the least and most difference in coverage between the stations
		// where the observers' side is strongest and weakest (top and
		// bottom fifth by its true share)
		least, most float64
	}{
		{"biased towards the observers' strongholds", false, 0.15, 1},
		{"uniform when asked", true, -0.04, 0.04},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, truth := MustRun(t, simulate.Config{Stations: 20000, Seed: 5, UniformWitnesses: tc.uniform})
			if cov := float64(truth.WitnessStations) / float64(truth.Stations); math.Abs(cov-simulate.DefaultWitnessCoverage) > 0.02 {
				t.Fatalf("coverage %.3f, want about %.2f", cov, simulate.DefaultWitnessCoverage)
			}
			witness := sheetsOf(t, ds, actas.Witness)
			type station struct {
				share   float64
				covered bool
			}
			var all []station
			for code, sh := range trueSheets(t, ds, truth) {
				all = append(all, station{share(sh, 0), witness[code] != nil})
			}
			sort.Slice(all, func(i, j int) bool { return all[i].share < all[j].share })
			coverage := func(part []station) float64 {
				n := 0
				for _, s := range part {
					if s.covered {
						n++
					}
				}
				return float64(n) / float64(len(part))
			}
			fifth := len(all) / 5
			weak, strong := coverage(all[:fifth]), coverage(all[len(all)-fifth:])
			if d := strong - weak; d < tc.least || d > tc.most {
				t.Fatalf("coverage %.3f where the observers' side is weakest, %.3f where strongest: difference %.3f, want %.2f to %.2f",
					weak, strong, d, tc.least, tc.most)
			}
		})
	}
	t.Run("none when negative", func(t *testing.T) {
		ds, truth := MustRun(t, simulate.Config{Stations: 500, Seed: 1, WitnessCoverage: -1})
		if n := len(sheetsOf(t, ds, actas.Witness)); n != 0 || truth.WitnessStations != 0 {
			t.Fatalf("%d witness sheets, want none", n)
		}
	})
	t.Run("everywhere at full coverage", func(t *testing.T) {
		_, truth := MustRun(t, simulate.Config{Stations: 500, Seed: 1, WitnessCoverage: 1})
		if truth.WitnessStations != 500 {
			t.Fatalf("%d witness sheets, want 500", truth.WitnessStations)
		}
	})
}

func TestWitnessSlipsBreakTheSheet(t *testing.T) {
	ds, truth := MustRun(t, simulate.Config{Stations: 10000, Seed: 9, WitnessErrors: 0.02})
	witness := sheetsOf(t, ds, actas.Witness)
	stationOf := stationsBy(ds)
	want := 0.02 * float64(truth.WitnessStations)
	if n := float64(len(truth.WitnessErrors)); math.Abs(n-want) > 4*math.Sqrt(want) {
		t.Fatalf("%d slips, want about %.0f", len(truth.WitnessErrors), want)
	}
	for _, s := range truth.WitnessErrors {
		if s.True == s.Stated || s.Stated < 0 {
			t.Fatalf("slip %+v: want a different, non-negative count", s)
		}
		if f := actas.Check(witness[s.Station], stationOf[s.Station], 0); f&actas.FlagSumMismatch == 0 {
			t.Fatalf("slip %+v: the sheet still adds up (flags %v)", s, f)
		}
	}
	t.Run("none when negative", func(t *testing.T) {
		_, truth := MustRun(t, simulate.Config{Stations: 10000, Seed: 9, WitnessErrors: -1})
		if len(truth.WitnessErrors) != 0 {
			t.Fatalf("%d slips, want none", len(truth.WitnessErrors))
		}
	})
}

func TestElectionsAreWellFormed(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  simulate.Config
	}{
		{"demo size", simulate.Config{Stations: 30000, Seed: 1}},
		{"five levels, twelve choices", simulate.Config{Stations: 8000, Seed: 2, Levels: 5, Choices: 12}},
		{"three levels, two choices", simulate.Config{Stations: 3000, Seed: 3, Levels: 3, Choices: 2}},
		{"two levels", simulate.Config{Stations: 500, Seed: 4, Levels: 2}},
		{"one station", simulate.Config{Stations: 1, Seed: 5}},
		{"a handful of stations, five levels", simulate.Config{Stations: 7, Seed: 6, Levels: 5}},
		{"every fraud at once", simulate.Config{Stations: 5000, Seed: 7, Fraud: []simulate.Fraud{
			{Model: simulate.Incremental, Fraction: 0.4}, {Model: simulate.Extreme, Fraction: 0.2},
			{Model: simulate.Shift, Fraction: 0.2}, {Model: simulate.LateTurnout, Fraction: 0.2}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, truth := MustRun(t, tc.cfg)
			e := ds.Election
			if err := e.Validate(); err != nil {
				t.Fatalf("election does not validate: %v", err)
			}
			c, err := e.Contest("")
			if err != nil {
				t.Fatal(err)
			}
			levels := tc.cfg.Levels
			if levels == 0 {
				levels = simulate.DefaultLevels
			}
			if len(e.Levels) != levels || e.Levels[len(e.Levels)-1] != "center" || e.SecondsPerVoter != 0 || e.Open != "06:00" || e.Close != "18:00" {
				t.Fatalf("election %+v: want %d levels ending in center, 06:00 to 18:00, seconds per voter unset", e, levels)
			}
			if len(ds.Stations) != tc.cfg.Stations || truth.Stations != tc.cfg.Stations {
				t.Fatalf("%d stations, want %d", len(ds.Stations), tc.cfg.Stations)
			}
			codes := map[string]bool{}
			centerOf := map[string]string{} // area path → center code
			for _, st := range ds.Stations {
				if codes[st.Code] {
					t.Fatalf("station code %s appears twice", st.Code)
				}
				codes[st.Code] = true
				center, _, _ := strings.Cut(st.Code, "-")
				if c, ok := centerOf[st.Area]; ok && c != center {
					t.Fatalf("centers %s and %s share the path %q: sibling names must differ", c, center, st.Area)
				}
				centerOf[st.Area] = center
				names, err := actas.SplitPath(st.Area)
				if err != nil || len(names) != levels {
					t.Fatalf("station %s: area %q splits into %q (%v), want %d names", st.Code, st.Area, names, err, levels)
				}
				if st.Registered < 100 || st.Registered > 900 || st.Machines < 1 || st.Machines > 2 {
					t.Fatalf("station %+v: want 100-900 registered, 1-2 machines", st)
				}
			}
			official := 0
			for _, sub := range ds.Sheets {
				if err := actas.CheckForm(&sub.Sheet, c); err != nil {
					t.Fatalf("%s sheet: %v", sub.Source, err)
				}
				if !codes[sub.Sheet.Station] || sub.Sheet.Contest != c.ID || sub.Evidence != nil {
					t.Fatalf("%s sheet of %q for contest %q: unknown station or contest, or evidence set", sub.Source, sub.Sheet.Station, sub.Sheet.Contest)
				}
				switch sub.Source {
				case actas.Official:
					official++
				case actas.Witness:
				default:
					t.Fatalf("sheet from source %s", sub.Source)
				}
			}
			if official != tc.cfg.Stations {
				t.Fatalf("%d official sheets for %d stations", official, tc.cfg.Stations)
			}
			checkSnapshots(t, ds, truth)
		})
	}
}

// checkSnapshots: official snapshots are bounded in number, cumulative,
// consistent between levels, and end at the official voters.
func checkSnapshots(t *testing.T, ds *actas.Dataset, truth *simulate.Truth) {
	t.Helper()
	official := sheetsOf(t, ds, actas.Official)
	states := map[string]bool{}
	for _, s := range truth.States {
		states[s.Area] = true
	}
	sample := min(simulate.DefaultStationSample, len(ds.Stations))
	if want := (1 + len(states) + sample) * len(snapshotTimes); len(ds.Snapshots) != want {
		t.Fatalf("%d snapshots, want %d: %d times for the nation, %d states and %d stations", len(ds.Snapshots), want, len(snapshotTimes), len(states), sample)
	}
	last := map[string]actas.Snapshot{}
	byTime := map[int]int64{} // states summed
	national := map[int]int64{}
	for _, sn := range ds.Snapshots {
		if sn.Source != actas.Official {
			t.Fatalf("snapshot %+v: want source official", sn)
		}
		switch {
		case sn.Station:
			if official[sn.Scope] == nil {
				t.Fatalf("snapshot of unknown station %q", sn.Scope)
			}
		case sn.Scope == "":
			national[sn.Time] = sn.Voters
		case states[sn.Scope]:
			byTime[sn.Time] += sn.Voters
		default:
			t.Fatalf("snapshot of unknown scope %q", sn.Scope)
		}
		if prev, ok := last[sn.Scope]; ok && (sn.Time <= prev.Time || sn.Voters < prev.Voters) {
			t.Fatalf("snapshots of %q go from %+v to %+v", sn.Scope, prev, sn)
		}
		last[sn.Scope] = sn
	}
	for m, v := range national {
		if byTime[m] != v {
			t.Fatalf("at %s states add up to %d voters, the nation has %d", actas.FormatClock(m), byTime[m], v)
		}
	}
	for scope, sn := range last {
		want := truth.Official.Voters
		if sn.Station {
			want = official[scope].Voters
		} else if scope != "" {
			continue
		}
		if sn.Time != 19*60 || sn.Voters != want {
			t.Fatalf("last snapshot of %q: %d voters at %s, want %d at 19:00", scope, sn.Voters, actas.FormatClock(sn.Time), want)
		}
	}
}

func TestHonestStationsStayWithinCapacity(t *testing.T) {
	ds, _ := MustRun(t, simulate.Config{Stations: 5000, Seed: 8, StationSample: 5000})
	stationOf := stationsBy(ds)
	for code, series := range stationSeries(ds) {
		prev, from := int64(0), 6*60
		for _, m := range snapshotTimes {
			if d, c := series[m]-prev, capacity(stationOf[code], int64(m-from)); 3*d > 2*c {
				t.Fatalf("honest station %s: %d voters from %s to %s; its machines take %d", code, d, actas.FormatClock(from), actas.FormatClock(m), c)
			}
			prev, from = series[m], m
		}
	}
}

func TestDistributionsArePlausible(t *testing.T) {
	ds, truth := MustRun(t, simulate.Config{Stations: 30000, Seed: 12})
	t.Run("national turnout and shares are the configured ones", func(t *testing.T) {
		if got := truth.National.Turnout; math.Abs(got-simulate.DefaultTurnout) > 0.01 {
			t.Errorf("turnout %.4f, want %.2f", got, simulate.DefaultTurnout)
		}
		for i, id := range truth.Choices {
			if got, want := truth.National.Shares[id], truth.Config.Shares[i]; math.Abs(got-want) > 0.01 {
				t.Errorf("share of %s %.4f, want %.4f", id, got, want)
			}
		}
		if a, b := truth.National.Shares["a"], truth.National.Shares["b"]; a <= b || a-b > 0.15 {
			t.Errorf("a %.3f, b %.3f: want a close race that a leads", a, b)
		}
		invalid := float64(truth.National.Blank+truth.National.Null) / float64(truth.National.Ballots)
		if invalid < 0.01 || invalid > 0.06 {
			t.Errorf("blank and null are %.3f of ballots, want a few percent", invalid)
		}
	})
	t.Run("both sides have strongholds", func(t *testing.T) {
		aWins, bWins := 0, 0
		for _, s := range truth.States {
			if s.Shares["a"] > s.Shares["b"] {
				aWins++
			} else {
				bWins++
			}
		}
		if aWins == 0 || bWins == 0 {
			t.Errorf("a leads in %d states, b in %d: want strongholds on both sides", aWins, bWins)
		}
	})
	t.Run("station sizes", func(t *testing.T) {
		regs := make([]int64, len(ds.Stations))
		for i, st := range ds.Stations {
			regs[i] = st.Registered
		}
		slices.Sort(regs)
		if med := regs[len(regs)/2]; med < 250 || med > 650 {
			t.Errorf("median registered %d, want 250-650", med)
		}
		if regs[len(regs)/10] > 250 || regs[9*len(regs)/10] < 550 {
			t.Errorf("registered deciles %d and %d: want a wide spread", regs[len(regs)/10], regs[9*len(regs)/10])
		}
	})
	t.Run("uneven geography", func(t *testing.T) {
		centers := map[string]int{}
		for _, st := range ds.Stations {
			centers[st.Area]++
		}
		perCenter := float64(len(ds.Stations)) / float64(len(centers))
		if perCenter < 1.5 || perCenter > 4 {
			t.Errorf("%.2f stations per center, want 1.5-4", perCenter)
		}
		var sizes []int64
		for _, s := range truth.States {
			sizes = append(sizes, s.Stations)
		}
		slices.Sort(sizes)
		if len(sizes) < 15 || len(sizes) > 40 {
			t.Errorf("%d states, want 15-40", len(sizes))
		}
		if sizes[len(sizes)-1] < 3*sizes[len(sizes)/2] {
			t.Errorf("state sizes %v: want a few big states", sizes)
		}
	})
	t.Run("names look real and exercise escaping", func(t *testing.T) {
		accents, slashes := 0, 0
		for _, st := range ds.Stations {
			if strings.Contains(st.Area, `\/`) {
				slashes++
			}
			if utf8.RuneCountInString(st.Area) != len(st.Area) {
				accents++
			}
		}
		if accents < len(ds.Stations)/4 || slashes == 0 {
			t.Errorf("%d areas with accents, %d with an escaped '/': want many and some", accents, slashes)
		}
		if !strings.Contains(ds.Election.Name, "simulada") {
			t.Errorf("election name %q must say it is simulated", ds.Election.Name)
		}
	})
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  simulate.Config
		want string // in the message
	}{
		{"negative stations", simulate.Config{Stations: -1}, "stations"},
		{"one level", simulate.Config{Levels: 1}, "levels"},
		{"six levels", simulate.Config{Levels: 6}, "levels"},
		{"one choice", simulate.Config{Choices: 1}, "choices"},
		{"too many choices", simulate.Config{Choices: simulate.MaxChoices + 1}, "choices"},
		{"shares for other choices", simulate.Config{Choices: 3, Shares: []float64{0.5, 0.5}}, "shares"},
		{"a negative share", simulate.Config{Shares: []float64{0.6, -0.1, 0.5}}, "share of b"},
		{"turnout above one", simulate.Config{Turnout: 1.2}, "turnout"},
		{"coverage above one", simulate.Config{WitnessCoverage: 1.5}, "coverage"},
		{"negative witness bias", simulate.Config{WitnessBias: -1}, "bias"},
		{"sample beyond the stations", simulate.Config{Stations: 10, StationSample: 11}, "sample"},
		{"unknown incumbent", simulate.Config{Incumbent: "z"}, "incumbent"},
		{"bad id", simulate.Config{ID: "Sim 1"}, "id"},
		{"unknown fraud model", simulate.Config{Fraud: []simulate.Fraud{{Model: "magic"}}}, "incremental, extreme, shift, late-turnout"},
		{"fraud for a missing choice", simulate.Config{Choices: 2, Fraud: []simulate.Fraud{{Model: simulate.Shift, Beneficiary: "c"}}}, "beneficiary"},
		{"frauds covering more than every station", simulate.Config{Fraud: []simulate.Fraud{{Model: simulate.Shift, Fraction: 0.7}, {Model: simulate.Extreme, Fraction: 0.7}}}, "at most 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := simulate.Run(tc.cfg)
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(actas.ErrorMessage(err), tc.want) {
				t.Fatalf("Run: %v; want an invalid error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestParseFraud(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want simulate.Fraud
	}{
		{"incremental", simulate.Fraud{Model: simulate.Incremental, Fraction: 0.3}},
		{"extreme:0.05", simulate.Fraud{Model: simulate.Extreme, Fraction: 0.05}},
		{"shift:0.1:a", simulate.Fraud{Model: simulate.Shift, Fraction: 0.1, Beneficiary: "a"}},
		{"late-turnout:20%", simulate.Fraud{Model: simulate.LateTurnout, Fraction: 0.2}},
		{" Extreme : 1 ", simulate.Fraud{Model: simulate.Extreme, Fraction: 1}},
		{"shift::c", simulate.Fraud{Model: simulate.Shift, Fraction: 0.2, Beneficiary: "c"}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := simulate.ParseFraud(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseFraud(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			back, err := simulate.ParseFraud(got.String())
			if err != nil || back != got {
				t.Fatalf("ParseFraud(%q) = %+v, %v; want %+v", got.String(), back, err, got)
			}
		})
	}
	for _, bad := range []string{"", "magic", "extreme:0", "extreme:1.5", "extreme:-0.1", "extreme:abc", "extreme:NaN", "shift:0.1:B", "shift:0.1:a:b"} {
		t.Run("rejects "+bad, func(t *testing.T) {
			_, err := simulate.ParseFraud(bad)
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("ParseFraud(%q) error = %v, want invalid", bad, err)
			}
			if strings.HasPrefix(bad, "magic") && !strings.Contains(err.Error(), "incremental, extreme, shift, late-turnout") {
				t.Fatalf("error %q does not list the models", err)
			}
		})
	}
}

func FuzzParseFraud(f *testing.F) {
	for _, s := range []string{"incremental", "extreme:0.05", "shift:0.1:b", "late-turnout:20%", "x:y:z:w", "shift:1e-300", ":", "extreme:+Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fr, err := simulate.ParseFraud(s)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("ParseFraud(%q) error %v is not invalid", s, err)
			}
			return
		}
		if !(fr.Fraction > 0 && fr.Fraction <= 1) {
			t.Fatalf("ParseFraud(%q) = %+v: fraction out of (0, 1]", s, fr)
		}
		back, err := simulate.ParseFraud(fr.String())
		if err != nil || back != fr {
			t.Fatalf("ParseFraud(%q) = %+v, %v; want %+v", fr.String(), back, err, fr)
		}
	})
}

func TestConfiguredSharesAndTurnout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		shares  []float64
		turnout float64
	}{
		{"a landslide for b", []float64{3, 6, 1}, 0.45},
		{"a dead heat of two", []float64{0.5, 0.5}, 0.8},
		{"twelve candidates", []float64{30, 28, 10, 8, 6, 5, 4, 3, 2, 2, 1, 1}, 0.66},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, truth := MustRun(t, simulate.Config{Stations: 20000, Seed: 4, Shares: tc.shares, Turnout: tc.turnout})
			sum := 0.0
			for _, s := range tc.shares {
				sum += s
			}
			for i, id := range truth.Choices {
				if got, want := truth.National.Shares[id], tc.shares[i]/sum; math.Abs(got-want) > 0.01 {
					t.Errorf("share of %s %.4f, want %.4f", id, got, want)
				}
			}
			if got := truth.National.Turnout; math.Abs(got-tc.turnout) > 0.01 {
				t.Errorf("turnout %.4f, want %.2f", got, tc.turnout)
			}
		})
	}
}

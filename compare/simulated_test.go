package compare_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/simulate"
)

// MustSimulatedBound simulates an election, and bounds its official
// bulletin of area ("" for national) with the witness sheets as counted.
func MustSimulatedBound(tb testing.TB, cfg simulate.Config, area string, opts compare.BoundOptions) *compare.BoundReport {
	tb.Helper()
	ds, _, tab := MustSimulate(tb, cfg)
	p := MustPanel(tb, tab, ds, actas.Witness)
	o := MustFind(tb, actas.Bulletins(&ds.Election.Contests[0], ds.Totals), area)
	r, err := compare.Bound(p, o, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// Simulated elections with a known truth: an honest official result must
// be plausible whatever the witnesses covered; one falsified by moving
// votes must not be.
func TestBoundSimulated(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5}
	if testing.Short() {
		seeds = seeds[:2]
	}
	for _, tc := range []struct {
		name  string
		cfg   simulate.Config
		level string
		want  []compare.Verdict
	}{
		{"honest result, witnesses where the observers' side is strong",
			simulate.Config{Stations: 10000}, "", []compare.Verdict{compare.Plausible}},
		{"honest result, half the stations witnessed at random",
			simulate.Config{Stations: 10000, WitnessCoverage: 0.5, UniformWitnesses: true}, "", []compare.Verdict{compare.Plausible}},
		{"honest result, strata by parish",
			simulate.Config{Stations: 10000}, "parish", []compare.Verdict{compare.Plausible}},
		// Detection needs high coverage: see the method note's table, from
		// TestBoundRates (40 of 40 seeds for each case below).
		{"a fifth of the stations shifted, nineteen in twenty witnessed",
			simulate.Config{Stations: 10000, WitnessCoverage: 0.95, Fraud: MustFraud(t, "shift:0.2")}, "", []compare.Verdict{compare.Implausible, compare.Impossible}},
		{"three in ten stations shifted, nine in ten witnessed",
			simulate.Config{Stations: 10000, WitnessCoverage: 0.9, Fraud: MustFraud(t, "shift:0.3")}, "", []compare.Verdict{compare.Impossible}},
		{"three in ten stations stuffed, nine in ten witnessed",
			simulate.Config{Stations: 10000, WitnessCoverage: 0.9, Fraud: MustFraud(t, "incremental:0.3")}, "", []compare.Verdict{compare.Implausible}},
	} {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("%s/seed %d", tc.name, seed), func(t *testing.T) {
				cfg := tc.cfg
				cfg.Seed = seed
				r := MustSimulatedBound(t, cfg, "", compare.BoundOptions{Level: tc.level})
				ok := false
				for _, v := range tc.want {
					ok = ok || r.Verdict == v
				}
				if !ok {
					t.Errorf("verdict %s, want one of %v: %s", r.Verdict, tc.want, r.Summary)
				}
			})
		}
	}
}

// Each state's official total of an honest election is plausible against
// that state's witness sheets.
func TestBoundSimulatedStates(t *testing.T) {
	ds, _, tab := MustSimulate(t, simulate.Config{Stations: 10000, Seed: 7})
	p := MustPanel(t, tab, ds, actas.Witness)
	bulletins := actas.Bulletins(&ds.Election.Contests[0], ds.Totals)
	plausible := 0
	for _, o := range bulletins {
		r, err := compare.Bound(p, o, compare.BoundOptions{Level: "municipality"})
		if err != nil {
			t.Fatal(err)
		}
		switch r.Verdict {
		case compare.Plausible:
			plausible++
		case compare.Undetermined: // a small state: too few counted stations
		default:
			t.Errorf("%s: verdict %s: %s", actas.DisplayPath(o.Area), r.Verdict, r.Summary)
		}
	}
	if plausible < len(bulletins)*3/4 {
		t.Errorf("%d of %d bulletins plausible: most areas have enough counted stations to compare", plausible, len(bulletins))
	}
	t.Logf("%d of %d bulletins (national and per state) plausible, the rest undetermined", plausible, len(bulletins))
}

// TestBoundRates measures how often each verdict comes out over many
// seeded elections of 10,000 stations: the figures of the method note. It
// runs only when ACTAS_VALIDATION names the number of seeds (e.g. 40).
func TestBoundRates(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("ACTAS_VALIDATION"))
	if runs <= 0 {
		t.Skip("set ACTAS_VALIDATION=N to run N seeds per configuration")
	}
	type config struct {
		name string
		cfg  simulate.Config
	}
	var configs []config
	for _, cov := range []float64{0.5, 0.8, 0.9} {
		configs = append(configs,
			config{fmt.Sprintf("honest, coverage %.2f biased", cov), simulate.Config{WitnessCoverage: cov}},
			config{fmt.Sprintf("honest, coverage %.2f uniform", cov), simulate.Config{WitnessCoverage: cov, UniformWitnesses: true}})
	}
	for _, cov := range []float64{0.8, 0.9, 0.95} {
		for _, f := range []string{"shift:0.1", "shift:0.2", "shift:0.3", "incremental:0.3", "extreme:0.03", "late-turnout:0.1"} {
			configs = append(configs, config{fmt.Sprintf("%s, coverage %.2f biased", f, cov), simulate.Config{WitnessCoverage: cov, Fraud: MustFraud(t, f)}})
		}
	}
	t.Logf("| election | strata | impossible | implausible | plausible | undetermined |")
	for _, c := range configs {
		for _, level := range []string{"state", "parish"} {
			counts := map[compare.Verdict]int{}
			for seed := 1; seed <= runs; seed++ {
				cfg := c.cfg
				cfg.Stations, cfg.Seed = 10000, uint64(seed)
				counts[MustSimulatedBound(t, cfg, "", compare.BoundOptions{Level: level}).Verdict]++
			}
			var parts []string
			for _, v := range []compare.Verdict{compare.Impossible, compare.Implausible, compare.Plausible, compare.Undetermined} {
				parts = append(parts, strconv.Itoa(counts[v]))
			}
			t.Logf("| %s | %s | %s |", c.name, level, strings.Join(parts, " | "))
		}
	}
}

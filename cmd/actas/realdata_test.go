package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/realdata"
	"github.com/actasproject/actas/sqlite"
)

// testdata is the repository's copy of the real elections (see its README).
func testdata(parts ...string) string { return realdata.Path(parts...) }

// The figures are those of testdata/README.md.
func TestRealElections(t *testing.T) {
	for _, tc := range []struct {
		name, format string
		path         []string
		contest      string
		stations     int64
		registered   int64
		valid        int64
		null         int64 // -1: not stated by the README
		votes        map[string]int64
		shareOf      string  // a choice whose share of ballots is checked
		share        float64 // its share of all ballots, as the README states it
		note         string  // printed by the import
	}{
		{name: "Venezuela 2024 witness tally sheets", format: "ve-2024-actas", path: []string{"ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv"},
			stations: 24532, registered: 17745239, valid: 10659128, null: 1139,
			votes: map[string]int64{"eg": 7156462, "nm": 3241461}},
		{name: "Russia 2011 Duma", format: "ru-cik", path: []string{"ru-2011-duma", "2011.csv.zip"},
			stations: 95225, registered: 109229337, valid: 64615252, null: 1033438, votes: map[string]int64{"er": 32371737}},
		{name: "Russia 2012 President", format: "ru-cik", path: []string{"ru-2012-president", "2012.csv.zip"},
			stations: 95415, registered: 109860331, valid: 70864974, null: 836691, votes: map[string]int64{"putin": 45602075}},
		{name: "Mexico 2018 quick count", format: "mx-quickcount", path: []string{"mx-2018-quickcount"},
			stations: 6307, registered: -1, valid: -1, null: -1, shareOf: "amlo", share: 0.5307},
		{name: "Delaware 2016", format: "openelections", path: []string{"us-de-2016", "20161108__de__general__precinct.csv"},
			contest: "president", stations: -1, registered: -1, valid: -1, null: -1,
			votes: map[string]int64{"clinton-h": 235603}, note: "skipped 97 rows labelled Total"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "real.db")
			out := MustRun(t, "import", "--db", db, "--format", tc.format, testdata(tc.path...))
			if tc.note != "" && !strings.Contains(out, tc.note) {
				t.Errorf("import output lacks %q:\n%s", tc.note, out)
			}
			args := []string{"--db", db}
			if tc.contest != "" {
				args = append(args, "--contest", tc.contest)
			}
			n := MustResults(t, args...).Areas[0]
			if tc.stations >= 0 && n.StationsCounted != tc.stations {
				t.Errorf("stations counted %d, want %d", n.StationsCounted, tc.stations)
			}
			if tc.registered >= 0 && n.RegisteredCounted != tc.registered {
				t.Errorf("registered %d, want %d", n.RegisteredCounted, tc.registered)
			}
			if tc.valid >= 0 && n.Valid != tc.valid {
				t.Errorf("valid %d, want %d", n.Valid, tc.valid)
			}
			if tc.null >= 0 && n.Null != tc.null {
				t.Errorf("null %d, want %d", n.Null, tc.null)
			}
			for c, v := range tc.votes {
				if n.Votes[c] != v {
					t.Errorf("votes for %s %d, want %d", c, n.Votes[c], v)
				}
			}
			if tc.shareOf != "" {
				if s := float64(n.Votes[tc.shareOf]) / float64(n.Ballots); math.Abs(s-tc.share) > 0.00005 {
					t.Errorf("%s has %.4f of ballots, want %.4f", tc.shareOf, s, tc.share)
				}
			}
			again := MustRun(t, "import", "--db", db, "--format", tc.format, testdata(tc.path...))
			if !strings.Contains(again, "nothing changed") {
				t.Errorf("second import of the same file: %s", again)
			}
		})
	}
}

// The walk-through of the README: the witness sheets beside CNE's bulletin.
func TestVenezuelaBulletin(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ve.db")
	MustRun(t, "import", "--db", db, "--format", "ve-2024-actas", testdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv"))
	out := MustRun(t, "import", "--db", db, "--kind", "totals", testdata("ve-2024-actas", "cne-bulletin-2.csv"))
	if !strings.Contains(out, "14 new") || !strings.Contains(out, "bulletin cne-bulletin-2") {
		t.Fatalf("totals import said %q", out)
	}
	n := national(t, db, actas.Reconciled)
	// The sheets alone give González more votes than CNE announced for him.
	if n.Votes["eg"]-5326104 != 1830358 {
		t.Fatalf("González: sheets %d, CNE 5,326,104: difference %d, want 1,830,358", n.Votes["eg"], n.Votes["eg"]-5326104)
	}
}

// A bulletin's time and claimed coverage are kept with its totals, and
// flags that cannot be read are refused before anything is stored.
func TestBulletinTimeAndCoverage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ve.db")
	MustRun(t, "import", "--db", db, "--format", "ve-2024-actas", testdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv"))
	bulletin := testdata("ve-2024-actas", "cne-bulletin-2.csv")
	for _, tc := range []struct {
		name    string
		args    []string
		mention string
	}{
		{"a time that is not one", []string{"--announced", "friday night"}, `--announced "friday night" is not a time`},
		{"a coverage above all stations", []string{"--coverage", "120%"}, "--coverage"},
		{"a coverage of nothing", []string{"--coverage", "0"}, "--coverage"},
		{"bulletin flags on sheets", []string{"--kind", "sheets", "--coverage", "50%"}, "apply with --kind totals"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			args := append([]string{"import", "--db", db, "--kind", "totals"}, tc.args...)
			r := runActas(t, append(args, bulletin)...)
			if r.err == nil || !strings.Contains(r.stderr, tc.mention) {
				t.Fatalf("import %v: err %v, stderr %q; want it to mention %q", tc.args, r.err, r.stderr, tc.mention)
			}
		})
	}
	MustRun(t, "import", "--db", db, "--kind", "totals", "--announced", "2024-08-02 17:30", "--coverage", "96.87%", bulletin)
	store, err := sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	totals, err := store.Totals(t.Context(), "ve-2024")
	if err != nil || len(totals) != 14 {
		t.Fatalf("Totals: %d, %v; want the bulletin's 14", len(totals), err)
	}
	// 17:30 in Caracas (UTC−4) is 21:30 UTC.
	want := time.Date(2024, 8, 2, 21, 30, 0, 0, time.UTC)
	for _, tot := range totals {
		if !tot.Announced.Equal(want) || tot.CoveragePPM != 968700 {
			t.Fatalf("total %s: announced %v, coverage %d; want %v and 968700", tot.Choice, tot.Announced, tot.CoveragePPM, want)
		}
	}
}

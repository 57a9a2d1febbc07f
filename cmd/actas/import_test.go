package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// csvTable reads a whole CSV file with encoding/csv: the tests recount the
// files independently of sheetio.
func csvTable(tb testing.TB, path string) (header []string, rows [][]string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return all[0], all[1:]
}

func num(tb testing.TB, s string) int64 {
	tb.Helper()
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		tb.Fatalf("count %q: %v", s, err)
	}
	return n
}

// recount is an independent tabulation of sheets files: per area path,
// per source, the sums a user would compute in a spreadsheet.
type recount struct {
	levels   []string
	choices  []string
	area     map[string][]string // station -> area names, top first
	reg      map[string]int64
	sheets   map[actas.Source]map[string][]int64 // station -> choices..., blank, null, ballots
	stations []string
}

func newRecount(tb testing.TB, dir string) *recount {
	tb.Helper()
	var e struct {
		Levels   []string
		Contests []struct{ Choices []struct{ ID string } }
	}
	b, err := os.ReadFile(filepath.Join(dir, "election.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, &e); err != nil {
		tb.Fatal(err)
	}
	rc := &recount{levels: e.Levels, area: map[string][]string{}, reg: map[string]int64{}, sheets: map[actas.Source]map[string][]int64{}}
	for _, c := range e.Contests[0].Choices {
		rc.choices = append(rc.choices, c.ID)
	}
	h, rows := csvTable(tb, filepath.Join(dir, "stations.csv"))
	col := func(h []string, name string) int {
		i := slices.Index(h, name)
		if i < 0 {
			tb.Fatalf("no column %s in %v", name, h)
		}
		return i
	}
	for _, r := range rows {
		code := r[col(h, "station")]
		var names []string
		for _, l := range e.Levels {
			names = append(names, r[col(h, l)])
		}
		rc.stations = append(rc.stations, code)
		rc.area[code] = names
		rc.reg[code] = num(tb, r[col(h, "registered")])
	}
	for src, file := range map[actas.Source]string{actas.Witness: "witness.csv", actas.Official: "official.csv"} {
		h, rows := csvTable(tb, filepath.Join(dir, file))
		m := map[string][]int64{}
		for _, r := range rows {
			var v []int64
			for _, c := range append(slices.Clone(rc.choices), "blank", "null", "ballots") {
				v = append(v, num(tb, r[col(h, c)]))
			}
			m[r[col(h, "station")]] = v
		}
		rc.sheets[src] = m
	}
	return rc
}

// sheet returns the station's sheet in a view: a source's, or the
// reconciled one (the witness sheet where there is one: witnesses outrank
// the official publication).
func (rc *recount) sheet(view actas.Source, code string) ([]int64, bool) {
	if view == actas.Reconciled {
		if v, ok := rc.sheets[actas.Witness][code]; ok {
			return v, true
		}
		view = actas.Official
	}
	v, ok := rc.sheets[view][code]
	return v, ok
}

// expected sums the view over every area of one level (depth names; 0 is
// national).
func (rc *recount) expected(view actas.Source, depth int) map[string]*actas.AreaDocument {
	out := map[string]*actas.AreaDocument{}
	for _, code := range rc.stations {
		path := actas.National
		if depth > 0 {
			path = actas.JoinPath(rc.area[code][:depth]...)
		}
		a := out[path]
		if a == nil {
			a = &actas.AreaDocument{Area: path, Votes: map[string]int64{}}
			out[path] = a
		}
		a.Stations++
		a.Registered += rc.reg[code]
		v, ok := rc.sheet(view, code)
		if !ok {
			continue
		}
		a.StationsCounted++
		a.RegisteredCounted += rc.reg[code]
		for i, c := range rc.choices {
			a.Votes[c] += v[i]
		}
		k := len(rc.choices)
		a.Blank += v[k]
		a.Null += v[k+1]
		a.Ballots += v[k+2]
	}
	return out
}

func TestResultsEqualIndependentSums(t *testing.T) {
	// An election no file in the repository holds: five levels, six choices,
	// falsified official sheets.
	dir, db := MustSimulated(t, "--stations", "3000", "--seed", "20261123", "--levels", "5", "--choices", "6",
		"--fraud", "extreme:0.02", "--fraud", "shift:0.1")
	rc := newRecount(t, dir)
	levels := append([]string{actas.National}, rc.levels...)
	for _, view := range []actas.Source{actas.Witness, actas.Official, actas.Reconciled} {
		for depth, level := range levels {
			t.Run(string(view)+" by "+level, func(t *testing.T) {
				doc := MustResults(t, "--db", db, "--source", string(view), "--level", level)
				want := rc.expected(view, depth)
				if len(doc.Areas) != len(want) {
					t.Fatalf("%d areas, want %d", len(doc.Areas), len(want))
				}
				for _, got := range doc.Areas {
					w := want[got.Area]
					if w == nil {
						t.Fatalf("area %q is not in the files", got.Area)
					}
					gotN := []int64{got.Stations, got.StationsCounted, got.Registered, got.RegisteredCounted, got.Ballots, got.Blank, got.Null}
					wantN := []int64{w.Stations, w.StationsCounted, w.Registered, w.RegisteredCounted, w.Ballots, w.Blank, w.Null}
					if !slices.Equal(gotN, wantN) {
						t.Errorf("%s: stations, counted, registered, registered counted, ballots, blank, null = %v, want %v", got.Area, gotN, wantN)
					}
					for _, c := range rc.choices {
						if got.Votes[c] != w.Votes[c] {
							t.Errorf("%s: votes for %s = %d, want %d", got.Area, c, got.Votes[c], w.Votes[c])
						}
					}
				}
			})
		}
	}

	t.Run("an area alone", func(t *testing.T) {
		states := MustResults(t, "--db", db, "--level", rc.levels[0])
		s := states.Areas[len(states.Areas)-1]
		doc := MustResults(t, "--db", db, "--area", s.Area)
		if len(doc.Areas) != 1 || doc.Areas[0].Area != s.Area || doc.Areas[0].Ballots != s.Ballots || doc.Level != rc.levels[0] {
			t.Fatalf("--area %s gave %+v, want that state alone", s.Area, doc.Areas)
		}
		csvOut := MustRun(t, "results", "--db", db, "--area", s.Area, "--format", "csv")
		rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][0] != s.Area {
			t.Fatalf("CSV for one area: %v, %q", err, csvOut)
		}
		table := MustRun(t, "results", "--db", db, "--area", s.Area)
		if !strings.Contains(table, s.Area) || !strings.Contains(table, "turnout") {
			t.Fatalf("table output lacks the area or its columns:\n%s", table)
		}
	})
}

package simulate_test

import (
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/simulate"
)

// MustRun simulates cfg or fails the test.
func MustRun(tb testing.TB, cfg simulate.Config) (*actas.Dataset, *simulate.Truth) {
	tb.Helper()
	ds, truth, err := simulate.Run(cfg)
	if err != nil {
		tb.Fatalf("Run(%+v): %v", cfg, err)
	}
	return ds, truth
}

// sheetsOf returns the dataset's sheets of one source by station code,
// failing on a station with two sheets of that source.
func sheetsOf(tb testing.TB, ds *actas.Dataset, source actas.Source) map[string]*actas.Sheet {
	tb.Helper()
	m := make(map[string]*actas.Sheet)
	for _, sub := range ds.Sheets {
		if sub.Source != source {
			continue
		}
		if _, dup := m[sub.Sheet.Station]; dup {
			tb.Fatalf("station %s has two %s sheets", sub.Sheet.Station, source)
		}
		m[sub.Sheet.Station] = &sub.Sheet
	}
	return m
}

// trueSheets returns every station's true sheet: the official one with its
// falsification undone.
func trueSheets(tb testing.TB, ds *actas.Dataset, truth *simulate.Truth) map[string]*actas.Sheet {
	tb.Helper()
	official := sheetsOf(tb, ds, actas.Official)
	for i := range truth.Falsified {
		f := &truth.Falsified[i]
		s, ok := official[f.Station]
		if !ok {
			tb.Fatalf("falsified station %s has no official sheet", f.Station)
		}
		t := f.Undo(s)
		official[f.Station] = &t
	}
	return official
}

func falsifiedBy(truth *simulate.Truth) map[string]*simulate.Falsification {
	m := make(map[string]*simulate.Falsification, len(truth.Falsified))
	for i := range truth.Falsified {
		m[truth.Falsified[i].Station] = &truth.Falsified[i]
	}
	return m
}

func stationsBy(ds *actas.Dataset) map[string]*actas.Station {
	m := make(map[string]*actas.Station, len(ds.Stations))
	for i := range ds.Stations {
		m[ds.Stations[i].Code] = &ds.Stations[i]
	}
	return m
}

// turnout is ballots over registered.
func turnout(s *actas.Sheet, st *actas.Station) float64 {
	return float64(s.Ballots) / float64(st.Registered)
}

// share is choice i's share of valid votes (0 without valid votes).
func share(s *actas.Sheet, i int) float64 {
	v := s.Valid()
	if v == 0 {
		return 0
	}
	return float64(s.Votes[i]) / float64(v)
}

// sum tallies sheets as a simulate.Tally does.
type sum struct {
	stations, registered, ballots, blank, null, voters int64
	votes                                              []int64
}

func (s *sum) add(sh *actas.Sheet, st *actas.Station) {
	if s.votes == nil {
		s.votes = make([]int64, len(sh.Votes))
	}
	s.stations++
	s.registered += st.Registered
	s.ballots += sh.Ballots
	s.blank += sh.Blank
	s.null += sh.Null
	s.voters += sh.Voters
	for i, v := range sh.Votes {
		s.votes[i] += v
	}
}

// differs reports how a Tally differs from the sum, or "".
func (s *sum) differs(t simulate.Tally, ids []string) string {
	if t.Stations != s.stations || t.Registered != s.registered || t.Ballots != s.ballots ||
		t.Blank != s.blank || t.Null != s.null || t.Voters != s.voters {
		return "counts differ"
	}
	var valid int64
	for i, id := range ids {
		if t.Votes[id] != s.votes[i] {
			return "votes for " + id + " differ"
		}
		valid += s.votes[i]
	}
	if t.Valid != valid {
		return "valid differs"
	}
	return ""
}

// topName returns the first name of an area path.
func topName(tb testing.TB, path string) string {
	tb.Helper()
	names, err := actas.SplitPath(path)
	if err != nil || len(names) == 0 {
		tb.Fatalf("SplitPath(%q) = %q, %v", path, names, err)
	}
	return names[0]
}

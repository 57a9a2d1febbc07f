package storetest

import (
	"cmp"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

// MustAddTotals adds totals and fails tb unless the report is want.
func MustAddTotals(tb testing.TB, s actas.Store, election string, want actas.Report, totals ...actas.OfficialTotal) {
	tb.Helper()
	got, err := s.AddTotals(tb.Context(), election, totals)
	wantReport(tb, "AddTotals", got, err, want)
}

// wantTotals fails tb unless the store's current totals are want, each
// with a log index (which the log's tests check).
func wantTotals(tb testing.TB, s actas.Store, election string, want ...actas.OfficialTotal) {
	tb.Helper()
	got, err := s.Totals(tb.Context(), election)
	for i := range got {
		if got[i].Index <= 0 {
			tb.Fatalf("Totals: %+v has no log index", got[i])
		}
		got[i].Index = 0
	}
	want = slices.Clone(want)
	for i := range want {
		want[i].Index = 0
	}
	wantList(tb, "Totals", got, err, want)
}

// wantReport fails tb unless the Add method named what reported want; totals
// and snapshots are added alike.
func wantReport(tb testing.TB, what string, got actas.Report, err error, want actas.Report) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	if got != want {
		tb.Fatalf("%s: %v, want %v", what, got, want)
	}
}

// wantList fails tb unless the list method named what returned want, nil
// and empty alike; totals and snapshots are listed alike.
func wantList[T any](tb testing.TB, what string, got []T, err error, want []T) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("%s =\n%+v\nwant\n%+v", what, got, want)
	}
}

func report(n, p, d int) actas.Report { return actas.Report{New: n, Present: p, Differing: d} }

func testTotals(t *testing.T, b Backend) {
	const e = "ve-2024"
	total := func(area, choice string, votes int64) actas.OfficialTotal {
		return actas.OfficialTotal{Contest: "president", Bulletin: "bulletin-1", Area: area, Choice: choice, Votes: votes}
	}

	t.Run("a total is new, then already present, then differing and current", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustAddTotals(t, s, e, report(1, 0, 0), total("", "a", 100))
		wantTotals(t, s, e, total("", "a", 100))
		MustAddTotals(t, s, e, report(0, 1, 0), total("", "a", 100))
		wantTotals(t, s, e, total("", "a", 100))
		MustAddTotals(t, s, e, report(0, 0, 1), total("", "a", 120))
		wantTotals(t, s, e, total("", "a", 120))
	})

	t.Run("stating an earlier value again changes nothing", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustAddTotals(t, s, e, report(1, 0, 0), total("", "a", 100))
		MustAddTotals(t, s, e, report(0, 0, 1), total("", "a", 120))
		MustAddTotals(t, s, e, report(0, 1, 0), total("", "a", 100))
		wantTotals(t, s, e, total("", "a", 120))
	})

	t.Run("the same key twice in one batch", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustAddTotals(t, s, e, report(1, 1, 0), total("", "a", 100), total("", "a", 100))
		MustAddTotals(t, s, e, report(1, 0, 1), total("", "b", 200), total("", "b", 210))
		wantTotals(t, s, e, total("", "a", 100), total("", "b", 210))
	})

	t.Run("bulletins are kept side by side", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		second := total("", "a", 150)
		second.Bulletin = "bulletin-2"
		MustAddTotals(t, s, e, report(2, 0, 0), total("", "a", 100), second)
		wantTotals(t, s, e, total("", "a", 100), second)
	})

	t.Run("a bulletin's time and claimed coverage are kept, logged and part of a total's value", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		plain := total("", "a", 100)
		dated := plain
		dated.Announced = time.Date(2024, 8, 2, 17, 30, 0, 0, time.FixedZone("VET", -4*3600))
		dated.CoveragePPM = 968700
		stored := dated
		stored.Announced = time.Date(2024, 8, 2, 21, 30, 0, 0, time.UTC) // kept in UTC
		MustAddTotals(t, s, e, report(1, 0, 0), dated)
		wantTotals(t, s, e, stored)
		MustAddTotals(t, s, e, report(0, 1, 0), stored)
		l := MustLog(t, s, e)
		last := l.Parsed[l.Size-1]
		if last.Total == nil || !last.Total.Announced.Equal(stored.Announced) || last.Total.CoveragePPM != 968700 {
			t.Fatalf("the total's log entry states %+v, want its bulletin's time and coverage", last.Total)
		}
		// The same votes without them are another statement of the total.
		MustAddTotals(t, s, e, report(0, 0, 1), plain)
		wantTotals(t, s, e, plain)
	})

	t.Run("the national area may be named national or left empty", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustAddTotals(t, s, e, report(1, 0, 0), total(actas.National, "a", 100))
		MustAddTotals(t, s, e, report(0, 1, 0), total("", "a", 100))
		wantTotals(t, s, e, total("", "a", 100))
	})

	t.Run("totals at every level and for every figure, in order", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		ref := func(area, choice string, votes int64) actas.OfficialTotal {
			return actas.OfficialTotal{Contest: "referendum", Bulletin: "final", Area: area, Choice: choice, Votes: votes}
		}
		in := []actas.OfficialTotal{
			ref("", "yes", 7), ref("", "no", 3),
			total(Chiquinquira, "a", 10), total(Urdaneta, "c", 1), total("Zulia", "b", 20),
			total(actas.JoinPath("Zulia", "Maracaibo"), "a", 15), total("", "blank", 4), total("", "null", 5),
			total("", "ballots", 300), total("", "voters", 301), total("", "registered", 900),
		}
		MustAddTotals(t, s, e, report(len(in), 0, 0), in...)
		want := slices.Clone(in)
		slices.SortFunc(want, func(x, y actas.OfficialTotal) int {
			return cmp.Or(cmp.Compare(x.Contest, y.Contest), cmp.Compare(x.Bulletin, y.Bulletin),
				cmp.Compare(x.Area, y.Area), cmp.Compare(x.Choice, y.Choice))
		})
		wantTotals(t, s, e, want...)
	})

	for _, tc := range []struct {
		name string
		bad  actas.OfficialTotal
	}{
		{"an unknown contest", actas.OfficialTotal{Contest: "senate", Bulletin: "bulletin-1", Choice: "a", Votes: 1}},
		{"an unknown area", total(actas.JoinPath("Zulia", "Nowhere"), "a", 1)},
		{"a station code for an area", total("001", "a", 1)},
		{"a malformed area path", total("Zulia//Maracaibo", "a", 1)},
		{"an unknown choice", total("", "d", 1)},
		{"a choice of another contest", total("", "yes", 1)},
		{"a claimed coverage above every station", func() actas.OfficialTotal {
			t := total("", "a", 1)
			t.CoveragePPM = 1_000_001
			return t
		}()},
		{"a negative claimed coverage", func() actas.OfficialTotal {
			t := total("", "a", 1)
			t.CoveragePPM = -1
			return t
		}()},
	} {
		t.Run("a batch with "+tc.name+" stores nothing", func(t *testing.T) {
			s := MustOpenWithElection(t, b, e)
			_, err := s.AddTotals(t.Context(), e, []actas.OfficialTotal{total("", "a", 100), tc.bad, total("", "b", 50)})
			wantCode(t, "AddTotals", err, actas.EINVALID)
			wantTotals(t, s, e)
			MustAddTotals(t, s, e, report(2, 0, 0), total("", "a", 100), total("", "b", 50))
		})
	}
}

// MustAddSnapshots adds snapshots and fails tb unless the report is want.
func MustAddSnapshots(tb testing.TB, s actas.Store, election string, want actas.Report, snaps ...actas.Snapshot) {
	tb.Helper()
	got, err := s.AddSnapshots(tb.Context(), election, snaps)
	wantReport(tb, "AddSnapshots", got, err, want)
}

// wantSnapshots fails tb unless the store's current snapshots are want,
// each with a log index (which the log's tests check).
func wantSnapshots(tb testing.TB, s actas.Store, election string, want ...actas.Snapshot) {
	tb.Helper()
	got, err := s.Snapshots(tb.Context(), election)
	for i := range got {
		if got[i].Index <= 0 {
			tb.Fatalf("Snapshots: %+v has no log index", got[i])
		}
		got[i].Index = 0
	}
	want = slices.Clone(want)
	for i := range want {
		want[i].Index = 0
	}
	wantList(tb, "Snapshots", got, err, want)
}

func testSnapshots(t *testing.T, b Backend) {
	const e = "ve-2024"
	station := func(code string, time int, voters int64) actas.Snapshot {
		return actas.Snapshot{Scope: code, Station: true, Time: time, Voters: voters, Source: actas.Witness}
	}
	area := func(path string, time int, voters int64) actas.Snapshot {
		return actas.Snapshot{Scope: path, Time: time, Voters: voters, Source: actas.Official}
	}

	t.Run("a snapshot is new, then already present, then differing and current", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustAddSnapshots(t, s, e, report(1, 0, 0), station("001", 600, 50))
		MustAddSnapshots(t, s, e, report(0, 1, 0), station("001", 600, 50))
		wantSnapshots(t, s, e, station("001", 600, 50))
		MustAddSnapshots(t, s, e, report(0, 0, 1), station("001", 600, 60))
		wantSnapshots(t, s, e, station("001", 600, 60))
		MustAddSnapshots(t, s, e, report(0, 1, 0), station("001", 600, 50))
		wantSnapshots(t, s, e, station("001", 600, 60))
	})

	t.Run("the same key twice in one batch", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustAddSnapshots(t, s, e, report(2, 1, 1), station("002", 600, 5), station("002", 600, 5), area("", 600, 7), area("", 600, 8))
		wantSnapshots(t, s, e, area("", 600, 8), station("002", 600, 5))
	})

	t.Run("stations, areas and the nation, in order", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		otherSource := station("001", 540, 12)
		otherSource.Source = actas.Official
		in := []actas.Snapshot{
			station("001", 600, 40), station("001", 540, 10), otherSource, station("P12", 1440, 300),
			area(Chiquinquira, 600, 90), area("Zulia", 720, 400), area("", 600, 1000), area(Urdaneta, 0, 0),
		}
		MustAddSnapshots(t, s, e, report(len(in), 0, 0), in...)
		want := slices.Clone(in)
		slices.SortFunc(want, func(x, y actas.Snapshot) int {
			bx, by := 0, 0
			if x.Station {
				bx = 1
			}
			if y.Station {
				by = 1
			}
			return cmp.Or(cmp.Compare(x.Scope, y.Scope), cmp.Compare(bx, by), cmp.Compare(x.Time, y.Time), cmp.Compare(x.Source, y.Source))
		})
		wantSnapshots(t, s, e, want...)
	})

	t.Run("a station and an area of the same name are different scopes", func(t *testing.T) {
		s, _ := MustOpen(t, b)
		// Station "Zulia" sits in the area "Zulia/Maracaibo/Bolívar".
		MustCreateElection(t, s, Election(e), append(Stations(), actas.Station{Code: "Zulia", Area: Bolivar}))
		MustAddSnapshots(t, s, e, report(2, 0, 0), station("Zulia", 540, 5), area("Zulia", 600, 500))
		wantSnapshots(t, s, e, area("Zulia", 600, 500), station("Zulia", 540, 5))
	})

	t.Run("the national area may be named national or left empty", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustAddSnapshots(t, s, e, report(1, 0, 0), area(actas.National, 600, 1000))
		MustAddSnapshots(t, s, e, report(0, 1, 0), area("", 600, 1000))
		wantSnapshots(t, s, e, area("", 600, 1000))
	})

	for _, tc := range []struct {
		name string
		bad  actas.Snapshot
	}{
		{"an unknown station", station("999", 600, 1)},
		{"an unknown area", area(actas.JoinPath("Zulia", "Nowhere"), 600, 1)},
		{"a station code given as an area", area("001", 600, 1)},
		{"an area path given as a station", actas.Snapshot{Scope: Chiquinquira, Station: true, Time: 600, Voters: 1, Source: actas.Witness}},
	} {
		t.Run("a batch with "+tc.name+" stores nothing", func(t *testing.T) {
			s := MustOpenWithElection(t, b, e)
			_, err := s.AddSnapshots(t.Context(), e, []actas.Snapshot{station("001", 600, 1), tc.bad, area("", 600, 1)})
			wantCode(t, "AddSnapshots", err, actas.EINVALID)
			wantSnapshots(t, s, e)
			MustAddSnapshots(t, s, e, report(2, 0, 0), station("001", 600, 1), area("", 600, 1))
		})
	}
}

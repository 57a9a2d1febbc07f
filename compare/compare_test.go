package compare_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/simulate"
)

// handComparison is twelve stations seen by a witness and by the official
// publication; Norte holds the even stations, Sur the odd ones.
func handComparison(tb testing.TB) (*actas.Panel, *actas.Panel) {
	tb.Helper()
	witness := func(i int) *actas.Sheet {
		s := handSheet(i)
		switch i {
		case 2:
			s.Votes[0] = 132 // 182 miscopied: the sheet no longer adds up
		case 7, 8:
			return nil
		case 9:
			s.Voters = s.Ballots
		}
		return &s
	}
	official := func(i int) *actas.Sheet {
		s := handSheet(i)
		switch i {
		case 1: // 30 votes moved from a to b
			s.Votes[0] -= 30
			s.Votes[1] += 30
		case 3: // 40 ballots stuffed for a
			s.Votes[0] += 40
			s.Ballots += 40
		case 4: // 10 more for each, ballots left alone
			s.Votes[0] += 10
			s.Votes[1] += 10
		case 5: // a slip in the official transcription
			s.Ballots += 1000
		case 6, 8:
			return nil
		case 9:
			s.Voters = s.Ballots + 3
		case 10: // 20 votes moved from a to b
			s.Votes[0] -= 20
			s.Votes[1] += 20
		}
		return &s
	}
	return MustHandPanels(tb, 12, actas.Witness, actas.Official, witness, official)
}

func TestCompareHand(t *testing.T) {
	w, o := handComparison(t)
	cmp, err := compare.Compare(w, o, compare.CompareOptions{Top: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("discrepancies ranked by votes at stake, slips last, ties by station code", func(t *testing.T) {
		type row struct {
			station, kind string
			stake         int64
		}
		want := []row{
			{"s001", compare.KindConsistent, 60}, {"s003", compare.KindConsistent, 40}, {"s010", compare.KindConsistent, 40},
			{"s004", compare.KindInconsistent, 20}, {"s009", compare.KindConsistent, 0},
			{"s002", compare.KindSlip, 50}, {"s005", compare.KindSlip, 0},
		}
		var got []row
		for i, d := range cmp.Discrepancies {
			got = append(got, row{d.Station, d.Kind, d.VotesAtStake})
			if d.Rank != i+1 {
				t.Errorf("%s has rank %d at position %d", d.Station, d.Rank, i+1)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("discrepancies\n got %v\nwant %v", got, want)
		}
	})
	t.Run("a vote moved between choices shows on both", func(t *testing.T) {
		d := cmp.Discrepancies[0]
		if d.Diff.Votes["a"] != -30 || d.Diff.Votes["b"] != 30 || d.Diff.Ballots != 0 || !d.A.AddsUp || !d.B.AddsUp {
			t.Errorf("s001: diff %+v, adds up %v/%v", d.Diff, d.A.AddsUp, d.B.AddsUp)
		}
		if d.A.Votes["a"] != 180+1 || d.B.Votes["a"] != 180+1-30 {
			t.Errorf("s001: witness a %d, official a %d", d.A.Votes["a"], d.B.Votes["a"])
		}
	})
	t.Run("a slip names its side and count", func(t *testing.T) {
		for _, c := range []struct {
			station, field string
			side           actas.Source
		}{{"s002", "a", actas.Witness}, {"s005", "ballots", actas.Official}} {
			i := slices.IndexFunc(cmp.Discrepancies, func(d *compare.Discrepancy) bool { return d.Station == c.station })
			d := cmp.Discrepancies[i]
			if d.SlipSide != c.side || d.SlipField != c.field {
				t.Errorf("%s: slip on %s in %s, want %s in %s", c.station, d.SlipSide, d.SlipField, c.side, c.field)
			}
		}
	})
	t.Run("voters differing alone is a discrepancy with nothing at stake", func(t *testing.T) {
		i := slices.IndexFunc(cmp.Discrepancies, func(d *compare.Discrepancy) bool { return d.Station == "s009" })
		if d := cmp.Discrepancies[i]; d.Diff.Voters == nil || *d.Diff.Voters != 3 {
			t.Errorf("s009: voters difference %v, want 3", d.Diff.Voters)
		}
	})
	t.Run("areas and national sum the differences", func(t *testing.T) {
		type sum struct {
			area                                              string
			compared, differing, slips, onlyA, onlyB, neither int64
			stake, netA, netB, netBallots                     int64
		}
		got := []sum{}
		for _, a := range append(slices.Clone(cmp.Areas), cmp.National) {
			got = append(got, sum{a.Area, a.Compared, a.Differing, a.Slips, a.OnlyA, a.OnlyB, a.Neither,
				a.VotesAtStake, a.Net.Votes["a"], a.Net.Votes["b"], a.Net.Ballots})
		}
		want := []sum{
			{"Norte", 4, 3, 1, 1, 0, 1, 110, 50 + 10 - 20, 10 + 20, 0},
			{"Sur", 5, 4, 1, 0, 1, 0, 100, -30 + 40, 30, 40 + 1000},
			{"national", 9, 7, 2, 1, 1, 1, 210, 40 + 10, 30 + 30, 1040},
		}
		if !slices.Equal(got, want) {
			t.Errorf("sums\n got %+v\nwant %+v", got, want)
		}
		if !slices.Equal(cmp.OnlyA, []string{"s006"}) || !slices.Equal(cmp.OnlyB, []string{"s007"}) {
			t.Errorf("only a %v, only b %v", cmp.OnlyA, cmp.OnlyB)
		}
	})
	t.Run("a short list keeps the first of the ranking", func(t *testing.T) {
		short, err := compare.Compare(w, o, compare.CompareOptions{Top: 3})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range short.Discrepancies {
			got = append(got, d.Station)
		}
		if !slices.Equal(got, []string{"s001", "s003", "s010"}) || short.National.Differing != 7 {
			t.Errorf("top 3 %v of %d, want s001 s003 s010 of 7", got, short.National.Differing)
		}
	})
	t.Run("national level lists no areas", func(t *testing.T) {
		nat, err := compare.Compare(w, o, compare.CompareOptions{Level: actas.National})
		if err != nil {
			t.Fatal(err)
		}
		if len(nat.Areas) != 0 || nat.National.Differing != 7 || nat.Level != actas.National {
			t.Errorf("areas %d, differing %d, level %s", len(nat.Areas), nat.National.Differing, nat.Level)
		}
	})
	t.Run("stations listed in another order are matched by code", func(t *testing.T) {
		r := *o
		r.Stations, r.Sheets, r.Flags = slices.Clone(o.Stations), slices.Clone(o.Sheets), slices.Clone(o.Flags)
		slices.Reverse(r.Stations)
		slices.Reverse(r.Sheets)
		slices.Reverse(r.Flags)
		again, err := compare.Compare(w, &r, compare.CompareOptions{Top: -1})
		if err != nil {
			t.Fatal(err)
		}
		if j1, j2 := mustJSON(t, cmp), mustJSON(t, again); j1 != j2 {
			t.Errorf("reordered panel gives another comparison:\n%s\n%s", j1, j2)
		}
	})
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestCompareErrors(t *testing.T) {
	w, o := handComparison(t)
	otherElection := *o
	e := *o.Election
	e.ID = "other"
	otherElection.Election = &e
	fewer := *o
	fewer.Stations, fewer.Sheets, fewer.Flags = o.Stations[:11], o.Sheets[:11], o.Flags[:11]
	renamed := *o
	renamed.Stations = slices.Clone(o.Stations)
	renamed.Stations[3].Code = "x003"
	short := *o
	short.Sheets = slices.Clone(o.Sheets)
	bad := *o.Sheets[0]
	bad.Votes = []int64{1}
	short.Sheets[0] = &bad
	for _, tc := range []struct {
		name string
		a, b *actas.Panel
		opts compare.CompareOptions
		msg  string
	}{
		{"panels of different elections", w, &otherElection, compare.CompareOptions{}, "same election"},
		{"panels of different station lists", w, &fewer, compare.CompareOptions{}, "12 and 11 stations"},
		{"a station missing from one panel", w, &renamed, compare.CompareOptions{}, "s003"},
		{"a sheet with the wrong number of votes", w, &short, compare.CompareOptions{}, "1 vote counts"},
		{"unknown level", w, o, compare.CompareOptions{Level: "parish"}, "state, municipality"},
		{"no panel", nil, o, compare.CompareOptions{}, "no panel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compare.Compare(tc.a, tc.b, tc.opts)
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want invalid mentioning %q", err, tc.msg)
			}
		})
	}
}

func TestComparePairs(t *testing.T) {
	ds := &actas.Dataset{Election: handElection(), Stations: handStations(6)}
	for _, src := range []actas.Source{actas.Official, actas.QR, actas.Witness} {
		for i := range 6 {
			s := handSheet(i)
			if src == actas.Official && i == 0 {
				s.Votes[0]++
				s.Ballots++
			}
			ds.Sheets = append(ds.Sheets, &actas.Submission{Source: src, Sheet: s})
		}
	}
	tab := MustTabulate(t, ds)
	var panels []*actas.Panel
	for _, src := range []actas.Source{actas.Official, actas.Audit, actas.Witness, actas.QR} {
		panels = append(panels, MustPanel(t, tab, ds, src)) // audit has no sheet
	}
	cmps, err := compare.ComparePairs(panels, compare.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cmps {
		got = append(got, fmt.Sprintf("%s-%s:%d", c.B, c.A, c.National.Differing))
	}
	if want := []string{"qr-witness:0", "official-witness:1", "official-qr:1"}; !slices.Equal(got, want) {
		t.Errorf("pairs %v, want %v", got, want)
	}
	if _, err := compare.ComparePairs([]*actas.Panel{panels[0], panels[0]}, compare.CompareOptions{}); actas.ErrorCode(err) != actas.EINVALID {
		t.Errorf("two panels of one source: error %v, want invalid", err)
	}
}

// The witnesses copy the true sheets with a few slips; the official sheets
// of some stations were falsified. Every falsified station a witness saw
// must rank above every slip, and every slip be recognised as one.
func TestCompareSimulatedFraud(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			ds, truth, tab := MustSimulate(t, simulate.Config{Stations: 4000, Seed: seed, WitnessErrors: 0.01,
				Fraud: MustFraud(t, "shift:0.05", "incremental:0.05", "extreme:0.01", "late-turnout:0.02")})
			w, o := MustPanel(t, tab, ds, actas.Witness), MustPanel(t, tab, ds, actas.Official)
			cmp, err := compare.Compare(w, o, compare.CompareOptions{Top: -1})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for i, st := range w.Stations {
				seen[st.Code] = w.Sheets[i] != nil
			}
			falsified := map[string]bool{}
			for _, f := range truth.Falsified {
				if seen[f.Station] {
					falsified[f.Station] = true
				}
			}
			slipped := map[string]simulate.Slip{}
			for _, s := range truth.WitnessErrors {
				slipped[s.Station] = s
			}
			if len(falsified) < 50 || len(slipped) < 10 {
				t.Fatalf("%d falsified stations with a witness, %d slips: the test needs more", len(falsified), len(slipped))
			}
			for r, d := range cmp.Discrepancies {
				switch {
				case r < len(falsified):
					if !falsified[d.Station] {
						t.Errorf("rank %d: %s (%s, %d at stake) was not falsified", r+1, d.Station, d.Kind, d.VotesAtStake)
					}
				default:
					s, ok := slipped[d.Station]
					if !ok || d.Kind != compare.KindSlip || d.SlipSide != actas.Witness || d.SlipField != s.Field {
						t.Errorf("rank %d: %s (%s on %s in %s): want a witness slip in %s", r+1, d.Station, d.Kind, d.SlipSide, d.SlipField, s.Field)
					}
				}
			}
			if want := len(falsified) + countNotIn(slipped, falsified); int(cmp.National.Differing) != want {
				t.Errorf("%d stations differ, want %d falsified + slipped", cmp.National.Differing, want)
			}
			t.Logf("%d falsified stations ranked first, then %d slips", len(falsified), int(cmp.National.Differing)-len(falsified))
		})
	}
}

func countNotIn[T any](m map[string]T, not map[string]bool) int {
	n := 0
	for k := range m {
		if !not[k] {
			n++
		}
	}
	return n
}

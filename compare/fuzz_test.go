package compare_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
)

// fuzzPanels builds two panels of the hand-made election from bytes: six
// bytes per station (registered, whether each side has a sheet, a, b, and
// how the second side differs). Sheets may fail to add up or exceed the
// registered voters: analyses must take any well-formed sheet.
func fuzzPanels(data []byte) (*actas.Panel, *actas.Panel) {
	e := handElection()
	c := &e.Contests[0]
	n := min(len(data)/6, 64)
	stations := handStations(n)
	pa := &actas.Panel{Election: e, Contest: c, Source: actas.Witness, Stations: stations, Sheets: make([]*actas.Sheet, n), Flags: make([]actas.Flags, n)}
	pb := &actas.Panel{Election: e, Contest: c, Source: actas.Official, Stations: stations, Sheets: make([]*actas.Sheet, n), Flags: make([]actas.Flags, n)}
	for i := range n {
		d := data[6*i : 6*i+6]
		stations[i].Registered = int64(d[0]) * 3 // 0: no list
		a, b := int64(d[2]), int64(d[3])
		s := &actas.Sheet{Station: stations[i].Code, Contest: c.ID, Votes: []int64{a, b}, Blank: int64(d[4] % 7), Null: int64(d[4] % 5), Voters: actas.Unknown}
		s.Ballots = a + b + s.Blank + s.Null + int64(d[5]%3) - 1
		if s.Ballots < 0 {
			s.Ballots = 0
		}
		if d[1]&1 != 0 {
			pa.Sheets[i] = s
		}
		if d[1]&2 != 0 {
			t := *s
			t.Votes = []int64{a + int64(d[5]%11), b}
			pb.Sheets[i] = &t
		}
	}
	return pa, pb
}

// FuzzBound runs Compare and Bound on arbitrary panels and bulletins: they
// must not fail on well-formed input, must keep their arithmetic, and must
// give JSON (no NaN or infinity may leak into a float).
func FuzzBound(f *testing.F) {
	f.Add([]byte("\x64\x03\x50\x40\x05\x01\xc8\x01\x60\x30\x02\x02\x10\x02\x00\x00\x00\x00"), int64(300), int64(200), int64(700), int64(1000), 0.0)
	f.Add([]byte("\x00\x01\x01\x01\x01\x01"), int64(-1), int64(5), int64(-1), int64(-1), 0.5)
	f.Add(make([]byte, 60), int64(0), int64(0), int64(0), int64(0), 0.97)
	f.Fuzz(func(t *testing.T, data []byte, a, b, ballots, registered int64, coverage float64) {
		pa, pb := fuzzPanels(data)
		if len(pa.Stations) == 0 {
			return
		}
		clamp := func(v int64) int64 { return max(-1, min(v, 1_000_000_000)) }
		o := bulletin(clamp(a), clamp(b), 0, actas.Unknown, clamp(ballots), clamp(registered))
		if coverage >= 0 && coverage <= 1 {
			o.Coverage = coverage
		}
		cmp, err := compare.Compare(pa, pb, compare.CompareOptions{Level: "municipality"})
		if err != nil {
			t.Fatal(err)
		}
		n := cmp.National
		if n.Compared+n.OnlyA+n.OnlyB+n.Neither != int64(len(pa.Stations)) || n.Differing > n.Compared {
			t.Fatalf("national counts do not add up: %+v", n)
		}
		for _, p := range []*actas.Panel{pa, pb} {
			r, err := compare.Bound(p, o, compare.BoundOptions{MinCounted: 2, MinStratum: 1})
			if err != nil {
				t.Fatal(err)
			}
			hard := false
			for _, x := range r.Reasons {
				hard = hard || (x.Code != compare.ReasonImplausibleShare && x.Code != compare.ReasonImplausibleTurnout)
			}
			if (r.Verdict == compare.Impossible) != hard {
				t.Fatalf("verdict %s with reasons %v", r.Verdict, reasonCodes(r))
			}
			for id, cb := range r.Choices {
				if cb.Required != cb.Official-cb.Counted {
					t.Fatalf("%s: required %d ≠ official %d − counted %d", id, cb.Required, cb.Official, cb.Counted)
				}
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("bound report is not JSON: %v", err)
			}
		}
		if _, err := json.Marshal(cmp); err != nil {
			t.Fatalf("comparison is not JSON: %v", err)
		}
		if _, err := compare.CompareBulletins(pa, []*actas.Bulletin{o}); err != nil {
			t.Fatal(fmt.Errorf("bulletins: %w", err))
		}
	})
}

package compare_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
)

// reasonCodes lists a report's reason codes with their choice, e.g.
// "negative-requirement:a".
func reasonCodes(r *compare.BoundReport) []string {
	out := []string{}
	for _, x := range r.Reasons {
		s := x.Code
		if x.Choice != "" {
			s += ":" + x.Choice
		}
		out = append(out, s)
	}
	return out
}

// The hand-made election has 60 stations; the first 40 are counted.
// C is what they hold, All what all 60 hold when the last 20 vote like
// them; U = All − C.
func TestBoundVerdicts(t *testing.T) {
	const n, counted = 60, 40
	C, All := handSum(0, counted), handSum(0, n)
	U := handTotals{All.a - C.a, All.b - C.b, All.blank - C.blank, All.null - C.null, All.ballots - C.ballots}
	const regAll, regC = n * handRegistered, counted * handRegistered
	honest := func() *actas.Bulletin { return bulletin(All.a, All.b, All.blank, All.null, All.ballots, regAll) }

	for _, tc := range []struct {
		name      string
		n, count  int
		edit      func(i int, s *actas.Sheet)
		bulletin  func() *actas.Bulletin
		opts      compare.BoundOptions
		verdict   compare.Verdict
		reasons   []string
		check     func(t *testing.T, r *compare.BoundReport)
		summaryIn string
	}{
		{name: "uncounted stations vote like the counted ones", bulletin: honest, verdict: compare.Plausible, reasons: []string{},
			check: func(t *testing.T, r *compare.BoundReport) {
				a := r.Choices["a"]
				if a.Counted != C.a || a.Official != All.a || a.Required != U.a {
					t.Errorf("a: counted %d official %d required %d, want %d %d %d", a.Counted, a.Official, a.Required, C.a, All.a, U.a)
				}
				if want := float64(U.a) / float64(U.ballots); a.RequiredShare == nil || math.Abs(*a.RequiredShare-want) > 1e-12 {
					t.Errorf("a: required share %v, want %v", a.RequiredShare, want)
				}
				if got := *r.Uncounted.Ballots; got != U.ballots {
					t.Errorf("uncounted ballots %d, want %d", got, U.ballots)
				}
				if got, want := *r.Uncounted.RequiredTurnout, float64(U.ballots)/float64(regAll-regC); math.Abs(got-want) > 1e-12 {
					t.Errorf("required turnout %v, want %v", got, want)
				}
				if a.Test == nil || a.Test.Extreme || a.Test.Stations != counted {
					t.Errorf("a: test %+v: want %d stations, not extreme", a.Test, counted)
				}
				// The uncounted stations are 20 ordinary ones: what the
				// counted stations predict for them is close to what they hold.
				if d := math.Abs(float64(*a.Expected-U.a)) / float64(U.a); d > 0.02 {
					t.Errorf("a: expected %d votes in U, which holds %d", *a.Expected, U.a)
				}
			}},
		{name: "official total of a choice below the counted sheets",
			bulletin: func() *actas.Bulletin { return bulletin(C.a-100, All.b, All.blank, All.null, All.ballots, regAll) },
			verdict:  compare.Impossible, reasons: []string{"negative-requirement:a"}, summaryIn: "100 below",
			check: func(t *testing.T, r *compare.BoundReport) {
				if got := r.Choices["a"].Required; got != -100 {
					t.Errorf("a requires %d, want -100", got)
				}
			}},
		{name: "official null ballots below the counted sheets",
			bulletin: func() *actas.Bulletin { return bulletin(All.a, All.b, All.blank, C.null-1, All.ballots, regAll) },
			verdict:  compare.Impossible, reasons: []string{"negative-requirement:null"}},
		{name: "official ballots below the counted ballots",
			bulletin: func() *actas.Bulletin { return bulletin(C.a, C.b, C.blank, C.null, C.ballots-10, regAll) },
			verdict:  compare.Impossible, reasons: []string{"negative-ballots"}},
		{name: "one choice needs more votes than the uncounted ballots",
			bulletin: func() *actas.Bulletin { return bulletin(C.a+U.ballots+50, C.b, C.blank, C.null, All.ballots, regAll) },
			verdict:  compare.Impossible, reasons: []string{"exceeds-ballots:a"},
			check: func(t *testing.T, r *compare.BoundReport) {
				x := r.Reasons[0]
				if *x.Required != U.ballots+50 || *x.Limit != U.ballots {
					t.Errorf("reason numbers %d > %d, want %d > %d", *x.Required, *x.Limit, U.ballots+50, U.ballots)
				}
			}},
		{name: "the choices together need more votes than the uncounted ballots",
			bulletin: func() *actas.Bulletin {
				six := U.ballots * 6 / 10
				return bulletin(C.a+six, C.b+six, C.blank, C.null, All.ballots, regAll)
			},
			verdict: compare.Impossible, reasons: []string{"sum-exceeds-ballots"}},
		{name: "official registered voters below those of the counted stations",
			bulletin: func() *actas.Bulletin { return bulletin(All.a, All.b, All.blank, All.null, All.ballots, regC-1) },
			verdict:  compare.Impossible, reasons: []string{"negative-registered"}},
		{name: "uncounted ballots exceed the uncounted registered voters",
			bulletin: func() *actas.Bulletin { return bulletin(All.a, All.b, All.blank, All.null, All.ballots, regC+5000) },
			verdict:  compare.Impossible, reasons: []string{"exceeds-registered"},
			check: func(t *testing.T, r *compare.BoundReport) {
				if x := r.Reasons[0]; *x.Required != U.ballots || *x.Limit != 5000 {
					t.Errorf("reason numbers %d > %d, want %d > 5000", *x.Required, *x.Limit, U.ballots)
				}
			}},
		{name: "every station is counted yet the bulletin adds votes", n: counted,
			bulletin: func() *actas.Bulletin { return bulletin(C.a+100, C.b, C.blank, C.null, C.ballots+100, actas.Unknown) },
			verdict:  compare.Impossible, reasons: []string{"exceeds-registered"}, summaryIn: "every station of the station list is counted"},
		{name: "uncounted stations would have to give one choice almost every vote",
			bulletin: func() *actas.Bulletin {
				return bulletin(C.a+U.ballots-U.blank-U.null-100, C.b+100, All.blank, All.null, All.ballots, regAll)
			},
			verdict: compare.Implausible, reasons: []string{"implausible-share:a", "implausible-share:b"},
			check: func(t *testing.T, r *compare.BoundReport) {
				a := r.Choices["a"].Test
				if a.Z == nil || *a.Z < 10 || !slices.Equal(a.Criteria, []string{"z"}) {
					t.Errorf("a: z %v criteria %v: want z > 10 and only the z criterion (40 stations cannot resolve the 99.9th percentile)", a.Z, a.Criteria)
				}
				if a.Percentile != 1 {
					t.Errorf("a: percentile %v, want 1 (above every counted station)", a.Percentile)
				}
			}},
		{name: "uncounted stations would need a 99% turnout",
			bulletin: func() *actas.Bulletin {
				bu := int64(0.99 * float64(n-counted) * handRegistered)
				share := func(x int64) int64 { return int64(math.Round(float64(bu) * float64(x) / float64(C.ballots))) }
				a, blank, null := share(C.a), share(C.blank), share(C.null)
				b := bu - a - blank - null
				return bulletin(C.a+a, C.b+b, C.blank+blank, C.null+null, C.ballots+bu, regAll)
			},
			verdict: compare.Implausible, reasons: []string{"implausible-turnout"},
			check: func(t *testing.T, r *compare.BoundReport) {
				if tt := r.Uncounted.TurnoutTest; tt == nil || math.Abs(tt.Required-0.99) > 1e-9 || !tt.Extreme {
					t.Errorf("turnout test %+v: want required 0.99, extreme", tt)
				}
			}},
		{name: "bulletin states neither ballots nor voters nor blank ballots",
			bulletin: func() *actas.Bulletin { return bulletin(All.a, All.b, actas.Unknown, All.null, actas.Unknown, regAll) },
			verdict:  compare.Undetermined, reasons: []string{},
			check: func(t *testing.T, r *compare.BoundReport) {
				if r.Uncounted.BallotsBasis != "unknown" || r.Uncounted.Ballots != nil || r.Choices["a"].RequiredShare != nil {
					t.Errorf("basis %q ballots %v share %v: want unknown, null, null", r.Uncounted.BallotsBasis, r.Uncounted.Ballots, r.Choices["a"].RequiredShare)
				}
			}},
		{name: "bulletin states no ballots but its figures add up to them",
			bulletin: func() *actas.Bulletin { return bulletin(All.a, All.b, All.blank, All.null, actas.Unknown, regAll) },
			verdict:  compare.Plausible, reasons: []string{},
			check: func(t *testing.T, r *compare.BoundReport) {
				if r.Uncounted.BallotsBasis != "sum" || *r.Uncounted.Ballots != U.ballots {
					t.Errorf("basis %q ballots %d: want sum, %d", r.Uncounted.BallotsBasis, *r.Uncounted.Ballots, U.ballots)
				}
			}},
		{name: "too few counted stations to compare with", count: 20,
			bulletin: honest, verdict: compare.Undetermined, reasons: []string{}, summaryIn: "fewer than 30 counted stations"},
		{name: "official figures equal the counted sheets and nothing is left", n: counted,
			bulletin: func() *actas.Bulletin { return bulletin(C.a, C.b, C.blank, C.null, C.ballots, regC) },
			verdict:  compare.Plausible, reasons: []string{}},
		{name: "partial bulletin short of the counted sheets by less than it may leave out",
			bulletin: func() *actas.Bulletin {
				b := bulletin(C.a-150, All.b, All.blank, All.null, All.ballots, regAll)
				b.Coverage = 0.9 // may leave out 6 of the 60 stations: up to 6 × 200 votes for a
				return b
			},
			verdict: compare.Undetermined, reasons: []string{}},
		{name: "partial bulletin short of the counted sheets by more than it may leave out",
			bulletin: func() *actas.Bulletin {
				b := bulletin(C.a-1500, All.b, All.blank, All.null, All.ballots, regAll)
				b.Coverage = 0.9
				return b
			},
			verdict: compare.Impossible, reasons: []string{"negative-requirement:a"}},
		{name: "a counted sheet that does not add up is set aside",
			edit: func(i int, s *actas.Sheet) {
				if i == 0 {
					s.Ballots += 5000 // a slip: 380 copied as 5380
				}
			},
			bulletin: honest, verdict: compare.Plausible, reasons: []string{},
			check: func(t *testing.T, r *compare.BoundReport) {
				if r.Uncounted.SetAside != 1 || r.Uncounted.Stations != n-counted+1 || r.Counted.Stations != counted-1 {
					t.Errorf("set aside %d, uncounted %d, counted %d: want 1, %d, %d", r.Uncounted.SetAside, r.Uncounted.Stations, r.Counted.Stations, n-counted+1, counted-1)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nn, cc := tc.n, tc.count
			if nn == 0 {
				nn = n
			}
			if cc == 0 {
				cc = min(counted, nn)
			}
			p := MustHandPanel(t, nn, cc, actas.Witness, tc.edit)
			r, err := compare.Bound(p, tc.bulletin(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s; summary: %s", r.Verdict, tc.verdict, r.Summary)
			}
			if got := reasonCodes(r); !slices.Equal(got, tc.reasons) {
				t.Errorf("reasons %v, want %v", got, tc.reasons)
			}
			if tc.summaryIn != "" && !strings.Contains(r.Summary, tc.summaryIn) {
				t.Errorf("summary %q lacks %q", r.Summary, tc.summaryIn)
			}
			if !strings.Contains(strings.Join(r.Caveats, " "), "authentic") {
				t.Errorf("caveats do not say the sheets are taken as authentic: %q", r.Caveats)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func TestBoundStrata(t *testing.T) {
	p := MustHandPanel(t, 60, 40, actas.Witness, nil)
	All := handSum(0, 60)
	o := bulletin(All.a, All.b, All.blank, All.null, All.ballots, 60*handRegistered)
	for _, tc := range []struct {
		name       string
		opts       compare.BoundOptions
		strata     []string
		references []string
		fallback   bool
	}{
		{name: "states by default", strata: []string{"Norte", "Sur"}, references: []string{"Norte", "Sur"}},
		{name: "municipalities with enough counted stations stand for themselves", opts: compare.BoundOptions{Level: "municipality"},
			strata: []string{"Norte/M0", "Sur/M0", "Norte/M1", "Sur/M1"}, references: []string{"Norte/M0", "Sur/M0", "Norte/M1", "Sur/M1"}},
		{name: "municipalities with too few counted stations fall back to their state", opts: compare.BoundOptions{Level: "municipality", MinStratum: 11},
			strata: []string{"Norte/M0", "Sur/M0", "Norte/M1", "Sur/M1"}, references: []string{"Norte", "Sur", "Norte", "Sur"}, fallback: true},
		{name: "national is one stratum", opts: compare.BoundOptions{Level: actas.National},
			strata: []string{"national"}, references: []string{"national"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := compare.Bound(p, o, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var strata, refs []string
			weight := 0.0
			for _, s := range r.Strata {
				strata = append(strata, s.Area)
				refs = append(refs, s.Reference)
				weight += s.Weight
				if want := float64(s.RegisteredUncounted) / float64(20*handRegistered); math.Abs(s.Weight-want) > 1e-12 {
					t.Errorf("%s: weight %v, want its share of the uncounted registered voters %v", s.Area, s.Weight, want)
				}
			}
			if !slices.Equal(strata, tc.strata) || !slices.Equal(refs, tc.references) {
				t.Errorf("strata %q with references %q, want %q and %q", strata, refs, tc.strata, tc.references)
			}
			if math.Abs(weight-1) > 1e-12 {
				t.Errorf("weights sum to %v", weight)
			}
			if got := strings.Contains(strings.Join(r.Caveats, " "), "parent area"); got != tc.fallback {
				t.Errorf("caveat about the parent area: %v, want %v", got, tc.fallback)
			}
			if r.Verdict != compare.Plausible {
				t.Errorf("verdict %s: %s", r.Verdict, r.Summary)
			}
		})
	}
}

// A bulletin of one state is checked against that state's stations only.
func TestBoundArea(t *testing.T) {
	p := MustHandPanel(t, 60, 40, actas.Witness, nil)
	var C, All handTotals
	for i := 0; i < 60; i += 2 { // Norte holds the even stations
		s := handSheet(i)
		for _, x := range []*handTotals{&All, &C} {
			if x == &C && i >= 40 {
				continue
			}
			x.a += s.Votes[0]
			x.b += s.Votes[1]
			x.blank += s.Blank
			x.null += s.Null
			x.ballots += s.Ballots
		}
	}
	o := bulletin(All.a, All.b, All.blank, All.null, All.ballots, 30*handRegistered)
	o.Area = "Norte"
	r, err := compare.Bound(p, o, compare.BoundOptions{MinCounted: 10, Level: "municipality"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Area != "Norte" || r.Counted.Stations != 20 || r.Uncounted.Stations != 10 || r.Choices["a"].Counted != C.a || r.Choices["a"].Required != All.a-C.a {
		t.Errorf("area %s: counted %d uncounted %d, a counted %d required %d; want Norte 20 10 %d %d",
			r.Area, r.Counted.Stations, r.Uncounted.Stations, r.Choices["a"].Counted, r.Choices["a"].Required, C.a, All.a-C.a)
	}
	if len(r.Strata) != 2 || r.Verdict != compare.Plausible {
		t.Errorf("%d strata, verdict %s (%s); want 2, plausible", len(r.Strata), r.Verdict, r.Summary)
	}
}

func TestBoundErrors(t *testing.T) {
	p := MustHandPanel(t, 10, 5, actas.Witness, nil)
	good := func() *actas.Bulletin { return bulletin(1, 1, 0, 0, 2, actas.Unknown) }
	for _, tc := range []struct {
		name string
		p    *actas.Panel
		o    func() *actas.Bulletin
		opts compare.BoundOptions
		code string
		msg  string
	}{
		{name: "no panel", o: good, code: actas.EINVALID},
		{name: "unknown strata level", p: p, o: good, opts: compare.BoundOptions{Level: "county"}, code: actas.EINVALID, msg: "state, municipality"},
		{name: "percentile outside (0.5, 1)", p: p, o: good, opts: compare.BoundOptions{Percentile: 1.5}, code: actas.EINVALID, msg: "percentile"},
		{name: "negative z", p: p, o: good, opts: compare.BoundOptions{Z: -1}, code: actas.EINVALID, msg: "z"},
		{name: "bulletin of another contest's size", p: p, o: func() *actas.Bulletin {
			b := good()
			b.Votes = []int64{1, 2, 3}
			return b
		}, code: actas.EINVALID, msg: "3 vote counts"},
		{name: "bulletin of an area without stations", p: p, o: func() *actas.Bulletin {
			b := good()
			b.Area = "Este"
			return b
		}, code: actas.ENOTFOUND, msg: "Este"},
		{name: "malformed area path", p: p, o: func() *actas.Bulletin {
			b := good()
			b.Area = "Norte//M0"
			return b
		}, code: actas.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compare.Bound(tc.p, tc.o(), tc.opts)
			if actas.ErrorCode(err) != tc.code || !strings.Contains(actas.ErrorMessage(err), tc.msg) {
				t.Errorf("error %v (code %s), want code %s mentioning %q", err, actas.ErrorCode(err), tc.code, tc.msg)
			}
		})
	}
}

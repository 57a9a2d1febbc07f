package actas_test

import (
	"encoding/hex"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

func TestPaths(t *testing.T) {
	for _, tc := range []struct {
		name  string
		names []string
		path  string
	}{
		{"plain", []string{"Zulia", "Maracaibo", "Chiquinquirá"}, "Zulia/Maracaibo/Chiquinquirá"},
		{"slash in a name", []string{"TÁCHIRA", "MP. L/DIEGO BAUTISTA"}, `TÁCHIRA/MP. L\/DIEGO BAUTISTA`},
		{"backslash in a name", []string{`A\B`, "C"}, `A\\B/C`},
		{"top level", []string{"Zulia"}, "Zulia"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := actas.JoinPath(tc.names...)
			if p != tc.path {
				t.Fatalf("JoinPath = %q, want %q", p, tc.path)
			}
			got, err := actas.SplitPath(p)
			if err != nil || !reflect.DeepEqual(got, tc.names) {
				t.Fatalf("SplitPath(%q) = %q, %v; want %q", p, got, err, tc.names)
			}
			wantParent := actas.JoinPath(tc.names[:len(tc.names)-1]...)
			if pp := actas.ParentPath(p); pp != wantParent {
				t.Fatalf("ParentPath(%q) = %q, want %q", p, pp, wantParent)
			}
		})
	}
	for _, bad := range []string{"a//b", "/a", "a/", `a\b`, `a\`} {
		if _, err := actas.SplitPath(bad); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("SplitPath(%q) error = %v, want invalid", bad, err)
		}
	}
	if p, err := actas.CanonicalPath("national"); err != nil || p != "" {
		t.Errorf(`CanonicalPath("national") = %q, %v`, p, err)
	}
}

func TestCheck(t *testing.T) {
	st := &actas.Station{Code: "1", Registered: 500, Machines: 1}
	sheet := func(votes []int64, blank, null, ballots, voters int64) *actas.Sheet {
		return &actas.Sheet{Station: "1", Contest: "p", Votes: votes, Blank: blank, Null: null, Ballots: ballots, Voters: voters}
	}
	for _, tc := range []struct {
		name     string
		sheet    *actas.Sheet
		capacity int64
		want     []string
	}{
		{"consistent sheet", sheet([]int64{200, 100}, 5, 5, 310, 310), 0, []string{}},
		{"voters not stated", sheet([]int64{200, 100}, 5, 5, 310, actas.Unknown), 0, []string{}},
		{"sum does not add up", sheet([]int64{200, 100}, 5, 5, 300, actas.Unknown), 0, []string{"sum-mismatch"}},
		{"ballots exceed registered", sheet([]int64{400, 100}, 0, 0, 500+0, actas.Unknown), 0, []string{}},
		{"ballots exceed registered by one", sheet([]int64{401, 100}, 0, 0, 501, actas.Unknown), 0, []string{"ballots-exceed-registered"}},
		{"voters differ from ballots", sheet([]int64{200, 100}, 0, 0, 300, 290), 0, []string{"voters-differ-from-ballots"}},
		{"one count above registered", sheet([]int64{501, 0}, 0, 0, 501, actas.Unknown), 0, []string{"ballots-exceed-registered", "exceeds-capacity"}},
		{"above machine capacity", sheet([]int64{200, 100}, 0, 0, 300, actas.Unknown), 250, []string{"exceeds-capacity"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := actas.Check(tc.sheet, st, tc.capacity).Names()
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("flags = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("no registered list", func(t *testing.T) {
		noList := &actas.Station{Code: "S", Registered: 0}
		if f := actas.Check(sheet([]int64{900, 100}, 0, 0, 1000, actas.Unknown), noList, 0); f != 0 {
			t.Fatalf("flags = %v, want none for a station without a list", f)
		}
	})
}

func TestFlagsRoundTrip(t *testing.T) {
	all := actas.Flags(0)
	for _, f := range actas.AllFlags() {
		all |= f
	}
	got, err := actas.ParseFlags(all.String())
	if err != nil || got != all {
		t.Fatalf("ParseFlags(%q) = %v, %v", all.String(), got, err)
	}
	if _, err := actas.ParseFlags("sum-mismatch,bogus"); actas.ErrorCode(err) != actas.EINVALID {
		t.Fatalf("unknown flag accepted: %v", err)
	}
}

func TestDigest(t *testing.T) {
	// Digests are stored (the stores recognise a sheet seen before by
	// them), so the encoding is fixed: these were computed by its first
	// version.
	pinned := []struct {
		sheet actas.Sheet
		want  string
	}{
		{actas.Sheet{Station: "001", Contest: "president", Votes: []int64{120, 80, -1 << 62}, Blank: 3, Null: 2, Ballots: 205, Voters: actas.Unknown},
			"01d6290d89e889a6de7d68dcbf240261574863668ef1fb52dbc18406df17c325"},
		{actas.Sheet{}, "c0ddb1fbb9ee9009578e61c19c2eddd8933e1fab36528c62cd30d0ff2b48b775"},
	}
	for _, p := range pinned {
		if d := p.sheet.Digest(); hex.EncodeToString(d[:]) != p.want {
			t.Errorf("Digest(%+v) = %x, want %s", p.sheet, d, p.want)
		}
	}
	a := actas.Sheet{Station: "1", Contest: "p", Votes: []int64{1, 2}, Ballots: 3, Voters: actas.Unknown}
	b := a
	b.Votes = []int64{1, 2}
	if a.Digest() != b.Digest() || !a.Equal(&b) {
		t.Fatal("equal sheets have different digests")
	}
	changes := map[string]func(s *actas.Sheet){
		"station": func(s *actas.Sheet) { s.Station = "2" },
		"contest": func(s *actas.Sheet) { s.Contest = "q" },
		"votes":   func(s *actas.Sheet) { s.Votes = []int64{2, 1} },
		"blank":   func(s *actas.Sheet) { s.Blank = 1 },
		"null":    func(s *actas.Sheet) { s.Null = 1 },
		"ballots": func(s *actas.Sheet) { s.Ballots = 4 },
		"voters":  func(s *actas.Sheet) { s.Voters = 3 },
		// Length-prefixed fields: moving a character between station and
		// contest must change the digest.
		"boundary": func(s *actas.Sheet) { s.Station, s.Contest = "1p", "" },
	}
	for name, change := range changes {
		c := a
		c.Votes = append([]int64(nil), a.Votes...)
		change(&c)
		if c.Digest() == a.Digest() || c.Equal(&a) {
			t.Errorf("changing %s keeps the digest", name)
		}
	}
}

func TestElectionValidate(t *testing.T) {
	good := func() *actas.Election {
		return &actas.Election{ID: "ve-2024", Name: "Presidential", Date: "2024-07-28", Timezone: "America/Caracas",
			Open: "06:00", Close: "18:00", Levels: []string{"state", "municipality"},
			Contests: []actas.Contest{{ID: "president", Name: "President", Choices: []actas.Choice{{ID: "eg", Name: "González"}, {ID: "nm", Name: "Maduro"}}}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("valid election rejected: %v", err)
	}
	withRules := good()
	withRules.Rules = []actas.Source{actas.Official, actas.Witness}
	if err := withRules.Validate(); err != nil {
		t.Fatalf("an election with its own rules rejected: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(e *actas.Election)
		want   string
	}{
		{"upper-case id", func(e *actas.Election) { e.ID = "VE" }, "id"},
		{"bad date", func(e *actas.Election) { e.Date = "28/07/2024" }, "date"},
		{"unknown zone", func(e *actas.Election) { e.Timezone = "Mars/Olympus" }, "timezone"},
		{"close before open", func(e *actas.Election) { e.Close = "05:00" }, "close"},
		{"no levels", func(e *actas.Election) { e.Levels = nil }, "levels"},
		{"duplicate level", func(e *actas.Election) { e.Levels = []string{"state", "state"} }, "twice"},
		{"reserved choice", func(e *actas.Election) { e.Contests[0].Choices[0].ID = "blank" }, "choices[0]"},
		{"duplicate choice", func(e *actas.Election) { e.Contests[0].Choices[1].ID = "eg" }, "twice"},
		{"no contests", func(e *actas.Election) { e.Contests = nil }, "contests"},
		{"rules naming an unknown source", func(e *actas.Election) { e.Rules = []actas.Source{actas.Witness, "press"} }, "rules[1]"},
		{"rules naming the reconciled view", func(e *actas.Election) { e.Rules = []actas.Source{actas.Reconciled} }, "rules[0]"},
		{"rules naming a source twice", func(e *actas.Election) { e.Rules = []actas.Source{actas.Witness, actas.Witness} }, "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := good()
			tc.change(e)
			err := e.Validate()
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an invalid error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestCapacity(t *testing.T) {
	e := &actas.Election{Open: "06:00", Close: "18:00"}
	st := &actas.Station{Machines: 2}
	// 13 hours (12 plus one for the closing queue) at 20 s per voter, two machines.
	if got, want := e.Capacity(st), int64(2*13*3600/20); got != want {
		t.Fatalf("Capacity = %d, want %d", got, want)
	}
	if got := e.Capacity(&actas.Station{}); got != 0 {
		t.Fatalf("Capacity without machines = %d, want 0 (unknown)", got)
	}
}

// ValidID is written out for speed; the regular expression of its contract
// is the reference.
func TestValidIDMatchesItsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
	check := func(s string) {
		t.Helper()
		if got, want := actas.ValidID(s), pattern.MatchString(s); got != want {
			t.Fatalf("ValidID(%q) = %v, the pattern says %v", s, got, want)
		}
	}
	check("")
	for a := 0; a < 256; a++ {
		check(string([]byte{byte(a)}))
		for b := 0; b < 256; b++ {
			check(string([]byte{'a', byte(a), byte(b)}))
		}
	}
	for _, n := range []int{63, 64, 65} {
		check(strings.Repeat("a", n))
		check("0" + strings.Repeat("-", n-1))
	}
	for _, s := range []string{"ve-2024", "a.b_c-d", "-a", "_a", ".a", "A", "é", "a\n", "a b"} {
		check(s)
	}
}

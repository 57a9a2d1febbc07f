package forensics_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/forensics"
)

func TestImpossibleSheets(t *testing.T) {
	// Voting lasts 10 hours, plus one for the closing queue: one machine
	// takes 11 × 3600 / 20 = 1,980 voters.
	p := MustHandPanel(t, actas.Official,
		row{"ok", 500, 1, sheet(200, 100, 5, 5, 310, 310)},
		row{"stuffed", 500, 1, sheet(505, 95, 5, 5, 610, 610)},
		row{"short", 500, 1, sheet(200, 100, 5, 5, 300, actas.Unknown)},
		row{"voters", 500, 1, sheet(200, 100, 5, 5, 310, 298)},
		row{"machine", 0, 1, sheet(2000, 100, 0, 0, 2100, 2100)},
		row{"uncounted", 500, 1, nil},
		row{"no list", 0, 0, sheet(200, 100, 5, 5, 310, 310)},
	)
	r, err := forensics.ImpossibleSheets(p, forensics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Checked != 6 || r.Flagged != 4 || r.Impossible != 3 || !r.Flag || !r.AllListed {
		t.Errorf("checked %d, flagged %d, impossible %d, flag %v, all listed %v; want 6, 4, 3, true, true",
			r.Checked, r.Flagged, r.Impossible, r.Flag, r.AllListed)
	}
	wantByFlag := map[string]int64{"ballots-exceed-registered": 1, "exceeds-capacity": 2, "sum-mismatch": 1, "voters-differ-from-ballots": 1}
	for k, v := range wantByFlag {
		if r.ByFlag[k] != v {
			t.Errorf("by flag %s: %d stations, want %d", k, r.ByFlag[k], v)
		}
	}
	var order []string
	for _, s := range r.Stations {
		order = append(order, s.Station)
	}
	// Impossible sheets first, largest gap first: 2,000 votes for a on one
	// machine's 1,980 voters is a gap of 120 ballots; 610 ballots on 500
	// registered, of 110; a sum 10 short; then voters 12 short of ballots.
	if want := []string{"machine", "stuffed", "short", "voters"}; !slices.Equal(order, want) {
		t.Errorf("listed %v, want %v", order, want)
	}
	for _, tc := range []struct {
		station string
		reasons []string
	}{
		{"stuffed", []string{"ballots (610) exceed the registered voters (500): turnout 122.0%",
			"voters (610) exceed the registered voters (500)", "votes for a (505) exceed the registered voters (500)"}},
		{"short", []string{"votes for choices (300) + blank (5) + null (5) = 310, not the ballots (300)"}},
		{"voters", []string{"voters (298) differ from ballots (310) by 12"}},
		{"machine", []string{"ballots (2,100) exceed what 1 machine(s) can process in voting hours (1,980)"}},
	} {
		t.Run(tc.station, func(t *testing.T) {
			i := slices.Index(order, tc.station)
			if i < 0 {
				t.Fatalf("%s not listed", tc.station)
			}
			got := strings.Join(r.Stations[i].Reasons, "\n")
			for _, want := range tc.reasons {
				if !strings.Contains(got, want) {
					t.Errorf("reasons lack %q:\n%s", want, got)
				}
			}
		})
	}
	t.Run("the list is cut, the counts are not", func(t *testing.T) {
		r, err := forensics.ImpossibleSheets(p, forensics.Options{MaxListed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Stations) != 1 || r.Stations[0].Station != "machine" || r.AllListed || r.Flagged != 4 {
			t.Errorf("listed %d (first %s), all listed %v, flagged %d; want the worst one, false, 4", len(r.Stations), r.Stations[0].Station, r.AllListed, r.Flagged)
		}
	})
	t.Run("honest sheets", func(t *testing.T) {
		p := MustHandPanel(t, actas.Witness, row{"ok", 500, 1, sheet(200, 100, 5, 5, 310, 310)})
		r, err := forensics.ImpossibleSheets(p, forensics.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Flag || r.Flagged != 0 || len(r.Stations) != 0 {
			t.Errorf("flag %v, %d flagged: %s", r.Flag, r.Flagged, r.Note)
		}
	})
}

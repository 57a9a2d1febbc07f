package audit

import (
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// The seed is typed by people and pasted from pages: any string must give a
// clean answer, and an accepted seed is digits only.
func FuzzParseSeed(f *testing.F) {
	for _, s := range []string{"01382438112797316654", "0138243811279731665", "01382 43811 27973 16654", "", "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩", "1234567890123456789\x00", strings.Repeat("9", 201)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSeed(s)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("ParseSeed(%q): code %s", s, actas.ErrorCode(err))
			}
			return
		}
		if got != s || len(s) < MinSeedDigits || len(s) > MaxSeedDigits || strings.Trim(s, "0123456789") != "" {
			t.Fatalf("ParseSeed accepted %q", s)
		}
	})
}

// Ticket numbers come back from stored samples and from users recomputing
// them: NextFraction must refuse anything that is not a ticket and return a
// strictly larger ticket otherwise; Trim must never lengthen one.
func FuzzNextFraction(f *testing.F) {
	for _, s := range []string{"0.25471", "0.", "0.999", "0.9722586520568512638", "1.5", "0.5e3", "", "0.٣"} {
		f.Add(s, 18)
	}
	f.Fuzz(func(t *testing.T, x string, digits int) {
		y, err := NextFraction(x)
		if err != nil {
			if validFraction(x) {
				t.Fatalf("NextFraction(%q) refused a ticket: %v", x, err)
			}
			return
		}
		if !validFraction(x) || !validFraction(y) || y <= x+"0" {
			t.Fatalf("NextFraction(%q) = %q", x, y)
		}
		if digits >= 1 && digits < 100 {
			if tr := Trim(y, digits); len(tr) > len(y) || !strings.HasPrefix(y, tr) {
				t.Fatalf("Trim(%q, %d) = %q", y, digits, tr)
			}
		}
	})
}

// Hand counts are keyed in by people: Risk must refuse what is not a count
// and otherwise give a risk between 0 and 1 and a decision.
func FuzzRiskHandCount(f *testing.F) {
	f.Add(int64(100), int64(60), int64(40), int64(0))
	f.Add(int64(100), int64(0), int64(100), int64(0))
	f.Add(int64(10), int64(60), int64(40), int64(0))
	f.Add(int64(-1), int64(0), int64(0), int64(0))
	f.Add(int64(1<<62), int64(1<<62), int64(1<<62), int64(1<<62))
	a := fourBatches(f)
	f.Fuzz(func(t *testing.T, ballots, w, l, third int64) {
		counts := map[string]HandCount{"Batch 1": {Ballots: ballots, Votes: []int64{w, l, third}}}
		r, err := a.Risk([]Draw{{Ticket: "0.1", ID: "Batch 1"}}, counts)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("code %s: %v", actas.ErrorCode(err), err)
			}
			return
		}
		if w < 0 || l < 0 || third < 0 || ballots < 0 {
			t.Fatalf("accepted a negative count")
		}
		if !(r.Risk >= 0 && r.Risk <= 1) || r.Decision == "" {
			t.Fatalf("risk %v decision %q", r.Risk, r.Decision)
		}
	})
}

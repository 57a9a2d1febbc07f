package compare_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
)

func TestCompareBulletins(t *testing.T) {
	p := MustHandPanel(t, 20, 10, actas.Witness, nil)
	C := handSum(0, 10)
	var norte handTotals // counted stations of Norte: the even ones
	for i := 0; i < 10; i += 2 {
		s := handSheet(i)
		norte.a += s.Votes[0]
		norte.b += s.Votes[1]
	}
	night := time.Date(2024, 7, 29, 0, 6, 0, 0, time.UTC)
	early := bulletin(C.a-50, C.b+50, actas.Unknown, actas.Unknown, actas.Unknown, actas.Unknown)
	early.ID, early.Time, early.Coverage = "b-first", night, 0.8
	late := bulletin(C.a+10, actas.Unknown, actas.Unknown, actas.Unknown, actas.Unknown, actas.Unknown)
	late.ID, late.Time = "a-second", night.Add(96*time.Hour)
	region := bulletin(norte.a, norte.b, actas.Unknown, actas.Unknown, actas.Unknown, actas.Unknown)
	region.ID, region.Area, region.Time = "a-second", "Norte", late.Time

	checks, err := compare.CompareBulletins(p, []*actas.Bulletin{region, late, early})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("bulletins in order of time, then id, then area", func(t *testing.T) {
		var got []string
		for _, c := range checks {
			got = append(got, c.Bulletin+" "+c.Area)
		}
		if want := []string{"b-first national", "a-second national", "a-second Norte"}; !slices.Equal(got, want) {
			t.Errorf("order %q, want %q", got, want)
		}
	})
	t.Run("official beside counted, per choice", func(t *testing.T) {
		a, b := checks[0].Choices["a"], checks[0].Choices["b"]
		if *a.Difference != -50 || !a.BelowCounted || *b.Difference != 50 || b.BelowCounted {
			t.Errorf("first bulletin: a %+v, b %+v", a, b)
		}
		wantShare := float64(C.a-50) / float64(C.a+C.b)
		if a.OfficialShare == nil || *a.OfficialShare != wantShare || a.CountedShare != float64(C.a)/float64(C.a+C.b) {
			t.Errorf("first bulletin: a's official share %v, want %v; counted %v", a.OfficialShare, wantShare, a.CountedShare)
		}
		if !strings.Contains(strings.Join(checks[0].Notes, " "), "Below the counted sheets: Ana (a)") {
			t.Errorf("notes %q do not name the choice below the counted sheets", checks[0].Notes)
		}
	})
	t.Run("a choice the bulletin does not state has no difference and no shares", func(t *testing.T) {
		b := checks[1].Choices["b"]
		if b.Official != nil || b.Difference != nil || checks[1].Choices["a"].OfficialShare != nil {
			t.Errorf("second bulletin: b %+v, a's share %v", b, checks[1].Choices["a"].OfficialShare)
		}
	})
	t.Run("claimed coverage beside the counted coverage", func(t *testing.T) {
		c := checks[0]
		if c.ClaimedCoverage == nil || *c.ClaimedCoverage != 0.8 || c.StationCoverage != 0.5 || c.RegisteredCoverage != 0.5 || c.Time != "2024-07-29T00:06:00Z" {
			t.Errorf("claimed %v, counted %v of stations and %v of registered, time %q", c.ClaimedCoverage, c.StationCoverage, c.RegisteredCoverage, c.Time)
		}
		if checks[1].ClaimedCoverage != nil {
			t.Errorf("a bulletin that claims nothing has coverage %v", *checks[1].ClaimedCoverage)
		}
	})
	t.Run("an area's bulletin is set beside that area's sheets", func(t *testing.T) {
		c := checks[2]
		if c.Stations != 10 || c.StationsCounted != 5 || c.Choices["a"].Counted != norte.a || *c.Choices["a"].Difference != 0 {
			t.Errorf("Norte: %d stations, %d counted, a counted %d (want 10, 5, %d)", c.Stations, c.StationsCounted, c.Choices["a"].Counted, norte.a)
		}
	})

	for _, tc := range []struct {
		name string
		edit func(b *actas.Bulletin)
		code string
	}{
		{"an area without stations", func(b *actas.Bulletin) { b.Area = "Este" }, actas.ENOTFOUND},
		{"a bulletin of another contest's size", func(b *actas.Bulletin) { b.Votes = b.Votes[:1] }, actas.EINVALID},
		{"a coverage that is not a fraction", func(b *actas.Bulletin) { b.Coverage = 96.87 }, actas.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bulletin(1, 1, 0, 0, 2, actas.Unknown)
			tc.edit(b)
			if _, err := compare.CompareBulletins(p, []*actas.Bulletin{b}); actas.ErrorCode(err) != tc.code {
				t.Errorf("error %v, want %s", err, tc.code)
			}
		})
	}
}

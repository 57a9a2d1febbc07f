package compare_test

import (
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
)

// Venezuela, 28 July 2024: the opposition's witness tally sheets against
// the CNE's bulletins. Figures from testdata/README.md: the sheets give
// González 7,156,462 and Maduro 3,241,461 of 10,659,128 valid votes and
// 1,139 null, on 24,532 tables with 17,745,239 registered voters; bulletin
// 2 gives González 5,326,104, Maduro 6,408,844, 12,386,669 voters and
// 21,321,805 registered.
func TestVenezuela2024(t *testing.T) {
	ds := MustRealDataset(t, "ve-2024-actas", "ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv")
	p := MustPanel(t, MustTabulate(t, ds), ds, actas.Witness)
	b1 := MustBulletin(t, ds, "cne-bulletin-1", "", "ve-2024-actas", "cne-bulletin-1.csv")
	b2 := MustBulletin(t, ds, "cne-bulletin-2", "", "ve-2024-actas", "cne-bulletin-2.csv")

	t.Run("bulletin 2 is impossible if the sheets are authentic", func(t *testing.T) {
		r, err := compare.Bound(p, b2, compare.BoundOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != compare.Impossible {
			t.Fatalf("verdict %s, want impossible: %s", r.Verdict, r.Summary)
		}
		eg, nm := r.Choices["eg"], r.Choices["nm"]
		if eg.Official != 5_326_104 || eg.Counted != 7_156_462 || eg.Required != -1_830_358 {
			t.Errorf("González: official %d counted %d required %d; want 5,326,104 7,156,462 -1,830,358", eg.Official, eg.Counted, eg.Required)
		}
		if nm.Official != 6_408_844 || nm.Counted != 3_241_461 || nm.Required != 3_167_383 {
			t.Errorf("Maduro: official %d counted %d required %d; want 6,408,844 3,241,461 3,167,383", nm.Official, nm.Counted, nm.Required)
		}
		u := r.Uncounted
		if *u.Ballots != 12_386_669-(10_659_128+1_139) || *u.Registered != 21_321_805-17_745_239 || u.RegisteredBasis != "bulletin" {
			t.Errorf("uncounted: ballots %d registered %d (%s); want 1,726,402 and 3,576,566 from the bulletin", *u.Ballots, *u.Registered, u.RegisteredBasis)
		}
		if got := reasonCodes(r); strings.Join(got, " ") != "negative-requirement:eg exceeds-ballots:nm" {
			t.Errorf("reasons %v, want González's negative requirement, then Maduro's beyond the uncounted ballots", got)
		}
		for _, want := range []string{"Impossible if the counted sheets are authentic", "5,326,104", "1,830,358 below", "7,156,462"} {
			if !strings.Contains(r.Summary, want) {
				t.Errorf("summary %q lacks %q", r.Summary, want)
			}
		}
		if !strings.Contains(r.Reasons[1].Text, "3,167,383") || !strings.Contains(r.Reasons[1].Text, "1,726,402") {
			t.Errorf("Maduro's reason %q lacks its numbers", r.Reasons[1].Text)
		}
	})

	t.Run("bulletins beside the sheets", func(t *testing.T) {
		checks, err := compare.CompareBulletins(p, []*actas.Bulletin{b2, b1})
		if err != nil {
			t.Fatal(err)
		}
		if len(checks) != 2 || checks[0].Bulletin != "cne-bulletin-1" || checks[1].Bulletin != "cne-bulletin-2" {
			t.Fatalf("bulletins in order %v, want 1 then 2 (no times: by id)", []string{checks[0].Bulletin, checks[1].Bulletin})
		}
		c1, c2 := checks[0], checks[1]
		if eg := c2.Choices["eg"]; *eg.Difference != -1_830_358 || !eg.BelowCounted || *eg.OfficialShare != 5_326_104.0/12_335_830 ||
			eg.CountedShare != 7_156_462.0/10_659_128 {
			t.Errorf("bulletin 2, González: %+v", eg)
		}
		if eg := c1.Choices["eg"]; *eg.Difference != 4_445_978-7_156_462 || eg.OfficialShare != nil || c1.Choices["lm"].Official != nil {
			t.Errorf("bulletin 1 states only two candidates, so no shares: González %+v, Martínez %+v", eg, c1.Choices["lm"])
		}
		if b := c2.Figures["ballots"]; *b.Difference != 1_726_402 || c2.Figures["voters"].Counted != nil {
			t.Errorf("bulletin 2 ballots %+v, voters %+v: want difference 1,726,402 and no counted voters (the sheets state none)", b, c2.Figures["voters"])
		}
		if c2.Stations != 24_532 || c2.RegisteredCounted != 17_745_239 || *c2.OfficialRegistered != 21_321_805 ||
			!strings.Contains(strings.Join(c2.Notes, " "), "lacks stations") {
			t.Errorf("bulletin 2 coverage: %d stations, %d registered counted, official %d; notes %q", c2.Stations, c2.RegisteredCounted, *c2.OfficialRegistered, c2.Notes)
		}
	})
}

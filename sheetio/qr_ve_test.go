package sheetio

import (
	"bufio"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// veKnownQR is the QR payload of table 1 of center 201301006 (Yaracuy), as
// decoded and published by github.com/Strvm/vnzla-libre (README.md,
// "Duplicates": images 021223_…Acta0128/0129/0130.jpg).
const veKnownQR = "201301006.01.1.0001!140,7,10,8,1,7,1,0,2,3,0,1,8,1,0,1,0,3,1,1,0,1,0,0,0,0,0,0,1,2,0,0,0,5,7,155,1,1!0!0"

// MustVEPayload builds a payload for center.table with the given card
// counts (38 for the 2024 ballot), null and empty.
func MustVEPayload(tb testing.TB, acta string, cards []int64, null, empty int64) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString(acta)
	b.WriteByte('!')
	for i, c := range cards {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(c, 10))
	}
	b.WriteString("!" + strconv.FormatInt(null, 10) + "!" + strconv.FormatInt(empty, 10))
	return b.String()
}

// veRows returns the published ve-2024-actas rows of one center, with the
// header, so the converter can read them alone.
func veRows(tb testing.TB, center string) string {
	tb.Helper()
	f, err := os.Open(convTestdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var b strings.Builder
	for n := 0; sc.Scan(); n++ {
		if n == 0 || strings.Contains(sc.Text(), ","+center+",") {
			b.WriteString(sc.Text() + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

func TestParseQRVEKnownAnswer(t *testing.T) {
	m := VE2024Mapping()
	q, err := ParseQRVE(veKnownQR, m)
	if err != nil {
		t.Fatal(err)
	}
	if q.Center != "201301006" || q.Table != 1 || q.Acta != "201301006.01.1.0001" || q.Null != 0 || q.Empty != 0 || len(q.Cards) != VECards {
		t.Errorf("parsed %+v", q)
	}
	want := actas.Sheet{
		Station: "201301006.1", Contest: "president",
		// eg, nm, lm, jabe, jobr, ae, cf, dc, em, bera
		Votes:   []int64{167, 188, 6, 1, 1, 3, 0, 0, 1, 1},
		Ballots: 368, Voters: actas.Unknown,
	}
	if !q.Sheet.Equal(&want) {
		t.Errorf("sheet %+v, want %+v", q.Sheet, want)
	}

	// The same table in the opposition's published file, read by the
	// ve-2024-actas converter: the QR code and the file agree.
	ds, err := veParse(strings.NewReader(veRows(t, "201301006")), "RESULTADOS_2024_CSV_V1.csv")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ds.Sheets, func(s *actas.Submission) bool { return s.Sheet.Station == "201301006.1" })
	if i < 0 {
		t.Fatal("table 201301006.1 not in the published file")
	}
	c, _ := ds.Election.Contest("president")
	if d := SheetDiff(&q.Sheet, &ds.Sheets[i].Sheet, c); d != nil {
		t.Errorf("QR code and published row differ in %v", d)
	}
}

func TestVE2024Mapping(t *testing.T) {
	m := VE2024Mapping()
	per := map[string]int{}
	for _, i := range m.Cards {
		per[m.Choices[i]]++
	}
	for _, tc := range []struct {
		choice string
		cards  int
	}{{"nm", 13}, {"lm", 6}, {"jabe", 1}, {"jobr", 4}, {"ae", 6}, {"cf", 1}, {"dc", 2}, {"eg", 3}, {"em", 1}, {"bera", 1}} {
		t.Run(tc.choice, func(t *testing.T) {
			if per[tc.choice] != tc.cards {
				t.Errorf("%d cards, want %d", per[tc.choice], tc.cards)
			}
		})
	}
	if got := VE2024CardParties(); got[0] != "PSUV" || got[35] != "MUD" || len(got) != VECards {
		t.Errorf("parties %v", got)
	}
}

func TestNewCardMapping(t *testing.T) {
	c := &actas.Contest{ID: "president", Choices: []actas.Choice{{ID: "a"}, {ID: "b"}}}
	m, err := NewCardMapping(c, []string{"b", "a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQRVE("1.2!1,2,3!4!0", m)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(q.Sheet.Votes, []int64{2, 4}) || q.Sheet.Ballots != 10 || q.Sheet.Station != "1.2" {
		t.Errorf("sheet %+v", q.Sheet)
	}
	for _, tc := range []struct {
		name  string
		cards []string
	}{
		{"no cards", nil},
		{"card backs an unknown candidate", []string{"a", "z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewCardMapping(c, tc.cards); actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("error %v, want invalid", err)
			}
		})
	}
}

func TestParseQRVE(t *testing.T) {
	m := VE2024Mapping()
	cards := make([]int64, VECards)
	cards[0], cards[35] = 100, 200 // PSUV, MUD
	for _, tc := range []struct {
		name    string
		payload string
		station string
		votes   []int64
		null    int64
		empty   int64
	}{
		{"Distrito Capital center loses its leading zero", MustVEPayload(t, "010113042.03.1.0003", cards, 5, 0), "10113042.3", []int64{200, 100, 0, 0, 0, 0, 0, 0, 0, 0}, 5, 0},
		{"acta of center and table only", MustVEPayload(t, "201301006.2", cards, 0, 0), "201301006.2", []int64{200, 100, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 0},
		{"trailing newline from the decoder", MustVEPayload(t, "201301006.01.1.0001", cards, 0, 0) + "\n", "201301006.1", []int64{200, 100, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 0},
		{"empty votes kept apart", MustVEPayload(t, "201301006.01.1.0001", cards, 1, 7), "201301006.1", []int64{200, 100, 0, 0, 0, 0, 0, 0, 0, 0}, 1, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQRVE(tc.payload, m)
			if err != nil {
				t.Fatal(err)
			}
			s := q.Sheet
			if s.Station != tc.station || !slices.Equal(s.Votes, tc.votes) || s.Null != tc.null || q.Empty != tc.empty ||
				s.Blank != 0 || s.Ballots != 300+tc.null || s.Voters != actas.Unknown {
				t.Errorf("got %+v (empty %d)", s, q.Empty)
			}
		})
	}
}

func TestParseQRVEMalformed(t *testing.T) {
	m := VE2024Mapping()
	cards := make([]int64, VECards)
	good := MustVEPayload(t, "201301006.01.1.0001", cards, 0, 0)
	votes := good[strings.Index(good, "!"):]
	for _, tc := range []struct {
		name, payload, field string
	}{
		{"empty", "", ""},
		{"three fields", "201301006.01.1.0001!" + strings.Repeat("0,", 37) + "0!0", ""},
		{"five fields", good + "!0", ""},
		{"acta without a table", "201301006" + votes, "acta"},
		{"acta with five groups", "201301006.01.1.0001.9" + votes, "acta"},
		{"letters in the center", "20130100X.01.1.0001" + votes, "acta"},
		{"empty group in the acta", "201301006..1.0001" + votes, "acta"},
		{"center all zeros", "000.01" + votes, "acta"},
		{"table zero", "201301006.00.1.0001" + votes, "acta"},
		{"37 cards", "201301006.01!" + strings.Repeat("0,", 36) + "0!0!0", "votes"},
		{"39 cards", "201301006.01!" + strings.Repeat("0,", 38) + "0!0!0", "votes"},
		{"negative card count", "201301006.01!-1," + strings.Repeat("0,", 36) + "0!0!0", "votes"},
		{"empty card count", "201301006.01!," + strings.Repeat("0,", 36) + "0!0!0", "votes"},
		{"space inside", "201301006.01! " + strings.Repeat("0,", 37) + "0!0!0", "votes"},
		{"count beyond the bound", "201301006.01!9999999999999," + strings.Repeat("0,", 36) + "0!0!0", "votes"},
		{"total beyond the bound", "201301006.01!" + strings.Repeat("999999999999,", 37) + "999999999999!0!0", "votes"},
		{"null not a number", "201301006.01!" + strings.Repeat("0,", 37) + "0!x!0", "null"},
		{"empty not a number", "201301006.01!" + strings.Repeat("0,", 37) + "0!0!", "empty"},
		{"longer than a QR code holds", good + strings.Repeat(" ", MaxQRPayload), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseQRVE(tc.payload, m)
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v, want invalid", err)
			}
			var pe *ParseError
			if tc.field != "" && (!errors.As(err, &pe) || pe.Field != tc.field || pe.Column < 1) {
				t.Errorf("error %v does not name field %s and a position", err, tc.field)
			}
		})
	}
	t.Run("mapping sends a card nowhere", func(t *testing.T) {
		bad := m
		bad.Cards = slices.Clone(m.Cards)
		bad.Cards[3] = 99
		if _, err := ParseQRVE(good, bad); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("error %v, want invalid", err)
		}
	})
}

func FuzzParseQRVE(f *testing.F) {
	f.Add(veKnownQR)
	f.Add("010113042.03.1.0003!" + strings.Repeat("1,", 37) + "1!5!0\n")
	f.Add("201301006.01!" + strings.Repeat("0,", 36) + "0!0!0")
	f.Add("000.01!0!0!0")
	f.Add("1.2!!!")
	m := VE2024Mapping()
	f.Fuzz(func(t *testing.T, payload string) {
		q, err := ParseQRVE(payload, m)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		c := &actas.Contest{ID: "president", Choices: make([]actas.Choice, len(m.Choices))}
		for i, id := range m.Choices {
			c.Choices[i].ID = id
		}
		if err := actas.CheckForm(&q.Sheet, c); err != nil {
			t.Fatalf("parsed sheet is malformed: %v", err)
		}
		if q.Sheet.Valid()+q.Sheet.Null != q.Sheet.Ballots {
			t.Fatalf("ballots %d, valid %d, null %d", q.Sheet.Ballots, q.Sheet.Valid(), q.Sheet.Null)
		}
		// Re-encoding the parsed numbers parses to the same sheet.
		again, err := ParseQRVE(MustVEPayload(t, q.Acta, q.Cards, q.Null, q.Empty), m)
		if err != nil || !again.Sheet.Equal(&q.Sheet) {
			t.Fatalf("round trip: %v, %+v vs %+v", err, again, q.Sheet)
		}
	})
}

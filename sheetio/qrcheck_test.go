package sheetio

import (
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// veKnownSheet is the sheet the known-answer QR code veKnownQR states, as a
// witness would type it for the ve-2024-actas election.
func veKnownSheet() actas.Sheet {
	return actas.Sheet{
		Station: "201301006.1", Contest: "president",
		Votes:   []int64{167, 188, 6, 1, 1, 3, 0, 0, 1, 1},
		Ballots: 368, Voters: actas.Unknown,
	}
}

// veContest returns a contest with the ve-2024-actas converter's choices.
func veContest(id string) *actas.Contest {
	c := &actas.Contest{ID: id}
	for _, ch := range VE2024Mapping().Choices {
		c.Choices = append(c.Choices, actas.Choice{ID: ch, Name: ch})
	}
	return c
}

func qrEvidence(payloads ...string) []actas.Evidence {
	var ev []actas.Evidence
	for _, p := range payloads {
		ev = append(ev, actas.Evidence{Kind: "qr", Text: p})
	}
	return ev
}

func TestQRFlags(t *testing.T) {
	president := veContest("president")
	otherTable := strings.Replace(veKnownQR, "201301006.01.", "201301006.02.", 1)
	// The known payload with one vote moved from card 1 (PSUV, nm) to card
	// 36 (MUD, eg).
	moved := MustVEPayload(t, "201301006.01.1.0001",
		[]int64{139, 7, 10, 8, 1, 7, 1, 0, 2, 3, 0, 1, 8, 1, 0, 1, 0, 3, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 5, 7, 156, 1, 1}, 0, 0)
	explicit := veContest("presidente")
	mExplicit, err := NewCardMapping(explicit, VE2024CardChoices())
	if err != nil {
		t.Fatal(err)
	}
	mOther := VE2024Mapping() // for contest "president"

	mayor := contestOf("mayor", "91", "92", "93", "97", "99")
	mayorSheet := actas.Sheet{Station: "1392-9-31", Contest: "mayor", Votes: []int64{2, 2, 3, 1, 0}, Blank: 2, Ballots: 10, Voters: 10}
	fed := contestOf("president", "12", "13", "15", "17", "18", "19", "27", "30", "45", "50", "51")
	fedSheet := actas.Sheet{Station: "30848-1-483", Contest: "president", Votes: []int64{16, 7, 1, 103, 5, 7, 2, 17, 13, 1, 3}, Blank: 5, Null: 15, Ballots: 195, Voters: 195}

	photo := actas.Evidence{Kind: "photo", SHA256: strings.Repeat("ab", 32)}
	edit := func(s actas.Sheet, f func(*actas.Sheet)) actas.Sheet {
		s.Votes = append([]int64(nil), s.Votes...)
		f(&s)
		return s
	}

	for _, tc := range []struct {
		name     string
		sheet    actas.Sheet
		contest  *actas.Contest
		mapping  *CardMapping
		evidence []actas.Evidence
		want     []string // a piece of each problem; none: not flagged
	}{
		{"a sheet without evidence is not flagged", veKnownSheet(), president, nil, nil, nil},
		{"a sheet with only a photo is not flagged", veKnownSheet(), president, nil, []actas.Evidence{photo}, nil},
		{"a Venezuelan QR code that states the typed numbers", veKnownSheet(), president, nil, qrEvidence(veKnownQR), nil},
		{"the decoder's trailing newline is ignored", veKnownSheet(), president, nil, qrEvidence(veKnownQR + "\n"), nil},
		{"typed voters are not compared with a QR code that states none",
			edit(veKnownSheet(), func(s *actas.Sheet) { s.Voters = 400 }), president, nil, qrEvidence(veKnownQR), nil},
		{"a vote moved from Maduro to González on the QR code",
			veKnownSheet(), president, nil, qrEvidence(moved), []string{"acta 201301006.01.1.0001 differs from the sheet in votes:eg, votes:nm"}},
		{"typed null votes the QR code does not state",
			edit(veKnownSheet(), func(s *actas.Sheet) { s.Null, s.Ballots = 2, 370 }), president, nil, qrEvidence(veKnownQR), []string{"in null, ballots"}},
		{"the QR code of another table of the center",
			veKnownSheet(), president, nil, qrEvidence(otherTable), []string{"differs from the sheet in station"}},
		{"a payload that is not a tally sheet's", veKnownSheet(), president, nil, qrEvidence("https://example.org/acta"), []string{"cannot be read"}},
		{"an empty payload", veKnownSheet(), president, nil, qrEvidence(""), []string{"cannot be read"}},
		{"the agreeing code and a differing one: each is judged",
			veKnownSheet(), president, nil, qrEvidence(veKnownQR, moved), []string{"votes:eg, votes:nm"}},
		{"a contest that is not the 2024 ballot's, without a mapping",
			edit(veKnownSheet(), func(s *actas.Sheet) { s.Contest = "mayor" }), mayor, nil, qrEvidence(veKnownQR), []string{"no card mapping was given for contest mayor"}},
		{"a mapping given for the contest",
			edit(veKnownSheet(), func(s *actas.Sheet) { s.Contest = "presidente" }), explicit, &mExplicit, qrEvidence(veKnownQR), nil},
		{"a mapping for another contest",
			edit(veKnownSheet(), func(s *actas.Sheet) { s.Contest = "presidente" }), explicit, &mOther, qrEvidence(veKnownQR), []string{"the card mapping is for contest president"}},
		{"a boletim de urna whose mayor office states the typed sheet", mayorSheet, mayor, nil, qrEvidence(buManual2016), nil},
		{"a boletim de urna whose mayor votes differ",
			edit(mayorSheet, func(s *actas.Sheet) { s.Votes[0], s.Votes[3] = 3, 0 }), mayor, nil, qrEvidence(buManual2016),
			[]string{"boletim de urna 1392-9-31 differs from the sheet in votes:91, votes:97"}},
		{"a boletim de urna of another section",
			edit(mayorSheet, func(s *actas.Sheet) { s.Station = "1392-9-32" }), mayor, nil, qrEvidence(buManual2016), []string{"in station"}},
		{"a boletim de urna with no office for the contest's numbers",
			edit(mayorSheet, func(s *actas.Sheet) { s.Contest = "other" }), contestOf("other", "1", "2", "3", "4", "5"), nil, qrEvidence(buManual2016),
			[]string{"no office that reads as contest other"}},
		{"a boletim de urna split over two QR codes, in any order",
			fedSheet, fed, nil, qrEvidence(MustSplitBU(t, bu2018, 2)[1], MustSplitBU(t, bu2018, 2)[0]), nil},
		{"one part of a boletim de urna split over two QR codes",
			fedSheet, fed, nil, qrEvidence(MustSplitBU(t, bu2018, 2)[0]), []string{"cannot be read", "part 2 of 2 is missing"}},
		{"a boletim de urna and a Venezuelan payload together",
			fedSheet, fed, nil, qrEvidence(bu2018, veKnownQR), []string{"no card mapping"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := &actas.Submission{Sheet: tc.sheet, Evidence: tc.evidence}
			problems := QRProblems(sub, tc.contest, tc.mapping)
			flags := QRFlags(sub, tc.contest, tc.mapping)
			if len(tc.want) == 0 {
				if problems != nil || flags != 0 {
					t.Fatalf("flags %v, problems %q; want none", flags, problems)
				}
				return
			}
			if flags != actas.FlagQRMismatch {
				t.Errorf("flags %v, want qr-mismatch", flags)
			}
			all := strings.Join(problems, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems %q do not say %q", problems, w)
				}
			}
		})
	}
}

// TestQRFlagsKnownAnswerFromFile checks the known payload against its own
// row in the published file, read by the ve-2024-actas converter: the
// flag's comparison is the one an import makes.
func TestQRFlagsKnownAnswerFromFile(t *testing.T) {
	ds, err := veParse(strings.NewReader(veRows(t, "201301006")), "RESULTADOS_2024_CSV_V1.csv")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ds.Election.Contest("president")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, sub := range ds.Sheets {
		sub.Evidence = qrEvidence(veKnownQR)
		flags := QRFlags(sub, c, nil)
		if sub.Sheet.Station == "201301006.1" {
			found = true
			if flags != 0 {
				t.Errorf("table 1 flagged: %q", QRProblems(sub, c, nil))
			}
		} else if flags != actas.FlagQRMismatch {
			t.Errorf("table %s with table 1's QR code is not flagged", sub.Sheet.Station)
		}
	}
	if !found {
		t.Fatal("no table 1 in the file's rows")
	}
}

func FuzzQRFlags(f *testing.F) {
	f.Add(veKnownQR)
	f.Add(bu2018)
	f.Add(buManual2016)
	f.Add("201301006.01!1,2!0!0")
	president := veContest("president")
	f.Fuzz(func(t *testing.T, payload string) {
		sub := &actas.Submission{Sheet: veKnownSheet(), Evidence: qrEvidence(payload)}
		flags := QRFlags(sub, president, nil)
		problems := QRProblems(sub, president, nil)
		if (flags != 0) != (len(problems) > 0) || flags&^actas.FlagQRMismatch != 0 {
			t.Fatalf("flags %v, problems %q", flags, problems)
		}
		if strings.Trim(payload, " \t\r\n") == veKnownQR && flags != 0 {
			t.Fatalf("the known payload is flagged: %q", problems)
		}
	})
}

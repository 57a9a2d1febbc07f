package sheetio_test

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

// vePayload is a Venezuelan tally sheet's QR payload: it holds commas, so
// a CSV cell quotes it.
const vePayload = "201301006.01.1.0001!140,7,10,8,1,7,1,0,2,3,0,1,8,1,0,1,0,3,1,1,0,1,0,0,0,0,0,0,1,2,0,0,0,5,7,155,1,1!0!0"

func qr(text string) actas.Evidence { return actas.Evidence{Kind: "qr", Text: text} }

func TestReadSheetQR(t *testing.T) {
	p1 := photoName(1)
	long := "QRBU:1:1 " + strings.Repeat("X", sheetio.MaxQRPayload-len("QRBU:1:1 "))
	president := func(station string, ev ...actas.Evidence) *actas.Submission {
		return &actas.Submission{Sheet: *sheet(station, "president", []int64{1, 2, 3}, 0, 0, 6, unknown), Evidence: ev}
	}
	for _, tc := range []struct {
		name    string
		contest string
		file    string
		want    []*actas.Submission
	}{
		{"a quoted payload with commas, and an empty cell", "president",
			"station,eg,nm,lm,blank,null,ballots,qr\n0101,1,2,3,0,0,6,\"" + vePayload + "\"\n0102,1,2,3,0,0,6,\n",
			[]*actas.Submission{president("0101", qr(vePayload)), president("0102")}},
		{"spaces around the payload are dropped", "president",
			"station,eg,nm,lm,blank,null,ballots,qr\n0101,1,2,3,0,0,6,\"  " + vePayload + " \"\n",
			[]*actas.Submission{president("0101", qr(vePayload))}},
		{"photos come first, then the payload", "president",
			"qr,station,eg,nm,lm,blank,null,ballots,photos\n\"" + vePayload + "\",0101,1,2,3,0,0,6," + p1 + "\n",
			[]*actas.Submission{president("0101", actas.Evidence{Kind: "photo", SHA256: p1}, qr(vePayload))}},
		{"a payload that disagrees with the row is read as it is: it is evidence", "president",
			"station,eg,nm,lm,blank,null,ballots,qr\n0101,1,2,3,0,0,6,not a tally sheet\n",
			[]*actas.Submission{president("0101", qr("not a tally sheet"))}},
		{"a payload as long as a QR code holds, longer than other cells may be", "president",
			"station,eg,nm,lm,blank,null,ballots,qr\n0101,1,2,3,0,0,6," + long + "\n",
			[]*actas.Submission{president("0101", qr(long))}},
		{"with a contest column", "",
			"station,contest,eg,nm,lm,yes,no,blank,null,ballots,qr\n0101,president,1,2,3,,,0,0,6,x\n0101,referendum,,,,1,2,0,0,3,\n",
			[]*actas.Submission{president("0101", qr("x")), {Sheet: *sheet("0101", "referendum", []int64{1, 2}, 0, 0, 3, unknown)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := MustSampleElection(t)
			_, idx := MustSampleIndex(t)
			got, err := readSubmissions([]byte(tc.file), e, tc.contest, idx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s\nwant %s", dumpSubs(got), dumpSubs(tc.want))
			}
		})
	}

	t.Run("in an election with a choice named qr, the column is the choice's", func(t *testing.T) {
		e := &actas.Election{ID: "x", Name: "X", Levels: []string{"state"},
			Contests: []actas.Contest{{ID: "contest", Choices: []actas.Choice{{ID: "qr"}, {ID: "code"}}}}}
		idx := sheetio.NewIndex([]actas.Station{{Code: "1", Area: "A"}})
		got, err := readSubmissions([]byte("station,qr,code,blank,null,ballots\n1,5,6,0,0,11\n"), e, "", idx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0].Sheet.Votes, []int64{5, 6}) || got[0].Evidence != nil {
			t.Fatalf("got %s, want votes 5 and 6 and no QR payload", dumpSubs(got))
		}
		_, err = sheetio.NewSheetWriter(io.Discard, sheetio.SheetColumns{QR: true}, &e.Contests[0])
		wantInvalid(t, err)
	})

	const header = "station,eg,nm,lm,blank,null,ballots,qr\n"
	for _, tc := range []struct {
		name, cell, reason string
	}{
		{"one byte longer than a QR code holds", long + "X", "is longer than 4296 bytes"},
		{"a tab inside", "\"a\tb\"", "control character"},
		{"a line break inside", "\"a\nb\"", "control character"},
		{"bytes that are not UTF-8", "a\xffb", "not valid UTF-8"},
	} {
		t.Run("a payload with "+tc.name+" is malformed", func(t *testing.T) {
			e := MustSampleElection(t)
			_, idx := MustSampleIndex(t)
			_, err := readSubmissions([]byte(header+"0101,1,2,3,0,0,6,x\n0102,1,2,3,0,0,6,"+tc.cell+"\n"), e, "president", idx)
			wantParseError(t, err, "sheets.csv", 3, 8, "qr", tc.reason)
		})
	}
}

func TestWriteSheetQR(t *testing.T) {
	e := MustSampleElection(t)
	_, idx := MustSampleIndex(t)
	president, _ := e.Contest("president")
	referendum, _ := e.Contest("referendum")
	sub := func(s *actas.Sheet, ev ...actas.Evidence) *actas.Submission {
		return &actas.Submission{Sheet: *s, Evidence: ev}
	}
	p1 := photoName(1)
	quoted := `QRBU:1:1 NOTE:"quoted",comma`

	t.Run("a file with QR payloads is written with the column and reads back", func(t *testing.T) {
		subs := []*actas.Submission{
			sub(sheet("0101", "president", []int64{200, 100, 5}, 3, 2, 310, 310), actas.Evidence{Kind: "photo", SHA256: p1}, qr(vePayload)),
			sub(sheet("0102", "president", []int64{150, 120, 0}, 0, 1, 271, unknown)),
			sub(sheet("0101", "referendum", []int64{150, 140}, 10, 10, 310, 300), qr(quoted)),
		}
		var buf bytes.Buffer
		if err := sheetio.WriteSheets(&buf, sheetio.SheetColumns{Contest: true, Voters: true}, subs, president, referendum); err != nil {
			t.Fatal(err)
		}
		if first, _, _ := strings.Cut(buf.String(), "\n"); !strings.HasSuffix(first, ",voters,photos,qr") {
			t.Fatalf("header %q has no qr column after photos", first)
		}
		if want := `,"QRBU:1:1 NOTE:""quoted"",comma"` + "\n"; !strings.Contains(buf.String(), want) {
			t.Fatalf("file\n%s\nlacks the quoted payload %s", buf.String(), want)
		}
		got, err := readSubmissions(buf.Bytes(), e, "", idx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, subs) {
			t.Fatalf("read back %s\nwant %s", dumpSubs(got), dumpSubs(subs))
		}
	})

	t.Run("a file without QR payloads has no qr column", func(t *testing.T) {
		var buf bytes.Buffer
		subs := []*actas.Submission{sub(sheet("0101", "president", []int64{1, 2, 3}, 0, 0, 6, unknown))}
		if err := sheetio.WriteSheets(&buf, sheetio.SheetColumns{}, subs, president); err != nil {
			t.Fatal(err)
		}
		if got, want := buf.String(), "station,eg,nm,lm,blank,null,ballots\n0101,1,2,3,0,0,6\n"; got != want {
			t.Fatalf("file %q, want %q", got, want)
		}
	})

	for _, tc := range []struct {
		name string
		cols sheetio.SheetColumns
		ev   []actas.Evidence
	}{
		{"a QR payload in a file without the column", sheetio.SheetColumns{}, []actas.Evidence{qr(vePayload)}},
		{"two QR payloads", sheetio.SheetColumns{QR: true}, []actas.Evidence{qr(vePayload), qr(vePayload)}},
		{"an empty payload", sheetio.SheetColumns{QR: true}, []actas.Evidence{qr("")}},
		{"a payload with a line break", sheetio.SheetColumns{QR: true}, []actas.Evidence{qr("a\nb")}},
		{"a payload with surrounding spaces", sheetio.SheetColumns{QR: true}, []actas.Evidence{qr(" " + vePayload)}},
		{"a payload longer than a QR code holds", sheetio.SheetColumns{QR: true}, []actas.Evidence{qr(strings.Repeat("9", sheetio.MaxQRPayload+1))}},
		{"a payload that is not UTF-8", sheetio.SheetColumns{QR: true}, []actas.Evidence{qr("a\xffb")}},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			var buf bytes.Buffer
			sw, err := sheetio.NewSheetWriter(&buf, tc.cols, president)
			if err != nil {
				t.Fatal(err)
			}
			wantInvalid(t, sw.WriteSubmission(sub(sheet("0101", "president", []int64{1, 2, 3}, 0, 0, 6, unknown), tc.ev...)))
			if err := sw.Flush(); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(buf.String(), "\n"); n != 1 {
				t.Fatalf("a refused row was written: %q", buf.String())
			}
		})
	}
}

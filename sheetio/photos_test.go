package sheetio_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

// photoName is the name of a made-up stored photo.
func photoName(seed int) string {
	sum := sha256.Sum256([]byte(fmt.Sprint("photo ", seed)))
	return hex.EncodeToString(sum[:])
}

func photos(names ...string) []actas.Evidence {
	var ev []actas.Evidence
	for _, n := range names {
		ev = append(ev, actas.Evidence{Kind: "photo", SHA256: n})
	}
	return ev
}

// readSubmissions reads a sheets file with a SheetReader, as an import
// does: each sheet with its photos.
func readSubmissions(data []byte, e *actas.Election, contest string, idx *sheetio.Index) ([]*actas.Submission, error) {
	sr, err := sheetio.NewSheetReader(bytes.NewReader(data), "sheets.csv", e, contest, idx.Station)
	if err != nil {
		return nil, err
	}
	var out []*actas.Submission
	for {
		s, err := sr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, &actas.Submission{Sheet: *s, Evidence: sr.Evidence()})
	}
}

func dumpSubs(subs []*actas.Submission) string {
	var b strings.Builder
	for _, s := range subs {
		fmt.Fprintf(&b, "\n  %+v %+v", s.Sheet, s.Evidence)
	}
	return b.String()
}

func TestReadSheetPhotos(t *testing.T) {
	p1, p2, p3 := photoName(1), photoName(2), photoName(3)
	president := func(station string, ev ...string) *actas.Submission {
		return &actas.Submission{Sheet: *sheet(station, "president", []int64{1, 2, 3}, 0, 0, 6, unknown), Evidence: photos(ev...)}
	}
	for _, tc := range []struct {
		name    string
		contest string
		file    string
		want    []*actas.Submission
	}{
		{"one photo, two, or none", "president",
			"station,eg,nm,lm,blank,null,ballots,photos\n0101,1,2,3,0,0,6," + p1 + "\n0102,1,2,3,0,0,6," + p2 + " " + p3 + "\n0201,1,2,3,0,0,6,\n",
			[]*actas.Submission{president("0101", p1), president("0102", p2, p3), president("0201")}},
		{"spaces around and between names", "president",
			"station,eg,nm,lm,blank,null,ballots,photos\n0101,1,2,3,0,0,6,\"  " + p1 + "   " + p2 + " \"\n",
			[]*actas.Submission{president("0101", p1, p2)}},
		{"a photo named twice is kept once", "president",
			"station,eg,nm,lm,blank,null,ballots,photos\n0101,1,2,3,0,0,6," + p2 + " " + p1 + " " + p2 + "\n",
			[]*actas.Submission{president("0101", p2, p1)}},
		{"the photos column first, with a contest column", "",
			"photos,station,contest,eg,nm,lm,yes,no,blank,null,ballots\n" + p3 + ",0101,president,1,2,3,,,0,0,6\n,0101,referendum,,,,1,2,0,0,3\n",
			[]*actas.Submission{president("0101", p3), {Sheet: *sheet("0101", "referendum", []int64{1, 2}, 0, 0, 3, unknown)}}},
		{"no photos column", "president",
			"station,eg,nm,lm,blank,null,ballots\n0101,1,2,3,0,0,6\n",
			[]*actas.Submission{president("0101")}},
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

	t.Run("in an election with a choice named photos, the column is the choice's", func(t *testing.T) {
		e := &actas.Election{ID: "x", Name: "X", Levels: []string{"state"},
			Contests: []actas.Contest{{ID: "contest", Choices: []actas.Choice{{ID: "photos"}, {ID: "video"}}}}}
		idx := sheetio.NewIndex([]actas.Station{{Code: "1", Area: "A"}})
		got, err := readSubmissions([]byte("station,photos,video,blank,null,ballots\n1,5,6,0,0,11\n"), e, "", idx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0].Sheet.Votes, []int64{5, 6}) || got[0].Evidence != nil {
			t.Fatalf("got %s, want votes 5 and 6 and no photos", dumpSubs(got))
		}
		_, err = sheetio.NewSheetWriter(io.Discard, sheetio.SheetColumns{Photos: true}, &e.Contests[0])
		wantInvalid(t, err)
	})

	const header = "station,eg,nm,lm,blank,null,ballots,photos\n"
	for _, tc := range []struct {
		name, cell, reason string
	}{
		{"uppercase hex", strings.ToUpper(p1), "is not the name of a stored photo"},
		{"a name one digit short", p1[:63], "64 lowercase hexadecimal digits"},
		{"a prefixed name", "sha256:" + p1, "is not the name of a stored photo"},
		{"names separated by commas", `"` + p1 + "," + p2 + `"`, "several separated by spaces"},
		{"a file name", "acta-0101.jpg", `"acta-0101.jpg" is not the name of a stored photo`},
		{"a good name then a bad one", p1 + " " + p2[1:], "is not the name"},
	} {
		t.Run("a photo named by "+tc.name+" is malformed", func(t *testing.T) {
			e := MustSampleElection(t)
			_, idx := MustSampleIndex(t)
			_, err := readSubmissions([]byte(header+"0101,1,2,3,0,0,6,\n0102,1,2,3,0,0,6,"+tc.cell+"\n"), e, "president", idx)
			wantParseError(t, err, "sheets.csv", 3, 8, "photos", tc.reason)
		})
	}
}

func TestWriteSheetPhotos(t *testing.T) {
	e := MustSampleElection(t)
	_, idx := MustSampleIndex(t)
	president, _ := e.Contest("president")
	referendum, _ := e.Contest("referendum")
	p1, p2 := photoName(1), photoName(2)
	sub := func(s *actas.Sheet, ev ...actas.Evidence) *actas.Submission {
		return &actas.Submission{Sheet: *s, Evidence: ev}
	}
	link := actas.Evidence{Kind: "link", URL: "https://example.org/0101.jpg"}

	t.Run("a file with photos is written with the column and reads back", func(t *testing.T) {
		subs := []*actas.Submission{
			sub(sheet("0101", "president", []int64{200, 100, 5}, 3, 2, 310, 310), photos(p1, p2)...),
			sub(sheet("0102", "president", []int64{150, 120, 0}, 0, 1, 271, unknown)),
			sub(sheet("0101", "referendum", []int64{150, 140}, 10, 10, 310, 300), photos(p2)...),
		}
		var buf bytes.Buffer
		if err := sheetio.WriteSheets(&buf, sheetio.SheetColumns{Contest: true, Voters: true}, subs, president, referendum); err != nil {
			t.Fatal(err)
		}
		if first, _, _ := strings.Cut(buf.String(), "\n"); !strings.HasSuffix(first, ",voters,photos") {
			t.Fatalf("header %q has no photos column", first)
		}
		if want := "," + p1 + " " + p2 + "\n"; !strings.Contains(buf.String(), want) {
			t.Fatalf("file\n%s\nlacks the row's photos %q", buf.String(), want)
		}
		got, err := readSubmissions(buf.Bytes(), e, "", idx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, subs) {
			t.Fatalf("read back %s\nwant %s", dumpSubs(got), dumpSubs(subs))
		}
	})

	t.Run("a file without photos has no photos column", func(t *testing.T) {
		var buf bytes.Buffer
		subs := []*actas.Submission{sub(sheet("0101", "president", []int64{1, 2, 3}, 0, 0, 6, unknown), link)}
		if err := sheetio.WriteSheets(&buf, sheetio.SheetColumns{}, subs, president); err != nil {
			t.Fatal(err)
		}
		if got, want := buf.String(), "station,eg,nm,lm,blank,null,ballots\n0101,1,2,3,0,0,6\n"; got != want {
			t.Fatalf("file %q, want %q", got, want)
		}
	})

	t.Run("links are left out, photos kept once, the QR payload written", func(t *testing.T) {
		var buf bytes.Buffer
		s := sub(sheet("0101", "president", []int64{1, 2, 3}, 0, 0, 6, unknown),
			link, actas.Evidence{Kind: "photo", SHA256: p1}, actas.Evidence{Kind: "qr", Text: "x"}, actas.Evidence{Kind: "photo", SHA256: p1})
		if err := sheetio.WriteSheets(&buf, sheetio.SheetColumns{}, []*actas.Submission{s}, president); err != nil {
			t.Fatal(err)
		}
		if got, want := buf.String(), "station,eg,nm,lm,blank,null,ballots,photos,qr\n0101,1,2,3,0,0,6,"+p1+",x\n"; got != want {
			t.Fatalf("file %q, want %q", got, want)
		}
	})

	for _, tc := range []struct {
		name string
		cols sheetio.SheetColumns
		ev   []actas.Evidence
	}{
		{"a photo whose name is not a SHA-256", sheetio.SheetColumns{Photos: true}, photos("acta.jpg")},
		{"an uppercase name", sheetio.SheetColumns{Photos: true}, photos(strings.ToUpper(p1))},
		{"photos in a file without the column", sheetio.SheetColumns{}, photos(p1)},
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

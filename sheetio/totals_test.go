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

func total(contest, area, choice string, votes int64) actas.OfficialTotal {
	return actas.OfficialTotal{Contest: contest, Bulletin: "bulletin-2", Area: area, Choice: choice, Votes: votes}
}

func TestReadTotals(t *testing.T) {
	plain := `area,choice,votes
national,eg,5326104
national,nm,6408844
national,null,50785
national,registered,21321805
Zulia,eg,900000
Zulia/Maracaibo,voters,400000
`
	plainTotals := []actas.OfficialTotal{
		total("president", "", "eg", 5326104),
		total("president", "", "nm", 6408844),
		total("president", "", "null", 50785),
		total("president", "", "registered", 21321805),
		total("president", "Zulia", "eg", 900000),
		total("president", "Zulia/Maracaibo", "voters", 400000),
	}
	for _, tc := range []struct {
		name    string
		contest string
		file    string
		want    []actas.OfficialTotal
	}{
		{"one contest", "president", plain, plainTotals},
		{"with a byte-order mark and CRLF", "president", "\ufeff" + strings.ReplaceAll(plain, "\n", "\r\n"), plainTotals},
		{"columns in another order", "president", "votes,area,choice\n7,national,lm\n",
			[]actas.OfficialTotal{total("president", "", "lm", 7)}},
		{"a contest column", "", "contest,area,choice,votes\nreferendum,national,yes,10\nrecall,national,yes,12\n",
			[]actas.OfficialTotal{total("referendum", "", "yes", 10), total("recall", "", "yes", 12)}},
		{"an area name with a slash, written escaped", "president", "area,choice,votes\n\"TÁCHIRA/MP. L\\/DIEGO BAUTISTA\",eg,3\n",
			[]actas.OfficialTotal{total("president", `TÁCHIRA/MP. L\/DIEGO BAUTISTA`, "eg", 3)}},
		{"an area written decomposed", "president", "area,choice,votes\nZulia/Maracaibo/Chiquinquira\u0301,eg,3\n",
			[]actas.OfficialTotal{total("president", "Zulia/Maracaibo/Chiquinquirá", "eg", 3)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := MustSampleElection(t)
			_, idx := MustSampleIndex(t)
			got, err := sheetio.ReadTotals(strings.NewReader(tc.file), "totals.csv", e, tc.contest, "bulletin-2", idx.Area)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestReadTotalsErrors(t *testing.T) {
	const header = "area,choice,votes\n"
	for _, tc := range []struct {
		name         string
		contest      string
		file         string
		line, column int
		field        string
		reason       string
	}{
		{"unknown area", "president", header + "national,eg,1\nLara,eg,2\n", 3, 1, "area", `unknown area "Lara"`},
		{"empty area", "president", header + ",eg,1\n", 2, 1, "area", "is empty; write national"},
		{"malformed area path", "president", header + "Zulia//Maracaibo,eg,1\n", 2, 1, "area", "is not an area path"},
		{"unknown choice", "president", header + "national,zz,1\n", 2, 2, "choice", `"zz" is not a choice of contest president (eg, nm, lm) nor one of blank, null, ballots, voters, registered`},
		{"empty choice", "president", header + "national,,1\n", 2, 2, "choice", "is empty"},
		{"votes with decimals", "president", header + "national,eg,51.2\n", 2, 3, "votes", "not a whole number"},
		{"votes negative", "president", header + "national,eg,-4\n", 2, 3, "votes", "is negative"},
		{"same figure twice", "president", header + "national,eg,1\nZulia,eg,2\nnational,eg,1\n", 4, 2, "choice", "eg of national appears twice, on lines 2 and 4"},
		{"unknown column", "president", "area,choice,votes,percent\n", 1, 4, "", `unknown column "percent"`},
		{"missing column", "president", "area,votes\n", 1, 0, "", "missing column(s) choice"},
		{"several contests and no contest column", "", header, 1, 0, "", "has several contests"},
		{"unknown contest in a row", "", "contest,area,choice,votes\nsenate,national,eg,1\n", 2, 1, "contest", `unknown contest "senate"`},
		{"row of another contest", "president", "contest,area,choice,votes\nrecall,national,yes,1\n", 2, 1, "contest", "contest president is being imported"},
		{"too many fields", "president", header + "national,eg,1,2\n", 2, 0, "", "the row has 4 fields but the header has 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := MustSampleElection(t)
			_, idx := MustSampleIndex(t)
			_, err := sheetio.ReadTotals(strings.NewReader(tc.file), "totals.csv", e, tc.contest, "bulletin-2", idx.Area)
			wantParseError(t, err, "totals.csv", tc.line, tc.column, tc.field, tc.reason)
		})
	}
	t.Run("no bulletin named", func(t *testing.T) {
		e := MustSampleElection(t)
		_, idx := MustSampleIndex(t)
		_, err := sheetio.ReadTotals(strings.NewReader(header), "totals.csv", e, "president", " ", idx.Area)
		wantParseError(t, err, "totals.csv", 0, 0, "", "no bulletin named")
	})
}

func TestWriteTotals(t *testing.T) {
	e := MustSampleElection(t)
	_, idx := MustSampleIndex(t)
	totals := []actas.OfficialTotal{
		total("president", "", "eg", 5326104),
		total("president", `TÁCHIRA/MP. L\/DIEGO BAUTISTA`, "ballots", 12),
		total("recall", "Zulia", "yes", 3),
	}
	var buf bytes.Buffer
	if err := sheetio.WriteTotals(&buf, totals); err != nil {
		t.Fatal(err)
	}
	got, err := sheetio.ReadTotals(&buf, "totals.csv", e, "", "bulletin-2", idx.Area)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, totals) {
		t.Fatalf("read back %+v\nwant %+v", got, totals)
	}
	for _, tc := range []struct {
		name   string
		totals []actas.OfficialTotal
	}{
		{"two bulletins", []actas.OfficialTotal{totals[0], {Contest: "president", Bulletin: "bulletin-1", Choice: "nm"}}},
		{"same figure twice", []actas.OfficialTotal{totals[0], totals[0]}},
		{"negative votes", []actas.OfficialTotal{total("president", "", "eg", -1)}},
		{"area not canonical", []actas.OfficialTotal{total("president", "national", "eg", 1)}},
		{"area with an empty name", []actas.OfficialTotal{total("president", "Zulia/", "eg", 1)}},
		{"choice not an id", []actas.OfficialTotal{total("president", "", "E G", 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantInvalid(t, sheetio.WriteTotals(io.Discard, tc.totals))
		})
	}
}

func FuzzReadTotals(f *testing.F) {
	f.Add([]byte("area,choice,votes\nnational,eg,5326104\nZulia,registered,10\n"), uint8(1))
	f.Add([]byte("\ufeffcontest,area,choice,votes\r\nreferendum,national,yes,10\r\nrecall,Zulia/Maracaibo,no,0\r\n"), uint8(0))
	f.Add([]byte("votes,choice,area\n1,nm,\"TÁCHIRA/MP. L\\/DIEGO BAUTISTA\"\n"), uint8(1))
	f.Add([]byte("area,choice,votes\nnational,eg,1\nnational,eg,2\n"), uint8(1))
	f.Add([]byte("area,choice,votes\nLara,eg,1.5\n"), uint8(1))
	// Read-only in every run: built once.
	e := MustSampleElection(f)
	_, idx := MustSampleIndex(f)
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		contest := fuzzContest(e, pick)
		fuzzRoundTrip(t, "totals", data, func(r io.Reader) ([]actas.OfficialTotal, error) {
			return sheetio.ReadTotals(r, "totals.csv", e, contest, "b", idx.Area)
		}, sheetio.WriteTotals)
	})
}

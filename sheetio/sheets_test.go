package sheetio_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

func sheet(station, contest string, votes []int64, blank, null, ballots, voters int64) *actas.Sheet {
	return &actas.Sheet{Station: station, Contest: contest, Votes: votes, Blank: blank, Null: null, Ballots: ballots, Voters: voters}
}

const unknown = actas.Unknown

func TestReadSheets(t *testing.T) {
	president := `station,eg,nm,lm,blank,null,ballots,voters
0101,200,100,5,3,2,310,310
0102,150,120,0,0,1,271,
0101,201,100,5,3,2,311,311
`
	presidentSheets := []*actas.Sheet{
		sheet("0101", "president", []int64{200, 100, 5}, 3, 2, 310, 310),
		sheet("0102", "president", []int64{150, 120, 0}, 0, 1, 271, unknown),
		sheet("0101", "president", []int64{201, 100, 5}, 3, 2, 311, 311),
	}
	several := `station,contest,eg,nm,lm,yes,no,blank,null,ballots
0101,president,200,100,5,,,3,2,310
0101,referendum,,,,150,140,10,10,310
Zulia,recall, , , ,60,30,0,0,90
`
	severalSheets := []*actas.Sheet{
		sheet("0101", "president", []int64{200, 100, 5}, 3, 2, 310, unknown),
		sheet("0101", "referendum", []int64{150, 140}, 10, 10, 310, unknown),
		sheet("Zulia", "recall", []int64{60, 30}, 0, 0, 90, unknown),
	}
	for _, tc := range []struct {
		name    string
		contest string
		file    string
		want    []*actas.Sheet
	}{
		{"one contest, voters stated or not, a station corrected", "president", president, presidentSheets},
		{"with a byte-order mark", "president", "\ufeff" + president, presidentSheets},
		{"with CRLF line ends", "president", strings.ReplaceAll(president, "\n", "\r\n"), presidentSheets},
		{"columns in another order, without voters", "president",
			"ballots,null,blank,lm,nm,eg,station\n310,2,3,5,100,200,0101\n",
			[]*actas.Sheet{sheet("0101", "president", []int64{200, 100, 5}, 3, 2, 310, unknown)}},
		{"header only", "president", "station,eg,nm,lm,blank,null,ballots\n", nil},
		{"several contests in one file", "", several, severalSheets},
		{"contest column naming the contest being imported", "president",
			"contest,station,eg,nm,lm,blank,null,ballots\npresident,0102,1,2,3,0,0,6\n",
			[]*actas.Sheet{sheet("0102", "president", []int64{1, 2, 3}, 0, 0, 6, unknown)}},
		{"station code in quotes", "referendum",
			"station,yes,no,blank,null,ballots\n\"Zulia\",1,2,0,0,3\n",
			[]*actas.Sheet{sheet("Zulia", "referendum", []int64{1, 2}, 0, 0, 3, unknown)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := MustSampleElection(t)
			_, idx := MustSampleIndex(t)
			got, err := sheetio.ReadSheets(strings.NewReader(tc.file), "sheets.csv", e, tc.contest, idx.Station)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s\nwant %s", dump(got), dump(tc.want))
			}
		})
	}
	t.Run("station code written with a combining accent", func(t *testing.T) {
		e := MustSampleElection(t)
		idx := sheetio.NewIndex([]actas.Station{{Code: "PEÑA-1", Area: "A/B/C"}})
		file := "station,yes,no,blank,null,ballots\nPEN\u0303A-1,1,2,0,0,3\n"
		got, err := sheetio.ReadSheets(strings.NewReader(file), "sheets.csv", e, "recall", idx.Station)
		if err != nil || len(got) != 1 || got[0].Station != "PEÑA-1" {
			t.Fatalf("got %v, %v; want the sheet of station PEÑA-1", got, err)
		}
	})
	t.Run("sheets are independent", func(t *testing.T) {
		e := MustSampleElection(t)
		_, idx := MustSampleIndex(t)
		got, err := sheetio.ReadSheets(strings.NewReader(president), "sheets.csv", e, "president", idx.Station)
		if err != nil {
			t.Fatal(err)
		}
		// Votes come from a shared slab; appending must not reach the next sheet.
		_ = append(got[0].Votes, 99)
		if !got[1].Equal(presidentSheets[1]) {
			t.Fatalf("appending to one sheet's votes changed the next: %+v", got[1])
		}
	})
}

func dump(sheets []*actas.Sheet) string {
	var b strings.Builder
	for _, s := range sheets {
		fmt.Fprintf(&b, "\n  %+v", *s)
	}
	return b.String()
}

func TestReadSheetsErrors(t *testing.T) {
	const header = "station,eg,nm,lm,blank,null,ballots,voters\n"
	const multi = "station,contest,eg,nm,lm,yes,no,blank,null,ballots\n"
	for _, tc := range []struct {
		name         string
		contest      string
		file         string
		line, column int
		field        string
		reason       string
	}{
		{"unknown station", "president", header + "0101,1,2,3,0,0,6,6\n9999,1,2,3,0,0,6,6\n", 3, 1, "station", `unknown station "9999"`},
		{"empty station", "president", header + ",1,2,3,0,0,6,6\n", 2, 1, "station", "is empty"},
		{"ballots with decimals", "president", header + "0101,1,2,3,0,0,1.5,6\n", 2, 7, "ballots", `"1.5" is not a whole number`},
		{"negative votes", "president", header + "0101,1,-2,3,0,0,6,6\n", 2, 3, "nm", `"-2" is negative`},
		{"votes with a sign", "president", header + "0101,+1,2,3,0,0,6,6\n", 2, 2, "eg", "has a sign"},
		{"empty votes", "president", header + "0101,1,2,,0,0,6,6\n", 2, 4, "lm", "is empty"},
		{"empty blank", "president", header + "0101,1,2,3,,0,6,6\n", 2, 5, "blank", "is empty"},
		{"votes too large", "president", header + "0101,1,2,3,0,0,6,99999999999999\n", 2, 8, "voters", "too large"},
		{"voters not a number", "president", header + "0101,1,2,3,0,0,6,n/a\n", 2, 8, "voters", `"n/a" is not a number; leave it empty`},
		{"too few fields", "president", header + "0101,1,2,3,0,0,6\n", 2, 0, "", "the row has 7 fields but the header has 8"},
		{"unknown column", "president", "station,eg,nm,lm,xx,blank,null,ballots\n", 1, 5, "", `unknown column "xx"`},
		{"reserved name as column", "president", "station,eg,nm,lm,registered,blank,null,ballots\n", 1, 5, "", `unknown column "registered"`},
		{"choice of another contest", "president", "station,eg,nm,lm,yes,blank,null,ballots\n", 1, 5, "", `unknown column "yes"`},
		{"missing choice", "president", "station,eg,nm,blank,null,ballots\n", 1, 0, "", "missing column(s) lm"},
		{"missing ballots", "president", "station,eg,nm,lm,blank,null\n", 1, 0, "", "missing column(s) ballots"},
		{"several contests and no contest column", "", header, 1, 0, "", "election ve-2024 has several contests (president, referendum, recall)"},
		{"unknown contest in a row", "", multi + "0101,senate,1,2,3,,,0,0,6\n", 2, 2, "contest", `unknown contest "senate"`},
		{"empty contest in a row", "", multi + "0101,,1,2,3,,,0,0,6\n", 2, 2, "contest", "is empty"},
		{"row of another contest than the one imported", "president", multi + "0101,referendum,,,,1,2,0,0,3\n", 2, 2, "contest", "contest president is being imported"},
		{"count in a cell of another contest", "", multi + "0101,referendum,5,,,1,2,0,0,3\n", 2, 3, "eg", "eg is not a choice of contest referendum; leave the cell empty"},
		{"contest whose choices have no column", "", "station,contest,eg,nm,lm,blank,null,ballots\n0101,president,1,2,3,0,0,6\n0101,recall,,,,0,0,0\n",
			3, 2, "contest", "contest recall has choices without a column in the header: yes, no"},
		{"column of no contest", "", "station,contest,eg,nm,lm,zz,blank,null,ballots\n", 1, 6, "", `unknown column "zz": it is not a choice of any contest`},
		{"station field too long", "president", header + strings.Repeat("1", 4097) + ",1,2,3,0,0,6,6\n", 2, 1, "station", "longer than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := MustSampleElection(t)
			_, idx := MustSampleIndex(t)
			_, err := sheetio.ReadSheets(strings.NewReader(tc.file), "sheets.csv", e, tc.contest, idx.Station)
			wantParseError(t, err, "sheets.csv", tc.line, tc.column, tc.field, tc.reason)
		})
	}
	t.Run("unknown contest named by the caller", func(t *testing.T) {
		e := MustSampleElection(t)
		_, idx := MustSampleIndex(t)
		_, err := sheetio.ReadSheets(strings.NewReader(header), "sheets.csv", e, "senate", idx.Station)
		if actas.ErrorCode(err) != actas.ENOTFOUND || !strings.Contains(err.Error(), "sheets.csv") {
			t.Fatalf("error %v, want not found naming the file", err)
		}
	})
	t.Run("the message a user reads", func(t *testing.T) {
		e := MustSampleElection(t)
		_, idx := MustSampleIndex(t)
		_, err := sheetio.ReadSheets(strings.NewReader(header+"0101,1,2,3,0,0,6,6\n0101,1,2,3,0,0,1.5,6\n"), "sheets.csv", e, "president", idx.Station)
		if got, want := actas.ErrorMessage(err), `sheets.csv:3:7: ballots: "1.5" is not a whole number; write digits only, without decimals or thousands separators`; got != want {
			t.Fatalf("message\n%s\nwant\n%s", got, want)
		}
	})
}

func TestWriteSheets(t *testing.T) {
	e := MustSampleElection(t)
	_, idx := MustSampleIndex(t)
	president, _ := e.Contest("president")
	referendum, _ := e.Contest("referendum")
	recall, _ := e.Contest("recall")
	sheets := []*actas.Sheet{
		sheet("0101", "president", []int64{200, 100, 5}, 3, 2, 310, 310),
		sheet("0102", "president", []int64{150, 120, 0}, 0, 1, 271, unknown),
		sheet("0101", "referendum", []int64{150, 140}, 10, 10, 310, 300),
		sheet("Zulia", "recall", []int64{60, 30}, 0, 0, 90, unknown),
	}
	for _, tc := range []struct {
		name     string
		cols     sheetio.SheetColumns
		contests []*actas.Contest
		contest  string // passed to the reader
		sheets   []*actas.Sheet
		want     []*actas.Sheet
	}{
		{"one contest with voters", sheetio.SheetColumns{Voters: true}, []*actas.Contest{president}, "president", sheets[:2], sheets[:2]},
		{"one contest without voters", sheetio.SheetColumns{}, []*actas.Contest{president}, "president", sheets[:2], []*actas.Sheet{
			sheet("0101", "president", []int64{200, 100, 5}, 3, 2, 310, unknown), sheets[1]}},
		{"several contests", sheetio.SheetColumns{Contest: true, Voters: true}, []*actas.Contest{president, referendum, recall}, "", sheets, sheets},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			sw, err := sheetio.NewSheetWriter(&buf, tc.cols, tc.contests...)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.sheets {
				if err := sw.Write(s); err != nil {
					t.Fatal(err)
				}
			}
			if err := sw.Flush(); err != nil {
				t.Fatal(err)
			}
			got, err := sheetio.ReadSheets(&buf, "sheets.csv", e, tc.contest, idx.Station)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("read back %s\nwant %s", dump(got), dump(tc.want))
			}
		})
	}
	t.Run("header of several contests", func(t *testing.T) {
		var buf bytes.Buffer
		sw, err := sheetio.NewSheetWriter(&buf, sheetio.SheetColumns{Contest: true, Voters: true}, president, referendum, recall)
		if err != nil {
			t.Fatal(err)
		}
		sw.Flush()
		if got, want := buf.String(), "station,contest,eg,nm,lm,yes,no,blank,null,ballots,voters\n"; got != want {
			t.Fatalf("header %q, want %q", got, want)
		}
	})
	for _, tc := range []struct {
		name  string
		sheet *actas.Sheet
	}{
		{"contest not opened", sheet("0101", "referendum", []int64{1, 2}, 0, 0, 3, 3)},
		{"too few votes", sheet("0101", "president", []int64{1, 2}, 0, 0, 3, 3)},
		{"negative ballots", sheet("0101", "president", []int64{1, 2, 3}, 0, 0, -6, 3)},
		{"votes too large", sheet("0101", "president", []int64{1e13, 2, 3}, 0, 0, 6, 3)},
		{"voters negative", sheet("0101", "president", []int64{1, 2, 3}, 0, 0, 6, -5)},
		{"station code with a line end", sheet("01\n01", "president", []int64{1, 2, 3}, 0, 0, 6, 6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sw, err := sheetio.NewSheetWriter(io.Discard, sheetio.SheetColumns{Voters: true}, president)
			if err != nil {
				t.Fatal(err)
			}
			wantInvalid(t, sw.Write(tc.sheet))
		})
	}
	t.Run("several contests without a contest column", func(t *testing.T) {
		_, err := sheetio.NewSheetWriter(io.Discard, sheetio.SheetColumns{}, president, recall)
		wantInvalid(t, err)
	})
}

func FuzzReadSheets(f *testing.F) {
	f.Add([]byte("station,eg,nm,lm,blank,null,ballots,voters\n0101,200,100,5,3,2,310,310\n0102,1,2,3,0,0,6,\n"), uint8(1))
	f.Add([]byte("\ufeffstation,eg,nm,lm,blank,null,ballots\r\n0101,200,100,5,3,2,310\r\n0101,200,100,5,3,2,311\r\n"), uint8(1))
	f.Add([]byte("station,contest,eg,nm,lm,yes,no,blank,null,ballots\n0101,president,200,100,5,,,3,2,310\nZulia,recall,,,,1,2,0,0,3\n"), uint8(0))
	f.Add([]byte("station,yes,no,blank,null,ballots,voters\n\"Zulia\",1,2,0,0,3,\n"), uint8(3))
	f.Add([]byte("station,eg,nm,lm,blank,null,ballots\n0101,1.5,-2,,0,0,\"6\n"), uint8(1))
	f.Add([]byte("station,eg,nm,lm,blank,null,ballots,photos\n0101,200,100,5,3,2,310,"+photoName(1)+" "+photoName(2)+"\n0102,1,2,3,0,0,6,\n0201,1,2,3,0,0,6,"+photoName(1)+" x\n"), uint8(1))
	f.Add([]byte("station,eg,nm,lm,blank,null,ballots,photos,qr\n0101,200,100,5,3,2,310,"+photoName(1)+",\""+vePayload+"\"\n0102,1,2,3,0,0,6,,\" QRBU:1:1 \"\"x\"\" \"\n0201,1,2,3,0,0,6,,\"a\tb\"\n"), uint8(1))
	f.Add([]byte("station,contest,eg,nm,lm,yes,no,blank,null,ballots,qr\n0101,referendum,,,,1,2,0,0,3,x\n0101,president,1,2,3,,,0,0,6,\n"), uint8(0))
	// Read-only in every run: built once.
	e := MustSampleElection(f)
	_, idx := MustSampleIndex(f)
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		contest := fuzzContest(e, pick)
		subs, err := readSubmissions(data, e, contest, idx)
		if err != nil {
			wantMalformed(t, err)
			return
		}
		// ReadSheets reads the same sheets.
		sheets, err := sheetio.ReadSheets(bytes.NewReader(data), "sheets.csv", e, contest, idx.Station)
		if err != nil || len(sheets) != len(subs) {
			t.Fatalf("ReadSheets read %d sheets (%v), a SheetReader %d", len(sheets), err, len(subs))
		}
		for i := range subs {
			if !reflect.DeepEqual(*sheets[i], subs[i].Sheet) {
				t.Fatalf("sheet %d: ReadSheets read %+v, a SheetReader %+v", i+1, *sheets[i], subs[i].Sheet)
			}
		}
		if len(subs) == 0 {
			return
		}
		// Write back with the contests present; a contest column whenever
		// the reader was not told the contest.
		cols := sheetio.SheetColumns{Contest: contest == ""}
		var contests []*actas.Contest
		for i := range e.Contests {
			for _, s := range subs {
				if s.Sheet.Contest == e.Contests[i].ID {
					contests = append(contests, &e.Contests[i])
					break
				}
			}
		}
		for _, s := range subs {
			cols.Voters = cols.Voters || s.Sheet.Voters != actas.Unknown
		}
		var buf bytes.Buffer
		if err := sheetio.WriteSheets(&buf, cols, subs, contests...); err != nil {
			t.Fatalf("writing what was read: %v", err)
		}
		again, err := readSubmissions(buf.Bytes(), e, contest, idx)
		if err != nil {
			t.Fatalf("reading what was written: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(again, subs) {
			t.Fatalf("round trip changed the sheets:%s\n%s", dumpSubs(subs), dumpSubs(again))
		}
	})
}

// MustBenchElection returns an election of the target size's shape (5
// levels, one contest of 12 choices), n stations, and a sheets file for
// them with plausible counts.
func MustBenchElection(tb testing.TB, n int) (*actas.Election, *sheetio.Index, []byte) {
	tb.Helper()
	e := &actas.Election{ID: "bench", Name: "Bench", Levels: []string{"state", "district", "municipality", "parish", "center"},
		Contests: []actas.Contest{{ID: "president"}}}
	for i := 1; i <= 12; i++ {
		id := fmt.Sprintf("c%02d", i)
		e.Contests[0].Choices = append(e.Contests[0].Choices, actas.Choice{ID: id, Name: id})
	}
	if err := e.Validate(); err != nil {
		tb.Fatal(err)
	}
	stations := make([]actas.Station, n)
	var buf bytes.Buffer
	sw, err := sheetio.NewSheetWriter(&buf, sheetio.SheetColumns{Voters: true}, &e.Contests[0])
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	s := &actas.Sheet{Contest: "president", Votes: make([]int64, 12)}
	for i := range stations {
		stations[i] = actas.Station{Code: fmt.Sprintf("%07d", i),
			Area: fmt.Sprintf("S%d/D%d/M%d/P%d/C%d", i/100000, i/20000, i/2000, i/200, i/8), Registered: 600}
		s.Station = stations[i].Code
		s.Ballots = 0
		for j := range s.Votes {
			s.Votes[j] = rng.Int64N(60)
			s.Ballots += s.Votes[j]
		}
		s.Blank, s.Null = rng.Int64N(5), rng.Int64N(5)
		s.Ballots += s.Blank + s.Null
		s.Voters = s.Ballots
		if err := sw.Write(s); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	return e, sheetio.NewIndex(stations), buf.Bytes()
}

// BenchmarkReadSheets reads a whole file of sheets with 12 choices, as an
// import does. The target is 1,050,000 rows in a couple of seconds on one
// core: run with -benchtime=1x and ACTAS_BENCH_ROWS=1050000 to measure it
// directly.
func BenchmarkReadSheets(b *testing.B) {
	rows := 100_000
	if s := os.Getenv("ACTAS_BENCH_ROWS"); s != "" {
		if _, err := fmt.Sscan(s, &rows); err != nil {
			b.Fatalf("ACTAS_BENCH_ROWS=%q: %v", s, err)
		}
	}
	e, idx, data := MustBenchElection(b, rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sheets, err := sheetio.ReadSheets(bytes.NewReader(data), "sheets.csv", e, "president", idx.Station)
		if err != nil || len(sheets) != rows {
			b.Fatalf("read %d sheets, %v", len(sheets), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}

func ExampleReadSheets() {
	stations := []actas.Station{{Code: "0101", Area: "Zulia/Maracaibo", Registered: 500}}
	idx := sheetio.NewIndex(stations)
	e := &actas.Election{ID: "x", Name: "X", Levels: []string{"state", "municipality"},
		Contests: []actas.Contest{{ID: "president", Choices: []actas.Choice{{ID: "eg"}, {ID: "nm"}}}}}

	good := "station,eg,nm,blank,null,ballots,voters\n0101,300,100,5,5,410,\n"
	sheets, err := sheetio.ReadSheets(strings.NewReader(good), "good.csv", e, "", idx.Station)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := sheets[0]
	fmt.Println(s.Station, s.Votes, s.Blank, s.Null, s.Ballots, s.Voters == actas.Unknown)

	bad := good + "0101,300,100,5,5,1.5,\n"
	_, err = sheetio.ReadSheets(strings.NewReader(bad), "bad.csv", e, "", idx.Station)
	fmt.Println(actas.ErrorMessage(err))
	// Output:
	// 0101 [300 100] 5 5 410 true
	// bad.csv:3:6: ballots: "1.5" is not a whole number; write digits only, without decimals or thousands separators
}

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

var sampleLevels = []string{"state", "municipality", "parish"}

func TestReadStations(t *testing.T) {
	want := []actas.Station{
		{Code: "0101", Area: "Zulia/Maracaibo/Chiquinquirá", Registered: 500, Machines: 2},
		{Code: "0102", Area: "Zulia/Maracaibo/Chiquinquirá", Registered: 450, Machines: 1},
		{Code: "0201", Area: "Zulia/Cabimas/Ambrosio", Registered: 300},
		{Code: "0301", Area: `TÁCHIRA/MP. L\/DIEGO BAUTISTA/Centro, Norte`},
		{Code: "Zulia", Area: "Falcón/Carirubana/Punto Fijo", Registered: 100},
	}
	reordered := `parish , machines,station,state,registered,municipality
Chiquinquirá,2,0101,Zulia,500,Maracaibo
Chiquinquirá,1,0102,Zulia,450,Maracaibo
Ambrosio,,0201,Zulia,300,Cabimas
"Centro, Norte",,0301,TÁCHIRA,0,MP. L/DIEGO BAUTISTA

Punto Fijo, ,  Zulia ,Falcón,100,Carirubana`
	for _, tc := range []struct {
		name string
		file string
	}{
		{"as written", sampleStationsCSV},
		{"with a byte-order mark", "\ufeff" + sampleStationsCSV},
		{"with CRLF line ends", strings.ReplaceAll(sampleStationsCSV, "\n", "\r\n")},
		{"columns in another order, spaces and a blank line", reordered},
		// "a" followed by a combining acute accent is the same name as "á".
		{"accents decomposed", strings.ReplaceAll(sampleStationsCSV, "á", "a\u0301")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sheetio.ReadStations(strings.NewReader(tc.file), "stations.csv", sampleLevels)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
	t.Run("without a machines column", func(t *testing.T) {
		got, err := sheetio.ReadStations(strings.NewReader("station,registered,state,municipality,parish\n1,10,A,B,C\n"), "stations.csv", sampleLevels)
		if err != nil || len(got) != 1 || got[0] != (actas.Station{Code: "1", Area: "A/B/C", Registered: 10}) {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("one at a time", func(t *testing.T) {
		sr, err := sheetio.NewStationReader(strings.NewReader(sampleStationsCSV), "stations.csv", sampleLevels)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			_, err := sr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != len(want) {
			t.Fatalf("read %d stations, want %d", n, len(want))
		}
	})
}

func TestReadStationsErrors(t *testing.T) {
	const header = "station,registered,state,municipality,parish\n"
	for _, tc := range []struct {
		name         string
		file         string
		line, column int
		field        string
		reason       string
	}{
		{"empty file", "", 1, 0, "", "the file is empty"},
		{"header only", header, 0, 0, "", "no stations"},
		{"unknown column", "station,registered,state,municipality,parish,district\n", 1, 6, "", `unknown column "district"`},
		{"column named in capitals", "Station,registered,state,municipality,parish\n", 1, 1, "", `unknown column "Station"`},
		{"missing columns", "station,registered,state\n", 1, 0, "", "missing column(s) municipality, parish"},
		{"column twice", "station,registered,state,municipality,parish,state\n", 1, 6, "", `column "state" appears twice, in columns 3 and 6`},
		{"unnamed column", "station,,registered,state,municipality,parish\n", 1, 2, "", "names no column"},
		{"empty code", header + " ,10,A,B,C\n", 2, 1, "station", "is empty"},
		{"empty area name", header + "1,10,A,,C\n", 2, 4, "municipality", "is empty"},
		{"control character in a name", header + "1,10,A,\"B\tb\",C\n", 2, 4, "municipality", "control character"},
		{"invalid UTF-8", header + "1,10,A,B\xe9,C\n", 2, 4, "municipality", "not valid UTF-8"},
		{"negative registered", header + "1,-10,A,B,C\n", 2, 2, "registered", `"-10" is negative`},
		{"decimal registered", header + "1,10.5,A,B,C\n", 2, 2, "registered", `"10.5" is not a whole number`},
		{"thousands separator", header + "1,\"1,000\",A,B,C\n", 2, 2, "registered", "without decimals or thousands separators"},
		{"registered not a number", header + "1,ten,A,B,C\n", 2, 2, "registered", `"ten" is not a number`},
		{"registered empty", header + "1,,A,B,C\n", 2, 2, "registered", "is empty"},
		{"registered too large", header + "1,1000000000000,A,B,C\n", 2, 2, "registered", "too large"},
		{"machines negative", "station,registered,state,municipality,parish,machines\n1,10,A,B,C,-1\n", 2, 6, "machines", "negative"},
		{"duplicate station", header + "1,10,A,B,C\n2,10,A,B,C\n1,20,A,B,D\n", 4, 1, "station", `station "1" appears twice, on lines 2 and 4`},
		{"duplicate station written differently", header + "á,10,A,B,C\na\u0301,10,A,B,C\n", 3, 1, "station", "appears twice"},
		{"too few fields", header + "1,10,A,B\n", 2, 0, "", "the row has 4 fields but the header has 5"},
		{"too many fields", header + "1,10,A,B,C,D\n", 2, 0, "", "the row has 6 fields but the header has 5"},
		{"bare quote", header + "1,10,A,B\"x,C\n", 2, 0, "", `a quote (") at character 9`},
		{"unclosed quote", header + "1,10,\"A,B,C\n2,10,A,B,C\n", 2, 0, "", "runs on to line 3"},
		{"field too long", header + "1,10,A," + strings.Repeat("b", 5000) + ",C\n", 2, 4, "municipality", "longer than 4096 bytes"},
		{"lone carriage returns", strings.ReplaceAll(header+"1,10,A,B,C\n", "\n", "\r"), 1, 5, "", "lone carriage return"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sheetio.ReadStations(strings.NewReader(tc.file), "stations.csv", sampleLevels)
			wantParseError(t, err, "stations.csv", tc.line, tc.column, tc.field, tc.reason)
		})
	}
}

func TestIndex(t *testing.T) {
	_, idx := MustSampleIndex(t)
	for _, code := range []string{"0101", "0301", "Zulia"} {
		if st, ok := idx.Station(code); !ok || st.Code != code {
			t.Errorf("Station(%q) = %v, %v", code, st, ok)
		}
	}
	if _, ok := idx.Station("9999"); ok {
		t.Error("Station(9999) found a station that does not exist")
	}
	for _, path := range []string{"", "Zulia", "Zulia/Maracaibo", "Zulia/Maracaibo/Chiquinquirá", `TÁCHIRA/MP. L\/DIEGO BAUTISTA`} {
		if !idx.Area(path) {
			t.Errorf("Area(%q) = false, want true", path)
		}
	}
	for _, path := range []string{"Maracaibo", "Zulia/Cabimas/Chiquinquirá", "Lara"} {
		if idx.Area(path) {
			t.Errorf("Area(%q) = true, want false", path)
		}
	}
}

func TestWriteStations(t *testing.T) {
	sts, _ := MustSampleIndex(t)
	t.Run("round trip", func(t *testing.T) {
		var buf bytes.Buffer
		if err := sheetio.WriteStations(&buf, sampleLevels, sts); err != nil {
			t.Fatal(err)
		}
		got, err := sheetio.ReadStations(&buf, "stations.csv", sampleLevels)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, sts) {
			t.Fatalf("read back %+v\nwant %+v", got, sts)
		}
	})
	for _, tc := range []struct {
		name string
		st   actas.Station
	}{
		{"empty code", actas.Station{Code: "", Area: "A/B/C"}},
		{"code with spaces around", actas.Station{Code: " 1", Area: "A/B/C"}},
		{"code not in normal form C", actas.Station{Code: "a\u0301", Area: "A/B/C"}},
		{"area with too few names", actas.Station{Code: "1", Area: "A/B"}},
		{"malformed area", actas.Station{Code: "1", Area: "A//C"}},
		{"negative registered", actas.Station{Code: "1", Area: "A/B/C", Registered: -1}},
		{"too many machines", actas.Station{Code: "1", Area: "A/B/C", Machines: 1e13}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantInvalid(t, sheetio.WriteStations(io.Discard, sampleLevels, []actas.Station{tc.st}))
		})
	}
	t.Run("same code twice", func(t *testing.T) {
		two := []actas.Station{{Code: "1", Area: "A/B/C"}, {Code: "1", Area: "A/B/D"}}
		wantInvalid(t, sheetio.WriteStations(io.Discard, sampleLevels, two))
	})
}

func FuzzReadStations(f *testing.F) {
	f.Add([]byte(sampleStationsCSV))
	f.Add([]byte("\ufeffparish,station,registered,municipality,state\r\nC,1,10,B,A\r\n"))
	f.Add([]byte("station,registered,state,municipality,parish,machines\n\"a\"\"b\",0,\"x,y\",B,C,\n"))
	f.Add([]byte("station,registered,state,municipality,parish\n1,10,A,B,C\n1,10,A,B,C\n"))
	f.Add([]byte("station,registered,state,municipality,parish\n1,1.5,A,B\"C,D\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, "stations", data, func(r io.Reader) ([]actas.Station, error) {
			return sheetio.ReadStations(r, "stations.csv", sampleLevels)
		}, func(w io.Writer, sts []actas.Station) error {
			return sheetio.WriteStations(w, sampleLevels, sts)
		})
	})
}

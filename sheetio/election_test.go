package sheetio_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

// sampleElectionJSON is the election the tests of this package share: three
// levels, and three contests of which two share the choice ids yes and no.
const sampleElectionJSON = `{
  "id": "ve-2024",
  "name": "Elección presidencial 2024",
  "date": "2024-07-28",
  "timezone": "America/Caracas",
  "open": "06:00",
  "close": "18:00",
  "levels": ["state", "municipality", "parish"],
  "contests": [
    {"id": "president", "name": "Presidente", "choices": [
      {"id": "eg", "name": "Edmundo González"},
      {"id": "nm", "name": "Nicolás Maduro"},
      {"id": "lm", "name": "Luis Martínez"}
    ]},
    {"id": "referendum", "name": "Referendo", "choices": [{"id": "yes", "name": "Sí"}, {"id": "no", "name": "No"}]},
    {"id": "recall", "name": "Revocatorio", "choices": [{"id": "yes", "name": "Sí"}, {"id": "no", "name": "No"}]}
  ]
}
`

// sampleStationsCSV holds the stations of the sample election. Station
// "Zulia" has the same name as a state, to exercise ambiguous scopes.
const sampleStationsCSV = `station,registered,state,municipality,parish,machines
0101,500,Zulia,Maracaibo,Chiquinquirá,2
0102,450,Zulia,Maracaibo,Chiquinquirá,1
0201,300,Zulia,Cabimas,Ambrosio,
0301,0,TÁCHIRA,MP. L/DIEGO BAUTISTA,"Centro, Norte",
Zulia,100,Falcón,Carirubana,Punto Fijo,
`

// MustSampleElection returns the sample election.
func MustSampleElection(tb testing.TB) *actas.Election {
	tb.Helper()
	e, err := sheetio.ReadElection(strings.NewReader(sampleElectionJSON), "election.json")
	if err != nil {
		tb.Fatalf("sample election: %v", err)
	}
	return e
}

// MustSampleIndex returns the stations of the sample election and their
// index.
func MustSampleIndex(tb testing.TB) ([]actas.Station, *sheetio.Index) {
	tb.Helper()
	sts, err := sheetio.ReadStations(strings.NewReader(sampleStationsCSV), "stations.csv", MustSampleElection(tb).Levels)
	if err != nil {
		tb.Fatalf("sample stations: %v", err)
	}
	return sts, sheetio.NewIndex(sts)
}

// wantParseError checks that err is EINVALID, wraps a *ParseError located
// at line and column and about field, and gives reason in plain words.
func wantParseError(tb testing.TB, err error, file string, line, column int, field, reason string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("no error; want %s:%d:%d: %s: …%s…", file, line, column, field, reason)
	}
	if code := actas.ErrorCode(err); code != actas.EINVALID {
		tb.Errorf("error code %q, want %q (%v)", code, actas.EINVALID, err)
	}
	var pe *sheetio.ParseError
	if !errors.As(err, &pe) {
		tb.Fatalf("error %v does not wrap a *ParseError", err)
	}
	if pe.File != file || pe.Line != line || pe.Column != column || pe.Field != field {
		tb.Errorf("error located at %s:%d:%d field %q, want %s:%d:%d field %q (%v)",
			pe.File, pe.Line, pe.Column, pe.Field, file, line, column, field, err)
	}
	if !strings.Contains(pe.Reason, reason) {
		tb.Errorf("reason %q does not say %q", pe.Reason, reason)
	}
	if !strings.HasPrefix(err.Error(), file) {
		tb.Errorf("message %q does not start with the file name", err.Error())
	}
}

// wantMalformed checks that err is EINVALID and wraps a *ParseError, as
// every rejection of input must.
func wantMalformed(tb testing.TB, err error) {
	tb.Helper()
	var pe *sheetio.ParseError
	if actas.ErrorCode(err) != actas.EINVALID || !errors.As(err, &pe) {
		tb.Fatalf("error %v (%T) is not EINVALID wrapping a *ParseError", err, err)
	}
}

// wantInvalid checks that err is EINVALID: writers refuse what a reader
// would not take back.
func wantInvalid(tb testing.TB, err error) {
	tb.Helper()
	if actas.ErrorCode(err) != actas.EINVALID {
		tb.Fatalf("error %v, want invalid", err)
	}
}

// fuzzRoundTrip is what the fuzz targets of the readers check: input that
// read refuses is refused as malformed, and what it accepts is written and
// read back unchanged. what names the data in failures ("stations").
func fuzzRoundTrip[T any](t *testing.T, what string, data []byte, read func(io.Reader) (T, error), write func(io.Writer, T) error) {
	t.Helper()
	got, err := read(bytes.NewReader(data))
	if err != nil {
		wantMalformed(t, err)
		return
	}
	var buf bytes.Buffer
	if err := write(&buf, got); err != nil {
		t.Fatalf("writing what was read: %v", err)
	}
	again, err := read(&buf)
	if err != nil {
		t.Fatalf("reading what was written: %v\n%s", err, buf.Bytes())
	}
	// No data may come back nil or empty: the same data either way.
	if v := reflect.ValueOf(got); v.Kind() == reflect.Slice && v.Len() == 0 && reflect.ValueOf(again).Len() == 0 {
		return
	}
	if !reflect.DeepEqual(again, got) {
		t.Fatalf("round trip changed the %s:\n%+v\n%+v", what, got, again)
	}
}

// fuzzContest turns a fuzzed byte into the contest a file is read as, or ""
// for a file that names its contests, so that fuzzing tries both.
func fuzzContest(e *actas.Election, pick uint8) string {
	if i := int(pick) % (len(e.Contests) + 1); i > 0 {
		return e.Contests[i-1].ID
	}
	return ""
}

func TestReadElection(t *testing.T) {
	want := &actas.Election{
		ID: "ve-2024", Name: "Elección presidencial 2024", Date: "2024-07-28", Timezone: "America/Caracas",
		Open: "06:00", Close: "18:00", Levels: []string{"state", "municipality", "parish"},
		Contests: []actas.Contest{
			{ID: "president", Name: "Presidente", Choices: []actas.Choice{
				{ID: "eg", Name: "Edmundo González"}, {ID: "nm", Name: "Nicolás Maduro"}, {ID: "lm", Name: "Luis Martínez"}}},
			{ID: "referendum", Name: "Referendo", Choices: []actas.Choice{{ID: "yes", Name: "Sí"}, {ID: "no", Name: "No"}}},
			{ID: "recall", Name: "Revocatorio", Choices: []actas.Choice{{ID: "yes", Name: "Sí"}, {ID: "no", Name: "No"}}},
		},
	}
	for _, tc := range []struct {
		name string
		file string
	}{
		{"as written", sampleElectionJSON},
		{"with a byte-order mark", "\ufeff" + sampleElectionJSON},
		{"with CRLF line ends", strings.ReplaceAll(sampleElectionJSON, "\n", "\r\n")},
		{"with null for absent fields", strings.Replace(sampleElectionJSON, `"id": "ve-2024",`, `"id": "ve-2024", "seconds_per_voter": null,`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := sheetio.ReadElection(strings.NewReader(tc.file), "election.json")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(e, want) {
				t.Fatalf("got %+v\nwant %+v", e, want)
			}
		})
	}
	t.Run("seconds per voter", func(t *testing.T) {
		e, err := sheetio.ReadElection(strings.NewReader(strings.Replace(sampleElectionJSON, `"open"`, `"seconds_per_voter": 40, "open"`, 1)), "election.json")
		if err != nil || e.SecondsPerVoter != 40 {
			t.Fatalf("SecondsPerVoter = %v, %v; want 40", e, err)
		}
	})
}

func TestReadElectionErrors(t *testing.T) {
	for _, tc := range []struct {
		name         string
		file         string
		line, column int
		field        string
		reason       string
	}{
		{"unknown field", `{"id": "x",
  "nmae": "X"}`, 2, 3, "nmae", "unknown field"},
		{"unknown field in a choice", `{"id": "x", "contests": [{"id": "p", "choices": [{"id": "a", "colour": "red"}]}]}`,
			1, 62, "contests[0].choices[0].colour", "unknown field"},
		{"empty field name", `{"id": "x", "": 1}`, 1, 13, `""`, "unknown field"},
		{"field name with spaces", `{"id": "x", "time zone": 1}`, 1, 13, `"time zone"`, "unknown field"},
		{"field given twice", `{"id": "x", "id": "y"}`, 1, 13, "id", "appears twice"},
		{"number for a string", `{"id": 7}`, 1, 8, "id", "must be a string"},
		{"string for a list", `{"levels": "state"}`, 1, 12, "levels", "must be a list"},
		{"list for a string", `{"levels": [["state"]]}`, 1, 13, "levels[0]", "must be a string"},
		{"fraction for a whole number", `{"seconds_per_voter": 2.5}`, 1, 23, "seconds_per_voter", "not a whole number"},
		{"contest not an object", `{"contests": ["president"]}`, 1, 15, "contests[0]", "must be an object"},
		{"not an object", `["x"]`, 1, 1, "", "must hold one object"},
		{"syntax error", "{\"id\": \"x\",\n \"name\": x}", 2, 10, "", "invalid character 'x'"},
		{"trailing comma", `{"id": "x",}`, 1, 12, "", "not valid JSON"},
		{"text after the object", `{"id": "x"} {}`, 1, 13, "", "after top-level value"},
		{"cut short", `{"id": "x"`, 1, 11, "", "unexpected end"},
		{"empty file", ``, 1, 1, "", "unexpected end"},
		{"column counts characters, not bytes", `{"name": "Peñalolén", "x": 1}`, 1, 23, "x", "unknown field"},
		{"not UTF-8", "{\"name\": \"Pe\xf1alol\xe9n\"}", 1, 13, "", "not valid UTF-8"},
		{"error after a byte-order mark", "\ufeff{\"x\": 1}", 1, 2, "x", "unknown field"},
		{"invalid election", `{"id": "Bad Id", "name": "x", "levels": ["a"], "contests": [{"id": "p", "choices": [{"id": "a"}]}]}`,
			0, 0, "", `id "Bad Id" must be`},
		{"choice id reserved", `{"id": "x", "name": "x", "levels": ["a"], "contests": [{"id": "p", "choices": [{"id": "blank"}]}]}`,
			0, 0, "", "not one of station"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sheetio.ReadElection(strings.NewReader(tc.file), "election.json")
			wantParseError(t, err, "election.json", tc.line, tc.column, tc.field, tc.reason)
		})
	}
	t.Run("larger than the limit", func(t *testing.T) {
		big := `{"name": "` + strings.Repeat("x", 17<<20) + `"}`
		_, err := sheetio.ReadElection(strings.NewReader(big), "election.json")
		wantParseError(t, err, "election.json", 0, 0, "", "larger than")
	})
}

func TestWriteElection(t *testing.T) {
	e := MustSampleElection(t)
	e.SecondsPerVoter = 30
	e.Name = `Elección <2024> & "más"`
	var buf bytes.Buffer
	if err := sheetio.WriteElection(&buf, e); err != nil {
		t.Fatal(err)
	}
	got, err := sheetio.ReadElection(&buf, "election.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Fatalf("read back %+v\nwant %+v", got, e)
	}

	e.Levels = nil
	if err := sheetio.WriteElection(&buf, e); actas.ErrorCode(err) != actas.EINVALID {
		t.Fatalf("writing an election without levels: error %v, want invalid", err)
	}
}

func FuzzReadElection(f *testing.F) {
	f.Add([]byte(sampleElectionJSON))
	f.Add([]byte("\ufeff" + sampleElectionJSON))
	f.Add([]byte(`{"id":"x","name":"x","levels":["a"],"contests":[{"id":"p","choices":[{"id":"a"}]}],"seconds_per_voter":3}`))
	f.Add([]byte(`{"id": "x", "id": "y"}`))
	f.Add([]byte(`{"contests": [{"choices": [{"id": 1}]}]}`))
	f.Add([]byte(`{"name": "\u00e9\ud800"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, "election", data, func(r io.Reader) (*actas.Election, error) {
			return sheetio.ReadElection(r, "election.json")
		}, sheetio.WriteElection)
	})
}

package sheetio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// convTestdata is the repository's copy of the real elections.
func convTestdata(parts ...string) string {
	return filepath.Join(append([]string{"..", "testdata"}, parts...)...)
}

// MustReadFormat converts path with the named format and checks that the
// result is a well-formed dataset.
func MustReadFormat(tb testing.TB, format, path string) *actas.Dataset {
	tb.Helper()
	f, err := LookupFormat(format)
	if err != nil {
		tb.Fatal(err)
	}
	ds, err := f.Read(path)
	if err != nil {
		tb.Fatalf("%s %s: %v", format, path, err)
	}
	if err := convWellFormed(ds); err != nil {
		tb.Fatalf("%s %s: %v", format, path, err)
	}
	return ds
}

// convWellFormed checks what every converter promises about its output:
// a valid election, unique station codes in lowest-level areas, and sheets
// of known stations and contests that pass CheckForm.
func convWellFormed(ds *actas.Dataset) error {
	e := ds.Election
	if err := e.Validate(); err != nil {
		return err
	}
	if len(ds.Stations) == 0 {
		return errors.New("no stations")
	}
	stations := map[string]*actas.Station{}
	for i := range ds.Stations {
		st := &ds.Stations[i]
		if st.Code == "" {
			return fmt.Errorf("station %d has no code", i)
		}
		if stations[st.Code] != nil {
			return fmt.Errorf("station code %q twice", st.Code)
		}
		stations[st.Code] = st
		names, err := actas.SplitPath(st.Area)
		if err != nil {
			return fmt.Errorf("station %s: %w", st.Code, err)
		}
		if len(names) != len(e.Levels) {
			return fmt.Errorf("station %s: area %q has %d names for %d levels", st.Code, st.Area, len(names), len(e.Levels))
		}
		if st.Registered < 0 {
			return fmt.Errorf("station %s: registered %d", st.Code, st.Registered)
		}
	}
	type cell struct{ station, contest string }
	seen := map[cell]bool{}
	for _, sub := range ds.Sheets {
		if stations[sub.Sheet.Station] == nil {
			return fmt.Errorf("sheet of unknown station %q", sub.Sheet.Station)
		}
		c, err := e.Contest(sub.Sheet.Contest)
		if err != nil {
			return err
		}
		if err := actas.CheckForm(&sub.Sheet, c); err != nil {
			return err
		}
		if _, err := actas.ParseSource(string(sub.Source), false); err != nil {
			return err
		}
		k := cell{sub.Sheet.Station, sub.Sheet.Contest}
		if seen[k] {
			return fmt.Errorf("two sheets for station %s, contest %s", k.station, k.contest)
		}
		seen[k] = true
	}
	return nil
}

// convTally is what a user would add up from a converted election.
type convTally struct {
	stations, sheets int
	zeroRegistered   int // stations with no list of voters
	areas            []int
	registered       int64
	valid, null      int64
	ballots          int64
	votes            map[string]int64 // by choice id
	flags            map[string]int   // sheets per flag name
}

func mustTally(tb testing.TB, ds *actas.Dataset, contest string) convTally {
	tb.Helper()
	c, err := ds.Election.Contest(contest)
	if err != nil {
		tb.Fatal(err)
	}
	t := convTally{stations: len(ds.Stations), votes: map[string]int64{}, flags: map[string]int{}}
	byCode := map[string]*actas.Station{}
	areas := make([]map[string]bool, len(ds.Election.Levels))
	for i := range areas {
		areas[i] = map[string]bool{}
	}
	for i := range ds.Stations {
		st := &ds.Stations[i]
		byCode[st.Code] = st
		t.registered += st.Registered
		if st.Registered == 0 {
			t.zeroRegistered++
		}
		for p, l := st.Area, len(areas)-1; l >= 0; p, l = actas.ParentPath(p), l-1 {
			areas[l][p] = true
		}
	}
	for _, a := range areas {
		t.areas = append(t.areas, len(a))
	}
	for _, sub := range ds.Sheets {
		s := &sub.Sheet
		if s.Contest != c.ID {
			continue
		}
		t.sheets++
		for i, v := range s.Votes {
			t.votes[c.Choices[i].ID] += v
		}
		t.valid += s.Valid()
		t.null += s.Null
		t.ballots += s.Ballots
		st := byCode[s.Station]
		for _, name := range actas.Check(s, st, ds.Election.Capacity(st)).Names() {
			t.flags[name]++
		}
	}
	return t
}

// convPercent formats part/whole as the README does: two decimals.
func convPercent(part, whole int64) string {
	return fmt.Sprintf("%.2f%%", 100*float64(part)/float64(whole))
}

// convWantParseError checks that err is malformed input located as
// expected; line 0 or field "" are not checked.
func convWantParseError(tb testing.TB, err error, line int, field, reason string) {
	tb.Helper()
	if err == nil {
		tb.Fatal("no error; want malformed input to be rejected")
	}
	if code := actas.ErrorCode(err); code != actas.EINVALID {
		tb.Fatalf("code %q, want %q: %v", code, actas.EINVALID, err)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		tb.Fatalf("%v: not a *ParseError", err)
	}
	if line != 0 && pe.Line != line {
		tb.Errorf("line %d, want %d: %v", pe.Line, line, err)
	}
	if field != "" && pe.Field != field {
		tb.Errorf("field %q, want %q: %v", pe.Field, field, err)
	}
	if reason != "" && !strings.Contains(pe.Reason, reason) {
		tb.Errorf("reason %q does not say %q", pe.Reason, reason)
	}
	if pe.File == "" {
		tb.Errorf("the error names no file: %v", err)
	}
}

// convWantRefused checks how a converter refuses malformed input: no
// partial data, and an error located as convWantParseError expects.
func convWantRefused(tb testing.TB, ds *actas.Dataset, err error, line int, field, reason string) {
	tb.Helper()
	if ds != nil {
		tb.Error("partial data returned")
	}
	convWantParseError(tb, err, line, field, reason)
}

// convHead returns the first n lines of a file of the real elections, or
// nil when it cannot be read; fuzz targets seed from it.
func convHead(r io.Reader, n int) []byte {
	var b bytes.Buffer
	br := bufio.NewReader(r)
	for i := 0; i < n; i++ {
		line, err := br.ReadBytes('\n')
		b.Write(line)
		if err != nil {
			break
		}
	}
	return b.Bytes()
}

func convHeadFile(path string, n int) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	return convHead(f, n)
}

// convFuzzCheck is what every fuzz target asserts: malformed input is a
// located EINVALID error, anything accepted is well-formed.
func convFuzzCheck(t *testing.T, ds *actas.Dataset, err error) {
	t.Helper()
	if err != nil {
		if ds != nil {
			t.Fatalf("partial data returned with error %v", err)
		}
		var pe *ParseError
		if actas.ErrorCode(err) != actas.EINVALID || !errors.As(err, &pe) {
			t.Fatalf("error is not EINVALID with a *ParseError: %v", err)
		}
		return
	}
	if err := convWellFormed(ds); err != nil {
		t.Fatalf("accepted input gives a malformed dataset: %v", err)
	}
}

func TestFormats(t *testing.T) {
	want := []string{"mx-quickcount", "openelections", "ru-cik", "ve-2024-actas"}
	fs := Formats()
	if len(fs) != len(want) {
		t.Fatalf("%d formats, want %d", len(fs), len(want))
	}
	for i, f := range fs {
		if f.Name != want[i] {
			t.Errorf("format %d is %q, want %q", i, f.Name, want[i])
		}
		if f.Description == "" || strings.Contains(f.Description, "\n") {
			t.Errorf("%s: description %q is not one line", f.Name, f.Description)
		}
		if f.Read == nil {
			t.Errorf("%s has no Read", f.Name)
		}
		got, err := LookupFormat(f.Name)
		if err != nil || got.Name != f.Name {
			t.Errorf("LookupFormat(%q) = %q, %v", f.Name, got.Name, err)
		}
	}
	t.Run("unknown name lists the known ones", func(t *testing.T) {
		_, err := LookupFormat("ve-2019")
		if actas.ErrorCode(err) != actas.EINVALID {
			t.Fatalf("code %q, want invalid: %v", actas.ErrorCode(err), err)
		}
		for _, n := range want {
			if !strings.Contains(actas.ErrorMessage(err), n) {
				t.Errorf("message %q does not name %s", actas.ErrorMessage(err), n)
			}
		}
	})
	t.Run("a directory without the files is invalid", func(t *testing.T) {
		for _, f := range fs {
			ds, err := f.Read(t.TempDir())
			if ds != nil || actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("%s: %v, want invalid", f.Name, err)
			}
		}
	})
	t.Run("missing file is not found", func(t *testing.T) {
		for _, f := range fs {
			ds, err := f.Read(filepath.Join(t.TempDir(), "20161108__de__general__precinct.csv"))
			if ds != nil || actas.ErrorCode(err) != actas.ENOTFOUND {
				t.Errorf("%s: %v, want not_found", f.Name, err)
			}
		}
	})
}

func TestConvSlug(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"President", "president"},
		{"U.S. House", "u-s-house"},
		{"State Senate 5", "state-senate-5"},
		{"  Clinton H ", "clinton-h"},
		{"López Obrador", "lopez-obrador"},
		{"---", ""},
		{"Путин", ""},
		{strings.Repeat("ab ", 40), strings.TrimRight(strings.Repeat("ab-", 22)[:64], "-")},
	} {
		if got := convSlug(tc.in); got != tc.want {
			t.Errorf("convSlug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestConvParseUint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {" 42 ", 42, true}, {"007", 7, true}, {"1000000000000", 1e12, true},
		{"", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {"1.0", 0, false}, {"1e3", 0, false},
		{"NA", 0, false}, {"1000000000001", 0, false}, {"99999999999999999999", 0, false},
	} {
		got, ok := convParseUint(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("convParseUint(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

package sheetio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseCount(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   int64
		ok     bool
		reason string
	}{
		{"0", 0, true, ""},
		{"007", 7, true, ""},
		{"999999999999", 999_999_999_999, true, ""},
		{"1000000000000", 0, false, "is too large"},
		{"", 0, false, "is empty"},
		{"-1", 0, false, "is negative"},
		{"+1", 0, false, "has a sign"},
		{"1.5", 0, false, "not a whole number"},
		{"1,234", 0, false, "thousands separators"},
		{"1 234", 0, false, "thousands separators"},
		{"1e3", 0, false, "is not a number"},
		{"٣", 0, false, "is not a number"}, // an Arabic-Indic digit is not one of ours
		{"abc", 0, false, "is not a number"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseCount(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("parseCount(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
			if !ok && !strings.Contains(countProblem(tc.in), tc.reason) {
				t.Fatalf("countProblem(%q) = %q, want it to say %q", tc.in, countProblem(tc.in), tc.reason)
			}
		})
	}
	if n := testing.AllocsPerRun(100, func() { parseCount("123456") }); n != 0 {
		t.Errorf("parseCount allocates %v times", n)
	}
}

// slowLimit is the byte-at-a-time statement of what recordLimit does.
func slowLimit(data []byte) (delivered int, err *recordTooLong) {
	n, quoted, line, recLine := 0, false, 1, 1
	for i, c := range data {
		switch c {
		case '"':
			quoted = !quoted
		case '\n':
			line++
			if !quoted {
				n, recLine = 0, line
				continue
			}
		}
		if n++; n > maxRecordBytes {
			return i, &recordTooLong{line: recLine, quoted: quoted}
		}
	}
	return len(data), nil
}

func TestRecordLimit(t *testing.T) {
	long := strings.Repeat("x", maxRecordBytes)
	rng := rand.New(rand.NewPCG(7, 7))
	random := func() string {
		var b strings.Builder
		for b.Len() < 3*maxRecordBytes {
			switch rng.IntN(4) {
			case 0:
				b.WriteString(strings.Repeat("a", rng.IntN(maxRecordBytes/2)))
			case 1:
				b.WriteByte('"')
			default:
				b.WriteString("1,2\n")
			}
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		data string
	}{
		{"short lines", "a,b\n1,2\n"},
		{"a line of exactly the limit", long + "\n" + long},
		{"a line one byte over", long + "\n" + long + "y\n"},
		{"quoted line ends count", "\"" + long[:maxRecordBytes/2] + "\n" + long[:maxRecordBytes/2] + "\"\n"},
		{"an unclosed quote runs on", "a\n\"b\n" + strings.Repeat("c\n", maxRecordBytes)},
		{"doubled quotes", "\"a\"\"b\"\n" + long + "\n"},
		{"random 1", random()},
		{"random 2", random()},
		{"random 3", random()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantN, wantErr := slowLimit([]byte(tc.data))
			for _, r := range []struct {
				name string
				r    io.Reader
			}{
				{"whole", strings.NewReader(tc.data)},
				{"one byte at a time", iotest.OneByteReader(strings.NewReader(tc.data))},
				{"half reads", iotest.HalfReader(strings.NewReader(tc.data))},
			} {
				got, err := io.ReadAll(&recordLimit{r: r.r, line: 1, recLine: 1})
				var long *recordTooLong
				errors.As(err, &long)
				if len(got) != wantN || !reflect.DeepEqual(long, wantErr) || (err != nil) != (wantErr != nil) {
					t.Fatalf("%s: delivered %d bytes, error %v; want %d, %+v", r.name, len(got), err, wantN, wantErr)
				}
			}
		})
	}
}

func TestReadLimits(t *testing.T) {
	header := "station,registered,a\n"
	for _, tc := range []struct {
		name   string
		file   string
		line   int
		reason string
	}{
		{"a line too long", header + "1,1,a\n2,2," + strings.Repeat("b", maxRecordBytes) + "\n", 3, "the line is longer than 1 MiB"},
		{"a header too long", strings.Repeat("c", maxRecordBytes+1), 1, "the line is longer than 1 MiB"},
		{"an unclosed quote", header + "1,1,\"a\n" + strings.Repeat("b,b,b\n", maxRecordBytes/6+1), 2, "closing quote (\") is probably missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sr, err := NewStationReader(strings.NewReader(tc.file), "stations.csv", []string{"a"})
			for err == nil {
				_, err = sr.Read()
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tc.line || !strings.Contains(pe.Reason, tc.reason) {
				t.Fatalf("error %v; want line %d saying %q", err, tc.line, tc.reason)
			}
		})
	}
}

func TestCSVOut(t *testing.T) {
	fields := []string{"plain", "", "with,comma", `with "quotes"`, "two\nlines", "carriage\rreturn", " leading space", "Peñalolén"}
	var buf bytes.Buffer
	o := newCSVOut(&buf)
	for _, f := range fields {
		o.text(f)
	}
	o.count(0)
	o.count(999_999_999_999)
	o.end()
	if err := o.flush(); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).Read()
	if err != nil {
		t.Fatal(err)
	}
	want := append(fields, "0", "999999999999")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("encoding/csv reads %q, want %q", got, want)
	}
}

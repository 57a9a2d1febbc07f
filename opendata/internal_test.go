package opendata

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// Names come from election files and witnesses' devices: whatever bytes
// they hold, a CSV field must read back as written, and a JSON string must
// decode to the same text (invalid UTF-8 as U+FFFD).
func FuzzCSVField(f *testing.F) {
	for _, s := range []string{"", "Zulia", `Distrito "Capital", DC`, " Libertador", "a\nb", "a\r\nb", "MP. L/DIEGO BAUTISTA", "trailing ", "\"", ","} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, '\r') {
			t.Skip() // encoding/csv, the reference reader, rewrites both
		}
		var buf bytes.Buffer
		rw := newRowWriter(&buf)
		rw.str(s)
		rw.str("next")
		if err := rw.end(); err != nil {
			t.Fatal(err)
		}
		rw.flush()
		r := csv.NewReader(&buf)
		rec, err := r.Read()
		if err != nil {
			t.Fatalf("field %q written as %q does not read back: %v", s, buf.String(), err)
		}
		if len(rec) != 2 || rec[0] != s || rec[1] != "next" {
			t.Fatalf("field %q read back as %q", s, rec)
		}
	})
}

func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "Elección", `"quoted" \ back`, "\x00\x1f", "\xff", "\u2028", "<b>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q encoded as %s is not JSON: %v", s, b, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); got != want && utf8.ValidString(s) {
			t.Fatalf("%q decoded as %q", s, got)
		}
	})
}

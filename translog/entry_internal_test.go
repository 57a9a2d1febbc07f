package translog

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestHasDuplicate(t *testing.T) {
	many := make([]string, 40)
	for i := range many {
		many[i] = strings.Repeat("a", i+1)
	}
	tests := []struct {
		name string
		ids  []string
		want bool
	}{
		{"none", nil, false},
		{"one", []string{"a"}, false},
		{"distinct", []string{"eg", "nm", "lm"}, false},
		{"first and last the same", []string{"eg", "nm", "lm", "eg"}, true},
		{"neighbours the same", []string{"eg", "nm", "nm"}, true},
		{"40 distinct", many, false},
		{"40 with the first twice", append(many[:39:39], many[0]), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasDuplicate(tt.ids); got != tt.want {
				t.Errorf("hasDuplicate(%q) = %v, want %v", tt.ids, got, tt.want)
			}
		})
	}
}

// appendQuoted must write exactly what strconv.AppendQuote writes: it is
// the canonical quoting of every entry ever logged.
func TestAppendQuotedIsStrconv(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := appendQuoted([]byte("x"), s), strconv.AppendQuote([]byte("x"), s); !bytes.Equal(got, want) {
			t.Fatalf("appendQuoted(%q) = %s, strconv says %s", s, got, want)
		}
	}
	for a := 0; a < 256; a++ {
		check(string([]byte{byte(a)}))
		check("Mesa " + string([]byte{byte(a)}) + " 7")
	}
	for _, s := range []string{"", "10113042.1", `"`, `\`, "MP. L\\/DIEGO", "ñandú", "\u2028", "\xff", "a\x7fb", "~ !"} {
		check(s)
	}
}

func FuzzAppendQuoted(f *testing.F) {
	for _, s := range []string{"10113042.1", "УИК №1234", "\x00\xff", `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendQuoted(nil, s), strconv.AppendQuote(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendQuoted(%q) = %s, strconv says %s", s, got, want)
		}
	})
}

func TestCutKey(t *testing.T) {
	tests := []struct {
		line, key, rest string
		ok              bool
	}{
		{"seq 1", "seq", "1", true},
		{"seq ", "seq", "", true},
		{"seq", "seq", "", false},
		{"sequence 1", "seq", "", false},
		{"se", "seq", "", false},
		{"voters -", "voters", "-", true},
		{"Seq 1", "seq", "", false},
	}
	for _, tt := range tests {
		rest, ok := cutKey([]byte(tt.line), tt.key)
		if ok != tt.ok || string(rest) != tt.rest {
			t.Errorf("cutKey(%q, %q) = %q, %v; want %q, %v", tt.line, tt.key, rest, ok, tt.rest, tt.ok)
		}
	}
}

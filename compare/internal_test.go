package compare

import (
	"strconv"
	"testing"

	"github.com/actasproject/actas"
)

func TestAreaPrefix(t *testing.T) {
	for _, tc := range []struct {
		name  string
		path  string
		parts int
		want  string
	}{
		{"national", "Zulia/Maracaibo/Chiquinquirá", 0, ""},
		{"state", "Zulia/Maracaibo/Chiquinquirá", 1, "Zulia"},
		{"municipality", "Zulia/Maracaibo/Chiquinquirá", 2, "Zulia/Maracaibo"},
		{"the whole path", "Zulia/Maracaibo/Chiquinquirá", 3, "Zulia/Maracaibo/Chiquinquirá"},
		{"deeper than the path", "Zulia/Maracaibo", 5, "Zulia/Maracaibo"},
		{"an escaped slash inside a name", `Falcón/MP. L\/DIEGO BAUTISTA/Urdaneta`, 2, `Falcón/MP. L\/DIEGO BAUTISTA`},
		{"an escaped backslash before a separator", `A\\/B/C`, 1, `A\\`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := areaPrefix(tc.path, tc.parts); got != tc.want {
				t.Errorf("areaPrefix(%q, %d) = %q, want %q", tc.path, tc.parts, got, tc.want)
			}
		})
	}
}

// FuzzAreaPrefix checks areaPrefix and inArea against actas.SplitPath and
// actas.JoinPath on any path: area paths come from users' files.
func FuzzAreaPrefix(f *testing.F) {
	for _, s := range []string{"Zulia/Maracaibo/Chiquinquirá", `A\/B/C`, `A\\/B`, `\\`, "a", "a/b/c/d/e"} {
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, path string, parts uint8) {
		names, err := actas.SplitPath(path)
		if err != nil || len(names) == 0 {
			return
		}
		path = actas.JoinPath(names...)
		k := min(int(parts), len(names))
		want := actas.JoinPath(names[:k]...)
		if got := areaPrefix(path, int(parts)); got != want {
			t.Fatalf("areaPrefix(%q, %d) = %q, want %q", path, parts, got, want)
		}
		if !inArea(path, want) {
			t.Fatalf("inArea(%q, %q) = false", path, want)
		}
		// A sibling whose name merely starts with the same text is not inside.
		if k > 0 && inArea(path, want+"x") && k == len(names) {
			t.Fatalf("inArea(%q, %q) = true", path, want+"x")
		}
	})
}

// slipsOf returns every number one slip of the pen turns v into: a digit
// changed, two neighbours swapped, one dropped or one added, read back as
// a number (leading zeros dropped).
func slipsOf(v int64) map[int64]bool {
	s := strconv.FormatInt(v, 10)
	out := map[int64]bool{}
	add := func(t string) {
		if n, err := strconv.ParseInt(t, 10, 64); err == nil && n != v {
			out[n] = true
		}
	}
	for i := range len(s) {
		for d := byte('0'); d <= '9'; d++ {
			add(s[:i] + string(d) + s[i+1:])
		}
		if i+1 < len(s) {
			add(s[:i] + string(s[i+1]) + string(s[i]) + s[i+2:])
		}
		add(s[:i] + s[i+1:])
	}
	for i := 0; i <= len(s); i++ {
		for d := byte('0'); d <= '9'; d++ {
			add(s[:i] + string(d) + s[i:])
		}
	}
	return out
}

// oneDigitSlip agrees with the enumeration of every slip.
func TestOneDigitSlip(t *testing.T) {
	for _, other := range []int64{0, 5, 10, 105, 182, 367, 1001, 2344, 90817} {
		want := slipsOf(other)
		for stated := int64(0); stated < 200_000; stated++ {
			if got := oneDigitSlip(stated, other); got != want[stated] {
				t.Fatalf("oneDigitSlip(%d, %d) = %v, want %v", stated, other, got, want[stated])
			}
		}
	}
}

func FuzzOneDigitSlip(f *testing.F) {
	f.Add(uint32(132), uint32(182))
	f.Add(uint32(5), uint32(105))
	f.Add(uint32(1367), uint32(367))
	f.Add(uint32(15), uint32(105))
	f.Fuzz(func(t *testing.T, stated, other uint32) {
		if got, want := oneDigitSlip(int64(stated), int64(other)), slipsOf(int64(other))[int64(stated)]; got != want {
			t.Fatalf("oneDigitSlip(%d, %d) = %v, want %v", stated, other, got, want)
		}
	})
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1830358: "-1,830,358", 12386669: "12,386,669", -100: "-100"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

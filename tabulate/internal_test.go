package tabulate

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// FuzzSplitPath checks the allocation-free splitter against the root's
// SplitPath, which defines what a path is.
func FuzzSplitPath(f *testing.F) {
	for _, p := range []string{"", "national", "Zulia/Maracaibo/Chiquinquirá", `TÁCHIRA/MP. L\/DIEGO BAUTISTA`, `A\\B/C`,
		"a//b", "/a", "a/", `a\b`, `a\`, `\/`, `\\`, `a/\/`, "national/x", "x/national"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		want, err := actas.SplitPath(path)
		names, ends, ok := splitPath(path, nil, nil)
		if ok != (err == nil) {
			t.Fatalf("splitPath(%q) ok = %v, SplitPath error = %v", path, ok, err)
		}
		if !ok {
			return
		}
		if len(names) != len(want) || (len(want) > 0 && !reflect.DeepEqual(names, want)) {
			t.Fatalf("splitPath(%q) = %q, SplitPath = %q", path, names, want)
		}
		for k, end := range ends {
			if got := path[:end]; got != actas.JoinPath(want[:k+1]...) {
				t.Fatalf("splitPath(%q): path of level %d = %q, want %q", path, k, got, actas.JoinPath(want[:k+1]...))
			}
		}
	})
}

func TestSeqSet(t *testing.T) {
	for _, tc := range []struct {
		name string
		seqs []int64
	}{
		{"dense from one", []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"dense, in any order", []int64{8, 3, 1, 7, 2, 6, 5, 4}},
		{"far beyond the count", []int64{1, 1 << 40, 2, math.MaxInt64, 5_000_000}},
		{"zero and negative", []int64{0, -1, math.MinInt64, 3}},
		{"sparse values later covered by a growing bitmap", func() []int64 {
			var s []int64
			for i := range int64(3000) {
				s = append(s, 100_000-i, i+1)
			}
			return s
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var set seqSet
			seen := map[int64]bool{}
			for _, q := range tc.seqs {
				if set.has(q) {
					t.Fatalf("%d present before it was added", q)
				}
				set.add(q)
				seen[q] = true
				for p := range seen {
					if !set.has(p) {
						t.Fatalf("%d lost after adding %d", p, q)
					}
				}
			}
			for _, q := range []int64{9, 10_000_000, 1 << 41, -7} {
				if !seen[q] && set.has(q) {
					t.Fatalf("%d present but never added", q)
				}
			}
		})
	}
	t.Run("memory stays proportional to the count", func(t *testing.T) {
		var set seqSet
		rng := rand.New(rand.NewPCG(1, 2))
		for range 10_000 {
			q := rng.Int64()
			if !set.has(q) {
				set.add(q)
			}
		}
		if words := len(set.bits); words > 2*10_000+2048 {
			t.Fatalf("%d words of bitmap for 10,000 Seqs", words)
		}
	})
}

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Chiquinquirá", "chiquinquira"},
		{"CHIQUINQUIRÁ", "chiquinquira"},
		{"chiquinquira", "chiquinquira"},
		{"Chiquinquira\u0301", "chiquinquira"}, // already decomposed
		{"ÑUÑOA", "nunoa"},
		{"São Paulo", "sao paulo"},
		{"Ёлкино", "елкино"},
		{"İstanbul", "istanbul"},
		{"010101.1", "010101.1"},
		{"\xff", "\ufffd"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := fold(tc.in); got != tc.want {
				t.Fatalf("fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if s := "already folded"; fold(s) != s || testing.AllocsPerRun(10, func() { fold(s) }) != 0 {
		t.Fatal("folding a folded ASCII string allocates")
	}
	if strings.Contains(fold("a\u0301\u0302b"), "\u0301") {
		t.Fatal("combining marks survive folding")
	}
}

// TestSearchIndex checks that the trigram index finds what a scan of every
// name finds, in the same order.
func TestSearchIndex(t *testing.T) {
	e := &actas.Election{ID: "names", Name: "Names", Levels: []string{"state", "parish"},
		Contests: []actas.Contest{{ID: "p", Name: "P", Choices: []actas.Choice{{ID: "a", Name: "A"}}}}}
	words := []string{"San", "José", "Chiquinquirá", "Santa", "Lucía", "Norte", "Sur", "El", "Llano", "Ёлкино", "ab", "aba"}
	rng := rand.New(rand.NewPCG(5, 5))
	var stations []actas.Station
	for i := range 3000 {
		name := func() string {
			var b []string
			for range 1 + rng.IntN(3) {
				b = append(b, words[rng.IntN(len(words))])
			}
			return strings.Join(b, " ")
		}
		stations = append(stations, actas.Station{Code: strconv.Itoa(i), Area: actas.JoinPath(name(), name())})
	}
	el, err := newElection(e, stations, make([]int, len(sources)))
	if err != nil {
		t.Fatal(err)
	}
	scan, err := newElection(e, stations, make([]int, len(sources)))
	if err != nil {
		t.Fatal(err)
	}
	scan.areas.grams = gramIndex{}
	for _, q := range []string{"san", "santa lucia", "jose", "chiquinquira", "quinq", "a s", "ab", "aba", "abab", "ёлк", "елкино", "llano el", "zzz", "n", "sur sur"} {
		for _, limit := range []int{1, 7, 100, 10_000} {
			got, want := el.searchAreas(fold(q), limit), scan.searchAreas(fold(q), limit)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("search %q limit %d: index gives %v, scan %v", q, limit, got, want)
			}
		}
	}
}

func TestCodeIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{0, 1, 2, 3, 100, 5000} {
		t.Run(strconv.Itoa(n)+" codes", func(t *testing.T) {
			codes := make([]string, n)
			for i := range codes {
				codes[i] = strconv.Itoa(rng.IntN(2*n + 1)) // some twice
			}
			table, ok := newStringTable(n, func(i int) string { return codes[i] })
			if !ok {
				t.Fatal("table refused")
			}
			idx := newCodeIndex(n)
			first := map[string]int32{}
			for i, c := range codes {
				if table.at(int32(i)) != c {
					t.Fatalf("string %d = %q, want %q", i, table.at(int32(i)), c)
				}
				j, added := idx.insert(&table, int32(i))
				f, seen := first[c]
				if added == seen || (seen && j != f) {
					t.Fatalf("insert %q (#%d) = %d, %v; first seen at %d, %v", c, i, j, added, f, seen)
				}
				if !seen {
					first[c] = int32(i)
				}
			}
			for _, c := range append(codes, "absent", "", "-1") {
				j, found := idx.find(&table, c)
				if f, ok := first[c]; found != ok || (ok && j != f) {
					t.Fatalf("find %q = %d, %v; want %d, %v", c, j, found, f, ok)
				}
			}
		})
	}
}

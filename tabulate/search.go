package tabulate

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/actasproject/actas"
)

// fold returns s in lower case without accents or other combining marks,
// so that "Chiquinquirá", "CHIQUINQUIRA" and "chiquinquira" are the same.
// It returns s itself, without allocating, when s is already folded ASCII.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return string(appendFold(make([]byte, 0, len(s)), s))
		}
	}
	return s
}

// appendFold appends the folded form of s to dst.
func appendFold(dst []byte, s string) []byte {
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			dst = append(dst, byte(r))
			continue
		}
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		// The canonical decomposition separates a letter from its marks
		// ("á" is "a" + U+0301); keeping only the non-marks drops accents.
		if d := norm.NFD.Properties(buf[:n]).Decomposition(); d != nil {
			for _, dr := range string(d) {
				if !unicode.Is(unicode.Mn, dr) {
					dst = utf8.AppendRune(dst, unicode.ToLower(dr))
				}
			}
			continue
		}
		if !unicode.Is(unicode.Mn, r) {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
	}
	return dst
}

// Search returns up to limit stations whose code starts with query and
// areas whose name contains it, ignoring case and accents: stations first,
// in code order (an exact code first); then areas whose name equals the
// query, starts with it, or contains it, in that order, each group top
// level first and in first-appearance order. An empty query or a limit
// below 1 finds nothing. Errors: ENOTFOUND for an unknown election.
func (t *Tabulator) Search(election, query string, limit int) ([]actas.SearchHit, error) {
	el, err := t.election(election)
	if err != nil {
		return nil, err
	}
	hits := []actas.SearchHit{}
	q := fold(strings.TrimSpace(query))
	if q == "" || limit < 1 || strings.IndexByte(q, 0) >= 0 {
		return hits, nil
	}
	// The geography never changes, so no lock is needed.
	st := &el.stations
	i := sort.Search(len(st.sorted), func(n int) bool { return st.foldedCode(st.sorted[n]) >= q })
	for ; i < len(st.sorted) && len(hits) < limit; i++ {
		id := st.sorted[i]
		if !strings.HasPrefix(st.foldedCode(id), q) {
			break
		}
		a := st.area[id]
		hits = append(hits, actas.SearchHit{Station: st.code(id), Path: el.areas.path[a], Name: el.areas.name[a], Level: el.levelName(a)})
	}
	if len(hits) < limit {
		for _, id := range el.searchAreas(q, limit-len(hits)) {
			hits = append(hits, actas.SearchHit{Path: el.areas.path[id], Name: el.areas.name[id], Level: el.levelName(id)})
		}
	}
	return hits, nil
}

// searchAreas returns up to limit areas whose folded name contains q, in
// Search's order.
func (el *election) searchAreas(q string, limit int) []int32 {
	a := &el.areas
	// One bucket per kind of match and level, each holding at most limit
	// areas in id order: the answer is the first limit of their
	// concatenation.
	const exact, prefix, inside = 0, 1, 2
	nLevels := len(el.meta.Levels)
	buckets := make([][]int32, 3*nLevels)
	consider := func(id int32) {
		name := a.foldedName(id)
		k := strings.Index(name, q)
		if k < 0 {
			return
		}
		kind := inside
		if k == 0 {
			kind = prefix
			if len(name) == len(q) {
				kind = exact
			}
		}
		if b := kind*nLevels + int(a.level[id]); len(buckets[b]) < limit {
			buckets[b] = append(buckets[b], id)
		}
	}
	if candidates, ok := a.grams.candidates(q); ok {
		for _, id := range candidates {
			consider(id)
		}
	} else {
		// Too short for the index: scan every name.
		names := a.names
		for from := 0; ; {
			k := strings.Index(names[from:], q)
			if k < 0 {
				break
			}
			k += from
			// The entry holding offset k is the last one starting at or before it.
			e := sort.Search(len(a.nameAt), func(n int) bool { return int(a.nameAt[n]) > k }) - 1
			consider(int32(e + 1))
			from = len(names)
			if e+1 < len(a.nameAt) {
				from = int(a.nameAt[e+1])
			}
		}
	}
	var out []int32
	for _, b := range buckets {
		for _, id := range b {
			if len(out) == limit {
				return out
			}
			out = append(out, id)
		}
	}
	return out
}

// foldedName returns area id's folded name (id > 0).
func (a *areaTable) foldedName(id int32) string {
	start := int(a.nameAt[id-1]) + 1 // after the '\x00'
	if int(id) < len(a.nameAt) {
		return a.names[start:a.nameAt[id]]
	}
	return a.names[start:]
}

// gramIndex lists, for each trigram of folded names (hashed into a power
// of two of buckets), the areas whose name holds it, in id order. A
// query's rarest trigram gives few candidates, which keeps searching a
// quarter of a million names well under a millisecond; collisions only add
// candidates, which are checked anyway.
type gramIndex struct {
	shift uint8   // 32 - log2(buckets)
	start []int32 // bucket g lists ids[start[g]:start[g+1]]
	ids   []int32
}

func (gi *gramIndex) gram(s string, j int) uint32 {
	h := uint32(s[j]) | uint32(s[j+1])<<8 | uint32(s[j+2])<<16
	return (h * 0x9E3779B1) >> gi.shift
}

// buildGrams indexes the folded names of areas 1..n-1.
func (a *areaTable) buildGrams() {
	n := len(a.name)
	gi := &a.grams
	// About one bucket per 16 bytes of names, from 256 to 262,144.
	logBuckets := min(max(bits.Len(uint(len(a.names)))-4, 8), 18)
	gi.shift = uint8(32 - logBuckets)
	buckets := 1 << logBuckets
	count := make([]int32, buckets+1)
	last := make([]int32, buckets) // the last area counted per bucket
	each := func(f func(g uint32, id int32)) {
		for id := int32(1); int(id) < n; id++ {
			name := a.foldedName(id)
			for j := 0; j+3 <= len(name); j++ {
				if g := gi.gram(name, j); last[g] != id {
					last[g] = id
					f(g, id)
				}
			}
		}
	}
	each(func(g uint32, _ int32) { count[g+1]++ })
	for g := range buckets {
		count[g+1] += count[g]
	}
	gi.start = count
	gi.ids = make([]int32, count[buckets])
	fill := slices.Clone(count[:buckets])
	clear(last)
	each(func(g uint32, id int32) {
		gi.ids[fill[g]] = id
		fill[g]++
	})
}

// candidates returns the areas that may contain q, in id order; false when
// q is too short for the index.
func (gi *gramIndex) candidates(q string) ([]int32, bool) {
	if len(q) < 3 || gi.start == nil {
		return nil, false
	}
	best := gi.gram(q, 0)
	for j := 1; j+3 <= len(q); j++ {
		if g := gi.gram(q, j); gi.start[g+1]-gi.start[g] < gi.start[best+1]-gi.start[best] {
			best = g
		}
	}
	return gi.ids[gi.start[best]:gi.start[best+1]], true
}

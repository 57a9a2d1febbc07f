package tabulate

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/actasproject/actas"
)

// election is one election's geography, which never changes after
// newElection, and its tabulation, which mu guards.
type election struct {
	meta       *actas.Election // private copy
	rank       []int           // the Tabulator's rules: per source index, its rank or -1
	levelIndex map[string]int
	areas      areaTable
	stations   stationTable

	contestIndex map[string]int
	next         atomic.Int32 // a guess at the next station Add looks up

	mu       sync.RWMutex
	contests []*contestState
	seqs     seqSet
	maxSeq   int64 // the highest submission Seq
	// maxDecision is the highest log index of a decision (decide.go).
	maxDecision int64
	delta       []int64 // writer's scratch: the per-source and reconciled differences of one Add
	nonzero     []int32 // writer's scratch: the fields of a difference that are not zero
}

// areaTable holds the areas as parallel slices indexed by area id. Ids are
// given in order of first appearance, so a parent's id is below its
// children's and sorting ids restores first-appearance order. Id 0 is the
// national area.
type areaTable struct {
	path   []string
	name   []string
	level  []int8  // index into Election.Levels; -1 for national
	parent []int32 // -1 for national

	childStart []int32 // children of a are child[childStart[a]:childStart[a+1]]
	child      []int32
	byPath     map[string]int32
	byLevel    [][]int32 // per level: its areas in first-appearance order

	stations   []int64 // stations in the area
	registered []int64 // their registered voters
	// The stations of area a are stationTable.order[lo[a]:hi[a]]: order
	// lists stations leaf by leaf in tree order, so every area is a range.
	lo, hi []int32

	// Search: folded names of every area but national, each preceded by
	// '\x00', in id order; nameAt[k] is where area k+1's entry starts.
	names  string
	nameAt []int32
	grams  gramIndex
}

// stationTable holds the stations as parallel slices indexed by station id
// (creation order).
type stationTable struct {
	codes      stringTable
	byCode     codeIndex
	registered []int64
	machines   []int64
	area       []int32 // its lowest-level area
	order      []int32 // see areaTable.lo

	// Search: station ids sorted by folded code; folded is empty when every
	// code folds to itself.
	sorted []int32
	folded stringTable
}

func (st *stationTable) code(i int32) string { return st.codes.at(i) }

func (st *stationTable) foldedCode(i int32) string {
	if st.folded.len() > 0 {
		return st.folded.at(i)
	}
	return st.codes.at(i)
}

// index returns the station with the given code.
func (st *stationTable) index(code string) (int32, bool) { return st.byCode.find(&st.codes, code) }

// maxLevels bounds Election.Levels: areaTable.level is an int8.
const maxLevels = 100

func newElection(e *actas.Election, stations []actas.Station, rank []int) (*election, error) {
	if len(stations) >= math.MaxInt32/2 {
		return nil, actas.Errorf(actas.EINVALID, "election %s: %d stations are more than this program can hold", e.ID, len(stations))
	}
	if len(e.Levels) > maxLevels {
		return nil, actas.Errorf(actas.EINVALID, "election %s: %d levels are more than this program can hold (%d)", e.ID, len(e.Levels), maxLevels)
	}
	el := &election{meta: copyElection(e), rank: rank, levelIndex: make(map[string]int, len(e.Levels))}
	for i, l := range e.Levels {
		el.levelIndex[l] = i
	}
	if err := el.buildGeography(stations); err != nil {
		return nil, err
	}
	el.contestIndex = make(map[string]int, len(el.meta.Contests))
	width := 0
	for i := range el.meta.Contests {
		c := &el.meta.Contests[i]
		el.contestIndex[c.ID] = i
		cs := newContestState(c, len(sources)+1)
		el.contests = append(el.contests, cs)
		width = max(width, cs.aggWidth)
	}
	el.delta = make([]int64, 2*width)
	el.nonzero = make([]int32, 0, width)
	return el, nil
}

func (el *election) buildGeography(stations []actas.Station) error {
	e := el.meta
	a := &el.areas
	nLevels := len(e.Levels)
	a.byPath = map[string]int32{"": 0}
	a.path = []string{""}
	a.name = []string{e.Name}
	a.level = []int8{-1}
	a.parent = []int32{-1}
	newArea := func(path, name string, level int, parent int32) int32 {
		id := int32(len(a.path))
		a.path = append(a.path, path)
		a.name = append(a.name, name)
		a.level = append(a.level, int8(level))
		a.parent = append(a.parent, parent)
		a.byPath[path] = id
		return id
	}

	st := &el.stations
	n := len(stations)
	var ok bool
	if st.codes, ok = newStringTable(n, func(i int) string { return stations[i].Code }); !ok {
		return actas.Errorf(actas.EINVALID, "election %s: the station codes add up to more than 4 GiB", e.ID)
	}
	st.byCode = newCodeIndex(n)
	st.registered = make([]int64, n)
	st.machines = make([]int64, n)
	st.area = make([]int32, n)
	// Files list the stations of an area together: most stations name
	// the area of the one before.
	var (
		prevArea string
		prevLeaf int32
		names    []string
		ends     []int
	)
	for i := range stations {
		s := &stations[i]
		if s.Code == "" {
			return actas.Errorf(actas.EINVALID, "election %s: stations[%d]: the station code is empty", e.ID, i)
		}
		if s.Registered < 0 || s.Machines < 0 {
			return actas.Errorf(actas.EINVALID, "election %s: station %s: registered voters and machines may not be negative", e.ID, s.Code)
		}
		leaf := prevLeaf
		if s.Area != prevArea || i == 0 {
			var ok bool
			leaf, ok = a.byPath[s.Area]
			if !ok || int(a.level[leaf]) != nLevels-1 {
				// First station of its area: check the path and create the
				// area and any missing ancestor.
				var valid bool
				names, ends, valid = splitPath(s.Area, names[:0], ends[:0])
				if !valid {
					_, err := actas.SplitPath(s.Area)
					return actas.Errorf(actas.EINVALID, "election %s: station %s: %s", e.ID, s.Code, actas.ErrorMessage(err))
				}
				if len(names) != nLevels {
					return actas.Errorf(actas.EINVALID, "election %s: station %s: area %q names %d areas; the election has %d levels (%s)",
						e.ID, s.Code, s.Area, len(names), nLevels, strings.Join(e.Levels, ", "))
				}
				if names[0] == actas.National {
					return actas.Errorf(actas.EINVALID, "election %s: station %s: a %s may not be named %q, which means the whole election",
						e.ID, s.Code, e.Levels[0], actas.National)
				}
				parent := int32(0)
				for k := range nLevels {
					prefix := s.Area[:ends[k]]
					id, ok := a.byPath[prefix]
					if !ok {
						id = newArea(prefix, names[k], k, parent)
					}
					parent = id
				}
				leaf = parent
			}
			prevArea, prevLeaf = s.Area, leaf
		}
		if j, ok := st.byCode.insert(&st.codes, int32(i)); !ok {
			return actas.Errorf(actas.EINVALID, "election %s: station %q appears twice (stations[%d] and stations[%d])", e.ID, s.Code, j, i)
		}
		st.registered[i] = s.Registered
		st.machines[i] = s.Machines
		st.area[i] = leaf
	}

	nAreas := len(a.path)
	// Children, in first-appearance order because ids are.
	a.childStart = make([]int32, nAreas+1)
	for id := 1; id < nAreas; id++ {
		a.childStart[a.parent[id]+1]++
	}
	for id := range nAreas {
		a.childStart[id+1] += a.childStart[id]
	}
	a.child = make([]int32, nAreas-1)
	fill := slices.Clone(a.childStart[:nAreas])
	for id := 1; id < nAreas; id++ {
		p := a.parent[id]
		a.child[fill[p]] = int32(id)
		fill[p]++
	}
	a.byLevel = make([][]int32, nLevels)
	for id := 1; id < nAreas; id++ {
		l := a.level[id]
		a.byLevel[l] = append(a.byLevel[l], int32(id))
	}

	// Sums per area: children have higher ids than their parents, so one
	// pass from the highest id adds every area into its parent after all of
	// its own children were added into it.
	a.stations = make([]int64, nAreas)
	a.registered = make([]int64, nAreas)
	for i := range n {
		a.stations[st.area[i]]++
		a.registered[st.area[i]] += st.registered[i]
	}
	for id := nAreas - 1; id > 0; id-- {
		p := a.parent[id]
		a.stations[p] += a.stations[id]
		a.registered[p] += a.registered[id]
	}

	// Station ranges: lay the leaves out in tree order.
	a.lo = make([]int32, nAreas)
	a.hi = make([]int32, nAreas)
	next := int32(0)
	var walk func(id int32)
	walk = func(id int32) {
		a.lo[id] = next
		if int(a.level[id]) == nLevels-1 {
			next += int32(a.stations[id])
		}
		for _, c := range a.child[a.childStart[id]:a.childStart[id+1]] {
			walk(c)
		}
		a.hi[id] = next
	}
	walk(0)
	st.order = make([]int32, n)
	pos := slices.Clone(a.lo)
	for i := range n {
		l := st.area[i]
		st.order[pos[l]] = int32(i)
		pos[l]++
	}

	return el.buildSearch()
}

// splitPath is actas.SplitPath without allocating: it appends the names of
// path to names (substrings of path unless a name holds an escape) and
// where each name ends to ends, so that path[:ends[k]] is the path of the
// k-th area from the top. It reports false exactly when SplitPath fails.
func splitPath(path string, names []string, ends []int) ([]string, []int, bool) {
	if path == "" || path == actas.National {
		return names, ends, true
	}
	start, escaped := 0, false
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] == '\\' {
			if i+1 == len(path) || (path[i+1] != '/' && path[i+1] != '\\') {
				return names, ends, false
			}
			escaped = true
			i++
			continue
		}
		if i < len(path) && path[i] != '/' {
			continue
		}
		if i == start {
			return names, ends, false // an empty name
		}
		name := path[start:i]
		if escaped {
			var b strings.Builder
			for j := 0; j < len(name); j++ {
				if name[j] == '\\' {
					j++
				}
				b.WriteByte(name[j])
			}
			name = b.String()
		}
		names = append(names, name)
		ends = append(ends, i)
		start, escaped = i+1, false
	}
	return names, ends, true
}

func (el *election) buildSearch() error {
	a := &el.areas
	var b []byte
	a.nameAt = make([]int32, len(a.name)-1)
	for id := 1; id < len(a.name); id++ {
		a.nameAt[id-1] = int32(len(b))
		b = append(b, 0)
		b = appendFold(b, a.name[id])
	}
	if len(b) > math.MaxInt32 {
		return actas.Errorf(actas.EINVALID, "election %s: area names add up to more than 2 GiB", el.meta.ID)
	}
	a.names = string(b)
	a.buildGrams()

	st := &el.stations
	n := st.codes.len()
	for i := range n {
		if c := st.code(int32(i)); fold(c) != c {
			// Some code folds to another string: keep every folded code.
			folded, ok := newStringTable(n, func(i int) string { return fold(st.code(int32(i))) })
			if !ok {
				return actas.Errorf(actas.EINVALID, "election %s: the station codes add up to more than 4 GiB", el.meta.ID)
			}
			st.folded = folded
			break
		}
	}
	// Sort on the first 16 bytes held inline, falling back to the whole
	// code on ties: comparing strings scattered over the heap is what makes
	// sorting a million codes slow. Zero padding keeps the key's order
	// consistent with the strings' order.
	type keyed struct {
		k0, k1 uint64
		id     int32
	}
	keys := make([]keyed, n)
	var buf [16]byte
	for i := range n {
		clear(buf[:])
		copy(buf[:], st.foldedCode(int32(i)))
		keys[i] = keyed{binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:]), int32(i)}
	}
	slices.SortFunc(keys, func(x, y keyed) int {
		if c := cmp.Compare(x.k0, y.k0); c != 0 {
			return c
		}
		if c := cmp.Compare(x.k1, y.k1); c != 0 {
			return c
		}
		if c := strings.Compare(st.foldedCode(x.id), st.foldedCode(y.id)); c != 0 {
			return c
		}
		if c := strings.Compare(st.code(x.id), st.code(y.id)); c != 0 {
			return c
		}
		return cmp.Compare(x.id, y.id)
	})
	st.sorted = make([]int32, n)
	for i, k := range keys {
		st.sorted[i] = k.id
	}
	return nil
}

// area resolves a user-given path. Errors: EINVALID for a malformed path,
// ENOTFOUND for an unknown area.
func (el *election) area(path string) (int32, error) {
	if path == "" || path == actas.National {
		return 0, nil
	}
	// A stored name may carry spaces that CanonicalPath would trim.
	if id, ok := el.areas.byPath[path]; ok {
		return id, nil
	}
	p, err := actas.CanonicalPath(path)
	if err != nil {
		return 0, err
	}
	id, ok := el.areas.byPath[p]
	if !ok {
		return 0, actas.Errorf(actas.ENOTFOUND, "election %s has no area %q", el.meta.ID, path)
	}
	return id, nil
}

// levelName returns the name of area id's level, or actas.National.
func (el *election) levelName(id int32) string {
	if l := el.areas.level[id]; l >= 0 {
		return el.meta.Levels[l]
	}
	return actas.National
}

func (el *election) children(id int32) []int32 {
	return el.areas.child[el.areas.childStart[id]:el.areas.childStart[id+1]]
}

// contest resolves a contest id; "" selects the only contest of a
// single-contest election. Errors: ENOTFOUND, EINVALID.
func (el *election) contest(id string) (*contestState, error) {
	if id == "" {
		if _, err := el.meta.Contest(""); err != nil {
			return nil, err
		}
		return el.contests[0], nil
	}
	i, ok := el.contestIndex[id]
	if !ok {
		return nil, actas.Errorf(actas.ENOTFOUND, "election %s has no contest %q", el.meta.ID, id)
	}
	return el.contests[i], nil
}

// station returns the actas form of station i.
func (el *election) station(i int32) actas.Station {
	st := &el.stations
	return actas.Station{Code: st.code(i), Area: el.areas.path[st.area[i]], Registered: st.registered[i], Machines: st.machines[i]}
}

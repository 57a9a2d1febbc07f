package simulate

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// levelKinds names the levels of an election with 2 to 5 levels, top first.
// The lowest is always the voting center, which groups the stations (tables)
// that share a building and its electorate.
var levelKinds = [][]string{
	2: {"state", "center"},
	3: {"state", "municipality", "center"},
	4: {"state", "municipality", "parish", "center"},
	5: {"state", "district", "municipality", "parish", "center"},
}

// Geography parameters (see the package documentation).
const (
	meanTablesPerCenter = 2.4  // sets how many areas the levels above centers have
	sizeSpreadStates    = 0.9  // log-sd of the weights that split stations among states
	sizeSpreadAreas     = 0.8  // … among the children of any other area
	countJitter         = 0.25 // log-sd of an area's number of children around its expectation
	urbanFlip           = 0.15 // chance that an area differs from its parent in being urban
)

// level holds the areas of one level, in creation order (children of the
// first parent first).
type level struct {
	name    []string
	parent  []int32 // index in the level above; -1 for states
	childNo []int32 // 1-based position among its siblings
	urban   []bool
	n       []int // stations in the area
}

func (l *level) add(name string, parent, childNo int32, urban bool, n int) {
	l.name = append(l.name, name)
	l.parent = append(l.parent, parent)
	l.childNo = append(l.childNo, childNo)
	l.urban = append(l.urban, urban)
	l.n = append(l.n, n)
}

// geography is the simulated country: areas, centers and stations.
type geography struct {
	kinds  []string
	levels []level // levels[len-1] are the centers

	// Per center.
	first []int32 // first station of each center, plus one final entry: the station count
	// stateCenters[s] is the first center of state s, plus one final entry:
	// the center count. A state's centers and stations are contiguous.
	stateCenters []int32
	state        []int32  // index of its state
	cluster      []int32  // index of its municipality (or state): the unit fraud clusters in
	path         []string // area path

	stations []actas.Station
}

func (g *geography) centers() int { return len(g.levels[len(g.levels)-1].name) }

// newGeography builds a country of n stations with the given level kinds.
// Branching is uneven (a few big states, many small municipalities); urban
// centers hold more and larger stations.
func newGeography(r *rand.Rand, n int, kinds []string) *geography {
	L := len(kinds)
	g := &geography{kinds: kinds, levels: make([]level, L)}
	states := min(n, max(1, int(math.Round(6*math.Log10(float64(n))))))
	// Intermediate levels have counts in geometric progression from the
	// states to the expected number of centers.
	ratio := math.Pow(max(1, float64(n)/meanTablesPerCenter/float64(states)), 1/float64(L-1))
	// Urban or rural is decided by municipality (by center without
	// municipalities); lower areas mostly follow their parent.
	urbanLevel := slices.Index(kinds, "municipality")
	if urbanLevel < 0 {
		urbanLevel = L - 1
	}
	var sib siblings
	sib.reset()
	top := &g.levels[0]
	for i, size := range split(r, n, states, sizeSpreadStates) {
		top.add(sib.name(r, kinds[0]), -1, int32(i+1), false, size)
	}
	for l := 1; l < L-1; l++ {
		up, cur := &g.levels[l-1], &g.levels[l]
		avg := float64(n) / (float64(states) * math.Pow(ratio, float64(l)))
		for p := range up.name {
			np := up.n[p]
			k := int(math.Round(float64(np) / avg * lognormal(r, 0, countJitter)))
			k = max(1, min(k, np))
			sib.reset()
			for j, size := range split(r, np, k, sizeSpreadAreas) {
				urban := false
				switch {
				case l == urbanLevel:
					urban = r.Float64() < float64(size)/(float64(size)+1.5*avg)
				case l > urbanLevel:
					urban = up.urban[p] != (r.Float64() < urbanFlip)
				}
				cur.add(sib.name(r, kinds[l]), int32(p), int32(j+1), urban, size)
			}
		}
	}
	g.stations = make([]actas.Station, 0, n)
	up, centers := &g.levels[L-2], &g.levels[L-1]
	for p := range up.name {
		sib.reset()
		for j, left := int32(1), up.n[p]; left > 0; j++ {
			urban := up.urban[p]
			if urbanLevel == L-1 {
				urban = r.IntN(2) == 0
			}
			t := min(left, centerTables(r, urban))
			left -= t
			g.first = append(g.first, int32(len(g.stations)))
			centers.add(sib.name(r, kinds[L-1]), int32(p), j, urban, t)
			g.addStations(r, t, urban)
		}
	}
	g.first = append(g.first, int32(len(g.stations)))
	g.finish()
	return g
}

// centerTables draws how many stations a center has: urban schools hold
// several tables, most rural centers one.
func centerTables(r *rand.Rand, urban bool) int {
	if urban {
		return int(max(2, min(16, math.Round(lognormal(r, math.Log(5), 0.55)))))
	}
	return 1 + min(3, int(r.ExpFloat64()*0.9))
}

// addStations appends the t stations of a center. Tables of one center
// split its register evenly, the last one often smaller; urban registers
// are larger. Stations above 700 voters in cities get a second machine.
func (g *geography) addStations(r *rand.Rand, t int, urban bool) {
	var base float64
	if urban {
		base = max(250, min(900, 560+130*r.NormFloat64()))
	} else {
		base = max(100, min(700, lognormal(r, math.Log(280), 0.45)))
	}
	for i := range t {
		reg := base * (1 + 0.06*r.NormFloat64())
		if i == t-1 && t > 1 && r.IntN(2) == 0 {
			reg = base * uniform(r, 0.35, 1)
		}
		st := actas.Station{Registered: clampInt(int64(math.Round(reg)), 100, 900), Machines: 1}
		if urban && st.Registered > 700 {
			st.Machines = 2
		}
		g.stations = append(g.stations, st)
	}
}

// finish sets each center's path, state and cluster, and each station's
// code and area. A code is the center's position at every level,
// zero-padded, then the table number: "0103020007-02".
func (g *geography) finish() {
	L := len(g.levels)
	clusterLevel := g.clusterLevel()
	widths := make([]int, L)
	for l := range g.levels {
		most := int32(1)
		for _, c := range g.levels[l].childNo {
			most = max(most, c)
		}
		widths[l] = digits(int(most))
	}
	tw := 1
	for c := range g.centers() {
		tw = max(tw, digits(int(g.first[c+1]-g.first[c])))
	}
	codeLen := tw + 1
	for _, w := range widths {
		codeLen += w
	}
	var codes strings.Builder
	codes.Grow(codeLen * len(g.stations))
	nc := g.centers()
	g.path = make([]string, nc)
	g.state = make([]int32, nc)
	g.cluster = make([]int32, nc)
	chain := make([]int32, L)
	names := make([]string, L)
	var prefix []byte
	for c := range nc {
		chain[L-1] = int32(c)
		for l := L - 1; l > 0; l-- {
			chain[l-1] = g.levels[l].parent[chain[l]]
		}
		prefix = prefix[:0]
		for l, a := range chain {
			names[l] = g.levels[l].name[a]
			prefix = appendPadded(prefix, int(g.levels[l].childNo[a]), widths[l])
		}
		g.path[c] = actas.JoinPath(names...)
		if c == 0 || chain[0] != g.state[c-1] {
			g.stateCenters = append(g.stateCenters, int32(c))
		}
		g.state[c] = chain[0]
		g.cluster[c] = chain[clusterLevel]
		for s := g.first[c]; s < g.first[c+1]; s++ {
			codes.Write(prefix)
			codes.WriteByte('-')
			var buf [12]byte
			codes.Write(appendPadded(buf[:0], int(s-g.first[c])+1, tw))
		}
	}
	g.stateCenters = append(g.stateCenters, int32(nc))
	// One string holds every code; each station's code is a slice of it.
	all := codes.String()
	for i := range g.stations {
		g.stations[i].Code = all[i*codeLen : (i+1)*codeLen]
	}
	for c := range nc {
		for s := g.first[c]; s < g.first[c+1]; s++ {
			g.stations[s].Area = g.path[c]
		}
	}
}

func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

func appendPadded(b []byte, v, width int) []byte {
	for d := digits(v); d < width; d++ {
		b = append(b, '0')
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

// split divides n stations among k ≥ 1 areas, each getting at least one,
// in proportion to log-normal weights with log-sd sigma: a few large areas
// and many small ones.
func split(r *rand.Rand, n, k int, sigma float64) []int {
	w := make([]float64, k)
	sum := 0.0
	for i := range w {
		w[i] = lognormal(r, 0, sigma)
		sum += w[i]
	}
	sizes := make([]int, k)
	extra := float64(n - k)
	cum, given := 0.0, 0
	// Rounding the cumulative share keeps the total exact and every part
	// within one station of its proportional size.
	for i := range w {
		cum += w[i]
		upTo := int(math.Round(extra * cum / sum))
		if i == k-1 {
			upTo = n - k
		}
		sizes[i] = 1 + upTo - given
		given = upTo
	}
	return sizes
}

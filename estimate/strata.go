package estimate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// areaPrefix returns the path of the area at level k (0 = top) that holds a
// station of the given area path: its first k+1 names, escapes kept. It
// reports false when the path has fewer names.
func areaPrefix(path string, k int) (string, bool) {
	if k < 0 {
		return "", true
	}
	seen := 0
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '\\':
			i++ // an escaped '/' or '\' is part of a name
		case '/':
			if seen == k {
				return path[:i], true
			}
			seen++
		}
	}
	return path, seen == k && path != ""
}

// areaIndex numbers the areas at level k (-1: the national area) in the
// order their first station appears, and gives each station its area's
// number. Errors: EINVALID for a station whose path is too short.
func areaIndex(stations []actas.Station, k int, level string) (of []int32, paths []string, err error) {
	of = make([]int32, len(stations))
	if k < 0 {
		return of, []string{""}, nil
	}
	ids := map[string]int32{}
	last, lastID := "", int32(-1)
	for i := range stations {
		a, ok := areaPrefix(stations[i].Area, k)
		if !ok {
			return nil, nil, actas.Errorf(actas.EINVALID, "station %s: area %q has no %s", stations[i].Code, stations[i].Area, level)
		}
		// Stations of an area usually come together: most lookups are the
		// previous station's.
		if lastID < 0 || a != last {
			id, seen := ids[a]
			if !seen {
				id = int32(len(paths))
				ids[a] = id
				paths = append(paths, a)
			}
			last, lastID = a, id
		}
		of[i] = lastID
	}
	return of, paths, nil
}

// grouping is the strata after collapsing: the groups the estimator uses.
type grouping struct {
	of      []int32   // stratum → group
	N       []float64 // group → stations of the population
	n       []int     // group → counted stations
	members [][]int32 // group → its strata, in path order
}

// collapseStrata merges every stratum with fewer than two counted stations
// (where the variance within it cannot be estimated) into a neighbour,
// until none is left: the classic collapsed-strata remedy (Cochran 1977,
// §5A.12). Strata are taken in path order, so that the areas under one
// parent are adjacent; a deficient stratum joins whichever adjacent group
// shares the deeper common ancestor with it (a sibling under the same
// parent when there is one, else a cousin under the level above, and so
// on), the smaller one on a tie, the earlier one on a further tie. A
// stratum whose every station is counted needs no variance and is kept
// (unless noFPC, where a single counted station is still a sample of one).
// paths are the strata's area paths, N their population sizes, n their
// counted stations; at least two stations must be counted in all.
func collapseStrata(paths []string, N []float64, n []int, noFPC bool) *grouping {
	H := len(paths)
	order := make([]int32, H)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(paths[a], paths[b]) })
	names := make([][]string, H)
	for i, p := range paths {
		names[i], _ = actas.SplitPath(p)
	}
	depth := func(a, b int32) int {
		x, y := names[a], names[b]
		k := 0
		for k < len(x) && k < len(y) && x[k] == y[k] {
			k++
		}
		return k
	}
	type node struct {
		prev, next int
		members    []int32
		N          float64
		n          int
	}
	nodes := make([]node, H)
	for pos, s := range order {
		nodes[pos] = node{prev: pos - 1, next: pos + 1, members: []int32{s}, N: N[s], n: n[s]}
	}
	if H > 0 {
		nodes[H-1].next = -1
	}
	deficient := func(g *node) bool { return g.n < 2 && (float64(g.n) < g.N || noFPC) }
	dead := make([]bool, H)
	for pos := range nodes {
		g := pos
		for !dead[g] && deficient(&nodes[g]) {
			p, q := nodes[g].prev, nodes[g].next
			if p < 0 && q < 0 {
				break // the only group left; the caller checked there are two counted stations
			}
			into := p
			if p < 0 {
				into = q
			} else if q >= 0 {
				dp := depth(nodes[p].members[len(nodes[p].members)-1], nodes[g].members[0])
				dq := depth(nodes[g].members[len(nodes[g].members)-1], nodes[q].members[0])
				if dq > dp || (dq == dp && nodes[q].N < nodes[p].N) {
					into = q
				}
			}
			// into absorbs g, keeping path order of members.
			a, b := &nodes[into], &nodes[g]
			if into < g {
				a.members = append(a.members, b.members...)
			} else {
				a.members = append(slices.Clip(b.members), a.members...)
			}
			a.N += b.N
			a.n += b.n
			if b.prev >= 0 {
				nodes[b.prev].next = b.next
			}
			if b.next >= 0 {
				nodes[b.next].prev = b.prev
			}
			dead[g] = true
			g = into
		}
	}
	gr := &grouping{of: make([]int32, H)}
	for pos := range nodes {
		if dead[pos] {
			continue
		}
		id := int32(len(gr.N))
		for _, s := range nodes[pos].members {
			gr.of[s] = id
		}
		gr.N = append(gr.N, nodes[pos].N)
		gr.n = append(gr.n, nodes[pos].n)
		gr.members = append(gr.members, nodes[pos].members)
	}
	return gr
}

// Merged is a group of strata the estimator treated as one, because some
// had fewer than two counted stations.
type Merged struct {
	Strata   []string `json:"strata"`   // area paths, in path order
	Stations int64    `json:"stations"` // of the population
	Counted  int64    `json:"counted"`
}

// merged lists the groups of more than one stratum, and a warning naming
// the strata that lacked counted stations.
func (gr *grouping) merged(paths []string, n []int, level string) ([]Merged, string) {
	var out []Merged
	var lacking []string
	total := 0
	for g, m := range gr.members {
		if len(m) < 2 {
			continue
		}
		mg := Merged{Stations: int64(gr.N[g]), Counted: int64(gr.n[g])}
		for _, s := range m {
			mg.Strata = append(mg.Strata, actas.DisplayPath(paths[s]))
			if n[s] < 2 {
				total++
				if len(lacking) < 5 {
					lacking = append(lacking, fmt.Sprintf("%s (%d counted)", actas.DisplayPath(paths[s]), n[s]))
				}
			}
		}
		out = append(out, mg)
	}
	if total == 0 {
		return out, ""
	}
	more := ""
	if total > len(lacking) {
		more = fmt.Sprintf(" and %d more", total-len(lacking))
	}
	return out, fmt.Sprintf("%d %s strata had fewer than 2 counted stations and were merged with a neighbouring stratum under the same parent area (or the nearest one above): %s%s. Their uncounted stations are projected from their neighbours' counted ones; see \"collapsed\".",
		total, level, strings.Join(lacking, ", "), more)
}

package tabulate

import (
	"math"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// viewIndex resolves a source or Reconciled to a view index. Errors: EINVALID.
func viewIndex(s actas.Source) (int, error) {
	if s == actas.Reconciled {
		return reconciledView, nil
	}
	if i := sourceIndex(s); i >= 0 {
		return i, nil
	}
	if _, err := actas.ParseSource(string(s), true); err != nil {
		return 0, err
	}
	return 0, actas.Errorf(actas.EINVALID, "unknown source %q", s)
}

// query is the common part of Area and Level: an election, a contest and a
// view.
func (t *Tabulator) query(election, contest string, source actas.Source) (*election, *contestState, int, error) {
	el, err := t.election(election)
	if err != nil {
		return nil, nil, 0, err
	}
	cs, err := el.contest(contest)
	if err != nil {
		return nil, nil, 0, err
	}
	v, err := viewIndex(source)
	if err != nil {
		return nil, nil, 0, err
	}
	return el, cs, v, nil
}

// Area returns the results of the area at path ("" or "national" for the
// whole election) and of its children, in first-appearance order, for one
// contest and source (a Source or Reconciled). Errors: ENOTFOUND for an
// unknown election, contest or area; EINVALID for a malformed path, an
// unknown source, or no contest named in a multi-contest election.
func (t *Tabulator) Area(election, contest string, source actas.Source, path string) (*actas.AreaResult, []*actas.AreaResult, error) {
	el, cs, v, err := t.query(election, contest, source)
	if err != nil {
		return nil, nil, err
	}
	id, err := el.area(path)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int32, 0, 1+len(el.children(id)))
	ids = append(append(ids, id), el.children(id)...)
	el.mu.RLock()
	res := el.results(cs, v, source, ids)
	el.mu.RUnlock()
	return res[0], res[1:], nil
}

// Level returns the results of every area of the named level (a name of
// Election.Levels, or "national") under the area at within, in
// first-appearance order. An area of the named level itself is returned
// alone. Errors: as Area, plus ENOTFOUND for an unknown level and EINVALID
// for a level above within's.
func (t *Tabulator) Level(election, contest string, source actas.Source, level, within string) ([]*actas.AreaResult, error) {
	el, cs, v, err := t.query(election, contest, source)
	if err != nil {
		return nil, err
	}
	w, err := el.area(within)
	if err != nil {
		return nil, err
	}
	li := -1
	if level != actas.National {
		l, ok := el.levelIndex[level]
		if !ok {
			return nil, actas.Errorf(actas.ENOTFOUND, "election %s has no level %q (levels: national, %s)", el.meta.ID, level, strings.Join(el.meta.Levels, ", "))
		}
		li = l
	}
	wl := int(el.areas.level[w])
	var ids []int32
	switch {
	case li < wl:
		return nil, actas.Errorf(actas.EINVALID, "level %s is above area %s (%s)", level, actas.DisplayPath(el.areas.path[w]), el.levelName(w))
	case li == wl:
		ids = []int32{w}
	case w == 0:
		ids = el.areas.byLevel[li]
	default:
		// Walk down level by level; ids sort back into first-appearance order.
		ids = []int32{w}
		for range li - wl {
			var next []int32
			for _, id := range ids {
				next = append(next, el.children(id)...)
			}
			ids = next
		}
		slices.Sort(ids)
	}
	el.mu.RLock()
	res := el.results(cs, v, source, ids)
	el.mu.RUnlock()
	return res, nil
}

// results builds the results of areas ids in view v with three
// allocations whatever their number. The caller holds el.mu for reading.
func (el *election) results(cs *contestState, v int, source actas.Source, ids []int32) []*actas.AreaResult {
	k := len(cs.c.Choices)
	w := cs.aggWidth
	rows := cs.views[v]
	out := make([]actas.AreaResult, len(ids))
	votes := make([]int64, len(ids)*k)
	ptrs := make([]*actas.AreaResult, len(ids))
	for n, id := range ids {
		r := &out[n]
		*r = actas.AreaResult{
			Election: el.meta.ID, Contest: cs.c.ID, Source: source,
			Path: el.areas.path[id], Name: el.areas.name[id], Level: el.levelName(id),
			Children: int(el.areas.childStart[id+1] - el.areas.childStart[id]),
		}
		r.Stations = el.areas.stations[id]
		r.Registered = el.areas.registered[id]
		r.Votes = votes[n*k : n*k+k : n*k+k]
		if rows != nil {
			row := rows[int(id)*w : int(id)*w+w]
			r.StationsCounted = row[aggCounted]
			r.RegisteredCounted = row[aggRegisteredCounted]
			r.Ballots = row[aggBallots]
			r.Blank = row[aggBlank]
			r.Null = row[aggNull]
			r.Voters = row[aggVoters]
			r.VotersStations = row[aggVotersStations]
			r.Flagged = row[aggFlagged]
			r.Agreed = row[aggAgreed]
			r.Single = row[aggSingle]
			r.Conflict = row[aggConflict]
			copy(r.Votes, row[aggFixed:])
		}
		ptrs[n] = r
	}
	return ptrs
}

// Stations returns the stations of the area at path (of any level) with
// their reconciled state, in creation order. Errors: ENOTFOUND for an
// unknown election, contest or area; EINVALID for a malformed path.
func (t *Tabulator) Stations(election, contest, path string) ([]*actas.StationResult, error) {
	out, _, err := t.StationsPage(election, contest, path, 0, math.MaxInt)
	return out, err
}

// StationsPage is Stations from the offset-th station on, at most limit of
// them, with the number of stations in the area: a page of a large area
// costs what the page holds. Errors: as Stations, and EINVALID for a
// negative offset or limit.
func (t *Tabulator) StationsPage(election, contest, path string, offset, limit int) ([]*actas.StationResult, int, error) {
	el, err := t.election(election)
	if err != nil {
		return nil, 0, err
	}
	cs, err := el.contest(contest)
	if err != nil {
		return nil, 0, err
	}
	id, err := el.area(path)
	if err != nil {
		return nil, 0, err
	}
	if offset < 0 || limit < 0 {
		return nil, 0, actas.Errorf(actas.EINVALID, "stations from %d, at most %d: neither may be negative", offset, limit)
	}
	var ids []int32
	total := int(el.areas.hi[id] - el.areas.lo[id])
	if id != 0 { // the national area holds every station in creation order already
		ids = el.stations.order[el.areas.lo[id]:el.areas.hi[id]]
		if !slices.IsSorted(ids) {
			ids = slices.Clone(ids)
			slices.Sort(ids)
		}
	}
	from := min(offset, total)
	to := from + min(limit, total-from)
	out := make([]*actas.StationResult, to-from)
	el.mu.RLock()
	defer el.mu.RUnlock()
	for n := range out {
		i := int32(from + n)
		if ids != nil {
			i = ids[from+n]
		}
		out[n] = el.stationResult(cs, i)
	}
	return out, total, nil
}

// Conflicts returns, in creation order, up to limit stations of the area at
// path (of any level) whose state is conflict, with their results, and how
// many the area holds: what people must look at, found without building a
// result for every station. Errors: as Stations, and EINVALID for a
// negative limit.
func (t *Tabulator) Conflicts(election, contest, path string, limit int) ([]*actas.StationResult, int, error) {
	el, err := t.election(election)
	if err != nil {
		return nil, 0, err
	}
	cs, err := el.contest(contest)
	if err != nil {
		return nil, 0, err
	}
	id, err := el.area(path)
	if err != nil {
		return nil, 0, err
	}
	if limit < 0 {
		return nil, 0, actas.Errorf(actas.EINVALID, "at most %d conflicts: a limit may not be negative", limit)
	}
	var ids []int32 // nil: every station, in creation order
	if id != 0 {
		ids = el.stations.order[el.areas.lo[id]:el.areas.hi[id]]
		if !slices.IsSorted(ids) {
			ids = slices.Clone(ids)
			slices.Sort(ids)
		}
	}
	total := int(el.areas.hi[id] - el.areas.lo[id])
	el.mu.RLock()
	defer el.mu.RUnlock()
	var out []*actas.StationResult
	n := 0
	for k := range total {
		i := int32(k)
		if ids != nil {
			i = ids[k]
		}
		if cs.reconcile(i, el.rank).state != stateConflict {
			continue
		}
		n++
		if len(out) < limit {
			out = append(out, el.stationResult(cs, i))
		}
	}
	return out, n, nil
}

// Station returns one station's reconciled state. Errors: ENOTFOUND for an
// unknown election, contest or station.
func (t *Tabulator) Station(election, contest, code string) (*actas.StationResult, error) {
	el, err := t.election(election)
	if err != nil {
		return nil, err
	}
	cs, err := el.contest(contest)
	if err != nil {
		return nil, err
	}
	i, ok := el.stations.index(code)
	if !ok {
		return nil, actas.Errorf(actas.ENOTFOUND, "election %s has no station %q", el.meta.ID, code)
	}
	el.mu.RLock()
	defer el.mu.RUnlock()
	return el.stationResult(cs, i), nil
}

// stationResult builds station i's result. The caller holds el.mu for
// reading; the result shares nothing with the tabulation.
func (el *election) stationResult(cs *contestState, i int32) *actas.StationResult {
	res := &actas.StationResult{Station: el.station(i), Contest: cs.c.ID, Current: map[actas.Source]int64{}}
	for si, ss := range cs.src {
		if ss != nil && ss.slot[i] != 0 {
			res.Current[sources[si]] = ss.rec(ss.slot[i] - 1).seq
		}
	}
	o := cs.reconcile(i, el.rank)
	res.State = stateNames[o.state]
	if o.from >= 0 {
		ss := cs.src[o.from]
		res.From = sources[o.from]
		res.Flags = ss.rec(o.rec).flags
		res.Sheet = ss.sheet(o.rec, cs, el.stations.code(i))
	}
	return res
}

// sheet returns record r as a new actas.Sheet.
func (ss *sourceState) sheet(r int32, cs *contestState, station string) *actas.Sheet {
	k := len(cs.c.Choices)
	nums := ss.numbers(r, cs.width, make([]int64, cs.width))
	return &actas.Sheet{
		Station: station, Contest: cs.c.ID, Votes: slices.Clone(nums[:k]),
		Blank: nums[k+numBlank], Null: nums[k+numNull], Ballots: nums[k+numBallots], Voters: nums[k+numVoters],
	}
}

package tabulate

import (
	"fmt"
	"math"

	"github.com/actasproject/actas"
)

// contestState is the tabulation of one contest.
type contestState struct {
	c        *actas.Contest
	width    int // numbers per sheet: votes per choice, then blank, null, ballots, voters
	aggWidth int // numbers per area row: the fixed fields, then votes per choice

	src   []*sourceState // per source index; nil until the source's first submission
	views [][]int64      // per source index, then the reconciled view: area rows; nil until needed

	// decided holds, per station with a recorded decision, the latest one
	// (decide.go); nil until the contest's first decision.
	decided map[int32]decision
}

// Offsets in a sheet's numbers after its votes.
const (
	numBlank = iota
	numNull
	numBallots
	numVoters
	numFixed
)

// Offsets in an area row; votes per choice follow.
const (
	aggCounted = iota
	aggRegisteredCounted
	aggBallots
	aggBlank
	aggNull
	aggVoters
	aggVotersStations
	aggFlagged
	aggAgreed
	aggSingle
	aggConflict
	aggFixed
)

func newContestState(c *actas.Contest, views int) *contestState {
	return &contestState{
		c: c, width: len(c.Choices) + numFixed, aggWidth: aggFixed + len(c.Choices),
		src: make([]*sourceState, len(sources)), views: make([][]int64, views),
	}
}

// reconciledView is the index of the reconciled view in contestState.views.
var reconciledView = len(sources)

// sourceState holds what one source stated for the stations of one
// contest: per station with a submission, one record for its latest sheet.
// Records live in fixed-size pages, so that a million stations cost a few
// hundred allocations and no slice ever regrows by copying.
type sourceState struct {
	slot     []int32 // per station: record index + 1; 0 when the source has no submission
	n        int32   // records
	recPages [][]record
	numPages [][]int32 // per record: width numbers, unless the record is wide
	wide     map[int32][]int64
}

const (
	pageBits = 12
	pageSize = 1 << pageBits
)

type record struct {
	seq     int64       // of the latest submission
	flags   actas.Flags // of the latest submission
	count   int32       // submissions of this source for the station
	differs bool        // two of them state different numbers
	wide    bool        // a number exceeds int32: the numbers are in wide
}

func (ss *sourceState) rec(r int32) *record {
	return &ss.recPages[r>>pageBits][r&(pageSize-1)]
}

// narrow returns record r's numbers as stored in its page.
func (ss *sourceState) narrow(r int32, width int) []int32 {
	o := int(r&(pageSize-1)) * width
	return ss.numPages[r>>pageBits][o : o+width : o+width]
}

// newRecord appends a zero record and returns its index.
func (ss *sourceState) newRecord(width int) int32 {
	r := ss.n
	if r&(pageSize-1) == 0 {
		ss.recPages = append(ss.recPages, make([]record, pageSize))
		ss.numPages = append(ss.numPages, make([]int32, pageSize*width))
	}
	ss.n++
	return r
}

// numbers returns record r's numbers: from its page, converted into buf,
// or its wide copy.
func (ss *sourceState) numbers(r int32, width int, buf []int64) []int64 {
	if ss.rec(r).wide {
		return ss.wide[r]
	}
	for i, v := range ss.narrow(r, width) {
		buf[i] = int64(v)
	}
	return buf[:width]
}

// equal reports whether record r states the numbers of sheet s.
func (ss *sourceState) equal(r int32, width int, s *actas.Sheet) bool {
	k := len(s.Votes)
	if ss.rec(r).wide {
		w := ss.wide[r]
		for i, v := range s.Votes {
			if w[i] != v {
				return false
			}
		}
		return w[k+numBlank] == s.Blank && w[k+numNull] == s.Null && w[k+numBallots] == s.Ballots && w[k+numVoters] == s.Voters
	}
	n := ss.narrow(r, width)
	for i, v := range s.Votes {
		if int64(n[i]) != v {
			return false
		}
	}
	return int64(n[k+numBlank]) == s.Blank && int64(n[k+numNull]) == s.Null &&
		int64(n[k+numBallots]) == s.Ballots && int64(n[k+numVoters]) == s.Voters
}

// set stores sheet s as record r's numbers.
func (ss *sourceState) set(r int32, width int, s *actas.Sheet) {
	fits := func(v int64) bool { return v >= math.MinInt32 && v <= math.MaxInt32 }
	ok := fits(s.Blank) && fits(s.Null) && fits(s.Ballots) && fits(s.Voters)
	for _, v := range s.Votes {
		ok = ok && fits(v)
	}
	n := ss.narrow(r, width)
	rec := ss.rec(r)
	k := len(s.Votes)
	if !ok {
		// Counts beyond two thousand million are absurd for one station,
		// and exactly what an impossible sheet may state: keep them exact.
		w := make([]int64, width)
		copy(w, s.Votes)
		w[k+numBlank], w[k+numNull], w[k+numBallots], w[k+numVoters] = s.Blank, s.Null, s.Ballots, s.Voters
		if ss.wide == nil {
			ss.wide = map[int32][]int64{}
		}
		ss.wide[r] = w
		rec.wide = true
		clear(n)
		return
	}
	for i, v := range s.Votes {
		n[i] = int32(v)
	}
	n[k+numBlank], n[k+numNull], n[k+numBallots], n[k+numVoters] = int32(s.Blank), int32(s.Null), int32(s.Ballots), int32(s.Voters)
	if rec.wide {
		delete(ss.wide, r)
		rec.wide = false
	}
}

// sameNumbers reports whether two records (of two sources) state the same
// numbers. A sheet that does not state voters (Unknown) agrees with one
// that does, if all else is equal: it leaves the number open rather than
// stating another (a hand count finds ballots, not the voters' list).
func sameNumbers(a *sourceState, ra int32, b *sourceState, rb int32, width int) bool {
	wa, wb := a.rec(ra).wide, b.rec(rb).wide
	voters := width - numFixed + numVoters
	same := func(i int, x, y int64) bool {
		return x == y || i == voters && (x == actas.Unknown || y == actas.Unknown)
	}
	switch {
	case wa && wb:
		x, y := a.wide[ra], b.wide[rb]
		for i := range x {
			if !same(i, x[i], y[i]) {
				return false
			}
		}
		return true
	case wa || wb:
		return false // a wide record holds a number no narrow one can
	}
	x, y := a.narrow(ra, width), b.narrow(rb, width)
	for i := range x {
		if !same(i, int64(x[i]), int64(y[i])) {
			return false
		}
	}
	return true
}

// state codes, in the order of actas.State values they stand for.
const (
	stateNone uint8 = iota
	stateSingle
	stateAgreed
	stateConflict
)

var stateNames = [...]actas.State{actas.StateNone, actas.StateSingle, actas.StateAgreed, actas.StateConflict}

// outcome is a station's reconciled state and where its sheet comes from.
type outcome struct {
	state uint8
	from  int   // source index of the reconciled sheet; -1 for none
	rec   int32 // that source's record
}

// reconcile derives station i's reconciled state from its records and its
// latest recorded decision (decide.go). It is a pure function of the set of
// submissions and decisions, so the result does not depend on the order
// they were added in.
func (cs *contestState) reconcile(i int32, rank []int) outcome {
	out := cs.byRules(i, rank)
	if cs.decided == nil || out.state == stateNone {
		return out
	}
	if d, ok := cs.decided[i]; ok {
		return cs.applyDecision(i, d, out)
	}
	return out
}

// byRules derives station i's reconciled state from its records alone.
func (cs *contestState) byRules(i int32, rank []int) outcome {
	out := outcome{from: -1}
	var total int32
	agree := true
	// The sources with a record, to compare every pair: agreement is not
	// transitive once a sheet may leave voters open.
	var seen [8]int
	var seenRec [8]int32
	n := 0
	best, bestRank := -1, math.MaxInt
	for si, ss := range cs.src {
		if ss == nil || ss.slot[i] == 0 {
			continue
		}
		r := ss.slot[i] - 1
		rec := ss.rec(r)
		total += rec.count
		if rec.differs {
			agree = false
		}
		for k := 0; agree && k < n; k++ {
			if !sameNumbers(cs.src[seen[k]], seenRec[k], ss, r, cs.width) {
				agree = false
			}
		}
		if n < len(seen) {
			seen[n], seenRec[n] = si, r
			n++
		}
		// Unranked sources sort after ranked ones in actas.Sources order:
		// they can carry a single or agreed sheet, never settle a conflict.
		rk := rank[si]
		if rk < 0 {
			rk = len(rank) + si
		}
		if rk < bestRank {
			best, bestRank = si, rk
		}
	}
	switch {
	case total == 0:
		return out
	case total == 1:
		out.state = stateSingle
	case agree:
		out.state = stateAgreed
	default:
		out.state = stateConflict
		if rank[best] < 0 || cs.src[best].rec(cs.src[best].slot[i]-1).differs {
			return out
		}
	}
	out.from = best
	out.rec = cs.src[best].slot[i] - 1
	return out
}

// contribute adds sign × the contribution of record r of source ss for a
// station with reg registered voters to the area-row difference d.
func (cs *contestState) contribute(d []int64, ss *sourceState, r int32, reg, sign int64) {
	var buf [64]int64
	var nums []int64
	if cs.width <= len(buf) {
		nums = ss.numbers(r, cs.width, buf[:])
	} else {
		nums = ss.numbers(r, cs.width, make([]int64, cs.width))
	}
	k := len(cs.c.Choices)
	d[aggCounted] += sign
	d[aggRegisteredCounted] += sign * reg
	d[aggBallots] += sign * nums[k+numBallots]
	d[aggBlank] += sign * nums[k+numBlank]
	d[aggNull] += sign * nums[k+numNull]
	if v := nums[k+numVoters]; v != actas.Unknown {
		d[aggVoters] += sign * v
		d[aggVotersStations] += sign
	}
	if ss.rec(r).flags != 0 {
		d[aggFlagged] += sign
	}
	for j, v := range nums[:k] {
		d[aggFixed+j] += sign * v
	}
}

// contributeOutcome adds sign × a reconciled outcome's contribution to d.
func (cs *contestState) contributeOutcome(d []int64, o outcome, reg, sign int64) {
	switch o.state {
	case stateNone:
		return
	case stateSingle:
		d[aggSingle] += sign
	case stateAgreed:
		d[aggAgreed] += sign
	case stateConflict:
		d[aggConflict] += sign
	}
	if o.from >= 0 {
		cs.contribute(d, cs.src[o.from], o.rec, reg, sign)
	}
}

// Add tabulates a submission the store accepted (outcome New or Differing;
// a Present one has no Seq). It recomputes the station's contributions and
// applies the difference to its area and every area above it.
//
// Errors: ENOTFOUND for an unknown election; EINVALID for a submission
// without a Seq, of an unknown source, station or contest, or with a sheet
// of the wrong form (actas.CheckForm); ECONFLICT when a submission with the
// same Seq was added before. On error nothing changes.
func (t *Tabulator) Add(sub *actas.Submission) error {
	if sub == nil {
		return actas.Errorf(actas.EINVALID, "tabulate: no submission")
	}
	el, err := t.election(sub.Election)
	if err != nil {
		return err
	}
	if sub.Seq <= 0 {
		return actas.Errorf(actas.EINVALID, "election %s: submission for station %s has no Seq: only stored submissions are tabulated", el.meta.ID, sub.Sheet.Station)
	}
	si := sourceIndex(sub.Source)
	if si < 0 {
		return actas.Errorf(actas.EINVALID, "election %s: submission %d: unknown source %q", el.meta.ID, sub.Seq, sub.Source)
	}
	ci, ok := el.contestIndex[sub.Sheet.Contest]
	if !ok {
		return actas.Errorf(actas.EINVALID, "election %s: submission %d: no contest %q", el.meta.ID, sub.Seq, sub.Sheet.Contest)
	}
	station, ok := el.stationIndex(sub.Sheet.Station)
	if !ok {
		return actas.Errorf(actas.EINVALID, "election %s: submission %d: no station %q", el.meta.ID, sub.Seq, sub.Sheet.Station)
	}
	cs := el.contests[ci]
	if err := actas.CheckForm(&sub.Sheet, cs.c); err != nil {
		return fmt.Errorf("election %s: submission %d: %w", el.meta.ID, sub.Seq, err)
	}

	el.mu.Lock()
	defer el.mu.Unlock()
	if el.seqs.has(sub.Seq) {
		return actas.Errorf(actas.ECONFLICT, "election %s: submission %d was already tabulated", el.meta.ID, sub.Seq)
	}
	el.seqs.add(sub.Seq)
	el.maxSeq = max(el.maxSeq, sub.Seq)
	el.apply(cs, si, station, sub)
	return nil
}

// stationIndex looks a station up by code. Imports and replays tend to
// follow the stations' order, so the station after the last one looked up
// is tried before the map.
func (el *election) stationIndex(code string) (int32, bool) {
	if h := el.next.Load(); int(h) < el.stations.codes.len() && el.stations.code(h) == code {
		el.next.Store(h + 1)
		return h, true
	}
	i, ok := el.stations.index(code)
	if ok {
		el.next.Store(i + 1)
	}
	return i, ok
}

// apply updates station i of contest cs with a valid submission of source
// si. The caller holds el.mu.
func (el *election) apply(cs *contestState, si int, i int32, sub *actas.Submission) {
	w := cs.aggWidth
	dSrc, dRec := el.delta[:w], el.delta[w:2*w]
	clear(dSrc)
	clear(dRec)
	reg := el.stations.registered[i]

	// The old contributions must be taken before the record changes.
	before := cs.reconcile(i, el.rank)
	cs.contributeOutcome(dRec, before, reg, -1)

	ss := cs.src[si]
	if ss == nil {
		ss = &sourceState{slot: make([]int32, el.stations.codes.len())}
		cs.src[si] = ss
	}
	latest := false
	if ss.slot[i] == 0 {
		r := ss.newRecord(cs.width)
		*ss.rec(r) = record{seq: sub.Seq, flags: sub.Flags, count: 1}
		ss.set(r, cs.width, &sub.Sheet)
		ss.slot[i] = r + 1
		latest = true
	} else {
		r := ss.slot[i] - 1
		rec := ss.rec(r)
		rec.count++
		if !ss.equal(r, cs.width, &sub.Sheet) {
			rec.differs = true
		}
		// A lower Seq arriving late is evidence for the state, but the
		// per-source view keeps the latest.
		if sub.Seq > rec.seq {
			cs.contribute(dSrc, ss, r, reg, -1)
			rec.seq, rec.flags = sub.Seq, sub.Flags
			ss.set(r, cs.width, &sub.Sheet)
			latest = true
		}
	}
	if latest {
		cs.contribute(dSrc, ss, ss.slot[i]-1, reg, +1)
		el.propagate(cs, si, i, dSrc)
	}

	after := cs.reconcile(i, el.rank)
	cs.contributeOutcome(dRec, after, reg, +1)
	el.propagate(cs, reconciledView, i, dRec)
}

// propagate adds d to the row of station i's area and of every area above
// it in view v.
func (el *election) propagate(cs *contestState, v int, i int32, d []int64) {
	// A second source that agrees changes only the state counts: adding
	// just the fields that change saves most of the work on every level.
	nz := el.nonzero[:0]
	for j, x := range d {
		if x != 0 {
			nz = append(nz, int32(j))
		}
	}
	if len(nz) == 0 {
		return
	}
	w := cs.aggWidth
	rows := cs.views[v]
	if rows == nil {
		rows = make([]int64, len(el.areas.path)*w)
		cs.views[v] = rows
	}
	for a := el.stations.area[i]; a >= 0; a = el.areas.parent[a] {
		row := rows[int(a)*w : int(a)*w+w]
		if 2*len(nz) > w {
			for j, x := range d {
				row[j] += x
			}
			continue
		}
		for _, j := range nz {
			row[j] += d[j]
		}
	}
}

package tabulate

import (
	"github.com/actasproject/actas"
)

// Decision is a person's recorded decision on one station's sheets of one
// contest (a coordinator's review, package internal/review), as the
// reconciled view needs it.
type Decision struct {
	// Index is the decision's entry in the election's log. Entries share one
	// numbering with submissions, which is what tells a decision from the
	// submissions that came after it.
	Index   int64
	Station string
	Contest string
	// Source and Seq name the accepted submission; Source is "" when the
	// decision accepts none (every sheet rejected, or a recount asked for).
	Source actas.Source
	Seq    int64
}

// decision is a Decision as a contest keeps it.
type decision struct {
	index int64
	src   int // source index; -1 when no submission is accepted
	seq   int64
}

// Decide records a decision on a station. The station's latest decision
// (the highest Index) rules while no submission for the station and
// contest is later than it; a later submission, of any source, makes it
// stale and the rules apply again, as new evidence needs a new look.
// While it rules:
//
//   - accepting a submission makes that submission the reconciled sheet,
//     as long as it is still its source's current one; the station keeps
//     the state its submissions give it (a settled conflict stays a
//     conflict, now counted);
//   - accepting none leaves the station in conflict without a reconciled
//     sheet, whatever its submissions state.
//
// Like Add, Decide may be called in any order with submissions: the result
// depends on the set of both, not on their order. Errors: ENOTFOUND for an
// unknown election; EINVALID for an Index not above 0, an unknown station,
// contest or source, or an accepted Seq that is not below Index; ECONFLICT
// when an entry with the same Index (a decision or a submission) was added
// before. On error nothing changes.
func (t *Tabulator) Decide(election string, d Decision) error {
	el, err := t.election(election)
	if err != nil {
		return err
	}
	if d.Index <= 0 {
		return actas.Errorf(actas.EINVALID, "election %s: decision on station %s has no log index: only recorded decisions are tabulated", el.meta.ID, d.Station)
	}
	ci, ok := el.contestIndex[d.Contest]
	if !ok {
		return actas.Errorf(actas.EINVALID, "election %s: decision %d: no contest %q", el.meta.ID, d.Index, d.Contest)
	}
	station, ok := el.stations.index(d.Station)
	if !ok {
		return actas.Errorf(actas.EINVALID, "election %s: decision %d: no station %q", el.meta.ID, d.Index, d.Station)
	}
	dec := decision{index: d.Index, src: -1}
	if d.Source != "" {
		if dec.src = sourceIndex(d.Source); dec.src < 0 {
			return actas.Errorf(actas.EINVALID, "election %s: decision %d: unknown source %q", el.meta.ID, d.Index, d.Source)
		}
		if d.Seq <= 0 || d.Seq >= d.Index {
			return actas.Errorf(actas.EINVALID, "election %s: decision %d accepts submission %d, which is not an earlier entry", el.meta.ID, d.Index, d.Seq)
		}
		dec.seq = d.Seq
	}
	cs := el.contests[ci]

	el.mu.Lock()
	defer el.mu.Unlock()
	if el.seqs.has(d.Index) {
		return actas.Errorf(actas.ECONFLICT, "election %s: log entry %d was already tabulated", el.meta.ID, d.Index)
	}
	el.seqs.add(d.Index)
	el.maxDecision = max(el.maxDecision, d.Index)
	if old, ok := cs.decided[station]; ok && old.index > d.Index {
		return nil // an earlier decision arriving late: the later one rules
	}
	w := cs.aggWidth
	dRec := el.delta[w : 2*w]
	clear(dRec)
	reg := el.stations.registered[station]
	cs.contributeOutcome(dRec, cs.reconcile(station, el.rank), reg, -1)
	if cs.decided == nil {
		cs.decided = map[int32]decision{}
	}
	cs.decided[station] = dec
	cs.contributeOutcome(dRec, cs.reconcile(station, el.rank), reg, +1)
	el.propagate(cs, reconciledView, station, dRec)
	return nil
}

// applyDecision returns the outcome of station i under decision d, given
// its outcome by the rules.
func (cs *contestState) applyDecision(i int32, d decision, byRules outcome) outcome {
	for _, ss := range cs.src {
		if ss != nil && ss.slot[i] != 0 && ss.rec(ss.slot[i]-1).seq > d.index {
			return byRules // stale: a submission came after the decision
		}
	}
	if d.src < 0 {
		return outcome{state: stateConflict, from: -1}
	}
	ss := cs.src[d.src]
	if ss == nil || ss.slot[i] == 0 {
		return byRules // the accepted submission is not (yet) tabulated
	}
	r := ss.slot[i] - 1
	if ss.rec(r).seq != d.seq {
		return byRules
	}
	byRules.from, byRules.rec = d.src, r
	return byRules
}

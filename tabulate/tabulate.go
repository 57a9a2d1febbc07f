package tabulate

import (
	"context"
	"fmt"
	"sync"

	"github.com/actasproject/actas"
)

// Rules are the choices a reconciled view depends on.
type Rules struct {
	// Rank lists the sources that may settle a conflict, most trusted first.
	// A source missing from Rank never settles one: a conflict whose only
	// sources are unranked has no reconciled sheet.
	Rank []actas.Source
}

// DefaultRules ranks a hand count first, then the witnesses' copies, the QR
// code, the machine and, last, the authority's own publication: the view
// checks the official result, so it must not prefer it.
func DefaultRules() Rules {
	return Rules{Rank: []actas.Source{actas.Audit, actas.Witness, actas.QR, actas.Machine, actas.Official}}
}

// Validate checks that Rank names each source at most once and never
// Reconciled. Errors are EINVALID.
func (r Rules) Validate() error {
	seen := make(map[actas.Source]bool, len(r.Rank))
	for i, s := range r.Rank {
		if sourceIndex(s) < 0 {
			return actas.Errorf(actas.EINVALID, "rules: rank[%d] %q is not a source", i, s)
		}
		if seen[s] {
			return actas.Errorf(actas.EINVALID, "rules: source %s is ranked twice", s)
		}
		seen[s] = true
	}
	return nil
}

// sources is the root's source list, copied so that indexes stay fixed.
var sources = append([]actas.Source(nil), actas.Sources...)

// sourceIndex returns s's position in sources, or -1.
func sourceIndex(s actas.Source) int {
	for i, x := range sources {
		if x == s {
			return i
		}
	}
	return -1
}

// Tabulator implements actas.ResultService over elections held in memory.
// It is safe for concurrent use.
type Tabulator struct {
	rank []int // per source index: position in Rules.Rank, or -1

	mu        sync.RWMutex
	elections map[string]*election
}

var _ actas.ResultService = (*Tabulator)(nil)

// New returns an empty Tabulator. It panics if rules are invalid (see
// Rules.Validate); check rules built from user input first.
func New(rules Rules) *Tabulator {
	if err := rules.Validate(); err != nil {
		panic(err)
	}
	return &Tabulator{rank: rankOf(rules), elections: map[string]*election{}}
}

// rankOf returns, per source index, the source's position in valid rules'
// Rank, or -1.
func rankOf(rules Rules) []int {
	rank := make([]int, len(sources))
	for i := range rank {
		rank[i] = -1
	}
	for pos, s := range rules.Rank {
		rank[sourceIndex(s)] = pos
	}
	return rank
}

// SetRules gives one election rules of its own, in place of the
// Tabulator's (an election may trust its sources in another order), and
// recomputes its reconciled view; readers see the view before or after,
// never between. It costs one pass over the election's stations: call it
// when the election is added. Errors: ENOTFOUND for an unknown election;
// EINVALID for invalid rules (nothing changes).
func (t *Tabulator) SetRules(election string, rules Rules) error {
	if err := rules.Validate(); err != nil {
		return err
	}
	el, err := t.election(election)
	if err != nil {
		return err
	}
	el.mu.Lock()
	defer el.mu.Unlock()
	el.rank = rankOf(rules)
	reg := el.stations.registered
	for _, cs := range el.contests {
		rows := cs.views[reconciledView]
		if rows == nil {
			continue // no submission yet: nothing to recompute
		}
		clear(rows)
		d := el.delta[cs.aggWidth : 2*cs.aggWidth]
		for i := range int32(len(reg)) {
			clear(d)
			cs.contributeOutcome(d, cs.reconcile(i, el.rank), reg[i], +1)
			el.propagate(cs, reconciledView, i, d)
		}
	}
	return nil
}

// AddElection adds an election with its stations, in creation order. The
// election must be valid (actas.Election.Validate); each station needs a
// unique non-empty code, non-negative registered voters and machines, and an
// area path with one name per level. Errors: ECONFLICT when the election is
// already present; EINVALID otherwise. On error nothing is added.
func (t *Tabulator) AddElection(e *actas.Election, stations []actas.Station) error {
	if e == nil {
		return actas.Errorf(actas.EINVALID, "tabulate: no election")
	}
	if err := e.Validate(); err != nil {
		return err
	}
	t.mu.RLock()
	_, dup := t.elections[e.ID]
	t.mu.RUnlock()
	if dup {
		return actas.Errorf(actas.ECONFLICT, "election %s is already tabulated", e.ID)
	}
	// Build outside the lock: it takes a while for a large election and
	// readers of other elections must not wait.
	rank := t.rank
	if len(e.Rules) > 0 {
		// The election's own ranking of sources (actas.Election.Rules).
		rank = rankOf(Rules{Rank: e.Rules})
	}
	el, err := newElection(e, stations, rank)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, dup := t.elections[e.ID]; dup {
		return actas.Errorf(actas.ECONFLICT, "election %s is already tabulated", e.ID)
	}
	t.elections[e.ID] = el
	return nil
}

// Election returns a copy of the election with the given id. Errors:
// ENOTFOUND.
func (t *Tabulator) Election(id string) (*actas.Election, error) {
	el, err := t.election(id)
	if err != nil {
		return nil, err
	}
	return copyElection(el.meta), nil
}

func (t *Tabulator) election(id string) (*election, error) {
	t.mu.RLock()
	el := t.elections[id]
	t.mu.RUnlock()
	if el == nil {
		return nil, actas.Errorf(actas.ENOTFOUND, "no election %q", id)
	}
	return el, nil
}

// Sources returns the sources with at least one submission in the election,
// in the order of actas.Sources; nil for an unknown election.
func (t *Tabulator) Sources(election string) []actas.Source {
	el, err := t.election(election)
	if err != nil {
		return nil
	}
	el.mu.RLock()
	defer el.mu.RUnlock()
	var out []actas.Source
	for si, s := range sources {
		for _, cs := range el.contests {
			if cs.src[si] != nil {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// MaxSeq returns the highest log index the election's tabulation counts:
// of a submission (Add) or a decision (Decide); 0 when none. It grows
// whenever results change, so it versions them. Errors: ENOTFOUND.
func (t *Tabulator) MaxSeq(election string) (int64, error) {
	el, err := t.election(election)
	if err != nil {
		return 0, err
	}
	el.mu.RLock()
	defer el.mu.RUnlock()
	return max(el.maxSeq, el.maxDecision), nil
}

// SubmissionSeq returns the highest Seq of a submission added to the
// election, 0 when none: a caller that replayed the store's submissions up
// to it can catch up from there (CatchUp). Decisions are recorded apart
// and may come later in the log than submissions not yet added, so MaxSeq
// is not that point. Errors: ENOTFOUND.
func (t *Tabulator) SubmissionSeq(election string) (int64, error) {
	el, err := t.election(election)
	if err != nil {
		return 0, err
	}
	el.mu.RLock()
	defer el.mu.RUnlock()
	return el.maxSeq, nil
}

// Reader is the part of a store that Load reads; every actas.Store is one.
type Reader interface {
	Elections(ctx context.Context) ([]*actas.Election, error)
	Stations(ctx context.Context, election string) ([]actas.Station, error)
	Submissions(ctx context.Context, election string, after int64, fn func(*actas.Submission) error) error
}

// Load builds a Tabulator from a store: every election with its stations,
// then every stored submission in Seq order.
func Load(ctx context.Context, store Reader, rules Rules) (*Tabulator, error) {
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	t := New(rules)
	elections, err := store.Elections(ctx)
	if err != nil {
		return nil, fmt.Errorf("tabulate: load elections: %w", err)
	}
	for _, e := range elections {
		stations, err := store.Stations(ctx, e.ID)
		if err != nil {
			return nil, fmt.Errorf("tabulate: load stations of %s: %w", e.ID, err)
		}
		if err := t.AddElection(e, stations); err != nil {
			return nil, fmt.Errorf("tabulate: load election %s: %w", e.ID, err)
		}
		if err := t.CatchUp(ctx, store, e.ID, 0); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// CatchUp adds the election's stored submissions whose Seq is above after,
// in Seq order, skipping those already tabulated. Pass SubmissionSeq when the
// store makes Seqs visible in order (SQLite); a store whose transactions
// may commit Seqs out of order (PostgreSQL sequences) needs an earlier
// point, such as the SubmissionSeq of the previous catch-up.
func (t *Tabulator) CatchUp(ctx context.Context, store Reader, election string, after int64) error {
	if _, err := t.election(election); err != nil {
		return err
	}
	err := store.Submissions(ctx, election, after, func(sub *actas.Submission) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := t.Add(sub); err != nil && actas.ErrorCode(err) != actas.ECONFLICT {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tabulate: replay submissions of %s: %w", election, err)
	}
	return nil
}

func copyElection(e *actas.Election) *actas.Election {
	c := *e
	c.Levels = append([]string(nil), e.Levels...)
	c.Contests = make([]actas.Contest, len(e.Contests))
	for i, ct := range e.Contests {
		c.Contests[i] = ct
		c.Contests[i].Choices = append([]actas.Choice(nil), ct.Choices...)
	}
	return &c
}

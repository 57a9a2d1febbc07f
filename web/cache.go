package web

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actasproject/actas"
)

// election is a stored election with what pages derive from it. Elections
// never change once created, so it is cached for the server's life.
type election struct {
	*actas.Election
	loc *time.Location // for times shown on pages

	// Official totals are append-only but may grow while the server runs
	// (an import next to it), so they are reloaded when older than the TTL.
	totals   atomic.Pointer[officialTotals]
	loading  atomic.Bool
	totalsMu sync.Mutex // serialises the first load

	log  logCache  // the latest checkpoint of its transparency log
	tree treeCache // the upper levels of its log's tree

	analyses analysisRuns // its consistency reports (consistency.go)
}

// officialTotals indexes an election's official totals by contest and area.
type officialTotals struct {
	loaded time.Time
	gen    int64 // a digest of every figure: changes exactly when one does
	byArea map[totalsKey][]*bulletin
}

type totalsKey struct{ contest, area string }

// bulletin is what one announcement stated for one area and contest. A
// figure it did not state is actas.Unknown.
type bulletin struct {
	Name                                     string
	Votes                                    []int64 // per choice, in ballot order
	Blank, Null, Ballots, Voters, Registered int64
}

// Valid is the sum of the choices' votes, or Unknown when any is missing.
func (b *bulletin) Valid() int64 {
	var n int64
	for _, v := range b.Votes {
		if v == actas.Unknown {
			return actas.Unknown
		}
		n += v
	}
	return n
}

// Share is choice i's fraction of the bulletin's valid votes.
func (b *bulletin) Share(i int) (float64, bool) {
	v := b.Valid()
	if v <= 0 || b.Votes[i] == actas.Unknown {
		return 0, false
	}
	return float64(b.Votes[i]) / float64(v), true
}

// election returns the election with the given id, from the cache or the
// store. Errors: ENOTFOUND.
func (s *Server) election(ctx context.Context, id string) (*election, error) {
	if v, ok := s.elections.Load(id); ok {
		return v.(*election), nil
	}
	if !actas.ValidID(id) {
		return nil, actas.Errorf(actas.ENOTFOUND, "no election %q", clip(id))
	}
	e, err := s.store.Election(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("election %s: %w", id, err)
	}
	loc := time.UTC
	if e.Timezone != "" {
		if l, err := time.LoadLocation(e.Timezone); err == nil {
			loc = l
		}
	}
	el := &election{Election: e, loc: loc}
	v, _ := s.elections.LoadOrStore(id, el)
	return v.(*election), nil
}

// bulletins returns the official totals the authority announced for one
// contest and area, in bulletin order; nil when none.
func (s *Server) bulletins(ctx context.Context, e *election, contest, area string) ([]*bulletin, error) {
	t := e.totals.Load()
	if t == nil {
		e.totalsMu.Lock()
		defer e.totalsMu.Unlock()
		if t = e.totals.Load(); t == nil {
			var err error
			if t, err = s.loadTotals(ctx, e); err != nil {
				return nil, err
			}
			e.totals.Store(t)
		}
	} else {
		s.refreshTotals(e, t)
	}
	return t.byArea[totalsKey{contest, area}], nil
}

// totalsGeneration identifies the official totals pages show now (0 before
// the first load).
func (s *Server) totalsGeneration(e *election) int64 {
	t := e.totals.Load()
	if t == nil {
		return 0
	}
	s.refreshTotals(e, t)
	return t.gen
}

// refreshTotals reloads t in the background when it is older than the TTL;
// requests meanwhile use what is loaded.
func (s *Server) refreshTotals(e *election, t *officialTotals) {
	if time.Since(t.loaded) <= s.totalsTTL || s.bgCtx.Err() != nil || !e.loading.CompareAndSwap(false, true) {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer e.loading.Store(false)
		ctx, cancel := context.WithTimeout(s.bgCtx, time.Minute)
		defer cancel()
		nt, err := s.loadTotals(ctx, e)
		if err != nil {
			s.log.Error("reload official totals", "election", e.ID, "err", err)
			return
		}
		e.totals.Store(nt)
	}()
}

func (s *Server) loadTotals(ctx context.Context, e *election) (*officialTotals, error) {
	rows, err := s.store.Totals(ctx, e.ID)
	if err != nil {
		return nil, fmt.Errorf("official totals of %s: %w", e.ID, err)
	}
	return indexTotals(e, rows), nil
}

// indexTotals indexes the official totals of an election as the store
// returned them.
func indexTotals(e *election, rows []actas.OfficialTotal) *officialTotals {
	t := &officialTotals{loaded: time.Now(), byArea: map[totalsKey][]*bulletin{}}
	h := fnv.New64a()
	for i := range rows {
		ot := &rows[i]
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d\n", ot.Contest, ot.Bulletin, ot.Area, ot.Choice, ot.Votes)
	}
	for ci := range e.Contests {
		c := &e.Contests[ci]
		for _, b := range actas.Bulletins(c, rows) {
			area, err := actas.CanonicalPath(b.Area)
			if err != nil {
				continue // the store validates areas; nothing to show otherwise
			}
			k := totalsKey{c.ID, area}
			t.byArea[k] = append(t.byArea[k], &bulletin{Name: b.ID, Votes: b.Votes,
				Blank: b.Blank, Null: b.Null, Ballots: b.Ballots, Voters: b.Voters, Registered: b.Registered})
		}
	}
	t.gen = int64(h.Sum64() >> 1)
	if t.gen == 0 {
		t.gen = 1 // 0 means not loaded
	}
	return t
}

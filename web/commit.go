package web

import (
	"context"
	"sync"
	"time"

	"github.com/actasproject/actas"
)

// maxBatch bounds the submissions one transaction stores: enough to carry
// thousands a second at a few milliseconds per commit, small enough that
// one batch's wait stays short.
const maxBatch = 256

// committer stores witnesses' submissions by group commit: a request
// waits while the batch before it is being written, then goes with the
// others that arrived meanwhile, with their idempotency keys, in one
// SubmitRemembering (one transaction, one fsync). Under light load a
// batch is one submission and nothing waits; under heavy load the cost of
// a commit is shared by hundreds. Each answer still comes after its
// submission is durable.
type committer struct {
	s   *Server
	in  chan *pending
	max int // submissions per batch
}

// pending is one submission waiting for its batch.
type pending struct {
	election string
	sub      *actas.Submission
	account  int64
	key      string
	digest   [32]byte
	done     chan committed // buffered: the committer never blocks on it
}

// committed is what storing a pending submission did.
type committed struct {
	seq     int64
	outcome actas.Outcome
	fresh   bool // this request stored the entry (not a retry, not already present)
	err     error
}

func newCommitter(s *Server, max int) *committer {
	if max <= 0 {
		max = maxBatch
	}
	return &committer{s: s, in: make(chan *pending, 4*maxBatch), max: max}
}

// run commits batches until ctx ends; requests still queued then fail.
func (c *committer) run(ctx context.Context) {
	batch := make([]*pending, 0, c.max)
	for {
		select {
		case p := <-c.in:
			batch = append(batch[:0], p)
		case <-ctx.Done():
			return
		}
	drain:
		for len(batch) < c.max {
			select {
			case p := <-c.in:
				batch = append(batch, p)
			default:
				break drain
			}
		}
		c.commit(ctx, batch)
	}
}

// submit queues a submission and waits for its batch.
func (c *committer) submit(ctx context.Context, p *pending) committed {
	p.done = make(chan committed, 1)
	select {
	case c.in <- p:
	case <-ctx.Done():
		return committed{err: ctx.Err()}
	case <-c.s.bgCtx.Done():
		return committed{err: actas.Errorf(actas.EINTERNAL, "the server is shutting down: send the submission again with the same idempotency key")}
	}
	select {
	case r := <-p.done:
		return r
	case <-c.s.bgCtx.Done():
		// The batch may still commit: a retry with the same key finds it.
		return committed{err: actas.Errorf(actas.EINTERNAL, "the server is shutting down: send the submission again with the same idempotency key")}
	}
}

// commit stores a batch, one election at a time, and answers each
// request.
func (c *committer) commit(ctx context.Context, batch []*pending) {
	var elections []string
	byElection := map[string][]*pending{}
	for _, p := range batch {
		if _, ok := byElection[p.election]; !ok {
			elections = append(elections, p.election)
		}
		byElection[p.election] = append(byElection[p.election], p)
	}
	for _, e := range elections {
		ps := byElection[e]
		if err := c.commitElection(ctx, e, ps); err != nil && len(ps) > 1 {
			// One bad submission (a photo deleted meanwhile, say) must
			// not fail the others: store them one by one.
			for _, p := range ps {
				if err := c.commitElection(ctx, e, []*pending{p}); err != nil {
					p.done <- committed{err: err}
				}
			}
		} else if err != nil {
			ps[0].done <- committed{err: err}
		}
		if c.s.nudge != nil {
			c.s.nudge(e)
		}
	}
}

// commitElection stores ps and keeps their idempotency keys in one
// transaction, then answers them; on a store error it answers nothing and
// returns it.
func (c *committer) commitElection(ctx context.Context, election string, ps []*pending) error {
	subs := make([]*actas.Submission, len(ps))
	reqs := make([]*actas.RememberedRequest, len(ps))
	for i, p := range ps {
		subs[i] = p.sub
		reqs[i] = &actas.RememberedRequest{Account: p.account, Key: p.key, Request: p.digest}
	}
	// A key kept before (a retry whose answer was lost, even across a
	// restart) or sent twice in one batch (a client retrying before its
	// first answer) stores nothing: the store answers it with what the
	// key's first request stored.
	outs, err := c.s.store.SubmitRemembering(ctx, election, subs, reqs)
	if err != nil {
		return err
	}
	for i, p := range ps {
		r := reqs[i]
		if r.KeptRequest != p.digest {
			p.done <- committed{err: keyReused()} // the key was used for other content
			continue
		}
		// Present: stored before, by this request's earlier try, or the
		// same numbers from another holder of the source.
		p.done <- committed{seq: r.KeptSeq, outcome: outs[i], fresh: outs[i] != actas.Present}
	}
	return nil
}

// signals wakes the requests waiting for a checkpoint of an election's log
// when the signer keeps one.
type signals struct {
	mu sync.Mutex
	ch map[string]chan struct{}
}

// wait returns a channel closed at the next Notify of the election.
func (sg *signals) wait(election string) <-chan struct{} {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	if sg.ch == nil {
		sg.ch = map[string]chan struct{}{}
	}
	ch, ok := sg.ch[election]
	if !ok {
		ch = make(chan struct{})
		sg.ch[election] = ch
	}
	return ch
}

func (sg *signals) notify(election string) {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	if ch, ok := sg.ch[election]; ok {
		close(ch)
		delete(sg.ch, election)
	}
}

// CheckpointSigned tells the server of a checkpoint of the election's log
// just signed, before the store keeps it, so that submissions waiting for
// their receipt answer without waiting for that write. The caller
// guarantees what makes this safe: the entries it covers are durable, and
// it extends the latest checkpoint kept, so a receipt against it verifies
// whether or not the store keeps it. CheckpointKept follows once it is.
func (s *Server) CheckpointSigned(id string, cp *actas.Checkpoint) {
	if v, ok := s.elections.Load(id); ok && cp != nil {
		e := v.(*election)
		for {
			old := e.log.state.Load()
			if old != nil && old.latest != nil && old.latest.Size >= cp.Size {
				break
			}
			count := 1
			if old != nil {
				count = old.count + 1
			}
			if e.log.state.CompareAndSwap(old, &logState{loaded: time.Now(), latest: cp, count: count, signed: true}) {
				break
			}
		}
	}
	s.signed.notify(id)
}

// CheckpointKept tells the server that a new checkpoint of the election's
// log is stored, so that submissions waiting for their receipt answer at
// once instead of at their next look at the store.
func (s *Server) CheckpointKept(id string) {
	if v, ok := s.elections.Load(id); ok {
		e := v.(*election)
		// The signer that keeps a checkpoint handed it over first
		// (CheckpointSigned) when it could: reading it back would only
		// slow the signer down. The state is reloaded at the next TTL.
		if st := e.log.state.Load(); st != nil && st.signed && time.Since(st.loaded) <= s.ckptTTL {
			s.signed.notify(id)
			return
		}
		ctx, cancel := context.WithTimeout(s.bgCtx, time.Minute)
		defer cancel()
		if st, err := s.loadLogState(ctx, e); err == nil {
			if old := e.log.state.Load(); old == nil || old.latest == nil || (st.latest != nil && st.latest.Size > old.latest.Size) {
				e.log.state.Store(st)
			}
		}
	}
	s.signed.notify(id)
}

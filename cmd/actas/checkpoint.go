package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
)

// storeHashes reads an election's stored Merkle hashes for translog.
type storeHashes struct {
	ctx      context.Context
	store    actas.LogStore
	election string
}

func (h storeHashes) ReadHashes(indexes []int64) ([]translog.Hash, error) {
	hs, err := h.store.LogHashes(h.ctx, h.election, indexes)
	if err != nil {
		return nil, err
	}
	if len(hs) != len(indexes) {
		return nil, actas.Errorf(actas.EINTERNAL, "log of %s: the store returned %d hashes for %d indexes", h.election, len(hs), len(indexes))
	}
	out := make([]translog.Hash, len(hs))
	for i := range hs {
		out[i] = hs[i]
	}
	return out, nil
}

// hashCache reads stored hashes by blocks of 256 consecutive indexes and
// keeps them: proving the inclusion of many entries (receipts of a whole
// import) then reads each block once instead of once per proof. It serves
// only indexes below limit, the hashes of a tree whose size it was made for.
type hashCache struct {
	r      translog.HashReader
	limit  int64
	blocks map[int64][]translog.Hash
	ids    []int64
}

const hashBlock = 256

func newHashCache(r translog.HashReader, size int64) *hashCache {
	return &hashCache{r: r, limit: translog.StoredHashCount(size), blocks: map[int64][]translog.Hash{}}
}

func (c *hashCache) ReadHashes(indexes []int64) ([]translog.Hash, error) {
	out := make([]translog.Hash, len(indexes))
	for k, i := range indexes {
		if i < 0 || i >= c.limit {
			return nil, actas.Errorf(actas.EINVALID, "stored hash %d is beyond the tree of %d hashes", i, c.limit)
		}
		b := i / hashBlock
		blk, ok := c.blocks[b]
		if !ok {
			first := b * hashBlock
			c.ids = c.ids[:0]
			for j := first; j < min(first+hashBlock, c.limit); j++ {
				c.ids = append(c.ids, j)
			}
			hs, err := c.r.ReadHashes(c.ids)
			if err != nil {
				return nil, err
			}
			blk = hs
			c.blocks[b] = blk
		}
		out[k] = blk[i-b*hashBlock]
	}
	return out, nil
}

// checkpointer signs checkpoints of the elections' logs with the
// deployment's key, after checking that what it signs extends what it
// signed before: the log must never sign a fork.
type checkpointer struct {
	store actas.Store
	key   *signingKey
	now   func() time.Time
	// signed, when set, is called with each checkpoint signed, before the
	// store keeps it (see signer.onSigned).
	signed func(election string, cp *actas.Checkpoint)

	// opened is the note last opened or signed, and what it states: the
	// signer meets its own latest checkpoint at every signing, and
	// checking its signature again would tell nothing new.
	opened     []byte
	openedNote translog.Checkpoint
}

func newCheckpointer(store actas.Store, key *signingKey) *checkpointer {
	return &checkpointer{store: store, key: key, now: time.Now}
}

// latestCheckpoint returns the latest checkpoint the store keeps for the
// election, or nil.
func latestCheckpoint(ctx context.Context, store actas.LogStore, election string) (*actas.Checkpoint, error) {
	cp, _, err := store.LatestCheckpoint(ctx, election)
	if actas.ErrorCode(err) == actas.ENOTFOUND {
		if _, err := store.LogSize(ctx, election); err != nil {
			return nil, fmt.Errorf("checkpoints of %s: %w", election, err) // an unknown election
		}
		return nil, nil // a log never signed
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoints of %s: %w", election, err)
	}
	return cp, nil
}

// sign signs and keeps a checkpoint of the election's whole log, unless the
// latest kept checkpoint already covers it. Before signing, the stored tree
// must extend the latest checkpoint: its root is recomputed from the stored
// hashes and a consistency proof from them is verified (with the
// independent verifier) against the signed root. signed says whether a new
// checkpoint was kept; cp is the latest either way.
//
// Errors: ECONFLICT when the stored tree is not an extension of the latest
// checkpoint (a fork: the database was changed behind the program's back),
// when the latest checkpoint was signed by another key, or when another
// signer kept a checkpoint meanwhile (try again).
func (c *checkpointer) sign(ctx context.Context, election string) (cp *actas.Checkpoint, signed bool, err error) {
	size, err := c.store.LogSize(ctx, election)
	if err != nil {
		return nil, false, fmt.Errorf("log of %s: %w", election, err)
	}
	return c.signSize(ctx, election, size)
}

// signSize is sign for a log the caller found to hold size entries.
func (c *checkpointer) signSize(ctx context.Context, election string, size int64) (cp *actas.Checkpoint, signed bool, err error) {
	latest, err := latestCheckpoint(ctx, c.store, election)
	if err != nil {
		return nil, false, err
	}
	hr := storeHashes{ctx: ctx, store: c.store, election: election}
	root, err := translog.TreeHash(size, hr)
	if err != nil {
		return nil, false, fmt.Errorf("log of %s: root of %d entries: %w", election, size, err)
	}
	origin := translog.Origin(c.key.signer.Name(), election)
	next := translog.Checkpoint{Origin: origin, Size: size, Hash: root}
	if latest != nil {
		old, err := c.open(latest.Note, origin)
		if err != nil {
			return nil, false, &actas.Error{Code: actas.ECONFLICT, Err: err, Message: fmt.Sprintf(
				"refusing to sign a checkpoint of %s: its latest checkpoint (%d entries) does not open with this key (%s): %s",
				election, latest.Size, c.key.vkey, actas.ErrorMessage(err))}
		}
		if old.Size != latest.Size || old.Hash != latest.Root {
			return nil, false, actas.Errorf(actas.ECONFLICT, "refusing to sign a checkpoint of %s: the store's latest checkpoint says %d entries but its note says %d", election, latest.Size, old.Size)
		}
		if err := extends(old, next, hr); err != nil {
			return nil, false, &actas.Error{Code: actas.ECONFLICT, Err: err, Message: fmt.Sprintf(
				"refusing to sign a checkpoint of %s: the stored log is not an extension of the checkpoint of %d entries signed %s (%s). "+
					"The database was changed behind the program's back; run `actas log verify --db` to find where",
				election, old.Size, latest.Created.UTC().Format(time.RFC3339), actas.ErrorMessage(err))}
		}
		if old.Size == size {
			return latest, false, nil
		}
	}
	note, err := translog.Sign(next, c.key.signer)
	if err != nil {
		return nil, false, err
	}
	cp = &actas.Checkpoint{Size: size, Root: root, Note: note, Created: c.now().UTC()}
	c.opened, c.openedNote = bytes.Clone(note), next
	if c.signed != nil {
		handed := *cp // AddCheckpoint sets cp.Created while the callee may read its copy
		c.signed(election, &handed)
	}
	if err := c.store.AddCheckpoint(ctx, election, cp); err != nil {
		err = fmt.Errorf("keep checkpoint of %s (%d entries): %w", election, size, err)
		if actas.ErrorCode(err) == actas.ECONFLICT {
			err = errors.Join(errRaced, err)
		}
		return nil, false, err
	}
	return cp, true, nil
}

// open opens a checkpoint note of origin signed with the key, remembering
// the last one opened or signed.
func (c *checkpointer) open(note []byte, origin string) (translog.Checkpoint, error) {
	if c.opened != nil && bytes.Equal(note, c.opened) && c.openedNote.Origin == origin {
		return c.openedNote, nil
	}
	cp, err := translog.Open(note, origin, c.key.verifier)
	if err != nil {
		return cp, err
	}
	c.opened, c.openedNote = bytes.Clone(note), cp
	return cp, nil
}

// errRaced marks a checkpoint the store refused because another signer
// kept one first: signing again checks against that one.
var errRaced = errors.New("another signer kept a checkpoint first")

// extends checks that the tree next (read through hr) extends old.
func extends(old, next translog.Checkpoint, hr translog.HashReader) error {
	if next.Size < old.Size {
		return actas.Errorf(actas.EINVALID, "the log shrank from %d to %d entries", old.Size, next.Size)
	}
	if next.Size == old.Size {
		if next.Hash != old.Hash {
			return actas.Errorf(actas.EINVALID, "the root hash of %d entries changed", old.Size)
		}
		return nil
	}
	p, err := translog.ProveConsistency(next.Size, old.Size, hr)
	if err != nil {
		return fmt.Errorf("consistency proof from %d to %d entries: %w", old.Size, next.Size, err)
	}
	return translog.VerifyConsistency(old, next, translog.ProofBytes(p))
}

// signOnce signs a checkpoint at the end of a command that stored entries
// (init, import), reporting it; without a key it says that nothing was
// signed. A signer racing with another (serve) tries again once.
func signOnce(ctx context.Context, env *Env, store actas.Store, key *signingKey, keyWhere, election string) (*actas.Checkpoint, error) {
	if key == nil {
		fmt.Fprintf(env.Stderr, "actas: no log signing key (%s): the entries are logged, but no checkpoint was signed; "+
			"the key's holder signs them (actas log sign)\n", keyWhere)
		return nil, nil
	}
	c := newCheckpointer(store, key)
	cp, signed, err := c.sign(ctx, election)
	if errors.Is(err, errRaced) {
		cp, signed, err = c.sign(ctx, election)
	}
	if err != nil {
		return nil, err
	}
	if signed {
		fmt.Fprintf(env.Stdout, "log of %s: signed a checkpoint of %d entries\n", election, cp.Size)
	}
	return cp, nil
}

// signer signs checkpoints of the elections' logs in the background: every
// interval for each election whose log grew, and at once for an election
// whose submissions the web server just stored (Nudge), so that a
// witness's answer carries its receipt within milliseconds.
type signer struct {
	nudges chan string
	kept   atomic.Pointer[func(election string)]
	signed atomic.Pointer[func(election string, cp *actas.Checkpoint)]
}

func newSigner() *signer { return &signer{nudges: make(chan string, 64)} }

// Nudge asks for a checkpoint of the election's log now. It never blocks:
// a nudge while one is pending is merged with it.
func (sg *signer) Nudge(election string) {
	select {
	case sg.nudges <- election:
	default:
	}
}

// onKept sets what to call after a checkpoint is kept.
func (sg *signer) onKept(f func(election string)) { sg.kept.Store(&f) }

// onSigned sets what to call with each checkpoint as soon as it is signed,
// before the store keeps it, so that a server answers the submissions it
// covers without waiting for that write (the writer is busy with the next
// batch meanwhile). Handing it out first is safe: the entries it covers
// are durable before it is signed, and it was checked to extend the latest
// kept checkpoint, so a receipt against it verifies whether or not the
// store keeps it; a crash before the store does loses only the note, and
// the next checkpoint signed extends it.
func (sg *signer) onSigned(f func(election string, cp *actas.Checkpoint)) { sg.signed.Store(&f) }

// run signs until ctx ends. A refusal (a fork) is logged once per
// election until it changes, and signing goes on for the other elections.
func (sg *signer) run(ctx context.Context, logger *slog.Logger, store actas.Store, key *signingKey, every time.Duration) {
	c := newCheckpointer(store, key)
	c.signed = func(election string, cp *actas.Checkpoint) {
		if f := sg.signed.Load(); f != nil {
			(*f)(election, cp)
		}
	}
	sizes := map[string]int64{} // per election, the size last signed or seen signed
	failed := map[string]string{}
	signOne := func(id string) {
		size, err := store.LogSize(ctx, id)
		if err == nil && size == sizes[id] {
			return
		}
		var cp *actas.Checkpoint
		var ok bool
		if err == nil {
			cp, ok, err = c.signSize(ctx, id, size)
			// Another instance signed first: sign again over its
			// checkpoint, once; no error to report.
			if errors.Is(err, errRaced) {
				cp, ok, err = c.sign(ctx, id)
			}
		}
		if errors.Is(err, errRaced) {
			logger.Debug("checkpoint raced another signer", "election", id)
			return
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if msg := err.Error(); failed[id] != msg {
				failed[id] = msg
				logger.Error("checkpoint not signed", "election", id, "err", msg)
			}
			return
		}
		delete(failed, id)
		sizes[id] = cp.Size
		if ok {
			logger.Debug("checkpoint signed", "election", id, "size", cp.Size)
		}
		if f := sg.kept.Load(); f != nil {
			(*f)(id)
		}
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		elections, err := store.Elections(ctx)
		if err != nil && ctx.Err() == nil {
			logger.Warn("checkpoints: list elections", "err", err)
		}
		for _, e := range elections {
			signOne(e.ID)
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				break wait
			case id := <-sg.nudges:
				signOne(id)
			}
		}
	}
}

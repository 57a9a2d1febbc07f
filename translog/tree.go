package translog

import (
	"fmt"

	"github.com/actasproject/actas"
	"golang.org/x/mod/sumdb/tlog"
)

// Hash is a Merkle tree hash (SHA-256, RFC 6962).
type Hash = tlog.Hash

// HashReader reads stored hashes by their stored-hash index (see
// golang.org/x/mod/sumdb/tlog: StoredHashIndex).
type HashReader = tlog.HashReader

// LeafHash is the RFC 6962 hash of an entry as a leaf of the tree:
// SHA-256(0x00 || entry).
func LeafHash(entry []byte) Hash { return tlog.RecordHash(entry) }

// Appender computes what a store must keep when entries are appended: for
// entry n, the hashes tlog.StoredHashes gives, which belong at stored-hash
// indexes StoredHashIndex(0, n) onwards.
//
// A store calls Append for each new entry, in index order, inside the
// transaction that stores the entries, and writes the returned hashes in
// that same transaction: a stored entry without its hashes, or hashes
// without their entry, cannot exist.
//
// Appending reads only the right edge of the tree (the latest node of each
// level), so the Appender keeps those for the batch and reads the store
// only for nodes completed before it: a million appends hold a few dozen
// hashes, not millions.
type Appender struct {
	stored HashReader // the hashes of entries before start
	start  int64      // index of the first entry of this batch
	n      int64      // entries appended
	first  int64      // StoredHashIndex(0, start)
	latest [64]node   // per level, the latest node the batch completed
	ids    []int64    // scratch for ReadHashes
	out    []Hash     // AppendLeaf's result
}

type node struct {
	n    int64
	hash Hash
	ok   bool
}

// NewAppender starts a batch that appends after size entries; stored reads
// the hashes those entries have stored.
func NewAppender(size int64, stored HashReader) *Appender {
	return &Appender{stored: stored, start: size, first: tlog.StoredHashIndex(0, size)}
}

// Size is the number of entries in the log, including those appended.
func (a *Appender) Size() int64 { return a.start + a.n }

// Append adds entry as the next leaf and returns the hashes to store for it,
// valid until the next call. Errors come from reading stored hashes.
func (a *Appender) Append(entry []byte) ([]Hash, error) {
	return a.AppendLeaf(LeafHash(entry))
}

// AppendLeaf is Append for an entry whose leaf hash is already known. The
// returned slice is valid until the next call.
//
// It computes what tlog.StoredHashes would (the leaf and every node the
// leaf completes, bottom up) from the right edge it keeps, without
// allocating: a million appends run inside the import's transaction.
func (a *Appender) AppendLeaf(leaf Hash) ([]Hash, error) {
	idx := a.start + a.n
	a.out = append(a.out[:0], leaf)
	h := leaf
	for level := 0; (idx>>level)&1 == 1; level++ {
		// The node completed at this level has a left sibling: the
		// previous node of the level, on the right edge.
		sib := (idx >> level) - 1
		var left Hash
		if l := a.latest[level]; l.ok && l.n == sib {
			left = l.hash
		} else {
			old, err := a.stored.ReadHashes([]int64{tlog.StoredHashIndex(level, sib)})
			if err != nil {
				return nil, fmt.Errorf("translog: append entry %d: %w", idx, err)
			}
			if len(old) != 1 {
				return nil, fmt.Errorf("translog: append entry %d: store returned %d hashes for 1", idx, len(old))
			}
			left = old[0]
		}
		h = tlog.NodeHash(left, h)
		a.out = append(a.out, h)
	}
	// out[level] is node (level, idx>>level): the entry completes it.
	for level, h := range a.out {
		a.latest[level] = node{n: idx >> level, hash: h, ok: true}
	}
	a.n++
	return a.out, nil
}

// Root returns the tree hash of the log, including the appended entries.
func (a *Appender) Root() (Hash, error) {
	return tlog.TreeHash(a.Size(), a)
}

// ReadHashes serves tlog: nodes of this batch from the right edge kept in
// memory, earlier ones from the store.
func (a *Appender) ReadHashes(indexes []int64) ([]Hash, error) {
	out := make([]Hash, len(indexes))
	a.ids = a.ids[:0]
	for _, i := range indexes {
		if i < a.first {
			a.ids = append(a.ids, i)
		}
	}
	var old []Hash
	if len(a.ids) > 0 {
		var err error
		if old, err = a.stored.ReadHashes(a.ids); err != nil {
			return nil, err
		}
		if len(old) != len(a.ids) {
			return nil, fmt.Errorf("translog: store returned %d hashes for %d indexes", len(old), len(a.ids))
		}
	}
	for k, i := range indexes {
		if i < a.first {
			out[k], old = old[0], old[1:]
			continue
		}
		level, n := tlog.SplitStoredHashIndex(i)
		if l := a.latest[level]; l.ok && l.n == n {
			out[k] = l.hash
			continue
		}
		return nil, fmt.Errorf("translog: stored hash %d (level %d, node %d) is not on the right edge of the batch", i, level, n)
	}
	return out, nil
}

// HashOwner returns the entry whose appending stored the hash at a
// stored-hash index, and the hash's position among that entry's hashes:
// a store that keeps each entry's hashes with the entry finds any hash with
// one read.
func HashOwner(index int64) (entry int64, offset int) {
	level, n := tlog.SplitStoredHashIndex(index)
	// The node (level, n) is completed by the last leaf under it.
	entry = (n+1)<<level - 1
	return entry, int(index - tlog.StoredHashIndex(0, entry))
}

// StoredHashCount is the number of hashes stored for a log of n entries.
func StoredHashCount(n int64) int64 { return tlog.StoredHashCount(n) }

// TreeHash returns the root hash of the first n entries.
func TreeHash(n int64, r HashReader) (Hash, error) { return tlog.TreeHash(n, r) }

// ProveInclusion returns the proof that entry n is in the tree of size t.
// Errors: EINVALID unless 0 <= n < t (a caller may pass a user's numbers);
// otherwise those of reading stored hashes.
func ProveInclusion(t, n int64, r HashReader) ([]Hash, error) {
	if n < 0 || n >= t {
		return nil, actas.Errorf(actas.EINVALID, "entry %d is not in a log of %d entries", n, t)
	}
	p, err := tlog.ProveRecord(t, n, r)
	if err != nil {
		return nil, fmt.Errorf("translog: prove entry %d in a log of %d: %w", n, t, err)
	}
	return p, nil
}

// ProveConsistency returns the proof that the tree of size n is a prefix
// of the tree of size t. Every log extends the empty one, with an empty
// proof. Errors: EINVALID unless 0 <= n <= t; otherwise those of reading
// stored hashes.
func ProveConsistency(t, n int64, r HashReader) ([]Hash, error) {
	if n < 0 || n > t {
		return nil, actas.Errorf(actas.EINVALID, "a log of %d entries cannot be a prefix of a log of %d", n, t)
	}
	if n == 0 {
		// tlog refuses n = 0; RFC 9162 (and transparency-dev) want no nodes.
		return []Hash{}, nil
	}
	p, err := tlog.ProveTree(t, n, r)
	if err != nil {
		return nil, fmt.Errorf("translog: prove a log of %d is a prefix of a log of %d: %w", n, t, err)
	}
	return p, nil
}

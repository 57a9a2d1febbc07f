package web

import (
	"context"
	"net/http"
	"sync"

	"github.com/actasproject/actas"
	"golang.org/x/mod/sumdb/tlog"
)

// treeCache holds the stored hashes of an election's log tree in memory,
// for a tree of size entries. A proof needs about one hash per level,
// spread over the whole tree: read from the store, that is a dozen pages
// and a query per proof, and readers queue for the store's connections.
// From memory a proof takes microseconds, which is what keeps proofs under
// a millisecond at the 99th percentile with hundreds of readers. The cost
// is 64 bytes per entry (64 MiB for a million entries), read once, when
// the first proof is asked for.
//
// The hashes of a complete node never change in a log that only grows,
// so they are kept for the server's life; the cache grows with the log.
type treeCache struct {
	mu    sync.RWMutex
	size  int64         // the tree whose stored hashes are all held
	count int64         // stored hashes held: those of indexes [0, count)
	nodes [][]tlog.Hash // nodes[l][k]: the hash of node k of level l
}

// growBatch is how many stored hashes grow reads per call to the store.
const growBatch = 1 << 14

// grow brings the cache to a tree of size entries (at most the log's).
func (c *treeCache) grow(ctx context.Context, store actas.LogStore, election string, size int64) error {
	c.mu.RLock()
	ok := size <= c.size
	c.mu.RUnlock()
	if ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if size <= c.size {
		return nil
	}
	// Stored hashes are numbered in the order their nodes are completed,
	// so reading the new ones in index order appends each level's in node
	// order; consecutive indexes are consecutive pages of the store.
	from, to := c.count, tlog.StoredHashCount(size)
	ids := make([]int64, 0, min(growBatch, to-from))
	for start := from; start < to; start += growBatch {
		ids = ids[:0]
		for i := start; i < min(start+growBatch, to); i++ {
			ids = append(ids, i)
		}
		hs, err := store.LogHashes(ctx, election, ids)
		if err != nil {
			return err
		}
		if len(hs) != len(ids) {
			return actas.Errorf(actas.EINTERNAL, "log of %s: %d hashes for %d indexes", election, len(hs), len(ids))
		}
		for j, id := range ids {
			l, n := tlog.SplitStoredHashIndex(id)
			for len(c.nodes) <= l {
				c.nodes = append(c.nodes, nil)
			}
			if n != int64(len(c.nodes[l])) {
				return actas.Errorf(actas.EINTERNAL, "log of %s: stored hash %d is node %d of level %d, expected node %d", election, id, n, l, len(c.nodes[l]))
			}
			c.nodes[l] = append(c.nodes[l], hs[j])
		}
		c.count += int64(len(ids)) // kept if a later batch fails
	}
	c.size = size
	return nil
}

// cachedHashes reads stored hashes for tlog from the election's tree
// cache, and from the store any it does not hold.
type cachedHashes struct {
	storeHashes
	tree *treeCache
}

func (h cachedHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var miss []int64
	var at []int
	h.tree.mu.RLock()
	for k, i := range indexes {
		l, n := tlog.SplitStoredHashIndex(i)
		if l < len(h.tree.nodes) && n < int64(len(h.tree.nodes[l])) {
			out[k] = h.tree.nodes[l][n]
			continue
		}
		miss, at = append(miss, i), append(at, k)
	}
	h.tree.mu.RUnlock()
	if len(miss) > 0 {
		hs, err := h.storeHashes.ReadHashes(miss)
		if err != nil {
			return nil, err
		}
		for j, k := range at {
			out[k] = hs[j]
		}
	}
	return out, nil
}

// treeHashes returns a reader of the election's stored hashes for proofs
// in trees of up to size entries, which must not exceed the log's.
func (s *Server) treeHashes(r *http.Request, e *election, size int64) (cachedHashes, error) {
	if err := e.tree.grow(r.Context(), s.store, e.ID, size); err != nil {
		return cachedHashes{}, err
	}
	return cachedHashes{storeHashes: s.hashes(r, e), tree: &e.tree}, nil
}

// withinLog checks that a tree of size entries exists: without asking the
// store when the tree cache already holds a larger one. It returns a log
// size at least size, or the log's size when smaller.
func (s *Server) withinLog(ctx context.Context, e *election, size int64) (int64, error) {
	e.tree.mu.RLock()
	known := e.tree.size
	e.tree.mu.RUnlock()
	if size <= known {
		return known, nil
	}
	return s.logSize(ctx, e)
}

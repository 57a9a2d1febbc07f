// Package logpage is what the SQLite and PostgreSQL stores share of how they
// keep an election's transparency log: its stored hashes in pages of
// HashesPerPage consecutive stored-hash indexes (each backend's log_pages
// table), the extent of a log (its rows against its hashes), and an Appender
// that computes the hashes new entries add and gathers them into pages to
// write. It does no I/O: each store reads and writes pages with its own SQL
// and transactions.
package logpage

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
)

// An election's log hashes are kept in pages of HashesPerPage consecutive
// stored-hash indexes: page p holds the hashes at indexes
// p*HashesPerPage … p*HashesPerPage+HashesPerPage-1, concatenated.
const (
	HashSize      = 32
	HashesPerPage = 32
	PageBytes     = HashesPerPage * HashSize
)

// Damaged reports a log whose rows and hashes disagree: something changed
// the database behind the program's back. Nothing is appended to such a log.
// The error is EINTERNAL.
func Damaged(election, format string, args ...any) error {
	return actas.Errorf(actas.EINTERNAL, "the log of election %s is damaged: %s; run actas log verify", election, fmt.Sprintf(format, args...))
}

// NoHash reports (EINVALID) a stored-hash index i the log of election does
// not store.
func NoHash(election string, i int64) error {
	return actas.Errorf(actas.EINVALID, "the log of election %s stores no hash at index %d", election, i)
}

// Extent is what a database holds of an election's log: the entries its
// rows record and the hashes its pages hold.
type Extent struct {
	Rows     int64  // 1 + the largest log index a row claims (entry 0 is the election)
	Hashes   int64  // stored hashes
	LastPage int64  // number of the last page, -1 when there is none
	Tail     []byte // the hashes of the last page when it is partial and asked for
}

// SetLastPage records that the log's last page is page (-1 for none) and
// holds length bytes, and so how many hashes the log stores.
func (x *Extent) SetLastPage(page, length int64) {
	x.LastPage, x.Hashes = page, 0
	if page >= 0 {
		x.Hashes = page*HashesPerPage + length/HashSize
	}
}

// Size returns the number of entries the database holds evidence of: the
// larger of what the rows and what the hashes say, so that whatever is
// missing shows as an error when it is read rather than as a shorter log.
func (x Extent) Size() int64 { return max(x.Rows, SizeOfHashes(x.Hashes)) }

// CheckedSize returns the log's size when its rows and hashes agree, and an
// error (Damaged) saying how they differ otherwise.
func (x Extent) CheckedSize(election string) (int64, error) {
	if want := translog.StoredHashCount(x.Rows); x.Hashes != want {
		return 0, Damaged(election, "its rows record %d entries, which store %d hashes, but it holds %d", x.Rows, want, x.Hashes)
	}
	if want := int(x.Hashes%HashesPerPage) * HashSize; x.Tail != nil && len(x.Tail) != want {
		return 0, Damaged(election, "its last page holds %d bytes, not %d", len(x.Tail), want)
	}
	return x.Rows, nil
}

// SizeOfHashes returns the largest log size whose stored hashes number at
// most count.
func SizeOfHashes(count int64) int64 {
	lo, hi := int64(0), count // StoredHashCount(n) >= n
	for lo < hi {
		mid := hi - (hi-lo)/2
		if translog.StoredHashCount(mid) <= count {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// EdgeReader serves the hashes of the complete subtrees a log splits into
// (its right edge), which is all that appending to the log reads: an
// Appender fed from it needs no database, and so can run on another
// goroutine while the transaction inserts rows.
type EdgeReader map[int64]translog.Hash

// ReadHashes implements translog.HashReader; an index off the edge is an
// error.
func (e EdgeReader) ReadHashes(indexes []int64) ([]translog.Hash, error) {
	out := make([]translog.Hash, len(indexes))
	for k, i := range indexes {
		h, ok := e[i]
		if !ok {
			return nil, fmt.Errorf("stored hash %d is not on the log's right edge", i)
		}
		out[k] = h
	}
	return out, nil
}

// ReadEdge returns the right edge of the log of size entries whose stored
// hashes r reads: the hashes TreeHash reads are exactly its complete
// subtrees.
func ReadEdge(size int64, r translog.HashReader) (EdgeReader, error) {
	rec := recorder{r: r, seen: EdgeReader{}}
	if _, err := translog.TreeHash(size, rec); err != nil {
		return nil, err
	}
	return rec.seen, nil
}

// recorder is a HashReader that keeps what it reads.
type recorder struct {
	r    translog.HashReader
	seen EdgeReader
}

func (r recorder) ReadHashes(indexes []int64) ([]translog.Hash, error) {
	hs, err := r.r.ReadHashes(indexes)
	if err == nil {
		for k, i := range indexes {
			r.seen[i] = hs[k]
		}
	}
	return hs, err
}

// Page is a page of an election's log hashes to write: Hashes from the
// page's start, of which the database holds the first Held bytes already
// (0: the page is new and is inserted; otherwise the stored partial page
// grows, and must still hold Held bytes).
type Page struct {
	Num    int64
	Hashes []byte
	Held   int
}

// Edge is what appending to a log of Size entries needs of it: the hashes
// of its right edge and its partial last page. The log is append-only, so
// the edge of a given size never changes.
type Edge struct {
	Size   int64
	Hashes EdgeReader
	Tail   []byte
}

// Appender appends entries to an election's log in one write transaction:
// it computes the hashes each entry adds (translog.Appender) and gathers
// them into pages, which Emit receives as each one fills and, from Finish,
// the last, partial one. It touches no database, so that it can run beside
// the inserts. An Appender is not safe for concurrent use.
type Appender struct {
	// Emit receives each page as it fills; an error stops the append that
	// filled it. Pages passed to Emit are not touched again.
	Emit func(Page) error

	start int64 // the log's size when the transaction began
	app   *translog.Appender

	page  int64
	buf   []byte
	held  int  // bytes of buf the database holds
	added bool // buf holds hashes the database does not
}

// Start returns an appender to a log of size entries, whose right edge and
// partial last page are edge and tail. An empty log (size 0) has an empty
// edge and no tail.
func Start(size int64, edge EdgeReader, tail []byte) *Appender {
	a := &Appender{start: size, app: translog.NewAppender(size, edge)}
	a.page = translog.StoredHashCount(size) / HashesPerPage
	a.buf = append(make([]byte, 0, PageBytes), tail...)
	a.held = len(tail)
	return a
}

// Resume returns an appender to the log of election whose extent x was read
// with its tail, in the transaction that will append. It takes the right
// edge from known when that is the edge of the log the database holds (same
// size, same partial last page), and otherwise reads it with r: a live
// submission's transaction then reads one row of the log rather than a page
// per level of its tree. Errors: Damaged (EINTERNAL) when the log's rows and
// hashes disagree; r's errors.
func Resume(election string, x Extent, known *Edge, r translog.HashReader) (*Appender, error) {
	size, err := x.CheckedSize(election)
	if err != nil {
		return nil, err
	}
	if known != nil && known.Size == size && bytes.Equal(known.Tail, x.Tail) {
		return Start(size, known.Hashes, x.Tail), nil
	}
	edge, err := ReadEdge(size, r)
	if err != nil {
		return nil, fmt.Errorf("log hashes: %w", err)
	}
	return Start(size, edge, x.Tail), nil
}

// Start returns the log's size when the appender was made: the index of
// the first entry it appends.
func (a *Appender) Start() int64 { return a.start }

// Size returns the log's size with the entries appended so far.
func (a *Appender) Size() int64 { return a.app.Size() }

// Append adds entry as the log's next entry.
func (a *Appender) Append(entry []byte) error {
	return a.AppendLeaf(translog.LeafHash(entry))
}

// AppendLeaf adds the next entry, whose leaf hash is leaf.
func (a *Appender) AppendLeaf(leaf translog.Hash) error {
	hs, err := a.app.AppendLeaf(leaf)
	if err != nil {
		return err
	}
	for i := range hs {
		a.buf = append(a.buf, hs[i][:]...)
		a.added = true
		if len(a.buf) == PageBytes {
			if err := a.Emit(Page{Num: a.page, Hashes: a.buf, Held: a.held}); err != nil {
				return err
			}
			a.page++
			a.buf = make([]byte, 0, PageBytes)
			a.held, a.added = 0, false
		}
	}
	return nil
}

// Finish emits the last, partial page if it holds new hashes. Appending
// after Finish is not allowed.
func (a *Appender) Finish() error {
	if !a.added {
		return nil
	}
	a.added = false
	return a.Emit(Page{Num: a.page, Hashes: a.buf, Held: a.held})
}

// EdgeAfter returns the edge of the log once the appended entries and their
// pages are written, for the next transaction (Resume).
func (a *Appender) EdgeAfter() (*Edge, error) {
	size := a.app.Size()
	edge, err := ReadEdge(size, a.app)
	if err != nil {
		return nil, err
	}
	return &Edge{Size: size, Hashes: edge, Tail: bytes.Clone(a.buf)}, nil
}

// EdgeCache keeps, per election (by the store's row id K), the edge the
// last Submit of this process left. Another process appending changes the
// log's size, and Resume does not use an edge that does not match the
// database. It is safe for concurrent use; the zero value is empty.
type EdgeCache[K comparable] struct {
	mu    sync.Mutex
	edges map[K]*Edge
}

// Get returns the edge kept for election, or nil.
func (c *EdgeCache[K]) Get(election K) *Edge {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.edges[election]
}

// Put keeps e as election's edge.
func (c *EdgeCache[K]) Put(election K, e *Edge) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.edges == nil {
		c.edges = map[K]*Edge{}
	}
	c.edges[election] = e
}

// PageCache keeps full pages of log hashes for the readers, by election
// (the store's row id K) and page number. A full page never changes, so a
// copy serves as long as the store is open; a proof reads a page per level
// of the tree, and the few pages of the upper levels serve every proof. A
// nil *PageCache keeps nothing. It is safe for concurrent use; the zero value
// is empty.
type PageCache[K comparable] struct {
	mu    sync.Mutex
	pages map[pageKey[K]][]byte
}

type pageKey[K comparable] struct {
	election K
	page     int64
}

// PagesCached bounds a PageCache: 32768 pages of 1 KiB (32 MiB) hold every
// page of a log of half a million entries, and the upper levels of any log.
const PagesCached = 32768

// Get returns the full page kept, which the caller must not modify.
func (c *PageCache[K]) Get(election K, page int64) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.pages[pageKey[K]{election, page}]
	return b, ok
}

// Put keeps hashes when they are a full page (anything else is ignored),
// evicting an arbitrary page when full: the pages every proof reads come
// back at once. The caller must not modify hashes afterwards.
func (c *PageCache[K]) Put(election K, page int64, hashes []byte) {
	if c == nil || len(hashes) != PageBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil {
		c.pages = make(map[pageKey[K]][]byte)
	}
	if len(c.pages) >= PagesCached {
		for k := range c.pages {
			delete(c.pages, k)
			break
		}
	}
	c.pages[pageKey[K]{election, page}] = hashes
}

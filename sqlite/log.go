package sqlite

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/note"
)

// An election's log hashes are kept in pages of hashesPerPage consecutive
// stored-hash indexes (see migrations/0001_init.sql, log_pages).
const (
	hashSize      = 32
	hashesPerPage = 32
	pageBytes     = hashesPerPage * hashSize
)

// logDamaged reports a log whose rows and hashes disagree: something changed
// the file behind the program's back. Nothing is appended to such a log.
func logDamaged(m *electionMeta, format string, args ...any) error {
	return actas.Errorf(actas.EINTERNAL, "the log of election %s is damaged: %s; run actas log verify", m.code, fmt.Sprintf(format, args...))
}

// logExtent is what the file holds of an election's log: the entries its
// rows record and the hashes its pages hold.
type logExtent struct {
	rows     int64  // 1 + the largest log index a row claims (entry 0 is the election)
	hashes   int64  // stored hashes
	lastPage int64  // number of the last page, -1 when there is none
	tail     []byte // the hashes of the last page when it is partial
}

// readLogExtent reads the extent of election m's log with extent, the
// statement selectLogExtent. withTail also reads the hashes of a partial
// last page, which appending rewrites.
func readLogExtent(ctx context.Context, extent *sql.Stmt, m *electionMeta, withTail bool) (logExtent, error) {
	var x logExtent
	var length int64
	if err := extent.QueryRowContext(ctx, m.rowID(0), m.rowID(maxSeq), m.id, withTail).Scan(&x.rows, &x.lastPage, &length, &x.tail); err != nil {
		return x, fmt.Errorf("log extent: %w", err)
	}
	if x.lastPage >= 0 {
		x.hashes = x.lastPage*hashesPerPage + length/hashSize
	}
	return x, nil
}

// size returns the number of entries the file holds evidence of: the larger
// of what the rows and what the hashes say, so that whatever is missing shows
// as an error when it is read rather than as a shorter log.
func (x logExtent) size() int64 { return max(x.rows, sizeOfHashes(x.hashes)) }

// sizeOfHashes returns the largest log size whose stored hashes number at
// most count.
func sizeOfHashes(count int64) int64 {
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

// checkedSize returns the log's size when its rows and hashes agree, and an
// error saying how they differ otherwise.
func (x logExtent) checkedSize(m *electionMeta) (int64, error) {
	if want := translog.StoredHashCount(x.rows); x.hashes != want {
		return 0, logDamaged(m, "its rows record %d entries, which store %d hashes, but it holds %d", x.rows, want, x.hashes)
	}
	if want := int(x.hashes%hashesPerPage) * hashSize; x.tail != nil && len(x.tail) != want {
		return 0, logDamaged(m, "its last page holds %d bytes, not %d", len(x.tail), want)
	}
	return x.rows, nil
}

// selectPages reads the pages of an election's log hashes named in a JSON
// array of page numbers. CROSS JOIN keeps the array the outer loop: the
// other way round would scan every page of the election.
const selectPages = `SELECT p.page, p.hashes FROM json_each(?2) AS j CROSS JOIN log_pages AS p
	ON p.election = ?1 AND p.page = j.value`

// readHashes returns the stored hashes of election m at the given
// stored-hash indexes, reading each page they lie in once, with one run of
// pages, the statement selectPages. Pages in cache (when not nil) are not
// read, and full pages read are added to it. Errors: EINVALID for an index
// the log does not store.
func readHashes(ctx context.Context, pages *sql.Stmt, cache *pageCache, m *electionMeta, indexes []int64) ([][hashSize]byte, error) {
	out := make([][hashSize]byte, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	// byPage lists the positions in indexes, by page.
	byPage := make([]int32, len(indexes))
	for k, i := range indexes {
		if i < 0 {
			return nil, actas.Errorf(actas.EINVALID, "log of election %s: stored hash index %d is negative", m.code, i)
		}
		byPage[k] = int32(k)
	}
	slices.SortFunc(byPage, func(a, b int32) int { return cmp.Compare(indexes[a], indexes[b]) })
	found := make([]bool, len(indexes))
	// pick copies the hashes of page p, and reports whether p has them.
	pick := func(p int64, hashes []byte) bool {
		at, _ := slices.BinarySearchFunc(byPage, p*hashesPerPage, func(k int32, i int64) int { return cmp.Compare(indexes[k], i) })
		for ; at < len(byPage) && indexes[byPage[at]]/hashesPerPage == p; at++ {
			k := byPage[at]
			off := int(indexes[k]%hashesPerPage) * hashSize
			if off+hashSize > len(hashes) {
				return false
			}
			copy(out[k][:], hashes[off:])
			found[k] = true
		}
		return true
	}
	list := make([]byte, 0, 2+len(indexes)*6)
	list = append(list, '[')
	last := int64(-1)
	for _, k := range byPage {
		p := indexes[k] / hashesPerPage
		if p == last {
			continue
		}
		last = p
		if hashes, ok := cache.get(m.id, p); ok {
			pick(p, hashes)
			continue
		}
		if len(list) > 1 {
			list = append(list, ',')
		}
		list = strconv.AppendInt(list, p, 10)
	}
	list = append(list, ']')
	if len(list) > 2 {
		rows, err := pages.QueryContext(ctx, m.id, string(list))
		if err != nil {
			return nil, fmt.Errorf("log hashes: %w", err)
		}
		defer rows.Close()
		var page int64
		var hashes []byte
		for rows.Next() {
			if err := rows.Scan(&page, &hashes); err != nil {
				return nil, fmt.Errorf("log hashes: %w", err)
			}
			if !pick(page, hashes) {
				break
			}
			if len(hashes) == pageBytes {
				cache.put(m.id, page, hashes)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("log hashes: %w", err)
		}
	}
	for _, k := range byPage {
		if !found[k] {
			// Its page is missing, or ends before it.
			return nil, noHash(m, indexes[k])
		}
	}
	return out, nil
}

// pageCache keeps full pages of log hashes for the readers. A full page
// never changes, so a copy serves as long as the store is open; a proof
// reads a page per level of the tree, and the few pages of the upper
// levels serve every proof.
type pageCache struct {
	mu    sync.Mutex
	pages map[[2]int64][]byte // by election row id and page
}

// pagesCached bounds the cache: 32768 pages of 1 KiB (32 MiB) hold every
// page of a log of half a million entries, and the upper levels of any log.
const pagesCached = 32768

func (c *pageCache) get(election, page int64) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.pages[[2]int64{election, page}]
	return b, ok
}

// put keeps a full page, evicting an arbitrary one when full: the pages
// every proof reads come back at once.
func (c *pageCache) put(election, page int64, hashes []byte) {
	if c == nil || len(hashes) != pageBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil {
		c.pages = make(map[[2]int64][]byte)
	}
	if len(c.pages) >= pagesCached {
		for k := range c.pages {
			delete(c.pages, k)
			break
		}
	}
	c.pages[[2]int64{election, page}] = hashes
}

func noHash(m *electionMeta, i int64) error {
	return actas.Errorf(actas.EINVALID, "the log of election %s stores no hash at index %d", m.code, i)
}

// hashReader reads an election's stored hashes with pages (selectPages),
// for translog.
type hashReader struct {
	ctx   context.Context
	pages *sql.Stmt
	m     *electionMeta
}

func (r hashReader) ReadHashes(indexes []int64) ([]translog.Hash, error) {
	hs, err := readHashes(r.ctx, r.pages, nil, r.m, indexes)
	if err != nil {
		return nil, err
	}
	out := make([]translog.Hash, len(hs))
	for i := range hs {
		out[i] = hs[i]
	}
	return out, nil
}

// edgeReader serves the hashes of the complete subtrees a log splits into
// (its right edge), which is all that appending to the log reads: an
// Appender fed from it needs no database, and so can run on another
// goroutine while the transaction inserts rows.
type edgeReader map[int64]translog.Hash

func (e edgeReader) ReadHashes(indexes []int64) ([]translog.Hash, error) {
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

// recorder is a HashReader that keeps what it reads.
type recorder struct {
	r    translog.HashReader
	seen edgeReader
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

// hashPage is a page of an election's log hashes to write: hashes from the
// page's start, of which the file holds the first held bytes already.
type hashPage struct {
	page   int64
	hashes []byte
	held   int
}

// logAppender appends entries to an election's log in one write
// transaction: it computes the hashes each entry adds (translog.Appender)
// and gathers them into pages, which emit receives as each one fills and,
// from finish, the last, partial one. It touches no database, so that it can
// run beside the inserts; newLogAppender reads what it needs first.
type logAppender struct {
	m     *electionMeta
	start int64 // the log's size when the transaction began
	app   *translog.Appender
	emit  func(hashPage) error

	page  int64
	buf   []byte
	held  int  // bytes of buf the file holds
	added bool // buf holds hashes the file does not
}

// newLogAppender reads, with the statements of a write transaction, the
// state of election m's log that appending needs: its size, the hashes of
// its right edge and its partial last page. It refuses (EINTERNAL) a log
// whose rows and hashes disagree.
func newLogAppender(ctx context.Context, st *prepared, m *electionMeta) (*logAppender, error) {
	return newLogAppenderFrom(ctx, st, m, nil)
}

// newLogAppenderFrom is newLogAppender, taking the right edge from known
// when it is the edge of the log the file holds (same size, same partial
// last page) instead of reading it: a live submission's transaction then
// reads one row of the log rather than a page per level of its tree.
func newLogAppenderFrom(ctx context.Context, st *prepared, m *electionMeta, known *logEdge) (*logAppender, error) {
	x, err := readLogExtent(ctx, st.logExtent, m, true)
	if err != nil {
		return nil, err
	}
	size, err := x.checkedSize(m)
	if err != nil {
		return nil, err
	}
	if known != nil && known.size == size && bytes.Equal(known.tail, x.tail) {
		return startAppender(m, size, known.edge, x.tail), nil
	}
	// The hashes TreeHash reads are exactly the complete subtrees the log
	// splits into: its right edge.
	edge := recorder{r: hashReader{ctx: ctx, pages: st.pages, m: m}, seen: edgeReader{}}
	if _, err := translog.TreeHash(size, edge); err != nil {
		return nil, fmt.Errorf("log hashes: %w", err)
	}
	return startAppender(m, size, edge.seen, x.tail), nil
}

// startAppender returns an appender to election m's log of size entries,
// whose right edge and partial last page are edge and tail.
func startAppender(m *electionMeta, size int64, edge edgeReader, tail []byte) *logAppender {
	a := &logAppender{m: m, start: size, app: translog.NewAppender(size, edge)}
	a.page = translog.StoredHashCount(size) / hashesPerPage
	a.buf = append(make([]byte, 0, pageBytes), tail...)
	a.held = len(tail)
	return a
}

// logEdge is what appending to a log of size entries needs of it: the
// hashes of its right edge and its partial last page. The log is
// append-only, so the edge of a given size never changes.
type logEdge struct {
	size int64
	edge edgeReader
	tail []byte
}

// edgeAfter returns the edge of the log once a's entries are appended and
// its pages written.
func (a *logAppender) edgeAfter() (*logEdge, error) {
	size := a.app.Size()
	rec := recorder{r: a.app, seen: edgeReader{}}
	if _, err := translog.TreeHash(size, rec); err != nil {
		return nil, err
	}
	return &logEdge{size: size, edge: rec.seen, tail: bytes.Clone(a.buf)}, nil
}

// edgeCache keeps, per election, the edge the last Submit of this process
// left. Another process appending changes the log's size, and a cached
// edge that does not match the file is not used.
type edgeCache struct {
	mu    sync.Mutex
	edges map[int64]*logEdge // by election row id
}

func (c *edgeCache) get(election int64) *logEdge {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.edges[election]
}

func (c *edgeCache) put(election int64, e *logEdge) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.edges == nil {
		c.edges = map[int64]*logEdge{}
	}
	c.edges[election] = e
}

// size returns the log's size with the entries appended so far.
func (a *logAppender) size() int64 { return a.app.Size() }

// append adds entry as the log's next entry.
func (a *logAppender) append(entry []byte) error {
	return a.appendLeaf(translog.LeafHash(entry))
}

// appendLeaf adds the next entry, whose leaf hash is leaf.
func (a *logAppender) appendLeaf(leaf translog.Hash) error {
	hs, err := a.app.AppendLeaf(leaf)
	if err != nil {
		return err
	}
	for i := range hs {
		a.buf = append(a.buf, hs[i][:]...)
		a.added = true
		if len(a.buf) == pageBytes {
			if err := a.emit(hashPage{page: a.page, hashes: a.buf, held: a.held}); err != nil {
				return err
			}
			a.page++
			a.buf = make([]byte, 0, pageBytes)
			a.held, a.added = 0, false
		}
	}
	return nil
}

// finish emits the last, partial page if it holds new hashes.
func (a *logAppender) finish() error {
	if !a.added {
		return nil
	}
	a.added = false
	return a.emit(hashPage{page: a.page, hashes: a.buf, held: a.held})
}

// pageWriter writes hash pages of one election with the statements of a
// write transaction.
type pageWriter struct {
	st *prepared
	m  *electionMeta
}

func (w pageWriter) write(ctx context.Context, p hashPage) error {
	if p.held == 0 {
		if _, err := w.st.insertPage.ExecContext(ctx, w.m.id, p.page, p.hashes); err != nil {
			return fmt.Errorf("log page %d: %w", p.page, err)
		}
		return nil
	}
	res, err := w.st.growPage.ExecContext(ctx, p.hashes, w.m.id, p.page, p.held)
	if err != nil {
		return fmt.Errorf("log page %d: %w", p.page, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return logDamaged(w.m, "its last page %d changed during the transaction (%d rows, %v)", p.page, n, err)
	}
	return nil
}

// inlineLog appends to an election's log on the calling goroutine and
// writes the pages at the end: for a few entries (a live submission,
// official totals, snapshots), where running beside the inserts gains
// nothing.
type inlineLog struct {
	a     *logAppender
	pages []hashPage
}

// openInlineLog starts appending to election m's log on the calling
// goroutine, with the statements of a write transaction; write stores the
// pages at the end.
func openInlineLog(ctx context.Context, st *prepared, m *electionMeta) (*inlineLog, error) {
	a, err := newLogAppender(ctx, st, m)
	if err != nil {
		return nil, err
	}
	return newInlineLog(a), nil
}

func newInlineLog(a *logAppender) *inlineLog {
	l := &inlineLog{a: a}
	a.emit = func(p hashPage) error {
		l.pages = append(l.pages, p)
		return nil
	}
	return l
}

// write finishes the log's last page and stores every page filled.
func (l *inlineLog) write(ctx context.Context, st *prepared) error {
	if err := l.a.finish(); err != nil {
		return err
	}
	w := pageWriter{st: st, m: l.a.m}
	for _, p := range l.pages {
		if err := w.write(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// LogSize returns the number of entries in the election's log. When the
// file's rows and hashes disagree (it was changed behind the program's
// back) it returns the larger count, so that reading the log names what is
// missing. Errors: ENOTFOUND.
func (db *DB) LogSize(ctx context.Context, election string) (int64, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return 0, err
	}
	x, err := readLogExtent(ctx, db.rq.logExtent, m, false)
	if err != nil {
		return 0, fmt.Errorf("sqlite: log of %s: %w", election, err)
	}
	return x.size(), nil
}

// LogHashes returns the stored hashes at the given stored-hash indexes, in
// that order, read with one statement (so from one state of the file).
// Errors: ENOTFOUND; EINVALID for a negative index or one the log does not
// store.
func (db *DB) LogHashes(ctx context.Context, election string, indexes []int64) ([][32]byte, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	hs, err := readHashes(ctx, db.rq.pages, &db.cache, m, indexes)
	if err != nil {
		if actas.ErrorCode(err) == actas.EINVALID {
			return nil, err
		}
		return nil, fmt.Errorf("sqlite: log hashes of %s: %w", election, err)
	}
	return hs, nil
}

// checkpointText returns the checkpoint a signed note states, without
// checking its signatures (the store has no key). Errors: EINVALID.
func checkpointText(election string, msg []byte) (translog.Checkpoint, error) {
	var c translog.Checkpoint
	_, err := note.Open(msg, note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		// With no known key, a well-formed signed note is unverified;
		// anything else is not a signed note.
		return c, actas.Errorf(actas.EINVALID, "checkpoint of election %s: the note is not a signed note: %v", election, err)
	}
	c, err = translog.ParseCheckpoint([]byte(unverified.Note.Text))
	if err != nil {
		return c, err
	}
	if !strings.HasSuffix(c.Origin, "/"+election) || len(c.Origin) == len(election)+1 {
		return c, actas.Errorf(actas.EINVALID, "checkpoint of election %s: its origin %q names another log", election, c.Origin)
	}
	return c, nil
}

// AddCheckpoint keeps a signed checkpoint of the election's log; see
// actas.LogStore. It sets cp.Created to when the checkpoint was kept. Adding
// a checkpoint identical to the latest one kept (the same note) keeps it
// once and succeeds. The checks and the insert run in one immediate
// transaction, so that two signers cannot interleave. Errors: ENOTFOUND;
// EINVALID for a note that is not a signed C2SP checkpoint of this
// election's log stating cp.Size and cp.Root; ECONFLICT for a checkpoint
// smaller than the latest kept, of the same size with another root, larger
// than the log, or whose root is not the root of the log's first cp.Size
// entries.
func (db *DB) AddCheckpoint(ctx context.Context, election string, cp *actas.Checkpoint) error {
	m, err := db.meta(ctx, election)
	if err != nil {
		return err
	}
	if cp == nil {
		return actas.Errorf(actas.EINVALID, "checkpoint of election %s is missing", election)
	}
	c, err := checkpointText(election, cp.Note)
	if err != nil {
		return err
	}
	if c.Size != cp.Size || c.Hash != cp.Root {
		return actas.Errorf(actas.EINVALID, "checkpoint of election %s: its note states size %d and root %s, not %d and %s",
			election, c.Size, c.Hash, cp.Size, translog.Hash(cp.Root))
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: checkpoint of %s: %w", election, err)
	}
	defer rollback(tx)
	var size int64
	var root, text []byte
	var created string
	err = tx.QueryRowContext(ctx, `SELECT size, root, note, created FROM checkpoints WHERE election = ? ORDER BY id DESC LIMIT 1`,
		m.id).Scan(&size, &root, &text, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("sqlite: checkpoint of %s: %w", election, err)
	case cp.Size < size:
		return actas.Errorf(actas.ECONFLICT, "checkpoint of election %s: size %d is smaller than the latest checkpoint's, %d", election, cp.Size, size)
	case cp.Size == size && string(root) != string(cp.Root[:]):
		return actas.Errorf(actas.ECONFLICT, "checkpoint of election %s: size %d has another root in the latest checkpoint: the log would fork", election, cp.Size)
	case string(text) == string(cp.Note):
		t, err := parseReceived([]byte(created))
		if err != nil {
			return fmt.Errorf("sqlite: checkpoint of %s: %w", election, err)
		}
		cp.Created = t
		return nil
	}
	st := db.wq.bind(ctx, tx)
	x, err := readLogExtent(ctx, st.logExtent, m, false)
	if err != nil {
		return fmt.Errorf("sqlite: checkpoint of %s: %w", election, err)
	}
	logSize, err := x.checkedSize(m)
	if err != nil {
		return err
	}
	if cp.Size > logSize {
		return actas.Errorf(actas.ECONFLICT, "checkpoint of election %s: size %d is larger than the log, which has %d entries", election, cp.Size, logSize)
	}
	want, err := translog.TreeHash(cp.Size, hashReader{ctx: ctx, pages: st.pages, m: m})
	if err != nil {
		return fmt.Errorf("sqlite: checkpoint of %s: %w", election, err)
	}
	if want != cp.Root {
		return actas.Errorf(actas.ECONFLICT, "checkpoint of election %s: root %s is not the root of the log's first %d entries, %s",
			election, translog.Hash(cp.Root), cp.Size, want)
	}
	now := time.Now().UTC()
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (election, size, root, note, created) VALUES (?, ?, ?, ?, ?)`,
		m.id, cp.Size, cp.Root[:], string(cp.Note), string(appendReceived(nil, now))); err != nil {
		return fmt.Errorf("sqlite: checkpoint of %s: %w", election, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: checkpoint of %s: %w", election, err)
	}
	cp.Created = now
	return nil
}

// Checkpoints returns every checkpoint kept for the election, in the order
// kept (sizes never decrease). Errors: ENOTFOUND.
func (db *DB) Checkpoints(ctx context.Context, election string) ([]*actas.Checkpoint, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	return readCheckpoints(ctx, db.r, m, `SELECT size, root, note, created FROM checkpoints WHERE election = ? ORDER BY id`)
}

// LatestCheckpoint returns the latest checkpoint kept for the election and
// how many are kept. Errors: ENOTFOUND for an unknown election or when none
// is kept.
func (db *DB) LatestCheckpoint(ctx context.Context, election string) (*actas.Checkpoint, int, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, 0, err
	}
	// One read transaction: the count and the latest agree.
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: checkpoints of %s: %w", election, err)
	}
	defer rollback(tx)
	var count int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM checkpoints WHERE election = ?`, m.id).Scan(&count); err != nil {
		return nil, 0, fmt.Errorf("sqlite: checkpoints of %s: %w", election, err)
	}
	cps, err := readCheckpoints(ctx, tx, m, `SELECT size, root, note, created FROM checkpoints WHERE election = ? ORDER BY id DESC LIMIT 1`)
	if err != nil {
		return nil, 0, err
	}
	if len(cps) == 0 {
		return nil, 0, actas.Errorf(actas.ENOTFOUND, "the log of election %s has no checkpoint yet", election)
	}
	return cps[0], count, nil
}

// readCheckpoints reads with q the checkpoints query selects (size, root,
// note, created of election m's rows).
func readCheckpoints(ctx context.Context, q querier, m *electionMeta, query string) ([]*actas.Checkpoint, error) {
	rows, err := q.QueryContext(ctx, query, m.id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: checkpoints of %s: %w", m.code, err)
	}
	defer rows.Close()
	out := []*actas.Checkpoint{}
	for rows.Next() {
		cp := new(actas.Checkpoint)
		var root []byte
		var created sql.RawBytes
		if err := rows.Scan(&cp.Size, &root, &cp.Note, &created); err != nil {
			return nil, fmt.Errorf("sqlite: checkpoints of %s: %w", m.code, err)
		}
		if len(root) != len(cp.Root) {
			return nil, fmt.Errorf("sqlite: checkpoints of %s: a root of %d bytes", m.code, len(root))
		}
		copy(cp.Root[:], root)
		if cp.Created, err = parseReceived(created); err != nil {
			return nil, fmt.Errorf("sqlite: checkpoints of %s: %w", m.code, err)
		}
		out = append(out, cp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: checkpoints of %s: %w", m.code, err)
	}
	return out, nil
}

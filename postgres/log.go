package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
// the database behind the program's back. Nothing is appended to such a log.
func logDamaged(m *electionMeta, format string, args ...any) error {
	return actas.Errorf(actas.EINTERNAL, "the log of election %s is damaged: %s; run actas log verify", m.code, fmt.Sprintf(format, args...))
}

// logExtent is what the database holds of an election's log: the entries
// its rows record and the hashes its pages hold.
type logExtent struct {
	rows     int64  // 1 + the largest log index a row claims (entry 0 is the election)
	hashes   int64  // stored hashes
	lastPage int64  // number of the last page, -1 when there is none
	tail     []byte // the hashes of the last page when it is partial
}

// selectLogExtent reads an election's log extent ($1) in one statement, so
// from one snapshot; $2 asks for the hashes of a partial last page.
const selectLogExtent = `WITH p AS (SELECT page, hashes FROM log_pages WHERE election = $1 ORDER BY page DESC LIMIT 1)
	SELECT 1 + greatest(
		coalesce((SELECT max(seq) FROM submissions WHERE election = $1), 0),
		coalesce((SELECT max(log_index) FROM totals WHERE election = $1), 0),
		coalesce((SELECT max(log_index) FROM snapshots WHERE election = $1), 0),
		coalesce((SELECT max(log_index) FROM records WHERE election = $1), 0)),
	coalesce((SELECT page FROM p), -1), coalesce((SELECT length(hashes) FROM p), 0),
	(SELECT CASE WHEN $2::boolean AND length(hashes) < 1024 THEN hashes END FROM p)`

// readLogExtent reads the extent of election m's log with q. withTail also
// reads the hashes of a partial last page, which appending rewrites.
func readLogExtent(ctx context.Context, q querier, m *electionMeta, withTail bool) (logExtent, error) {
	var x logExtent
	err := x.scan(q.QueryRow(ctx, selectLogExtent, m.id, withTail))
	return x, err
}

// scan reads a row of selectLogExtent into x.
func (x *logExtent) scan(row pgx.Row) error {
	var length int64
	if err := row.Scan(&x.rows, &x.lastPage, &length, &x.tail); err != nil {
		return fmt.Errorf("log extent: %w", err)
	}
	if x.lastPage >= 0 {
		x.hashes = x.lastPage*hashesPerPage + length/hashSize
	}
	return nil
}

// size returns the number of entries the database holds evidence of: the
// larger of what the rows and what the hashes say, so that whatever is
// missing shows as an error when it is read rather than as a shorter log.
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

// readHashes returns the stored hashes of election m at the given
// stored-hash indexes, reading each page they lie in once, in one
// statement. Pages in cache (when not nil) are not read, and full pages read
// are added to it. Errors: EINVALID for an index the log does not store.
func readHashes(ctx context.Context, q querier, cache *pageCache, m *electionMeta, indexes []int64) ([][hashSize]byte, error) {
	out := make([][hashSize]byte, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	pages := map[int64][]byte{}
	var want []int64
	for _, i := range indexes {
		if i < 0 {
			return nil, actas.Errorf(actas.EINVALID, "log of election %s: stored hash index %d is negative", m.code, i)
		}
		p := i / hashesPerPage
		if _, ok := pages[p]; ok {
			continue
		}
		if hashes, ok := cache.get(m.id, p); ok {
			pages[p] = hashes
			continue
		}
		pages[p] = nil
		want = append(want, p)
	}
	if len(want) > 0 {
		rows, err := q.Query(ctx, `SELECT page, hashes FROM log_pages WHERE election = $1 AND page = ANY($2)`, m.id, want)
		if err != nil {
			return nil, fmt.Errorf("log hashes: %w", err)
		}
		var page int64
		var hashes []byte
		_, err = pgx.ForEachRow(rows, []any{&page, &hashes}, func() error {
			pages[page] = hashes
			if len(hashes) == pageBytes {
				cache.put(m.id, page, hashes)
			}
			hashes = nil // the next row gets a slice of its own
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("log hashes: %w", err)
		}
	}
	for k, i := range indexes {
		hashes := pages[i/hashesPerPage]
		off := int(i%hashesPerPage) * hashSize
		if off+hashSize > len(hashes) {
			// Its page is missing, or ends before it.
			return nil, noHash(m, i)
		}
		copy(out[k][:], hashes[off:])
	}
	return out, nil
}

// pageCache keeps full pages of log hashes for the readers. A full page
// never changes, so a copy serves as long as the store is open; a proof
// reads a page per level of the tree, and the few pages of the upper
// levels serve every proof.
type pageCache struct {
	mu    sync.Mutex
	pages map[pageKey][]byte
}

type pageKey struct {
	election int32
	page     int64
}

// pagesCached bounds the cache: 32768 pages of 1 KiB (32 MiB).
const pagesCached = 32768

func (c *pageCache) get(election int32, page int64) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.pages[pageKey{election, page}]
	return b, ok
}

// put keeps a full page, evicting an arbitrary one when full: the pages
// every proof reads come back at once.
func (c *pageCache) put(election int32, page int64, hashes []byte) {
	if c == nil || len(hashes) != pageBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil {
		c.pages = make(map[pageKey][]byte)
	}
	if len(c.pages) >= pagesCached {
		for k := range c.pages {
			delete(c.pages, k)
			break
		}
	}
	c.pages[pageKey{election, page}] = hashes
}

func noHash(m *electionMeta, i int64) error {
	return actas.Errorf(actas.EINVALID, "the log of election %s stores no hash at index %d", m.code, i)
}

// hashReader reads an election's stored hashes with q, for translog.
type hashReader struct {
	ctx context.Context
	q   querier
	m   *electionMeta
}

func (r hashReader) ReadHashes(indexes []int64) ([]translog.Hash, error) {
	hs, err := readHashes(r.ctx, r.q, nil, r.m, indexes)
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
// (its right edge), which is all that appending to the log reads.
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
// page's start, of which the database holds the first held bytes already.
type hashPage struct {
	page   int64
	hashes []byte
	held   int
}

// logAppender appends entries to an election's log in one write
// transaction: it computes the hashes each entry adds (translog.Appender)
// and gathers them into pages, written by writePages at the end. It touches
// no database, so that it can run beside the inserts.
type logAppender struct {
	m     *electionMeta
	start int64 // the log's size when the transaction began
	app   *translog.Appender
	pages []hashPage // filled pages, then the last one (finish)

	page  int64
	buf   []byte
	held  int  // bytes of buf the database holds
	added bool // buf holds hashes the database does not
}

// newLogAppender reads with tx, which holds the log's lock (lockLog), the
// state of election m's log that appending needs: its size, the hashes of
// its right edge and its partial last page. It refuses (EINTERNAL) a log
// whose rows and hashes disagree.
func newLogAppender(ctx context.Context, tx pgx.Tx, m *electionMeta) (*logAppender, error) {
	return newLogAppenderFrom(ctx, tx, m, nil)
}

// newLogAppenderFrom is newLogAppender, taking the right edge from known
// when it is the edge of the log the database holds (same size, same
// partial last page) instead of reading it: a live submission's transaction
// then makes one round trip fewer. Another process appending changes the
// size, and the edge is read again.
func newLogAppenderFrom(ctx context.Context, tx pgx.Tx, m *electionMeta, known *logEdge) (*logAppender, error) {
	x, err := readLogExtent(ctx, tx, m, true)
	if err != nil {
		return nil, err
	}
	return appenderAt(ctx, tx, m, x, known)
}

// appenderAt is newLogAppenderFrom for the log's extent x, read with its
// tail in tx after the log's lock was taken.
func appenderAt(ctx context.Context, tx pgx.Tx, m *electionMeta, x logExtent, known *logEdge) (*logAppender, error) {
	size, err := x.checkedSize(m)
	if err != nil {
		return nil, err
	}
	if known != nil && known.size == size && bytes.Equal(known.tail, x.tail) {
		return startAppender(m, size, known.edge, x.tail), nil
	}
	// The hashes TreeHash reads are exactly the complete subtrees the log
	// splits into: its right edge.
	edge := recorder{r: hashReader{ctx: ctx, q: tx, m: m}, seen: edgeReader{}}
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
// left.
type edgeCache struct {
	mu    sync.Mutex
	edges map[int32]*logEdge // by election row id
}

func (c *edgeCache) get(election int32) *logEdge {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.edges[election]
}

func (c *edgeCache) put(election int32, e *logEdge) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.edges == nil {
		c.edges = map[int32]*logEdge{}
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
			a.pages = append(a.pages, hashPage{page: a.page, hashes: a.buf, held: a.held})
			a.page++
			a.buf = make([]byte, 0, pageBytes)
			a.held, a.added = 0, false
		}
	}
	return nil
}

// finish adds the last, partial page if it holds new hashes.
func (a *logAppender) finish() {
	if a.added {
		a.added = false
		a.pages = append(a.pages, hashPage{page: a.page, hashes: a.buf, held: a.held})
	}
}

// copyPagesFrom is the number of new pages from which writePages copies
// them (COPY) rather than inserting them in one statement.
const copyPagesFrom = 64

// writePages finishes the last page and writes every page the appender
// filled, with tx, in one round trip unless there are many.
func (a *logAppender) writePages(ctx context.Context, tx pgx.Tx) error {
	var batch pgx.Batch
	if err := a.queuePages(ctx, tx, &batch); err != nil {
		return err
	}
	if batch.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, &batch).Close()
}

// queuePages finishes the last page and queues in batch the statements that
// write every page the appender filled; a run of many new pages it copies
// at once with tx. The first page may be the partial page the log held,
// which grows: the one UPDATE the program makes, which must find the page as
// it was read.
func (a *logAppender) queuePages(ctx context.Context, tx pgx.Tx, batch *pgx.Batch) error {
	a.finish()
	pages := a.pages
	if len(pages) > 0 {
		// Delivered when (and only if) the transaction commits: WaitLog
		// in every process learns that the log grew.
		batch.Queue(`SELECT pg_notify($1, $2)`, logChannel, a.m.code)
	}
	if len(pages) > 0 && pages[0].held > 0 {
		p := pages[0]
		batch.Queue(`UPDATE log_pages SET hashes = $1 WHERE election = $2 AND page = $3 AND length(hashes) = $4`,
			p.hashes, a.m.id, p.page, p.held).Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return logDamaged(a.m, "its last page %d changed during the transaction", p.page)
			}
			return nil
		})
		pages = pages[1:]
	}
	if len(pages) == 0 {
		return nil
	}
	if len(pages) >= copyPagesFrom {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"log_pages"}, []string{"election", "page", "hashes"},
			pgx.CopyFromSlice(len(pages), func(i int) ([]any, error) {
				return []any{a.m.id, pages[i].page, pages[i].hashes}, nil
			}))
		if err != nil {
			return fmt.Errorf("log pages: %w", err)
		}
		return nil
	}
	nums := make([]int64, len(pages))
	hashes := make([][]byte, len(pages))
	for i, p := range pages {
		nums[i], hashes[i] = p.page, p.hashes
	}
	batch.Queue(`INSERT INTO log_pages (election, page, hashes) SELECT $1, * FROM unnest($2::bigint[], $3::bytea[])`,
		a.m.id, nums, hashes)
	return nil
}

// LogSize returns the number of entries in the election's log. When the
// rows and hashes disagree (the database was changed behind the program's
// back) it returns the larger count, so that reading the log names what is
// missing. Errors: ENOTFOUND.
func (db *DB) LogSize(ctx context.Context, election string) (int64, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return 0, err
	}
	x, err := readLogExtent(ctx, db.pool, m, false)
	if err != nil {
		return 0, fmt.Errorf("postgres: log of %s: %w", election, err)
	}
	return x.size(), nil
}

// LogHashes returns the stored hashes at the given stored-hash indexes, in
// that order, read with one statement. Errors: ENOTFOUND; EINVALID for a
// negative index or one the log does not store.
func (db *DB) LogHashes(ctx context.Context, election string, indexes []int64) ([][32]byte, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	hs, err := readHashes(ctx, db.pool, &db.cache, m, indexes)
	if err != nil {
		if actas.ErrorCode(err) == actas.EINVALID {
			return nil, err
		}
		return nil, fmt.Errorf("postgres: log hashes of %s: %w", election, err)
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
// actas.LogStore. It sets cp.Created to when the checkpoint was kept (to the
// microsecond). Adding a checkpoint identical to the latest one kept (the
// same note) keeps it once and succeeds. The checks and the insert run in
// one transaction holding the log's lock, so that signers in several
// processes cannot interleave. Errors: ENOTFOUND; EINVALID for a note that
// is not a signed C2SP checkpoint of this election's log stating cp.Size and
// cp.Root; ECONFLICT for a checkpoint smaller than the latest kept, of the
// same size with another root, larger than the log, or whose root is not the
// root of the log's first cp.Size entries.
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
	if !utf8.Valid(cp.Note) {
		return actas.Errorf(actas.EINVALID, "checkpoint of election %s: the note is not UTF-8 text", election)
	}
	if c.Size != cp.Size || c.Hash != cp.Root {
		return actas.Errorf(actas.EINVALID, "checkpoint of election %s: its note states size %d and root %s, not %d and %s",
			election, c.Size, c.Hash, cp.Size, translog.Hash(cp.Root))
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: checkpoint of %s: %w", election, err)
	}
	defer rollback(ctx, tx)
	if err := lockLog(ctx, tx, m.id); err != nil {
		return fmt.Errorf("postgres: checkpoint of %s: %w", election, err)
	}
	var size int64
	var root []byte
	var text string
	var created time.Time
	err = tx.QueryRow(ctx, `SELECT size, root, note, created FROM checkpoints WHERE election = $1 ORDER BY id DESC LIMIT 1`,
		m.id).Scan(&size, &root, &text, &created)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return fmt.Errorf("postgres: checkpoint of %s: %w", election, err)
	case cp.Size < size:
		return actas.Errorf(actas.ECONFLICT, "checkpoint of election %s: size %d is smaller than the latest checkpoint's, %d", election, cp.Size, size)
	case cp.Size == size && string(root) != string(cp.Root[:]):
		return actas.Errorf(actas.ECONFLICT, "checkpoint of election %s: size %d has another root in the latest checkpoint: the log would fork", election, cp.Size)
	case text == string(cp.Note):
		cp.Created = created.UTC()
		return nil
	}
	x, err := readLogExtent(ctx, tx, m, false)
	if err != nil {
		return fmt.Errorf("postgres: checkpoint of %s: %w", election, err)
	}
	logSize, err := x.checkedSize(m)
	if err != nil {
		return err
	}
	if cp.Size > logSize {
		return actas.Errorf(actas.ECONFLICT, "checkpoint of election %s: size %d is larger than the log, which has %d entries", election, cp.Size, logSize)
	}
	want, err := translog.TreeHash(cp.Size, hashReader{ctx: ctx, q: tx, m: m})
	if err != nil {
		return fmt.Errorf("postgres: checkpoint of %s: %w", election, err)
	}
	if want != cp.Root {
		return actas.Errorf(actas.ECONFLICT, "checkpoint of election %s: root %s is not the root of the log's first %d entries, %s",
			election, translog.Hash(cp.Root), cp.Size, want)
	}
	// PostgreSQL keeps microseconds: Created is what reads back.
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := tx.Exec(ctx, `INSERT INTO checkpoints (election, size, root, note, created) VALUES ($1, $2, $3, $4, $5)`,
		m.id, cp.Size, cp.Root[:], string(cp.Note), now); err != nil {
		return fmt.Errorf("postgres: checkpoint of %s: %w", election, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: checkpoint of %s: %w", election, err)
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
	return readCheckpoints(ctx, db.pool, m, `SELECT size, root, note, created FROM checkpoints WHERE election = $1 ORDER BY id`)
}

// LatestCheckpoint returns the latest checkpoint kept for the election and
// how many are kept, from one snapshot. Errors: ENOTFOUND for an unknown
// election or when none is kept.
func (db *DB) LatestCheckpoint(ctx context.Context, election string) (*actas.Checkpoint, int, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, 0, err
	}
	cp := new(actas.Checkpoint)
	var root []byte
	var note string
	var count int
	// One statement: the count and the latest agree.
	err = db.pool.QueryRow(ctx, `SELECT c.size, c.root, c.note, c.created, (SELECT count(*) FROM checkpoints WHERE election = $1)
		FROM checkpoints c WHERE c.election = $1 ORDER BY c.id DESC LIMIT 1`, m.id).Scan(&cp.Size, &root, &note, &cp.Created, &count)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, actas.Errorf(actas.ENOTFOUND, "the log of election %s has no checkpoint yet", election)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: checkpoints of %s: %w", election, err)
	}
	if len(root) != len(cp.Root) {
		return nil, 0, fmt.Errorf("postgres: checkpoints of %s: a root of %d bytes", election, len(root))
	}
	copy(cp.Root[:], root)
	cp.Note, cp.Created = []byte(note), cp.Created.UTC()
	return cp, count, nil
}

// readCheckpoints reads with q the checkpoints query selects (size, root,
// note, created of election m's rows).
func readCheckpoints(ctx context.Context, q querier, m *electionMeta, query string) ([]*actas.Checkpoint, error) {
	rows, err := q.Query(ctx, query, m.id)
	if err != nil {
		return nil, fmt.Errorf("postgres: checkpoints of %s: %w", m.code, err)
	}
	out := []*actas.Checkpoint{}
	var size int64
	var root []byte
	var text string
	var created time.Time
	_, err = pgx.ForEachRow(rows, []any{&size, &root, &text, &created}, func() error {
		if len(root) != hashSize {
			return fmt.Errorf("a root of %d bytes", len(root))
		}
		cp := &actas.Checkpoint{Size: size, Note: []byte(text), Created: created.UTC()}
		copy(cp.Root[:], root)
		out = append(out, cp)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: checkpoints of %s: %w", m.code, err)
	}
	return out, nil
}

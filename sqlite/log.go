package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/logpage"
	"github.com/actasproject/actas/translog"
)

// Aliases of the page layout the stores share (internal/logpage).
const (
	hashSize      = logpage.HashSize
	hashesPerPage = logpage.HashesPerPage
	pageBytes     = logpage.PageBytes
)

// readLogExtent reads the extent of election m's log with extent, the
// statement selectLogExtent. withTail also reads the hashes of a partial
// last page, which appending rewrites.
func readLogExtent(ctx context.Context, extent *sql.Stmt, m *electionMeta, withTail bool) (logpage.Extent, error) {
	var x logpage.Extent
	var page, length int64
	if err := extent.QueryRowContext(ctx, m.rowID(0), m.rowID(maxSeq), m.id, withTail).Scan(&x.Rows, &page, &length, &x.Tail); err != nil {
		return x, fmt.Errorf("log extent: %w", err)
	}
	x.SetLastPage(page, length)
	return x, nil
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
func readHashes(ctx context.Context, pages *sql.Stmt, cache *logpage.PageCache[int64], m *electionMeta, indexes []int64) ([][hashSize]byte, error) {
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
		if hashes, ok := cache.Get(m.id, p); ok {
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
				cache.Put(m.id, page, hashes)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("log hashes: %w", err)
		}
	}
	for _, k := range byPage {
		if !found[k] {
			// Its page is missing, or ends before it.
			return nil, logpage.NoHash(m.code, indexes[k])
		}
	}
	return out, nil
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

// logAppender appends entries to election m's log in one write
// transaction (logpage.Appender); its pages go to the caller's Emit.
type logAppender struct {
	*logpage.Appender
	m *electionMeta
}

// newLogAppender reads, with the statements of a write transaction, the
// state of election m's log that appending needs: its size, the hashes of
// its right edge and its partial last page. It refuses (EINTERNAL) a log
// whose rows and hashes disagree.
func newLogAppender(ctx context.Context, st *prepared, m *electionMeta) (*logAppender, error) {
	return newLogAppenderFrom(ctx, st, m, nil)
}

// newLogAppenderFrom is newLogAppender, taking the right edge from known
// when it is the edge of the log the file holds (see logpage.Resume).
func newLogAppenderFrom(ctx context.Context, st *prepared, m *electionMeta, known *logpage.Edge) (*logAppender, error) {
	x, err := readLogExtent(ctx, st.logExtent, m, true)
	if err != nil {
		return nil, err
	}
	a, err := logpage.Resume(m.code, x, known, hashReader{ctx: ctx, pages: st.pages, m: m})
	if err != nil {
		return nil, err
	}
	return &logAppender{Appender: a, m: m}, nil
}

// pageWriter writes hash pages of one election with the statements of a
// write transaction.
type pageWriter struct {
	st *prepared
	m  *electionMeta
}

func (w pageWriter) write(ctx context.Context, p logpage.Page) error {
	if p.Held == 0 {
		if _, err := w.st.insertPage.ExecContext(ctx, w.m.id, p.Num, p.Hashes); err != nil {
			return fmt.Errorf("log page %d: %w", p.Num, err)
		}
		return nil
	}
	res, err := w.st.growPage.ExecContext(ctx, p.Hashes, w.m.id, p.Num, p.Held)
	if err != nil {
		return fmt.Errorf("log page %d: %w", p.Num, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return logpage.Damaged(w.m.code, "its last page %d changed during the transaction (%d rows, %v)", p.Num, n, err)
	}
	return nil
}

// inlineLog appends to an election's log on the calling goroutine and
// writes the pages at the end: for a few entries (a live submission,
// official totals, snapshots), where running beside the inserts gains
// nothing.
type inlineLog struct {
	a     *logAppender
	pages []logpage.Page
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
	a.Emit = func(p logpage.Page) error {
		l.pages = append(l.pages, p)
		return nil
	}
	return l
}

// write finishes the log's last page and stores every page filled.
func (l *inlineLog) write(ctx context.Context, st *prepared) error {
	if err := l.a.Finish(); err != nil {
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
	return x.Size(), nil
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
	c, err := translog.ElectionCheckpoint(election, cp.Note)
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
	latest, err := db.ws.txStmt(ctx, tx, selectLatestCheckpoint)
	if err != nil {
		return fmt.Errorf("sqlite: checkpoint of %s: %w", election, err)
	}
	var size int64
	var root, text []byte
	var created string
	err = latest.QueryRowContext(ctx, m.id).Scan(&size, &root, &text, &created)
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
	logSize, err := x.CheckedSize(m.code)
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
	insert, err := db.ws.txStmt(ctx, tx, insertCheckpointSQL)
	if err != nil {
		return fmt.Errorf("sqlite: checkpoint of %s: %w", election, err)
	}
	if _, err := insert.ExecContext(ctx, m.id, cp.Size, cp.Root[:], string(cp.Note), string(appendReceived(nil, now))); err != nil {
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
	q, err := db.rs.stmt(ctx, `SELECT size, root, note, created FROM checkpoints WHERE election = ? ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: checkpoints of %s: %w", election, err)
	}
	return readCheckpoints(ctx, q, m)
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
	countStmt, err := db.rs.txStmt(ctx, tx, countCheckpointsSQL)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: checkpoints of %s: %w", election, err)
	}
	var count int
	if err := countStmt.QueryRowContext(ctx, m.id).Scan(&count); err != nil {
		return nil, 0, fmt.Errorf("sqlite: checkpoints of %s: %w", election, err)
	}
	latest, err := db.rs.txStmt(ctx, tx, selectLatestCheckpoint)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: checkpoints of %s: %w", election, err)
	}
	cps, err := readCheckpoints(ctx, latest, m)
	if err != nil {
		return nil, 0, err
	}
	if len(cps) == 0 {
		return nil, 0, actas.Errorf(actas.ENOTFOUND, "the log of election %s has no checkpoint yet", election)
	}
	return cps[0], count, nil
}

// Statements on checkpoints: the latest of an election, how many it has,
// and one more.
const (
	selectLatestCheckpoint = `SELECT size, root, note, created FROM checkpoints WHERE election = ? ORDER BY id DESC LIMIT 1`
	countCheckpointsSQL    = `SELECT count(*) FROM checkpoints WHERE election = ?`
	insertCheckpointSQL    = `INSERT INTO checkpoints (election, size, root, note, created) VALUES (?, ?, ?, ?, ?)`
)

// readCheckpoints reads the checkpoints q selects (size, root, note,
// created of the rows of the election whose row id is its parameter).
func readCheckpoints(ctx context.Context, q *sql.Stmt, m *electionMeta) ([]*actas.Checkpoint, error) {
	rows, err := q.QueryContext(ctx, m.id)
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

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/logpage"
	"github.com/actasproject/actas/translog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Aliases of the page layout the stores share (internal/logpage).
const (
	hashSize      = logpage.HashSize
	hashesPerPage = logpage.HashesPerPage
	pageBytes     = logpage.PageBytes
)

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
func readLogExtent(ctx context.Context, q querier, m *electionMeta, withTail bool) (logpage.Extent, error) {
	var x logpage.Extent
	err := scanLogExtent(q.QueryRow(ctx, selectLogExtent, m.id, withTail), &x)
	return x, err
}

// scanLogExtent reads a row of selectLogExtent into x.
func scanLogExtent(row pgx.Row, x *logpage.Extent) error {
	var page, length int64
	if err := row.Scan(&x.Rows, &page, &length, &x.Tail); err != nil {
		return fmt.Errorf("log extent: %w", err)
	}
	x.SetLastPage(page, length)
	return nil
}

// readHashes returns the stored hashes of election m at the given
// stored-hash indexes, reading each page they lie in once, in one
// statement. Pages in cache (when not nil) are not read, and full pages read
// are added to it. Errors: EINVALID for an index the log does not store.
func readHashes(ctx context.Context, q querier, cache *logpage.PageCache[int32], m *electionMeta, indexes []int64) ([][hashSize]byte, error) {
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
		if hashes, ok := cache.Get(m.id, p); ok {
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
				cache.Put(m.id, page, hashes)
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
			return nil, logpage.NoHash(m.code, i)
		}
		copy(out[k][:], hashes[off:])
	}
	return out, nil
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

// logAppender appends entries to election m's log in one write
// transaction (logpage.Appender), keeping the pages it fills for
// writePages.
type logAppender struct {
	*logpage.Appender
	m     *electionMeta
	pages []logpage.Page // filled pages, then the last one (Finish)
}

// startAppender returns an appender to election m's log that appends with
// a and keeps the pages it fills.
func startAppender(m *electionMeta, a *logpage.Appender) *logAppender {
	lg := &logAppender{Appender: a, m: m}
	a.Emit = func(p logpage.Page) error {
		lg.pages = append(lg.pages, p)
		return nil
	}
	return lg
}

// newLogAppender reads with tx, which holds the log's lock (lockLog), the
// state of election m's log that appending needs: its size, the hashes of
// its right edge and its partial last page. It refuses (EINTERNAL) a log
// whose rows and hashes disagree.
func newLogAppender(ctx context.Context, tx pgx.Tx, m *electionMeta) (*logAppender, error) {
	return newLogAppenderFrom(ctx, tx, m, nil)
}

// newLogAppenderFrom is newLogAppender, taking the right edge from known
// when it is the edge of the log the database holds (see logpage.Resume):
// a live submission's transaction then makes one round trip fewer.
func newLogAppenderFrom(ctx context.Context, tx pgx.Tx, m *electionMeta, known *logpage.Edge) (*logAppender, error) {
	x, err := readLogExtent(ctx, tx, m, true)
	if err != nil {
		return nil, err
	}
	return appenderAt(ctx, tx, m, x, known)
}

// appenderAt is newLogAppenderFrom for the log's extent x, read with its
// tail in tx after the log's lock was taken.
func appenderAt(ctx context.Context, tx pgx.Tx, m *electionMeta, x logpage.Extent, known *logpage.Edge) (*logAppender, error) {
	a, err := logpage.Resume(m.code, x, known, hashReader{ctx: ctx, q: tx, m: m})
	if err != nil {
		return nil, err
	}
	return startAppender(m, a), nil
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
	if err := a.Finish(); err != nil {
		return err
	}
	pages := a.pages
	if len(pages) > 0 {
		// Delivered when (and only if) the transaction commits: WaitLog
		// in every process learns that the log grew.
		batch.Queue(`SELECT pg_notify($1, $2)`, logChannel, a.m.code)
	}
	if len(pages) > 0 && pages[0].Held > 0 {
		p := pages[0]
		batch.Queue(`UPDATE log_pages SET hashes = $1 WHERE election = $2 AND page = $3 AND length(hashes) = $4`,
			p.Hashes, a.m.id, p.Num, p.Held).Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return logpage.Damaged(a.m.code, "its last page %d changed during the transaction", p.Num)
			}
			return nil
		})
		pages = pages[1:]
	}
	if len(pages) == 0 {
		return nil
	}
	if len(pages) >= copyPagesFrom {
		i := 0
		_, err := copyBinary(ctx, tx, pgx.Identifier{"log_pages"}, []string{"election", "page", "hashes"},
			func(w *copyRow) (bool, error) {
				if i == len(pages) {
					return false, nil
				}
				w.start(3)
				w.int4(a.m.id)
				w.int8(pages[i].Num)
				w.bytea(pages[i].Hashes)
				i++
				return true, nil
			})
		if err != nil {
			return fmt.Errorf("log pages: %w", err)
		}
		return nil
	}
	nums := make([]int64, len(pages))
	hashes := make([][]byte, len(pages))
	for i, p := range pages {
		nums[i], hashes[i] = p.Num, p.Hashes
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
	return x.Size(), nil
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
	c, err := translog.ElectionCheckpoint(election, cp.Note)
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
	// Checkpoints are kept one at a time, but need not hold up the log:
	// the entries and hashes a checkpoint covers never change once
	// committed, and the log only grows while it is checked. (Under the
	// log's lock, several instances' signers kept the log waiting for a
	// good part of the time.)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, int32(lockClassCheckpoint), m.id); err != nil {
		return fmt.Errorf("postgres: checkpoint of %s: lock the checkpoints: %w", election, err)
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
	logSize, err := x.CheckedSize(m.code)
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

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// prepared holds the statements every write or read of the log runs,
// prepared once per pool: with modernc.org/sqlite preparing a statement
// costs about as much as running it, and a live submission runs a dozen.
// A transaction uses them through bind.
type prepared struct {
	logExtent *sql.Stmt // selectLogExtent
	pages     *sql.Stmt // selectPages

	// The writer's only.
	insertPage   *sql.Stmt
	growPage     *sql.Stmt
	stationID    *sql.Stmt
	prior        *sql.Stmt
	insertOne    *sql.Stmt // one submission
	insertFull   *sql.Stmt // rowsPerInsert submissions
	insertShared *sql.Stmt // rowsPerInsert submissions sharing sharedColumns
	// insertSome[k] inserts 2<<k submissions (2 to rowsPerInsert/2): a
	// batch of live submissions of any size is a few of these, none parsed
	// anew.
	insertSome    [5]*sql.Stmt
	addOrigin     *sql.Stmt
	originID      *sql.Stmt
	lookupKey     *sql.Stmt // an idempotency key's kept answer
	insertKey     *sql.Stmt
	accountExists *sql.Stmt
}

// selectLogExtent reads what the file holds of an election's log (see
// readLogExtent) in one statement, so from one state of the file:
// ?1 and ?2 bound the election's submission row ids, ?3 is its row id, ?4
// asks for the hashes of a partial last page.
const selectLogExtent = `SELECT 1 + max(
		(SELECT coalesce(max(id), ?1) - ?1 FROM submissions WHERE id BETWEEN ?1 AND ?2),
		(SELECT coalesce(max(log_index), 0) FROM totals WHERE election = ?3),
		(SELECT coalesce(max(log_index), 0) FROM snapshots WHERE election = ?3),
		(SELECT coalesce(max(log_index), 0) FROM records WHERE election = ?3)),
	coalesce(p.page, -1), coalesce(length(p.hashes), 0), CASE WHEN ?4 AND length(p.hashes) < 1024 THEN p.hashes END
	FROM (SELECT 1) LEFT JOIN (SELECT page, hashes FROM log_pages WHERE election = ?3 ORDER BY page DESC LIMIT 1) AS p`

// growPage is the one statement that changes a stored row: the last page
// of a log's hashes grows. The trigger log_pages_grow_only refuses any other
// change; the length condition makes sure this one extends the page as it
// was read.
const growPage = "UPDATE log_pages SET hashes = ? WHERE election = ? AND page = ? AND length(hashes) = ?"

// prepare prepares the reader's statements on pool, or the writer's too.
func prepare(ctx context.Context, pool *sql.DB, writer bool) (*prepared, error) {
	p := &prepared{}
	list := []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&p.logExtent, selectLogExtent},
		{&p.pages, selectPages},
	}
	if writer {
		list = append(list, []struct {
			stmt **sql.Stmt
			sql  string
		}{
			{&p.insertPage, `INSERT INTO log_pages (election, page, hashes) VALUES (?, ?, ?)`},
			{&p.growPage, growPage},
			{&p.stationID, `SELECT id FROM stations WHERE election = ? AND code = ?`},
			{&p.prior, `SELECT contest, source, digest, id FROM submissions WHERE station = ?`},
			{&p.insertOne, insertSubmission + submissionValues(1, false)},
			{&p.insertFull, insertSubmission + submissionValues(rowsPerInsert, false)},
			{&p.insertShared, insertSubmission + submissionValues(rowsPerInsert, true)},
			{&p.addOrigin, `INSERT INTO origins (text) VALUES (?) ON CONFLICT (text) DO NOTHING`},
			{&p.originID, `SELECT id FROM origins WHERE text = ?`},
			{&p.lookupKey, lookupKeySQL},
			{&p.insertKey, `INSERT INTO idempotency (account, key, request, seq, created) VALUES (?, ?, ?, ?, ?)`},
			{&p.accountExists, `SELECT 1 FROM accounts WHERE id = ?`},
		}...)
	}
	if writer {
		for k := range p.insertSome {
			list = append(list, struct {
				stmt **sql.Stmt
				sql  string
			}{&p.insertSome[k], insertSubmission + submissionValues(2<<k, false)})
		}
	}
	for _, s := range list {
		var err error
		if *s.stmt, err = pool.PrepareContext(ctx, s.sql); err != nil {
			p.close()
			return nil, fmt.Errorf("prepare %.40q: %w", s.sql, err)
		}
	}
	return p, nil
}

// bind returns the statements for use in tx (which must be of the pool
// they were prepared on): each is prepared on the pool's connection once,
// and the copies end with the transaction.
func (p *prepared) bind(ctx context.Context, tx *sql.Tx) *prepared {
	b := &prepared{}
	for _, s := range []struct{ from, to **sql.Stmt }{
		{&p.logExtent, &b.logExtent}, {&p.pages, &b.pages},
		{&p.insertPage, &b.insertPage}, {&p.growPage, &b.growPage},
		{&p.stationID, &b.stationID}, {&p.prior, &b.prior},
		{&p.insertOne, &b.insertOne}, {&p.insertFull, &b.insertFull}, {&p.insertShared, &b.insertShared},
		{&p.addOrigin, &b.addOrigin}, {&p.originID, &b.originID},
		{&p.lookupKey, &b.lookupKey}, {&p.insertKey, &b.insertKey}, {&p.accountExists, &b.accountExists},
	} {
		if *s.from != nil {
			*s.to = tx.StmtContext(ctx, *s.from)
		}
	}
	for k, s := range p.insertSome {
		if s != nil {
			b.insertSome[k] = tx.StmtContext(ctx, s)
		}
	}
	return b
}

func (p *prepared) close() error {
	if p == nil {
		return nil
	}
	var errs []error
	for _, s := range []*sql.Stmt{p.logExtent, p.pages, p.insertPage, p.growPage, p.stationID, p.prior,
		p.insertOne, p.insertFull, p.insertShared, p.addOrigin, p.originID, p.lookupKey, p.insertKey, p.accountExists,
		p.insertSome[0], p.insertSome[1], p.insertSome[2], p.insertSome[3], p.insertSome[4]} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// stmtCache prepares each query text once on a pool, for the statements
// outside the fixed sets above that a server runs per request (sign-in
// checks, idempotency keys, a station's submissions, checkpoints). It must
// only be given constant texts: it never forgets one.
type stmtCache struct {
	pool *sql.DB
	mu   sync.Mutex
	m    map[string]*sql.Stmt
}

// stmt returns query prepared on the pool, preparing it the first time.
// The caller must not hold a connection of the pool (be in a transaction
// of it): preparing takes one. In a transaction, use txStmt.
func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	s, ok := c.m[query]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[query]; ok {
		s.Close() // prepared meanwhile by another call
		return old, nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = s
	return s, nil
}

// txStmt returns query for use in tx, a transaction of the pool: the
// cached statement when there is one (preparing it on the transaction's
// connection at most once), else one prepared for tx alone, since
// preparing on the pool would wait for a connection tx may hold (the
// writer has one).
func (c *stmtCache) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	s, ok := c.m[query]
	c.mu.Unlock()
	if ok {
		return tx.StmtContext(ctx, s), nil
	}
	return tx.PrepareContext(ctx, query)
}

// prepare caches queries, for txStmt.
func (c *stmtCache) prepare(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if _, err := c.stmt(ctx, q); err != nil {
			return fmt.Errorf("prepare %.40q: %w", q, err)
		}
	}
	return nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.m {
		errs = append(errs, s.Close())
	}
	c.m = nil
	return errors.Join(errs...)
}

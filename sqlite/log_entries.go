package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
)

// LogEntries calls fn with each entry of the election's log whose index is
// in [from, to), in index order, derived again from the rows that record
// them (see actas.LogStore), all read in one read transaction. fn may keep
// the entry. It stops at fn's first error, which it returns as is.
// Errors: ENOTFOUND; EINVALID for a range outside the log; EINTERNAL naming
// the index of the first entry that cannot be derived: its row is missing,
// two rows claim its index, or a row no longer reads as what it recorded.
func (db *DB) LogEntries(ctx context.Context, election string, from, to int64, fn func(index int64, entry []byte) error) error {
	m, err := db.meta(ctx, election)
	if err != nil {
		return err
	}
	r := &entryReader{m: m}
	var first []byte // entry 0
	var firstErr error
	if from == 0 && to > 0 {
		// Before the read transaction: deriving entry 0 reads the
		// stations on connections of their own (see readStations).
		first, firstErr = r.election(ctx, db.r)
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: log of %s: %w", election, err)
	}
	defer rollback(tx)
	r.tx = tx
	x, err := readLogExtent(ctx, tx.StmtContext(ctx, db.rq.logExtent), m, false)
	if err != nil {
		return fmt.Errorf("sqlite: log of %s: %w", election, err)
	}
	size := x.Size()
	if from < 0 || from > to || to > size {
		return actas.Errorf(actas.EINVALID, "entries %d to %d are not a range of the log of election %s, which has %d entries", from, to, election, size)
	}
	if from == to {
		return nil
	}
	next := from
	if from == 0 {
		if firstErr != nil {
			return unreadable(m, 0, firstErr)
		}
		if err := fn(0, first); err != nil {
			return err
		}
		next = 1
	}
	if next == to {
		return nil
	}
	// Submissions, totals, snapshots and records each come in index order; merged,
	// they must number every index once.
	subs, err := r.submissions(ctx, next, to)
	if err != nil {
		return fmt.Errorf("sqlite: log of %s: %w", election, err)
	}
	defer subs.close()
	totals, err := r.totals(ctx, next, to)
	if err != nil {
		return fmt.Errorf("sqlite: log of %s: %w", election, err)
	}
	defer totals.close()
	snaps, err := r.snapshots(ctx, next, to)
	if err != nil {
		return fmt.Errorf("sqlite: log of %s: %w", election, err)
	}
	defer snaps.close()
	recs, err := r.records(ctx, next, to)
	if err != nil {
		return fmt.Errorf("sqlite: log of %s: %w", election, err)
	}
	defer recs.close()
	cursors := []*cursor{subs, totals, snaps, recs}
	for _, c := range cursors {
		if err := c.advance(); err != nil {
			return unreadable(m, c.index, err)
		}
	}
	for ; next < to; next++ {
		var c *cursor
		for _, k := range cursors {
			if k.ok && (c == nil || k.index < c.index) {
				c = k
			}
		}
		switch {
		case c == nil || c.index > next:
			return actas.Errorf(actas.EINTERNAL, "the log of election %s has no row for entry %d: it was deleted or moved", election, next)
		case c.index < next:
			return actas.Errorf(actas.EINTERNAL, "the log of election %s has two rows for entry %d", election, c.index)
		}
		entry, err := r.encode(c)
		if err != nil {
			return unreadable(m, next, err)
		}
		if err := fn(next, entry); err != nil {
			return err
		}
		if err := c.advance(); err != nil {
			return unreadable(m, c.index, err)
		}
	}
	for _, c := range cursors {
		if c.ok {
			return actas.Errorf(actas.EINTERNAL, "the log of election %s has two rows for entry %d", election, c.index)
		}
	}
	return nil
}

// unreadable reports an entry that cannot be derived from its row.
func unreadable(m *electionMeta, index int64, err error) error {
	return &actas.Error{Code: actas.EINTERNAL, Message: fmt.Sprintf("the log of election %s cannot derive entry %d from its row: %v", m.code, index, err), Err: err}
}

// entryReader derives an election's log entries in a read transaction.
type entryReader struct {
	m     *electionMeta
	tx    *sql.Tx
	block []byte // entries handed out, then room for more

	// The election's stations, when entry 0 was read: station first+i is
	// stations[i] (first is -1 when their row ids have gaps).
	stations []actas.Station
	first    int64
}

// entryBlock is the size of the blocks entries are written into: one
// allocation serves many entries.
const entryBlock = 64 << 10

// encode derives the entry of c's current row at the end of the block and
// returns it with its capacity cut, so that a caller keeping or appending
// to it cannot touch another entry.
func (r *entryReader) encode(c *cursor) ([]byte, error) {
	start := len(r.block)
	if cap(r.block)-start < 2048 {
		r.block, start = make([]byte, 0, entryBlock), 0
	}
	b, err := c.encode(r.block)
	if err != nil {
		return nil, err
	}
	r.block = b
	return b[start:len(b):len(b)], nil
}

// election derives entry 0 from the election's document and stations as
// stored now, read from q.
func (r *entryReader) election(ctx context.Context, q *sql.DB) ([]byte, error) {
	var doc []byte
	if err := q.QueryRowContext(ctx, `SELECT document FROM elections WHERE id = ?`, r.m.id).Scan(&doc); err != nil {
		return nil, fmt.Errorf("election: %w", err)
	}
	e := new(actas.Election)
	if err := json.Unmarshal(doc, e); err != nil {
		return nil, fmt.Errorf("election: stored document: %w", err)
	}
	stations, first, err := readStations(ctx, q, r.m)
	if err != nil {
		return nil, err
	}
	r.stations, r.first = stations, first
	return translog.EncodeElection(e, stations)
}

// cursor walks the rows of one kind of entry in index order.
type cursor struct {
	rows   *sql.Rows
	ok     bool  // a row is current
	index  int64 // its log index
	scan   func() (int64, error)
	encode func(dst []byte) ([]byte, error)
}

// advance moves to the next row.
func (c *cursor) advance() error {
	c.ok = c.rows.Next()
	if !c.ok {
		return c.rows.Err()
	}
	var err error
	c.index, err = c.scan()
	return err
}

func (c *cursor) close() { c.rows.Close() }

// submissions returns a cursor over the submissions with index in [from, to).
func (r *entryReader) submissions(ctx context.Context, from, to int64) (*cursor, error) {
	sc := newSubmissionScanner(r.m)
	// With the stations at hand (the whole log is read), a row's station
	// is found by its row id rather than joined.
	station, join := "st.code", "LEFT JOIN stations st ON st.id = s.station AND st.election = s.election"
	if r.stations != nil && r.first >= 0 {
		station, join = "s.station", ""
		sc.stations, sc.first = r.stations, r.first
	}
	rows, err := r.tx.QueryContext(ctx, `SELECT s.seq, `+station+`, s.contest, s.source, s.votes, s.blank_votes, s.null_votes,
		s.ballots, s.voters, s.flags, s.submitter, o.text, s.received, s.evidence
		FROM submissions s `+join+` LEFT JOIN origins o ON o.id = s.origin
		WHERE s.id BETWEEN ? AND ? ORDER BY s.id`, r.m.rowID(from), r.m.rowID(to-1))
	if err != nil {
		return nil, fmt.Errorf("submissions: %w", err)
	}
	var s actas.Submission
	var contest int
	c := &cursor{rows: rows}
	c.scan = func() (int64, error) {
		var err error
		contest, err = sc.scanInto(rows, &s)
		return s.Seq, err
	}
	c.encode = func(dst []byte) ([]byte, error) {
		return translog.EncodeSubmission(dst, &s, &r.m.election.Contests[contest])
	}
	return c, nil
}

// totals returns a cursor over the official totals with index in [from, to).
func (r *entryReader) totals(ctx context.Context, from, to int64) (*cursor, error) {
	rows, err := r.tx.QueryContext(ctx, `SELECT t.log_index, c.code, t.bulletin, a.path, t.choice, t.votes, t.announced, t.coverage_ppm
		FROM totals t LEFT JOIN contests c ON c.id = t.contest AND c.election = t.election
		LEFT JOIN areas a ON a.id = t.area AND a.election = t.election
		WHERE t.election = ? AND t.log_index >= ? AND t.log_index < ? ORDER BY t.log_index`, r.m.id, from, to)
	if err != nil {
		return nil, fmt.Errorf("official totals: %w", err)
	}
	var t actas.OfficialTotal
	var contest, area, announced sql.NullString
	c := &cursor{rows: rows}
	c.scan = func() (int64, error) {
		if err := rows.Scan(&t.Index, &contest, &t.Bulletin, &area, &t.Choice, &t.Votes, &announced, &t.CoveragePPM); err != nil {
			return t.Index, err
		}
		var err error
		if t.Announced, err = parseAnnounced(announced); err != nil {
			return t.Index, err
		}
		if !contest.Valid || !area.Valid {
			return t.Index, fmt.Errorf("official total names a contest or area the election does not have")
		}
		t.Contest, t.Area = contest.String, area.String
		return t.Index, nil
	}
	c.encode = func(dst []byte) ([]byte, error) {
		return append(dst, translog.EncodeTotal(r.m.code, &t)...), nil
	}
	return c, nil
}

// snapshots returns a cursor over the snapshots with index in [from, to).
func (r *entryReader) snapshots(ctx context.Context, from, to int64) (*cursor, error) {
	rows, err := r.tx.QueryContext(ctx, `SELECT s.log_index, s.station IS NOT NULL, st.code, a.path, s.time, s.voters, s.source
		FROM snapshots s LEFT JOIN stations st ON st.id = s.station AND st.election = s.election
		LEFT JOIN areas a ON a.id = s.area AND a.election = s.election
		WHERE s.election = ? AND s.log_index >= ? AND s.log_index < ? ORDER BY s.log_index`, r.m.id, from, to)
	if err != nil {
		return nil, fmt.Errorf("snapshots: %w", err)
	}
	var s actas.Snapshot
	var station, area sql.NullString
	var source []byte
	c := &cursor{rows: rows}
	c.scan = func() (int64, error) {
		if err := rows.Scan(&s.Index, &s.Station, &station, &area, &s.Time, &s.Voters, &source); err != nil {
			return s.Index, err
		}
		switch {
		case s.Station && station.Valid:
			s.Scope = station.String
		case !s.Station && area.Valid:
			s.Scope = area.String
		default:
			return s.Index, fmt.Errorf("snapshot names a station or area the election does not have")
		}
		src, _, ok := sourceOf(source)
		if !ok {
			return s.Index, fmt.Errorf("snapshot has unknown source %q", source)
		}
		s.Source = src
		return s.Index, nil
	}
	c.encode = func(dst []byte) ([]byte, error) {
		return append(dst, translog.EncodeSnapshot(r.m.code, &s)...), nil
	}
	return c, nil
}

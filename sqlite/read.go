package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/actasproject/actas"
)

const selectSubmissions = `SELECT s.seq, st.code, s.contest, s.source, s.votes, s.blank_votes, s.null_votes,
	s.ballots, s.voters, s.flags, s.submitter, o.text, s.received, s.evidence
	FROM submissions s JOIN stations st ON st.id = s.station JOIN origins o ON o.id = s.origin `

// A station's row id, and its submissions (by row id).
const (
	stationIDSQL          = `SELECT id FROM stations WHERE election = ? AND code = ?`
	stationSubmissionsSQL = selectSubmissions + `WHERE s.station = ? ORDER BY s.id`
)

// submissionScanner reads rows of selectSubmissions. Texts that repeat from
// row to row (submitter, origin) are shared rather than allocated per row.
type submissionScanner struct {
	m        *electionMeta
	interned map[string]string

	// When stations is set, rows give a station's row id, not its code:
	// station first+i is stations[i].
	stations []actas.Station
	first    int64
	station  int64

	seq                          int64
	contest                      int64
	blank, null, ballots, voters int64
	flags                        int64
	code, source, votes          sql.RawBytes
	submitter, origin, received  sql.RawBytes
	evidence                     sql.RawBytes
}

func newSubmissionScanner(m *electionMeta) *submissionScanner {
	return &submissionScanner{m: m, interned: map[string]string{}}
}

func (sc *submissionScanner) intern(b []byte) string {
	if s, ok := sc.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(sc.interned) < 1<<16 {
		sc.interned[s] = s
	}
	return s
}

// scan reads the current row into a new submission.
func (sc *submissionScanner) scan(rows *sql.Rows) (*actas.Submission, error) {
	s := new(actas.Submission)
	if _, err := sc.scanInto(rows, s); err != nil {
		return nil, err
	}
	return s, nil
}

// scanInto reads the current row into s, reusing its votes, and returns the
// index of its contest. On an error s.Seq is the row's seq when it could be
// read. A station or origin read as NULL (a row an outer join did not find)
// is an error.
func (sc *submissionScanner) scanInto(rows *sql.Rows, s *actas.Submission) (int, error) {
	s.Seq = 0
	var station any = &sc.code
	if sc.stations != nil {
		station = &sc.station
	}
	if err := rows.Scan(&sc.seq, station, &sc.contest, &sc.source, &sc.votes, &sc.blank, &sc.null,
		&sc.ballots, &sc.voters, &sc.flags, &sc.submitter, &sc.origin, &sc.received, &sc.evidence); err != nil {
		return 0, err
	}
	s.Seq = sc.seq
	var code string
	switch i := sc.station - sc.first; {
	case sc.stations == nil && sc.code != nil:
		code = string(sc.code)
	case sc.stations != nil && i >= 0 && i < int64(len(sc.stations)):
		code = sc.stations[i].Code
	default:
		return 0, fmt.Errorf("submission %d names a station the election does not have", sc.seq)
	}
	if sc.origin == nil {
		return 0, fmt.Errorf("submission %d names an origin that does not exist", sc.seq)
	}
	ci, ok := sc.m.byRowID[sc.contest]
	if !ok {
		return 0, fmt.Errorf("submission %d names contest row %d, which is not the election's", sc.seq, sc.contest)
	}
	src, _, ok := sourceOf(sc.source)
	if !ok {
		return 0, fmt.Errorf("submission %d has unknown source %q", sc.seq, sc.source)
	}
	votes, err := parseVotesInto(s.Sheet.Votes[:0], sc.votes)
	if err != nil {
		return 0, fmt.Errorf("submission %d: %w", sc.seq, err)
	}
	received, err := parseReceived(sc.received)
	if err != nil {
		return 0, fmt.Errorf("submission %d: %w", sc.seq, err)
	}
	evidence, err := parseEvidence(sc.evidence)
	if err != nil {
		return 0, fmt.Errorf("submission %d: %w", sc.seq, err)
	}
	if sc.flags < 0 || sc.flags > 1<<32-1 {
		return 0, fmt.Errorf("submission %d: flags %d out of range", sc.seq, sc.flags)
	}
	*s = actas.Submission{
		Seq:      sc.seq,
		Election: sc.m.code,
		Source:   src,
		Sheet: actas.Sheet{
			Station: code,
			Contest: sc.m.election.Contests[ci].ID,
			Votes:   votes,
			Blank:   sc.blank,
			Null:    sc.null,
			Ballots: sc.ballots,
			Voters:  sc.voters,
		},
		Flags:     actas.Flags(sc.flags),
		Submitter: sc.intern(sc.submitter),
		Origin:    sc.intern(sc.origin),
		Received:  received,
		Evidence:  evidence,
	}
	return ci, nil
}

// Submissions calls fn with every submission of the election whose Seq is
// greater than after, in Seq order, stopping at fn's first error, which it
// returns as is. fn sees one consistent snapshot of the file and may call
// the store. Errors: ENOTFOUND.
func (db *DB) Submissions(ctx context.Context, election string, after int64, fn func(*actas.Submission) error) error {
	m, err := db.meta(ctx, election)
	if err != nil {
		return err
	}
	after = min(max(after, 0), maxSeq)
	rows, err := db.r.QueryContext(ctx, selectSubmissions+`WHERE s.id > ? AND s.id <= ? ORDER BY s.id`, m.rowID(after), m.rowID(maxSeq))
	if err != nil {
		return fmt.Errorf("sqlite: submissions of %s: %w", election, err)
	}
	defer rows.Close()
	sc := newSubmissionScanner(m)
	for rows.Next() {
		s, err := sc.scan(rows)
		if err != nil {
			return fmt.Errorf("sqlite: submissions of %s: %w", election, err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: submissions of %s: %w", election, err)
	}
	return nil
}

// StationSubmissions returns every submission for a station, in Seq order.
// Errors: ENOTFOUND for an unknown election or station.
func (db *DB) StationSubmissions(ctx context.Context, election, station string) ([]*actas.Submission, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: submissions of station %s: %w", station, err)
	}
	defer rollback(tx)
	stationID, err := db.rs.txStmt(ctx, tx, stationIDSQL)
	if err != nil {
		return nil, fmt.Errorf("sqlite: submissions of station %s: %w", station, err)
	}
	var id int64
	err = stationID.QueryRowContext(ctx, m.id, station).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, actas.Errorf(actas.ENOTFOUND, "election %s has no station %q", election, station)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: submissions of station %s: %w", station, err)
	}
	q, err := db.rs.txStmt(ctx, tx, stationSubmissionsSQL)
	if err != nil {
		return nil, fmt.Errorf("sqlite: submissions of station %s: %w", station, err)
	}
	rows, err := q.QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: submissions of station %s: %w", station, err)
	}
	defer rows.Close()
	sc := newSubmissionScanner(m)
	out := []*actas.Submission{}
	for rows.Next() {
		s, err := sc.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: submissions of station %s: %w", station, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: submissions of station %s: %w", station, err)
	}
	return out, nil
}

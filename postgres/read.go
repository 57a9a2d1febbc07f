package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/actasproject/actas"
	"github.com/jackc/pgx/v5"
)

// selectSubmissions reads submissions with their station's code and origin's
// text; outer joins, so that a row whose station or origin is missing (a
// damaged database) reads as an error rather than not at all.
const selectSubmissions = `SELECT s.seq, st.code, s.contest, s.source, s.votes, s.blank_votes, s.null_votes,
	s.ballots, s.voters, s.flags, s.submitter, o.text, s.received, s.received_ns, s.evidence
	FROM submissions s LEFT JOIN stations st ON st.election = s.election AND st.id = s.station
	LEFT JOIN origins o ON o.id = s.origin `

// submissionScanner reads rows of selectSubmissions. Texts that repeat from
// row to row (submitter, origin) are shared rather than allocated per row.
type submissionScanner struct {
	m        *electionMeta
	interned map[string]string

	seq                          int64
	code                         *string
	contest                      int32
	source                       []byte
	votes                        []int64
	blank, null, ballots, voters int64
	flags                        int64
	submitter                    []byte
	origin                       *string
	received                     time.Time
	receivedNS                   int16
	evidence                     []byte

	dest []any
}

func newSubmissionScanner(m *electionMeta) *submissionScanner {
	sc := &submissionScanner{m: m, interned: map[string]string{}}
	sc.dest = []any{&sc.seq, &sc.code, &sc.contest, &sc.source, &sc.votes, &sc.blank, &sc.null,
		&sc.ballots, &sc.voters, &sc.flags, &sc.submitter, &sc.origin, &sc.received, &sc.receivedNS, &sc.evidence}
	return sc
}

func (sc *submissionScanner) intern(s string) string {
	if v, ok := sc.interned[s]; ok {
		return v
	}
	if len(sc.interned) < 1<<16 {
		sc.interned[s] = s
	}
	return s
}

// submission returns the submission of the row last scanned into sc.dest,
// and the position of its contest. A station or origin read as NULL (a row
// an outer join did not find) is an error.
func (sc *submissionScanner) submission() (*actas.Submission, int, error) {
	if sc.code == nil {
		return nil, 0, fmt.Errorf("submission %d names a station the election does not have", sc.seq)
	}
	if sc.origin == nil {
		return nil, 0, fmt.Errorf("submission %d names an origin that does not exist", sc.seq)
	}
	ci := int(sc.contest)
	if ci < 0 || ci >= len(sc.m.election.Contests) {
		return nil, 0, fmt.Errorf("submission %d names contest %d, which is not the election's", sc.seq, sc.contest)
	}
	var src actas.Source
	for _, s := range actas.Sources {
		if string(s) == string(sc.source) {
			src = s
		}
	}
	if src == "" {
		return nil, 0, fmt.Errorf("submission %d has unknown source %q", sc.seq, sc.source)
	}
	if sc.votes == nil {
		return nil, 0, fmt.Errorf("submission %d has no votes", sc.seq)
	}
	if sc.receivedNS < 0 || sc.receivedNS > 999 {
		return nil, 0, fmt.Errorf("submission %d: received nanoseconds %d out of range", sc.seq, sc.receivedNS)
	}
	var evidence []actas.Evidence
	if sc.evidence != nil {
		if err := json.Unmarshal(sc.evidence, &evidence); err != nil {
			return nil, 0, fmt.Errorf("submission %d: evidence: %w", sc.seq, err)
		}
		if len(evidence) == 0 {
			evidence = nil
		}
	}
	if sc.flags < 0 || sc.flags > 1<<32-1 {
		return nil, 0, fmt.Errorf("submission %d: flags %d out of range", sc.seq, sc.flags)
	}
	s := &actas.Submission{
		Seq:      sc.seq,
		Election: sc.m.code,
		Source:   src,
		Sheet: actas.Sheet{
			Station: *sc.code,
			Contest: sc.m.election.Contests[ci].ID,
			Votes:   sc.votes,
			Blank:   sc.blank,
			Null:    sc.null,
			Ballots: sc.ballots,
			Voters:  sc.voters,
		},
		Flags:     actas.Flags(sc.flags),
		Submitter: sc.intern(string(sc.submitter)),
		Origin:    sc.intern(*sc.origin),
		Received:  sc.received.UTC().Add(time.Duration(sc.receivedNS)),
		Evidence:  evidence,
	}
	sc.votes, sc.evidence = nil, nil // the next row gets slices of its own
	return s, ci, nil
}

// submissionsPage is how many submissions Submissions reads at a time.
const submissionsPage = 4096

// Submissions calls fn with every submission of the election whose Seq is
// greater than after, in Seq order, stopping at fn's first error, which it
// returns as is. The rows are read a page at a time and fn is called
// between reads, holding no connection, so that fn may call the store.
// Submissions are numbered under the log's lock and committed in that
// order, so what fn sees is always a prefix of the log's submissions.
// Errors: ENOTFOUND.
func (db *DB) Submissions(ctx context.Context, election string, after int64, fn func(*actas.Submission) error) error {
	m, err := db.meta(ctx, election)
	if err != nil {
		return err
	}
	after = max(after, 0)
	sc := newSubmissionScanner(m)
	page := make([]*actas.Submission, 0, submissionsPage)
	for {
		page = page[:0]
		rows, err := db.pool.Query(ctx, selectSubmissions+`WHERE s.election = $1 AND s.seq > $2 ORDER BY s.seq LIMIT $3`,
			m.id, after, submissionsPage)
		if err != nil {
			return fmt.Errorf("postgres: submissions of %s: %w", election, err)
		}
		_, err = pgx.ForEachRow(rows, sc.dest, func() error {
			s, _, err := sc.submission()
			if err != nil {
				return err
			}
			page = append(page, s)
			return nil
		})
		if err != nil {
			return fmt.Errorf("postgres: submissions of %s: %w", election, err)
		}
		for _, s := range page {
			if err := fn(s); err != nil {
				return err
			}
		}
		if len(page) < submissionsPage {
			return nil
		}
		after = page[len(page)-1].Seq
	}
}

// StationSubmissions returns every submission for a station, in Seq order.
// Errors: ENOTFOUND for an unknown election or station.
func (db *DB) StationSubmissions(ctx context.Context, election, station string) ([]*actas.Submission, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	var id int32
	err = db.pool.QueryRow(ctx, `SELECT id FROM stations WHERE election = $1 AND code = $2`, m.id, station).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, actas.Errorf(actas.ENOTFOUND, "election %s has no station %q", election, station)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: submissions of station %s: %w", station, err)
	}
	rows, err := db.pool.Query(ctx, selectSubmissions+`WHERE s.election = $1 AND s.station = $2 ORDER BY s.seq`, m.id, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: submissions of station %s: %w", station, err)
	}
	sc := newSubmissionScanner(m)
	out := []*actas.Submission{}
	_, err = pgx.ForEachRow(rows, sc.dest, func() error {
		s, _, err := sc.submission()
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: submissions of station %s: %w", station, err)
	}
	return out, nil
}

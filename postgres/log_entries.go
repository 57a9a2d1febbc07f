package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/actasproject/actas/translog"
	"github.com/jackc/pgx/v5"
)

// entryWindow is how many log indexes LogEntries derives at a time: each
// window's rows are read whole (a connection streams one result at a time)
// and merged in index order.
const entryWindow = 16384

// LogEntries calls fn with each entry of the election's log whose index is
// in [from, to), in index order, derived again from the rows that record
// them (see actas.LogStore), all read in one read-only, repeatable-read
// transaction. fn may keep the entry. It stops at fn's first error, which
// it returns as is. Errors: ENOTFOUND; EINVALID for a range outside the log;
// EINTERNAL naming the index of the first entry that cannot be derived: its
// row is missing, two rows claim its index, or a row no longer reads as what
// it recorded.
func (db *DB) LogEntries(ctx context.Context, election string, from, to int64, fn func(index int64, entry []byte) error) error {
	m, err := db.meta(ctx, election)
	if err != nil {
		return err
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: log of %s: %w", election, err)
	}
	defer rollback(ctx, tx)
	x, err := readLogExtent(ctx, tx, m, false)
	if err != nil {
		return fmt.Errorf("postgres: log of %s: %w", election, err)
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
		first, err := electionEntry(ctx, tx, m)
		if err != nil {
			return unreadable(m, 0, err)
		}
		if err := fn(0, first); err != nil {
			return err
		}
		next = 1
	}
	r := &entryReader{m: m, tx: tx}
	for next < to {
		end := min(next+entryWindow, to)
		items, err := r.window(ctx, next, end)
		if err != nil {
			return fmt.Errorf("postgres: log of %s: %w", election, err)
		}
		for _, it := range items {
			switch {
			case it.index > next:
				return actas.Errorf(actas.EINTERNAL, "the log of election %s has no row for entry %d: it was deleted or moved", election, next)
			case it.index < next:
				return actas.Errorf(actas.EINTERNAL, "the log of election %s has two rows for entry %d", election, it.index)
			case it.err != nil:
				return unreadable(m, it.index, it.err)
			}
			if err := fn(it.index, it.entry); err != nil {
				return err
			}
			next++
		}
		if next < end {
			return actas.Errorf(actas.EINTERNAL, "the log of election %s has no row for entry %d: it was deleted or moved", election, next)
		}
	}
	return nil
}

// unreadable reports an entry that cannot be derived from its row.
func unreadable(m *electionMeta, index int64, err error) error {
	return &actas.Error{Code: actas.EINTERNAL, Message: fmt.Sprintf("the log of election %s cannot derive entry %d from its row: %v", m.code, index, err), Err: err}
}

// electionEntry derives entry 0 from the election's document and stations
// as stored now.
func electionEntry(ctx context.Context, q querier, m *electionMeta) ([]byte, error) {
	var doc []byte
	if err := q.QueryRow(ctx, `SELECT document::text FROM elections WHERE id = $1`, m.id).Scan(&doc); err != nil {
		return nil, fmt.Errorf("election: %w", err)
	}
	e := new(actas.Election)
	if err := json.Unmarshal(doc, e); err != nil {
		return nil, fmt.Errorf("election: stored document: %w", err)
	}
	stations, err := readStations(ctx, q, m)
	if err != nil {
		return nil, err
	}
	return translog.EncodeElection(e, stations)
}

// entryReader derives an election's log entries in a read transaction.
type entryReader struct {
	m     *electionMeta
	tx    pgx.Tx
	block []byte // entries handed out, then room for more
	items []item
}

// item is one derived entry, or why it could not be derived.
type item struct {
	index int64
	entry []byte
	err   error
}

// entryBlock is the size of the blocks entries are written into: one
// allocation serves many entries.
const entryBlock = 64 << 10

// add derives an entry with encode at the end of the block and keeps it
// with its capacity cut, so that a caller keeping or appending to it cannot
// touch another entry.
func (r *entryReader) add(index int64, encode func(dst []byte) ([]byte, error)) {
	start := len(r.block)
	if cap(r.block)-start < 2048 {
		r.block, start = make([]byte, 0, entryBlock), 0
	}
	b, err := encode(r.block)
	if err != nil {
		r.items = append(r.items, item{index: index, err: err})
		return
	}
	r.block = b
	r.items = append(r.items, item{index: index, entry: b[start:len(b):len(b)]})
}

// window returns the entries of the rows with index in [from, to), in index
// order.
func (r *entryReader) window(ctx context.Context, from, to int64) ([]item, error) {
	r.items = r.items[:0:0] // the caller keeps the last window's
	if err := r.submissions(ctx, from, to); err != nil {
		return nil, fmt.Errorf("submissions: %w", err)
	}
	if err := r.totals(ctx, from, to); err != nil {
		return nil, fmt.Errorf("official totals: %w", err)
	}
	if err := r.snapshots(ctx, from, to); err != nil {
		return nil, fmt.Errorf("snapshots: %w", err)
	}
	if err := r.records(ctx, from, to); err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	// Each kind came in index order; stable, so that two rows of one index
	// stay next to each other.
	slices.SortStableFunc(r.items, func(a, b item) int {
		switch {
		case a.index < b.index:
			return -1
		case a.index > b.index:
			return 1
		}
		return 0
	})
	return r.items, nil
}

func (r *entryReader) submissions(ctx context.Context, from, to int64) error {
	rows, err := r.tx.Query(ctx, selectSubmissions+`WHERE s.election = $1 AND s.seq >= $2 AND s.seq < $3 ORDER BY s.seq`, r.m.id, from, to)
	if err != nil {
		return err
	}
	sc := newSubmissionScanner(r.m)
	_, err = pgx.ForEachRow(rows, sc.dest, func() error {
		s, ci, err := sc.submission()
		r.add(sc.seq, func(dst []byte) ([]byte, error) {
			if err != nil {
				return nil, err
			}
			return translog.EncodeSubmission(dst, s, &r.m.election.Contests[ci])
		})
		return nil
	})
	return err
}

func (r *entryReader) totals(ctx context.Context, from, to int64) error {
	rows, err := r.tx.Query(ctx, `SELECT t.log_index, c.code, t.bulletin, a.path, t.choice, t.votes, t.announced, t.coverage_ppm
		FROM totals t LEFT JOIN contests c ON c.election = t.election AND c.position = t.contest
		LEFT JOIN areas a ON a.election = t.election AND a.id = t.area
		WHERE t.election = $1 AND t.log_index >= $2 AND t.log_index < $3 ORDER BY t.log_index`, r.m.id, from, to)
	if err != nil {
		return err
	}
	var t actas.OfficialTotal
	var contest, area *string
	var announced *time.Time
	_, err = pgx.ForEachRow(rows, []any{&t.Index, &contest, &t.Bulletin, &area, &t.Choice, &t.Votes, &announced, &t.CoveragePPM}, func() error {
		r.add(t.Index, func(dst []byte) ([]byte, error) {
			if contest == nil || area == nil {
				return nil, fmt.Errorf("official total names a contest or area the election does not have")
			}
			t.Contest, t.Area, t.Announced = *contest, *area, time.Time{}
			if announced != nil {
				t.Announced = announced.UTC()
			}
			return append(dst, translog.EncodeTotal(r.m.code, &t)...), nil
		})
		return nil
	})
	return err
}

func (r *entryReader) snapshots(ctx context.Context, from, to int64) error {
	rows, err := r.tx.Query(ctx, `SELECT s.log_index, s.station IS NOT NULL, st.code, a.path, s.time, s.voters, s.source
		FROM snapshots s LEFT JOIN stations st ON st.election = s.election AND st.id = s.station
		LEFT JOIN areas a ON a.election = s.election AND a.id = s.area
		WHERE s.election = $1 AND s.log_index >= $2 AND s.log_index < $3 ORDER BY s.log_index`, r.m.id, from, to)
	if err != nil {
		return err
	}
	var s actas.Snapshot
	var station, area *string
	var minutes int32
	var source string
	_, err = pgx.ForEachRow(rows, []any{&s.Index, &s.Station, &station, &area, &minutes, &s.Voters, &source}, func() error {
		r.add(s.Index, func(dst []byte) ([]byte, error) {
			switch {
			case s.Station && station != nil:
				s.Scope = *station
			case !s.Station && area != nil:
				s.Scope = *area
			default:
				return nil, fmt.Errorf("snapshot names a station or area the election does not have")
			}
			if _, ok := storeutil.SourceIndex(actas.Source(source)); !ok {
				return nil, fmt.Errorf("snapshot has unknown source %q", source)
			}
			s.Source, s.Time = actas.Source(source), int(minutes)
			return append(dst, translog.EncodeSnapshot(r.m.code, &s)...), nil
		})
		return nil
	})
	return err
}

func (r *entryReader) records(ctx context.Context, from, to int64) error {
	recs, err := readRecords(ctx, r.tx, `SELECT log_index, kind, subject, account, time, time_ns, body FROM records
		WHERE election = $1 AND log_index >= $2 AND log_index < $3 ORDER BY log_index`, r.m.id, from, to)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		r.add(rec.Index, func(dst []byte) ([]byte, error) {
			return translog.EncodeRecord(dst, r.m.code, rec), nil
		})
	}
	return nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"github.com/jackc/pgx/v5"
)

// AddRecords stores records in one transaction holding the log's lock, each
// appended to the log; see actas.RecordStore.
func (db *DB) AddRecords(ctx context.Context, election string, recs []*actas.Record) error {
	m, err := db.meta(ctx, election)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := actas.CheckRecord(r); err != nil {
			return err
		}
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: records of %s: %w", election, err)
	}
	defer rollback(ctx, tx)
	if err := lockLog(ctx, tx, m.id); err != nil {
		return fmt.Errorf("postgres: records of %s: %w", election, err)
	}
	lg, err := newLogAppender(ctx, tx, m)
	if err != nil {
		return wrapf(err, "postgres: records of %s", election)
	}
	indexes := make([]int64, len(recs))
	var entry []byte
	var batch pgx.Batch
	for i, r := range recs {
		indexes[i] = lg.Size()
		logged := *r
		logged.Time = r.Time.UTC()
		entry = translog.EncodeRecord(entry[:0], m.code, &logged)
		if err := lg.Append(entry); err != nil {
			return fmt.Errorf("postgres: records of %s: log: %w", election, err)
		}
		batch.Queue(`INSERT INTO records (election, log_index, kind, subject, account, time, time_ns, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			m.id, indexes[i], r.Kind, r.Subject, r.Account, logged.Time.Truncate(time.Microsecond), int16(logged.Time.Nanosecond()%1000), string(r.Body))
	}
	if batch.Len() > 0 {
		if err := tx.SendBatch(ctx, &batch).Close(); err != nil {
			return fmt.Errorf("postgres: records of %s: %w", election, err)
		}
	}
	if err := lg.writePages(ctx, tx); err != nil {
		return fmt.Errorf("postgres: records of %s: log: %w", election, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: records of %s: %w", election, err)
	}
	for i, r := range recs {
		r.Index = indexes[i]
		r.Time = r.Time.UTC()
	}
	return nil
}

// Records calls fn with the election's records of a kind ("" for all) in
// log order; see actas.RecordStore. The records are read before fn is
// called, so that fn may call the store.
func (db *DB) Records(ctx context.Context, election, kind string, fn func(*actas.Record) error) error {
	m, err := db.meta(ctx, election)
	if err != nil {
		return err
	}
	recs, err := readRecords(ctx, db.pool, `SELECT log_index, kind, subject, account, time, time_ns, body FROM records
		WHERE election = $1 AND ($2 = '' OR kind = $2) ORDER BY log_index`, m.id, kind)
	if err != nil {
		return fmt.Errorf("postgres: records of %s: %w", election, err)
	}
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// readRecords reads the records query selects (log_index, kind, subject,
// account, time, time_ns, body).
func readRecords(ctx context.Context, q querier, query string, args ...any) ([]*actas.Record, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []*actas.Record
	var r actas.Record
	var when time.Time
	var ns int16
	var body string
	_, err = pgx.ForEachRow(rows, []any{&r.Index, &r.Kind, &r.Subject, &r.Account, &when, &ns, &body}, func() error {
		if ns < 0 || ns > 999 {
			return fmt.Errorf("record %d: time nanoseconds %d out of range", r.Index, ns)
		}
		rec := r
		rec.Time, rec.Body = when.UTC().Add(time.Duration(ns)), []byte(body)
		out = append(out, &rec)
		return nil
	})
	return out, err
}

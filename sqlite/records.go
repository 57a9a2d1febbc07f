package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
)

// AddRecords stores records in one transaction, each appended to the log;
// see actas.RecordStore.
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
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: records of %s: %w", election, err)
	}
	defer rollback(tx)
	insert, err := tx.PrepareContext(ctx, `INSERT INTO records (election, log_index, kind, subject, account, time, body) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("sqlite: records of %s: %w", election, err)
	}
	defer insert.Close()
	st := db.wq.bind(ctx, tx)
	lg, err := openInlineLog(ctx, st, m)
	if err != nil {
		return fmt.Errorf("sqlite: records of %s: %w", election, err)
	}
	indexes := make([]int64, len(recs))
	var entry []byte
	for i, r := range recs {
		indexes[i] = lg.a.Size()
		logged := *r
		logged.Time = r.Time.UTC()
		entry = translog.EncodeRecord(entry[:0], m.code, &logged)
		if err := lg.a.Append(entry); err != nil {
			return fmt.Errorf("sqlite: records of %s: log: %w", election, err)
		}
		if _, err := insert.ExecContext(ctx, m.id, indexes[i], r.Kind, r.Subject, r.Account, logged.Time.Format(time.RFC3339Nano), string(r.Body)); err != nil {
			return fmt.Errorf("sqlite: records of %s: %w", election, err)
		}
	}
	if err := lg.write(ctx, st); err != nil {
		return fmt.Errorf("sqlite: records of %s: log: %w", election, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: records of %s: %w", election, err)
	}
	for i, r := range recs {
		r.Index = indexes[i]
		r.Time = r.Time.UTC()
	}
	return nil
}

// Records calls fn with the election's records of a kind ("" for all) in
// log order; see actas.RecordStore.
func (db *DB) Records(ctx context.Context, election, kind string, fn func(*actas.Record) error) error {
	m, err := db.meta(ctx, election)
	if err != nil {
		return err
	}
	q, err := db.rs.stmt(ctx, `SELECT log_index, kind, subject, account, time, body FROM records
		WHERE election = ? AND (? = '' OR kind = ?) ORDER BY log_index`)
	if err != nil {
		return fmt.Errorf("sqlite: records of %s: %w", election, err)
	}
	rows, err := q.QueryContext(ctx, m.id, kind, kind)
	if err != nil {
		return fmt.Errorf("sqlite: records of %s: %w", election, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows.Scan)
		if err != nil {
			return fmt.Errorf("sqlite: records of %s: %w", election, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: records of %s: %w", election, err)
	}
	return nil
}

// scanRecord reads a row of log_index, kind, subject, account, time, body.
func scanRecord(scan func(...any) error) (*actas.Record, error) {
	var r actas.Record
	var when, body string
	if err := scan(&r.Index, &r.Kind, &r.Subject, &r.Account, &when, &body); err != nil {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339Nano, when)
	if err != nil {
		return nil, fmt.Errorf("record %d: time %q: %w", r.Index, when, err)
	}
	r.Time, r.Body = t.UTC(), []byte(body)
	return &r, nil
}

// records returns a cursor over the records with index in [from, to).
func (r *entryReader) records(ctx context.Context, from, to int64) (*cursor, error) {
	rows, err := r.tx.QueryContext(ctx, `SELECT log_index, kind, subject, account, time, body FROM records
		WHERE election = ? AND log_index >= ? AND log_index < ? ORDER BY log_index`, r.m.id, from, to)
	if err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	var rec *actas.Record
	c := &cursor{rows: rows}
	c.scan = func() (int64, error) {
		var err error
		rec, err = scanRecord(rows.Scan)
		if err != nil {
			return 0, err
		}
		return rec.Index, nil
	}
	c.encode = func(dst []byte) ([]byte, error) {
		return translog.EncodeRecord(dst, r.m.code, rec), nil
	}
	return c, nil
}

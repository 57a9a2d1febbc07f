package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/actasproject/actas"
)

// ReportIncident stores a private incident report; see
// actas.IncidentStore.
func (db *DB) ReportIncident(ctx context.Context, in *actas.Incident) error {
	m, err := db.meta(ctx, in.Election)
	if err != nil {
		return err
	}
	if err := actas.CheckIncident(m.election, in); err != nil {
		return err
	}
	// Microseconds, as PostgreSQL keeps them: both stores read back alike.
	received := in.Received.UTC().Truncate(time.Microsecond)
	if in.Received.IsZero() {
		received = time.Now().UTC().Truncate(time.Microsecond)
	}
	when := in.Time.UTC().Truncate(time.Microsecond)
	photos, err := json.Marshal(in.Photos)
	if err != nil {
		return fmt.Errorf("sqlite: incident: %w", err)
	}
	if in.Photos == nil {
		photos = []byte("[]")
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: incident: %w", err)
	}
	defer rollback(tx)
	area := in.Area
	if in.Station != "" {
		err := tx.QueryRowContext(ctx, `SELECT a.path FROM stations s JOIN areas a ON a.id = s.area
			WHERE s.election = ? AND s.code = ?`, m.id, in.Station).Scan(&area)
		if errors.Is(err, sql.ErrNoRows) {
			return actas.Errorf(actas.EINVALID, "incident: election %s has no station %q", in.Election, in.Station)
		} else if err != nil {
			return fmt.Errorf("sqlite: incident: %w", err)
		}
		if in.Area != "" && in.Area != area {
			return actas.Errorf(actas.EINVALID, "incident: station %s is in area %q, not %q", in.Station, area, in.Area)
		}
	} else {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM areas WHERE election = ? AND path = ?`, m.id, area).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return actas.Errorf(actas.EINVALID, "incident: election %s has no area %q", in.Election, area)
		} else if err != nil {
			return fmt.Errorf("sqlite: incident: %w", err)
		}
	}
	var accountElection int64
	err = tx.QueryRowContext(ctx, `SELECT election FROM accounts WHERE id = ?`, in.Account).Scan(&accountElection)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && accountElection != m.id) {
		return actas.Errorf(actas.EINVALID, "incident: election %s has no account %d", in.Election, in.Account)
	} else if err != nil {
		return fmt.Errorf("sqlite: incident: %w", err)
	}
	for _, p := range in.Photos {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM evidence WHERE election = ? AND sha256 = ?`, m.id, p).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return actas.Errorf(actas.EINVALID, "incident: photo sha256:%s is not stored in election %s", p, in.Election)
		} else if err != nil {
			return fmt.Errorf("sqlite: incident: %w", err)
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO incidents (election, station, area, category, severity, time, text, photos, account, received)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.id, in.Station, area, in.Category, int(in.Severity),
		when.Format(time.RFC3339Nano), in.Text, string(photos), in.Account, received.Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("sqlite: incident: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: incident: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: incident: %w", err)
	}
	in.ID, in.Area, in.Received, in.Time, in.Status = id, area, received, when, actas.IncidentPending
	return nil
}

// Incidents returns the election's incidents that f selects, with their
// status from the incident records; see actas.IncidentStore.
func (db *DB) Incidents(ctx context.Context, election string, f actas.IncidentFilter) ([]*actas.Incident, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	if err := actas.CheckIncidentStatus(f.Status); err != nil {
		return nil, err
	}
	area := f.Area
	if area == actas.National {
		area = ""
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, station, area, category, severity, time, text, photos, account, received
		FROM incidents WHERE election = ? AND (? = '' OR station = ?)
		AND (? = '' OR area = ? OR substr(area, 1, length(?) + 1) = ? || '/') ORDER BY id`,
		m.id, f.Station, f.Station, area, area, area, area)
	if err != nil {
		return nil, fmt.Errorf("sqlite: incidents of %s: %w", election, err)
	}
	defer rows.Close()
	var out []*actas.Incident
	for rows.Next() {
		in := &actas.Incident{Election: election}
		var when, recv, photos string
		var sev int
		if err := rows.Scan(&in.ID, &in.Station, &in.Area, &in.Category, &sev, &when, &in.Text, &photos, &in.Account, &recv); err != nil {
			return nil, fmt.Errorf("sqlite: incidents of %s: %w", election, err)
		}
		in.Severity = actas.Severity(sev)
		if in.Time, err = time.Parse(time.RFC3339Nano, when); err != nil {
			return nil, fmt.Errorf("sqlite: incident %d: time: %w", in.ID, err)
		}
		if in.Received, err = time.Parse(time.RFC3339Nano, recv); err != nil {
			return nil, fmt.Errorf("sqlite: incident %d: received: %w", in.ID, err)
		}
		if err := json.Unmarshal([]byte(photos), &in.Photos); err != nil {
			return nil, fmt.Errorf("sqlite: incident %d: photos: %w", in.ID, err)
		}
		if len(in.Photos) == 0 {
			in.Photos = nil
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: incidents of %s: %w", election, err)
	}
	rows.Close()
	var recs []*actas.Record
	if err := db.Records(ctx, election, actas.RecordIncident, func(r *actas.Record) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		return nil, err
	}
	actas.SetIncidentStatus(out, actas.IncidentDecisions(recs))
	if f.Status == "" {
		return out, nil
	}
	kept := out[:0]
	for _, in := range out {
		if in.Status == f.Status {
			kept = append(kept, in)
		}
	}
	return kept, nil
}

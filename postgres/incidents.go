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
	received := in.Received.UTC().Truncate(time.Microsecond)
	if in.Received.IsZero() {
		received = time.Now().UTC().Truncate(time.Microsecond)
	}
	when := in.Time.UTC().Truncate(time.Microsecond)
	photos := in.Photos
	if photos == nil {
		photos = []string{}
	}
	photosJSON, err := json.Marshal(photos)
	if err != nil {
		return fmt.Errorf("postgres: incident: %w", err)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: incident: %w", err)
	}
	defer rollback(ctx, tx)
	area := in.Area
	if in.Station != "" {
		err := tx.QueryRow(ctx, `SELECT a.path FROM stations s JOIN areas a ON a.election = s.election AND a.id = s.area
			WHERE s.election = $1 AND s.code = $2`, m.id, in.Station).Scan(&area)
		if errors.Is(err, pgx.ErrNoRows) {
			return actas.Errorf(actas.EINVALID, "incident: election %s has no station %q", in.Election, in.Station)
		} else if err != nil {
			return fmt.Errorf("postgres: incident: %w", err)
		}
		if in.Area != "" && in.Area != area {
			return actas.Errorf(actas.EINVALID, "incident: station %s is in area %q, not %q", in.Station, area, in.Area)
		}
	} else {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM areas WHERE election = $1 AND path = $2`, m.id, area).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return actas.Errorf(actas.EINVALID, "incident: election %s has no area %q", in.Election, area)
		} else if err != nil {
			return fmt.Errorf("postgres: incident: %w", err)
		}
	}
	var accountElection int32
	err = tx.QueryRow(ctx, `SELECT election FROM accounts WHERE id = $1`, in.Account).Scan(&accountElection)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && accountElection != m.id) {
		return actas.Errorf(actas.EINVALID, "incident: election %s has no account %d", in.Election, in.Account)
	} else if err != nil {
		return fmt.Errorf("postgres: incident: %w", err)
	}
	if len(in.Photos) > 0 {
		var missing string
		err := tx.QueryRow(ctx, `SELECT p FROM unnest($2::text[]) p
			WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.election = $1 AND e.sha256 = p) LIMIT 1`, m.id, in.Photos).Scan(&missing)
		if err == nil {
			return actas.Errorf(actas.EINVALID, "incident: photo sha256:%s is not stored in election %s", missing, in.Election)
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: incident: %w", err)
		}
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO incidents (election, station, area, category, severity, time, text, photos, account, received)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, m.id, in.Station, area, in.Category, int16(in.Severity),
		when, in.Text, string(photosJSON), in.Account, received).Scan(&id); err != nil {
		return fmt.Errorf("postgres: incident: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: incident: %w", err)
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
	rows, err := db.pool.Query(ctx, `SELECT id, station, area, category, severity, time, text, photos::text, account, received
		FROM incidents WHERE election = $1 AND ($2 = '' OR station = $2)
		AND ($3 = '' OR area = $3 OR left(area, length($3) + 1) = $3 || '/') ORDER BY id`,
		m.id, f.Station, area)
	if err != nil {
		return nil, fmt.Errorf("postgres: incidents of %s: %w", election, err)
	}
	var out []*actas.Incident
	for rows.Next() {
		in := &actas.Incident{Election: election}
		var photos string
		var sev int16
		if err := rows.Scan(&in.ID, &in.Station, &in.Area, &in.Category, &sev, &in.Time, &in.Text, &photos, &in.Account, &in.Received); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: incidents of %s: %w", election, err)
		}
		in.Severity = actas.Severity(sev)
		in.Time, in.Received = in.Time.UTC(), in.Received.UTC()
		if err := json.Unmarshal([]byte(photos), &in.Photos); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: incident %d: photos: %w", in.ID, err)
		}
		if len(in.Photos) == 0 {
			in.Photos = nil
		}
		out = append(out, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: incidents of %s: %w", election, err)
	}
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

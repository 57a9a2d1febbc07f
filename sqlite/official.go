package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/actasproject/actas/translog"
)

// areaResolver finds areas of one election by path inside a transaction.
type areaResolver struct {
	m     *electionMeta
	stmt  *sql.Stmt
	known map[string]int64
}

func newAreaResolver(ctx context.Context, tx *sql.Tx, m *electionMeta) (*areaResolver, error) {
	stmt, err := tx.PrepareContext(ctx, `SELECT id FROM areas WHERE election = ? AND path = ?`)
	if err != nil {
		return nil, err
	}
	return &areaResolver{m: m, stmt: stmt, known: map[string]int64{}}, nil
}

// area returns the row id of the area at a user-given path ("" or
// "national" for the whole election) and its canonical path.
// Errors: EINVALID for a malformed path or one that is not the election's.
func (r *areaResolver) area(ctx context.Context, path string) (int64, string, error) {
	p, err := actas.CanonicalPath(path)
	if err != nil {
		return 0, "", err
	}
	if id, ok := r.known[p]; ok {
		return id, p, nil
	}
	var id int64
	err = r.stmt.QueryRowContext(ctx, r.m.id, p).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", actas.Errorf(actas.EINVALID, "election %s has no area %q", r.m.code, path)
	}
	if err != nil {
		return 0, "", err
	}
	r.known[p] = id
	return id, p, nil
}

func (r *areaResolver) close() { r.stmt.Close() }

// checkTotal checks a total's form against the election and returns the
// index of its contest. Errors: EINVALID.
func checkTotal(m *electionMeta, t *actas.OfficialTotal) (int, error) {
	ci, err := m.contest(t.Contest)
	if err != nil {
		return 0, err
	}
	if err := storeutil.CheckTotal(&m.election.Contests[ci], t); err != nil {
		return 0, err
	}
	return ci, nil
}

// announcedText is how the totals table and log entries state when a
// bulletin was announced: UTC, whole seconds; nil when not known.
func announcedText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// totalValue is what a total states for its key.
type totalValue struct {
	votes     int64
	announced string // announcedText, "" when not known
	coverage  int64
}

func totalValueOf(t *actas.OfficialTotal) totalValue {
	v := totalValue{votes: t.Votes, coverage: t.CoveragePPM}
	if a, ok := announcedText(t.Announced).(string); ok {
		v.announced = a
	}
	return v
}

// AddTotals stores totals in one transaction; see actas.OfficialStore. A
// value stated before for the same key (contest, bulletin, area, choice) is
// Present, even if another value was stated since. Errors: ENOTFOUND for an
// unknown election; EINVALID for an unknown contest, area or choice, or
// negative votes (nothing is stored).
func (db *DB) AddTotals(ctx context.Context, election string, totals []actas.OfficialTotal) (actas.Report, error) {
	var rep actas.Report
	m, err := db.meta(ctx, election)
	if err != nil {
		return rep, err
	}
	contests := make([]int, len(totals))
	for i := range totals {
		if contests[i], err = checkTotal(m, &totals[i]); err != nil {
			return rep, err
		}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
	}
	defer rollback(tx)
	areas, err := newAreaResolver(ctx, tx, m)
	if err != nil {
		return rep, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
	}
	defer areas.close()
	find, err := tx.PrepareContext(ctx, `SELECT votes, coalesce(announced, ''), coverage_ppm FROM totals WHERE election = ? AND contest = ? AND bulletin = ? AND area = ? AND choice = ?`)
	if err != nil {
		return rep, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
	}
	defer find.Close()
	insert, err := tx.PrepareContext(ctx, `INSERT INTO totals (election, contest, bulletin, area, choice, votes, log_index, announced, coverage_ppm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return rep, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
	}
	defer insert.Close()
	st := db.wq.bind(ctx, tx)
	lg, err := openInlineLog(ctx, st, m)
	if err != nil {
		return rep, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
	}
	indexes := make([]int64, len(totals))
	for i := range totals {
		t := &totals[i]
		area, path, err := areas.area(ctx, t.Area)
		if err != nil {
			if actas.ErrorCode(err) == actas.EINVALID {
				return rep, actas.Errorf(actas.EINVALID, "official total of contest %s: %s", t.Contest, actas.ErrorMessage(err))
			}
			return rep, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
		}
		contest := m.contestIDs[contests[i]]
		stored, err := totalValues(ctx, find, m.id, contest, t.Bulletin, area, t.Choice)
		if err != nil {
			return rep, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
		}
		o := storeutil.Outcome(stored, totalValueOf(t))
		rep.Add(o)
		if o == actas.Present {
			continue
		}
		// The entry states the total as stored: its area by canonical path.
		indexes[i] = lg.a.Size()
		logged := actas.OfficialTotal{Contest: t.Contest, Bulletin: t.Bulletin, Area: path, Choice: t.Choice, Votes: t.Votes,
			Announced: t.Announced, CoveragePPM: t.CoveragePPM}
		if err := lg.a.Append(translog.EncodeTotal(m.code, &logged)); err != nil {
			return rep, fmt.Errorf("sqlite: official totals of %s: log: %w", election, err)
		}
		if _, err := insert.ExecContext(ctx, m.id, contest, t.Bulletin, area, t.Choice, t.Votes, indexes[i], announcedText(t.Announced), t.CoveragePPM); err != nil {
			return rep, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
		}
	}
	if err := lg.write(ctx, st); err != nil {
		return rep, fmt.Errorf("sqlite: official totals of %s: log: %w", election, err)
	}
	if err := tx.Commit(); err != nil {
		return actas.Report{}, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
	}
	for i, idx := range indexes {
		if idx > 0 {
			totals[i].Index = idx
		}
	}
	return rep, nil
}

// int64s returns the single int64 column of the rows stmt selects.
func int64s(ctx context.Context, stmt *sql.Stmt, args ...any) ([]int64, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// totalValues returns the values the rows stmt selects state (votes,
// announced, coverage).
func totalValues(ctx context.Context, stmt *sql.Stmt, args ...any) ([]totalValue, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []totalValue
	for rows.Next() {
		var v totalValue
		if err := rows.Scan(&v.votes, &v.announced, &v.coverage); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Totals returns the current (latest) value of every official total of the
// election, with its log index, ordered by contest id, bulletin, area path
// and choice, each compared byte by byte. Errors: ENOTFOUND.
func (db *DB) Totals(ctx context.Context, election string) ([]actas.OfficialTotal, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT c.code, t.bulletin, a.path, t.choice, t.votes, t.log_index, t.announced, t.coverage_ppm
		FROM totals t JOIN contests c ON c.id = t.contest JOIN areas a ON a.id = t.area
		JOIN (SELECT max(id) AS id FROM totals WHERE election = ? GROUP BY contest, bulletin, area, choice) cur ON cur.id = t.id
		ORDER BY c.code, t.bulletin, a.path, t.choice`, m.id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
	}
	defer rows.Close()
	out := []actas.OfficialTotal{}
	for rows.Next() {
		var t actas.OfficialTotal
		var announced sql.NullString
		if err := rows.Scan(&t.Contest, &t.Bulletin, &t.Area, &t.Choice, &t.Votes, &t.Index, &announced, &t.CoveragePPM); err != nil {
			return nil, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
		}
		if t.Announced, err = parseAnnounced(announced); err != nil {
			return nil, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: official totals of %s: %w", election, err)
	}
	return out, nil
}

// AddSnapshots stores snaps in one transaction; see actas.OfficialStore. A
// value stated before for the same key (scope, time, source) is Present,
// even if another value was stated since. Errors: ENOTFOUND for an unknown
// election; EINVALID for an unknown station or area, a time outside the day,
// negative voters or an unknown source (nothing is stored).
func (db *DB) AddSnapshots(ctx context.Context, election string, snaps []actas.Snapshot) (actas.Report, error) {
	var rep actas.Report
	m, err := db.meta(ctx, election)
	if err != nil {
		return rep, err
	}
	for i := range snaps {
		if err := storeutil.CheckSnapshot(&snaps[i]); err != nil {
			return rep, err
		}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	defer rollback(tx)
	areas, err := newAreaResolver(ctx, tx, m)
	if err != nil {
		return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	defer areas.close()
	station, err := tx.PrepareContext(ctx, `SELECT id FROM stations WHERE election = ? AND code = ?`)
	if err != nil {
		return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	defer station.Close()
	findStation, err := tx.PrepareContext(ctx, `SELECT voters FROM snapshots WHERE station = ? AND time = ? AND source = ?`)
	if err != nil {
		return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	defer findStation.Close()
	findArea, err := tx.PrepareContext(ctx, `SELECT voters FROM snapshots WHERE area = ? AND time = ? AND source = ?`)
	if err != nil {
		return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	defer findArea.Close()
	insert, err := tx.PrepareContext(ctx, `INSERT INTO snapshots (election, station, area, time, source, voters, log_index) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	defer insert.Close()
	st := db.wq.bind(ctx, tx)
	lg, err := openInlineLog(ctx, st, m)
	if err != nil {
		return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	indexes := make([]int64, len(snaps))
	for i := range snaps {
		s := &snaps[i]
		var stationID, areaID any
		var stored []int64
		scope := s.Scope
		if s.Station {
			var id int64
			err := station.QueryRowContext(ctx, m.id, s.Scope).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return rep, actas.Errorf(actas.EINVALID, "snapshot at %s: election %s has no station %q", actas.FormatClock(s.Time), election, s.Scope)
			}
			if err != nil {
				return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
			}
			stationID = id
			stored, err = int64s(ctx, findStation, id, s.Time, string(s.Source))
			if err != nil {
				return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
			}
		} else {
			id, path, err := areas.area(ctx, s.Scope)
			if err != nil {
				if actas.ErrorCode(err) == actas.EINVALID {
					return rep, actas.Errorf(actas.EINVALID, "snapshot at %s: %s", actas.FormatClock(s.Time), actas.ErrorMessage(err))
				}
				return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
			}
			areaID, scope = id, path
			stored, err = int64s(ctx, findArea, id, s.Time, string(s.Source))
			if err != nil {
				return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
			}
		}
		o := storeutil.Outcome(stored, s.Voters)
		rep.Add(o)
		if o == actas.Present {
			continue
		}
		// The entry states the snapshot as stored: an area by canonical path.
		indexes[i] = lg.a.Size()
		logged := actas.Snapshot{Scope: scope, Station: s.Station, Time: s.Time, Voters: s.Voters, Source: s.Source}
		if err := lg.a.Append(translog.EncodeSnapshot(m.code, &logged)); err != nil {
			return rep, fmt.Errorf("sqlite: snapshots of %s: log: %w", election, err)
		}
		if _, err := insert.ExecContext(ctx, m.id, stationID, areaID, s.Time, string(s.Source), s.Voters, indexes[i]); err != nil {
			return rep, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
		}
	}
	if err := lg.write(ctx, st); err != nil {
		return rep, fmt.Errorf("sqlite: snapshots of %s: log: %w", election, err)
	}
	if err := tx.Commit(); err != nil {
		return actas.Report{}, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	for i, idx := range indexes {
		if idx > 0 {
			snaps[i].Index = idx
		}
	}
	return rep, nil
}

// Snapshots returns the current (latest) value of every snapshot of the
// election, with its log index, ordered by scope (byte by byte; an area before a station with
// the same text), time and source. Errors: ENOTFOUND.
func (db *DB) Snapshots(ctx context.Context, election string) ([]actas.Snapshot, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT coalesce(st.code, a.path) AS scope, st.code IS NOT NULL, s.time, s.source, s.voters, s.log_index
		FROM snapshots s LEFT JOIN stations st ON st.id = s.station LEFT JOIN areas a ON a.id = s.area
		JOIN (SELECT max(id) AS id FROM snapshots WHERE election = ? GROUP BY station, area, time, source) cur ON cur.id = s.id
		ORDER BY scope, st.code IS NOT NULL, s.time, s.source`, m.id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	defer rows.Close()
	out := []actas.Snapshot{}
	for rows.Next() {
		var s actas.Snapshot
		var src string
		if err := rows.Scan(&s.Scope, &s.Station, &s.Time, &src, &s.Voters, &s.Index); err != nil {
			return nil, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
		}
		s.Source = actas.Source(src)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: snapshots of %s: %w", election, err)
	}
	return out, nil
}

// parseAnnounced reads the announced column.
func parseAnnounced(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("announced %q: %w", s.String, err)
	}
	return t.UTC(), nil
}

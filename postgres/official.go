package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/actasproject/actas/translog"
	"github.com/jackc/pgx/v5"
)

// areaResolver finds areas of one election by path inside a transaction.
type areaResolver struct {
	m     *electionMeta
	tx    pgx.Tx
	known map[string]int32
}

// area returns the id of the area at a user-given path ("" or "national"
// for the whole election) and its canonical path. Errors: EINVALID for a
// malformed path or one that is not the election's.
func (r *areaResolver) area(ctx context.Context, path string) (int32, string, error) {
	p, err := actas.CanonicalPath(path)
	if err != nil {
		return 0, "", err
	}
	if id, ok := r.known[p]; ok {
		return id, p, nil
	}
	var id int32
	err = r.tx.QueryRow(ctx, `SELECT id FROM areas WHERE election = $1 AND path = $2`, r.m.id, p).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", actas.Errorf(actas.EINVALID, "election %s has no area %q", r.m.code, path)
	}
	if err != nil {
		return 0, "", err
	}
	r.known[p] = id
	return id, p, nil
}

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

// announcedTime is how the totals table and log entries state when a
// bulletin was announced: UTC, whole seconds; nil (NULL) when not known.
func announcedTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}

// totalValue is what a total states for its key.
type totalValue struct {
	votes     int64
	announced int64 // Unix seconds, math.MinInt64 when not known
	coverage  int64
}

const unknownTime = -1 << 63

func totalValueOf(votes int64, announced *time.Time, coverage int64) totalValue {
	v := totalValue{votes: votes, announced: unknownTime, coverage: coverage}
	if announced != nil {
		v.announced = announced.Unix()
	}
	return v
}

// AddTotals stores totals in one transaction holding the log's lock; see
// actas.OfficialStore. A value stated before for the same key (contest,
// bulletin, area, choice) is Present, even if another value was stated
// since. Errors: ENOTFOUND for an unknown election; EINVALID for an unknown
// contest, area or choice, or negative votes (nothing is stored).
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
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return rep, fmt.Errorf("postgres: official totals of %s: %w", election, err)
	}
	defer rollback(ctx, tx)
	if err := lockLog(ctx, tx, m.id); err != nil {
		return rep, fmt.Errorf("postgres: official totals of %s: %w", election, err)
	}
	lg, err := newLogAppender(ctx, tx, m)
	if err != nil {
		return rep, wrapf(err, "postgres: official totals of %s", election)
	}
	areas := &areaResolver{m: m, tx: tx, known: map[string]int32{}}
	indexes := make([]int64, len(totals))
	for i := range totals {
		t := &totals[i]
		area, path, err := areas.area(ctx, t.Area)
		if err != nil {
			if actas.ErrorCode(err) == actas.EINVALID {
				return rep, actas.Errorf(actas.EINVALID, "official total of contest %s: %s", t.Contest, actas.ErrorMessage(err))
			}
			return rep, fmt.Errorf("postgres: official totals of %s: %w", election, err)
		}
		contest := int32(contests[i])
		stored, err := totalValues(ctx, tx, m.id, contest, t.Bulletin, area, t.Choice)
		if err != nil {
			return rep, fmt.Errorf("postgres: official totals of %s: %w", election, err)
		}
		announced := announcedTime(t.Announced)
		o := storeutil.Outcome(stored, totalValueOf(t.Votes, announced, t.CoveragePPM))
		rep.Add(o)
		if o == actas.Present {
			continue
		}
		// The entry states the total as stored: its area by canonical path.
		indexes[i] = lg.Size()
		logged := actas.OfficialTotal{Contest: t.Contest, Bulletin: t.Bulletin, Area: path, Choice: t.Choice, Votes: t.Votes,
			Announced: t.Announced, CoveragePPM: t.CoveragePPM}
		if err := lg.Append(translog.EncodeTotal(m.code, &logged)); err != nil {
			return rep, fmt.Errorf("postgres: official totals of %s: log: %w", election, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO totals (election, log_index, contest, bulletin, area, choice, votes, announced, coverage_ppm)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			m.id, indexes[i], contest, t.Bulletin, area, t.Choice, t.Votes, announced, t.CoveragePPM); err != nil {
			return rep, fmt.Errorf("postgres: official totals of %s: %w", election, err)
		}
	}
	if err := lg.writePages(ctx, tx); err != nil {
		return rep, fmt.Errorf("postgres: official totals of %s: log: %w", election, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return actas.Report{}, fmt.Errorf("postgres: official totals of %s: %w", election, err)
	}
	for i, idx := range indexes {
		if idx > 0 {
			totals[i].Index = idx
		}
	}
	return rep, nil
}

// totalValues returns every value stated for a total's key.
func totalValues(ctx context.Context, tx pgx.Tx, election, contest int32, bulletin string, area int32, choice string) ([]totalValue, error) {
	rows, err := tx.Query(ctx, `SELECT votes, announced, coverage_ppm FROM totals
		WHERE election = $1 AND contest = $2 AND bulletin = $3 AND area = $4 AND choice = $5`, election, contest, bulletin, area, choice)
	if err != nil {
		return nil, err
	}
	var out []totalValue
	var votes, coverage int64
	var announced *time.Time
	_, err = pgx.ForEachRow(rows, []any{&votes, &announced, &coverage}, func() error {
		out = append(out, totalValueOf(votes, announced, coverage))
		return nil
	})
	return out, err
}

// Totals returns the current (latest) value of every official total of the
// election, with its log index, ordered by contest id, bulletin, area path
// and choice, each compared byte by byte. Errors: ENOTFOUND.
func (db *DB) Totals(ctx context.Context, election string) ([]actas.OfficialTotal, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT c.code, t.bulletin, a.path, t.choice, t.votes, t.log_index, t.announced, t.coverage_ppm
		FROM (SELECT DISTINCT ON (contest, bulletin, area, choice) * FROM totals WHERE election = $1
			ORDER BY contest, bulletin, area, choice, log_index DESC) t
		JOIN contests c ON c.election = t.election AND c.position = t.contest
		JOIN areas a ON a.election = t.election AND a.id = t.area
		ORDER BY c.code, t.bulletin, a.path, t.choice`, m.id)
	if err != nil {
		return nil, fmt.Errorf("postgres: official totals of %s: %w", election, err)
	}
	out := []actas.OfficialTotal{}
	var t actas.OfficialTotal
	var announced *time.Time
	_, err = pgx.ForEachRow(rows, []any{&t.Contest, &t.Bulletin, &t.Area, &t.Choice, &t.Votes, &t.Index, &announced, &t.CoveragePPM}, func() error {
		t.Announced = time.Time{}
		if announced != nil {
			t.Announced = announced.UTC()
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: official totals of %s: %w", election, err)
	}
	return out, nil
}

// AddSnapshots stores snaps in one transaction holding the log's lock; see
// actas.OfficialStore. A value stated before for the same key (scope, time,
// source) is Present, even if another value was stated since. Errors:
// ENOTFOUND for an unknown election; EINVALID for an unknown station or
// area, a time outside the day, negative voters or an unknown source
// (nothing is stored).
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
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return rep, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
	}
	defer rollback(ctx, tx)
	if err := lockLog(ctx, tx, m.id); err != nil {
		return rep, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
	}
	lg, err := newLogAppender(ctx, tx, m)
	if err != nil {
		return rep, wrapf(err, "postgres: snapshots of %s", election)
	}
	areas := &areaResolver{m: m, tx: tx, known: map[string]int32{}}
	indexes := make([]int64, len(snaps))
	for i := range snaps {
		s := &snaps[i]
		var stationID, areaID *int32
		var stored []int64
		scope := s.Scope
		if s.Station {
			var id int32
			err := tx.QueryRow(ctx, `SELECT id FROM stations WHERE election = $1 AND code = $2`, m.id, s.Scope).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				return rep, actas.Errorf(actas.EINVALID, "snapshot at %s: election %s has no station %q", actas.FormatClock(s.Time), election, s.Scope)
			}
			if err != nil {
				return rep, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
			}
			stationID = &id
			stored, err = int64s(ctx, tx, `SELECT voters FROM snapshots WHERE election = $1 AND station = $2 AND time = $3 AND source = $4`,
				m.id, id, int32(s.Time), string(s.Source))
			if err != nil {
				return rep, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
			}
		} else {
			id, path, err := areas.area(ctx, s.Scope)
			if err != nil {
				if actas.ErrorCode(err) == actas.EINVALID {
					return rep, actas.Errorf(actas.EINVALID, "snapshot at %s: %s", actas.FormatClock(s.Time), actas.ErrorMessage(err))
				}
				return rep, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
			}
			areaID, scope = &id, path
			stored, err = int64s(ctx, tx, `SELECT voters FROM snapshots WHERE election = $1 AND area = $2 AND time = $3 AND source = $4`,
				m.id, id, int32(s.Time), string(s.Source))
			if err != nil {
				return rep, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
			}
		}
		o := storeutil.Outcome(stored, s.Voters)
		rep.Add(o)
		if o == actas.Present {
			continue
		}
		// The entry states the snapshot as stored: an area by canonical path.
		indexes[i] = lg.Size()
		logged := actas.Snapshot{Scope: scope, Station: s.Station, Time: s.Time, Voters: s.Voters, Source: s.Source}
		if err := lg.Append(translog.EncodeSnapshot(m.code, &logged)); err != nil {
			return rep, fmt.Errorf("postgres: snapshots of %s: log: %w", election, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO snapshots (election, log_index, station, area, time, source, voters) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			m.id, indexes[i], stationID, areaID, int32(s.Time), string(s.Source), s.Voters); err != nil {
			return rep, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
		}
	}
	if err := lg.writePages(ctx, tx); err != nil {
		return rep, fmt.Errorf("postgres: snapshots of %s: log: %w", election, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return actas.Report{}, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
	}
	for i, idx := range indexes {
		if idx > 0 {
			snaps[i].Index = idx
		}
	}
	return rep, nil
}

// int64s returns the single bigint column of the rows query selects.
func int64s(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// Snapshots returns the current (latest) value of every snapshot of the
// election, with its log index, ordered by scope (byte by byte; an area
// before a station with the same text), time and source. Errors: ENOTFOUND.
func (db *DB) Snapshots(ctx context.Context, election string) ([]actas.Snapshot, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT coalesce(st.code, a.path) AS scope, s.station IS NOT NULL AS is_station, s.time, s.source, s.voters, s.log_index
		FROM (SELECT DISTINCT ON (station, area, time, source) * FROM snapshots WHERE election = $1
			ORDER BY station, area, time, source, log_index DESC) s
		LEFT JOIN stations st ON st.election = s.election AND st.id = s.station
		LEFT JOIN areas a ON a.election = s.election AND a.id = s.area
		ORDER BY scope, is_station, s.time, s.source`, m.id)
	if err != nil {
		return nil, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
	}
	out := []actas.Snapshot{}
	var s actas.Snapshot
	var src string
	var minutes int32
	_, err = pgx.ForEachRow(rows, []any{&s.Scope, &s.Station, &minutes, &src, &s.Voters, &s.Index}, func() error {
		s.Source, s.Time = actas.Source(src), int(minutes)
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: snapshots of %s: %w", election, err)
	}
	return out, nil
}

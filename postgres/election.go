package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/logpage"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/actasproject/actas/translog"
	"github.com/jackc/pgx/v5"
)

// CreateElection stores e with its stations in one transaction, the
// stations and areas with COPY. The areas are derived from the stations'
// paths, in the order stations name them. Errors: EINVALID if e fails
// Validate, for an empty or duplicate station code, a negative registered or
// machines count, or an area path that does not have one name per level;
// ECONFLICT if an election with that id exists.
func (db *DB) CreateElection(ctx context.Context, e *actas.Election, stations []actas.Station) error {
	if err := e.Validate(); err != nil {
		return err
	}
	g, err := storeutil.BuildGeography(e, stations)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("postgres: create election %s: %w", e.ID, err)
	}
	// The log's first entry digests every station: on another core while
	// the rows are copied.
	var entry []byte
	var entryErr error
	encoded := make(chan struct{})
	go func() {
		defer close(encoded)
		entry, entryErr = translog.EncodeElection(e, g.StoredStations())
	}()
	defer func() { <-encoded }()
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: create election %s: %w", e.ID, err)
	}
	defer rollback(ctx, tx)
	// ON CONFLICT: two processes creating the same election at once get one
	// row and one ECONFLICT, not a unique violation.
	var eid int32
	err = tx.QueryRow(ctx, `INSERT INTO elections (code, document) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING RETURNING id`,
		e.ID, string(doc)).Scan(&eid)
	if errors.Is(err, pgx.ErrNoRows) {
		return actas.Errorf(actas.ECONFLICT, "election %s already exists", e.ID)
	}
	if err != nil {
		return fmt.Errorf("postgres: create election %s: %w", e.ID, err)
	}
	m := &electionMeta{id: eid, code: e.ID}
	if err := lockLog(ctx, tx, eid); err != nil {
		return fmt.Errorf("postgres: create election %s: %w", e.ID, err)
	}
	// The election's partitions, without indexes: those of areas and
	// stations are built once the rows are in, the submissions' on the first
	// Submit.
	if _, err := tx.Exec(ctx, `SELECT actas_partition('areas', $1), actas_partition('stations', $1), actas_partition('submissions', $1)`, eid); err != nil {
		return fmt.Errorf("postgres: create election %s: partitions: %w", e.ID, err)
	}
	var cpos, chPos []int32
	var ccodes, chCodes []string
	var chContest []int32
	for i, c := range e.Contests {
		cpos, ccodes = append(cpos, int32(i)), append(ccodes, c.ID)
		for j, ch := range c.Choices {
			chContest, chPos, chCodes = append(chContest, int32(i)), append(chPos, int32(j)), append(chCodes, ch.ID)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO contests (election, position, code) SELECT $1, * FROM unnest($2::integer[], $3::text[])`,
		eid, cpos, ccodes); err != nil {
		return fmt.Errorf("postgres: create election %s: contests: %w", e.ID, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO choices (election, contest, position, code) SELECT $1, * FROM unnest($2::integer[], $3::integer[], $4::text[])`,
		eid, chContest, chPos, chCodes); err != nil {
		return fmt.Errorf("postgres: create election %s: choices: %w", e.ID, err)
	}
	if err := insertGeography(ctx, tx, g, eid); err != nil {
		return fmt.Errorf("postgres: create election %s: %w", e.ID, err)
	}
	if _, err := tx.Exec(ctx, attachMemory); err != nil {
		return fmt.Errorf("postgres: create election %s: %w", e.ID, err)
	}
	if _, err := tx.Exec(ctx, `SELECT actas_attach('areas', $1), actas_attach('stations', $1)`, eid); err != nil {
		return fmt.Errorf("postgres: create election %s: attach areas and stations: %w", e.ID, err)
	}
	<-encoded
	if entryErr != nil {
		return fmt.Errorf("postgres: create election %s: log: %w", e.ID, entryErr)
	}
	lg := startAppender(m, logpage.Start(0, logpage.EdgeReader{}, nil))
	if err := lg.Append(entry); err != nil {
		return fmt.Errorf("postgres: create election %s: log: %w", e.ID, err)
	}
	if err := lg.writePages(ctx, tx); err != nil {
		return fmt.Errorf("postgres: create election %s: log: %w", e.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: create election %s: %w", e.ID, err)
	}
	return nil
}

// insertGeography copies the areas and stations of election eid into the
// election's partitions, not yet attached.
func insertGeography(ctx context.Context, tx pgx.Tx, g *storeutil.Geography, eid int32) error {
	i := 0
	_, err := copyBinary(ctx, tx, partition("areas", eid), []string{"election", "id", "parent", "level", "name", "path"},
		func(w *copyRow) (bool, error) {
			if i == len(g.Areas) {
				return false, nil
			}
			a := &g.Areas[i]
			w.start(6)
			w.int4(eid)
			w.int4(int32(i))
			if a.Parent >= 0 {
				w.int4(a.Parent)
			} else {
				w.null()
			}
			w.int4(int32(a.Level))
			w.text(a.Name)
			w.text(a.Path)
			i++
			return true, nil
		})
	if err != nil {
		return fmt.Errorf("areas: %w", err)
	}
	i = 0
	_, err = copyBinary(ctx, tx, partition("stations", eid), []string{"election", "id", "area", "code", "registered", "machines"},
		func(w *copyRow) (bool, error) {
			if i == len(g.Stations) {
				return false, nil
			}
			st := &g.Stations[i]
			w.start(6)
			w.int4(eid)
			w.int4(int32(i))
			w.int4(g.AreaOf[i])
			w.text(st.Code)
			w.int8(st.Registered)
			w.int8(st.Machines)
			i++
			return true, nil
		})
	if err != nil {
		return fmt.Errorf("stations: %w", err)
	}
	return nil
}

// Election returns the election with id code. Errors: ENOTFOUND.
func (db *DB) Election(ctx context.Context, code string) (*actas.Election, error) {
	m, err := db.meta(ctx, code)
	if err != nil {
		return nil, err
	}
	// A copy: the cached one is shared.
	var doc []byte
	if err := db.pool.QueryRow(ctx, `SELECT document::text FROM elections WHERE id = $1`, m.id).Scan(&doc); err != nil {
		return nil, fmt.Errorf("postgres: election %s: %w", code, err)
	}
	e := new(actas.Election)
	if err := json.Unmarshal(doc, e); err != nil {
		return nil, fmt.Errorf("postgres: election %s: stored document: %w", code, err)
	}
	return e, nil
}

// Elections returns every election, ordered by id (byte by byte).
func (db *DB) Elections(ctx context.Context) ([]*actas.Election, error) {
	rows, err := db.pool.Query(ctx, `SELECT code, document::text FROM elections ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("postgres: elections: %w", err)
	}
	out := []*actas.Election{}
	var code string
	var doc []byte
	_, err = pgx.ForEachRow(rows, []any{&code, &doc}, func() error {
		e := new(actas.Election)
		if err := json.Unmarshal(doc, e); err != nil {
			return fmt.Errorf("election %s: stored document: %w", code, err)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: elections: %w", err)
	}
	return out, nil
}

// Stations returns the election's stations in creation order.
// Errors: ENOTFOUND.
func (db *DB) Stations(ctx context.Context, election string) ([]actas.Station, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	out, err := readStations(ctx, db.pool, m)
	if err != nil {
		return nil, fmt.Errorf("postgres: stations of %s: %w", election, err)
	}
	return out, nil
}

// readStations returns election m's stations in creation order, with their
// area paths: station i of the result has id i.
func readStations(ctx context.Context, q querier, m *electionMeta) ([]actas.Station, error) {
	paths, err := areaPaths(ctx, q, m.id)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT id, code, area, registered, machines FROM stations WHERE election = $1 ORDER BY id`, m.id)
	if err != nil {
		return nil, fmt.Errorf("stations: %w", err)
	}
	out := make([]actas.Station, 0, m.stations)
	var id, areaID int32
	var st actas.Station
	_, err = pgx.ForEachRow(rows, []any{&id, &st.Code, &areaID, &st.Registered, &st.Machines}, func() error {
		if int(id) != len(out) {
			return fmt.Errorf("station %s has number %d, not %d: a station is missing", st.Code, id, len(out))
		}
		if areaID < 0 || int(areaID) >= len(paths) || paths[areaID] == nil {
			return fmt.Errorf("station %s names area %d, which is not the election's", st.Code, areaID)
		}
		st.Area = *paths[areaID]
		out = append(out, st)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stations: %w", err)
	}
	return out, nil
}

// areaPaths returns the path of every area of election eid by id.
func areaPaths(ctx context.Context, q querier, eid int32) ([]*string, error) {
	rows, err := q.Query(ctx, `SELECT id, path FROM areas WHERE election = $1 ORDER BY id`, eid)
	if err != nil {
		return nil, fmt.Errorf("areas: %w", err)
	}
	var out []*string
	var id int32
	var path string
	_, err = pgx.ForEachRow(rows, []any{&id, &path}, func() error {
		if id < 0 || id > 1<<30 {
			return fmt.Errorf("area number %d out of range", id)
		}
		for int(id) >= len(out) {
			out = append(out, nil)
		}
		p := path
		out[id] = &p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("areas: %w", err)
	}
	return out, nil
}

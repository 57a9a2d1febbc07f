package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/logpage"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/actasproject/actas/translog"
)

// rowsPerInsert is how many rows one multi-row INSERT carries: enough to
// amortise a statement's cost, few enough to stay far below SQLite's limit of
// 32,766 parameters.
const rowsPerInsert = 64

// valuesSQL returns "(…),(…)…" with rows groups of row, each a
// parenthesised list.
func valuesSQL(rows int, row string) string {
	var b strings.Builder
	b.Grow(rows * (len(row) + 3))
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		b.WriteString(row)
		b.WriteByte(')')
	}
	return b.String()
}

// bulkInserter runs a multi-row INSERT of rowsPerInsert rows, and one of
// fewer rows for the rest, each prepared once in a transaction.
type bulkInserter struct {
	tx     *sql.Tx
	prefix string // "INSERT INTO t (a, b) VALUES "
	row    string // "?, ?"
	cols   int
	full   *sql.Stmt
	args   []any
}

func newBulkInserter(ctx context.Context, tx *sql.Tx, prefix, row string, cols int) (*bulkInserter, error) {
	full, err := tx.PrepareContext(ctx, prefix+valuesSQL(rowsPerInsert, row))
	if err != nil {
		return nil, err
	}
	return &bulkInserter{tx: tx, prefix: prefix, row: row, cols: cols, full: full, args: make([]any, 0, rowsPerInsert*cols)}, nil
}

// add appends one row's values, inserting when rowsPerInsert rows wait.
func (b *bulkInserter) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) == rowsPerInsert*b.cols {
		return b.flush(ctx)
	}
	return nil
}

// flush inserts the rows waiting.
func (b *bulkInserter) flush(ctx context.Context) error {
	n := len(b.args) / b.cols
	if n == 0 {
		return nil
	}
	var err error
	if n == rowsPerInsert {
		_, err = b.full.ExecContext(ctx, b.args...)
	} else {
		_, err = b.tx.ExecContext(ctx, b.prefix+valuesSQL(n, b.row), b.args...)
	}
	clear(b.args)
	b.args = b.args[:0]
	return err
}

func (b *bulkInserter) close() { b.full.Close() }

// CreateElection stores e with its stations in one transaction. The areas
// are derived from the stations' paths, in the order stations name them.
// Errors: EINVALID if e fails Validate, for an empty or duplicate station
// code, a negative registered or machines count, or an area path that does
// not have one name per level; ECONFLICT if an election with that id exists.
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
		return fmt.Errorf("sqlite: create election %s: %w", e.ID, err)
	}
	// The log's first entry digests every station: on another core while
	// the rows are inserted.
	var entry []byte
	var entryErr error
	encoded := make(chan struct{})
	go func() {
		defer close(encoded)
		entry, entryErr = translog.EncodeElection(e, g.StoredStations())
	}()
	defer func() { <-encoded }()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: create election %s: %w", e.ID, err)
	}
	defer rollback(tx)
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM elections WHERE code = ?`, e.ID).Scan(&exists); err != nil {
		return fmt.Errorf("sqlite: create election %s: %w", e.ID, err)
	}
	if exists > 0 {
		return actas.Errorf(actas.ECONFLICT, "election %s already exists", e.ID)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO elections (code, document) VALUES (?, ?)`, e.ID, string(doc))
	if err != nil {
		return fmt.Errorf("sqlite: create election %s: %w", e.ID, err)
	}
	eid, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: create election %s: %w", e.ID, err)
	}
	for i, c := range e.Contests {
		res, err := tx.ExecContext(ctx, `INSERT INTO contests (election, code, position) VALUES (?, ?, ?)`, eid, c.ID, i)
		if err != nil {
			return fmt.Errorf("sqlite: create election %s: contest %s: %w", e.ID, c.ID, err)
		}
		cid, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("sqlite: create election %s: contest %s: %w", e.ID, c.ID, err)
		}
		for j, ch := range c.Choices {
			if _, err := tx.ExecContext(ctx, `INSERT INTO choices (contest, position, code) VALUES (?, ?, ?)`, cid, j, ch.ID); err != nil {
				return fmt.Errorf("sqlite: create election %s: contest %s: %w", e.ID, c.ID, err)
			}
		}
	}
	if err := insertGeography(ctx, tx, g, eid); err != nil {
		return fmt.Errorf("sqlite: create election %s: %w", e.ID, err)
	}
	<-encoded
	if entryErr != nil {
		return fmt.Errorf("sqlite: create election %s: log: %w", e.ID, entryErr)
	}
	if err := appendFirstEntry(ctx, db.wq.bind(ctx, tx), &electionMeta{id: eid, code: e.ID}, entry); err != nil {
		return fmt.Errorf("sqlite: create election %s: log: %w", e.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create election %s: %w", e.ID, err)
	}
	return nil
}

// appendFirstEntry starts the log of the election just inserted with its
// first entry, with the statements of the transaction that inserted it.
func appendFirstEntry(ctx context.Context, st *prepared, m *electionMeta, entry []byte) error {
	l := newInlineLog(&logAppender{Appender: logpage.Start(0, logpage.EdgeReader{}, nil), m: m})
	if err := l.a.Append(entry); err != nil {
		return err
	}
	return l.write(ctx, st)
}

// insert writes the areas and stations of election eid.
func insertGeography(ctx context.Context, tx *sql.Tx, g *storeutil.Geography, eid int64) error {
	var base int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM areas`).Scan(&base); err != nil {
		return fmt.Errorf("areas: %w", err)
	}
	ins, err := newBulkInserter(ctx, tx, `INSERT INTO areas (id, election, parent, level, name, path) VALUES `, "?, ?, ?, ?, ?, ?", 6)
	if err != nil {
		return fmt.Errorf("areas: %w", err)
	}
	defer ins.close()
	eidv := any(eid)
	for i, a := range g.Areas {
		var parent any
		if a.Parent >= 0 {
			parent = base + int64(a.Parent)
		}
		if err := ins.add(ctx, base+int64(i), eidv, parent, a.Level, a.Name, a.Path); err != nil {
			return fmt.Errorf("areas: %w", err)
		}
	}
	if err := ins.flush(ctx); err != nil {
		return fmt.Errorf("areas: %w", err)
	}
	sins, err := newBulkInserter(ctx, tx, `INSERT INTO stations (election, area, code, registered, machines) VALUES `, "?, ?, ?, ?, ?", 5)
	if err != nil {
		return fmt.Errorf("stations: %w", err)
	}
	defer sins.close()
	for i := range g.Stations {
		st := &g.Stations[i]
		if err := sins.add(ctx, eidv, base+int64(g.AreaOf[i]), st.Code, st.Registered, st.Machines); err != nil {
			return fmt.Errorf("stations: %w", err)
		}
	}
	if err := sins.flush(ctx); err != nil {
		return fmt.Errorf("stations: %w", err)
	}
	return nil
}

// Election returns the election with id code. Errors: ENOTFOUND.
func (db *DB) Election(ctx context.Context, code string) (*actas.Election, error) {
	var doc string
	err := db.r.QueryRowContext(ctx, `SELECT document FROM elections WHERE code = ?`, code).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundElection(code)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: election %s: %w", code, err)
	}
	e := new(actas.Election)
	if err := json.Unmarshal([]byte(doc), e); err != nil {
		return nil, fmt.Errorf("sqlite: election %s: stored document: %w", code, err)
	}
	return e, nil
}

// Elections returns every election, ordered by id.
func (db *DB) Elections(ctx context.Context) ([]*actas.Election, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT code, document FROM elections ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: elections: %w", err)
	}
	defer rows.Close()
	out := []*actas.Election{}
	for rows.Next() {
		var code string
		var doc []byte
		if err := rows.Scan(&code, &doc); err != nil {
			return nil, fmt.Errorf("sqlite: elections: %w", err)
		}
		e := new(actas.Election)
		if err := json.Unmarshal(doc, e); err != nil {
			return nil, fmt.Errorf("sqlite: election %s: stored document: %w", code, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: elections: %w", err)
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
	out, _, err := readStations(ctx, db.r, m)
	if err != nil {
		return nil, fmt.Errorf("sqlite: stations of %s: %w", election, err)
	}
	return out, nil
}

// readStations returns election m's stations in creation order, with their
// area paths, and the row id of the first when their row ids run on without
// gaps (-1 otherwise): then station i has row id first+i.
//
// A million stations take seconds to read through database/sql, so the
// areas and parts of the stations are read at once on several connections
// of the pool q. Each query holds one connection and none waits for another
// while holding one, so concurrent callers cannot starve each other. They
// read different snapshots of the file, which is sound because an
// election's areas and stations are written once, by the transaction that
// creates it, and never change.
func readStations(ctx context.Context, q *sql.DB, m *electionMeta) ([]actas.Station, int64, error) {
	var n, lo, hi int64
	if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(min(id), 0), coalesce(max(id), -1) FROM stations WHERE election = ?`,
		m.id).Scan(&n, &lo, &hi); err != nil {
		return nil, 0, fmt.Errorf("stations: %w", err)
	}
	// parts run of row ids: a part per task, a few per core.
	parts := 1
	if n >= stationsPerPart {
		parts = min(int(n/stationsPerPart), 4*runtime.GOMAXPROCS(0))
	}
	type part struct {
		stations []actas.Station
		areas    []int64 // each station's area row id
		err      error
	}
	got := make([]part, parts)
	var paths areaIndex
	var pathsErr error
	tasks := make(chan int, parts+1)
	tasks <- -1 // the areas, the longest task, first
	for k := range parts {
		tasks <- k
	}
	close(tasks)
	span := hi - lo + 1
	var wg sync.WaitGroup
	for range min(parts+1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for k := range tasks {
				if k < 0 {
					paths, pathsErr = areaPaths(ctx, q, m.id)
					continue
				}
				from := lo + span*int64(k)/int64(parts)
				to := lo + span*int64(k+1)/int64(parts) - 1
				p := &got[k]
				p.stations, p.areas, p.err = stationRows(ctx, q, m.id, from, to)
			}
		})
	}
	wg.Wait()
	if pathsErr != nil {
		return nil, 0, pathsErr
	}
	out := make([]actas.Station, 0, n)
	for _, p := range got {
		if p.err != nil {
			return nil, 0, p.err
		}
		for i := range p.stations {
			st := p.stations[i]
			path, ok := paths.path(p.areas[i])
			if !ok {
				return nil, 0, fmt.Errorf("station %s names area %d, which is not the election's", st.Code, p.areas[i])
			}
			st.Area = path
			out = append(out, st)
		}
	}
	if int64(len(out)) != n {
		return nil, 0, fmt.Errorf("stations: read %d, but the election has %d", len(out), n)
	}
	if n != span {
		lo = -1
	}
	return out, lo, nil
}

// stationsPerPart is the number of stations from which reading them in
// parts is worth its goroutines.
const stationsPerPart = 1 << 16

// stationRows reads the stations of election eid with row ids in [from,
// to], in row id order, and the row id of each one's area.
func stationRows(ctx context.Context, q querier, eid, from, to int64) ([]actas.Station, []int64, error) {
	// The election's stations are a range of row ids (created in one
	// transaction): read in row id order, they need no sort. (+election
	// keeps SQLite from choosing the (election, code) index, which would.)
	rows, err := q.QueryContext(ctx, `SELECT code, area, registered, machines FROM stations
		WHERE id BETWEEN ? AND ? AND +election = ? ORDER BY id`, from, to, eid)
	if err != nil {
		return nil, nil, fmt.Errorf("stations: %w", err)
	}
	defer rows.Close()
	var out []actas.Station
	var areas []int64
	if to >= from {
		out = make([]actas.Station, 0, to-from+1)
		areas = make([]int64, 0, to-from+1)
	}
	for rows.Next() {
		var st actas.Station
		var area int64
		if err := rows.Scan(&st.Code, &area, &st.Registered, &st.Machines); err != nil {
			return nil, nil, fmt.Errorf("stations: %w", err)
		}
		out = append(out, st)
		areas = append(areas, area)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("stations: %w", err)
	}
	return out, areas, nil
}

// areaIndex finds an area's path by row id: an election's areas are
// created together, so their row ids are usually a range, held in a slice.
type areaIndex struct {
	first int64
	paths []string         // by row id - first
	found []bool           // whether paths holds that row id's
	other map[int64]string // when the row ids are too sparse for the slice
}

func (x *areaIndex) path(id int64) (string, bool) {
	if x.other != nil {
		p, ok := x.other[id]
		return p, ok
	}
	if id < x.first || id-x.first >= int64(len(x.paths)) || !x.found[id-x.first] {
		return "", false
	}
	return x.paths[id-x.first], true
}

// areaPaths returns the path of every area of election eid by row id.
func areaPaths(ctx context.Context, q querier, eid int64) (areaIndex, error) {
	var x areaIndex
	var n, lo, hi int64
	if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(min(id), 0), coalesce(max(id), -1) FROM areas WHERE election = ?`,
		eid).Scan(&n, &lo, &hi); err != nil {
		return x, fmt.Errorf("areas: %w", err)
	}
	x.first = lo
	if span := hi - lo + 1; span <= 2*n+1024 {
		x.paths, x.found = make([]string, span), make([]bool, span)
	} else {
		x.other = make(map[int64]string, n)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, path FROM areas WHERE election = ?`, eid)
	if err != nil {
		return x, fmt.Errorf("areas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			return x, fmt.Errorf("areas: %w", err)
		}
		if x.other != nil {
			x.other[id] = p
		} else if id >= lo && id <= hi {
			x.paths[id-lo], x.found[id-lo] = p, true
		}
	}
	if err := rows.Err(); err != nil {
		return x, fmt.Errorf("areas: %w", err)
	}
	return x, nil
}

// Package sqlite is the embedded store of actas: one SQLite file (WAL mode,
// modernc.org/sqlite, no cgo) that implements actas.Store.
//
// Writes go through one connection in immediate transactions with
// synchronous=FULL, so a sheet acknowledged to its sender survives kill -9 and
// power loss; reads use a separate pool and never wait for the writer. The
// schema comes from the numbered files in migrations/, each applied once in
// its own transaction and recorded in schema_migrations.
//
// Every table is append-only: the package has no DELETE statement and one
// UPDATE, which grows the last page of a transparency log's hashes, and
// triggers refuse any other change made with plain SQL. Each election's log
// (package translog) is kept as the rows it records and the Merkle tree
// hashes they add, written in the transaction that stores them; entries are
// derived from the rows each time they are read, so that a number changed
// behind the program's back shows as an entry whose hash disagrees.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/logpage"

	driver "modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Ensure the interface is implemented.
var _ actas.Store = (*DB)(nil)

// DB is an actas.Store in one SQLite file. It is safe for concurrent use.
type DB struct {
	path string
	w    *sql.DB // the one writer connection
	r    *sql.DB // readers

	wq, rq *prepared                // statements prepared on the writer and the readers
	ws, rs stmtCache                // further statements, prepared on the writer and the readers when first run
	cache  logpage.PageCache[int64] // full pages of log hashes read
	edges  logpage.EdgeCache[int64] // the right edge of each log, as this process's last Submit left it

	unlogged bool // see batch.unlogged

	mu        sync.Mutex
	elections map[string]*electionMeta // by election id; elections never change once created
	accounts  sync.Map                 // ids of accounts known to exist (never deleted) → struct{}

	closeOnce sync.Once
	closeErr  error
}

// busyTimeoutMS bounds how long a connection waits for a lock another process
// holds (e.g. `actas import` while `actas serve` runs on the same file).
const busyTimeoutMS = 10000

// writePragmas configure every connection that writes, here and in
// PlainInsert, so that both measure the same storage.
// The journal mode, which is stored in the file, is not among them: Open
// switches to WAL only once it knows the file is an actas database.
var writePragmas = []string{
	fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS),
	"foreign_keys(1)",
	// FULL: WAL is synced at every commit, so an acknowledged sheet
	// survives power loss; bulk imports are one transaction, one sync.
	"synchronous(FULL)",
	// Up to 512 MiB of pages: a million-sheet import keeps its table's and
	// index's pages in memory (a fifth faster). Submit gives the memory back
	// after a large import.
	"cache_size(-524288)",
	"temp_store(MEMORY)",
	// 8 KiB pages (for new files; the default is 4 KiB) make the B-trees of
	// a million sheets shallower: imports run a sixth faster.
	"page_size(8192)",
}

var readPragmas = []string{
	fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS),
	"foreign_keys(1)",
	"query_only(1)",
	"cache_size(-32768)",
}

// dsn returns the modernc.org/sqlite data source name of the file at path.
func dsn(path string, txlock string, pragmas []string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: %w", err)
	}
	q := url.Values{}
	if txlock != "" {
		q.Set("_txlock", txlock)
	}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	// A file: URI, so that any character in the path is escaped.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String(), nil
}

// Open opens the store in the SQLite file at path, creating it if needed,
// and brings its schema up to date. A database written by a newer version of
// actas (one with a migration this program does not know) is refused with
// ECONFLICT. An empty path or ":memory:" is EINVALID: the store needs a file
// that several connections share.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, actas.Errorf(actas.EINVALID, "sqlite: %q is not a file path", path)
	}
	wdsn, err := dsn(path, "immediate", writePragmas)
	if err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One writer: SQLite allows one at a time anyway, and waiting on the Go
	// pool is cheaper and fairer than waiting on the file lock.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &DB{path: path, w: w, elections: map[string]*electionMeta{}}
	db.ws.pool = w
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, openError(path, err)
	}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, openError(path, err)
	}
	rdsn, err := dsn(path, "", readPragmas)
	if err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", rdsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := 2 * runtime.GOMAXPROCS(0)
	if n < 4 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	db.r = r
	db.rs.pool = r
	if err := r.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if db.rq, err = prepare(ctx, r, false); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if db.wq, err = prepare(ctx, w, true); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// The statements transactions run from the caches (see txStmt).
	if err := db.rs.prepare(ctx, stationIDSQL, stationSubmissionsSQL, countCheckpointsSQL, selectLatestCheckpoint); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := db.ws.prepare(ctx, rememberSQL, selectLatestCheckpoint, insertCheckpointSQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// openError explains the failures of Open a user can fix: a path that is
// not a database, or one that cannot be opened.
func openError(path string, err error) error {
	var e *driver.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB:
		return &actas.Error{Code: actas.EINVALID, Message: fmt.Sprintf("%s is not an actas database (not a SQLite file)", path), Err: err}
	case sqlite3.SQLITE_CANTOPEN:
		return &actas.Error{Code: actas.EINVALID, Message: fmt.Sprintf("cannot open the database file %s: check that its folder exists and is writable", path), Err: err}
	}
	return err
}

// Path returns the file the store was opened on.
func (db *DB) Path() string { return db.path }

// Close closes the store; later calls return the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		errs := []error{db.rq.close(), db.wq.close(), db.rs.close(), db.ws.close()}
		if db.r != nil {
			errs = append(errs, db.r.Close())
		}
		errs = append(errs, db.w.Close())
		if err := errors.Join(errs...); err != nil {
			db.closeErr = fmt.Errorf("sqlite: close %s: %w", db.path, err)
		}
	})
	return db.closeErr
}

// electionMeta is what writes need to know about an election, cached because
// an election never changes once created.
type electionMeta struct {
	id       int64
	code     string
	election *actas.Election
	contests map[string]int // contest id → index in election.Contests
	// contestIDs[i] is the row id of election.Contests[i].
	contestIDs []int64
	byRowID    map[int64]int // contest row id → index
	stations   int64         // how many stations the election has
}

// meta returns the cached facts about the election with id code.
// Errors: ENOTFOUND.
func (db *DB) meta(ctx context.Context, code string) (*electionMeta, error) {
	db.mu.Lock()
	m := db.elections[code]
	db.mu.Unlock()
	if m != nil {
		return m, nil
	}
	m = &electionMeta{code: code, contests: map[string]int{}, byRowID: map[int64]int{}}
	var doc string
	err := db.r.QueryRowContext(ctx, `SELECT id, document FROM elections WHERE code = ?`, code).Scan(&m.id, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundElection(code)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: election %s: %w", code, err)
	}
	if m.id <= 0 || m.id > maxElections {
		return nil, fmt.Errorf("sqlite: election %s has row id %d, outside 1–%d", code, m.id, maxElections)
	}
	m.election = new(actas.Election)
	if err := json.Unmarshal([]byte(doc), m.election); err != nil {
		return nil, fmt.Errorf("sqlite: election %s: stored document: %w", code, err)
	}
	if len(m.election.Contests) > 1<<16 {
		return nil, fmt.Errorf("sqlite: election %s has %d contests, more than %d", code, len(m.election.Contests), 1<<16)
	}
	m.contestIDs = make([]int64, len(m.election.Contests))
	for i, c := range m.election.Contests {
		m.contests[c.ID] = i
		m.contestIDs[i] = -1
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, code FROM contests WHERE election = ?`, m.id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: election %s: contests: %w", code, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, fmt.Errorf("sqlite: election %s: contests: %w", code, err)
		}
		i, ok := m.contests[c]
		if !ok {
			return nil, fmt.Errorf("sqlite: election %s: contest %q is not in the election's document", code, c)
		}
		m.contestIDs[i] = id
		m.byRowID[id] = i
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: election %s: contests: %w", code, err)
	}
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM stations WHERE election = ?`, m.id).Scan(&m.stations); err != nil {
		return nil, fmt.Errorf("sqlite: election %s: stations: %w", code, err)
	}
	for i, id := range m.contestIDs {
		if id < 0 {
			return nil, fmt.Errorf("sqlite: election %s: contest %s has no row", code, m.election.Contests[i].ID)
		}
	}
	db.mu.Lock()
	db.elections[code] = m
	db.mu.Unlock()
	return m, nil
}

// A submission's row id packs its election's row id and its seq: the rows
// of an election are one range of the table, in seq order.
const (
	seqBits = 40
	maxSeq  = 1<<seqBits - 1
	// maxElections keeps the packed row id a positive int64.
	maxElections = 1<<(63-seqBits) - 1
)

// rowID returns the row id of the election's submission with seq.
func (m *electionMeta) rowID(seq int64) int64 { return m.id<<seqBits | seq }

// contest returns the index of the contest with id c. Errors: EINVALID.
func (m *electionMeta) contest(c string) (int, error) {
	i, ok := m.contests[c]
	if !ok {
		return 0, actas.Errorf(actas.EINVALID, "election %s has no contest %q", m.code, c)
	}
	return i, nil
}

func notFoundElection(code string) error {
	return actas.Errorf(actas.ENOTFOUND, "election %q not found", code)
}

// rollback ends tx after a failure; the failure is what the caller reports.
func rollback(tx *sql.Tx) { _ = tx.Rollback() }

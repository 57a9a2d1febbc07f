// Package postgres is the PostgreSQL store of actas (github.com/jackc/pgx/v5):
// an actas.Store that any number of processes (`actas serve` instances) can
// share.
//
// Every write that appends to an election's transparency log (Submit,
// AddTotals, AddSnapshots, AddRecords, CreateElection) and AddCheckpoint
// first takes, in its own transaction, a transaction-level advisory lock
// named by the election (pg_advisory_xact_lock), and only then reads the
// log's size: appends to one log are serialized across every process and
// connection, so the log never forks and no entry is lost or repeated. The
// lock ends with the transaction, once its commit is recorded (durable
// with PostgreSQL's default synchronous_commit = on) and visible to the next
// holder.
//
// Each such transaction also notifies (NOTIFY actas_log) at its commit, so
// that WaitLog in every process learns within a second that a log grew.
//
// The schema comes from the numbered files in migrations/, applied once
// each under a session-level advisory lock, so that several processes
// starting at once do not race. Every table is append-only (triggers refuse
// UPDATE, DELETE and TRUNCATE), except the last, partial page of a log's
// hashes, which grows. Entries are derived from the rows each time they are
// read, so that a number changed behind the program's back shows as an
// entry whose hash disagrees.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/logpage"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Ensure the interface is implemented.
var _ actas.Store = (*DB)(nil)

// DB is an actas.Store in a PostgreSQL database. It is safe for concurrent
// use, and several DBs (in one process or many) may share a database.
type DB struct {
	url  string // with the password removed, for messages
	pool *pgxpool.Pool

	cache logpage.PageCache[int32] // full pages of log hashes read
	edges logpage.EdgeCache[int32] // the right edge of each log, as this process's last Submit left it

	originsMu sync.Mutex
	origins   map[string]int32 // origin text → id, of origins committed

	mu        sync.Mutex
	elections map[string]*electionMeta // by election id; elections never change once created

	closeOnce sync.Once
}

// Advisory lock keys: the two-key form (class, object), with a class of
// our own so that other users of the database do not collide with us.
const (
	lockClassLog        = 0x61637461 // "acta": object = election row id
	lockClassMigration  = 0x6163746d // "actm": object = 0
	lockClassCheckpoint = 0x61637463 // "actc": object = election row id
)

// minConns is the least number of connections the pool may open: a
// Submissions callback may call the store while its page is read.
const minConns = 8

// Open connects to the database at url (postgres:// or postgresql://, any
// libpq connection string pgx accepts; pool_max_conns and the other pgxpool
// parameters apply, with at least 8 connections) and brings its schema up to
// date. Errors: EINVALID for a url that does not parse, or a database holding
// tables of another program; ENOTFOUND when the database does not exist;
// ECONFLICT for a database written by a newer actas (one with a migration
// this program does not know).
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "postgres: %s is not a database URL: %v", Redact(url), redactErr(err))
	}
	if cfg.MaxConns < minConns {
		cfg.MaxConns = minConns
	}
	db := &DB{url: Redact(url), elections: map[string]*electionMeta{}, origins: map[string]int32{}}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", db.url, err)
	}
	db.pool = pool
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "3D000" { // invalid_catalog_name
			return nil, &actas.Error{Code: actas.ENOTFOUND, Err: err,
				Message: fmt.Sprintf("no database at %s: create it first (createdb), then run actas init", db.url)}
		}
		return nil, fmt.Errorf("postgres: open %s: %w", db.url, err)
	}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// dsnPassword finds the password of a key=value connection string.
var dsnPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)

// Redact returns a database URL (or key=value connection string) without
// its password, for messages.
func Redact(s string) string {
	if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
		return dsnPassword.ReplaceAllString(s, "${1}xxxxx")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(a database URL that does not parse)"
	}
	if u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// redactErr keeps pgx's parse errors, which may quote the URL, out of
// messages.
func redactErr(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "://"); i >= 0 {
		return "cannot parse the connection string"
	}
	return msg
}

// URL returns the database URL the store was opened on, without its
// password.
func (db *DB) URL() string { return db.url }

// Close closes the store's connections; later calls do nothing.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { db.pool.Close() })
	return nil
}

// electionMeta is what writes need to know about an election, cached because
// an election never changes once created.
type electionMeta struct {
	id       int32
	code     string
	election *actas.Election
	contests map[string]int // contest id → position in election.Contests
	stations int64          // how many stations the election has

	// attached is set once the election's submissions partition is known
	// to be attached (see migration 0004); it never becomes unattached.
	attached atomic.Bool
}

// selectAttached reports whether the submissions partition of election $1
// is attached: until its first Submit it is a table of its own.
const selectAttached = `SELECT EXISTS (SELECT FROM pg_inherits WHERE inhrelid = to_regclass('submissions_' || $1::integer))`

// attachMemory lets the index builds of an attach (see migration 0004)
// sort a big election's rows in memory: with the server's default (64 MB)
// they take a third longer. It lasts until the transaction ends.
const attachMemory = `SET LOCAL maintenance_work_mem = '256MB'`

// partition returns the name of election eid's partition of parent
// (areas, stations or submissions; see migration 0004).
func partition(parent string, eid int32) pgx.Identifier {
	return pgx.Identifier{parent + "_" + strconv.Itoa(int(eid))}
}

// querier is what a pool, a connection and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
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
	m = &electionMeta{code: code, contests: map[string]int{}}
	var doc []byte
	var attached bool
	err := db.pool.QueryRow(ctx, `SELECT e.id, e.document::text, (SELECT count(*) FROM stations s WHERE s.election = e.id),
		EXISTS (SELECT FROM pg_inherits WHERE inhrelid = to_regclass('submissions_' || e.id))
		FROM elections e WHERE e.code = $1`, code).Scan(&m.id, &doc, &m.stations, &attached)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFoundElection(code)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: election %s: %w", code, err)
	}
	m.election = new(actas.Election)
	if err := json.Unmarshal(doc, m.election); err != nil {
		return nil, fmt.Errorf("postgres: election %s: stored document: %w", code, err)
	}
	for i, c := range m.election.Contests {
		m.contests[c.ID] = i
	}
	m.attached.Store(attached)
	db.mu.Lock()
	db.elections[code] = m
	db.mu.Unlock()
	return m, nil
}

// contest returns the position of the contest with id c. Errors: EINVALID.
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

// lockLog takes, in tx, the lock that serializes appends to election m's
// log across every process; it is released when tx ends. It must be a
// statement of its own, before any read of the log: in READ COMMITTED each
// statement sees what was committed when it started, so a read in the same
// statement as the lock could miss what the previous holder committed while
// this one waited, and fork the log.
func lockLog(ctx context.Context, tx pgx.Tx, election int32) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, int32(lockClassLog), election); err != nil {
		return fmt.Errorf("lock the log: %w", err)
	}
	return nil
}

// wrapf returns err as it is when it is an *actas.Error (its message is
// for users), and wrapped with the context format states otherwise.
func wrapf(err error, format string, args ...any) error {
	var e *actas.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// rollback ends tx after a failure; the failure is what the caller reports.
func rollback(ctx context.Context, tx pgx.Tx) { _ = tx.Rollback(context.WithoutCancel(ctx)) }

// isUniqueViolation reports whether err is PostgreSQL's unique_violation
// (23505), optionally on the named constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return false
	}
	return constraint == "" || pe.ConstraintName == constraint
}

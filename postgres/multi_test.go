package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/pgtest"
	"github.com/actasproject/actas/postgres"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/translog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/mod/sumdb/tlog"
)

// MustOpen opens a store on url and closes it when tb ends.
func MustOpen(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("postgres.Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustConn connects to url with plain pgx, as someone with psql would, and
// closes the connection when tb ends.
func MustConn(tb testing.TB, url string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestInstances runs several stores on one database, as several `actas
// serve` processes would (each *DB is a pool of its own), all appending to
// one election's log at once.
func TestInstances(t *testing.T) {
	tests := []struct {
		name      string
		instances int
		writers   int
	}{
		{"two instances, one writer each", 2, 2},
		{"three instances, four writers each", 3, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := MustStoreURL(t)
			dbs := make([]*postgres.DB, tt.instances)
			for i := range dbs {
				dbs[i] = MustOpen(t, url)
			}
			const e = "e1"
			storetest.MustCreateElection(t, dbs[0], storetest.Election(e), storetest.Stations())
			stations := storetest.Stations()

			// Every writer submits every station's witness sheet
			// (shared: new exactly once overall) in its own order and
			// batches, interleaved with a total and a record of its own,
			// through instance writer % instances.
			var mu sync.Mutex
			newOnce := map[string]int{}
			seqs := map[int64]string{}
			var wg sync.WaitGroup
			errs := make(chan error, tt.writers)
			for w := range tt.writers {
				wg.Go(func() {
					db := dbs[w%len(dbs)]
					rnd := rand.New(rand.NewPCG(uint64(w), 11))
					order := rnd.Perm(len(stations))
					for len(order) > 0 {
						n := min(1+rnd.IntN(5), len(order))
						var batch []*actas.Submission
						for _, i := range order[:n] {
							batch = append(batch, storetest.Sub(actas.Witness, storetest.Sheet(stations[i].Code, "president", 0)))
						}
						order = order[n:]
						out, err := db.Submit(t.Context(), e, batch, nil)
						if err != nil {
							errs <- fmt.Errorf("writer %d: %w", w, err)
							return
						}
						mu.Lock()
						for j, o := range out {
							if o == actas.New {
								newOnce[batch[j].Sheet.Station]++
								if other, dup := seqs[batch[j].Seq]; dup {
									errs <- fmt.Errorf("seq %d given to stations %s and %s", batch[j].Seq, other, batch[j].Sheet.Station)
								}
								seqs[batch[j].Seq] = batch[j].Sheet.Station
							}
						}
						mu.Unlock()
						if rnd.IntN(3) == 0 {
							total := actas.OfficialTotal{Contest: "president", Bulletin: fmt.Sprintf("b%d", w), Area: "", Choice: "a", Votes: int64(len(order))}
							if _, err := db.AddTotals(t.Context(), e, []actas.OfficialTotal{total}); err != nil {
								errs <- fmt.Errorf("writer %d: AddTotals: %w", w, err)
								return
							}
						}
						if rnd.IntN(3) == 0 {
							rec := &actas.Record{Kind: "note", Subject: "x", Account: fmt.Sprint(w), Time: time.Now(), Body: []byte(`{}`)}
							if err := db.AddRecords(t.Context(), e, []*actas.Record{rec}); err != nil {
								errs <- fmt.Errorf("writer %d: AddRecords: %w", w, err)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			for _, st := range stations {
				if newOnce[st.Code] != 1 {
					t.Fatalf("station %s's sheet was new %d times, want once", st.Code, newOnce[st.Code])
				}
			}
			// The log, read through each instance, is complete, consistent
			// with its hashes and the same everywhere.
			var root translog.Hash
			for i, db := range dbs {
				l := storetest.MustLog(t, db, e)
				if i == 0 {
					root = l.Root
				} else if l.Root != root {
					t.Fatalf("instance %d reads root %x, instance 0 %x", i, l.Root, root)
				}
				subs := 0
				for _, p := range l.Parsed {
					if p.Kind == translog.KindSubmission {
						subs++
					}
				}
				if subs != len(stations) {
					t.Fatalf("the log holds %d submissions, want %d", subs, len(stations))
				}
			}
			// A checkpoint signed on one instance binds the others: a
			// fork of it is refused everywhere.
			signer, _ := storetest.MustSigner(t)
			size, err := dbs[0].LogSize(t.Context(), e)
			if err != nil {
				t.Fatal(err)
			}
			storetest.MustCheckpoint(t, dbs[0], signer, e, size)
			forked := storetest.SignCheckpoint(t, signer, e, size, translog.Hash{1})
			for i, db := range dbs {
				if err := db.AddCheckpoint(t.Context(), e, forked); actas.ErrorCode(err) != actas.ECONFLICT {
					t.Fatalf("instance %d: AddCheckpoint(fork): %v, want ECONFLICT", i, err)
				}
			}
		})
	}
}

// TestMigrations opens a new database from several pools at once: one
// applies the migrations, the others wait for it, and each is recorded once.
func TestMigrations(t *testing.T) {
	tests := []struct {
		name  string
		pools int
	}{
		{"one process", 1},
		{"four processes starting at once", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := pgtest.MustDatabase(t)
			var wg sync.WaitGroup
			errs := make(chan error, tt.pools)
			for range tt.pools {
				wg.Go(func() {
					db, err := postgres.Open(t.Context(), url)
					if err != nil {
						errs <- err
						return
					}
					errs <- db.Close()
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
			}
			conn := MustConn(t, url)
			rows, err := conn.Query(t.Context(), `SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version`)
			if err != nil {
				t.Fatal(err)
			}
			type row struct{ Version, Count int }
			got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
			if err != nil {
				t.Fatal(err)
			}
			if len(got) < 2 {
				t.Fatalf("schema_migrations records %v, want every migration", got)
			}
			for i, r := range got {
				if r.Version != i+1 || r.Count != 1 {
					t.Fatalf("schema_migrations records %v, want versions 1, 2, … once each", got)
				}
			}
			// Opening it again changes nothing.
			MustOpen(t, url).Close()
			var n int
			if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(got) {
				t.Fatalf("after reopening, %d migrations recorded (%v), want %d", n, err, len(got))
			}
		})
	}
}

// TestOpenRefuses checks that Open leaves alone databases that are not
// actas's, or are newer than it.
func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, conn *pgx.Conn)
		code  string
	}{
		{"a database of another program", func(t *testing.T, conn *pgx.Conn) {
			if _, err := conn.Exec(t.Context(), `CREATE TABLE invoices (id int)`); err != nil {
				t.Fatal(err)
			}
		}, actas.EINVALID},
		{"a database migrated by a newer actas", func(t *testing.T, conn *pgx.Conn) {
			if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')`); err != nil {
				t.Fatal(err)
			}
		}, actas.ECONFLICT},
		{"a URL that is not one", nil, actas.EINVALID},
		{"a database that does not exist", nil, actas.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := "postgres://%zz"
			if tt.code == actas.ENOTFOUND {
				// The server's address, another database's name.
				url = strings.Replace(pgtest.MustDatabase(t), "/t_", "/missing_", 1)
			}
			if tt.setup != nil {
				url = pgtest.MustDatabase(t)
				if tt.code == actas.ECONFLICT {
					MustOpen(t, url).Close()
				}
				tt.setup(t, MustConn(t, url))
			}
			db, err := postgres.Open(t.Context(), url)
			if err == nil {
				db.Close()
			}
			if got := actas.ErrorCode(err); got != tt.code {
				t.Fatalf("Open: %v (code %q), want code %q", err, got, tt.code)
			}
		})
	}
}

// TestAppendOnly checks the database's own defence: plain SQL cannot change
// or delete what the store wrote, and a log page only grows.
func TestAppendOnly(t *testing.T) {
	url := MustStoreURL(t)
	db := MustOpen(t, url)
	storetest.MustCreateElection(t, db, storetest.Election("e1"), storetest.Stations())
	storetest.MustSubmit(t, db, "e1", storetest.File(actas.Witness, 0)...)
	conn := MustConn(t, url)
	tests := []struct {
		name string
		sql  string
	}{
		{"a submission's votes are not updated", `UPDATE submissions SET ballots = ballots + 1`},
		{"a submission is not deleted", `DELETE FROM submissions WHERE seq = 1`},
		{"submissions are not truncated", `TRUNCATE submissions`},
		{"a station is not changed", `UPDATE stations SET registered = 0`},
		// Each election's rows are a partition (migration 0004), which a
		// statement may name.
		{"a submission is not deleted from its election's partition", `DELETE FROM submissions_1 WHERE seq = 1`},
		{"a station is not changed in its election's partition", `UPDATE stations_1 SET registered = 0`},
		{"an election's areas are not deleted", `DELETE FROM areas_1`},
		{"a full log page is not rewritten", `UPDATE log_pages SET hashes = hashes || hashes WHERE page = 0`},
		{"a log page does not shrink", `UPDATE log_pages SET hashes = substring(hashes FROM 1 FOR 32) WHERE page = (SELECT max(page) FROM log_pages)`},
		{"a log page is not deleted", `DELETE FROM log_pages`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := conn.Exec(t.Context(), tt.sql)
			if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "23001" {
				t.Fatalf("%s: %v, want refused by the append-only rules (restrict_violation)", tt.sql, err)
			}
		})
	}
	storetest.MustLog(t, db, "e1")
}

// TestTamper changes stored numbers behind the store's back, as someone
// with the database's password could (disabling the triggers), and checks
// that the log then disagrees with its hashes.
func TestTamper(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want string // what LogEntries reports (EINTERNAL), "" when the entries read but disagree with the hashes
	}{
		{"a vote changed", `UPDATE submissions SET votes[1] = votes[1] + 1 WHERE seq = 2`, ""},
		{"a submission deleted", `DELETE FROM submissions WHERE seq = 3`, "no row for entry 3"},
		{"a submission's origin deleted", `DELETE FROM origins`, "cannot derive entry 1"},
		{"a station's registered voters changed", `UPDATE stations SET registered = registered + 1 WHERE id = 0`, ""},
		{"a submission's source changed", `UPDATE submissions SET source = 'official' WHERE seq = 1`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := MustStoreURL(t)
			db := MustOpen(t, url)
			storetest.MustCreateElection(t, db, storetest.Election("e1"), storetest.Stations())
			storetest.MustSubmit(t, db, "e1", storetest.File(actas.Witness, 0)[:10]...)
			conn := MustConn(t, url)
			for _, q := range []string{`SET session_replication_role = replica`, tt.sql} {
				if _, err := conn.Exec(t.Context(), q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			size, err := db.LogSize(t.Context(), "e1")
			if err != nil {
				t.Fatal(err)
			}
			var entries [][]byte
			err = db.LogEntries(t.Context(), "e1", 0, size, func(_ int64, e []byte) error {
				entries = append(entries, e)
				return nil
			})
			if tt.want != "" {
				if actas.ErrorCode(err) != actas.EINTERNAL || !strings.Contains(fmt.Sprint(err), tt.want) {
					t.Fatalf("LogEntries: %v, want EINTERNAL naming %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("LogEntries: %v", err)
			}
			leaves := make([]int64, len(entries))
			for i := range entries {
				leaves[i] = tlog.StoredHashIndex(0, int64(i))
			}
			stored, err := db.LogHashes(t.Context(), "e1", leaves)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range entries {
				if translog.LeafHash(e) != stored[i] {
					return // detected
				}
			}
			t.Fatalf("after %s every entry still matches its stored hash", tt.sql)
		})
	}
}

// TestWaitLog follows one instance's log from another, as an `actas serve`
// instance updating its tabulation would.
func TestWaitLog(t *testing.T) {
	url := MustStoreURL(t)
	writer, follower := MustOpen(t, url), MustOpen(t, url)
	storetest.MustCreateElection(t, writer, storetest.Election("e1"), storetest.Stations())
	storetest.MustCreateElection(t, writer, storetest.Election("e2"), storetest.Stations())
	tests := []struct {
		name     string
		election string // written to
		wantWake bool   // whether the follower of e1 wakes
	}{
		{"a submission on another instance wakes the follower", "e1", true},
		{"a submission to another election does not", "e2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size, err := follower.LogSize(t.Context(), "e1")
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				n   int64
				err error
			}
			done := make(chan result, 1)
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			go func() {
				n, err := follower.WaitLog(ctx, "e1", size)
				done <- result{n, err}
			}()
			time.Sleep(100 * time.Millisecond)
			start := time.Now()
			storetest.MustSubmit(t, writer, tt.election, storetest.Sub(actas.Witness, storetest.Sheet("001", "president", time.Now().UnixNano()%1000)))
			r := <-done
			switch {
			case tt.wantWake && r.err != nil:
				t.Fatalf("WaitLog: %v", r.err)
			case tt.wantWake && r.n != size+1:
				t.Fatalf("WaitLog returned size %d, want %d", r.n, size+1)
			case tt.wantWake && time.Since(start) > 1500*time.Millisecond:
				t.Fatalf("WaitLog woke after %v, want within a second", time.Since(start))
			case !tt.wantWake && !errors.Is(r.err, context.DeadlineExceeded):
				t.Fatalf("WaitLog(e1) after a write to e2: %d, %v; want to wait until the deadline", r.n, r.err)
			}
		})
	}
	t.Run("a log already longer returns at once", func(t *testing.T) {
		n, err := follower.WaitLog(t.Context(), "e1", 0)
		if err != nil || n < 1 {
			t.Fatalf("WaitLog(0): %d, %v", n, err)
		}
	})
	t.Run("an unknown election", func(t *testing.T) {
		if _, err := follower.WaitLog(t.Context(), "nope", 0); actas.ErrorCode(err) != actas.ENOTFOUND {
			t.Fatalf("WaitLog(nope): %v, want ENOTFOUND", err)
		}
	})
}

// TestImportAtScale imports enough stations for the paths that only big
// batches take (stations read on another core and resolved in halves,
// outcomes decided in a table, digests on every core, rows copied in
// binary into a partition attached afterwards), then the same file again
// and a file that changes some sheets, and checks every outcome, every
// stored sheet against its station, and the log.
func TestImportAtScale(t *testing.T) {
	const n = 40_000
	e, stations, subs := storetest.ScaleElection(n)
	db := MustOpen(t, MustStoreURL(t))
	storetest.MustCreateElection(t, db, e, stations)
	fresh := func(change func(i int, s *actas.Sheet)) []*actas.Submission {
		out := make([]*actas.Submission, len(subs))
		for i, s := range subs {
			c := *s
			c.Sheet.Votes = slices.Clone(s.Sheet.Votes)
			if change != nil {
				change(i, &c.Sheet)
			}
			out[i] = &c
		}
		// Not in the stations' order: a batch names them as its file does.
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	changed := func(i int, s *actas.Sheet) {
		if i%7 == 0 {
			s.Blank++
			s.Ballots++
		}
	}
	tests := []struct {
		name string
		subs []*actas.Submission
		want func(s *actas.Submission) actas.Outcome
	}{
		{"the first import stores every sheet", fresh(nil), func(*actas.Submission) actas.Outcome { return actas.New }},
		{"the same file again stores nothing", fresh(nil), func(*actas.Submission) actas.Outcome { return actas.Present }},
		{"a file changing every seventh sheet stores those", fresh(changed), func(s *actas.Submission) actas.Outcome {
			var i int
			fmt.Sscanf(s.Sheet.Station, "S%d", &i)
			if (i-1)%7 == 0 {
				return actas.Differing
			}
			return actas.Present
		}},
	}
	for _, tt := range tests {
		got, err := db.Submit(t.Context(), e.ID, tt.subs, nil)
		if err != nil {
			t.Fatalf("%s: Submit: %v", tt.name, err)
		}
		for i, s := range tt.subs {
			if want := tt.want(s); got[i] != want {
				t.Fatalf("%s: station %s: %v, want %v", tt.name, s.Sheet.Station, got[i], want)
			}
		}
	}
	stored := storetest.MustSubmissions(t, db, e.ID)
	if want := n + (n+6)/7; len(stored) != want {
		t.Fatalf("%d submissions stored, want %d", len(stored), want)
	}
	byCode := map[string]*actas.Submission{}
	for _, s := range subs {
		byCode[s.Sheet.Station] = s
	}
	for _, s := range stored {
		orig := byCode[s.Sheet.Station]
		if orig == nil || !slices.Equal(s.Sheet.Votes, orig.Sheet.Votes) || s.Sheet.Null != orig.Sheet.Null {
			t.Fatalf("stored sheet %+v is not station %s's", s.Sheet, s.Sheet.Station)
		}
	}
	// Reading the log back joins every submission to its station: with
	// the new partitions' statistics missing, the planner once chose to
	// scan the stations for each (two minutes for this log, not a second).
	storetest.MustLog(t, db, e.ID)
}

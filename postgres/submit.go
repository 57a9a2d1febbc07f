package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/logpage"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/actasproject/actas/translog"
	"github.com/jackc/pgx/v5"
)

// progressEvery is how many submissions Submit handles between calls of its
// progress callback.
const progressEvery = 8192

// lookupCost is how many rows PostgreSQL reads in order in the time of one
// index lookup, roughly: it decides between looking a few things up and
// reading them all.
const lookupCost = 20

// copyRowsFrom is the number of submissions from which Submit copies them
// (COPY) rather than sending one INSERT each in one round trip, and
// computes their log hashes beside the copy.
const copyRowsFrom = 64

// batch is one call of Submit.
type batch struct {
	*storeutil.Batch
	m        *electionMeta
	ids      []int32          // station number per slot, -1 while unknown
	known    *storeutil.Known // the digests known per key (set in Submit's transaction)
	attached bool             // the election's submissions partition is attached (read under the log's lock)
	keys     *batchKeys       // with SubmitRemembering: the requests' idempotency keys
	skip     []bool           // per submission: store nothing (its request's key is kept)
}

// newBatch checks the form of subs and computes their digests; it touches
// no database. Errors: EINVALID naming the station (the first malformed
// submission).
func newBatch(m *electionMeta, subs []*actas.Submission) (*batch, error) {
	checked, err := storeutil.CheckBatch(m.election, m.contests, subs)
	if err != nil {
		return nil, err
	}
	b := &batch{Batch: checked, m: m}
	b.ids = make([]int32, len(b.Codes))
	for i := range b.ids {
		b.ids[i] = -1
	}
	return b, nil
}

// key returns the sheet key of subs[i]; stations must be resolved.
func (b *batch) key(i int) storeutil.SheetKey {
	return storeutil.MakeKey(int64(b.ids[b.Slots[i]]), b.Contests[i], b.Sources[i])
}

// stationCodes is the number and code of every station of an election,
// read in one pass (for a batch naming many; a few are looked up by
// lookUp), with the codes end to end in one buffer.
type stationCodes struct {
	ids  []int32
	ends []int // end of each code in buf
	buf  []byte
}

// read reads the stations of election eid with tx.
func (c *stationCodes) read(ctx context.Context, tx pgx.Tx, eid int32) error {
	rows, err := tx.Query(ctx, `SELECT id, code FROM stations WHERE election = $1`, eid)
	if err != nil {
		return err
	}
	var id int32
	var code []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &code}, func() error {
		c.ids = append(c.ids, id)
		c.buf = append(c.buf, code...)
		c.ends = append(c.ends, len(c.buf))
		return nil
	})
	return err
}

// resolveStations finds the number of every station the batch names in
// the election's stations c, in halves on two cores for many (each code is
// one station's, so each half sets numbers of its own).
func (b *batch) resolveStations(c *stationCodes) {
	resolve := func(lo, hi int) {
		start := 0
		if lo > 0 {
			start = c.ends[lo-1]
		}
		for i := lo; i < hi; i++ {
			b.noteStation(c.ids[i], c.buf[start:c.ends[i]])
			start = c.ends[i]
		}
	}
	n := len(c.ids)
	if n < 1<<14 {
		resolve(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { resolve(0, n/2) })
	resolve(n/2, n)
	wg.Wait()
}

// noteStation records that the station with code has number id.
func (b *batch) noteStation(id int32, code []byte) {
	if slot, ok := b.Codes[string(code)]; ok {
		b.ids[slot] = id
	}
}

// unknownStation returns EINVALID naming the first submission, in batch
// order, whose station is not the election's, or nil.
func (b *batch) unknownStation() error {
	for i, s := range b.Subs {
		if b.ids[b.Slots[i]] < 0 {
			return actas.Errorf(actas.EINVALID, "election %s has no station %q", b.m.code, s.Sheet.Station)
		}
	}
	return nil
}

// codeList returns the batch's distinct station codes.
func (b *batch) codeList() []string {
	codes := make([]string, 0, len(b.Codes))
	for c := range b.Codes {
		codes = append(codes, c)
	}
	return codes
}

// lookUp reads, in one round trip, everything a batch naming a few
// stations needs before it decides: it takes the log's lock, then reads the
// log's extent, the batch's stations, which of its photos are stored and
// what its stations stored before. (Statements of one round trip still run
// one after the other, each seeing what was committed when it started: all
// but the first start once the lock is held.) Errors: EINVALID for an
// unknown station or a missing photo.
func (b *batch) lookUp(ctx context.Context, tx pgx.Tx) (logpage.Extent, error) {
	var x logpage.Extent
	var q pgx.Batch
	q.Queue(`SELECT pg_advisory_xact_lock($1, $2)`, int32(lockClassLog), b.m.id)
	q.Queue(selectLogExtent, b.m.id, true).QueryRow(func(row pgx.Row) error { return scanLogExtent(row, &x) })
	b.attached = b.m.attached.Load()
	if !b.attached {
		q.Queue(selectAttached, b.m.id).QueryRow(func(row pgx.Row) error { return row.Scan(&b.attached) })
	}
	codes := b.codeList()
	q.Queue(`SELECT id, code FROM stations WHERE election = $1 AND code = ANY($2::text[])`, b.m.id, codes).Query(func(rows pgx.Rows) error {
		var id int32
		var code []byte
		_, err := pgx.ForEachRow(rows, []any{&id, &code}, func() error {
			b.noteStation(id, code)
			return nil
		})
		return err
	})
	var photos []string
	if len(b.Photos) > 0 {
		q.Queue(selectPhotos, b.m.id, b.Photos.Names()).Query(func(rows pgx.Rows) error {
			var err error
			photos, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
	}
	var priorErr error
	q.Queue(`SELECT s.seq, s.station, s.contest, s.source, s.digest FROM stations st
		JOIN submissions s ON s.election = st.election AND s.station = st.id
		WHERE st.election = $1 AND st.code = ANY($2::text[])`, b.m.id, codes).Query(func(rows pgx.Rows) error {
		var seq int64
		var station, contest int32
		var source, digest []byte
		_, err := pgx.ForEachRow(rows, []any{&seq, &station, &contest, &source, &digest}, func() error {
			if priorErr == nil {
				priorErr = b.addPrior(seq, station, contest, source, digest)
			}
			return nil
		})
		return err
	})
	if b.keys != nil {
		b.keys.queue(&q)
	}
	if err := tx.SendBatch(ctx, &q).Close(); err != nil {
		return x, fmt.Errorf("postgres: submit to %s: %w", b.m.code, err)
	}
	if err := b.unknownStation(); err != nil {
		return x, err
	}
	if len(b.Photos) > 0 {
		if err := b.photosFound(photos); err != nil {
			return x, err
		}
	}
	if priorErr != nil {
		return x, fmt.Errorf("postgres: submit to %s: earlier submissions: %w", b.m.code, priorErr)
	}
	if b.keys != nil {
		if err := b.keys.mark(b.skip); err != nil {
			return x, err
		}
	}
	return x, nil
}

// loadPrior reads the digests the batch's stations stored before, for the
// contests and sources the batch names, when the election's log holds
// stored entries: by station when the batch names few next to that, else
// with one pass over the election's submissions (a whole file imported
// again).
func (b *batch) loadPrior(ctx context.Context, tx pgx.Tx, stored int64) error {
	var in []bool
	var rows pgx.Rows
	var err error
	if int64(len(b.ids))*lookupCost < stored {
		rows, err = tx.Query(ctx, `SELECT seq, station, contest, source, digest FROM submissions WHERE election = $1 AND station = ANY($2::integer[])`,
			b.m.id, b.ids)
	} else {
		in = make([]bool, b.m.stations)
		for _, id := range b.ids {
			in[id] = true
		}
		rows, err = tx.Query(ctx, `SELECT seq, station, contest, source, digest FROM submissions WHERE election = $1`, b.m.id)
	}
	if err != nil {
		return err
	}
	var seq int64
	var station, contest int32
	var source, digest []byte
	_, err = pgx.ForEachRow(rows, []any{&seq, &station, &contest, &source, &digest}, func() error {
		if in != nil && (station < 0 || int(station) >= len(in) || !in[station]) {
			return nil
		}
		return b.addPrior(seq, station, contest, source, digest)
	})
	return err
}

// addPrior records a digest stored before this batch with log index seq,
// if its contest and source matter to the batch.
func (b *batch) addPrior(seq int64, station, contest int32, source, digest []byte) error {
	if contest < 0 || int(contest) >= len(b.Pairs) {
		return fmt.Errorf("a stored submission of station %d names contest %d, which is not the election's", station, contest)
	}
	var si uint8
	var ok bool
	for i, src := range actas.Sources {
		if string(src) == string(source) {
			si, ok = uint8(i), true
			break
		}
	}
	if !ok {
		return fmt.Errorf("a stored submission of station %d has unknown source %q", station, source)
	}
	if b.Pairs[contest]&(1<<si) == 0 {
		return nil
	}
	if len(digest) != 32 {
		return fmt.Errorf("a stored submission of station %d has a digest of %d bytes", station, len(digest))
	}
	b.known.AddPrior(storeutil.MakeKey(int64(station), contest, si), [32]byte(digest), seq)
	return nil
}

// Submit stores subs in one transaction: all of them or none. See
// actas.SubmissionStore. The transaction takes the election's log lock
// before it reads what is stored, so that concurrent calls, from any
// process, decide outcomes and number entries one after the other. On
// success it sets Seq and Election of every submission it stored (outcome
// New or Differing) and leaves the others untouched. Beyond the interface's
// errors it refuses (EINVALID) a source that is not one of actas.Sources, a
// sheet that fails actas.CheckForm, a submission naming another election,
// and a received time outside years 1–9999.
func (db *DB) Submit(ctx context.Context, election string, subs []*actas.Submission, progress func(done int)) ([]actas.Outcome, error) {
	return db.submit(ctx, election, subs, nil, progress)
}

// submit is Submit, keeping the idempotency keys of reqs when they are
// given (SubmitRemembering, which checked them).
func (db *DB) submit(ctx context.Context, election string, subs []*actas.Submission, reqs []*actas.RememberedRequest, progress func(done int)) ([]actas.Outcome, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	// A batch naming many of the election's stations (an import) reads them
	// all, on another core while the batch is checked; a few (a live
	// submission) are looked up with everything else in one round trip.
	bulk := len(subs) > 0 && int64(len(subs))*lookupCost >= m.stations
	var tx pgx.Tx
	var stations stationCodes
	read := make(chan error, 1)
	if bulk {
		if tx, err = db.pool.Begin(ctx); err != nil {
			return nil, fmt.Errorf("postgres: submit to %s: %w", election, err)
		}
		defer rollback(ctx, tx)
		go func() { read <- stations.read(ctx, tx, m.id) }()
	} else {
		read <- nil
	}
	b, err := newBatch(m, subs)
	readErr := <-read
	if err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, fmt.Errorf("postgres: submit to %s: stations: %w", election, readErr)
	}
	if reqs != nil {
		b.keys, b.skip = &batchKeys{reqs: reqs}, make([]bool, len(subs))
	}
	outcomes := make([]actas.Outcome, len(subs))
	if len(subs) == 0 {
		if progress != nil {
			progress(0)
		}
		return outcomes, nil
	}
	if !bulk {
		if tx, err = db.pool.Begin(ctx); err != nil {
			return nil, fmt.Errorf("postgres: submit to %s: %w", election, err)
		}
		defer rollback(ctx, tx)
	}
	if bulk {
		b.known = storeutil.NewKnownTable(b.Digests, m.stations, b.Pairs)
	} else {
		b.known = storeutil.NewKnown(b.Digests)
	}
	var lg *logAppender
	if !bulk {
		// A few stations (a live submission): one round trip.
		x, err := b.lookUp(ctx, tx)
		if err != nil {
			return nil, err
		}
		if lg, err = appenderAt(ctx, tx, m, x, db.edges.Get(m.id)); err != nil {
			return nil, wrapf(err, "postgres: submit to %s", election)
		}
	} else {
		// Many: the stations read, then a pass over what was stored
		// before.
		b.resolveStations(&stations)
		if err := b.unknownStation(); err != nil {
			return nil, err
		}
		if err := b.checkPhotos(ctx, tx); err != nil {
			return nil, err
		}
		// From here on the log is ours until the transaction ends; every
		// read below sees what the previous holder committed.
		if err := lockLog(ctx, tx, m.id); err != nil {
			return nil, fmt.Errorf("postgres: submit to %s: %w", election, err)
		}
		if b.attached = m.attached.Load(); !b.attached {
			if err := tx.QueryRow(ctx, selectAttached, m.id).Scan(&b.attached); err != nil {
				return nil, fmt.Errorf("postgres: submit to %s: %w", election, err)
			}
		}
		if lg, err = newLogAppenderFrom(ctx, tx, m, db.edges.Get(m.id)); err != nil {
			return nil, wrapf(err, "postgres: submit to %s", election)
		}
		if lg.Start() > 1 {
			if err := b.loadPrior(ctx, tx, lg.Start()-1); err != nil {
				return nil, fmt.Errorf("postgres: submit to %s: earlier submissions: %w", election, err)
			}
		}
		if b.keys != nil {
			var q pgx.Batch
			b.keys.queue(&q)
			if err := tx.SendBatch(ctx, &q).Close(); err != nil {
				return nil, fmt.Errorf("postgres: submit to %s: idempotency keys: %w", election, err)
			}
			if err := b.keys.mark(b.skip); err != nil {
				return nil, err
			}
		}
	}
	size := lg.Start()
	order := b.known.Decide(len(subs), b.key, b.skip, outcomes)
	origins, err := db.storeOrigins(ctx, tx, b, order)
	if err != nil {
		return nil, fmt.Errorf("postgres: submit to %s: origins: %w", election, err)
	}
	// The keys of a live batch go in the round trip of its rows.
	var fresh []*actas.RememberedRequest
	var raced bool
	if b.keys != nil {
		if fresh, err = b.keys.prepare(b, order, size); err != nil {
			return nil, err
		}
	}
	keys := func(q *pgx.Batch) {
		if b.keys != nil {
			b.keys.queueInsert(q, fresh, &raced)
		}
	}
	if err := b.store(ctx, tx, lg, order, origins, progress, keys); err != nil {
		return nil, err
	}
	if b.keys != nil {
		if err := b.keys.finish(ctx, tx, fresh, raced); err != nil {
			return nil, err
		}
	}
	// The edge is computed before the commit (an error then aborts it),
	// and kept after it.
	edge, err := lg.EdgeAfter()
	if err != nil {
		return nil, fmt.Errorf("postgres: submit to %s: log: %w", election, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: submit to %s: %w", election, err)
	}
	db.edges.Put(m.id, edge)
	if b.attached {
		m.attached.Store(true)
	}
	db.originsMu.Lock()
	maps.Copy(db.origins, origins)
	db.originsMu.Unlock()
	for k, i := range order {
		subs[i].Seq = size + int64(k)
		subs[i].Election = election
	}
	if progress != nil {
		progress(len(subs))
	}
	return outcomes, nil
}

// encodeEntry appends to dst the log entry of subs[i] stored with log index
// seq; s is scratch space, so that the submission itself stays as it was
// until the transaction commits.
func (b *batch) encodeEntry(dst []byte, i int32, seq int64, s *actas.Submission) ([]byte, error) {
	*s = *b.Subs[i]
	s.Seq, s.Election = seq, b.m.code
	return translog.EncodeSubmission(dst, s, &b.m.election.Contests[b.Contests[i]])
}

// appendEntries appends the entries of the submissions order names to lg.
func (b *batch) appendEntries(lg *logAppender, order []int32, stop <-chan struct{}) error {
	// The entry follows a zero byte, so that its leaf hash (RFC 6962:
	// SHA-256 of 0x00 and the entry, as translog.LeafHash) is one call on
	// one buffer, allocating nothing.
	leaf := []byte{0}
	var s actas.Submission
	var err error
	for k, i := range order {
		if k%1024 == 0 {
			select {
			case <-stop:
				return context.Canceled
			default:
			}
		}
		if leaf, err = b.encodeEntry(leaf[:1], i, lg.Start()+int64(k), &s); err != nil {
			return err
		}
		if err := lg.AppendLeaf(sha256.Sum256(leaf)); err != nil {
			return err
		}
	}
	return nil
}

// store inserts the submissions order names, the k-th with log index
// lg.start+k, and appends their entries to the log with their hashes; more
// queues statements of the caller's to send with the rows.
func (b *batch) store(ctx context.Context, tx pgx.Tx, lg *logAppender, order []int32, origins map[string]int32, progress func(int), more func(*pgx.Batch)) error {
	if len(order) == 0 {
		return sendMore(ctx, tx, more)
	}
	src := &submissionRows{b: b, order: order, start: lg.Start(), origins: origins, progress: progress, k: -1}
	if len(order) < copyRowsFrom {
		if err := b.attach(ctx, tx); err != nil {
			return err
		}
		if err := b.appendEntries(lg, order, nil); err != nil {
			return fmt.Errorf("postgres: submit to %s: log: %w", b.m.code, err)
		}
		// The rows and the log's pages in one round trip.
		var batch pgx.Batch
		for src.Next() {
			vals, err := src.Values()
			if err != nil {
				return err
			}
			batch.Queue(insertSubmission, slices.Clone(vals)...)
		}
		if err := lg.queuePages(ctx, tx, &batch); err != nil {
			return fmt.Errorf("postgres: submit to %s: log: %w", b.m.code, err)
		}
		more(&batch)
		if err := tx.SendBatch(ctx, &batch).Close(); err != nil {
			return wrapf(err, "postgres: submit to %s", b.m.code)
		}
		return nil
	}
	// The entries and hashes are computed on another core while the rows
	// are copied.
	stop := make(chan struct{})
	hashed := make(chan error, 1)
	go func() { hashed <- b.appendEntries(lg, order, stop) }()
	// Straight into the election's partition; when it is not attached yet
	// (a first import), attaching it then builds its indexes from the rows,
	// much faster than keeping them up to date row by row.
	if _, err := copyBinary(ctx, tx, partition("submissions", b.m.id), submissionColumns, src.appendRow); err != nil {
		close(stop)
		<-hashed
		return wrapf(err, "postgres: submit to %s", b.m.code)
	}
	if err := <-hashed; err != nil {
		return fmt.Errorf("postgres: submit to %s: log: %w", b.m.code, err)
	}
	if err := b.attach(ctx, tx); err != nil {
		return err
	}
	if err := lg.writePages(ctx, tx); err != nil {
		return fmt.Errorf("postgres: submit to %s: log: %w", b.m.code, err)
	}
	return sendMore(ctx, tx, more)
}

// sendMore sends what more queues, if anything.
func sendMore(ctx context.Context, tx pgx.Tx, more func(*pgx.Batch)) error {
	var q pgx.Batch
	more(&q)
	if q.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, &q).Close()
}

// attach attaches the election's submissions partition, unless it is.
func (b *batch) attach(ctx context.Context, tx pgx.Tx) error {
	if b.attached {
		return nil
	}
	if _, err := tx.Exec(ctx, attachMemory); err != nil {
		return fmt.Errorf("postgres: submit to %s: %w", b.m.code, err)
	}
	if _, err := tx.Exec(ctx, `SELECT actas_attach('submissions', $1)`, b.m.id); err != nil {
		return fmt.Errorf("postgres: submit to %s: attach its submissions: %w", b.m.code, err)
	}
	b.attached = true
	return nil
}

// storeOrigins stores the origin texts of the submissions order names that
// this process has not seen committed, and returns the id of each text.
// Origins are never changed or deleted, so a committed one's id holds for
// good.
func (db *DB) storeOrigins(ctx context.Context, tx pgx.Tx, b *batch, order []int32) (map[string]int32, error) {
	out := map[string]int32{}
	var texts []string
	db.originsMu.Lock()
	for _, i := range order {
		o := b.Subs[i].Origin
		if _, ok := out[o]; ok {
			continue
		}
		if id, ok := db.origins[o]; ok {
			out[o] = id
			continue
		}
		out[o] = -1
		texts = append(texts, o)
	}
	db.originsMu.Unlock()
	if len(texts) == 0 {
		return out, nil
	}
	// In one order, so that two transactions adding the same texts wait
	// for each other instead of deadlocking.
	slices.Sort(texts)
	if _, err := tx.Exec(ctx, `INSERT INTO origins (text) SELECT t FROM unnest($1::text[]) AS t ORDER BY t ON CONFLICT (text) DO NOTHING`, texts); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT id, text FROM origins WHERE text = ANY($1::text[])`, texts)
	if err != nil {
		return nil, err
	}
	var id int32
	var text string
	if _, err := pgx.ForEachRow(rows, []any{&id, &text}, func() error { out[text] = id; return nil }); err != nil {
		return nil, err
	}
	for _, t := range texts {
		if out[t] < 0 {
			return nil, fmt.Errorf("origin %q was stored but is not found", t)
		}
	}
	return out, nil
}

// submissionColumns are the columns submissionRows gives, in order.
var submissionColumns = []string{"election", "seq", "station", "contest", "source", "digest", "votes",
	"blank_votes", "null_votes", "ballots", "voters", "flags", "submitter", "origin", "received", "received_ns", "evidence"}

const insertSubmission = `INSERT INTO submissions (election, seq, station, contest, source, digest, votes,
	blank_votes, null_votes, ballots, voters, flags, submitter, origin, received, received_ns, evidence)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`

// submissionRows gives the rows of the submissions order names, for COPY
// (pgx.CopyFromSource) or one INSERT each. The values of a row are encoded
// before the next is asked for, so one slice serves every row.
type submissionRows struct {
	b        *batch
	order    []int32
	start    int64
	origins  map[string]int32
	progress func(int)
	k        int
	vals     [17]any
}

func (r *submissionRows) Next() bool {
	r.k++
	if r.progress != nil && r.k > 0 && r.k%progressEvery == 0 {
		r.progress(int(r.order[r.k-1]) + 1)
	}
	return r.k < len(r.order)
}

func (r *submissionRows) Values() ([]any, error) {
	i := r.order[r.k]
	s := r.b.Subs[i]
	var evidence any
	if len(s.Evidence) > 0 {
		j, err := json.Marshal(s.Evidence)
		if err != nil {
			return nil, actas.Errorf(actas.EINVALID, "station %s: evidence: %v", s.Sheet.Station, err)
		}
		evidence = string(j)
	}
	received := s.Received.UTC()
	v := &r.vals
	v[0], v[1], v[2], v[3] = r.b.m.id, r.start+int64(r.k), r.b.ids[r.b.Slots[i]], r.b.Contests[i]
	v[4], v[5], v[6] = string(s.Source), r.b.Digests[i][:], s.Sheet.Votes
	v[7], v[8], v[9], v[10], v[11] = s.Sheet.Blank, s.Sheet.Null, s.Sheet.Ballots, s.Sheet.Voters, int64(s.Flags)
	v[12], v[13] = s.Submitter, r.origins[s.Origin]
	v[14], v[15], v[16] = received.Truncate(time.Microsecond), int16(received.Nanosecond()%1000), evidence
	return v[:], nil
}

func (r *submissionRows) Err() error { return nil }

// appendRow appends the next row to w, in binary COPY format, as Values
// gives it; it reports false after the last.
func (r *submissionRows) appendRow(w *copyRow) (bool, error) {
	if !r.Next() {
		return false, nil
	}
	i := r.order[r.k]
	s := r.b.Subs[i]
	received := s.Received.UTC()
	w.start(len(submissionColumns))
	w.int4(r.b.m.id)
	w.int8(r.start + int64(r.k))
	w.int4(r.b.ids[r.b.Slots[i]])
	w.int4(r.b.Contests[i])
	w.text(string(s.Source))
	w.bytea(r.b.Digests[i][:])
	w.int8s(s.Sheet.Votes)
	w.int8(s.Sheet.Blank)
	w.int8(s.Sheet.Null)
	w.int8(s.Sheet.Ballots)
	w.int8(s.Sheet.Voters)
	w.int8(int64(s.Flags))
	w.text(s.Submitter)
	w.int4(r.origins[s.Origin])
	w.timestamptz(received)
	w.int2(int16(received.Nanosecond() % 1000))
	if len(s.Evidence) == 0 {
		w.null()
		return true, nil
	}
	j, err := json.Marshal(s.Evidence)
	if err != nil {
		return false, actas.Errorf(actas.EINVALID, "station %s: evidence: %v", s.Sheet.Station, err)
	}
	w.jsonb(string(j))
	return true, nil
}

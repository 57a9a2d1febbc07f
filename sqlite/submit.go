package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"sync"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/logpage"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/actasproject/actas/translog"
)

// progressEvery is how many submissions Submit handles between calls of its
// progress callback.
const progressEvery = 8192

// releaseAfter is the size of a batch after which Submit frees the
// writer's page cache.
const releaseAfter = 100_000

// lookupCost is how many rows SQLite reads in order in the time of one index
// lookup, roughly: it decides between looking a few things up and reading
// them all.
const lookupCost = 20

// sourceOf returns the source named b without allocating.
func sourceOf(b []byte) (actas.Source, uint8, bool) {
	for i, src := range actas.Sources {
		if string(src) == string(b) {
			return src, uint8(i), true
		}
	}
	return "", 0, false
}

// batch is one call of Submit.
type batch struct {
	*storeutil.Batch
	m     *electionMeta
	st    *prepared        // the write transaction's statements
	ids   []int64          // station row id per slot, 0 while unknown
	skip  []bool           // per submission, its request's key is kept already (SubmitRemembering); nil otherwise
	known *storeutil.Known // the digests known per key (set in Submit's transaction)

	// unlogged skips the log: only this package's benchmarks set it
	// (export_test.go), to measure what the log costs an import.
	unlogged bool
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
	b.ids = make([]int64, len(b.Codes))
	return b, nil
}

// key returns the sheet key of subs[i]; stations must be resolved.
func (b *batch) key(i int) storeutil.SheetKey {
	return storeutil.MakeKey(b.ids[b.Slots[i]], b.Contests[i], b.Sources[i])
}

// resolveStations finds the row id of every station the batch names.
// Errors: EINVALID naming the first unknown station, in batch order.
func (b *batch) resolveStations(ctx context.Context, tx *sql.Tx) error {
	if int64(len(b.Codes))*lookupCost < b.m.stations {
		for code, slot := range b.Codes {
			err := b.st.stationID.QueryRowContext(ctx, b.m.id, code).Scan(&b.ids[slot])
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
	} else {
		rows, err := tx.QueryContext(ctx, `SELECT id, code FROM stations WHERE election = ?`, b.m.id)
		if err != nil {
			return err
		}
		defer rows.Close()
		var id int64
		var code sql.RawBytes
		for rows.Next() {
			if err := rows.Scan(&id, &code); err != nil {
				return err
			}
			if slot, ok := b.Codes[string(code)]; ok {
				b.ids[slot] = id
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i, s := range b.Subs {
		if b.ids[b.Slots[i]] == 0 {
			return actas.Errorf(actas.EINVALID, "election %s has no station %q", b.m.code, s.Sheet.Station)
		}
	}
	return nil
}

// addPrior records a digest stored before this batch, if its contest and
// source matter to the batch.
func (b *batch) addPrior(station, contestRow int64, source []byte, digest []byte, seq int64) error {
	ci, ok := b.m.byRowID[contestRow]
	if !ok {
		return fmt.Errorf("a stored submission of station row %d names contest row %d, which is not the election's", station, contestRow)
	}
	_, si, ok := sourceOf(source)
	if !ok {
		return fmt.Errorf("a stored submission of station row %d has unknown source %q", station, source)
	}
	if b.Pairs[ci]&(1<<si) == 0 {
		return nil
	}
	if len(digest) != 32 {
		return fmt.Errorf("a stored submission of station row %d has a digest of %d bytes", station, len(digest))
	}
	b.known.AddPrior(storeutil.MakeKey(station, int32(ci), si), [32]byte(digest), seq)
	return nil
}

// loadPrior reads the digests the batch's stations stored before. For a few
// stations it looks each one up; when the batch is large next to what the
// election holds (a whole file imported again) one pass over the election's
// submissions is cheaper.
func (b *batch) loadPrior(ctx context.Context, tx *sql.Tx, stored int64) error {
	var station, contestRow, rowID int64
	var source, digest sql.RawBytes
	base := b.m.rowID(0)
	if int64(len(b.ids))*lookupCost < stored {
		for _, id := range b.ids {
			rows, err := b.st.prior.QueryContext(ctx, id)
			if err != nil {
				return err
			}
			for rows.Next() {
				if err := rows.Scan(&contestRow, &source, &digest, &rowID); err != nil {
					rows.Close()
					return err
				}
				if err := b.addPrior(id, contestRow, source, digest, rowID-base); err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	// Station row ids of an election are dense: they were numbered in one
	// transaction. A bitmap over their range says which are in the batch.
	lo, hi := b.ids[0], b.ids[0]
	for _, id := range b.ids {
		lo, hi = min(lo, id), max(hi, id)
	}
	in := make([]bool, hi-lo+1)
	for _, id := range b.ids {
		in[id-lo] = true
	}
	rows, err := tx.QueryContext(ctx, `SELECT station, contest, source, digest, id FROM submissions WHERE id BETWEEN ? AND ?`,
		b.m.rowID(1), b.m.rowID(maxSeq))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&station, &contestRow, &source, &digest, &rowID); err != nil {
			return err
		}
		if station < lo || station > hi || !in[station-lo] {
			continue
		}
		if err := b.addPrior(station, contestRow, source, digest, rowID-base); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Submit stores subs in one transaction: all of them or none. See
// actas.SubmissionStore. On success it sets Seq and Election of every
// submission it stored (outcome New or Differing) and leaves the others
// untouched. Beyond the interface's errors it refuses (EINVALID) a source
// that is not one of actas.Sources, a sheet that fails actas.CheckForm, a
// submission naming another election, and a received time outside years
// 1–9999.
func (db *DB) Submit(ctx context.Context, election string, subs []*actas.Submission, progress func(done int)) ([]actas.Outcome, error) {
	return db.submit(ctx, election, subs, nil, progress)
}

// SubmitRemembering stores subs and keeps their requests' idempotency keys
// in one transaction. See actas.SubmissionStore.
func (db *DB) SubmitRemembering(ctx context.Context, election string, subs []*actas.Submission, reqs []*actas.RememberedRequest) ([]actas.Outcome, error) {
	if len(reqs) != len(subs) {
		return nil, actas.Errorf(actas.EINVALID, "%d requests for %d submissions: one request each", len(reqs), len(subs))
	}
	if err := storeutil.CheckRequests(reqs, false); err != nil {
		return nil, err
	}
	if reqs == nil {
		reqs = []*actas.RememberedRequest{}
	}
	return db.submit(ctx, election, subs, reqs, nil)
}

// submit is Submit, keeping the keys of reqs too when reqs is not nil.
func (db *DB) submit(ctx context.Context, election string, subs []*actas.Submission, reqs []*actas.RememberedRequest, progress func(done int)) ([]actas.Outcome, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	b, err := newBatch(m, subs)
	if err != nil {
		return nil, err
	}
	outcomes := make([]actas.Outcome, len(subs))
	if len(subs) == 0 {
		if progress != nil {
			progress(0)
		}
		return outcomes, nil
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: submit to %s: %w", election, err)
	}
	defer rollback(tx)
	b.st = db.wq.bind(ctx, tx)
	b.unlogged = db.unlogged
	if err := b.resolveStations(ctx, tx); err != nil {
		if actas.ErrorCode(err) == actas.EINVALID {
			return nil, err
		}
		return nil, fmt.Errorf("sqlite: submit to %s: stations: %w", election, err)
	}
	if err := b.checkPhotos(ctx, tx); err != nil {
		return nil, err
	}
	var lg *logAppender
	if db.unlogged {
		// Numbered as if logged, without reading (or checking) the log.
		var x logpage.Extent
		if x, err = readLogExtent(ctx, b.st.logExtent, m, false); err == nil {
			lg = &logAppender{Appender: logpage.Start(x.Rows, nil, nil), m: m}
		}
	} else {
		lg, err = newLogAppenderFrom(ctx, b.st, m, db.edges.Get(m.id))
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: submit to %s: %w", election, err)
	}
	size := lg.Start()
	if size-1+int64(len(subs)) > maxSeq {
		return nil, actas.Errorf(actas.ECONFLICT, "election %s cannot hold %d more submissions", election, len(subs))
	}
	var keys *keyKeeper
	if reqs != nil {
		if keys, err = b.lookupKeys(ctx, db, reqs); err != nil {
			return nil, err
		}
	}
	b.known = storeutil.NewKnown(b.Digests)
	if size > 1 {
		if err := b.loadPrior(ctx, tx, size-1); err != nil {
			return nil, fmt.Errorf("sqlite: submit to %s: earlier submissions: %w", election, err)
		}
	}
	order := b.known.Decide(len(b.Subs), b.key, b.skip, outcomes)
	if err := b.store(ctx, tx, lg, order, progress); err != nil {
		return nil, err
	}
	if keys != nil {
		if err := keys.keep(ctx, b, order, size); err != nil {
			return nil, err
		}
	}
	// The edge is computed before the commit (an error then aborts it),
	// and kept after it.
	var edge *logpage.Edge
	if !db.unlogged {
		if edge, err = lg.EdgeAfter(); err != nil {
			return nil, fmt.Errorf("sqlite: submit to %s: log: %w", election, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: submit to %s: %w", election, err)
	}
	if edge != nil {
		db.edges.Put(m.id, edge)
	}
	if len(subs) >= releaseAfter {
		// The sheets are stored; failing to free the page cache is no
		// reason to report otherwise.
		_, _ = db.w.ExecContext(ctx, `PRAGMA shrink_memory`)
	}
	for k, i := range order {
		subs[i].Seq = size + int64(k)
		subs[i].Election = election
	}
	if progress != nil {
		progress(len(subs))
	}
	return outcomes, nil
}

const insertSubmission = `INSERT INTO submissions (id, station, contest, source, digest, votes,
	blank_votes, null_votes, ballots, voters, flags, submitter, origin, received, evidence) `

// The columns of insertSubmission, and those an import usually shares
// across a group of rows: a group that shares them binds them once.
const (
	submissionColumns = 15
	sharedColumns     = 5 // contest, source, submitter, origin, received
)

// submissionValues returns what follows insertSubmission for n rows. The
// parameters are all unnumbered '?' (binding a numbered one costs a search
// by name); shared, the first five are contest, source, submitter, origin and
// received, bound once for every row, followed by the other columns of each
// row.
func submissionValues(n int, shared bool) string {
	if !shared {
		return "VALUES " + valuesSQL(n, "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?")
	}
	return `SELECT v.column1, v.column2, c.contest, c.source, v.column3, v.column4, v.column5, v.column6,
		v.column7, v.column8, v.column9, c.submitter, c.origin, c.received, v.column10
		FROM (SELECT ? AS contest, ? AS source, ? AS submitter, ? AS origin, ? AS received) AS c,
		(VALUES ` + valuesSQL(n, "?, ?, ?, ?, ?, ?, ?, ?, ?, ?") + `) AS v`
}

// pipelineFrom is the number of entries from which a batch computes its
// log entries and hashes on another goroutine, beside the inserts; fewer
// are not worth a goroutine.
const pipelineFrom = 256

// store inserts the submissions order names, the k-th with log index
// lg.start+k, and appends their entries to the log with their hashes.
func (b *batch) store(ctx context.Context, tx *sql.Tx, lg *logAppender, order []int32, progress func(int)) error {
	w := &submissionWriter{b: b, tx: tx, origins: map[string]any{}}
	w.prepare()
	pages := pageWriter{st: b.st, m: b.m}
	var h *hasher
	var inline *inlineLog
	var entry []byte
	var scratch actas.Submission
	switch {
	case b.unlogged:
	case len(order) >= pipelineFrom:
		h = b.startHashing(lg, order)
		defer h.stop()
	default:
		inline = newInlineLog(lg)
	}
	k := 0
	for i := range b.Subs {
		if k < len(order) && order[k] == int32(i) {
			seq := lg.Start() + int64(k)
			if err := w.add(ctx, i, b.key(i), seq); err != nil {
				return err
			}
			if inline != nil {
				var err error
				if entry, err = b.encodeEntry(entry[:0], order[k], seq, &scratch); err != nil {
					return fmt.Errorf("sqlite: submit to %s: log: %w", b.m.code, err)
				}
				if err := lg.Append(entry); err != nil {
					return fmt.Errorf("sqlite: submit to %s: log: %w", b.m.code, err)
				}
			} else if h != nil && len(w.pending) == 0 {
				// Rows were just inserted: write the pages filled meanwhile.
				if err := h.writeReady(ctx, pages); err != nil {
					return fmt.Errorf("sqlite: submit to %s: log: %w", b.m.code, err)
				}
			}
			k++
		}
		if progress != nil && (i+1)%progressEvery == 0 {
			progress(i + 1)
		}
	}
	if err := w.flush(ctx); err != nil {
		return err
	}
	var err error
	if inline != nil {
		err = inline.write(ctx, b.st)
	} else if h != nil {
		err = h.writeAll(ctx, pages)
	}
	if err != nil {
		return fmt.Errorf("sqlite: submit to %s: log: %w", b.m.code, err)
	}
	return nil
}

// encodeEntry appends to dst the log entry of subs[i] stored with log index
// seq; s is scratch space, so that the submission itself stays as it was
// until the transaction commits.
func (b *batch) encodeEntry(dst []byte, i int32, seq int64, s *actas.Submission) ([]byte, error) {
	*s = *b.Subs[i]
	s.Seq, s.Election = seq, b.m.code
	return translog.EncodeSubmission(dst, s, &b.m.election.Contests[b.Contests[i]])
}

// hasher computes a batch's log entries and hashes on its own goroutine,
// handing over hash pages as they fill.
type hasher struct {
	pages  chan logpage.Page
	result chan error // the goroutine's outcome, once pages is closed
	abort  chan struct{}
	exited chan struct{}
	once   sync.Once
}

var errAborted = errors.New("aborted")

// startHashing starts appending the entries of the submissions order names
// to lg.
func (b *batch) startHashing(lg *logAppender, order []int32) *hasher {
	h := &hasher{
		pages:  make(chan logpage.Page, 64),
		result: make(chan error, 1),
		abort:  make(chan struct{}),
		exited: make(chan struct{}),
	}
	lg.Emit = func(p logpage.Page) error {
		select {
		case h.pages <- p:
			return nil
		case <-h.abort:
			return errAborted
		}
	}
	go func() {
		defer close(h.exited)
		defer close(h.pages)
		// The entry follows a zero byte, so that its leaf hash (RFC 6962:
		// SHA-256 of 0x00 and the entry, as translog.LeafHash) is one call
		// on one buffer, allocating nothing.
		leaf := []byte{0}
		var s actas.Submission
		var err error
		for k, i := range order {
			if k%1024 == 0 {
				select {
				case <-h.abort: // the inserts failed: stop early
					err = errAborted
				default:
				}
				if err != nil {
					break
				}
			}
			if leaf, err = b.encodeEntry(leaf[:1], i, lg.Start()+int64(k), &s); err != nil {
				break
			}
			if err = lg.AppendLeaf(sha256.Sum256(leaf)); err != nil {
				break
			}
		}
		if err == nil {
			err = lg.Finish()
		}
		h.result <- err
	}()
	return h
}

// writeReady writes the pages filled so far, without waiting for more.
func (h *hasher) writeReady(ctx context.Context, w pageWriter) error {
	for {
		select {
		case p, ok := <-h.pages:
			if !ok {
				return nil
			}
			if err := w.write(ctx, p); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// writeAll writes every page until the goroutine is done, and returns its
// outcome.
func (h *hasher) writeAll(ctx context.Context, w pageWriter) error {
	for p := range h.pages {
		if err := w.write(ctx, p); err != nil {
			return err
		}
	}
	return <-h.result
}

// stop ends the goroutine, done or not, and waits for it.
func (h *hasher) stop() {
	h.once.Do(func() { close(h.abort) })
	<-h.exited
}

// submissionWriter inserts submissions rowsPerInsert at a time. The text
// columns of a group are built in one buffer and become one string, of which
// each row's values are substrings: no allocation per row for them.
type submissionWriter struct {
	b       *batch
	tx      *sql.Tx
	pending []int32 // indexes into b.Subs of the rows waiting
	keys    []storeutil.SheetKey
	seqs    []int64
	buf     []byte
	ends    []int // end offsets in buf: votes, received, evidence of each row
	args    []any
	origins map[string]any // origin text → boxed row id

	contestIDs []any // boxed contest row ids
	sources    []any // boxed source names
}

func (w *submissionWriter) prepare() {
	for _, id := range w.b.m.contestIDs {
		w.contestIDs = append(w.contestIDs, any(id))
	}
	for _, s := range actas.Sources {
		w.sources = append(w.sources, any(string(s)))
	}
	w.args = make([]any, 0, rowsPerInsert*submissionColumns)
}

// add queues subs[i], of key k, with sequence number seq.
func (w *submissionWriter) add(ctx context.Context, i int, k storeutil.SheetKey, seq int64) error {
	s := w.b.Subs[i]
	w.buf = appendVotes(w.buf, s.Sheet.Votes)
	w.ends = append(w.ends, len(w.buf))
	w.buf = appendReceived(w.buf, s.Received)
	w.ends = append(w.ends, len(w.buf))
	var err error
	if w.buf, err = appendEvidence(w.buf, s.Evidence); err != nil {
		return actas.Errorf(actas.EINVALID, "station %s: evidence: %v", s.Sheet.Station, err)
	}
	w.ends = append(w.ends, len(w.buf))
	w.pending = append(w.pending, int32(i))
	w.keys = append(w.keys, k)
	w.seqs = append(w.seqs, seq)
	if len(w.pending) == rowsPerInsert {
		return w.flush(ctx)
	}
	return nil
}

// insertSome inserts the n < rowsPerInsert unshared rows of w.args with
// the prepared statements of 2^k rows: at most one of each size.
func (w *submissionWriter) insertSome(ctx context.Context, n int) error {
	args := w.args
	for n > 0 {
		k := bits.Len(uint(n)) - 1 // the largest power of two ≤ n
		rows := 1 << k
		st := w.b.st.insertOne
		if k > 0 {
			st = w.b.st.insertSome[k-1]
		}
		if _, err := st.ExecContext(ctx, args[:rows*submissionColumns]...); err != nil {
			return err
		}
		args, n = args[rows*submissionColumns:], n-rows
	}
	return nil
}

// origin returns the boxed row id of origin text o, storing it if new.
func (w *submissionWriter) origin(ctx context.Context, o string) (any, error) {
	if id, ok := w.origins[o]; ok {
		return id, nil
	}
	if _, err := w.b.st.addOrigin.ExecContext(ctx, o); err != nil {
		return nil, err
	}
	var id int64
	if err := w.b.st.originID.QueryRowContext(ctx, o).Scan(&id); err != nil {
		return nil, err
	}
	w.origins[o] = any(id)
	return w.origins[o], nil
}

// flush inserts the queued rows.
func (w *submissionWriter) flush(ctx context.Context) error {
	n := len(w.pending)
	if n == 0 {
		return nil
	}
	text := string(w.buf)
	received := func(j int) string { return text[w.ends[3*j]:w.ends[3*j+1]] }
	s0, k0 := w.b.Subs[w.pending[0]], w.keys[0]
	// One row is inserted alone, every column bound (a live submission).
	shared := n > 1
	for j := 1; j < n && shared; j++ {
		s, k := w.b.Subs[w.pending[j]], w.keys[j]
		shared = k.Contest() == k0.Contest() && k.Source() == k0.Source() && s.Submitter == s0.Submitter &&
			s.Origin == s0.Origin && received(j) == received(0)
	}
	w.args = w.args[:0]
	if shared {
		origin, err := w.origin(ctx, s0.Origin)
		if err != nil {
			return fmt.Errorf("sqlite: submit to %s: origin: %w", w.b.m.code, err)
		}
		w.args = append(w.args, w.contestIDs[k0.Contest()], w.sources[k0.Source()], s0.Submitter, origin, received(0))
	}
	start := 0
	for j, i := range w.pending {
		s := w.b.Subs[i]
		k := w.keys[j]
		votesEnd, recvEnd, evEnd := w.ends[3*j], w.ends[3*j+1], w.ends[3*j+2]
		var evidence any
		if evEnd > recvEnd {
			evidence = text[recvEnd:evEnd]
		}
		id := w.b.m.rowID(w.seqs[j])
		if shared {
			w.args = append(w.args, id, k.Station(), w.b.Digests[i][:], text[start:votesEnd],
				s.Sheet.Blank, s.Sheet.Null, s.Sheet.Ballots, s.Sheet.Voters, int64(s.Flags), evidence)
		} else {
			origin, err := w.origin(ctx, s.Origin)
			if err != nil {
				return fmt.Errorf("sqlite: submit to %s: origin: %w", w.b.m.code, err)
			}
			w.args = append(w.args, id, k.Station(), w.contestIDs[k.Contest()], w.sources[k.Source()], w.b.Digests[i][:],
				text[start:votesEnd], s.Sheet.Blank, s.Sheet.Null, s.Sheet.Ballots, s.Sheet.Voters, int64(s.Flags),
				s.Submitter, origin, text[votesEnd:recvEnd], evidence)
		}
		start = evEnd
	}
	var err error
	switch {
	case n == rowsPerInsert && shared:
		_, err = w.b.st.insertShared.ExecContext(ctx, w.args...)
	case n == rowsPerInsert:
		_, err = w.b.st.insertFull.ExecContext(ctx, w.args...)
	case n == 1:
		_, err = w.b.st.insertOne.ExecContext(ctx, w.args...)
	case !shared && w.b.st.insertSome[0] != nil:
		err = w.insertSome(ctx, n)
	default:
		_, err = w.tx.ExecContext(ctx, insertSubmission+submissionValues(n, shared), w.args...)
	}
	if err != nil {
		return fmt.Errorf("sqlite: submit to %s: %w", w.b.m.code, err)
	}
	clear(w.args)
	w.pending, w.keys, w.seqs, w.buf, w.ends = w.pending[:0], w.keys[:0], w.seqs[:0], w.buf[:0], w.ends[:0]
	return nil
}

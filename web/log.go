package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// The transparency log's public endpoints (package translog, docs/log.md).
// They serve what the store holds; checkpoints are signed elsewhere (the
// command holds the key) and only read here.

const (
	// maxBundleEntries caps the entries one /entries request returns: a
	// client asking for more gets the first ones and asks again from there.
	maxBundleEntries = 2048
	// tileHeight is the height of the hash tiles served (tlog's layout with
	// 256 hashes per tile, as Go's checksum database serves them).
	tileHeight = 8
)

// storeHashes reads an election's stored Merkle hashes for tlog.
type storeHashes struct {
	ctx      context.Context
	store    actas.LogStore
	election string
}

func (h storeHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	hs, err := h.store.LogHashes(h.ctx, h.election, indexes)
	if err != nil {
		return nil, err
	}
	if len(hs) != len(indexes) {
		return nil, actas.Errorf(actas.EINTERNAL, "log of %s: %d hashes for %d indexes", h.election, len(hs), len(indexes))
	}
	out := make([]tlog.Hash, len(hs))
	for i := range hs {
		out[i] = hs[i]
	}
	return out, nil
}

func (s *Server) hashes(r *http.Request, e *election) storeHashes {
	return storeHashes{ctx: r.Context(), store: s.store, election: e.ID}
}

// logState is what pages show of an election's checkpoints: the latest, and
// how many there are. It is reloaded when older than the checkpoint TTL,
// in the background, so that a reader never waits for the whole list.
type logState struct {
	loaded time.Time
	latest *actas.Checkpoint // nil when none has been signed
	count  int
	signed bool // latest was handed over by CheckpointSigned, not read from the store
}

type logCache struct {
	state   atomic.Pointer[logState]
	loading atomic.Bool
	mu      sync.Mutex // serialises the first load
}

// latestCheckpoint returns the latest checkpoint kept for the election, or
// nil when none has been signed yet.
func (s *Server) latestCheckpoint(ctx context.Context, e *election) (*logState, error) {
	st := e.log.state.Load()
	if st == nil {
		e.log.mu.Lock()
		defer e.log.mu.Unlock()
		if st = e.log.state.Load(); st == nil {
			var err error
			if st, err = s.loadLogState(ctx, e); err != nil {
				return nil, err
			}
			e.log.state.Store(st)
		}
		return st, nil
	}
	if time.Since(st.loaded) > s.ckptTTL && s.bgCtx.Err() == nil && e.log.loading.CompareAndSwap(false, true) {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			defer e.log.loading.Store(false)
			ctx, cancel := context.WithTimeout(s.bgCtx, time.Minute)
			defer cancel()
			nst, err := s.loadLogState(ctx, e)
			if err != nil {
				s.log.Error("reload checkpoints", "election", e.ID, "err", err)
				return
			}
			// A checkpoint handed over by its signer (CheckpointSigned)
			// may not be stored yet: the state never goes back to an
			// older one.
			if old := e.log.state.Load(); old != nil && old.latest != nil && (nst.latest == nil || nst.latest.Size < old.latest.Size) {
				kept := *old
				kept.loaded = nst.loaded
				nst = &kept
			}
			e.log.state.Store(nst)
		}()
	}
	return st, nil
}

func (s *Server) loadLogState(ctx context.Context, e *election) (*logState, error) {
	latest, count, err := s.store.LatestCheckpoint(ctx, e.ID)
	if actas.ErrorCode(err) == actas.ENOTFOUND && count == 0 {
		if _, err := s.store.LogSize(ctx, e.ID); err != nil {
			return nil, fmt.Errorf("checkpoints of %s: %w", e.ID, err) // an unknown election
		}
		return &logState{loaded: time.Now()}, nil // a log never signed
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoints of %s: %w", e.ID, err)
	}
	return &logState{loaded: time.Now(), count: count, latest: latest}, nil
}

// logElection loads the route's {election} for the log endpoints.
func (s *Server) logElection(r *http.Request) (*election, url.Values, error) {
	if len(r.URL.RawQuery) > maxQueryLen {
		return nil, nil, actas.Errorf(actas.EINVALID, "query string longer than %d bytes", maxQueryLen)
	}
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		return nil, nil, err
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, nil, actas.Errorf(actas.EINVALID, "malformed query string")
	}
	return e, q, nil
}

// indexParam parses a non-negative log index or size parameter; absent, it
// is def (or an error when def < 0).
// logIndexes loads the route's {election} and the named index parameters
// (-1 where absent), for the log endpoints.
func (s *Server) logIndexes(r *http.Request, names ...string) (*election, url.Values, []int64, error) {
	e, q, err := s.logElection(r)
	if err != nil {
		return nil, nil, nil, err
	}
	ix := make([]int64, len(names))
	for i, name := range names {
		if ix[i], err = indexParam(q, name, -1); err != nil {
			return nil, nil, nil, err
		}
	}
	return e, q, ix, nil
}

func indexParam(q url.Values, name string, def int64) (int64, error) {
	v := q.Get(name)
	if v == "" {
		if def < 0 {
			return 0, actas.Errorf(actas.EINVALID, "parameter %s is required", name)
		}
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, actas.Errorf(actas.EINVALID, "parameter %s %q is not a number from 0 up", name, clip(v))
	}
	return n, nil
}

// logSize returns the number of entries in the election's log.
func (s *Server) logSize(ctx context.Context, e *election) (int64, error) {
	n, err := s.store.LogSize(ctx, e.ID)
	if err != nil {
		return 0, fmt.Errorf("log size of %s: %w", e.ID, err)
	}
	return n, nil
}

// handleLogKey serves the log's verifier key as text.
func (s *Server) handleLogKey(w http.ResponseWriter, r *http.Request) {
	if s.logKey == "" {
		s.apiError(w, r, actas.Errorf(actas.ENOTFOUND, "this server was not given the log's verifier key; ask whoever runs it"))
		return
	}
	writeText(w, []byte(s.logKey+"\n"))
}

func writeText(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// handleCheckpoint serves the latest signed checkpoint, as the signed note.
func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) {
	e, _, err := s.logElection(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.latestCheckpoint(r.Context(), e)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if st.latest == nil {
		s.apiError(w, r, actas.Errorf(actas.ENOTFOUND, "the log of %s has no signed checkpoint yet", e.ID))
		return
	}
	writeText(w, st.latest.Note)
}

type apiCheckpoint struct {
	Size    int64     `json:"size"`
	Root    []byte    `json:"root"` // base64 in JSON
	Created time.Time `json:"created"`
	Note    string    `json:"note"` // the signed checkpoint
}

type apiCheckpointsBody struct {
	Election    string          `json:"election"`
	Checkpoints []apiCheckpoint `json:"checkpoints"` // oldest first
}

// handleCheckpoints serves every checkpoint kept, oldest first.
func (s *Server) handleCheckpoints(w http.ResponseWriter, r *http.Request) {
	e, _, err := s.logElection(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	cps, err := s.store.Checkpoints(r.Context(), e.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	body := &apiCheckpointsBody{Election: e.ID, Checkpoints: make([]apiCheckpoint, len(cps))}
	for i, cp := range cps {
		body.Checkpoints[i] = apiCheckpoint{Size: cp.Size, Root: cp.Root[:], Created: cp.Created.UTC(), Note: string(cp.Note)}
	}
	if len(cps) > streamAreas {
		s.streamJSON(w, r, body)
		return
	}
	s.writeJSON(w, r, http.StatusOK, body)
}

// handleEntries serves entries [start, end) as a bundle: each entry as a
// 2-byte big-endian length and its bytes (as C2SP tlog-tiles entry
// bundles). At most maxBundleEntries are returned; the client continues
// from the last one it received.
func (s *Server) handleEntries(w http.ResponseWriter, r *http.Request) {
	e, _, ix, err := s.logIndexes(r, "start", "end")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	start, end := ix[0], ix[1]
	size, err := s.withinLog(r.Context(), e, end)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if start >= end || end > size {
		s.apiError(w, r, actas.Errorf(actas.EINVALID, "entries [%d, %d) are not a range of the log's %d entries", start, end, size))
		return
	}
	end = min(end, start+maxBundleEntries)
	// Buffered, so that an entry that cannot be read becomes an error
	// response rather than a bundle cut short.
	buf := getBuf()
	defer putBuf(buf)
	next := start
	err = s.store.LogEntries(r.Context(), e.ID, start, end, func(i int64, entry []byte) error {
		if i != next {
			return actas.Errorf(actas.EINTERNAL, "store returned entry %d in place of %d", i, next)
		}
		if len(entry) > 0xffff {
			return actas.Errorf(actas.EINTERNAL, "entry %d is %d bytes, more than a bundle carries", i, len(entry))
		}
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(len(entry)))
		buf.Write(l[:])
		buf.Write(entry)
		next++
		return nil
	})
	if err == nil && next != end {
		err = actas.Errorf(actas.EINTERNAL, "store returned entries [%d, %d) for [%d, %d)", start, next, start, end)
	}
	if err != nil {
		s.apiError(w, r, entryError(e.ID, next, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// entryError turns the failure to read entry index into an error a
// verifier can act on: the log is public, and which entry the store can no
// longer produce is exactly what an auditor needs to know.
func entryError(election string, index int64, err error) error {
	if code := actas.ErrorCode(err); code != actas.EINTERNAL || errors.Is(err, context.Canceled) {
		return err
	}
	return &actas.Error{Code: actas.ECONFLICT,
		Message: fmt.Sprintf("log of %s: entry %d cannot be re-derived from what the store holds (the stored rows may have been changed or deleted)", election, index),
		Err:     err}
}

type apiInclusionBody struct {
	Election string   `json:"election"`
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	Proof    [][]byte `json:"proof"` // base64 hashes, RFC 6962 order
}

type apiConsistencyBody struct {
	Election string   `json:"election"`
	From     int64    `json:"from"`
	Size     int64    `json:"size"`
	Proof    [][]byte `json:"proof"`
}

// handleInclusion serves the proof that entry ?index= is in the tree of
// ?size= entries (default: the latest checkpoint's).
func (s *Server) handleInclusion(w http.ResponseWriter, r *http.Request) {
	s.serveProof(w, r, "index", func(index, size int64) error {
		if index >= size {
			return actas.Errorf(actas.EINVALID, "entry %d is not in a tree of %d entries", index, size)
		}
		return nil
	}, func(e *election, index, size int64, hr translog.HashReader) (any, error) {
		p, err := translog.ProveInclusion(size, index, hr)
		if err != nil {
			return nil, fmt.Errorf("inclusion proof of entry %d in %d: %w", index, size, err)
		}
		return &apiInclusionBody{Election: e.ID, Index: index, Size: size, Proof: translog.ProofBytes(p)}, nil
	})
}

// handleConsistency serves the proof that the tree of ?from= entries is a
// prefix of the tree of ?size= entries (default: the latest checkpoint's).
func (s *Server) handleConsistency(w http.ResponseWriter, r *http.Request) {
	s.serveProof(w, r, "from", func(from, size int64) error {
		if from < 1 || from > size {
			return actas.Errorf(actas.EINVALID, "no consistency proof from %d to %d entries: from must be 1 to size", from, size)
		}
		return nil
	}, func(e *election, from, size int64, hr translog.HashReader) (any, error) {
		p, err := translog.ProveConsistency(size, from, hr)
		if err != nil {
			return nil, fmt.Errorf("consistency proof from %d to %d: %w", from, size, err)
		}
		return &apiConsistencyBody{Election: e.ID, From: from, Size: size, Proof: translog.ProofBytes(p)}, nil
	})
}

// serveProof reads a proof request's election, the index parameter named
// param and the tree size, checks them with check before reading any hash,
// and serves what prove makes of them with the tree's hashes.
func (s *Server) serveProof(w http.ResponseWriter, r *http.Request, param string,
	check func(at, size int64) error, prove func(e *election, at, size int64, hr translog.HashReader) (any, error)) {
	e, q, ix, err := s.logIndexes(r, param)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	size, err := s.proofSize(r, e, q)
	if err == nil {
		err = check(ix[0], size)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	hr, err := s.treeHashes(r, e, size)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	body, err := prove(e, ix[0], size, hr)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, body)
}

// proofSize is the ?size= of a proof request, checked against the log, or
// the latest checkpoint's size.
func (s *Server) proofSize(r *http.Request, e *election, q url.Values) (int64, error) {
	if q.Get("size") == "" {
		st, err := s.latestCheckpoint(r.Context(), e)
		if err != nil {
			return 0, err
		}
		if st.latest == nil {
			return 0, actas.Errorf(actas.ENOTFOUND, "the log of %s has no signed checkpoint yet: give size", e.ID)
		}
		return st.latest.Size, nil
	}
	size, err := indexParam(q, "size", -1)
	if err != nil {
		return 0, err
	}
	n, err := s.withinLog(r.Context(), e, size)
	if err != nil {
		return 0, err
	}
	if size < 1 || size > n {
		return 0, actas.Errorf(actas.EINVALID, "size %d: the log has %d entries", size, n)
	}
	return size, nil
}

// handleTile serves a tile of stored hashes in tlog's layout
// (tile/8/L/NNN[.p/W]): 256 hashes, or W of a partial tile. Data tiles
// (tile/8/data/…) are not served: entries come from /entries.
func (s *Server) handleTile(w http.ResponseWriter, r *http.Request) {
	e, _, err := s.logElection(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rest := r.PathValue("tile")
	t, err := tlog.ParseTilePath("tile/" + rest)
	if err != nil || t.H != tileHeight {
		s.apiError(w, r, actas.Errorf(actas.ENOTFOUND, "%q is not a hash tile path of height %d (tile/%d/LEVEL/N[.p/WIDTH])", clip(rest), tileHeight, tileHeight))
		return
	}
	if t.L < 0 {
		s.apiError(w, r, actas.Errorf(actas.ENOTFOUND, "data tiles are not served: read entries from /log/%s/entries", e.ID))
		return
	}
	end, ok := tileEnd(t)
	size := int64(0)
	if ok {
		if size, err = s.withinLog(r.Context(), e, end); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	if !ok || end > size {
		s.apiError(w, r, actas.Errorf(actas.ENOTFOUND, "tile %s is beyond the log's %d entries", t.Path(), size))
		return
	}
	hr, err := s.treeHashes(r, e, end)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	data, err := tlog.ReadTileData(t, hr)
	if err != nil {
		s.apiError(w, r, fmt.Errorf("tile %s: %w", t.Path(), err))
		return
	}
	if t.W == 1<<tileHeight {
		// A full tile never changes in a log that only grows.
		w.Header().Set("Cache-Control", "public, max-age=86400")
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// tileEnd returns the size of the smallest log that stores every hash of
// tile t: the last node it holds, at level L·H, covers leaves up to
// ((N·2^H + W) << L·H) − 1. ok is false for a tile beyond any log.
func tileEnd(t tlog.Tile) (int64, bool) {
	level := t.L * t.H
	if level >= 62 || t.N > (1<<(62-level))>>t.H {
		return 0, false
	}
	nodes := t.N<<t.H + int64(t.W) // nodes at that level, up to the tile's end
	if nodes > (1<<62)>>level {
		return 0, false
	}
	return nodes << level, true
}

// tileWithin reports whether every hash of tile t is stored in a log of
// size entries.
func tileWithin(t tlog.Tile, size int64) bool {
	end, ok := tileEnd(t)
	return ok && end <= size
}

// handleReceipt serves a receipt for entry {index} against the latest
// checkpoint (translog.Receipt): what `actas log check-receipt` verifies.
func (s *Server) handleReceipt(w http.ResponseWriter, r *http.Request) {
	e, _, err := s.logElection(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	index, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || index < 0 {
		s.apiError(w, r, actas.Errorf(actas.ENOTFOUND, "%q is not a log index", clip(r.PathValue("index"))))
		return
	}
	rc, err := s.receipt(r, e, index)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, rc)
}

// receipt builds the receipt of one entry against the latest checkpoint.
func (s *Server) receipt(r *http.Request, e *election, index int64) (*translog.Receipt, error) {
	st, err := s.latestCheckpoint(r.Context(), e)
	if err != nil {
		return nil, err
	}
	return s.receiptAt(r, e, st, index)
}

// receiptAt builds the receipt of one entry against the checkpoint of st;
// the submission API (submit.go) uses it too.
func (s *Server) receiptAt(r *http.Request, e *election, st *logState, index int64) (*translog.Receipt, error) {
	if st.latest == nil || index >= st.latest.Size {
		return nil, actas.Errorf(actas.ENOTFOUND, "entry %d of %s is not yet in a signed checkpoint", index, e.ID)
	}
	entry, err := s.entry(r.Context(), e, index)
	if err != nil {
		return nil, err
	}
	return s.receiptOf(r, e, st, index, entry)
}

// receiptOf is receiptAt for an entry the caller has, checked against
// the leaf hash stored for it.
func (s *Server) receiptOf(r *http.Request, e *election, st *logState, index int64, entry []byte) (*translog.Receipt, error) {
	if st.latest == nil || index >= st.latest.Size {
		return nil, actas.Errorf(actas.ENOTFOUND, "entry %d of %s is not yet in a signed checkpoint", index, e.ID)
	}
	hr, err := s.treeHashes(r, e, st.latest.Size)
	if err != nil {
		return nil, err
	}
	leaf, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
	if err != nil {
		return nil, err
	}
	if translog.LeafHash(entry) != leaf[0] {
		return nil, actas.Errorf(actas.EINTERNAL, "entry %d of %s: the stored leaf hash is not the entry's", index, e.ID)
	}
	p, err := translog.ProveInclusion(st.latest.Size, index, hr)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof of entry %d: %w", index, err)
	}
	return &translog.Receipt{Index: index, Entry: string(entry), Checkpoint: string(st.latest.Note), Proof: translog.ProofBytes(p)}, nil
}

// entry reads one entry of the election's log. Errors: ENOTFOUND beyond
// the log; ECONFLICT when the store cannot re-derive it.
func (s *Server) entry(ctx context.Context, e *election, index int64) ([]byte, error) {
	size, err := s.logSize(ctx, e)
	if err != nil {
		return nil, err
	}
	if index >= size {
		return nil, actas.Errorf(actas.ENOTFOUND, "the log of %s has %d entries: no entry %d", e.ID, size, index)
	}
	var out []byte
	err = s.store.LogEntries(ctx, e.ID, index, index+1, func(_ int64, entry []byte) error {
		out = bytes.Clone(entry)
		return nil
	})
	if err == nil && out == nil {
		err = actas.Errorf(actas.EINTERNAL, "store returned no entry %d", index)
	}
	if err != nil {
		return nil, entryError(e.ID, index, err)
	}
	return out, nil
}

// ---- pages ----

// logURL is the log page of an election; entryURL one entry's page.
func logURL(election string) string { return electionURL(election) + "/log" }

func entryURL(election string, index int64) string {
	return logURL(election) + "/" + strconv.FormatInt(index, 10)
}

// apiLogURL is the base of the election's public log endpoints.
func apiLogURL(election string) string { return "/log/" + url.PathEscape(election) }

type logView struct {
	Election   string
	Size       string
	Checkpoint *checkpointView // nil before the first
	Key        string
	Base       string // the site's address, for the commands shown
	Links      []link
	EntryForm  string
}

type checkpointView struct {
	Size    string
	Created string
	Note    string
	Count   string
}

func (s *Server) checkpointView(l *locale, e *election, st *logState) *checkpointView {
	if st.latest == nil {
		return nil
	}
	return &checkpointView{Size: l.Int(st.latest.Size), Created: st.latest.Created.In(e.loc).Format("2006-01-02 15:04:05 MST"),
		Note: string(st.latest.Note), Count: l.Int(int64(st.count))}
}

// siteBase is the address readers reached this server at, for the
// commands pages show (pages showing it are not cached).
func siteBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/"
}

// handleLog serves an election's log page: what the log is, its latest
// checkpoint, the verifier key and how to check it all.
func (s *Server) handleLog(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	if v := r.URL.Query().Get("entry"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.pageError(w, r, l, e, actas.Errorf(actas.EINVALID, "%q is not a log entry number", clip(v)))
			return
		}
		http.Redirect(w, r, entryURL(e.ID, n), http.StatusSeeOther)
		return
	}
	size, err := s.logSize(r.Context(), e)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	st, err := s.latestCheckpoint(r.Context(), e)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	v := &logView{Election: e.ID, Size: l.Int(size), Checkpoint: s.checkpointView(l, e, st), Key: s.logKey,
		Base: siteBase(r), EntryForm: logURL(e.ID)}
	base := apiLogURL(e.ID)
	v.Links = []link{
		{Text: l.t("log.link.checkpoint"), Href: base + "/checkpoint"},
		{Text: l.t("log.link.checkpoints"), Href: base + "/checkpoints"},
		{Text: l.t("log.link.first"), Href: entryURL(e.ID, 0)},
		{Text: l.t("log.link.stations"), Href: "/api/v1/elections/" + url.PathEscape(e.ID) + "/stations.csv"},
	}
	if s.logKey != "" {
		v.Links = append(v.Links, link{Text: l.t("log.link.key"), Href: "/log/key"})
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("log.title") + " · " + e.Name
	pg.Body = v
	s.render(w, r, http.StatusOK, "log", pg)
}

type entryView struct {
	Election   string
	Index      int64
	Kind       string
	About      []link // what the entry records, linked to its page
	Text       string
	Invalid    string // why the entry does not parse, if it does not
	LeafHash   string
	Checkpoint *checkpointView
	Proof      []string // base64
	Covered    bool     // the latest checkpoint includes the entry
	Key        string
	Base       string
	ProofHref  string
	Receipt    string
	Prev, Next string
	LogHref    string
}

// handleEntry serves the page of one log entry: its text, the latest
// checkpoint, the inclusion proof and how to verify it.
func (s *Server) handleEntry(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	raw := r.PathValue("index")
	index, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || index < 0 || strconv.FormatInt(index, 10) != raw {
		s.pageError(w, r, l, e, actas.Errorf(actas.ENOTFOUND, "%q is not a log entry number", clip(raw)))
		return
	}
	entry, err := s.entry(r.Context(), e, index)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	st, err := s.latestCheckpoint(r.Context(), e)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	leaf := translog.LeafHash(entry)
	v := &entryView{Election: e.ID, Index: index, Text: string(entry), LeafHash: hex.EncodeToString(leaf[:]),
		Checkpoint: s.checkpointView(l, e, st), Key: s.logKey, Base: siteBase(r), LogHref: logURL(e.ID)}
	if index > 0 {
		v.Prev = entryURL(e.ID, index-1)
	}
	if size, err := s.logSize(r.Context(), e); err == nil && index+1 < size {
		v.Next = entryURL(e.ID, index+1)
	}
	if pe, err := translog.ParseEntry(entry); err != nil {
		v.Invalid = actas.ErrorMessage(err)
	} else {
		v.Kind, v.About = describeEntry(l, e, pe)
	}
	if st.latest != nil && index < st.latest.Size {
		hr, err := s.treeHashes(r, e, st.latest.Size)
		if err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
		p, err := translog.ProveInclusion(st.latest.Size, index, hr)
		if err != nil {
			s.pageError(w, r, l, e, fmt.Errorf("inclusion proof of entry %d: %w", index, err))
			return
		}
		v.Covered = true
		for _, h := range translog.ProofBytes(p) {
			v.Proof = append(v.Proof, b64(h))
		}
		v.ProofHref = fmt.Sprintf("%s/proof/inclusion?index=%d&size=%d", apiLogURL(e.ID), index, st.latest.Size)
		v.Receipt = fmt.Sprintf("%s/receipt/%d", apiLogURL(e.ID), index)
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("entry.title", index) + " · " + e.Name
	pg.Body = v
	s.render(w, r, http.StatusOK, "entry", pg)
}

// describeEntry names an entry's kind and links what it records.
func describeEntry(l *locale, e *election, pe *translog.Entry) (string, []link) {
	switch pe.Kind {
	case translog.KindElection:
		return l.t("entry.kind.election", pe.Definition.Stations), []link{{Text: e.Name, Href: electionURL(e.ID)}}
	case translog.KindSubmission:
		sub := pe.Submission
		return l.t("entry.kind.submission", sub.Sheet.Contest, l.sourceName(sub.Source)),
			[]link{{Text: l.t("station.title", sub.Sheet.Station), Href: stationURL(e.ID, sub.Sheet.Station) + "#sub-" + itoa(sub.Seq)}}
	case translog.KindTotal:
		t := pe.Total
		return l.t("entry.kind.total", t.Bulletin, t.Choice), []link{{Text: areaName(e, t.Area), Href: areaURL(e.ID, t.Area)}}
	case translog.KindSnapshot:
		sn := pe.Snapshot
		if sn.Station {
			return l.t("entry.kind.snapshot", actas.FormatClock(sn.Time)), []link{{Text: l.t("station.title", sn.Scope), Href: stationURL(e.ID, sn.Scope)}}
		}
		return l.t("entry.kind.snapshot", actas.FormatClock(sn.Time)), []link{{Text: areaName(e, sn.Scope), Href: areaURL(e.ID, sn.Scope)}}
	case translog.KindRecord:
		return l.t("entry.kind.record", pe.Record.Kind, pe.Record.Account), nil
	}
	return string(pe.Kind), nil
}

func areaName(e *election, path string) string {
	if path == "" {
		return e.Name
	}
	return path
}

// b64 is standard base64, as checkpoints and proofs write hashes.
func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/translog"
)

const (
	// maxSubmissionBody bounds a submission's JSON: numbers, photo names and
	// a QR payload, never the photos themselves.
	maxSubmissionBody = 64 << 10
	// maxQRText bounds a QR payload's text (a Venezuelan 2024 sheet's is
	// well under 1 KiB).
	maxQRText = 4 << 10
	maxPhotos = 20
	// defaultReceiptWait is how long a submission waits for a signed
	// checkpoint that includes it (cmd/actas signs every 2 s by default).
	defaultReceiptWait = 5 * time.Second
	receiptPoll        = 100 * time.Millisecond
)

// submissionRequest is the JSON body of POST
// /api/v1/elections/{election}/submissions. Counts are required except
// voters; votes name every choice of the contest by id.
type submissionRequest struct {
	Station        string           `json:"station"`
	Contest        string           `json:"contest"`
	Source         actas.Source     `json:"source"` // "" is witness
	Votes          map[string]int64 `json:"votes"`
	Blank          *int64           `json:"blank"`
	Null           *int64           `json:"null"`
	Ballots        *int64           `json:"ballots"`
	Voters         *int64           `json:"voters"`
	Photos         []string         `json:"photos"` // SHA-256 names of evidence stored for the election
	QR             string           `json:"qr"`     // the sheet's QR payload, as read
	IdempotencyKey string           `json:"idempotency_key"`
}

// submissionResponse is the answer to a submission: the receipt of the log
// entry that records it, once a signed checkpoint includes that entry.
// Until then (202 Accepted) Receipt is absent: fetch ReceiptURL later, or
// send the same request again with the same idempotency key.
type submissionResponse struct {
	Index      int64             `json:"index"`   // the submission's log entry (its Seq)
	Outcome    string            `json:"outcome"` // new, differing, or already present (the same numbers from this source were stored before)
	Flags      []string          `json:"flags"`   // what actas.Check found, as stored with the entry
	ReceiptURL string            `json:"receipt_url"`
	Receipt    *translog.Receipt `json:"receipt,omitempty"`
}

// decodeSubmission reads a submission request strictly: JSON content type,
// at most maxSubmissionBody bytes, one object, no unknown fields.
func decodeSubmission(w http.ResponseWriter, r *http.Request) (*submissionRequest, error) {
	var req submissionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return nil, err
	}
	return &req, nil
}

// decodeJSON reads a write request's body into v strictly: JSON content
// type, at most maxSubmissionBody bytes, one object, no unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" || (params["charset"] != "" && !equalFoldASCII(params["charset"], "utf-8")) {
		return errUnsupportedMedia
	}
	body := http.MaxBytesReader(w, r.Body, maxSubmissionBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			return actas.Errorf(actas.EINVALID, "the body holds more than one JSON object")
		}
		return bodyError(err)
	}
	return nil
}

var errUnsupportedMedia = errors.New("the body must be JSON, sent with Content-Type: application/json")

func bodyError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return err
	}
	return actas.Errorf(actas.EINVALID, "the body is not a valid request: %v", err)
}

func equalFoldASCII(a, b string) bool {
	return len(a) == len(b) && bytes.EqualFold([]byte(a), []byte(b))
}

// submission turns a request into the submission to store, checking its
// form against the election; Flags, Submitter and Received are left to the
// caller. Errors: EINVALID naming the field; ENOTFOUND for an unknown
// station or contest.
func (s *Server) submission(e *election, req *submissionRequest) (*actas.Submission, *actas.Station, error) {
	if err := actas.CheckIdempotencyKey(req.IdempotencyKey); err != nil {
		return nil, nil, err
	}
	c, err := e.Contest(req.Contest)
	if err != nil {
		return nil, nil, err
	}
	sr, err := s.results.Station(e.ID, c.ID, req.Station)
	if err != nil {
		return nil, nil, err
	}
	st := sr.Station
	src := req.Source
	if src == "" {
		src = actas.Witness
	}
	if _, err := actas.ParseSource(string(src), false); err != nil {
		return nil, nil, err
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"blank", req.Blank}, {"null", req.Null}, {"ballots", req.Ballots}} {
		if f.v == nil {
			return nil, nil, actas.Errorf(actas.EINVALID, "%s is missing (write 0 for none)", f.name)
		}
	}
	sh := actas.Sheet{Station: st.Code, Contest: c.ID, Votes: make([]int64, len(c.Choices)),
		Blank: *req.Blank, Null: *req.Null, Ballots: *req.Ballots, Voters: actas.Unknown}
	if req.Voters != nil {
		if *req.Voters < 0 {
			return nil, nil, actas.Errorf(actas.EINVALID, "voters (%d) is negative; leave it out when the sheet does not state it", *req.Voters)
		}
		sh.Voters = *req.Voters
	}
	for i, ch := range c.Choices {
		v, ok := req.Votes[ch.ID]
		if !ok {
			return nil, nil, actas.Errorf(actas.EINVALID, "votes for %s are missing (write 0 for none)", ch.ID)
		}
		sh.Votes[i] = v
	}
	if len(req.Votes) != len(c.Choices) {
		for id := range req.Votes {
			if slices.IndexFunc(c.Choices, func(ch actas.Choice) bool { return ch.ID == id }) < 0 {
				return nil, nil, actas.Errorf(actas.EINVALID, "contest %s has no choice %q", c.ID, clip(id))
			}
		}
	}
	if err := actas.CheckForm(&sh, c); err != nil {
		return nil, nil, err
	}
	if len(req.Photos) > maxPhotos {
		return nil, nil, actas.Errorf(actas.EINVALID, "%d photos: at most %d", len(req.Photos), maxPhotos)
	}
	sub := &actas.Submission{Election: e.ID, Source: src, Sheet: sh}
	for _, p := range req.Photos {
		if !actas.ValidSHA256(p) {
			return nil, nil, actas.Errorf(actas.EINVALID, "photo %q is not the SHA-256 name of a stored file (64 lowercase hex digits)", clip(p))
		}
		sub.Evidence = append(sub.Evidence, actas.Evidence{Kind: "photo", SHA256: p})
	}
	if req.QR != "" {
		if len(req.QR) > maxQRText {
			return nil, nil, actas.Errorf(actas.EINVALID, "qr holds %d bytes: at most %d", len(req.QR), maxQRText)
		}
		sub.Evidence = append(sub.Evidence, actas.Evidence{Kind: sheetio.QRKind, Text: req.QR})
	}
	return sub, &st, nil
}

// requestDigest hashes what a submission request states, so that a retry
// with the same idempotency key can be told from other content under it.
func requestDigest(sub *actas.Submission) [32]byte {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	str := func(v string) {
		h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(v)))])
		h.Write([]byte(v))
	}
	h.Write([]byte("actas-submission-request-v1\x00"))
	str(sub.Election)
	str(string(sub.Source))
	d := sub.Sheet.Digest()
	h.Write(d[:])
	h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(sub.Evidence)))])
	for _, ev := range sub.Evidence {
		str(ev.Kind)
		str(ev.SHA256)
		str(ev.URL)
		str(ev.Text)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// apiSubmit stores a witness's (or an admin's) sheet and answers with its
// receipt. The idempotency key makes retries safe: the same key with the
// same content answers with the entry stored the first time, stores
// nothing, also after a restart; with other content it is a conflict.
func (s *Server) apiSubmit(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, s.submit(w, r))
}

// writeError answers a failed write request: 415 and 413 for a body of
// the wrong type or size, the error's code otherwise. A nil err writes
// nothing.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		switch {
		case errors.Is(err, errTooMany):
			w.Header().Set("Retry-After", "2")
			s.writeJSONError(w, r, http.StatusTooManyRequests, "too_many_requests", err.Error())
		case errors.Is(err, errUnsupportedMedia):
			s.writeJSONError(w, r, http.StatusUnsupportedMediaType, actas.EINVALID, err.Error())
		case isMaxBytes(err):
			s.writeJSONError(w, r, http.StatusRequestEntityTooLarge, actas.EINVALID,
				fmt.Sprintf("the body is larger than %d bytes: send photos to the evidence upload, and their names here", maxSubmissionBody))
		default:
			s.apiError(w, r, err)
		}
	}
}

func isMaxBytes(err error) bool {
	_, ok := errors.AsType[*http.MaxBytesError](err)
	return ok
}

func (s *Server) writeJSONError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	var body errorBody
	body.Error.Code, body.Error.Message = code, msg
	s.writeJSON(w, r, status, &body)
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.authenticate(r)
	if err != nil {
		return err
	}
	if err := s.allowWrite(a); err != nil {
		return err
	}
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		return err
	}
	// Who may write here at all is decided before the body is read.
	if a.Election != e.ID {
		return authorize(a, actSubmit, e.ID, target{})
	}
	req, err := decodeSubmission(w, r)
	if err != nil {
		return err
	}
	sub, st, err := s.submission(e, req)
	if err != nil {
		return err
	}
	if err := authorize(a, actSubmit, e.ID, target{Station: st.Code, Area: st.Area}); err != nil {
		return err
	}
	if sub.Source != actas.Witness && a.Role != actas.RoleAdmin {
		return actas.Errorf(actas.EFORBIDDEN, "a %s states witness sheets only; an admin states sheets of source %s", a.Role, sub.Source)
	}
	// The request's digest is taken before the server adds flags,
	// submitter and time: a retry states the same request.
	digest := requestDigest(sub)
	if err := s.addPhotoEXIF(r, e.ID, sub); err != nil {
		return err
	}
	c, err := e.Contest(sub.Sheet.Contest)
	if err != nil {
		return err
	}
	// A QR payload that disagrees with the typed numbers, or cannot be
	// read, is flagged the way `actas import` flags it.
	sub.Flags = actas.Check(&sub.Sheet, st, e.Capacity(st)) | sheetio.QRFlags(sub, c, nil)
	sub.Submitter = strconv.FormatInt(a.ID, 10)
	sub.Origin = "web api"
	sub.Received = time.Now().UTC()
	// The key is looked up in the batch's transaction (SubmitRemembering):
	// a retry of a request answered before stores nothing and is answered
	// with the entry kept for its key.
	ctx := r.Context()
	res := s.commit.submit(ctx, &pending{election: e.ID, sub: sub, account: a.ID, key: req.IdempotencyKey, digest: digest})
	if res.err != nil {
		return res.err
	}
	if !res.fresh {
		return s.answerSubmission(w, r, e, res.seq, actas.Present.String(), http.StatusOK, nil, 0)
	}
	// The entry the store appended, encoded from what was stored rather
	// than read back (re-deriving one entry costs more than storing it);
	// the receipt checks it against the stored leaf hash.
	entry, err := translog.EncodeSubmission(nil, sub, c)
	if err != nil {
		return err
	}
	return s.answerSubmission(w, r, e, res.seq, res.outcome.String(), http.StatusCreated, entry, sub.Flags)
}

// once stores a request at most once per account and idempotency key:
// store stores it and returns its log index, and whether it was already
// present. A retry of the same request (same digest) gets the index first
// kept; the same key with another digest is ECONFLICT. fresh says whether
// this call stored something new.
func (s *Server) once(ctx context.Context, account int64, key string, digest [32]byte, store func() (seq int64, present bool, err error)) (seq int64, fresh bool, err error) {
	seq, kept, err := s.store.RememberedRequest(ctx, account, key)
	switch {
	case err == nil:
		if kept != digest {
			return 0, false, keyReused()
		}
		return seq, false, nil
	case actas.ErrorCode(err) != actas.ENOTFOUND:
		return 0, false, err
	}
	seq, present, err := store()
	if err != nil {
		return 0, false, err
	}
	keptSeq, kept, err := s.store.RememberRequest(ctx, account, key, digest, seq)
	if err != nil {
		return 0, false, fmt.Errorf("entry %d stored, key not kept: %w", seq, err)
	}
	if kept != digest {
		return 0, false, keyReused() // a concurrent request with the same key and other content won
	}
	return keptSeq, !present && keptSeq == seq, nil
}

func keyReused() error {
	return actas.Errorf(actas.ECONFLICT, "this idempotency key was used for another submission: make a new key for new content")
}

// answerSubmission writes the receipt of entry seq, waiting up to the
// receipt wait for a checkpoint that includes it; without one it answers
// 202 with where the receipt will be. entry is the entry's text when the
// caller just stored it, with the flags it stored, else nil.
func (s *Server) answerSubmission(w http.ResponseWriter, r *http.Request, e *election, seq int64, outcome string, status int, entry []byte, flags actas.Flags) error {
	resp := &submissionResponse{Index: seq, Outcome: outcome, ReceiptURL: receiptURL(e.ID, seq)}
	justStored := entry != nil
	if justStored {
		resp.Flags = flags.Names() // what the entry encodes: no need to parse it back
	} else {
		var err error
		if entry, err = s.entry(r.Context(), e, seq); err != nil {
			return err
		}
		if resp.Flags, err = entryFlags(entry, seq); err != nil {
			return err
		}
	}
	rc, err := s.waitReceipt(r, e, seq, entry, justStored)
	if err != nil {
		return err
	}
	if rc == nil {
		status = http.StatusAccepted
	}
	resp.Receipt = rc
	s.writeJSON(w, r, status, resp)
	return nil
}

// entryFlags returns the flag names stored with the submission whose
// entry (at seq) is given.
func entryFlags(entry []byte, seq int64) ([]string, error) {
	pe, err := translog.ParseEntry(entry)
	if err != nil {
		return nil, actas.Errorf(actas.EINTERNAL, "entry %d: %v", seq, err)
	}
	if pe.Submission == nil {
		return nil, actas.Errorf(actas.EINTERNAL, "entry %d records no submission", seq)
	}
	names := pe.Submission.Flags.Names()
	if names == nil {
		names = []string{}
	}
	return names, nil
}

// waitReceipt returns the receipt of entry seq once a signed checkpoint
// includes it, or nil when none does within the receipt wait.
func (s *Server) waitReceipt(r *http.Request, e *election, seq int64, entry []byte, justStored bool) (*translog.Receipt, error) {
	deadline := time.Now().Add(s.receiptWait)
	// An entry just stored is in no checkpoint yet: the first look is at
	// the one in memory, and the store is read only when no signal comes.
	// An entry stored before may be in one another process signed.
	fresh := !justStored
	for {
		// Take the signal before looking, so that a checkpoint kept in
		// between still wakes this request.
		signed := s.signed.wait(e.ID)
		var st *logState
		var err error
		if fresh {
			st, err = s.freshCheckpoint(r.Context(), e, seq)
		} else {
			st, err = s.latestCheckpoint(r.Context(), e)
		}
		if err != nil {
			return nil, err
		}
		if st.latest != nil && seq < st.latest.Size {
			return s.receiptOf(r, e, st, seq, entry)
		}
		if !time.Now().Before(deadline) {
			return nil, nil
		}
		// Wake when this process keeps a checkpoint (CheckpointKept has
		// loaded it), or look at the store now and then: another process
		// may sign.
		t := time.NewTimer(min(receiptPoll, time.Until(deadline)))
		select {
		case <-r.Context().Done():
			t.Stop()
			return nil, r.Context().Err()
		case <-signed:
			t.Stop()
			fresh = false
		case <-t.C:
			fresh = true
		}
	}
}

// freshCheckpoint returns the latest checkpoint, reading the store when the
// one kept does not yet include entry seq (it is reloaded only every
// CheckpointTTL otherwise).
func (s *Server) freshCheckpoint(ctx context.Context, e *election, seq int64) (*logState, error) {
	st, err := s.latestCheckpoint(ctx, e)
	if err != nil || (st.latest != nil && seq < st.latest.Size) {
		return st, err
	}
	nst, err := s.loadLogState(ctx, e)
	if err != nil {
		return nil, err
	}
	if old := e.log.state.Load(); old == nil || old.latest == nil || (nst.latest != nil && nst.latest.Size > old.latest.Size) {
		e.log.state.CompareAndSwap(old, nst)
	}
	return nst, nil
}

// receiptURL is where the receipt of an election's log entry is served.
func receiptURL(election string, index int64) string {
	return apiLogURL(election) + "/receipt/" + strconv.FormatInt(index, 10)
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/tabulate"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// logSource is where `actas log verify` and `actas log check-receipt` read
// a log and what is published from it: a portal's public endpoints
// (urlSource) or a local store (dbSource). Nothing a source returns is
// trusted: the verifier checks it all against signed checkpoints.
type logSource interface {
	String() string
	// electionID resolves an empty id to the only election.
	electionID(ctx context.Context, id string) (string, error)
	// election is the definition served beside the log.
	election(ctx context.Context, id string) (*actas.Election, error)
	// latest is the latest signed checkpoint (ENOTFOUND when none).
	latest(ctx context.Context, id string) ([]byte, error)
	// checkpoints are every checkpoint kept, oldest first.
	checkpoints(ctx context.Context, id string) ([][]byte, error)
	// consistency proves that the tree of from entries is a prefix of the
	// tree of size entries.
	consistency(ctx context.Context, id string, from, size int64) ([][]byte, error)
	// entries calls fn with each index of [from, to) in order, and its
	// entry, or a nil entry and why the source cannot give it. It stops at
	// fn's first error, or when the source fails altogether. fn may keep
	// the entry.
	entries(ctx context.Context, id string, from, to int64, fn entryFunc) error
	// leafHashes are the stored leaf hashes of entries [from, to).
	leafHashes(ctx context.Context, id string, from, to int64) ([]translog.Hash, error)
	// stations are the election's stations as published, in creation order.
	stations(ctx context.Context, id string) ([]actas.Station, error)
	// derivesStations reports whether the source derives entry 0 from the
	// stations it publishes (a store does), so that the entry's stored hash
	// already checks them.
	derivesStations() bool
	// resultsSeq is the highest log index of the submissions the served
	// results count.
	resultsSeq(ctx context.Context, id string) (int64, error)
	// sources are the sources the served results have.
	sources(ctx context.Context, id string) ([]actas.Source, error)
	// results are the served results of every area of a level within an
	// area ("" for national).
	results(ctx context.Context, id, contest string, src actas.Source, level, within string) ([]*actas.AreaDocument, error)
}

// entryFunc receives one entry, or a nil entry and why it is missing.
type entryFunc func(i int64, entry []byte, err error) error

// ---- a local store ----

type dbSource struct {
	path  string
	store actas.Store

	once sync.Once
	tab  *tabulate.Tabulator
	err  error
}

func (s *dbSource) String() string { return s.path }

func (s *dbSource) electionID(ctx context.Context, id string) (string, error) {
	e, err := pickElection(ctx, s.store, id)
	if err != nil {
		return "", err
	}
	return e.ID, nil
}

func (s *dbSource) election(ctx context.Context, id string) (*actas.Election, error) {
	return s.store.Election(ctx, id)
}

func (s *dbSource) latest(ctx context.Context, id string) ([]byte, error) {
	cp, err := latestCheckpoint(ctx, s.store, id)
	if err != nil {
		return nil, err
	}
	if cp == nil {
		return nil, actas.Errorf(actas.ENOTFOUND, "the log of %s has no signed checkpoint", id)
	}
	return cp.Note, nil
}

func (s *dbSource) checkpoints(ctx context.Context, id string) ([][]byte, error) {
	cps, err := s.store.Checkpoints(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(cps))
	for i, cp := range cps {
		out[i] = cp.Note
	}
	return out, nil
}

func (s *dbSource) consistency(ctx context.Context, id string, from, size int64) ([][]byte, error) {
	p, err := translog.ProveConsistency(size, from, storeHashes{ctx: ctx, store: s.store, election: id})
	if err != nil {
		return nil, err
	}
	return translog.ProofBytes(p), nil
}

func (s *dbSource) entries(ctx context.Context, id string, from, to int64, fn entryFunc) error {
	for from < to {
		next := from
		var stop error
		err := s.store.LogEntries(ctx, id, from, to, func(i int64, entry []byte) error {
			if i != next {
				return actas.Errorf(actas.EINTERNAL, "the store gave entry %d in place of %d", i, next)
			}
			if err := fn(i, entry, nil); err != nil {
				stop = err
				return err
			}
			next++
			return nil
		})
		switch {
		case stop != nil:
			return stop
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil && next == to:
			return nil
		case err == nil:
			err = actas.Errorf(actas.EINTERNAL, "the store gave no entry %d", next)
		}
		// The store cannot give entry next: say so, and go on after it.
		if err := fn(next, nil, err); err != nil {
			return err
		}
		from = next + 1
	}
	return nil
}

func (s *dbSource) leafHashes(ctx context.Context, id string, from, to int64) ([]translog.Hash, error) {
	ids := make([]int64, 0, to-from)
	for i := from; i < to; i++ {
		ids = append(ids, tlog.StoredHashIndex(0, i))
	}
	return storeHashes{ctx: ctx, store: s.store, election: id}.ReadHashes(ids)
}

func (s *dbSource) stations(ctx context.Context, id string) ([]actas.Station, error) {
	return s.store.Stations(ctx, id)
}

func (s *dbSource) derivesStations() bool { return true }

// tabulation is tabulate.Load of the store: what `actas serve` would serve.
func (s *dbSource) tabulation(ctx context.Context) (*tabulate.Tabulator, error) {
	s.once.Do(func() { s.tab, s.err = loadResults(ctx, s.store) })
	return s.tab, s.err
}

func (s *dbSource) resultsSeq(ctx context.Context, id string) (int64, error) {
	tab, err := s.tabulation(ctx)
	if err != nil {
		return 0, err
	}
	return tab.MaxSeq(id)
}

func (s *dbSource) sources(ctx context.Context, id string) ([]actas.Source, error) {
	tab, err := s.tabulation(ctx)
	if err != nil {
		return nil, err
	}
	return tab.Sources(id), nil
}

func (s *dbSource) results(ctx context.Context, id, contest string, src actas.Source, level, within string) ([]*actas.AreaDocument, error) {
	tab, err := s.tabulation(ctx)
	if err != nil {
		return nil, err
	}
	return levelDocuments(tab, id, contest, src, level, within)
}

// levelDocuments is every area of a level within an area of a
// tabulation, in the API's form.
func levelDocuments(tab *tabulate.Tabulator, id, contest string, src actas.Source, level, within string) ([]*actas.AreaDocument, error) {
	e, err := tab.Election(id)
	if err != nil {
		return nil, err
	}
	c, err := e.Contest(contest)
	if err != nil {
		return nil, err
	}
	areas, err := tab.Level(id, contest, src, level, within)
	if err != nil {
		return nil, err
	}
	out := make([]*actas.AreaDocument, len(areas))
	for i, a := range areas {
		out[i] = actas.NewAreaDocument(c, a)
	}
	return out, nil
}

// ---- a portal's public endpoints ----

type urlSource struct {
	base   *url.URL
	client *http.Client
}

// maxBody bounds what the verifier reads of one response (a page of
// results or a bundle of entries is a few megabytes).
const maxBody = 256 << 20

func newURLSource(raw string) (*urlSource, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, actas.Errorf(actas.EINVALID, "--url %q is not an http or https address", clipArg(raw))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	return &urlSource{base: u, client: &http.Client{Timeout: 2 * time.Minute}}, nil
}

func (s *urlSource) String() string { return s.base.String() }

// get fetches path (relative to the base) and returns the body of a 200
// response; another status is an error with the server's message.
func (s *urlSource) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := s.base.JoinPath(path)
	if q != nil {
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "GET %s: %v", u, err)
	}
	if len(body) > maxBody {
		return nil, actas.Errorf(actas.EINVALID, "GET %s: response larger than %d bytes", u, maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		var eb struct {
			Error struct{ Code, Message string }
		}
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &eb) == nil && eb.Error.Message != "" {
			msg = eb.Error.Message
		}
		code := actas.EINVALID
		if resp.StatusCode == http.StatusNotFound {
			code = actas.ENOTFOUND
		}
		return nil, actas.Errorf(code, "GET %s: %s: %s", u, resp.Status, clipArg(msg))
	}
	return body, nil
}

func (s *urlSource) getJSON(ctx context.Context, path string, q url.Values, v any) error {
	b, err := s.get(ctx, path, q)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return actas.Errorf(actas.EINVALID, "GET %s: the response is not the JSON expected: %v", path, err)
	}
	return nil
}

func logPath(id string, rest ...string) string {
	return "log/" + url.PathEscape(id) + "/" + strings.Join(rest, "/")
}

func apiPath(id string, rest ...string) string {
	p := "api/v1/elections/" + url.PathEscape(id)
	if len(rest) > 0 {
		p += "/" + strings.Join(rest, "/")
	}
	return p
}

func (s *urlSource) electionID(ctx context.Context, id string) (string, error) {
	if id != "" {
		return id, nil
	}
	var body struct {
		Elections []struct{ ID string }
	}
	if err := s.getJSON(ctx, "api/v1/elections", nil, &body); err != nil {
		return "", err
	}
	switch len(body.Elections) {
	case 0:
		return "", actas.Errorf(actas.ENOTFOUND, "%s serves no election", s.base)
	case 1:
		return body.Elections[0].ID, nil
	}
	ids := make([]string, len(body.Elections))
	for i, e := range body.Elections {
		ids[i] = e.ID
	}
	return "", actas.Errorf(actas.EINVALID, "%s serves %d elections (%s): name one with --election", s.base, len(ids), strings.Join(ids, ", "))
}

// apiElection is the part of /api/v1/elections/{id} the verifier reads.
type apiElection struct {
	actas.Election
	Sources    []actas.Source `json:"sources"`
	ResultsSeq *int64         `json:"results_seq"`
}

func (s *urlSource) apiElection(ctx context.Context, id string) (*apiElection, error) {
	var e apiElection
	if err := s.getJSON(ctx, apiPath(id), nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

func (s *urlSource) election(ctx context.Context, id string) (*actas.Election, error) {
	e, err := s.apiElection(ctx, id)
	if err != nil {
		return nil, err
	}
	return &e.Election, nil
}

func (s *urlSource) latest(ctx context.Context, id string) ([]byte, error) {
	return s.get(ctx, logPath(id, "checkpoint"), nil)
}

func (s *urlSource) checkpoints(ctx context.Context, id string) ([][]byte, error) {
	var body struct {
		Checkpoints []struct {
			Note string `json:"note"`
		} `json:"checkpoints"`
	}
	if err := s.getJSON(ctx, logPath(id, "checkpoints"), nil, &body); err != nil {
		return nil, err
	}
	out := make([][]byte, len(body.Checkpoints))
	for i, c := range body.Checkpoints {
		out[i] = []byte(c.Note)
	}
	return out, nil
}

func (s *urlSource) consistency(ctx context.Context, id string, from, size int64) ([][]byte, error) {
	var body struct {
		From, Size int64
		Proof      [][]byte
	}
	q := url.Values{"from": {strconv.FormatInt(from, 10)}, "size": {strconv.FormatInt(size, 10)}}
	if err := s.getJSON(ctx, logPath(id, "proof", "consistency"), q, &body); err != nil {
		return nil, err
	}
	if body.From != from || body.Size != size {
		return nil, actas.Errorf(actas.EINVALID, "asked for a consistency proof from %d to %d, got one from %d to %d", from, size, body.From, body.Size)
	}
	return body.Proof, nil
}

func (s *urlSource) entries(ctx context.Context, id string, from, to int64, fn entryFunc) error {
	for from < to {
		n, err := s.bundle(ctx, id, from, to, fn)
		var fe *fnError
		switch {
		case errors.As(err, &fe):
			return fe.err
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil || n > 0:
			from += n
			continue
		}
		// The server cannot give the range: find the first entry it
		// cannot give, report it, and go on after it.
		bad, err := s.firstUnreadable(ctx, id, from, min(to, from+bundleEntries), fn)
		if err != nil {
			return err
		}
		from = bad + 1
	}
	return nil
}

// bundleEntries is the most entries a server sends per /entries request.
const bundleEntries = 2048

// fnError marks an error of the caller's fn, which stops the walk.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }
func (e *fnError) Unwrap() error { return e.err }

// bundle reads one /entries bundle of [from, to) and calls fn with each
// entry; it returns how many the server sent.
func (s *urlSource) bundle(ctx context.Context, id string, from, to int64, fn entryFunc) (int64, error) {
	q := url.Values{"start": {strconv.FormatInt(from, 10)}, "end": {strconv.FormatInt(to, 10)}}
	b, err := s.get(ctx, logPath(id, "entries"), q)
	if err != nil {
		return 0, err
	}
	return readBundle(b, from, to, fn)
}

// readBundle calls fn with each entry of a bundle (each entry a 2-byte
// big-endian length and its bytes) holding entries from index from, at
// most up to to, and returns how many it held. An error of fn is returned
// as an *fnError; the bundle's are EINVALID.
func readBundle(b []byte, from, to int64, fn entryFunc) (int64, error) {
	var n int64
	for len(b) > 0 {
		if len(b) < 2 {
			return n, actas.Errorf(actas.EINVALID, "entries from %d: the bundle ends inside a length", from)
		}
		l := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+l {
			return n, actas.Errorf(actas.EINVALID, "entries from %d: the bundle ends inside entry %d", from, from+n)
		}
		if from+n >= to {
			return n, actas.Errorf(actas.EINVALID, "entries from %d: the bundle holds more than the %d entries asked for", from, to-from)
		}
		if err := fn(from+n, b[2:2+l], nil); err != nil {
			return n, &fnError{err}
		}
		b = b[2+l:]
		n++
	}
	if n == 0 {
		return 0, actas.Errorf(actas.EINVALID, "entries from %d: the server sent none", from)
	}
	return n, nil
}

// firstUnreadable finds by halving the first entry of [from, to) the
// server refuses to give, calls fn with the entries before it and then with
// it, missing, and returns its index.
func (s *urlSource) firstUnreadable(ctx context.Context, id string, from, to int64, fn entryFunc) (int64, error) {
	fails := func(lo, hi int64) error {
		_, err := s.get(ctx, logPath(id, "entries"), url.Values{"start": {strconv.FormatInt(lo, 10)}, "end": {strconv.FormatInt(hi, 10)}})
		return err
	}
	lo, hi := from, to // [from, lo) reads; [lo, hi) does not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if fails(lo, mid) != nil {
			hi = mid
		} else {
			lo = mid
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
	for i := from; i < lo; {
		n, err := s.bundle(ctx, id, i, lo, fn)
		var fe *fnError
		if errors.As(err, &fe) {
			return 0, fe.err
		}
		if err != nil {
			return 0, err
		}
		i += n
	}
	err := fails(lo, lo+1)
	if err == nil {
		// Readable after all (the log changed meanwhile): take it.
		_, err := s.bundle(ctx, id, lo, lo+1, fn)
		var fe *fnError
		if errors.As(err, &fe) {
			return 0, fe.err
		}
		return lo, err
	}
	if err := fn(lo, nil, err); err != nil {
		return 0, err
	}
	return lo, nil
}

func (s *urlSource) leafHashes(ctx context.Context, id string, from, to int64) ([]translog.Hash, error) {
	out := make([]translog.Hash, 0, to-from)
	for n := from >> 8; n<<8 < to; n++ {
		w := min(to-n<<8, 256)
		t := tlog.Tile{H: 8, L: 0, N: n, W: int(w)}
		b, err := s.get(ctx, logPath(id, t.Path()), nil)
		if err != nil {
			return nil, err
		}
		if len(b) != int(w)*tlog.HashSize {
			return nil, actas.Errorf(actas.EINVALID, "tile %s: %d bytes, want %d", t.Path(), len(b), w*tlog.HashSize)
		}
		for k := int64(0); k < w; k++ {
			if i := n<<8 + k; i >= from && i < to {
				out = append(out, translog.Hash(b[k*tlog.HashSize:(k+1)*tlog.HashSize]))
			}
		}
	}
	return out, nil
}

func (s *urlSource) stations(ctx context.Context, id string) ([]actas.Station, error) {
	e, err := s.election(ctx, id)
	if err != nil {
		return nil, err
	}
	b, err := s.get(ctx, apiPath(id, "stations.csv"), nil)
	if err != nil {
		return nil, err
	}
	return sheetio.ReadStations(bufio.NewReader(bytes.NewReader(b)), "stations.csv from "+s.base.String(), e.Levels)
}

func (s *urlSource) derivesStations() bool { return false }

func (s *urlSource) resultsSeq(ctx context.Context, id string) (int64, error) {
	e, err := s.apiElection(ctx, id)
	if err != nil {
		return 0, err
	}
	if e.ResultsSeq == nil {
		return 0, actas.Errorf(actas.EINVALID, "%s does not say which log entries its results count (no results_seq)", s.base)
	}
	return *e.ResultsSeq, nil
}

func (s *urlSource) sources(ctx context.Context, id string) ([]actas.Source, error) {
	e, err := s.apiElection(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.Sources, nil
}

// resultsPage is the number of areas asked for per results request.
const resultsPage = 20000

// results reads the results' CSV form, which costs a fraction of the
// JSON's to decode: a level of a million areas is compared in seconds. It
// has every figure but voters_stations, which it leaves at -1 (not served).
func (s *urlSource) results(ctx context.Context, id, contest string, src actas.Source, level, within string) ([]*actas.AreaDocument, error) {
	var out []*actas.AreaDocument
	for page := 1; ; page++ {
		q := url.Values{"contest": {contest}, "source": {string(src)}, "level": {level}, "format": {"csv"},
			"limit": {strconv.Itoa(resultsPage)}, "page": {strconv.Itoa(page)}}
		if within != "" {
			q.Set("area", within)
		}
		b, err := s.get(ctx, apiPath(id, "results"), q)
		if err != nil {
			return nil, err
		}
		areas, err := parseResultsCSV(b)
		if err != nil {
			return nil, fmt.Errorf("results of %s, level %s: %w", src, level, err)
		}
		out = append(out, areas...)
		if len(areas) < resultsPage {
			return out, nil
		}
	}
}

// parseResultsCSV reads results in their CSV form (actas.ResultsDocument's
// CSVHeader and CSVRows).
func parseResultsCSV(b []byte) ([]*actas.AreaDocument, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "results CSV: %v", err)
	}
	head = slices.Clone(head)
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	fixed := []string{"area", "name", "level", "stations", "stations_counted", "registered", "registered_counted",
		"ballots", "blank", "null", "voters", "valid", "turnout", "flagged", "agreed", "single", "conflict"}
	for _, h := range fixed {
		if _, ok := col[h]; !ok {
			return nil, actas.Errorf(actas.EINVALID, "results CSV: no column %s", h)
		}
	}
	var choices []int // columns between valid and turnout
	for i := col["valid"] + 1; i < col["turnout"]; i++ {
		choices = append(choices, i)
	}
	var out []*actas.AreaDocument
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, actas.Errorf(actas.EINVALID, "results CSV: %v", err)
		}
		num := func(name string) int64 {
			v, e := strconv.ParseInt(rec[col[name]], 10, 64)
			if e != nil && err == nil {
				err = actas.Errorf(actas.EINVALID, "results CSV line %d: %s %q is not a number", line, name, rec[col[name]])
			}
			return v
		}
		a := &actas.AreaDocument{Area: rec[col["area"]], Name: rec[col["name"]], Level: rec[col["level"]],
			Votes: make(map[string]int64, len(choices))}
		a.Stations, a.StationsCounted = num("stations"), num("stations_counted")
		a.Registered, a.RegisteredCounted = num("registered"), num("registered_counted")
		a.Ballots, a.Blank, a.Null, a.Voters = num("ballots"), num("blank"), num("null"), num("voters")
		a.VotersStations = -1
		a.Flagged, a.Agreed, a.Single, a.Conflict = num("flagged"), num("agreed"), num("single"), num("conflict")
		// The figures derived from the counts are served too, and what a
		// reader sees: they are compared like the counts.
		a.Valid = num("valid")
		if t, e := strconv.ParseFloat(rec[col["turnout"]], 64); e != nil && err == nil {
			err = actas.Errorf(actas.EINVALID, "results CSV line %d: turnout %q is not a number", line, rec[col["turnout"]])
		} else {
			a.Turnout = t
		}
		for _, i := range choices {
			a.Votes[head[i]] = num(head[i])
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
}

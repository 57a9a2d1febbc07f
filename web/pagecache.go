package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of the response cache; a response larger than maxCachedBody is not
// kept.
const (
	maxCachedEntries = 4096
	maxCachedBytes   = 64 << 20
	maxCachedBody    = 1 << 20
)

// cachedHeaders are the handler-set headers a cached response replays.
var cachedHeaders = []string{"Content-Type", "Content-Language", "Content-Disposition", "Vary"}

type cacheKey struct {
	lang, uri string
}

type cacheEntry struct {
	seq    int64 // results version the response was rendered at (or before)
	totals int64 // official totals generation
	made   time.Time
	header [][2]string
	body   []byte

	// refreshing is set by the one request that renders the next version;
	// meanwhile the others get this one, so a change costs one render per
	// page however many readers there are.
	refreshing atomic.Bool
}

type pageCache struct {
	mu      sync.RWMutex
	entries map[cacheKey]*cacheEntry
	bytes   int
}

func (c *pageCache) get(k cacheKey) *cacheEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[k]
}

func (c *pageCache) put(k cacheKey, e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[cacheKey]*cacheEntry{}
	}
	if old := c.entries[k]; old != nil {
		c.bytes -= len(old.body)
	}
	// Over a limit, drop entries at random (map order) down to 3/4: cheap,
	// and hot pages come back at their next request.
	if len(c.entries) >= maxCachedEntries || c.bytes+len(e.body) > maxCachedBytes {
		for k2, e2 := range c.entries {
			if len(c.entries) <= maxCachedEntries*3/4 && c.bytes+len(e.body) <= maxCachedBytes*3/4 {
				break
			}
			delete(c.entries, k2)
			c.bytes -= len(e2.body)
		}
	}
	c.entries[k] = e
	c.bytes += len(e.body)
}

// cached serves the routes of one election ({election} in the pattern) from
// the cache. A response is served while the election's results and official
// totals have not changed since it was made; after a change, while it is
// younger than MaxStale, or while another request renders its successor.
// The results version is ResultService.MaxSeq, so the pages everyone opens
// on election night are rendered once per change rather than once per reader.
// A response younger than twice MaxStale is also served at once to the
// request that finds it out of date, while its successor renders in the
// background: while sheets stream in, no reader waits for a page to render.
func (s *Server) cached(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, err := s.election(r.Context(), r.PathValue("election"))
		if err != nil {
			next(w, r) // the handler reports it
			return
		}
		seq, err := s.results.MaxSeq(e.ID)
		if err != nil {
			next(w, r)
			return
		}
		gen := s.totalsGeneration(e)
		k := cacheKey{lang: s.langs.pick(r).Code, uri: r.URL.RequestURI()}
		old := s.cache.get(k)
		if old != nil {
			current := old.seq == seq && old.totals == gen
			age := time.Since(old.made)
			if current || age < s.maxStale || !old.refreshing.CompareAndSwap(false, true) {
				s.replay(w, r, old)
				return
			}
			if age < 2*s.maxStale && s.rerender(next, r, k, seq, gen, old) {
				s.replay(w, r, old)
				return
			}
		}
		cw := &captureWriter{ResponseWriter: w, buf: getBuf()}
		defer putBuf(cw.buf)
		next(cw, r)
		if cw.status != http.StatusOK || cw.tooBig {
			if old != nil {
				old.refreshing.Store(false)
			}
			return
		}
		ent := &cacheEntry{seq: seq, totals: gen, made: time.Now(), body: bytes.Clone(cw.buf.Bytes())}
		for _, name := range cachedHeaders {
			if v := w.Header().Get(name); v != "" {
				ent.header = append(ent.header, [2]string{name, v})
			}
		}
		s.cache.put(k, ent)
	}
}

// rerender renders the successor of the cached response old, for key k at
// results version seq and totals generation gen, on a goroutine of its own
// with a copy of r, and reports whether it started (not when the server is
// closing). old.refreshing is set, and is cleared if the render fails.
func (s *Server) rerender(next http.HandlerFunc, r *http.Request, k cacheKey, seq, gen int64, old *cacheEntry) bool {
	if s.bgCtx.Err() != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(s.bgCtx, time.Minute)
	r2 := r.Clone(ctx)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer cancel()
		hw := &headerWriter{h: http.Header{}}
		cw := &captureWriter{ResponseWriter: hw, buf: getBuf()}
		defer putBuf(cw.buf)
		next(cw, r2)
		if cw.status != http.StatusOK || cw.tooBig {
			old.refreshing.Store(false)
			return
		}
		ent := &cacheEntry{seq: seq, totals: gen, made: time.Now(), body: bytes.Clone(cw.buf.Bytes())}
		for _, name := range cachedHeaders {
			if v := hw.h.Get(name); v != "" {
				ent.header = append(ent.header, [2]string{name, v})
			}
		}
		s.cache.put(k, ent)
	}()
	return true
}

// headerWriter is the response of a page rendered in the background: it
// keeps the headers and drops the body (captureWriter keeps a copy).
type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *headerWriter) WriteHeader(int)             {}

func (s *Server) replay(w http.ResponseWriter, r *http.Request, ent *cacheEntry) {
	s.langs.choose(w, r) // a ?lang= switch still sets its cookie
	h := w.Header()
	for _, kv := range ent.header {
		h[kv[0]] = []string{kv[1]}
	}
	h.Set("Content-Length", strconv.Itoa(len(ent.body)))
	w.WriteHeader(http.StatusOK)
	w.Write(ent.body)
}

// captureWriter passes a response on while keeping a copy of its body.
type captureWriter struct {
	http.ResponseWriter
	buf    *bytes.Buffer
	status int
	tooBig bool
}

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if !c.tooBig {
		if c.buf.Len()+len(p) > maxCachedBody {
			c.tooBig = true
		} else {
			c.buf.Write(p)
		}
	}
	return c.ResponseWriter.Write(p)
}

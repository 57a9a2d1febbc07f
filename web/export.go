package web

import (
	"net/http"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/opendata"
)

// apiExport streams the election's open data export: the format is the
// last path segment (stations-csv, openelections or nist); ?source= and
// ?contest= select as `actas export --source/--contest` do. It reads the
// tabulation as it is now, like every results page.
func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := opendata.ParseFormat(r.PathValue("format"))
	if err != nil {
		s.apiError(w, r, actas.Errorf(actas.ENOTFOUND, "%s", actas.ErrorMessage(err)))
		return
	}
	q := r.URL.Query()
	opt := opendata.Options{Vendor: "actas " + s.version, Generated: time.Now()}
	name := fileName(e.ID) + "-" + string(f)
	if v := q.Get("source"); v != "" {
		src, err := actas.ParseSource(v, true)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		opt.Sources = []actas.Source{src}
		name += "-" + fileName(v)
	}
	if v := q.Get("contest"); v != "" {
		if _, err := e.Contest(v); err != nil {
			s.apiError(w, r, err)
			return
		}
		opt.Contests = []string{v}
		name += "-" + fileName(v)
	}
	// Seconds of work for a million stations: one heavy download at a
	// time, so that a crowd asking for files slows down only itself.
	select {
	case s.heavy <- struct{}{}:
		defer func() { <-s.heavy }()
	case <-r.Context().Done():
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.MediaType())
	h.Set("Content-Disposition", `attachment; filename="`+name+f.Ext()+`"`)
	// Committed to 200 from the first byte: a failure later cuts the
	// response, so that no client takes part of a file for all of it.
	sw := &startedWriter{w: w}
	if err := opendata.Write(sw, f, e.Election, s.results, opt); err != nil {
		if !sw.started {
			s.apiError(w, r, err)
			return
		}
		s.log.Debug("export", "path", r.URL.Path, "err", err) // most often the client went away
		panic(http.ErrAbortHandler)
	}
}

// startedWriter tells whether anything was written, so that an error
// before the first byte still gets a proper error response.
type startedWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.w.Write(p)
}

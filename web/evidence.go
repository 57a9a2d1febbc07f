package web

import (
	"bytes"
	"net/http"
	"net/url"
	"time"

	"github.com/actasproject/actas"
)

// evidenceURL is where a stored evidence file is served.
func evidenceURL(election, sha256 string) string {
	return "/evidence/" + url.PathEscape(election) + "/" + sha256
}

// evidenceExt is the file name extension of a media type of
// actas.EvidenceTypes, for the name a saved file gets.
var evidenceExt = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif", "application/pdf": ".pdf",
}

// handleEvidence serves a stored evidence file as the bytes its name
// commits to, with the media type detected when it was stored. A file never
// changes, so it is cached for a year; it is sandboxed and never sniffed,
// so that a file crafted to look like a page runs nothing on this origin.
func (s *Server) handleEvidence(w http.ResponseWriter, r *http.Request) {
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.pageError(w, r, s.langs.choose(w, r), nil, err)
		return
	}
	name := r.PathValue("sha256")
	if !actas.ValidSHA256(name) {
		// No file has such a name: not found, like any other address.
		s.pageError(w, r, s.langs.choose(w, r), e, actas.Errorf(actas.ENOTFOUND, "election %s has no evidence file %q", e.ID, clip(name)))
		return
	}
	mediaType, data, err := s.store.Evidence(r.Context(), e.ID, name)
	if err != nil {
		s.pageError(w, r, s.langs.choose(w, r), e, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+name+`"`)
	h.Set("Content-Disposition", `inline; filename="`+name+evidenceExt[mediaType]+`"`)
	// Public evidence: other sites and verifiers' scripts may fetch it.
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	// ServeContent answers If-None-Match (with the ETag), ranges and HEAD.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

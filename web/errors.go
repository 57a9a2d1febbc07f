package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/actasproject/actas"
)

// errorStatus is the one mapping from actas error codes to HTTP statuses;
// pages and the API both use it.
func errorStatus(code string) int {
	switch code {
	case actas.EINVALID:
		return http.StatusBadRequest
	case actas.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case actas.EFORBIDDEN:
		return http.StatusForbidden
	case actas.ENOTFOUND:
		return http.StatusNotFound
	case actas.ECONFLICT:
		return http.StatusConflict
	default:
		return http.StatusInternalServerError
	}
}

// logError records the cause of an internal error; users only see a generic
// message. A client that went away is not an error of ours.
func (s *Server) logError(r *http.Request, err error) {
	if actas.ErrorCode(err) != actas.EINTERNAL || errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
}

// errorBody is the JSON form of an error.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// apiError writes err as JSON with its status.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	s.logError(r, err)
	code := actas.ErrorCode(err)
	var body errorBody
	body.Error.Code = code
	body.Error.Message = actas.ErrorMessage(err)
	s.writeJSON(w, r, errorStatus(code), &body)
}

// pageError renders err as a page in the reader's language, with its status.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, l *locale, e *election, err error) {
	s.logError(r, err)
	code := actas.ErrorCode(err)
	status := errorStatus(code)
	data := &errorPage{Status: status, Code: code, Message: actas.ErrorMessage(err)}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("error." + code)
	pg.Body = data
	s.render(w, r, status, "error", pg)
}

type errorPage struct {
	Status  int
	Code    string
	Message string
}

// notFound answers paths no route serves.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	s.pageError(w, r, l, nil, actas.Errorf(actas.ENOTFOUND, "no page at this address"))
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.apiError(w, r, actas.Errorf(actas.ENOTFOUND, "no API endpoint at %s", clip(r.URL.Path)))
}

package web

import (
	"encoding/csv"
	"net/http"
	"strings"

	"github.com/actasproject/actas"
)

// table is a CSV download: the data of one table a page shows.
type table struct {
	Name   string // the download= value and part of the file name
	Header []string
	Rows   [][]string
}

// writeCSV sends t as a CSV attachment named after the election and table.
// It streams: a whole level of a large election is megabytes.
func (s *Server) writeCSV(w http.ResponseWriter, r *http.Request, election, suffix string, t *table) {
	name := fileName(election) + "-" + t.Name
	if suffix != "" {
		name += "-" + fileName(suffix)
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	cw.Write(t.Header)
	cw.WriteAll(t.Rows) // flushes
	if err := cw.Error(); err != nil {
		s.log.Debug("write CSV", "path", r.URL.Path, "err", err) // the client went away
	}
}

// fileName keeps the characters every file system and header accepts.
func fileName(s string) string {
	const max = 60
	var b strings.Builder
	for _, c := range s {
		if b.Len() >= max {
			break
		}
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// safeText neutralises free text typed by remote submitters so that a
// spreadsheet opening the CSV does not run it as a formula. Numbers and names
// from election files are written as they are.
func safeText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// unknownOr writes n, or nothing when it is actas.Unknown.
func unknownOr(n int64) string {
	if n == actas.Unknown {
		return ""
	}
	return itoa(n)
}

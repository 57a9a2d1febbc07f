// Package opendata writes an election's per-station results in open data
// formats: a wide per-station CSV, an OpenElections-style long CSV, and NIST
// SP 1500-100 version 2 JSON (precinct-level). docs/files.md describes each
// format and its columns.
//
// Exports read the tabulation (an actas.ResultService) one panel at a time
// and stream what they write: a million stations cost one panel in memory,
// not a second copy of the election.
package opendata

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/actasproject/actas"
)

// Format names an export.
type Format string

const (
	StationsCSV   Format = "stations-csv"  // one row per station, source and contest
	OpenElections Format = "openelections" // one row per station and choice (or figure)
	NIST          Format = "nist"          // NIST SP 1500-100 v2 JSON, precinct-level
)

// Formats lists every format, in the order help texts show them.
var Formats = []Format{StationsCSV, OpenElections, NIST}

// ParseFormat returns the named format. Errors: EINVALID.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", actas.Errorf(actas.EINVALID, "unknown export format %q: use one of %s", s, strings.Join(names, ", "))
}

// MediaType is the Content-Type of the format's files.
func (f Format) MediaType() string {
	if f == NIST {
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

// Ext is the file name extension of the format, with its dot.
func (f Format) Ext() string {
	if f == NIST {
		return ".json"
	}
	return ".csv"
}

// Results is the part of the tabulation an export reads; every
// actas.ResultService is one.
type Results interface {
	// Panel returns every station with its current sheet of one source
	// (or the reconciled sheet) for the contest.
	Panel(election, contest string, source actas.Source) (*actas.Panel, error)
	// StationsPage gives each station's log index of each source's current
	// sheet (StationResult.Current); the per-station CSV reads it a page at
	// a time.
	StationsPage(election, contest, path string, offset, limit int) ([]*actas.StationResult, int, error)
	// Sources returns the sources with at least one submission.
	Sources(election string) []actas.Source
	// MaxSeq returns the highest log index tabulated; it brackets a panel
	// in time, so that a log index read after the panel can be trusted to
	// name the panel's sheet (see WriteStationsCSV).
	MaxSeq(election string) (int64, error)
}

// Options select what an export holds.
type Options struct {
	// Contests are contest ids; empty means every contest of the election.
	Contests []string
	// Sources: for StationsCSV, the sources written (empty: every source
	// with a submission, then reconciled); OpenElections and NIST hold one
	// source, the first given (empty: official). Reconciled is accepted.
	Sources []actas.Source
	// Generated is the NIST GeneratedDate; zero means now.
	Generated time.Time
	// Vendor is the NIST VendorApplicationId; empty means "actas".
	Vendor string
	// Administration names the election authority in the NIST
	// ElectionAdministration; empty leaves the name out.
	Administration string
	// Language is the BCP 47 tag of names in NIST texts; empty means
	// "und" (undetermined): election files do not say.
	Language string
	// Progress, when set, is called now and then with the stations written
	// so far and the total to write (which counts each station once per
	// contest and source).
	Progress func(done, total int)
}

// Write writes the election's export in format f to w. Errors: EINVALID
// for an unknown format, contest or source; ENOTFOUND from the results;
// write errors are returned wrapped.
func Write(w io.Writer, f Format, e *actas.Election, r Results, opt Options) error {
	switch f {
	case StationsCSV:
		return WriteStationsCSV(w, e, r, opt)
	case OpenElections:
		return WriteOpenElections(w, e, r, opt)
	case NIST:
		return WriteNIST(w, e, r, opt)
	}
	_, err := ParseFormat(string(f))
	return err
}

// contests resolves opt.Contests.
func (opt *Options) contests(e *actas.Election) ([]*actas.Contest, error) {
	if len(opt.Contests) == 0 {
		out := make([]*actas.Contest, len(e.Contests))
		for i := range e.Contests {
			out[i] = &e.Contests[i]
		}
		return out, nil
	}
	out := make([]*actas.Contest, 0, len(opt.Contests))
	for _, id := range opt.Contests {
		if id == "" {
			return nil, actas.Errorf(actas.EINVALID, "export: empty contest id")
		}
		c, err := e.Contest(id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// oneSource resolves the one source of OpenElections and NIST.
func (opt *Options) oneSource() (actas.Source, error) {
	if len(opt.Sources) == 0 {
		return actas.Official, nil
	}
	return actas.ParseSource(string(opt.Sources[0]), true)
}

// progress reports every progressEvery stations: often enough for a bar,
// rarely enough to cost nothing.
const progressEvery = 4096

type progress struct {
	fn          func(done, total int)
	done, total int
}

func (p *progress) add(n int) {
	if p.fn == nil {
		return
	}
	before := p.done / progressEvery
	p.done += n
	if p.done/progressEvery != before || p.done == p.total {
		p.fn(p.done, p.total)
	}
}

// areaNames splits station area paths into their names, remembering the
// last path: stations come grouped by area, so most calls cost nothing.
type areaNames struct {
	path  string
	names []string
}

func (a *areaNames) split(path string) ([]string, error) {
	if path == a.path && a.names != nil {
		return a.names, nil
	}
	names, err := actas.SplitPath(path)
	if err != nil {
		return nil, err
	}
	a.path, a.names = path, names
	return names, nil
}

// rowWriter builds CSV rows in one reused buffer: writing a million rows
// allocates nothing per row. Quoting follows RFC 4180, as encoding/csv.
type rowWriter struct {
	w   *bufio.Writer
	buf []byte
	n   int // fields in the current row
}

func newRowWriter(w io.Writer) *rowWriter {
	return &rowWriter{w: bufio.NewWriterSize(w, 256<<10), buf: make([]byte, 0, 1024)}
}

func (r *rowWriter) sep() {
	if r.n > 0 {
		r.buf = append(r.buf, ',')
	}
	r.n++
}

// str adds a text field, quoted when it holds a comma, a quote, a line
// break or leading or trailing spaces (which readers would trim).
func (r *rowWriter) str(s string) {
	r.sep()
	if !needsQuotes(s) {
		r.buf = append(r.buf, s...)
		return
	}
	r.buf = append(r.buf, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			r.buf = append(r.buf, '"')
		}
		r.buf = append(r.buf, s[i])
	}
	r.buf = append(r.buf, '"')
}

func needsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' || s[len(s)-1] == '\t' {
		return true
	}
	for i := 0; i < len(s); i++ { // a loop: ContainsAny builds its set on every call
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

func (r *rowWriter) int(n int64) {
	r.sep()
	r.buf = strconv.AppendInt(r.buf, n, 10)
}

// count adds n, or an empty field when it is actas.Unknown.
func (r *rowWriter) count(n int64) {
	if n == actas.Unknown {
		r.sep()
		return
	}
	r.int(n)
}

func (r *rowWriter) empty() { r.sep() }

// end finishes the row (CRLF-free: "\n", as encoding/csv writes by default).
func (r *rowWriter) end() error {
	r.buf = append(r.buf, '\n')
	_, err := r.w.Write(r.buf)
	r.buf, r.n = r.buf[:0], 0
	return err
}

func (r *rowWriter) flush() error { return r.w.Flush() }

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does; '<', '>' and '&' stay as they are (the
// file is data, not HTML).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONText(b, s)
	return append(b, '"')
}

// appendJSONText appends s escaped as inside a JSON string, without quotes.
func appendJSONText(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029': // valid JSON, but not JavaScript before ES2019
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

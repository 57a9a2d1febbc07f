package sheetio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"unicode"

	"github.com/actasproject/actas"
	"golang.org/x/text/unicode/norm"
)

// Format is a published layout of real election results that actas can
// convert into an election with its stations and sheets.
type Format struct {
	Name        string // e.g. "ve-2024-actas"
	Description string // one line for `actas import -h`
	// Read converts the file, zip or directory at path into a whole
	// election. It validates the election it builds and returns either all
	// of the data or an error: EINVALID wrapping a *ParseError that locates
	// malformed input, or the I/O error that stopped it.
	Read func(path string) (*actas.Dataset, error)
}

// Formats returns every known layout, ordered by name. The slice is the
// caller's to keep.
func Formats() []Format {
	fs := []Format{
		{
			Name:        "ve-2024-actas",
			Description: "Venezuela 2024 presidential tally sheets collected by opposition witnesses (RESULTADOS_2024_CSV_V1.csv)",
			Read:        veRead,
		},
		{
			Name:        "ru-cik",
			Description: "Russia CIK per-station protocols, 2011 State Duma or 2012 President (the .csv or a .zip holding it)",
			Read:        ruRead,
		},
		{
			Name:        "mx-quickcount",
			Description: "Mexico 2018 quick-count sample: the design CSV and a REMESAS delivery (the directory or either file)",
			Read:        mxRead,
		},
		{
			Name:        "openelections",
			Description: "OpenElections precinct results, long format (YYYYMMDD__st__type__precinct.csv)",
			Read:        oeRead,
		},
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	return fs
}

// LookupFormat returns the layout with the given name. Errors: EINVALID
// naming the known layouts.
func LookupFormat(name string) (Format, error) {
	fs := Formats()
	names := make([]string, len(fs))
	for i, f := range fs {
		if f.Name == name {
			return f, nil
		}
		names[i] = f.Name
	}
	return Format{}, actas.Errorf(actas.EINVALID, "unknown format %q: use one of %s", name, strings.Join(names, ", "))
}

// convCSV reads a delimited file for the converters: it strips a UTF-8
// byte-order mark, checks that every record has as many fields as the
// header, and turns every problem into a located *ParseError.
type convCSV struct {
	file   string
	r      *csv.Reader
	skip   int // lines before the header that the csv.Reader never saw
	header []string
	rec    []string
}

var convBOM = []byte{0xEF, 0xBB, 0xBF}

// convNewCSV returns a reader of r; file names it in errors. The header is
// line skip+1 of the file.
func convNewCSV(r io.Reader, file string, comma rune, skip int) *convCSV {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, convBOM) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.ReuseRecord = true
	// FieldsPerRecord 0: the header fixes the number of fields and every
	// later record must match it; a truncated row is an error, not a short sheet.
	return &convCSV{file: file, r: cr, skip: skip}
}

// readHeader reads the header line; an empty file is an error.
func (c *convCSV) readHeader() error {
	rec, err := c.r.Read()
	if err == io.EOF {
		return parseError(c.file, c.skip+1, 0, "", "the file is empty; expected a header line")
	}
	if err != nil {
		return c.csvError(err)
	}
	c.header = make([]string, len(rec))
	for i, h := range rec {
		c.header[i] = strings.TrimSpace(h)
	}
	return nil
}

// next reads the next record into c.rec; it returns false at the end.
func (c *convCSV) next() (bool, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, c.csvError(err)
	}
	c.rec = rec
	return true, nil
}

func (c *convCSV) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return parseError(c.file, pe.StartLine+c.skip, 0, "", "the row has a different number of fields from the header's %d (truncated or extra fields)", len(c.header))
		}
		return parseError(c.file, pe.Line+c.skip, 0, "", "%v at character %d", pe.Err, pe.Column)
	}
	// The bytes could not be read: a corrupt archive, usually; the user
	// needs the reason more than an "internal error".
	return parseError(c.file, 0, 0, "", "cannot read the file: %v", err)
}

// line returns the file line of the current record.
func (c *convCSV) line() int {
	l, _ := c.r.FieldPos(0)
	return l + c.skip
}

// errf returns a located error about field i of the current record.
func (c *convCSV) errf(i int, format string, args ...any) error {
	line, _ := c.r.FieldPos(i)
	return parseError(c.file, line+c.skip, i+1, c.header[i], format, args...)
}

// col returns the index of the header column named name (compared without
// case); a missing column is an error at the header line.
func (c *convCSV) col(name string) (int, error) {
	for i, h := range c.header {
		if strings.EqualFold(h, name) {
			return i, nil
		}
	}
	return -1, parseError(c.file, c.skip+1, 0, name, "missing column (the header has %s)", convQuoteList(c.header, 12))
}

// optCol returns the index of the column named name, or -1.
func (c *convCSV) optCol(name string) int {
	for i, h := range c.header {
		if strings.EqualFold(h, name) {
			return i
		}
	}
	return -1
}

// uint parses field i of the current record as a count.
func (c *convCSV) uint(i int) (int64, error) {
	n, ok := convParseUint(c.rec[i])
	if !ok {
		return 0, c.errf(i, "%q is not a whole number", convShorten(c.rec[i]))
	}
	return n, nil
}

// text returns field i of the current record trimmed; an empty value is an
// error.
func (c *convCSV) text(i int) (string, error) {
	s := strings.TrimSpace(c.rec[i])
	if s == "" {
		return "", c.errf(i, "is empty")
	}
	return s, nil
}

// convMaxCount bounds every count: no polling station or precinct comes near
// it, and it keeps sums of a million stations far from overflowing int64.
const convMaxCount = 1_000_000_000_000

// convParseUint parses a non-negative decimal count, allowing surrounding
// spaces. It allocates nothing.
func convParseUint(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 13 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if n > convMaxCount {
		return 0, false
	}
	return n, true
}

// convShorten keeps error messages short when a field is garbage.
func convShorten(s string) string {
	const limit = 40 // characters
	n := 0
	for i := range s {
		if n == limit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

func convQuoteList(names []string, limit int) string {
	var b strings.Builder
	for i, n := range names {
		if i == limit {
			fmt.Fprintf(&b, ", … (%d in all)", len(names))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", convShorten(n))
	}
	if len(names) == 0 {
		return "no columns"
	}
	return b.String()
}

// convSlug turns a name into an id: lower-case ASCII letters and digits
// with single '-' between words, accents dropped, at most 64 bytes. It
// returns "" when nothing is left.
func convSlug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // a combining accent of the previous letter
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		default:
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], "-")
	}
	return out
}

// convChunks hands out slices of T carved from larger blocks, so that a
// converter building a million sheets makes a few thousand allocations
// instead of a million.
type convChunks[T any] struct {
	buf  []T
	size int
}

func (c *convChunks[T]) take(n int) []T {
	if len(c.buf) < n {
		c.buf = make([]T, max(c.size, n))
	}
	s := c.buf[:n:n]
	c.buf = c.buf[n:]
	return s
}

// convStationRows appends what a layout of one row per station (ve, ru)
// holds: the station and the one sheet stated for it, with the row's link to
// a scan of the sheet as evidence. Submissions and evidence come from blocks.
type convStationRows struct {
	ds   *actas.Dataset
	subs convChunks[actas.Submission]
	evs  convChunks[actas.Evidence]
}

func newConvStationRows(ds *actas.Dataset, block int) *convStationRows {
	return &convStationRows{ds: ds, subs: convChunks[actas.Submission]{size: block}, evs: convChunks[actas.Evidence]{size: block}}
}

// add appends st and the sheet src states for it; link "" is no evidence.
func (b *convStationRows) add(st actas.Station, src actas.Source, sh actas.Sheet, link string) {
	b.ds.Stations = append(b.ds.Stations, st)
	sub := &b.subs.take(1)[0]
	sub.Source = src
	sub.Sheet = sh
	if link != "" {
		sub.Evidence = b.evs.take(1)
		sub.Evidence[0] = actas.Evidence{Kind: "link", URL: link}
	}
	b.ds.Sheets = append(b.ds.Sheets, sub)
}

// convInterner returns one copy of each distinct string, so that names
// repeated on every row are stored once and do not pin the row they came
// from.
type convInterner map[string]string

func (in convInterner) get(s string) string {
	if v, ok := in[s]; ok {
		return v
	}
	v := strings.Clone(s)
	in[v] = v
	return v
}

// convOpenError reports a file the user named that cannot be read:
// ENOTFOUND when it does not exist, EINVALID otherwise (a directory where a
// file was expected, no permission); the cause stays wrapped.
func convOpenError(format, path string, err error) error {
	code := actas.EINVALID
	if errors.Is(err, fs.ErrNotExist) {
		code = actas.ENOTFOUND
	}
	// The message names the path once; the cause keeps the system's reason.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &actas.Error{Code: code, Message: fmt.Sprintf("%s: cannot read %s", format, path), Err: err}
}

// convOpenFile opens a file the user named, refusing a directory.
func convOpenFile(format, path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, convOpenError(format, path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, convOpenError(format, path, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, actas.Errorf(actas.EINVALID, "%s: %s is a directory; give the file", format, path)
	}
	return f, nil
}

// convValidate checks the election a converter built. A failure here is a
// bug in the converter, not in the input, since every name taken from the
// input is checked where it is read.
func convValidate(file string, ds *actas.Dataset) error {
	if err := ds.Election.Validate(); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

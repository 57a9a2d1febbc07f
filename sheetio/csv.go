package sheetio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits that keep a hostile file from exhausting memory. They are far above
// anything a real file needs: codes and names are short, and even a file
// holding every contest of a large election has a few thousand columns.
const (
	maxFieldBytes  = 4 << 10 // one field, after unquoting
	maxRecordBytes = 1 << 20 // one record (the header included), as read
	// maxCount bounds every count. A station, or a whole country, counts far
	// fewer than 10^12 people, and 10^12 × 1,050,000 stations stays below
	// the int64 limit, so sums over an election cannot overflow.
	maxCount = 999_999_999_999
)

var bom = []byte("\xef\xbb\xbf")

// csvIn reads a CSV file of ours: UTF-8 with an optional byte-order mark, LF
// or CRLF line ends, a header line, and rows with as many fields as the
// header. Fields come back trimmed of surrounding spaces.
//
// Locations in errors: Line is the line the field starts on (blank lines
// count, as in an editor); Column is the field's position in the row, 1 for
// the first, as a spreadsheet counts columns.
type csvIn struct {
	file    string
	cr      *csv.Reader
	header  []string // trimmed column names
	hdrLine int      // the line of the header
	wide    int      // a column whose fields may hold MaxQRPayload bytes, or -1
}

// openCSV reads the header of a CSV file. The caller checks the names.
func openCSV(r io.Reader, file string) (*csvIn, error) {
	br := bufio.NewReaderSize(&recordLimit{r: r, line: 1, recLine: 1}, 64<<10)
	if b, err := br.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
		br.Discard(len(bom))
	}
	c := &csvIn{file: file, cr: csv.NewReader(br), wide: -1}
	c.cr.ReuseRecord = true
	rec, err := c.cr.Read()
	if err == io.EOF {
		return nil, parseError(file, 1, 0, "", "the file is empty; it must start with a header line naming the columns")
	}
	if err != nil {
		return nil, c.readError(rec, err)
	}
	c.header = make([]string, len(rec))
	cols := make(map[string]int, len(rec))
	line := c.line()
	c.hdrLine = line
	for i, name := range rec {
		if len(name) > maxFieldBytes {
			return nil, parseError(file, line, i+1, "", "column name is longer than %d bytes", maxFieldBytes)
		}
		if strings.ContainsRune(name, '\r') {
			return nil, parseError(file, line, i+1, "", "lines end with a lone carriage return; save the file with LF or CRLF line ends")
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, parseError(file, line, i+1, "", "the header names no column here")
		}
		if j, dup := cols[name]; dup {
			return nil, parseError(file, line, i+1, "", "column %s appears twice, in columns %d and %d", quoteValue(name), j+1, i+1)
		}
		cols[name] = i
		c.header[i] = name
	}
	// Every row must have as many fields as the header.
	c.cr.FieldsPerRecord = len(rec)
	return c, nil
}

// columns matches the header against the names a file of this kind has:
// every column must be one of required or optional, and every required one
// must be present; the order is free. It returns the column index of each
// name, required first, then optional (-1 when absent).
func (c *csvIn) columns(required, optional []string) ([]int, error) {
	idx := make([]int, len(required)+len(optional))
	pos := make(map[string]int, len(idx))
	for i, name := range append(required[:len(required):len(required)], optional...) {
		idx[i] = -1
		pos[name] = i
	}
	for col, name := range c.header {
		i, ok := pos[name]
		if !ok {
			return nil, c.headerError(col, "unknown column %s; %s", quoteValue(name), describeColumns(required, optional))
		}
		idx[i] = col
	}
	var missing []string
	for i, name := range required {
		if idx[i] < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, c.headerError(-1, "missing column(s) %s; %s", joinList(missing), describeColumns(required, optional))
	}
	return idx, nil
}

// describeColumns describes the columns of a file for an error message.
func describeColumns(required, optional []string) string {
	s := "the columns are " + joinList(required)
	if len(optional) > 0 {
		s += ", and optionally " + joinList(optional)
	}
	return s
}

// next returns the next row, trimmed, or io.EOF after the last one. The
// slice is reused by the following call.
func (c *csvIn) next() ([]string, error) {
	rec, err := c.cr.Read()
	if err != nil {
		return nil, c.readError(rec, err)
	}
	for i, f := range rec {
		if len(f) > maxFieldBytes && (i != c.wide || len(f) > MaxQRPayload) {
			limit := maxFieldBytes
			if i == c.wide {
				limit = MaxQRPayload
			}
			return nil, c.fieldError(i, "is longer than %d bytes", limit)
		}
		if f != "" && (f[0] <= ' ' || f[len(f)-1] <= ' ' || f[0] >= utf8.RuneSelf || f[len(f)-1] >= utf8.RuneSelf) {
			rec[i] = strings.TrimSpace(f)
		}
	}
	return rec, nil
}

// line is the line on which the last record read starts.
func (c *csvIn) line() int {
	line, _ := c.cr.FieldPos(0)
	return line
}

// fieldError locates a problem with field i of the last record read.
func (c *csvIn) fieldError(i int, format string, args ...any) error {
	line, _ := c.cr.FieldPos(i)
	return parseError(c.file, line, i+1, c.header[i], format, args...)
}

// headerError locates a problem with column i of the header (-1: the header
// as a whole).
func (c *csvIn) headerError(i int, format string, args ...any) error {
	return parseError(c.file, c.hdrLine, i+1, "", format, args...)
}

// readError turns an error of encoding/csv or of the limit into one that
// says where and why in plain words. Errors other than malformed input
// (failing reads) keep their cause and are not EINVALID.
func (c *csvIn) readError(rec []string, err error) error {
	if err == io.EOF {
		return io.EOF
	}
	var long *recordTooLong
	if errors.As(err, &long) {
		if long.quoted {
			return parseError(c.file, long.line, 0, "", "a quoted field that starts in this row runs on for more than %d MiB; a closing quote (\") is probably missing", maxRecordBytes>>20)
		}
		return parseError(c.file, long.line, 0, "", "the line is longer than %d MiB", maxRecordBytes>>20)
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read %s: %w", c.file, err)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		return parseError(c.file, pe.StartLine, 0, "", "the row has %d fields but the header has %d", len(rec), len(c.header))
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return parseError(c.file, pe.Line, 0, "", `a quote (") at character %d is inside a field that does not start with one; enclose the field in quotes and double the quote ("")`, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line != pe.StartLine:
		return parseError(c.file, pe.StartLine, 0, "", `a quoted field in this row runs on to line %d without a proper closing quote (")`, pe.Line)
	case errors.Is(pe.Err, csv.ErrQuote):
		return parseError(c.file, pe.Line, 0, "", `a quoted field is not closed properly at character %d: a field that starts with a quote (") must end with one, and a quote inside it must be doubled ("")`, pe.Column)
	}
	return parseError(c.file, pe.StartLine, 0, "", "%v", pe.Err)
}

// recordLimit passes bytes through and fails once a record (a line, or
// several lines when a quoted field holds line ends) exceeds maxRecordBytes,
// before encoding/csv would buffer it whole. It follows quotes by parity: in
// a well-formed file a line end inside quotes follows an odd number of
// quotes since the record began; a stray quote makes encoding/csv fail on
// its own line first, because bytes before the failure are still delivered.
type recordLimit struct {
	r       io.Reader
	n       int  // bytes of the current record so far
	quoted  bool // inside a quoted field
	line    int  // current line
	recLine int  // line on which the current record began
	err     error
}

// recordTooLong is the error of recordLimit.
type recordTooLong struct {
	line   int
	quoted bool
}

func (e *recordTooLong) Error() string {
	return fmt.Sprintf("record starting on line %d is longer than %d bytes", e.line, maxRecordBytes)
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	// Jump from quote to line end with IndexByte rather than test each byte:
	// this runs under every row of a million-row import.
	q := -1 // index of the next quote at or after i, n if none, -1 to find
	for i := 0; i < n; {
		if q < i {
			if q = bytes.IndexByte(p[i:n], '"'); q < 0 {
				q = n
			} else {
				q += i
			}
		}
		end := q
		if nl := bytes.IndexByte(p[i:q], '\n'); nl >= 0 {
			end = i + nl
		}
		if l.n += end - i; l.n > maxRecordBytes {
			// Deliver the bytes before the first one past the limit.
			return end - (l.n - maxRecordBytes), l.fail()
		}
		if i = end; i == n {
			break
		}
		switch {
		case p[i] == '"':
			l.quoted = !l.quoted
			l.n++
		case l.quoted: // a line end inside a quoted field
			l.line++
			l.n++
		default: // the end of a record
			l.line++
			l.n = 0
			l.recLine = l.line
		}
		if l.n > maxRecordBytes {
			return i, l.fail()
		}
		i++
	}
	return n, err
}

func (l *recordLimit) fail() error {
	l.err = &recordTooLong{line: l.recLine, quoted: l.quoted}
	return l.err
}

// parseCount parses a count: a whole number written with digits only, at
// most 12 of them. It does not allocate; on failure countProblem says why.
func parseCount(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 12 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		n = n*10 + int64(d)
	}
	return n, true
}

// countProblem explains why s is not a count, in words a user can act on.
func countProblem(s string) string {
	if s == "" {
		return "is empty; write a whole number (0 if none)"
	}
	digits, marks := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == ',' || c == '\'' || c == ' ' || c == '_':
			marks++
		}
	}
	switch {
	case digits == len(s):
		return fmt.Sprintf("%s is too large (at most %d)", quoteValue(s), maxCount)
	case s[0] == '-' && digits == len(s)-1:
		return fmt.Sprintf("%s is negative", quoteValue(s))
	case s[0] == '+' && digits == len(s)-1:
		return fmt.Sprintf("%s has a sign; write digits only", quoteValue(s))
	case digits > 0 && digits+marks == len(s):
		return fmt.Sprintf("%s is not a whole number; write digits only, without decimals or thousands separators", quoteValue(s))
	}
	return fmt.Sprintf("%s is not a number", quoteValue(s))
}

// textProblem says why s cannot be a code or a name, or returns "".
func textProblem(s string) string {
	if s == "" {
		return "is empty"
	}
	if !utf8.ValidString(s) {
		return fmt.Sprintf("%s is not valid UTF-8 text; save the file as UTF-8", quoteValue(s))
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Sprintf("%s contains a control character", quoteValue(s))
		}
	}
	return ""
}

// nfc returns s in Unicode normal form C, so that a name typed as "á" or as
// "a" plus a combining accent names the same area or station. It allocates
// only when s is not already normal.
func nfc(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii || norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// quoteValue quotes s for a message, shortened so that a hostile field cannot
// flood a log.
func quoteValue(s string) string {
	const max = 60
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}

// joinList joins names for a message, shortened after the first ten.
func joinList(names []string) string {
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}

// csvOut writes CSV records without allocating per field. Numbers are never
// quoted; text is quoted when encoding/csv would need it.
type csvOut struct {
	w     *bufio.Writer
	buf   []byte
	first bool // no field written yet in the current record
}

func newCSVOut(w io.Writer) *csvOut {
	return &csvOut{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 32), first: true}
}

func (o *csvOut) sep() {
	if !o.first {
		o.w.WriteByte(',')
	}
	o.first = false
}

func (o *csvOut) text(s string) {
	o.sep()
	if !strings.ContainsAny(s, ",\"\r\n") && (s == "" || (s[0] != ' ' && s[0] != '\t')) {
		o.w.WriteString(s)
		return
	}
	o.w.WriteByte('"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		o.w.WriteString(s[:i+1])
		o.w.WriteByte('"')
		s = s[i+1:]
	}
	o.w.WriteString(s)
	o.w.WriteByte('"')
}

func (o *csvOut) count(v int64) {
	o.sep()
	o.buf = strconv.AppendInt(o.buf[:0], v, 10)
	o.w.Write(o.buf)
}

func (o *csvOut) end() {
	o.w.WriteByte('\n')
	o.first = true
}

// flush writes out what is buffered and returns the first write error.
func (o *csvOut) flush() error { return o.w.Flush() }

package sheetio

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// SheetReader reads a sheets CSV of one source one sheet at a time. The
// header is `station,<choice ids…>,blank,null,ballots[,voters]` in any
// order, plus an optional `contest` column.
//
// Without a contest column every row is a sheet of the contest the caller
// names, and there is exactly one column per choice of that contest.
//
// With a contest column each row names its contest, so one file can hold
// several contests. The choice columns are then the union of the choices of
// the contests in the file, each id once: a choice id that several contests
// share (e.g. "yes" and "no" of two referendums) is one column serving all
// of them. In a row, the cells of the row's contest's choices must hold
// counts and every other choice cell must be empty. A contest whose choices
// lack a column is an error on its first row.
//
// Counts are whole numbers written with digits only (no sign, decimals or
// thousands separators); an empty voters cell, or no voters column, means
// actas.Unknown. The same station may appear several times: a later row is a
// correction, which the store keeps as a differing submission.
//
// An optional photos column names the photos of each sheet: the names of
// files stored as evidence (64 lowercase hex digits, their SHA-256),
// separated by spaces; Evidence returns them. In an election with a choice
// named photos, that column is the choice's.
//
// An optional qr column holds the text decoded from the QR code printed on
// each sheet, as the decoder gave it (quoted in the CSV, as it holds
// commas): at most MaxQRPayload bytes, valid UTF-8 without control
// characters; an empty cell means none. Evidence returns it as evidence of
// kind "qr" after the photos. It is read as text, not parsed: a payload that
// disagrees with the row is evidence (QRFlags flags it), not a malformed
// file. In an election with a choice named qr, that column is the choice's.
//
// A file is accepted whole or not at all: a caller reads until io.EOF and
// stores nothing if Read returns any other error.
type SheetReader struct {
	f        *csvIn
	stations StationLookup

	station, blank, null, ballots int
	contest, voters, photos, qr   int // -1 when absent

	only      *sheetLayout              // the one contest, without a contest column
	want      string                    // contest every row must name ("": any)
	contests  map[string]*actas.Contest // the election's contests by id
	ids       []string                  // the election's contest ids, for messages
	layouts   map[string]*sheetLayout   // by contest id, built on first use
	choiceCol map[string]int            // choice column by choice id

	last     *actas.Station   // the station of the sheet Read returned last
	evidence []actas.Evidence // the photos and QR payload of the sheet Read returned last

	// Sheets and their votes are carved out of slabs: two allocations per
	// slabSheets rows instead of two per row.
	sheets []actas.Sheet
	votes  []int64
}

const slabSheets = 256

// sheetLayout says where a contest's counts are in a row.
type sheetLayout struct {
	contest *actas.Contest
	cols    []int    // column of each choice, in ballot order
	others  []int    // choice columns of other contests: empty in this contest's rows
	missing []string // choices without a column
}

// NewSheetReader reads and checks the header of a sheets file. e is the
// election; contest names the contest of the file's sheets, and may be
// empty when the election has one contest or the file has a contest column
// (then, if given, every row must name it). stations resolves station codes.
// file names the input in errors.
// Errors: EINVALID wrapping a *ParseError for a malformed header; the error
// of e.Contest (ENOTFOUND) for an unknown contest argument.
func NewSheetReader(r io.Reader, file string, e *actas.Election, contest string, stations StationLookup) (*SheetReader, error) {
	if contest != "" {
		if _, err := e.Contest(contest); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	f, err := openCSV(r, file)
	if err != nil {
		return nil, err
	}
	sr := &SheetReader{
		f: f, stations: stations, want: contest,
		station: -1, blank: -1, null: -1, ballots: -1, contest: -1, voters: -1, photos: -1, qr: -1,
		contests:  make(map[string]*actas.Contest, len(e.Contests)),
		layouts:   make(map[string]*sheetLayout),
		choiceCol: make(map[string]int),
		ids:       contestIDs(e),
	}
	for i := range e.Contests {
		sr.contests[e.Contests[i].ID] = &e.Contests[i]
	}
	fixed := map[string]*int{
		"station": &sr.station, "blank": &sr.blank, "null": &sr.null, "ballots": &sr.ballots,
		"contest": &sr.contest, "voters": &sr.voters,
	}
	if !hasChoice(e, photosColumn) {
		fixed[photosColumn] = &sr.photos
	}
	if !hasChoice(e, qrColumn) {
		fixed[qrColumn] = &sr.qr
	}
	for col, name := range f.header {
		if p, ok := fixed[name]; ok {
			*p = col
			continue
		}
		sr.choiceCol[name] = col
	}
	f.wide = sr.qr
	var missing []string
	for _, name := range []string{"station", "blank", "null", "ballots"} {
		if *fixed[name] < 0 {
			missing = append(missing, name)
		}
	}

	if sr.contest < 0 {
		c, err := e.Contest(contest)
		if err != nil {
			return nil, f.headerError(-1, "the file has no contest column and election %s has several contests (%s): name one, or add a contest column", e.ID, joinList(sr.ids))
		}
		for _, id := range c.ChoiceIDs() {
			if _, ok := sr.choiceCol[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return nil, f.headerError(-1, "missing column(s) %s; %s", joinList(missing), sheetColumns(c))
		}
		for col, name := range f.header {
			if _, ok := sr.choiceCol[name]; ok && c.ChoiceIndex(name) < 0 {
				return nil, f.headerError(col, "unknown column %s; %s", quoteValue(name), sheetColumns(c))
			}
		}
		sr.only = sr.layout(c)
		return sr, nil
	}

	if len(missing) > 0 {
		return nil, f.headerError(-1, "missing column(s) %s; the columns are station, contest, the choices of the contests in the file, blank, null, ballots, and optionally voters, photos and qr", joinList(missing))
	}
	all := map[string]bool{}
	for _, c := range e.Contests {
		for _, ch := range c.Choices {
			all[ch.ID] = true
		}
	}
	for col, name := range f.header {
		if _, ok := sr.choiceCol[name]; ok && !all[name] {
			return nil, f.headerError(col, "unknown column %s: it is not a choice of any contest of election %s", quoteValue(name), e.ID)
		}
	}
	return sr, nil
}

// sheetColumns describes the columns of a sheets file of contest c.
func sheetColumns(c *actas.Contest) string {
	return fmt.Sprintf("the columns are station, the choices of contest %s (%s), blank, null, ballots, and optionally voters, contest, photos and qr", c.ID, joinList(c.ChoiceIDs()))
}

// photosColumn names the optional column of a sheet's photos.
const photosColumn = "photos"

// qrColumn names the optional column of a sheet's QR payload.
const qrColumn = "qr"

// hasChoice reports whether a contest of e has a choice with id.
func hasChoice(e *actas.Election, id string) bool {
	for i := range e.Contests {
		if e.Contests[i].ChoiceIndex(id) >= 0 {
			return true
		}
	}
	return false
}

func contestIDs(e *actas.Election) []string {
	ids := make([]string, len(e.Contests))
	for i, c := range e.Contests {
		ids[i] = c.ID
	}
	return ids
}

// layout returns where contest c's counts are, building it on first use.
func (sr *SheetReader) layout(c *actas.Contest) *sheetLayout {
	if l, ok := sr.layouts[c.ID]; ok {
		return l
	}
	l := &sheetLayout{contest: c, cols: make([]int, len(c.Choices))}
	for i, ch := range c.Choices {
		col, ok := sr.choiceCol[ch.ID]
		if !ok {
			l.missing = append(l.missing, ch.ID)
		}
		l.cols[i] = col
	}
	for col, name := range sr.f.header {
		if _, ok := sr.choiceCol[name]; ok && c.ChoiceIndex(name) < 0 {
			l.others = append(l.others, col)
		}
	}
	sr.layouts[c.ID] = l
	return l
}

// Read returns the next sheet, or io.EOF after the last one. Its Station
// and Contest are the election's own strings, and its Votes are in the
// contest's choice order. Errors: EINVALID wrapping a *ParseError that names
// the line, column and field.
func (sr *SheetReader) Read() (*actas.Sheet, error) {
	rec, err := sr.f.next()
	if err != nil {
		return nil, err
	}
	l := sr.only
	if l == nil {
		id := rec[sr.contest]
		c, ok := sr.contests[id]
		if !ok {
			if id == "" {
				return nil, sr.f.fieldError(sr.contest, "is empty; name the contest of this row")
			}
			return nil, sr.f.fieldError(sr.contest, "unknown contest %s; the election's contests are %s", quoteValue(id), joinList(sr.ids))
		}
		if sr.want != "" && id != sr.want {
			return nil, sr.f.fieldError(sr.contest, "the row is of contest %s but contest %s is being imported", id, sr.want)
		}
		l = sr.layout(c)
		if len(l.missing) > 0 {
			return nil, sr.f.fieldError(sr.contest, "contest %s has choices without a column in the header: %s", id, joinList(l.missing))
		}
	}

	code := rec[sr.station]
	if code == "" {
		return nil, sr.f.fieldError(sr.station, "is empty")
	}
	st, ok := sr.stations(nfc(code))
	if !ok {
		return nil, sr.f.fieldError(sr.station, "unknown station %s", quoteValue(code))
	}

	s := sr.newSheet(len(l.cols))
	sr.last = st
	sr.evidence = nil
	s.Station = st.Code
	s.Contest = l.contest.ID
	for i, col := range l.cols {
		v, ok := parseCount(rec[col])
		if !ok {
			return nil, sr.f.fieldError(col, "%s", countProblem(rec[col]))
		}
		s.Votes[i] = v
	}
	for _, col := range l.others {
		if rec[col] != "" {
			return nil, sr.f.fieldError(col, "%s is not a choice of contest %s; leave the cell empty", sr.f.header[col], l.contest.ID)
		}
	}
	for _, x := range [...]struct {
		col int
		v   *int64
	}{{sr.blank, &s.Blank}, {sr.null, &s.Null}, {sr.ballots, &s.Ballots}} {
		if *x.v, ok = parseCount(rec[x.col]); !ok {
			return nil, sr.f.fieldError(x.col, "%s", countProblem(rec[x.col]))
		}
	}
	s.Voters = actas.Unknown
	if sr.voters >= 0 && rec[sr.voters] != "" {
		if s.Voters, ok = parseCount(rec[sr.voters]); !ok {
			return nil, sr.f.fieldError(sr.voters, "%s; leave it empty when the sheet does not state it", countProblem(rec[sr.voters]))
		}
	}
	if sr.photos >= 0 && rec[sr.photos] != "" {
		if err := sr.readPhotos(rec[sr.photos]); err != nil {
			return nil, err
		}
	}
	if sr.qr >= 0 && rec[sr.qr] != "" {
		if err := sr.readQR(rec[sr.qr]); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readPhotos sets the evidence of the current row from its photos cell:
// names separated by spaces, each kept once, in order.
func (sr *SheetReader) readPhotos(cell string) error {
	for _, name := range strings.Fields(cell) {
		if !actas.ValidSHA256(name) {
			return sr.f.fieldError(sr.photos, "%s is not the name of a stored photo: names are 64 lowercase hexadecimal digits (a SHA-256, as `actas evidence add` prints it), several separated by spaces", quoteValue(name))
		}
		if !slices.ContainsFunc(sr.evidence, func(ev actas.Evidence) bool { return ev.SHA256 == name }) {
			sr.evidence = append(sr.evidence, actas.Evidence{Kind: "photo", SHA256: name})
		}
	}
	return nil
}

// readQR adds the current row's QR payload to its evidence. The cell is
// kept as text: only its size and characters are checked here.
func (sr *SheetReader) readQR(cell string) error {
	if len(cell) > MaxQRPayload {
		return sr.f.fieldError(sr.qr, "is %d bytes, more than a QR code holds (%d)", len(cell), MaxQRPayload)
	}
	if p := textProblem(cell); p != "" {
		return sr.f.fieldError(sr.qr, "%s; a QR payload is text on one line", p)
	}
	sr.evidence = append(sr.evidence, actas.Evidence{Kind: QRKind, Text: cell})
	return nil
}

// Evidence returns the photos of the sheet Read returned last, in the
// order the row names them, then its QR payload, or nil when it has none.
// The slice is the caller's.
func (sr *SheetReader) Evidence() []actas.Evidence { return sr.evidence }

// Station returns the station of the sheet Read returned last (nil before
// the first): callers that check sheets against their station need not look
// it up again.
func (sr *SheetReader) Station() *actas.Station { return sr.last }

// newSheet returns a zero sheet with n votes from the slabs. Each Votes has
// its capacity cut to n so that appending to it cannot reach a neighbour.
func (sr *SheetReader) newSheet(n int) *actas.Sheet {
	if len(sr.sheets) == 0 {
		sr.sheets = make([]actas.Sheet, slabSheets)
	}
	s := &sr.sheets[0]
	sr.sheets = sr.sheets[1:]
	if len(sr.votes) < n {
		sr.votes = make([]int64, slabSheets*n)
	}
	s.Votes = sr.votes[:n:n]
	sr.votes = sr.votes[n:]
	return s
}

// ReadSheets reads a whole sheets file (see SheetReader and NewSheetReader).
// It returns every sheet in file order, or none and the first error. It
// checks the photos column but returns the sheets only: a SheetReader gives
// each sheet's photos too.
func ReadSheets(r io.Reader, file string, e *actas.Election, contest string, stations StationLookup) ([]*actas.Sheet, error) {
	sr, err := NewSheetReader(r, file, e, contest, stations)
	if err != nil {
		return nil, err
	}
	var out []*actas.Sheet
	for {
		s, err := sr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
}

package translog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // entry 0 names a time zone; verifiers must not depend on the host's zoneinfo
	"unicode/utf8"

	"github.com/actasproject/actas"
)

// Kind says what a log entry records.
type Kind string

const (
	// KindElection is an election's first entry: its definition and a
	// digest of its stations, so that the geography every result depends
	// on cannot change unseen either.
	KindElection Kind = "election"
	// KindSubmission is one stored submission.
	KindSubmission Kind = "submission"
	// KindTotal is one official total as stored.
	KindTotal Kind = "total"
	// KindSnapshot is one turnout snapshot as stored.
	KindSnapshot Kind = "snapshot"
	// KindRecord is one record (actas.Record): a review decision, an
	// audit's setup or round.
	KindRecord Kind = "record"
)

// header is the first line of every entry; a later format gets a new one.
const header = "actas-log-entry v1\n"

// knownFlags are the flags an entry can name.
var knownFlags = func() actas.Flags {
	var all actas.Flags
	for _, f := range actas.AllFlags() {
		all |= f
	}
	return all
}()

// MaxEntrySize bounds an entry: parsers refuse larger input.
const MaxEntrySize = 1 << 20

// Entry is a decoded log entry. Exactly one of Definition, Submission,
// Total, Snapshot and Record is set, as Kind says.
type Entry struct {
	Kind     Kind
	Election string

	Definition *Definition
	Submission *actas.Submission
	Choices    []string // with Submission: the contest's choice ids, in ballot order
	Total      *actas.OfficialTotal
	Snapshot   *actas.Snapshot
	Record     *actas.Record
}

// Definition is what an election's first entry commits to.
type Definition struct {
	Election *actas.Election
	Stations int64    // number of stations
	Digest   [32]byte // StationsDigest of the stations, in creation order
}

// StationsDigest is the SHA-256 of the stations' canonical encoding, one
// line per station in creation order: quoted code, quoted area path,
// registered voters and machines. Anyone holding the stations list can
// recompute it and compare it with the election's first entry.
func StationsDigest(stations []actas.Station) [32]byte {
	h := sha256.New()
	var line []byte
	for i := range stations {
		st := &stations[i]
		line = appendQuoted(line[:0], st.Code)
		line = append(line, ' ')
		line = appendQuoted(line, st.Area)
		line = append(line, ' ')
		line = strconv.AppendInt(line, st.Registered, 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, st.Machines, 10)
		line = append(line, '\n')
		h.Write(line)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// EncodeElection returns the first entry of an election's log.
func EncodeElection(e *actas.Election, stations []actas.Station) ([]byte, error) {
	def, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("translog: encode election %s: %w", e.ID, err)
	}
	d := StationsDigest(stations)
	b := make([]byte, 0, 256+len(def))
	b = append(b, header...)
	b = line(b, "kind", string(KindElection))
	b = line(b, "election", e.ID)
	b = quoted(b, "definition", string(def))
	b = number(b, "stations", int64(len(stations)))
	b = line(b, "stations-sha256", hex.EncodeToString(d[:]))
	return b, nil
}

// EncodeSubmission appends the entry of a stored submission (its Seq set)
// to dst. c is the submission's contest.
func EncodeSubmission(dst []byte, s *actas.Submission, c *actas.Contest) ([]byte, error) {
	if len(s.Sheet.Votes) != len(c.Choices) {
		return nil, actas.Errorf(actas.EINVALID, "translog: station %s: %d votes for %d choices", s.Sheet.Station, len(s.Sheet.Votes), len(c.Choices))
	}
	if s.Flags&^knownFlags != 0 {
		return nil, actas.Errorf(actas.EINVALID, "translog: station %s: unknown flags %#x", s.Sheet.Station, uint32(s.Flags&^knownFlags))
	}
	b := append(dst, header...)
	b = line(b, "kind", string(KindSubmission))
	b = line(b, "election", s.Election)
	b = number(b, "seq", s.Seq)
	b = line(b, "contest", c.ID)
	b = quoted(b, "station", s.Sheet.Station)
	b = line(b, "source", string(s.Source))
	b = append(b, "choices"...)
	for _, ch := range c.Choices {
		b = append(b, ' ')
		b = append(b, ch.ID...)
	}
	b = append(b, "\nvotes"...)
	for _, v := range s.Sheet.Votes {
		b = append(b, ' ')
		b = strconv.AppendInt(b, v, 10)
	}
	b = append(b, '\n')
	b = number(b, "blank", s.Sheet.Blank)
	b = number(b, "null", s.Sheet.Null)
	b = number(b, "ballots", s.Sheet.Ballots)
	if s.Sheet.Voters == actas.Unknown {
		b = line(b, "voters", "-")
	} else {
		b = number(b, "voters", s.Sheet.Voters)
	}
	if s.Flags == 0 {
		b = line(b, "flags", "-")
	} else {
		b = line(b, "flags", s.Flags.String())
	}
	b = quoted(b, "submitter", s.Submitter)
	b = quoted(b, "origin", s.Origin)
	b = append(b, "received "...)
	b = s.Received.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '\n')
	for _, ev := range s.Evidence {
		b = append(b, "evidence "...)
		b = appendQuoted(b, ev.Kind)
		b = append(b, ' ')
		b = appendQuoted(b, ev.SHA256)
		b = append(b, ' ')
		b = appendQuoted(b, ev.URL)
		b = append(b, ' ')
		b = appendQuoted(b, ev.Text)
		b = append(b, '\n')
	}
	return b, nil
}

// EncodeTotal returns the entry of a stored official total.
func EncodeTotal(election string, t *actas.OfficialTotal) []byte {
	b := make([]byte, 0, 160)
	b = append(b, header...)
	b = line(b, "kind", string(KindTotal))
	b = line(b, "election", election)
	b = line(b, "contest", t.Contest)
	b = quoted(b, "bulletin", t.Bulletin)
	b = quoted(b, "area", actas.DisplayPath(t.Area))
	b = line(b, "choice", t.Choice)
	b = number(b, "votes", t.Votes)
	// Optional lines, absent when not known: entries of totals stored
	// without them keep their bytes and hashes.
	if !t.Announced.IsZero() {
		b = line(b, "announced", t.Announced.UTC().Format(time.RFC3339))
	}
	if t.CoveragePPM != 0 {
		b = number(b, "coverage-ppm", t.CoveragePPM)
	}
	return b
}

// EncodeSnapshot returns the entry of a stored turnout snapshot.
func EncodeSnapshot(election string, s *actas.Snapshot) []byte {
	b := make([]byte, 0, 160)
	b = append(b, header...)
	b = line(b, "kind", string(KindSnapshot))
	b = line(b, "election", election)
	if s.Station {
		b = quoted(b, "station", s.Scope)
	} else {
		b = quoted(b, "area", actas.DisplayPath(s.Scope))
	}
	b = line(b, "time", actas.FormatClock(s.Time))
	b = number(b, "voters", s.Voters)
	b = line(b, "source", string(s.Source))
	return b
}

// recordTime is how a record's entry states its time: UTC to the
// nanosecond, trailing zeros dropped (RFC 3339).
func recordTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// EncodeRecord returns the entry of a stored record. The body is written as
// stored: the store keeps only bodies that pass actas.CheckRecord, which
// makes them compact JSON, one encoding per record.
func EncodeRecord(dst []byte, election string, r *actas.Record) []byte {
	b := append(dst, header...)
	b = line(b, "kind", string(KindRecord))
	b = line(b, "election", election)
	b = line(b, "record", r.Kind)
	b = quoted(b, "subject", r.Subject)
	b = quoted(b, "account", r.Account)
	b = line(b, "time", recordTime(r.Time))
	return quoted(b, "body", string(r.Body))
}

// Encode returns the entry's canonical bytes: ParseEntry(b).Encode() == b.
func (e *Entry) Encode() ([]byte, error) { return e.appendTo(nil) }

// appendTo appends the entry's canonical bytes to dst.
func (e *Entry) appendTo(dst []byte) ([]byte, error) {
	switch {
	case e.Kind == KindElection && e.Definition != nil:
		def, err := json.Marshal(e.Definition.Election)
		if err != nil {
			return nil, err
		}
		b := append(dst, header...)
		b = append(b, "kind election\n"...)
		b = line(b, "election", e.Election)
		b = quoted(b, "definition", string(def))
		b = number(b, "stations", e.Definition.Stations)
		return line(b, "stations-sha256", hex.EncodeToString(e.Definition.Digest[:])), nil
	case e.Kind == KindSubmission && e.Submission != nil:
		// The contest stays on the stack for the usual few choices:
		// ParseEntry encodes again every entry it reads.
		var choices [16]actas.Choice
		c := actas.Contest{ID: e.Submission.Sheet.Contest, Choices: choices[:0]}
		for _, id := range e.Choices {
			c.Choices = append(c.Choices, actas.Choice{ID: id})
		}
		return EncodeSubmission(dst, e.Submission, &c)
	case e.Kind == KindTotal && e.Total != nil:
		return append(dst, EncodeTotal(e.Election, e.Total)...), nil
	case e.Kind == KindSnapshot && e.Snapshot != nil:
		return append(dst, EncodeSnapshot(e.Election, e.Snapshot)...), nil
	case e.Kind == KindRecord && e.Record != nil:
		return EncodeRecord(dst, e.Election, e.Record), nil
	}
	return nil, fmt.Errorf("translog: entry of kind %q without its record", e.Kind)
}

// appendQuoted is strconv.AppendQuote, without its rune-by-rune work for
// the usual printable ASCII text, which it leaves as it is.
func appendQuoted(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return strconv.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// cutKey returns what follows key and a space at the start of l.
func cutKey(l []byte, key string) ([]byte, bool) {
	if len(l) <= len(key) || l[len(key)] != ' ' || string(l[:len(key)]) != key {
		return nil, false
	}
	return l[len(key)+1:], true
}

func line(b []byte, key, value string) []byte {
	b = append(b, key...)
	b = append(b, ' ')
	b = append(b, value...)
	return append(b, '\n')
}

func quoted(b []byte, key, value string) []byte {
	b = append(b, key...)
	b = append(b, ' ')
	b = appendQuoted(b, value)
	return append(b, '\n')
}

func number(b []byte, key string, v int64) []byte {
	b = append(b, key...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, v, 10)
	return append(b, '\n')
}

// ParseEntry decodes an entry. It accepts exactly what the Encode functions
// produce: a parsed entry encodes back to the same bytes. Errors are EINVALID
// and name the line.
func ParseEntry(b []byte) (*Entry, error) {
	var p Parser
	return p.Parse(b)
}

// Parser parses entries like ParseEntry, faster when it parses many: it
// reuses its scratch memory and recognises a choices line it has seen, so
// that the entries of one contest check their choices once. The Choices of
// entries it returns may be shared between them: treat them as read-only.
// A Parser is not safe for concurrent use.
type Parser struct {
	choicesLine string   // the last choices line seen
	choices     []string // its ids, checked
	scratch     []byte   // for the canonical re-encoding
}

// Parse is ParseEntry.
func (pp *Parser) Parse(b []byte) (*Entry, error) {
	if len(b) > MaxEntrySize {
		return nil, actas.Errorf(actas.EINVALID, "log entry: %d bytes, more than %d", len(b), MaxEntrySize)
	}
	p := &entryParser{rest: b, cache: pp}
	if err := p.expectHeader(); err != nil {
		return nil, err
	}
	e := &Entry{Kind: Kind(p.word("kind"))}
	switch e.Kind {
	case KindElection, KindSubmission, KindTotal, KindSnapshot, KindRecord:
	default:
		if p.err == nil {
			p.fail("unknown kind %q", e.Kind)
		}
	}
	e.Election = p.word("election")
	if p.err == nil && !actas.ValidID(e.Election) {
		p.fail("election %q is not an id", e.Election)
	}
	switch e.Kind {
	case KindElection:
		p.parseElection(e)
	case KindSubmission:
		p.parseSubmission(e)
	case KindTotal:
		p.parseTotal(e)
	case KindSnapshot:
		p.parseSnapshot(e)
	case KindRecord:
		p.parseRecord(e)
	}
	if p.err == nil && len(p.rest) > 0 {
		p.n++
		p.fail("unexpected text after the entry: %q", truncate(p.rest))
	}
	if p.err != nil {
		return nil, p.err
	}
	// Canonical form only: anything that parses but would encode
	// differently (e.g. a number with a leading zero) is refused, so that
	// one entry has one encoding and one hash.
	again, err := e.appendTo(pp.scratch[:0])
	pp.scratch = again
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "log entry cannot be encoded again: %v", err)
	}
	if !bytes.Equal(again, b) {
		n, want := diffLine(again, b)
		return nil, actas.Errorf(actas.EINVALID, "log entry line %d is not in canonical form: want %q", n, truncate(want))
	}
	return e, nil
}

// diffLine returns the number of the first line where the canonical
// encoding and b differ, and that line of the canonical encoding.
func diffLine(canonical, b []byte) (int, []byte) {
	i := 0
	for i < len(canonical) && i < len(b) && canonical[i] == b[i] {
		i++
	}
	start := bytes.LastIndexByte(canonical[:i], '\n') + 1
	line, _, _ := bytes.Cut(canonical[start:], []byte{'\n'})
	return 1 + bytes.Count(b[:i], []byte{'\n'}), line
}

// entryParser reads an entry line by line. Each field is checked as soon
// as it is read, so that an error names the field's line.
type entryParser struct {
	rest  []byte
	n     int // lines read
	err   error
	cache *Parser
}

func (p *entryParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = actas.Errorf(actas.EINVALID, "log entry line %d: %s", p.n, fmt.Sprintf(format, args...))
	}
}

func (p *entryParser) expectHeader() error {
	if !bytes.HasPrefix(p.rest, []byte(header)) {
		return actas.Errorf(actas.EINVALID, "log entry line 1: not an actas log entry (want %q)", strings.TrimSpace(header))
	}
	p.rest = p.rest[len(header):]
	p.n = 1
	return nil
}

// field returns the value of the next line, which must start with key and
// a space.
func (p *entryParser) field(key string) string {
	if p.err != nil {
		return ""
	}
	p.n++
	i := bytes.IndexByte(p.rest, '\n')
	if i < 0 {
		p.fail("missing %s line (the entry must end with a newline)", key)
		return ""
	}
	l := p.rest[:i]
	p.rest = p.rest[i+1:]
	v, ok := cutKey(l, key)
	if !ok {
		p.fail("want %s, found %q", key, truncate(l))
		return ""
	}
	return string(v)
}

// peek reports whether the next line starts with key and a space.
func (p *entryParser) peek(key string) bool {
	_, ok := cutKey(p.rest, key)
	return p.err == nil && ok
}

func (p *entryParser) word(key string) string {
	v := p.field(key)
	if p.err == nil && (v == "" || strings.ContainsAny(v, " \t\"")) {
		p.fail("%s %q is not one word", key, v)
	}
	return v
}

// id is a word that must be an id (actas.ValidID): contests, choices.
func (p *entryParser) id(key string) string {
	v := p.word(key)
	if p.err == nil && !actas.ValidID(v) {
		p.fail("%s %q is not an id", key, v)
	}
	return v
}

func (p *entryParser) quoted(key string) string {
	v := p.field(key)
	if p.err != nil {
		return ""
	}
	s, err := strconv.Unquote(v)
	if err != nil || !strings.HasPrefix(v, `"`) {
		p.fail("%s is not a quoted string", key)
		return ""
	}
	return s
}

func (p *entryParser) number(key string) int64 {
	v := p.field(key)
	if p.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		p.fail("%s %q is not a number", key, v)
	}
	return n
}

// count is a number that must be a count of a sheet (0 to actas.MaxCount).
func (p *entryParser) count(key string) int64 {
	n := p.number(key)
	if p.err == nil && (n < 0 || n > actas.MaxCount) {
		p.fail("%s %d is not between 0 and %d", key, n, int64(actas.MaxCount))
	}
	return n
}

func (p *entryParser) source(key string) actas.Source {
	src, err := actas.ParseSource(p.word(key), false)
	if p.err == nil && err != nil {
		p.fail("%s", actas.ErrorMessage(err))
	}
	return src
}

func (p *entryParser) parseElection(e *Entry) {
	def := p.quoted("definition")
	if p.err != nil {
		return
	}
	var el actas.Election
	dec := json.NewDecoder(strings.NewReader(def))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&el); err != nil {
		p.fail("definition: %v", err)
		return
	}
	if err := el.Validate(); err != nil {
		p.fail("definition: %s", actas.ErrorMessage(err))
		return
	}
	if el.ID != e.Election {
		p.fail("definition is of election %s, not %s", el.ID, e.Election)
		return
	}
	stations := p.number("stations")
	if p.err == nil && stations < 0 {
		p.fail("stations %d is negative", stations)
	}
	digest := p.word("stations-sha256")
	if p.err != nil {
		return
	}
	d, err := hex.DecodeString(digest)
	if err != nil || len(d) != 32 {
		p.fail("stations-sha256 %q is not a SHA-256 in hex", digest)
		return
	}
	e.Definition = &Definition{Election: &el, Stations: stations, Digest: [32]byte(d)}
}

func (p *entryParser) parseSubmission(e *Entry) {
	s := &actas.Submission{Election: e.Election}
	s.Seq = p.number("seq")
	if p.err == nil && s.Seq < 1 {
		// Entry 0 is the election's definition.
		p.fail("seq %d is not positive", s.Seq)
	}
	s.Sheet.Contest = p.id("contest")
	s.Sheet.Station = p.quoted("station")
	s.Source = p.source("source")
	line := p.field("choices")
	var choices []string
	if c := p.cache; p.err == nil && c.choices != nil && line == c.choicesLine {
		choices = c.choices // checked when first seen
	} else {
		choices = strings.Fields(line)
		if p.err == nil {
			if len(choices) == 0 {
				p.fail("no choices")
			}
			for _, id := range choices {
				if !actas.ValidID(id) || actas.ReservedName(id) {
					p.fail("choice %q is not a choice id", id)
				}
			}
			if p.err == nil && hasDuplicate(choices) {
				p.fail("a choice appears twice")
			}
			if p.err == nil {
				c.choicesLine, c.choices = line, choices
			}
		}
	}
	votes := strings.Fields(p.field("votes"))
	if p.err == nil && len(votes) != len(choices) {
		p.fail("%d votes for %d choices", len(votes), len(choices))
	}
	s.Sheet.Votes = make([]int64, 0, len(votes))
	for _, v := range votes {
		n, err := strconv.ParseInt(v, 10, 64)
		if p.err == nil && (err != nil || n < 0 || n > actas.MaxCount) {
			p.fail("votes %q is not a count", v)
		}
		s.Sheet.Votes = append(s.Sheet.Votes, n)
	}
	s.Sheet.Blank = p.count("blank")
	s.Sheet.Null = p.count("null")
	s.Sheet.Ballots = p.count("ballots")
	if p.peek("voters") && bytes.HasPrefix(p.rest, []byte("voters -\n")) {
		p.field("voters")
		s.Sheet.Voters = actas.Unknown
	} else {
		s.Sheet.Voters = p.count("voters")
	}
	flags := p.word("flags")
	if p.err == nil && flags != "-" {
		f, err := actas.ParseFlags(flags)
		if err != nil || f == 0 {
			p.fail("flags %q: %s", flags, actas.ErrorMessage(err))
		}
		s.Flags = f
	}
	s.Submitter = p.quoted("submitter")
	s.Origin = p.quoted("origin")
	received := p.field("received")
	if p.err == nil {
		t, err := time.Parse(time.RFC3339Nano, received)
		if err != nil {
			p.fail("received %q is not an RFC 3339 time", received)
		}
		s.Received = t.UTC()
	}
	for p.err == nil && p.peek("evidence") {
		s.Evidence = append(s.Evidence, p.evidence())
	}
	e.Submission, e.Choices = s, choices
}

func (p *entryParser) evidence() actas.Evidence {
	v := p.field("evidence")
	var parts [4]string
	rest := v
	for i := range parts {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			p.fail("evidence is not four quoted strings")
			return actas.Evidence{}
		}
		parts[i], _ = strconv.Unquote(q)
		rest = rest[len(q):]
		if i < len(parts)-1 {
			var ok bool
			if rest, ok = strings.CutPrefix(rest, " "); !ok {
				p.fail("evidence is not four quoted strings")
				return actas.Evidence{}
			}
		}
	}
	if rest != "" {
		p.fail("evidence is not four quoted strings")
	}
	return actas.Evidence{Kind: parts[0], SHA256: parts[1], URL: parts[2], Text: parts[3]}
}

func (p *entryParser) area(key string) string {
	v := p.quoted(key)
	if p.err != nil {
		return ""
	}
	path, err := actas.CanonicalPath(v)
	if err != nil || actas.DisplayPath(path) != v {
		p.fail("%s %q is not an area path", key, v)
	}
	return path
}

func (p *entryParser) parseTotal(e *Entry) {
	t := &actas.OfficialTotal{}
	t.Contest = p.id("contest")
	t.Bulletin = p.quoted("bulletin")
	t.Area = p.area("area")
	t.Choice = p.id("choice")
	t.Votes = p.number("votes")
	if p.err == nil && t.Votes < 0 {
		p.fail("votes %d is negative", t.Votes)
	}
	if p.err == nil && p.peek("announced") {
		at, err := time.Parse(time.RFC3339, p.field("announced"))
		switch {
		case p.err != nil:
		case err != nil:
			p.fail("announced: not a time: %v", err)
		case at.IsZero():
			p.fail("announced: the zero time is written by leaving the line out")
		default:
			t.Announced = at.UTC()
		}
	}
	if p.err == nil && p.peek("coverage-ppm") {
		t.CoveragePPM = p.number("coverage-ppm")
		if p.err == nil && (t.CoveragePPM <= 0 || t.CoveragePPM > 1_000_000) {
			p.fail("coverage-ppm %d is not in 1 to 1000000", t.CoveragePPM)
		}
	}
	e.Total = t
}

func (p *entryParser) parseSnapshot(e *Entry) {
	s := &actas.Snapshot{}
	if p.peek("station") {
		s.Station = true
		s.Scope = p.quoted("station")
	} else {
		s.Scope = p.area("area")
	}
	clock := p.field("time")
	if p.err == nil {
		m, err := actas.ParseClock(clock)
		if err != nil {
			p.fail("time: %v", err)
		}
		s.Time = m
	}
	s.Voters = p.number("voters")
	if p.err == nil && s.Voters < 0 {
		p.fail("voters %d is negative", s.Voters)
	}
	s.Source = p.source("source")
	e.Snapshot = s
}

func (p *entryParser) parseRecord(e *Entry) {
	r := &actas.Record{Kind: p.word("record")}
	if p.err == nil && !actas.ValidID(r.Kind) {
		p.fail("record kind %q is not an id", r.Kind)
	}
	r.Subject = p.quoted("subject")
	if p.err == nil && !actas.ValidRecordText(r.Subject) {
		p.fail("subject %q is not 1 to 256 bytes of text on one line", r.Subject)
	}
	r.Account = p.quoted("account")
	if p.err == nil && !actas.ValidRecordText(r.Account) {
		p.fail("account %q is not 1 to 256 bytes of text on one line", r.Account)
	}
	when := p.field("time")
	if p.err == nil {
		t, err := time.Parse(time.RFC3339Nano, when)
		if err != nil {
			p.fail("time %q is not an RFC 3339 time", when)
		}
		r.Time = t.UTC()
	}
	r.Body = []byte(p.quoted("body"))
	if p.err == nil {
		if err := actas.CheckRecord(r); err != nil {
			p.fail("%s", actas.ErrorMessage(err))
		}
	}
	e.Record = r
}

// hasDuplicate reports whether an id appears twice, without allocating
// for the usual few.
func hasDuplicate(ids []string) bool {
	if len(ids) > 32 {
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				return true
			}
			seen[id] = true
		}
		return false
	}
	for i := range ids {
		for j := range i {
			if ids[i] == ids[j] {
				return true
			}
		}
	}
	return false
}

func truncate(b []byte) string {
	if len(b) <= 60 {
		return string(b)
	}
	n := 60
	for n > 56 && !utf8.RuneStart(b[n]) { // not inside a character
		n--
	}
	return string(b[:n]) + "…"
}

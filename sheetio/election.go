package sheetio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/actasproject/actas"
)

// maxElectionBytes bounds election.json. A large election (hundreds of
// contests with a dozen choices each) takes well under a megabyte.
const maxElectionBytes = 16 << 20

// ReadElection reads election.json (DESIGN.md, "Files users bring") and
// validates it with actas.Election.Validate. The JSON is read strictly: a
// field the format does not have, a field given twice, a value of the wrong
// kind (a number for a string, a fraction for a whole number) or anything
// after the election object is an error, and so is text that is not UTF-8.
// null counts as the field being absent. A byte-order mark is accepted. file
// names the input in errors.
//
// Errors: EINVALID wrapping a *ParseError; for malformed JSON it names the
// line and column (counted in characters, 1-based) and the field, as a path
// such as contests[0].choices[2].id.
func ReadElection(r io.Reader, file string) (*actas.Election, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxElectionBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(data) > maxElectionBytes {
		return nil, parseError(file, 0, 0, "", "the file is larger than %d MiB, far more than any election needs", maxElectionBytes>>20)
	}
	data = bytes.TrimPrefix(data, bom)
	j := &jsonIn{file: file, data: data}
	// encoding/json would quietly turn bytes that are not UTF-8 into U+FFFD.
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size == 1 {
			return nil, j.errAt(off, "", "the file is not valid UTF-8 text; save it as UTF-8")
		}
		off += size
	}

	// Check the syntax first: its errors carry exact offsets, which the
	// token reader below does not always give.
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var se *json.SyntaxError
		if !errors.As(err, &se) {
			return nil, parseError(file, 0, 0, "", "not valid JSON: %v", err)
		}
		// The offset counts the offending byte, or is the end of the input.
		off := int(se.Offset) - 1
		if strings.Contains(se.Error(), "unexpected end") {
			off = len(data)
		}
		return nil, j.errAt(max(off, 0), "", "not valid JSON: %s", se.Error())
	}

	j.dec = json.NewDecoder(bytes.NewReader(data))
	j.dec.UseNumber()
	e, err := j.election()
	if err != nil {
		return nil, err
	}
	if err := e.Validate(); err != nil {
		return nil, parseError(file, 0, 0, "", "%s", actas.ErrorMessage(err))
	}
	return e, nil
}

// jsonIn walks a syntactically valid JSON document token by token, so that
// every error can point at the key or value it is about.
type jsonIn struct {
	file string
	data []byte
	dec  *json.Decoder
}

// errAt returns a parse error located at byte offset off of the document.
func (j *jsonIn) errAt(off int, field, format string, args ...any) error {
	line, col := 1, 1
	for i := 0; i < off && i < len(j.data); {
		if j.data[i] == '\n' {
			line, col = line+1, 1
			i++
			continue
		}
		_, size := utf8.DecodeRune(j.data[i:])
		i += size
		col++
	}
	return parseError(j.file, line, col, field, format, args...)
}

// token returns the next token and the offset at which it starts.
func (j *jsonIn) token() (json.Token, int, error) {
	off := int(j.dec.InputOffset())
	for off < len(j.data) {
		switch j.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	tok, err := j.dec.Token()
	if err != nil {
		// The syntax was checked; this is unexpected, but still the input's fault.
		return nil, off, j.errAt(off, "", "not valid JSON: %v", err)
	}
	return tok, off, nil
}

// jsonKind names a token for a message.
func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "an object"
		}
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "true or false"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// object reads an object, calling member for each key; member must read the
// value. null reads as an object without members.
func (j *jsonIn) object(field string, member func(key, path string, off int) error) error {
	tok, off, err := j.token()
	if err != nil || tok == nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return j.errAt(off, field, "must be an object ({…}), not %s", jsonKind(tok))
	}
	seen := map[string]bool{}
	for j.dec.More() {
		tok, off, err := j.token()
		if err != nil {
			return err
		}
		key := tok.(string) // an object key, by the syntax check
		path := key
		if !plainKey(key) {
			path = quoteValue(key) // readable, and short whatever the input
		}
		if field != "" {
			path = field + "." + path
		}
		if seen[key] {
			return j.errAt(off, path, "appears twice")
		}
		seen[key] = true
		if err := member(key, path, off); err != nil {
			return err
		}
	}
	_, _, err = j.token() // '}'
	return err
}

// plainKey reports whether a key can appear in a field path unquoted.
func plainKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// array reads a list, calling elem for each element; elem must read it.
// null reads as an empty list.
func (j *jsonIn) array(field string, elem func(path string) error) error {
	tok, off, err := j.token()
	if err != nil || tok == nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return j.errAt(off, field, "must be a list ([…]), not %s", jsonKind(tok))
	}
	for i := 0; j.dec.More(); i++ {
		if err := elem(fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return err
		}
	}
	_, _, err = j.token() // ']'
	return err
}

// str reads a string; null reads as "".
func (j *jsonIn) str(field string, dst *string) error {
	tok, off, err := j.token()
	if err != nil || tok == nil {
		return err
	}
	s, ok := tok.(string)
	if !ok {
		return j.errAt(off, field, "must be a string (in quotes), not %s", jsonKind(tok))
	}
	*dst = s
	return nil
}

// int reads a whole number; null reads as 0.
func (j *jsonIn) int(field string, dst *int) error {
	tok, off, err := j.token()
	if err != nil || tok == nil {
		return err
	}
	n, ok := tok.(json.Number)
	if !ok {
		return j.errAt(off, field, "must be a whole number, not %s", jsonKind(tok))
	}
	v, err := strconv.Atoi(string(n))
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return j.errAt(off, field, "%s is too large", n)
		}
		return j.errAt(off, field, "%s is not a whole number", n)
	}
	*dst = v
	return nil
}

func (j *jsonIn) unknown(off int, path string, fields string) error {
	return j.errAt(off, path, "unknown field; the fields here are %s", fields)
}

func (j *jsonIn) election() (*actas.Election, error) {
	e := &actas.Election{}
	if i := bytes.IndexFunc(j.data, func(r rune) bool { return r != ' ' && r != '\t' && r != '\r' && r != '\n' }); j.data[i] != '{' {
		tok, off, err := j.token()
		if err != nil {
			return nil, err
		}
		return nil, j.errAt(off, "", "an election file must hold one object ({…}), not %s", jsonKind(tok))
	}
	err := j.object("", func(key, path string, off int) error {
		switch key {
		case "id":
			return j.str(path, &e.ID)
		case "name":
			return j.str(path, &e.Name)
		case "date":
			return j.str(path, &e.Date)
		case "timezone":
			return j.str(path, &e.Timezone)
		case "open":
			return j.str(path, &e.Open)
		case "close":
			return j.str(path, &e.Close)
		case "seconds_per_voter":
			return j.int(path, &e.SecondsPerVoter)
		case "snapshot_times":
			e.SnapshotTimes = nil
			return j.array(path, func(p string) error {
				var t string
				err := j.str(p, &t)
				e.SnapshotTimes = append(e.SnapshotTimes, t)
				return err
			})
		case "levels":
			e.Levels = nil
			return j.array(path, func(p string) error {
				var l string
				err := j.str(p, &l)
				e.Levels = append(e.Levels, l)
				return err
			})
		case "contests":
			e.Contests = nil
			return j.array(path, func(p string) error {
				c, err := j.contest(p)
				e.Contests = append(e.Contests, c)
				return err
			})
		}
		return j.unknown(off, path, "id, name, date, timezone, open, close, levels, contests, seconds_per_voter, snapshot_times")
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func (j *jsonIn) contest(field string) (actas.Contest, error) {
	var c actas.Contest
	err := j.object(field, func(key, path string, off int) error {
		switch key {
		case "id":
			return j.str(path, &c.ID)
		case "name":
			return j.str(path, &c.Name)
		case "choices":
			c.Choices = nil
			return j.array(path, func(p string) error {
				var ch actas.Choice
				err := j.object(p, func(key, path string, off int) error {
					switch key {
					case "id":
						return j.str(path, &ch.ID)
					case "name":
						return j.str(path, &ch.Name)
					}
					return j.unknown(off, path, "id, name")
				})
				c.Choices = append(c.Choices, ch)
				return err
			})
		}
		return j.unknown(off, path, "id, name, choices")
	})
	return c, err
}

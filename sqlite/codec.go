package sqlite

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/actasproject/actas"
)

// How submissions' columns are written as text. The formats are plain so
// that anyone can read the file with the sqlite3 shell; they are parsed back
// strictly, because the file may have been edited behind the program's back.

// appendVotes appends votes as decimal numbers separated by commas.
func appendVotes(b []byte, votes []int64) []byte {
	for i, v := range votes {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return b
}

// parseVotes parses what appendVotes wrote: one or more decimal integers
// (a '-' sign allowed, so an edited file reads back as edited) separated by
// single commas.
func parseVotes(b []byte) ([]int64, error) { return parseVotesInto(nil, b) }

// parseVotesInto is parseVotes appending to votes, which it grows only when
// they lack room.
func parseVotesInto(votes []int64, b []byte) ([]int64, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("votes are empty")
	}
	n := 1
	for _, c := range b {
		if c == ',' {
			n++
		}
	}
	votes = slices.Grow(votes, n)
	for start := 0; start <= len(b); {
		end := start
		for end < len(b) && b[end] != ',' {
			end++
		}
		v, err := parseInt(b[start:end])
		if err != nil {
			return nil, fmt.Errorf("votes %q: count %d: %w", b, len(votes)+1, err)
		}
		votes = append(votes, v)
		start = end + 1
	}
	return votes, nil
}

// parseInt parses a decimal int64 without allocating.
func parseInt(b []byte) (int64, error) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, fmt.Errorf("not a number")
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a number")
		}
		v = v*10 + uint64(c-'0')
	}
	if v > 1<<63-1 {
		return 0, fmt.Errorf("out of range")
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// receivedLayout is RFC 3339 in UTC with nanoseconds and a fixed width, so
// that the text sorts like the time.
const receivedLayout = "2006-01-02T15:04:05.000000000Z"

func appendReceived(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, receivedLayout)
}

// parseReceived parses what appendReceived wrote, or any RFC 3339 time,
// and returns it in UTC.
func parseReceived(b []byte) (time.Time, error) {
	if len(b) == len(receivedLayout) && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' &&
		b[16] == ':' && b[19] == '.' && b[29] == 'Z' {
		num := func(s []byte) (int, bool) {
			n := 0
			for _, c := range s {
				if c < '0' || c > '9' {
					return 0, false
				}
				n = n*10 + int(c-'0')
			}
			return n, true
		}
		y, ok1 := num(b[0:4])
		mo, ok2 := num(b[5:7])
		d, ok3 := num(b[8:10])
		h, ok4 := num(b[11:13])
		mi, ok5 := num(b[14:16])
		s, ok6 := num(b[17:19])
		ns, ok7 := num(b[20:29])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 &&
			mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && s < 60 {
			t := time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
			if t.Day() == d { // time.Date normalises 31 April to 1 May
				return t, nil
			}
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, fmt.Errorf("received %q: %w", b, err)
	}
	return t.UTC(), nil
}

// appendEvidence appends ev as a JSON array; it appends nothing when ev is
// empty, which is stored as NULL.
func appendEvidence(b []byte, ev []actas.Evidence) ([]byte, error) {
	if len(ev) == 0 {
		return b, nil
	}
	j, err := json.Marshal(ev)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// parseEvidence parses a JSON array of evidence; NULL (nil) is none.
func parseEvidence(b []byte) ([]actas.Evidence, error) {
	if b == nil {
		return nil, nil
	}
	var ev []actas.Evidence
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	if len(ev) == 0 {
		return nil, nil
	}
	return ev, nil
}

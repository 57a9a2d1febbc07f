package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The bulk paths (an election's areas and stations, an import's
// submissions) write PostgreSQL's binary COPY format themselves, row by
// row into a buffer, instead of handing pgx a []any per row: pgx plans the
// encoding of every value of every row (a map lookup and reflection each),
// which was a third of a million-station import's CPU. The format is
// PostgreSQL's "Binary Format" of COPY
// (https://www.postgresql.org/docs/15/sql-copy.html): a header, then per
// row a 16-bit field count and per field a 32-bit length (-1 for NULL) and
// the value in the type's binary send format, then a trailer.

// copySignature opens a binary COPY stream: the 11-byte signature, the
// flags (none) and the length of the header extension (none).
const copySignature = "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"

// copyFlushAt is the size from which a copyStream hands out what its rows
// filled.
const copyFlushAt = 64 << 10

// pgEpoch is the zero of PostgreSQL's timestamps, in Unix microseconds.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

// oidInt8 is the type of bigint, the element type of votes.
const oidInt8 = 20

// copyRow appends the fields of one row in binary COPY format.
type copyRow struct{ b []byte }

func (r *copyRow) start(fields int) { r.b = binary.BigEndian.AppendUint16(r.b, uint16(fields)) }
func (r *copyRow) null()            { r.b = binary.BigEndian.AppendUint32(r.b, math.MaxUint32) }

func (r *copyRow) int2(v int16) {
	r.b = binary.BigEndian.AppendUint32(r.b, 2)
	r.b = binary.BigEndian.AppendUint16(r.b, uint16(v))
}

func (r *copyRow) int4(v int32) {
	r.b = binary.BigEndian.AppendUint32(r.b, 4)
	r.b = binary.BigEndian.AppendUint32(r.b, uint32(v))
}

func (r *copyRow) int8(v int64) {
	r.b = binary.BigEndian.AppendUint32(r.b, 8)
	r.b = binary.BigEndian.AppendUint64(r.b, uint64(v))
}

// text appends a text or bytea value (the server checks that text is in
// its encoding, as it does for any other input).
func (r *copyRow) text(s string) {
	r.b = binary.BigEndian.AppendUint32(r.b, uint32(len(s)))
	r.b = append(r.b, s...)
}

func (r *copyRow) bytea(v []byte) {
	r.b = binary.BigEndian.AppendUint32(r.b, uint32(len(v)))
	r.b = append(r.b, v...)
}

// timestamptz appends t to the microsecond (the stores keep the
// nanoseconds beyond in a column of their own).
func (r *copyRow) timestamptz(t time.Time) {
	r.int8(t.UnixMicro() - pgEpoch)
}

// jsonb appends a JSON text as jsonb (format version 1, then the text).
func (r *copyRow) jsonb(s string) {
	r.b = binary.BigEndian.AppendUint32(r.b, uint32(1+len(s)))
	r.b = append(r.b, 1)
	r.b = append(r.b, s...)
}

// int8s appends a one-dimensional bigint[] without NULLs (an empty one has
// no dimension).
func (r *copyRow) int8s(vs []int64) {
	dims := uint32(1)
	size := 20 + 12*len(vs)
	if len(vs) == 0 {
		dims, size = 0, 12
	}
	r.b = binary.BigEndian.AppendUint32(r.b, uint32(size))
	r.b = binary.BigEndian.AppendUint32(r.b, dims)
	r.b = binary.BigEndian.AppendUint32(r.b, 0) // no NULLs
	r.b = binary.BigEndian.AppendUint32(r.b, oidInt8)
	if len(vs) == 0 {
		return
	}
	r.b = binary.BigEndian.AppendUint32(r.b, uint32(len(vs)))
	r.b = binary.BigEndian.AppendUint32(r.b, 1) // lower bound
	for _, v := range vs {
		r.b = binary.BigEndian.AppendUint32(r.b, 8)
		r.b = binary.BigEndian.AppendUint64(r.b, uint64(v))
	}
}

// copyStream is the io.Reader of a binary COPY: it asks next for rows as
// the connection reads them (on a goroutine of pgx's). next appends one
// row to its copyRow and reports whether it did; an error ends the stream,
// and failed keeps it, because the server only echoes its message.
type copyStream struct {
	next func(*copyRow) (bool, error)
	row  copyRow
	off  int
	end  bool

	mu  sync.Mutex
	err error
}

// failed returns the error next returned, if it did.
func (s *copyStream) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *copyStream) Read(p []byte) (int, error) {
	if s.row.b == nil {
		s.row.b = append(make([]byte, 0, copyFlushAt+4096), copySignature...)
	}
	for len(s.row.b)-s.off < len(p) && !s.end {
		if s.off > 0 {
			s.row.b = s.row.b[:copy(s.row.b, s.row.b[s.off:])]
			s.off = 0
		}
		for len(s.row.b) < copyFlushAt {
			ok, err := s.next(&s.row)
			if err != nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
				return 0, err
			}
			if !ok {
				s.row.b = binary.BigEndian.AppendUint16(s.row.b, math.MaxUint16) // the trailer: -1
				s.end = true
				break
			}
		}
	}
	n := copy(p, s.row.b[s.off:])
	s.off += n
	if n == 0 && s.end {
		return 0, io.EOF
	}
	return n, nil
}

// copyBinary copies into table the rows next gives (see copyStream), in
// binary COPY format, with tx's connection. Errors: next's own when it
// failed, else the server's.
func copyBinary(ctx context.Context, tx pgx.Tx, table pgx.Identifier, columns []string, next func(*copyRow) (bool, error)) (int64, error) {
	var sql strings.Builder
	sql.WriteString("COPY ")
	sql.WriteString(table.Sanitize())
	sql.WriteString(" (")
	for i, c := range columns {
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString(pgx.Identifier{c}.Sanitize())
	}
	sql.WriteString(") FROM STDIN (FORMAT binary)")
	s := &copyStream{next: next}
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, s, sql.String())
	if err := s.failed(); err != nil {
		return 0, err
	}
	if err != nil {
		return 0, err
	}
	if tag.RowsAffected() < 0 {
		return 0, errors.New("copy: no row count")
	}
	return tag.RowsAffected(), nil
}

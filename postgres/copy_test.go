package postgres

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// copyCase is one row of TestCopyBinary: each value as copyRow writes it
// and as pgx reads it back.
type copyCase struct {
	name     string
	small    int16
	num      int32
	big      int64
	text     string
	raw      []byte
	at       time.Time
	doc      *string
	votes    []int64
	nullable *int32
}

// TestCopyBinary writes rows with copyBinary and reads them back with pgx's
// own decoding, so that the binary format written by hand is checked by
// the server and by an independent reader, at the edges of every type.
func TestCopyBinary(t *testing.T) {
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, pgtest.MustDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `CREATE TABLE c (n integer, small smallint, num integer, big bigint, text text,
		raw bytea, at timestamptz, doc jsonb, votes bigint[], nullable integer)`); err != nil {
		t.Fatal(err)
	}
	doc := `{"kind":"photo","sha256":"ab","text":"Petare «sur»"}`
	seven := int32(7)
	cases := []copyCase{
		{name: "zeros and empties", votes: []int64{}, at: time.Unix(0, 0).UTC(), raw: []byte{}},
		{name: "the largest values", small: math.MaxInt16, num: math.MaxInt32, big: math.MaxInt64,
			text: strings.Repeat("x", 100_000), raw: []byte{0, 255, 10}, at: time.Date(9999, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
			doc: &doc, votes: []int64{math.MaxInt64, 0, 1}, nullable: &seven},
		{name: "the smallest values", small: math.MinInt16, num: math.MinInt32, big: math.MinInt64,
			text: "Chiquinquirá/MP. L\\/DIEGO", at: time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC), votes: []int64{math.MinInt64, -1}},
		{name: "a time before 2000 with microseconds", at: time.Date(1999, 12, 31, 23, 59, 59, 123_456_000, time.UTC), votes: []int64{5}},
	}
	// Enough rows to fill several of the stream's buffers.
	for i := range 3000 {
		cases = append(cases, copyCase{name: "row", num: int32(i), big: int64(i) * 1e12, text: strings.Repeat("é", i%50),
			at: time.Date(2024, 7, 28, 18, 0, i%60, i*1000, time.UTC), votes: []int64{int64(i), int64(-i)}})
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	n, err := copyBinary(ctx, tx, pgx.Identifier{"c"}, []string{"n", "small", "num", "big", "text", "raw", "at", "doc", "votes", "nullable"},
		func(w *copyRow) (bool, error) {
			if k == len(cases) {
				return false, nil
			}
			c := &cases[k]
			w.start(10)
			w.int4(int32(k))
			w.int2(c.small)
			w.int4(c.num)
			w.int8(c.big)
			w.text(c.text)
			w.bytea(c.raw)
			w.timestamptz(c.at)
			if c.doc != nil {
				w.jsonb(*c.doc)
			} else {
				w.null()
			}
			w.int8s(c.votes)
			if c.nullable != nil {
				w.int4(*c.nullable)
			} else {
				w.null()
			}
			k++
			return true, nil
		})
	if err != nil {
		t.Fatalf("copyBinary: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n != int64(len(cases)) {
		t.Fatalf("copyBinary copied %d rows, want %d", n, len(cases))
	}
	rows, err := conn.Query(ctx, `SELECT small, num, big, text, raw, at, doc::text, votes, nullable FROM c ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for rows.Next() {
		var got copyCase
		if err := rows.Scan(&got.small, &got.num, &got.big, &got.text, &got.raw, &got.at, &got.doc, &got.votes, &got.nullable); err != nil {
			t.Fatal(err)
		}
		want := cases[i]
		got.name, got.at = want.name, got.at.UTC()
		if want.raw == nil {
			want.raw = []byte{}
		}
		if want.votes == nil {
			want.votes = []int64{}
		}
		if want.doc != nil {
			// jsonb normalizes the text: compare what it stands for.
			if !strings.Contains(*got.doc, `"Petare «sur»"`) {
				t.Errorf("%s: doc %s, want the document %s", want.name, *got.doc, *want.doc)
			}
			got.doc = want.doc
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("row %d (%s): read back %+v, wrote %+v", i, want.name, got, want)
		}
		i++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(cases) {
		t.Fatalf("read back %d rows, wrote %d", i, len(cases))
	}
}

// TestCopyBinaryFails checks that a row that cannot be written fails the
// whole copy with its own error, and that the server refuses text that is
// not UTF-8, as it does any other input.
func TestCopyBinaryFails(t *testing.T) {
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, pgtest.MustDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `CREATE TABLE c (n integer, t text)`); err != nil {
		t.Fatal(err)
	}
	bad := actas.Errorf(actas.EINVALID, "station 042: evidence: no")
	tests := []struct {
		name  string
		row   func(w *copyRow, k int) error
		check func(error) bool
	}{
		{"a row's own error", func(w *copyRow, k int) error {
			if k == 5000 {
				return bad
			}
			w.start(2)
			w.int4(int32(k))
			w.text("ok")
			return nil
		}, func(err error) bool { return errors.Is(err, bad) }},
		{"text that is not UTF-8", func(w *copyRow, k int) error {
			w.start(2)
			w.int4(int32(k))
			w.text("\xff\xfe")
			return nil
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "UTF8") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(context.Background())
			k := 0
			_, err = copyBinary(ctx, tx, pgx.Identifier{"c"}, []string{"n", "t"}, func(w *copyRow) (bool, error) {
				if k == 10000 {
					return false, nil
				}
				if err := tt.row(w, k); err != nil {
					return false, err
				}
				k++
				return true, nil
			})
			if !tt.check(err) {
				t.Fatalf("copyBinary: %v", err)
			}
		})
	}
}

package storetest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
)

// Record is a record of the given kind about subject, with a small body.
func Record(kind, subject string, n int) *actas.Record {
	r, err := actas.NewRecord(kind, subject, "17", time.Date(2024, 7, 29, 3, 4, 5, 123456789, time.UTC),
		map[string]any{"n": n, "reason": "la foto se lee \"232\"", "seq": 12})
	if err != nil {
		panic(err)
	}
	return r
}

// MustRecords returns the election's records of a kind ("" for all).
func MustRecords(tb testing.TB, s actas.Store, election, kind string) []*actas.Record {
	tb.Helper()
	var out []*actas.Record
	if err := s.Records(tb.Context(), election, kind, func(r *actas.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		tb.Fatalf("Records(%s, %q): %v", election, kind, err)
	}
	return out
}

func testRecords(t *testing.T, b Backend) {
	const e = "ve-2024"
	t.Run("records are stored in one transaction, logged, and read back by kind in log order", func(t *testing.T) {
		s, addr := MustOpen(t, b)
		if err := s.CreateElection(t.Context(), Election(e), Stations()); err != nil {
			t.Fatal(err)
		}
		MustSubmit(t, s, e, Sub(actas.Witness, Sheet("001", "president", 1)))
		recs := []*actas.Record{Record("decision", "10113042.1", 1), Record("audit", "a1", 2), Record("decision", "21702002.1", 3)}
		// A time in another zone is stored in UTC.
		recs[1].Time = recs[1].Time.In(time.FixedZone("VET", -4*3600))
		if err := s.AddRecords(t.Context(), e, recs); err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			if r.Index != int64(2+i) {
				t.Errorf("record %d has log index %d, want %d (after the election and one sheet)", i, r.Index, 2+i)
			}
		}
		l := MustLog(t, s, e)
		if l.Size != 5 {
			t.Fatalf("the log has %d entries, want 5", l.Size)
		}
		for _, r := range recs {
			got := l.Parsed[r.Index]
			want := *r
			want.Index = 0
			want.Time = r.Time.UTC()
			if got.Kind != translog.KindRecord || got.Record == nil || !reflect.DeepEqual(*got.Record, want) {
				t.Fatalf("entry %d records %s %+v, want %+v", r.Index, got.Kind, got.Record, want)
			}
		}
		// Read back from another handle: the same records, in UTC.
		s.Close()
		again := MustOpenAt(t, b, addr)
		all := MustRecords(t, again, e, "")
		if len(all) != 3 {
			t.Fatalf("Records(all) = %d records, want 3", len(all))
		}
		for i, r := range all {
			if !reflect.DeepEqual(*r, *recs[i]) || r.Time.Location() != time.UTC {
				t.Errorf("record %d reads back as %+v, want %+v in UTC", i, r, recs[i])
			}
		}
		decisions := MustRecords(t, again, e, "decision")
		if len(decisions) != 2 || decisions[0].Subject != "10113042.1" || decisions[1].Subject != "21702002.1" {
			t.Errorf("Records(decision) = %+v, want the two decisions in log order", decisions)
		}
		if none := MustRecords(t, again, e, "incident"); len(none) != 0 {
			t.Errorf("Records(incident) = %+v, want none", none)
		}
		// Submissions keep their numbering around records.
		MustSubmit(t, again, e, Sub(actas.Witness, Sheet("002", "president", 2)))
		if l := MustLog(t, again, e); l.Size != 6 || l.Parsed[5].Kind != translog.KindSubmission {
			t.Errorf("after the records the next submission is entry %d of kind %s", l.Size-1, l.Parsed[l.Size-1].Kind)
		}
	})

	t.Run("a malformed record in a batch stores nothing", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			change func(r *actas.Record)
			want   string
		}{
			{"kind not an id", func(r *actas.Record) { r.Kind = "Decision" }, "not an id"},
			{"no account", func(r *actas.Record) { r.Account = "" }, "account"},
			{"subject on two lines", func(r *actas.Record) { r.Subject = "a\nb" }, "subject"},
			{"no time", func(r *actas.Record) { r.Time = time.Time{} }, "time"},
			{"body not compact", func(r *actas.Record) { r.Body = []byte(`{"n": 1}`) }, "compact"},
			{"body not an object", func(r *actas.Record) { r.Body = []byte(`"yes"`) }, "JSON object"},
			{"body too large", func(r *actas.Record) {
				r.Body = []byte(`{"reason":"` + strings.Repeat("x", actas.MaxRecordBody) + `"}`)
			}, "more than"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				s := MustOpenWithElection(t, b, e)
				bad := Record("decision", "10113042.1", 2)
				tt.change(bad)
				err := s.AddRecords(t.Context(), e, []*actas.Record{Record("decision", "10113042.1", 1), bad})
				wantCode(t, "AddRecords", err, actas.EINVALID)
				if err != nil && !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %q does not say %q", err, tt.want)
				}
				if got := MustRecords(t, s, e, ""); len(got) != 0 {
					t.Errorf("%d records stored after a refused batch", len(got))
				}
				if l := MustLog(t, s, e); l.Size != 1 {
					t.Errorf("the log has %d entries after a refused batch, want 1", l.Size)
				}
			})
		}
	})

	t.Run("records of an unknown election", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		err := s.AddRecords(t.Context(), "nope", []*actas.Record{Record("decision", "x", 1)})
		wantCode(t, "AddRecords(unknown election)", err, actas.ENOTFOUND)
		err = s.Records(t.Context(), "nope", "", func(*actas.Record) error { return nil })
		wantCode(t, "Records(unknown election)", err, actas.ENOTFOUND)
	})

	t.Run("Records stops at fn's first error and returns it", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		if err := s.AddRecords(t.Context(), e, []*actas.Record{Record("decision", "a", 1), Record("decision", "b", 2)}); err != nil {
			t.Fatal(err)
		}
		stop := errors.New("stop")
		calls := 0
		err := s.Records(t.Context(), e, "", func(*actas.Record) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("Records returned %v after %d calls, want fn's error after 1", err, calls)
		}
	})
}

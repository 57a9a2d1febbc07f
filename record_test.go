package actas_test

import (
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

func TestCheckRecord(t *testing.T) {
	at := time.Date(2024, 7, 29, 3, 4, 5, 0, time.UTC)
	ok := func() actas.Record {
		return actas.Record{Kind: "decision", Subject: "10113042.1", Account: "17", Time: at, Body: []byte(`{"verdict":"verified"}`)}
	}
	tests := []struct {
		name   string
		change func(r *actas.Record)
		want   string // "" when the record is fine
	}{
		{"a decision on a station", func(*actas.Record) {}, ""},
		{"a subject in another script", func(r *actas.Record) { r.Subject = "УИК №1234" }, ""},
		{"an empty object body", func(r *actas.Record) { r.Body = []byte(`{}`) }, ""},
		{"kind in capitals", func(r *actas.Record) { r.Kind = "Decision" }, "not an id"},
		{"no subject", func(r *actas.Record) { r.Subject = "" }, "subject"},
		{"an account with a line break", func(r *actas.Record) { r.Account = "17\n18" }, "account"},
		{"a subject of invalid UTF-8", func(r *actas.Record) { r.Subject = "\xff" }, "subject"},
		{"a subject too long", func(r *actas.Record) { r.Subject = strings.Repeat("x", 257) }, "subject"},
		{"no time", func(r *actas.Record) { r.Time = time.Time{} }, "time"},
		{"no body", func(r *actas.Record) { r.Body = nil }, "not a JSON object"},
		{"a body with spaces", func(r *actas.Record) { r.Body = []byte(`{"verdict": "verified"}`) }, "not compact JSON"},
		{"a body with a trailing newline", func(r *actas.Record) { r.Body = []byte("{}\n") }, "not compact JSON"},
		{"a body that is a number", func(r *actas.Record) { r.Body = []byte(`12`) }, "not a JSON object"},
		{"a body cut short", func(r *actas.Record) { r.Body = []byte(`{"a":`) }, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.change(&r)
			err := actas.CheckRecord(&r)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckRecord: %v, want nil", err)
			case tt.want != "" && (actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckRecord: %v, want EINVALID saying %q", err, tt.want)
			}
		})
	}
}

func TestNewRecordEncodesItsBodyCompactly(t *testing.T) {
	type decision struct {
		Verdict string `json:"verdict"`
		Reason  string `json:"reason"`
	}
	r, err := actas.NewRecord("decision", "S1", "17", time.Date(2024, 7, 29, 0, 0, 0, 0, time.FixedZone("VET", -4*3600)), decision{"accepted", "<ok> & \"yes\""})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"verdict":"accepted","reason":"\u003cok\u003e \u0026 \"yes\""}`; string(r.Body) != want {
		t.Errorf("body %s, want %s", r.Body, want)
	}
	if r.Time.Location() != time.UTC || r.Time.Hour() != 4 {
		t.Errorf("time %v, want 04:00 UTC", r.Time)
	}
	if _, err := actas.NewRecord("decision", "S1", "17", time.Now(), func() {}); actas.ErrorCode(err) != actas.EINVALID {
		t.Errorf("a body that cannot be encoded: %v, want EINVALID", err)
	}
}

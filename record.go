package actas

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Record is something people of the project did that is not a sheet: a
// coordinator's review decision, an audit's setup, an audit round. Records
// are kept append-only and each is an entry of the election's log, like
// submissions, so that nobody can later change who decided what, when and
// why. The meaning of Body depends on Kind; the packages that define a kind
// (root decisions, package audit) give it a type.
type Record struct {
	Index   int64           `json:"log_index,omitempty"` // its entry in the election's log; set by the store
	Kind    string          `json:"kind"`                // what it records: an id, e.g. "decision", "audit"
	Subject string          `json:"subject"`             // what it is about: a station code, an audit id
	Account string          `json:"account"`             // who did it: an account id, or "import" for the command line
	Time    time.Time       `json:"time"`                // when (UTC)
	Body    json.RawMessage `json:"body"`                // the kind's fields: a compact JSON object
}

// MaxRecordBody bounds a record's body: reasons and lists of stations, not
// documents (those are evidence files).
const MaxRecordBody = 256 << 10

// maxRecordText bounds a record's subject and account.
const maxRecordText = 256

// CheckRecord checks a record's form: an id for kind, subject and account
// of 1 to 256 bytes of UTF-8 text without line breaks, a time within years
// 1..9999, and a body that is a compact JSON object (json.Compact leaves it
// as it is) of at most MaxRecordBody bytes. Errors: EINVALID.
func CheckRecord(r *Record) error {
	if !ValidID(r.Kind) {
		return Errorf(EINVALID, "record kind %q is not an id", clip(r.Kind))
	}
	for _, f := range []struct{ name, v string }{{"subject", r.Subject}, {"account", r.Account}} {
		if !ValidRecordText(f.v) {
			return Errorf(EINVALID, "%s record: %s %q must be 1 to %d bytes of text on one line", r.Kind, f.name, clip(f.v), maxRecordText)
		}
	}
	if y := r.Time.Year(); r.Time.IsZero() || y < 1 || y > 9999 {
		return Errorf(EINVALID, "%s record of %s: time %v is not set or not in years 1 to 9999", r.Kind, clip(r.Subject), r.Time)
	}
	if len(r.Body) > MaxRecordBody {
		return Errorf(EINVALID, "%s record of %s: body of %d bytes, more than %d", r.Kind, clip(r.Subject), len(r.Body), MaxRecordBody)
	}
	if len(r.Body) == 0 || r.Body[0] != '{' || !json.Valid(r.Body) {
		return Errorf(EINVALID, "%s record of %s: body is not a JSON object", r.Kind, clip(r.Subject))
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, r.Body); err != nil || !bytes.Equal(compact.Bytes(), r.Body) {
		return Errorf(EINVALID, "%s record of %s: body is not compact JSON (one encoding per record, for its log entry)", r.Kind, clip(r.Subject))
	}
	return nil
}

// ValidRecordText reports whether s can be a record's subject or account:
// 1 to 256 bytes of UTF-8 without line breaks or NUL.
func ValidRecordText(s string) bool {
	return s != "" && len(s) <= maxRecordText && utf8.ValidString(s) && !strings.ContainsAny(s, "\r\n\x00")
}

// NewRecord makes a record whose body is v encoded with encoding/json
// (compact, fields in declaration order, map keys sorted), at t in UTC.
// Errors: EINVALID when v cannot be encoded or the record fails
// CheckRecord.
func NewRecord(kind, subject, account string, t time.Time, v any) (*Record, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, Errorf(EINVALID, "%s record of %s: %v", kind, clip(subject), err)
	}
	r := &Record{Kind: kind, Subject: subject, Account: account, Time: t.UTC(), Body: body}
	if err := CheckRecord(r); err != nil {
		return nil, err
	}
	return r, nil
}

// RecordStore keeps records, append-only.
type RecordStore interface {
	// AddRecords stores recs in one transaction, all or none, each
	// appended to the election's log with its Index set. Time is stored in
	// UTC to the nanosecond. Errors: ENOTFOUND for an unknown election;
	// EINVALID for a record failing CheckRecord (nothing is stored);
	// EINTERNAL for a damaged log.
	AddRecords(ctx context.Context, election string, recs []*Record) error

	// Records calls fn with each of the election's records of the given
	// kind ("" for every kind), in Index order, stopping at fn's first
	// error, which it returns. Errors: ENOTFOUND for an unknown election.
	Records(ctx context.Context, election, kind string, fn func(*Record) error) error
}

package actas

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Incident is a report of something wrong at a station or in an area, as a
// signed-in person of the election sent it. A report is private: it may name
// people or give away who reported it, so it is kept apart from the public
// log and never shown as it was sent. What the public sees is a
// coordinator's decision to publish it (an IncidentDecision record, logged),
// with a text the coordinator may have redacted.
type Incident struct {
	ID       int64     `json:"id"` // set by the store
	Election string    `json:"election"`
	Station  string    `json:"station,omitempty"` // a station code, or "" for an area
	Area     string    `json:"area"`              // canonical area path; "" is the whole election
	Category string    `json:"category"`          // one of the election's IncidentCategoryList
	Severity Severity  `json:"severity"`
	Time     time.Time `json:"time"` // when it happened, as reported (not trusted)
	Text     string    `json:"text"`
	Photos   []string  `json:"photos,omitempty"` // sha256 names of evidence files of the election
	Account  int64     `json:"account"`          // who reported it
	Received time.Time `json:"received"`         // UTC

	// Status is derived when read, from the election's incident records:
	// the latest decision about the incident, or pending.
	Status IncidentStatus `json:"status"`
}

// Severity grades an incident: 1 low, 2 medium, 3 high.
type Severity int

// The severities.
const (
	SeverityLow    Severity = 1
	SeverityMedium Severity = 2
	SeverityHigh   Severity = 3
)

// Severities lists every severity, lowest first.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh}

// String names the severity: low, medium or high.
func (s Severity) String() string {
	switch s {
	case SeverityLow:
		return "low"
	case SeverityMedium:
		return "medium"
	case SeverityHigh:
		return "high"
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// ParseSeverity accepts 1, 2, 3 or low, medium, high. Errors: EINVALID.
func ParseSeverity(s string) (Severity, error) {
	for _, v := range Severities {
		if s == v.String() || s == strconv.Itoa(int(v)) {
			return v, nil
		}
	}
	return 0, Errorf(EINVALID, "severity %q is not one of low, medium, high (1, 2, 3)", clip(s))
}

// IncidentStatus is where an incident stands in moderation.
type IncidentStatus string

// The statuses. An incident is pending until a coordinator or an admin
// decides; a later decision replaces an earlier one (a published incident
// can be withdrawn by rejecting it, or published again with another text).
const (
	IncidentPending   IncidentStatus = "pending"
	IncidentPublished IncidentStatus = "published"
	IncidentRejected  IncidentStatus = "rejected"
)

// Limits of a report: a witness's account of what happened, and a few
// photos, not a dossier.
const (
	MaxIncidentText       = 4 << 10
	MaxIncidentPhotos     = 10
	MaxIncidentCategories = 50
)

// DefaultIncidentCategories are the categories of an election whose
// definition names none.
var DefaultIncidentCategories = []string{"violence", "intimidation", "station-closed", "witness-expelled", "machine-failure", "other"}

// IncidentCategoryList returns the election's incident categories, or
// DefaultIncidentCategories when it names none. The caller must not change
// the slice.
func (e *Election) IncidentCategoryList() []string {
	if len(e.IncidentCategories) == 0 {
		return DefaultIncidentCategories
	}
	return e.IncidentCategories
}

// validateIncidentCategories checks the optional incident_categories of an
// election's definition.
func (e *Election) validateIncidentCategories() error {
	if len(e.IncidentCategories) > MaxIncidentCategories {
		return Errorf(EINVALID, "election %s: incident_categories has %d entries, more than %d", e.ID, len(e.IncidentCategories), MaxIncidentCategories)
	}
	for i, c := range e.IncidentCategories {
		if !ValidID(c) {
			return Errorf(EINVALID, "election %s: incident_categories[%d] %q must be a lower-case id", e.ID, i, c)
		}
		if slices.Contains(e.IncidentCategories[:i], c) {
			return Errorf(EINVALID, "election %s: incident category %q appears twice", e.ID, c)
		}
	}
	return nil
}

// incidentTextProblem describes why s cannot be an incident's text, or
// returns "". Line breaks and tabs are allowed: a report is prose.
func incidentTextProblem(s string) string {
	if len(s) > MaxIncidentText {
		return "is longer than " + strconv.Itoa(MaxIncidentText) + " bytes"
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return "contains a control character"
		}
	}
	return ""
}

// checkIncidentTime checks a reported time: set, within years 1..9999.
func checkIncidentTime(t time.Time) bool {
	y := t.Year()
	return !t.IsZero() && y >= 1 && y <= 9999
}

// CheckIncident checks the form of a report against its election: a
// station or an area (canonical path, or "" / National for the whole
// election; with a station, the area is the station's and the store fills
// it in), a category of the election's list, a severity, a time, a text of
// at most MaxIncidentText bytes of UTF-8 (it may be empty when photos say
// it), at most MaxIncidentPhotos distinct photos named by ValidSHA256, and
// a reporting account. It canonicalizes Area and trims Text. Whether the
// station, area and photos exist is the store's to check. Errors: EINVALID
// naming the field.
func CheckIncident(e *Election, in *Incident) error {
	if in.Election != e.ID {
		return Errorf(EINVALID, "incident: election %q is not %s", clip(in.Election), e.ID)
	}
	if in.Station != "" && !ValidRecordText(in.Station) {
		return Errorf(EINVALID, "incident: station %q is not a station code", clip(in.Station))
	}
	if in.Station == "" || in.Area != "" {
		p, err := CanonicalPath(in.Area)
		if err != nil {
			return Errorf(EINVALID, "incident: area: %s", ErrorMessage(err))
		}
		in.Area = p
	}
	if !slices.Contains(e.IncidentCategoryList(), in.Category) {
		return Errorf(EINVALID, "incident: category %q is not one of %s", clip(in.Category), strings.Join(e.IncidentCategoryList(), ", "))
	}
	if in.Severity < SeverityLow || in.Severity > SeverityHigh {
		return Errorf(EINVALID, "incident: severity %d is not 1 (low), 2 (medium) or 3 (high)", int(in.Severity))
	}
	if !checkIncidentTime(in.Time) {
		return Errorf(EINVALID, "incident: time is not set")
	}
	in.Text = strings.TrimSpace(in.Text)
	if p := incidentTextProblem(in.Text); p != "" {
		return Errorf(EINVALID, "incident: text %s", p)
	}
	if in.Text == "" && len(in.Photos) == 0 {
		return Errorf(EINVALID, "incident: say what happened, in a text or with a photo")
	}
	if len(in.Photos) > MaxIncidentPhotos {
		return Errorf(EINVALID, "incident: %d photos, more than %d", len(in.Photos), MaxIncidentPhotos)
	}
	for i, p := range in.Photos {
		if !ValidSHA256(p) {
			return Errorf(EINVALID, "incident: photos[%d] %q is not a lower-case hex SHA-256", i, clip(p))
		}
		if slices.Contains(in.Photos[:i], p) {
			return Errorf(EINVALID, "incident: photo %s appears twice", p)
		}
	}
	if in.Account <= 0 {
		return Errorf(EINVALID, "incident: no reporting account")
	}
	return nil
}

// IncidentFilter selects incidents; its zero value selects all.
type IncidentFilter struct {
	// Area selects incidents in the area or below it (a canonical path;
	// "" or National selects all).
	Area string
	// Station selects the incidents reported at one station.
	Station string
	// Status selects incidents whose latest decision gives that status.
	Status IncidentStatus
}

// InArea reports whether an incident placed at path lies within area (a
// canonical path; "" is the whole election).
func InArea(path, area string) bool {
	if area == "" || area == National {
		return true
	}
	return path == area || (strings.HasPrefix(path, area) && path[len(area)] == '/')
}

// IncidentStore keeps incident reports, append-only and private: no method
// changes or deletes one, and reports are not entries of the public log.
// Moderation decisions are records (RecordIncident), kept by RecordStore.
type IncidentStore interface {
	// ReportIncident stores in after CheckIncident against its election,
	// and sets its ID, its Area (the station's area, for a report at a
	// station), Received (in UTC; now when zero) and Status (pending).
	// Errors: ENOTFOUND for an unknown election; EINVALID when
	// CheckIncident fails, for a station or an area the election does not
	// have, an area given with a station that is not the station's, or a
	// photo the election does not store; nothing is stored.
	ReportIncident(ctx context.Context, in *Incident) error

	// Incidents returns the election's incidents that f selects, with their
	// Status, in the order they were reported. Errors: ENOTFOUND for an
	// unknown election; EINVALID for a filter with an unknown status.
	Incidents(ctx context.Context, election string, f IncidentFilter) ([]*Incident, error)
}

// RecordIncident is the kind of the records of moderation decisions; a
// record's Subject is the incident's ID in decimal.
const RecordIncident = "incident"

// The decisions about an incident.
const (
	DecisionPublish = "publish"
	DecisionReject  = "reject"
)

// IncidentDecision is the body of an incident record: a coordinator's or
// an admin's decision to publish a report, with what the public will read
// (the text may be redacted, the category, severity, place and time
// corrected), or to reject it, with a reason and nothing of the report.
// It is logged and public: nothing of the report reaches the log except
// what a publish decision states.
type IncidentDecision struct {
	Decision string   `json:"decision"` // DecisionPublish or DecisionReject
	Reason   string   `json:"reason,omitempty"`
	Category string   `json:"category,omitempty"`
	Severity Severity `json:"severity,omitempty"`
	Station  string   `json:"station,omitempty"`
	Area     string   `json:"area,omitempty"`
	Time     string   `json:"time,omitempty"` // RFC 3339, UTC
	Text     string   `json:"text,omitempty"`
}

// MaxDecisionReason bounds a rejection's reason.
const MaxDecisionReason = 1 << 10

// NewIncidentDecision makes the record of a decision d about incident in,
// by account at t. For a publish decision it fills what d leaves empty from
// the report, except the text (an empty text publishes none) and the
// photos (never published by a decision: they may show faces); for a
// reject decision it keeps only the reason. Errors: EINVALID for an unknown
// decision, a reject without a reason, a category not of e, a bad severity,
// text or place.
func NewIncidentDecision(e *Election, in *Incident, account string, t time.Time, d IncidentDecision) (*Record, error) {
	subject := strconv.FormatInt(in.ID, 10)
	switch d.Decision {
	case DecisionReject:
		d.Reason = strings.TrimSpace(d.Reason)
		if d.Reason == "" {
			return nil, Errorf(EINVALID, "incident %d: a rejection needs a reason", in.ID)
		}
		if p := textProblem(d.Reason, MaxDecisionReason); p != "" {
			return nil, Errorf(EINVALID, "incident %d: reason %s", in.ID, p)
		}
		d = IncidentDecision{Decision: DecisionReject, Reason: d.Reason}
	case DecisionPublish:
		if d.Category == "" {
			d.Category = in.Category
		}
		if !slices.Contains(e.IncidentCategoryList(), d.Category) {
			return nil, Errorf(EINVALID, "incident %d: category %q is not one of %s", in.ID, clip(d.Category), strings.Join(e.IncidentCategoryList(), ", "))
		}
		if d.Severity == 0 {
			d.Severity = in.Severity
		}
		if d.Severity < SeverityLow || d.Severity > SeverityHigh {
			return nil, Errorf(EINVALID, "incident %d: severity %d is not 1, 2 or 3", in.ID, int(d.Severity))
		}
		if d.Station == "" && d.Area == "" {
			d.Station, d.Area = in.Station, in.Area
		}
		if d.Station != "" && !ValidRecordText(d.Station) {
			return nil, Errorf(EINVALID, "incident %d: station %q is not a station code", in.ID, clip(d.Station))
		}
		p, err := CanonicalPath(d.Area)
		if err != nil {
			return nil, Errorf(EINVALID, "incident %d: area: %s", in.ID, ErrorMessage(err))
		}
		d.Area = p
		if d.Time == "" {
			d.Time = in.Time.UTC().Format(time.RFC3339)
		}
		if tt, err := time.Parse(time.RFC3339, d.Time); err != nil || !checkIncidentTime(tt) {
			return nil, Errorf(EINVALID, "incident %d: time %q is not RFC 3339", in.ID, clip(d.Time))
		}
		d.Text = strings.TrimSpace(d.Text)
		if p := incidentTextProblem(d.Text); p != "" {
			return nil, Errorf(EINVALID, "incident %d: published text %s", in.ID, p)
		}
		d.Reason = strings.TrimSpace(d.Reason)
		if p := textProblem(d.Reason, MaxDecisionReason); p != "" {
			return nil, Errorf(EINVALID, "incident %d: reason %s", in.ID, p)
		}
	default:
		return nil, Errorf(EINVALID, "incident %d: decision %q is not publish or reject", in.ID, clip(d.Decision))
	}
	return NewRecord(RecordIncident, subject, account, t, d)
}

// PublishedIncident is what the public sees of an incident: the latest
// publish decision about it.
type PublishedIncident struct {
	ID        int64     `json:"id"`
	Station   string    `json:"station,omitempty"`
	Area      string    `json:"area"`
	Category  string    `json:"category"`
	Severity  Severity  `json:"severity"`
	Time      time.Time `json:"time"`
	Text      string    `json:"text,omitempty"`
	Published time.Time `json:"published"`
	LogIndex  int64     `json:"log_index"`
}

// ParseIncidentDecision reads an incident record: the incident's ID and
// the decision. Errors: EINVALID for a record of another kind, a subject
// that is not an ID, or a body that is not a decision.
func ParseIncidentDecision(r *Record) (int64, *IncidentDecision, error) {
	if r.Kind != RecordIncident {
		return 0, nil, Errorf(EINVALID, "record %d is a %s record, not an incident decision", r.Index, r.Kind)
	}
	id, err := strconv.ParseInt(r.Subject, 10, 64)
	if err != nil || id <= 0 {
		return 0, nil, Errorf(EINVALID, "incident record %d: subject %q is not an incident id", r.Index, clip(r.Subject))
	}
	var d IncidentDecision
	if err := json.Unmarshal(r.Body, &d); err != nil {
		return 0, nil, Errorf(EINVALID, "incident record %d: %v", r.Index, err)
	}
	if d.Decision != DecisionPublish && d.Decision != DecisionReject {
		return 0, nil, Errorf(EINVALID, "incident record %d: decision %q is not publish or reject", r.Index, clip(d.Decision))
	}
	return id, &d, nil
}

// IncidentDecisions reads incident records, in log order, into the latest
// decision per incident. Records that are not decisions are skipped: they
// cannot publish anything.
func IncidentDecisions(recs []*Record) map[int64]*IncidentDecision {
	out := make(map[int64]*IncidentDecision)
	for _, r := range recs {
		if id, d, err := ParseIncidentDecision(r); err == nil {
			out[id] = d
		}
	}
	return out
}

// PublishedIncidents returns the incidents whose latest decision in recs
// (incident records in log order) publishes them, within area (a canonical
// path, "" for all), newest decision first.
func PublishedIncidents(recs []*Record, area string) []PublishedIncident {
	latest := make(map[int64]int)
	for i, r := range recs {
		if id, _, err := ParseIncidentDecision(r); err == nil {
			latest[id] = i
		}
	}
	var out []PublishedIncident
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		id, d, err := ParseIncidentDecision(r)
		if err != nil || latest[id] != i || d.Decision != DecisionPublish || !InArea(d.Area, area) {
			continue
		}
		t, _ := time.Parse(time.RFC3339, d.Time)
		out = append(out, PublishedIncident{ID: id, Station: d.Station, Area: d.Area, Category: d.Category,
			Severity: d.Severity, Time: t.UTC(), Text: d.Text, Published: r.Time, LogIndex: r.Index})
	}
	return out
}

// SetIncidentStatus sets the Status of each incident from decisions
// (IncidentDecisions).
func SetIncidentStatus(incs []*Incident, decisions map[int64]*IncidentDecision) {
	for _, in := range incs {
		in.Status = IncidentPending
		if d := decisions[in.ID]; d != nil {
			if d.Decision == DecisionPublish {
				in.Status = IncidentPublished
			} else {
				in.Status = IncidentRejected
			}
		}
	}
}

// CheckIncidentStatus checks a filter's status: "" or a known status.
// Errors: EINVALID.
func CheckIncidentStatus(s IncidentStatus) error {
	switch s {
	case "", IncidentPending, IncidentPublished, IncidentRejected:
		return nil
	}
	return Errorf(EINVALID, "incident status %q is not pending, published or rejected", clip(string(s)))
}

// Package actas holds the vocabulary of the project: elections, their
// geography, polling stations, tally sheets and their sources, submissions,
// and the interfaces that storage and tabulation implement. It does no I/O.
//
// See DESIGN.md for the meaning of each word; code, pages and documentation
// use the same words.
package actas

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Election is one polling day. It is created once, from election.json, and
// not changed afterwards: sheets refer to its contests and choices by id.
type Election struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Date     string    `json:"date"`     // YYYY-MM-DD, local
	Timezone string    `json:"timezone"` // IANA name, e.g. America/Caracas
	Open     string    `json:"open"`     // HH:MM, local
	Close    string    `json:"close"`    // HH:MM, local
	Levels   []string  `json:"levels"`   // top first, e.g. state, municipality, parish, center
	Contests []Contest `json:"contests"`

	// SecondsPerVoter is the least time one machine (or voting booth) needs
	// per voter; it bounds what a station could hold. Zero means
	// DefaultSecondsPerVoter.
	SecondsPerVoter int `json:"seconds_per_voter,omitempty"`

	// SnapshotTimes are the local times ("HH:MM", increasing) at which
	// witnesses report how many people have voted; they may include the
	// closing time. Empty means witnesses may report at any time.
	// omitempty keeps the log entry 0 of elections without them unchanged.
	SnapshotTimes []string `json:"snapshot_times,omitempty"`
	// Rules ranks the sources whose sheet may settle a station whose
	// sources disagree, most trusted first; a source left out never
	// settles one. Empty means the default: audit, witness, qr, machine,
	// official (the view checks the official result, so it must not
	// prefer it). omitempty keeps existing log entries 0 unchanged.
	Rules []Source `json:"rules,omitempty"`
	// IncidentCategories are the ids of the categories witnesses and
	// coordinators file incidents under. Empty means
	// DefaultIncidentCategories. omitempty keeps existing log entries 0
	// unchanged.
	IncidentCategories []string `json:"incident_categories,omitempty"`
}

// DefaultSecondsPerVoter is deliberately fast (Venezuela's CNE assumes 40 s
// per voter and machine): a sheet flagged as exceeding capacity at 20 s per
// voter could not have been produced by any realistic queue.
const DefaultSecondsPerVoter = 20

// Contest is one race on the ballot.
type Contest struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Choices []Choice `json:"choices"`
}

// Choice is a candidate, party or option of a contest.
type Choice struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Station produces one tally sheet per contest. Its Area is the path of a
// lowest-level area of the election.
type Station struct {
	Code       string `json:"station"`
	Area       string `json:"area"`
	Registered int64  `json:"registered"`         // 0 when the list size is unknown
	Machines   int64  `json:"machines,omitempty"` // 0 when unknown
}

// Reserved column and choice names: a choice may not use them because sheets
// CSV files put them beside the choice columns.
var reservedNames = map[string]bool{
	"station": true, "contest": true, "blank": true, "null": true,
	"ballots": true, "voters": true, "registered": true, "national": true, "machines": true, "photos": true, "qr": true, "valid": true,
}

// ReservedName reports whether s is a column or figure name that sheets and
// totals files use beside choice ids, and so cannot be a choice id.
func ReservedName(s string) bool { return reservedNames[s] }

// ValidID reports whether s can be an election, contest or choice id: 1 to
// 64 lower-case letters, digits, '_', '.', '-', starting with a letter or
// digit. Written out rather than as a regular expression: entries and files
// check millions of ids.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '_' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// Validate checks the election's form. Errors are EINVALID and name the field.
func (e *Election) Validate() error {
	if !ValidID(e.ID) {
		return Errorf(EINVALID, "election: id %q must be 1-64 lower-case letters, digits, '_', '.' or '-'", e.ID)
	}
	if strings.TrimSpace(e.Name) == "" {
		return Errorf(EINVALID, "election %s: name is empty", e.ID)
	}
	if e.Date != "" {
		if _, err := time.Parse("2006-01-02", e.Date); err != nil {
			return Errorf(EINVALID, "election %s: date %q is not YYYY-MM-DD", e.ID, e.Date)
		}
	}
	if e.Timezone != "" {
		if _, err := time.LoadLocation(e.Timezone); err != nil {
			return Errorf(EINVALID, "election %s: timezone %q is not a known IANA time zone", e.ID, e.Timezone)
		}
	}
	open, close := -1, -1
	if e.Open != "" {
		m, err := ParseClock(e.Open)
		if err != nil {
			return Errorf(EINVALID, "election %s: open: %v", e.ID, err)
		}
		open = m
	}
	if e.Close != "" {
		m, err := ParseClock(e.Close)
		if err != nil {
			return Errorf(EINVALID, "election %s: close: %v", e.ID, err)
		}
		close = m
	}
	if open >= 0 && close >= 0 && close <= open {
		return Errorf(EINVALID, "election %s: close %s is not after open %s", e.ID, e.Close, e.Open)
	}
	if e.SecondsPerVoter < 0 {
		return Errorf(EINVALID, "election %s: seconds_per_voter is negative", e.ID)
	}
	prev := -1
	for i, t := range e.SnapshotTimes {
		m, err := ParseClock(t)
		if err != nil {
			return Errorf(EINVALID, "election %s: snapshot_times[%d]: %v", e.ID, i, err)
		}
		if m <= prev {
			return Errorf(EINVALID, "election %s: snapshot_times[%d] %s is not after %s", e.ID, i, t, e.SnapshotTimes[i-1])
		}
		if (open >= 0 && m < open) || (close >= 0 && m > close) {
			return Errorf(EINVALID, "election %s: snapshot_times[%d] %s is outside opening hours %s-%s", e.ID, i, t, e.Open, e.Close)
		}
		prev = m
	}
	for i, src := range e.Rules {
		if _, err := ParseSource(string(src), false); err != nil {
			return Errorf(EINVALID, "election %s: rules[%d]: %s", e.ID, i, ErrorMessage(err))
		}
		if slices.Contains(e.Rules[:i], src) {
			return Errorf(EINVALID, "election %s: rules names source %s twice", e.ID, src)
		}
	}
	if err := e.validateIncidentCategories(); err != nil {
		return err
	}
	if len(e.Levels) == 0 {
		return Errorf(EINVALID, "election %s: levels is empty; name at least one level of the geography", e.ID)
	}
	seen := map[string]bool{}
	for i, l := range e.Levels {
		if !ValidID(l) || reservedNames[l] {
			return Errorf(EINVALID, "election %s: levels[%d] %q must be a lower-case id and not a reserved column name", e.ID, i, l)
		}
		if seen[l] {
			return Errorf(EINVALID, "election %s: level %q appears twice", e.ID, l)
		}
		seen[l] = true
	}
	if len(e.Contests) == 0 {
		return Errorf(EINVALID, "election %s: contests is empty", e.ID)
	}
	contests := map[string]bool{}
	for i, c := range e.Contests {
		if !ValidID(c.ID) {
			return Errorf(EINVALID, "election %s: contests[%d]: id %q must be a lower-case id", e.ID, i, c.ID)
		}
		if contests[c.ID] {
			return Errorf(EINVALID, "election %s: contest %q appears twice", e.ID, c.ID)
		}
		contests[c.ID] = true
		if len(c.Choices) == 0 {
			return Errorf(EINVALID, "election %s: contest %s has no choices", e.ID, c.ID)
		}
		choices := map[string]bool{}
		for j, ch := range c.Choices {
			if !ValidID(ch.ID) || reservedNames[ch.ID] {
				return Errorf(EINVALID, "election %s: contest %s: choices[%d]: id %q must be a lower-case id and not one of station, contest, blank, null, ballots, voters, registered, national", e.ID, c.ID, j, ch.ID)
			}
			if choices[ch.ID] {
				return Errorf(EINVALID, "election %s: contest %s: choice %q appears twice", e.ID, c.ID, ch.ID)
			}
			choices[ch.ID] = true
		}
	}
	return nil
}

// Contest returns the contest with the given id; an empty id selects the
// only contest of a single-contest election. Errors: ENOTFOUND, EINVALID
// (empty id with several contests).
func (e *Election) Contest(id string) (*Contest, error) {
	if id == "" {
		if len(e.Contests) == 1 {
			return &e.Contests[0], nil
		}
		ids := make([]string, len(e.Contests))
		for i, c := range e.Contests {
			ids[i] = c.ID
		}
		return nil, Errorf(EINVALID, "election %s has %d contests (%s): name one with --contest", e.ID, len(e.Contests), strings.Join(ids, ", "))
	}
	for i := range e.Contests {
		if e.Contests[i].ID == id {
			return &e.Contests[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "election %s has no contest %q", e.ID, id)
}

// ChoiceIndex returns the position of the choice with the given id, or -1.
func (c *Contest) ChoiceIndex(id string) int {
	for i, ch := range c.Choices {
		if ch.ID == id {
			return i
		}
	}
	return -1
}

// ChoiceIDs returns the contest's choice ids in ballot order.
func (c *Contest) ChoiceIDs() []string {
	ids := make([]string, len(c.Choices))
	for i, ch := range c.Choices {
		ids[i] = ch.ID
	}
	return ids
}

// Capacity is the most ballots the station could have received during
// voting hours, or 0 when unknown (no machines, or no hours).
func (e *Election) Capacity(st *Station) int64 {
	if st.Machines <= 0 || e.Open == "" || e.Close == "" {
		return 0
	}
	open, err1 := ParseClock(e.Open)
	close, err2 := ParseClock(e.Close)
	if err1 != nil || err2 != nil || close <= open {
		return 0
	}
	spv := e.SecondsPerVoter
	if spv == 0 {
		spv = DefaultSecondsPerVoter
	}
	// One extra hour: stations legally keep voting while a queue remains at closing time.
	seconds := int64(close-open+60) * 60
	return st.Machines * seconds / int64(spv)
}

// ParseClock parses HH:MM (24-hour) into minutes after midnight.
func ParseClock(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !isDigits(s[:2]) || !isDigits(s[3:]) {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q is not a time of day", s)
	}
	return h*60 + m, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatClock formats minutes after midnight as HH:MM.
func FormatClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

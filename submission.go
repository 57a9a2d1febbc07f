package actas

import (
	"fmt"
	"time"
)

// Submission is one received sheet. Once stored it is never changed or
// deleted; a correction is a new submission.
type Submission struct {
	Seq       int64      // its entry's index in the election's transparency log (1 or more); set by the store
	Election  string     // election id
	Source    Source     // who states the sheet
	Sheet     Sheet      // the numbers
	Flags     Flags      // what Check found suspicious when it was received
	Submitter string     // account id, or "import" for files loaded from the command line
	Origin    string     // where it came from, e.g. "import stations.csv sha256:…"
	Received  time.Time  // when the project received it (UTC)
	Evidence  []Evidence // photos, QR payloads, links to published images
}

// Evidence backs a submission: a photo of the sheet stored by content
// (SHA256), a link to a published image (URL), or a decoded QR payload (Text).
// A photo's Text, when set, is what its EXIF states (sheetio.EXIF.Text:
// "exif time=… lat=… lon=…"), read by the server from the stored bytes: kept
// as evidence, never trusted.
type Evidence struct {
	Kind   string `json:"kind"` // "photo", "link" or "qr"
	SHA256 string `json:"sha256,omitempty"`
	URL    string `json:"url,omitempty"`
	Text   string `json:"text,omitempty"`
}

// Outcome says what storing one submission did.
type Outcome uint8

const (
	// New: stored; the first sheet of its source for that station and contest.
	New Outcome = iota
	// Present: the same source already stated the same numbers for that
	// station and contest; nothing was stored.
	Present
	// Differing: stored; the same source earlier stated different numbers
	// for that station and contest, so the station is now in conflict.
	Differing
)

func (o Outcome) String() string {
	switch o {
	case New:
		return "new"
	case Present:
		return "already present"
	case Differing:
		return "differing"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Report counts the outcomes of an import.
type Report struct {
	New       int `json:"new"`
	Present   int `json:"already_present"`
	Differing int `json:"differing"`
}

// Add counts one outcome.
func (r *Report) Add(o Outcome) {
	switch o {
	case New:
		r.New++
	case Present:
		r.Present++
	case Differing:
		r.Differing++
	}
}

func (r Report) String() string {
	return fmt.Sprintf("%d new, %d already present, %d differing", r.New, r.Present, r.Differing)
}

// OfficialTotal is a figure the authority announced for an area without
// per-station detail. Choice is a choice id of the contest or one of blank,
// null, ballots, voters, registered. Bulletin names the announcement (e.g.
// "bulletin-2"); figures of different bulletins are kept side by side.
type OfficialTotal struct {
	Index    int64  `json:"log_index,omitempty"` // its entry in the election's log; set by the store
	Contest  string `json:"contest"`
	Bulletin string `json:"bulletin"`
	Area     string `json:"area"` // area path; "" for national
	Choice   string `json:"choice"`
	Votes    int64  `json:"votes"`
	// What the bulletin says of itself, the same on each of its totals:
	// when it was announced (zero when not known) and the share of
	// stations it claims to cover, in millionths (968700 = 96.87%; 0 when
	// not stated).
	Announced   time.Time `json:"announced,omitzero"`
	CoveragePPM int64     `json:"coverage_ppm,omitempty"`
}

// TotalFields are the non-choice figures an official total may state.
// "valid" is the valid votes a bulletin announces, which its choices
// may not add up to (a bulletin that names only the leading candidates).
var TotalFields = []string{"blank", "null", "ballots", "voters", "registered", "valid"}

// Snapshot is a turnout count at a time of day.
type Snapshot struct {
	Index   int64  `json:"log_index,omitempty"` // its entry in the election's log; set by the store
	Scope   string `json:"scope"`               // a station code, an area path, or "" for national
	Station bool   `json:"station"`             // Scope is a station code (resolved when the file is read)
	Time    int    `json:"time"`                // minutes after local midnight of election day
	Voters  int64  `json:"voters"`
	Source  Source `json:"source"`
}

// Dataset is an election with what is known about it, as read from a
// published file or produced by the simulator, ready to be stored.
type Dataset struct {
	Election *Election
	Stations []Station
	// Sheets carry Source, Sheet and Evidence; the importer sets the rest.
	Sheets    []*Submission
	Totals    []OfficialTotal
	Snapshots []Snapshot
	// Notes tell the user what a converter did beyond the obvious, e.g.
	// "skipped 97 statewide Total rows".
	Notes []string
}

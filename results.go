package actas

import "strconv"

// State says how far a station's submissions agree.
type State string

const (
	StateNone     State = "none"     // no submission
	StateSingle   State = "single"   // exactly one submission
	StateAgreed   State = "agreed"   // several submissions, all stating the same numbers (voters may be left open by some)
	StateConflict State = "conflict" // submissions state different numbers
)

// States lists every state in display order.
var States = []State{StateAgreed, StateSingle, StateConflict, StateNone}

// Totals aggregates the sheets of one source (or the reconciled sheets) over
// an area. Stations and Registered cover every station of the area;
// the other counts cover only the counted stations (those with a sheet).
type Totals struct {
	Stations          int64   `json:"stations"`
	StationsCounted   int64   `json:"stations_counted"`
	Registered        int64   `json:"registered"`
	RegisteredCounted int64   `json:"registered_counted"`
	Ballots           int64   `json:"ballots"`
	Blank             int64   `json:"blank"`
	Null              int64   `json:"null"`
	Voters            int64   `json:"voters"`          // over counted sheets that state voters
	VotersStations    int64   `json:"voters_stations"` // counted sheets that state voters
	Votes             []int64 `json:"-"`               // per choice, in ballot order
	Flagged           int64   `json:"flagged"`         // counted stations whose sheet is flagged

	// Reconciled view only: stations per state. Conflict stations without a
	// sheet the rules can stand behind are not counted.
	Agreed   int64 `json:"agreed"`
	Single   int64 `json:"single"`
	Conflict int64 `json:"conflict"`
}

// Valid is the sum of votes for choices.
func (t *Totals) Valid() int64 {
	var n int64
	for _, v := range t.Votes {
		n += v
	}
	return n
}

// Share returns choice i's fraction of valid votes (0 when none).
func (t *Totals) Share(i int) float64 {
	v := t.Valid()
	if v == 0 || i < 0 || i >= len(t.Votes) {
		return 0
	}
	return float64(t.Votes[i]) / float64(v)
}

// Turnout is ballots over the registered voters of counted stations (0 when
// unknown).
func (t *Totals) Turnout() float64 {
	if t.RegisteredCounted == 0 {
		return 0
	}
	return float64(t.Ballots) / float64(t.RegisteredCounted)
}

// StationCoverage is the fraction of stations counted.
func (t *Totals) StationCoverage() float64 {
	if t.Stations == 0 {
		return 0
	}
	return float64(t.StationsCounted) / float64(t.Stations)
}

// RegisteredCoverage is the fraction of registered voters in counted
// stations.
func (t *Totals) RegisteredCoverage() float64 {
	if t.Registered == 0 {
		return 0
	}
	return float64(t.RegisteredCounted) / float64(t.Registered)
}

// AreaResult is the tabulation of one contest and source over one area.
type AreaResult struct {
	Election string
	Contest  string
	Source   Source
	Path     string // "" for the national area
	Name     string // the area's own name; the election's name for national
	Level    string // a name of Election.Levels, or National
	Children int    // number of child areas (0 for the lowest level)
	Totals
}

// StationResult is what the project knows about one station for one contest.
type StationResult struct {
	Station Station
	Contest string
	State   State
	// Sheet is the reconciled sheet: nil when there is no submission, or when
	// the submissions conflict and the rules cannot pick one.
	Sheet *Sheet
	From  Source // the source Sheet was taken from
	Flags Flags  // of Sheet
	// Current maps each source present to the Seq of its current (latest)
	// submission; per-source views count that one.
	Current map[Source]int64
}

// SearchHit is one match of a search by station code or area name.
type SearchHit struct {
	Station string `json:"station,omitempty"` // set for a station
	Path    string `json:"area"`              // the station's area, or the matching area
	Name    string `json:"name"`
	Level   string `json:"level"`
}

// ResultService answers questions about tabulated results. Implementations
// keep the tabulation in memory and update it per accepted submission, so
// every call is cheap. Errors: ENOTFOUND for an unknown election, contest,
// area, level or station; EINVALID for a malformed path.
type ResultService interface {
	// Area returns the results of the area at path ("" for national) and of
	// its child areas, for one contest and source (a Source or Reconciled).
	Area(election, contest string, source Source, path string) (*AreaResult, []*AreaResult, error)

	// Level returns the results of every area of the named level (a name of
	// Election.Levels, or National) under the area at within, in the order
	// stations were created.
	Level(election, contest string, source Source, level, within string) ([]*AreaResult, error)

	// Stations returns the stations of the area at path (which may be at any
	// level), with their reconciled state, in creation order.
	Stations(election, contest, path string) ([]*StationResult, error)

	// StationsPage returns up to limit of those stations starting at offset,
	// and how many the area holds: pages of a large area cost only the page.
	StationsPage(election, contest, path string, offset, limit int) ([]*StationResult, int, error)

	// Station returns one station's reconciled state.
	Station(election, contest, code string) (*StationResult, error)

	// Search returns up to limit stations whose code starts with query and
	// areas whose name contains it (case- and accent-insensitive), stations
	// first.
	Search(election, query string, limit int) ([]SearchHit, error)

	// Sources returns the sources with at least one submission, in the
	// order of Sources.
	Sources(election string) []Source

	// Panel returns every station of the election, in creation order, with
	// its current sheet of one source (a Source or Reconciled) for the
	// contest: the input of the analyses.
	Panel(election, contest string, source Source) (*Panel, error)

	// MaxSeq returns the highest Seq tabulated for the election. It grows
	// whenever results change, so readers may cache what they derive from
	// results until it does.
	MaxSeq(election string) (int64, error)
}

// ResultsDocument is the stable JSON form of results shared by the command
// line (`actas results --format json`) and the API (DESIGN.md, "JSON
// outputs"). Keys may be added, never removed or renamed.
type ResultsDocument struct {
	Election string          `json:"election"`
	Contest  string          `json:"contest"`
	Source   Source          `json:"source"`
	Level    string          `json:"level"`
	Choices  []Choice        `json:"choices"`
	Areas    []*AreaDocument `json:"areas"`
}

// AreaDocument is one area of a ResultsDocument.
type AreaDocument struct {
	Area  string `json:"area"` // path; "national" for the whole election
	Name  string `json:"name"`
	Level string `json:"level"`
	Totals
	Votes              map[string]int64   `json:"votes"`
	Shares             map[string]float64 `json:"shares"` // of valid votes, 0–1
	Valid              int64              `json:"valid"`
	Turnout            float64            `json:"turnout"`             // ballots / registered_counted
	StationCoverage    float64            `json:"station_coverage"`    // stations_counted / stations
	RegisteredCoverage float64            `json:"registered_coverage"` // registered_counted / registered
}

// NewResultsDocument builds the document for areas of one contest and source.
func NewResultsDocument(e *Election, c *Contest, source Source, level string, areas []*AreaResult) *ResultsDocument {
	doc := &ResultsDocument{Election: e.ID, Contest: c.ID, Source: source, Level: level, Choices: c.Choices, Areas: make([]*AreaDocument, len(areas))}
	for i, a := range areas {
		doc.Areas[i] = NewAreaDocument(c, a)
	}
	return doc
}

// NewAreaDocument builds the document form of one area's results.
func NewAreaDocument(c *Contest, a *AreaResult) *AreaDocument {
	d := &AreaDocument{
		Area: DisplayPath(a.Path), Name: a.Name, Level: a.Level, Totals: a.Totals,
		Votes: make(map[string]int64, len(c.Choices)), Shares: make(map[string]float64, len(c.Choices)),
		Valid: a.Valid(), Turnout: a.Turnout(),
		StationCoverage: a.StationCoverage(), RegisteredCoverage: a.RegisteredCoverage(),
	}
	for i, ch := range c.Choices {
		if i < len(a.Votes) {
			d.Votes[ch.ID] = a.Votes[i]
		}
		d.Shares[ch.ID] = a.Share(i)
	}
	return d
}

// CSVHeader is the header of results in CSV form: one row per area.
func (doc *ResultsDocument) CSVHeader() []string {
	h := []string{"area", "name", "level", "stations", "stations_counted", "registered", "registered_counted",
		"ballots", "blank", "null", "voters", "valid"}
	for _, ch := range doc.Choices {
		h = append(h, ch.ID)
	}
	return append(h, "turnout", "flagged", "agreed", "single", "conflict")
}

// CSVRows returns the rows matching CSVHeader.
func (doc *ResultsDocument) CSVRows() [][]string {
	rows := make([][]string, 0, len(doc.Areas))
	for _, a := range doc.Areas {
		r := []string{a.Area, a.Name, a.Level, itoa(a.Stations), itoa(a.StationsCounted), itoa(a.Registered),
			itoa(a.RegisteredCounted), itoa(a.Ballots), itoa(a.Blank), itoa(a.Null), itoa(a.Voters), itoa(a.Valid)}
		for _, ch := range doc.Choices {
			r = append(r, itoa(a.Votes[ch.ID]))
		}
		r = append(r, strconv.FormatFloat(a.Turnout, 'f', 6, 64), itoa(a.Flagged), itoa(a.Agreed), itoa(a.Single), itoa(a.Conflict))
		rows = append(rows, r)
	}
	return rows
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

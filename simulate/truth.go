package simulate

import (
	"github.com/actasproject/actas"
)

// Truth is what really happened in a simulated election, to check analyses
// against. It is JSON-serialisable (the command writes it as truth.json).
type Truth struct {
	Seed     uint64   `json:"seed"`
	Config   Config   `json:"config"` // as run, defaults filled in
	Election string   `json:"election"`
	Contest  string   `json:"contest"`
	Choices  []string `json:"choices"` // choice ids in ballot order; Falsification.Votes follows it

	Stations        int `json:"stations"`
	WitnessStations int `json:"witness_stations"` // stations with a witness sheet

	National Tally   `json:"national"` // the true result, summed over every station's true sheet
	States   []Tally `json:"states"`   // the true result per state, in station order

	Official       Tally   `json:"official"`        // what the official sheets add up to (= Dataset.Totals)
	OfficialStates []Tally `json:"official_states"` // per state

	// Turnout is national cumulative voters at every snapshot time, true and
	// official.
	Turnout []TurnoutPoint `json:"turnout"`

	// Falsified lists the official sheets that differ from the truth, in
	// station order. Stations picked by a fraud model whose sheet it could
	// not change (no non-voters to stuff, no votes to move) are not listed.
	Falsified []Falsification `json:"falsified"`

	// WitnessErrors lists the witness sheets with a transcription slip, in
	// station order.
	WitnessErrors []Slip `json:"witness_errors"`
}

// Tally is the result over an area.
type Tally struct {
	Area       string             `json:"area"` // actas.National or a state's path
	Stations   int64              `json:"stations"`
	Registered int64              `json:"registered"`
	Ballots    int64              `json:"ballots"`
	Blank      int64              `json:"blank"`
	Null       int64              `json:"null"`
	Voters     int64              `json:"voters"`
	Valid      int64              `json:"valid"` // votes for choices
	Votes      map[string]int64   `json:"votes"`
	Shares     map[string]float64 `json:"shares"`  // fractions of valid votes
	Turnout    float64            `json:"turnout"` // ballots / registered
}

// TurnoutPoint is national cumulative voters at a time of day.
type TurnoutPoint struct {
	Time     string `json:"time"` // HH:MM
	True     int64  `json:"true"`
	Official int64  `json:"official"`
}

// Falsification is how one official sheet differs from the true one: each
// field is official minus true.
type Falsification struct {
	Station     string  `json:"station"`
	Model       string  `json:"model"`
	Beneficiary string  `json:"beneficiary"`
	Votes       []int64 `json:"votes"` // per choice, in Truth.Choices order
	Blank       int64   `json:"blank"`
	Null        int64   `json:"null"`
	Ballots     int64   `json:"ballots"`
	Voters      int64   `json:"voters"`
	// Late is how many of the added voters were recorded between 17:30
	// and 18:00 (model late-turnout).
	Late int64 `json:"late,omitempty"`
}

// Undo returns the true sheet given the official one of the same station.
func (f *Falsification) Undo(official *actas.Sheet) actas.Sheet {
	s := *official
	s.Votes = make([]int64, len(official.Votes))
	for i, v := range official.Votes {
		s.Votes[i] = v - f.Votes[i]
	}
	s.Blank -= f.Blank
	s.Null -= f.Null
	s.Ballots -= f.Ballots
	s.Voters -= f.Voters
	return s
}

// Slip is a transcription error in a witness sheet: one digit of one count.
type Slip struct {
	Station string `json:"station"`
	Field   string `json:"field"` // a choice id, blank, null or ballots
	True    int64  `json:"true"`
	Stated  int64  `json:"stated"`
}

// tally accumulates sheets over an area.
type tally struct {
	stations, registered, ballots, blank, null, voters int64
	votes                                              []int64
}

func newTallies(n, choices int) []tally {
	votes := make([]int64, n*choices)
	t := make([]tally, n)
	for i := range t {
		t[i].votes = votes[i*choices : (i+1)*choices : (i+1)*choices]
	}
	return t
}

func (t *tally) add(s *actas.Sheet, registered int64) {
	t.stations++
	t.registered += registered
	t.ballots += s.Ballots
	t.blank += s.Blank
	t.null += s.Null
	t.voters += s.Voters
	for i, v := range s.Votes {
		t.votes[i] += v
	}
}

func (t *tally) export(area string, ids []string) Tally {
	out := Tally{Area: area, Stations: t.stations, Registered: t.registered, Ballots: t.ballots,
		Blank: t.blank, Null: t.null, Voters: t.voters,
		Votes: make(map[string]int64, len(ids)), Shares: make(map[string]float64, len(ids))}
	for i, id := range ids {
		out.Votes[id] = t.votes[i]
		out.Valid += t.votes[i]
	}
	for i, id := range ids {
		if out.Valid > 0 {
			out.Shares[id] = float64(t.votes[i]) / float64(out.Valid)
		} else {
			out.Shares[id] = 0
		}
	}
	if t.registered > 0 {
		out.Turnout = float64(t.ballots) / float64(t.registered)
	}
	return out
}

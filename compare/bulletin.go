package compare

import (
	"fmt"
	"slices"
	"time"

	"github.com/actasproject/actas"
)

// BulletinCheck sets one official bulletin of an area beside the totals of
// a panel's counted sheets in the same area.
type BulletinCheck struct {
	Bulletin string       `json:"bulletin"`
	Area     string       `json:"area"`           // path; "national" for the whole election
	Time     string       `json:"time,omitempty"` // RFC 3339; absent when not known
	Source   actas.Source `json:"source"`         // of the counted sheets
	// ClaimedCoverage is the fraction of stations the bulletin says it
	// covers; null when it does not say.
	ClaimedCoverage *float64 `json:"claimed_coverage"`
	// The panel's coverage of the area: stations and registered voters
	// with a sheet, of those the station list holds.
	Stations           int64   `json:"stations"`
	StationsCounted    int64   `json:"stations_counted"`
	Registered         int64   `json:"registered"`
	RegisteredCounted  int64   `json:"registered_counted"`
	StationCoverage    float64 `json:"station_coverage"`
	RegisteredCoverage float64 `json:"registered_coverage"`
	// Choices holds every choice of the contest.
	Choices map[string]*ChoiceCheck `json:"choices"`
	// Figures holds blank, null, ballots and voters: the bulletin's figure
	// beside the counted one.
	Figures map[string]*FigureCheck `json:"figures"`
	// OfficialRegistered is the bulletin's registered voters; null when
	// not stated. Compare it with Registered, the station list's.
	OfficialRegistered *int64   `json:"official_registered"`
	Notes              []string `json:"notes"`
}

// ChoiceCheck is one choice in a BulletinCheck. Shares are of valid votes
// (votes for choices), as fractions 0–1.
type ChoiceCheck struct {
	Official *int64 `json:"official"` // null when the bulletin does not state it
	Counted  int64  `json:"counted"`
	// Difference is official − counted: negative when the bulletin gives
	// the choice fewer votes than the counted sheets alone do.
	Difference      *int64   `json:"difference"`
	OfficialShare   *float64 `json:"official_share"` // null unless the bulletin states every choice
	CountedShare    float64  `json:"counted_share"`
	ShareDifference *float64 `json:"share_difference"` // official − counted
	// BelowCounted: the bulletin gives fewer votes than the counted sheets.
	// For a final total this cannot happen if the sheets are authentic
	// (see Bound); for a partial bulletin it can.
	BelowCounted bool `json:"below_counted"`
}

// FigureCheck is one non-choice figure in a BulletinCheck.
type FigureCheck struct {
	Official *int64 `json:"official"` // null when not stated
	// Counted is null for voters unless every counted sheet states them.
	Counted    *int64 `json:"counted"`
	Difference *int64 `json:"difference"` // official − counted
}

// CompareBulletins sets each bulletin beside the panel's counted totals in
// the bulletin's area, in the order of the bulletins' times (unknown times
// first), then ids, then area paths. Errors: EINVALID for a malformed panel
// or bulletin, ENOTFOUND for a bulletin whose area holds no station.
func CompareBulletins(p *actas.Panel, bulletins []*actas.Bulletin) ([]*BulletinCheck, error) {
	if err := checkPanel(p, "panel"); err != nil {
		return nil, err
	}
	order := slices.Clone(bulletins)
	for i, b := range order {
		if err := checkBulletin(p, b); err != nil {
			return nil, fmt.Errorf("bulletins[%d]: %w", i, err)
		}
	}
	slices.SortStableFunc(order, func(x, y *actas.Bulletin) int {
		if c := x.Time.Compare(y.Time); c != 0 {
			return c
		}
		if x.ID != y.ID {
			if x.ID < y.ID {
				return -1
			}
			return 1
		}
		switch {
		case x.Area < y.Area:
			return -1
		case x.Area > y.Area:
			return 1
		}
		return 0
	})
	areas := make([]string, len(order))
	for i, b := range order {
		area, err := actas.CanonicalPath(b.Area)
		if err != nil {
			return nil, fmt.Errorf("bulletin %s: %w", b.ID, err)
		}
		areas[i] = area
	}
	tallies := tallyAreas(p, areas)
	out := make([]*BulletinCheck, 0, len(order))
	for i, b := range order {
		t := tallies[areas[i]]
		if t.stations == 0 {
			return nil, actas.Errorf(actas.ENOTFOUND, "compare: bulletin %s: no station of election %s lies in area %s",
				b.ID, p.Election.ID, actas.DisplayPath(areas[i]))
		}
		out = append(out, checkOne(p, b, areas[i], t))
	}
	return out, nil
}

// tallyAreas sums p's sheets over each of the given areas (canonical
// paths, "" for national) in one pass over the stations: bulletins of
// every state cost one pass, not one each.
func tallyAreas(p *actas.Panel, areas []string) map[string]*tally {
	k := len(p.Contest.Choices)
	out := map[string]*tally{}
	byParts := map[int]bool{} // how many names the areas' paths have
	for _, a := range areas {
		if out[a] == nil {
			out[a] = &tally{votes: make([]int64, k)}
			names, _ := actas.SplitPath(a)
			byParts[len(names)] = true
		}
	}
	parts := make([]int, 0, len(byParts))
	for n := range byParts {
		parts = append(parts, n)
	}
	slices.Sort(parts)
	for i := range p.Stations {
		st := &p.Stations[i]
		for _, n := range parts {
			a := areaPrefix(st.Area, n)
			if t := out[a]; t != nil {
				t.add(st, p.Sheets[i])
			}
		}
	}
	return out
}

// checkBulletin checks a bulletin's form against the panel's contest.
func checkBulletin(p *actas.Panel, b *actas.Bulletin) error {
	if b == nil {
		return actas.Errorf(actas.EINVALID, "compare: no bulletin")
	}
	if len(b.Votes) != len(p.Contest.Choices) {
		return actas.Errorf(actas.EINVALID, "compare: bulletin %s: %d vote counts for contest %s, which has %d choices",
			b.ID, len(b.Votes), p.Contest.ID, len(p.Contest.Choices))
	}
	if b.Coverage < 0 || b.Coverage > 1 {
		return actas.Errorf(actas.EINVALID, "compare: bulletin %s: coverage %v is not a fraction between 0 and 1", b.ID, b.Coverage)
	}
	return nil
}

func checkOne(p *actas.Panel, b *actas.Bulletin, area string, t *tally) *BulletinCheck {
	c := p.Contest
	bc := &BulletinCheck{
		Bulletin: b.ID, Area: actas.DisplayPath(area), Source: p.Source,
		Stations: t.stations, StationsCounted: t.counted, Registered: t.registered, RegisteredCounted: t.registeredCount,
		StationCoverage: ratio(t.counted, t.stations), RegisteredCoverage: ratio(t.registeredCount, t.registered),
		Choices: make(map[string]*ChoiceCheck, len(c.Choices)), Figures: map[string]*FigureCheck{},
		OfficialRegistered: stated(b.Registered), Notes: []string{},
	}
	if !b.Time.IsZero() {
		bc.Time = b.Time.Format(time.RFC3339)
	}
	if b.Coverage > 0 {
		v := b.Coverage
		bc.ClaimedCoverage = &v
	}
	allStated := true
	for _, v := range b.Votes {
		if v < 0 {
			allStated = false
		}
	}
	officialValid, countedValid := b.Valid(), t.valid()
	var below []string
	for j, ch := range c.Choices {
		cc := &ChoiceCheck{Official: stated(b.Votes[j]), Counted: t.votes[j], CountedShare: ratio(t.votes[j], countedValid)}
		if cc.Official != nil {
			d := *cc.Official - cc.Counted
			cc.Difference = &d
			cc.BelowCounted = d < 0
			if d < 0 {
				below = append(below, fmt.Sprintf("%s: %s announced, %s on the counted sheets (%s)",
					choiceLabel(c, j), group(*cc.Official), group(cc.Counted), group(d)))
			}
		}
		if allStated && officialValid > 0 {
			s := ratio(b.Votes[j], officialValid)
			sd := s - cc.CountedShare
			cc.OfficialShare, cc.ShareDifference = &s, &sd
		}
		bc.Choices[ch.ID] = cc
	}
	for _, f := range []struct {
		name             string
		official, counts int64
		ok               bool
	}{
		{"blank", b.Blank, t.blank, true},
		{"null", b.Null, t.null, true},
		{"ballots", b.Ballots, t.ballots, true},
		{"voters", b.Voters, t.voters, t.votersStations == t.counted},
	} {
		fc := &FigureCheck{Official: stated(f.official)}
		if f.ok {
			fc.Counted = ptr(f.counts)
		} else {
			bc.Notes = append(bc.Notes, fmt.Sprintf("Voters: %s of the %s counted sheets state voters, so there is no counted figure to compare.",
				group(t.votersStations), group(t.counted)))
		}
		if fc.Official != nil && fc.Counted != nil {
			fc.Difference = ptr(*fc.Official - f.counts)
		}
		bc.Figures[f.name] = fc
	}

	if !allStated {
		bc.Notes = append(bc.Notes, "The bulletin does not state every choice, so its shares are not given: a share of the stated choices alone would overstate each.")
	}
	switch {
	case b.Coverage > 0:
		bc.Notes = append(bc.Notes, fmt.Sprintf("The bulletin claims %s of the stations; the %s sheets cover %s of the stations and %s of the registered voters the station list holds.",
			pct(b.Coverage), p.Source, pct(bc.StationCoverage), pct(bc.RegisteredCoverage)))
	default:
		bc.Notes = append(bc.Notes, fmt.Sprintf("The bulletin states no coverage; the %s sheets cover %s of the stations and %s of the registered voters the station list holds.",
			p.Source, pct(bc.StationCoverage), pct(bc.RegisteredCoverage)))
	}
	if b.Registered > 0 && b.Registered != t.registered {
		why := "the list lacks stations the authority counts"
		if b.Registered < t.registered {
			why = "the list holds more voters than the authority counts"
		}
		bc.Notes = append(bc.Notes, fmt.Sprintf("The bulletin states %s registered voters, the station list %s (difference %s): %s.",
			group(b.Registered), group(t.registered), group(b.Registered-t.registered), why))
	}
	for _, s := range below {
		bc.Notes = append(bc.Notes, "Below the counted sheets: "+s+".")
	}
	return bc
}

// stated returns a pointer to a figure, or nil when it is Unknown.
func stated(v int64) *int64 {
	if v < 0 {
		return nil
	}
	return &v
}

func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

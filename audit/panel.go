package audit

import (
	"github.com/actasproject/actas"
)

// FromPanel builds the batches of an audit from a panel of the official
// source: one batch per station with an official sheet, its ID the station
// code, its ballots and votes the sheet's, in station order (the order
// the sample depends on). It also returns the codes of the stations
// without an official sheet: their votes are in no batch, so when the
// authority's announced totals include them (Setup.Totals) they count as
// unauditable against every margin. Errors: EINVALID for a panel of another
// source, or a sheet whose votes do not match the contest's choices.
func FromPanel(p *actas.Panel) (batches []Batch, missing []string, err error) {
	if p == nil || p.Contest == nil {
		return nil, nil, actas.Errorf(actas.EINVALID, "audit: no panel or no contest")
	}
	if p.Source != actas.Official {
		return nil, nil, actas.Errorf(actas.EINVALID, "audit %s: the batches must be the official per-station results, not source %q", p.Contest.ID, p.Source)
	}
	c := len(p.Contest.Choices)
	n := p.Counted()
	batches = make([]Batch, 0, n)
	// One backing array for every batch's votes: a million stations, one
	// allocation.
	votes := make([]int64, 0, n*c)
	for i, sh := range p.Sheets {
		if sh == nil {
			missing = append(missing, p.Stations[i].Code)
			continue
		}
		if len(sh.Votes) != c {
			return nil, nil, actas.Errorf(actas.EINVALID, "audit %s: official sheet of station %s has %d vote counts for %d choices", p.Contest.ID, p.Stations[i].Code, len(sh.Votes), c)
		}
		start := len(votes)
		votes = append(votes, sh.Votes...)
		batches = append(batches, Batch{ID: p.Stations[i].Code, Ballots: sh.Ballots, Votes: votes[start:len(votes):len(votes)]})
	}
	return batches, missing, nil
}

// CountFromSheet returns the hand count a sheet of source audit states.
func CountFromSheet(s *actas.Sheet) HandCount {
	return HandCount{Ballots: s.Ballots, Votes: s.Votes}
}

package opendata

import (
	"fmt"
	"io"

	"github.com/actasproject/actas"
)

// The OpenElections columns (github.com/openelections, "precinct-level
// results"), then ours: the ids behind office and candidate, the source,
// and the name of the station's area at each level.
var openElectionsFixed = []string{"county", "precinct", "office", "district", "party", "candidate", "votes", "contest", "choice", "source"}

// Office and candidate names of the rows that are not votes for a choice,
// as OpenElections files name them (and sheetio's openelections layout
// reads them back): a blank ballot left the contest unmarked, an under
// vote; a null ballot is spoiled, which OpenElections files count as over
// votes. The choice column says blank and null plainly.
const (
	oeRegistered = "Registered Voters"
	oeBallots    = "Ballots Cast"
	oeBlank      = "Under Votes"
	oeNull       = "Over Votes"
)

// OpenElectionsHeader returns the header of the OpenElections-style CSV:
// county, precinct, office, district, party, candidate, votes, contest,
// choice, source, then one column per level.
func OpenElectionsHeader(e *actas.Election) []string {
	lv, _ := columnNames(openElectionsFixed, e.Levels, nil)
	return append(append([]string{}, openElectionsFixed...), lv...)
}

// WriteOpenElections writes one source's sheets (Options.Sources; official
// by default) in the long layout of OpenElections: one row per station and
// choice. county is the station's top-level area, precinct the station
// code, office the contest's name, candidate the choice's name; district
// and party stay empty (contests are election-wide, and the election file
// does not tie choices to parties). Each station with a sheet first gets a
// "Registered Voters" row (when its list size is known), then per contest
// a row per choice, an "Under Votes" (blank) and an "Over Votes" (null)
// candidate row in that office, and a "Ballots Cast" office row. Stations are in creation order. Errors:
// as Write.
func WriteOpenElections(w io.Writer, e *actas.Election, r Results, opt Options) error {
	contests, err := opt.contests(e)
	if err != nil {
		return err
	}
	src, err := opt.oneSource()
	if err != nil {
		return err
	}
	panels := make([]*actas.Panel, len(contests))
	for k, c := range contests {
		if panels[k], err = r.Panel(e.ID, c.ID, src); err != nil {
			return fmt.Errorf("export %s %s: %w", c.ID, src, err)
		}
	}
	rw := newRowWriter(w)
	for _, h := range OpenElectionsHeader(e) {
		rw.str(h)
	}
	if err := rw.end(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	stations := panels[0].Stations
	prog := progress{fn: opt.Progress, total: len(stations)}
	var names areaNames
	reported := 0
	for i := range stations {
		if i-reported == progressEvery {
			prog.add(progressEvery)
			reported = i
		}
		any := false
		for _, p := range panels {
			any = any || p.Sheets[i] != nil
		}
		if !any {
			continue
		}
		st := &stations[i]
		areas, err := names.split(st.Area)
		if err != nil {
			return fmt.Errorf("export: station %s: %w", st.Code, err)
		}
		// row writes one row: office, candidate, votes, contest, choice.
		row := func(office, candidate string, votes int64, contest, choice string) error {
			county := ""
			if len(areas) > 0 {
				county = areas[0]
			}
			rw.str(county)
			rw.str(st.Code)
			rw.str(office)
			rw.empty() // district
			rw.empty() // party
			rw.str(candidate)
			rw.int(votes)
			rw.str(contest)
			rw.str(choice)
			rw.str(string(src))
			for l := range e.Levels {
				if l < len(areas) {
					rw.str(areas[l])
				} else {
					rw.empty()
				}
			}
			return rw.end()
		}
		if st.Registered > 0 {
			if err := row(oeRegistered, "", st.Registered, "", "registered"); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
		for k, c := range contests {
			s := panels[k].Sheets[i]
			if s == nil {
				continue
			}
			for j, ch := range c.Choices {
				if err := row(c.Name, ch.Name, s.Votes[j], c.ID, ch.ID); err != nil {
					return fmt.Errorf("export: %w", err)
				}
			}
			if err := row(c.Name, oeBlank, s.Blank, c.ID, "blank"); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if err := row(c.Name, oeNull, s.Null, c.ID, "null"); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if err := row(oeBallots, "", s.Ballots, c.ID, "ballots"); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
	}
	prog.add(len(stations) - reported)
	if err := rw.flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

package opendata

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/actasproject/actas"
)

// NIST SP 1500-100 v2 ReportingUnitType values a level may be named by;
// any other level is "other" with its name as OtherType.
var nistUnitTypes = []string{"ballot-batch", "ballot-style-area", "borough", "city", "city-council",
	"combined-precinct", "congressional", "country", "county", "county-council", "drop-box", "judicial",
	"municipality", "polling-place", "precinct", "school", "special", "split-precinct", "state",
	"state-house", "state-senate", "town", "township", "utility", "village", "vote-center", "ward", "water"}

// Identifiers of the NIST file's objects. Station codes are unique in an
// election and area ids are their creation order, so ids are unique; they
// are stable for one election across exports.
const (
	nistNational = "gpu-national"
	nistArea     = "gpu-area-" // + creation index, from 1
	nistStation  = "gpu-station-"
)

// nistAreaNode is one area of the geography, as a NIST ReportingUnit.
type nistAreaNode struct {
	path, name   string
	level        int
	parent       int // index in the areas slice; -1 for a top-level area
	children     []int
	stations     []int32
	registered   int64
	participated int64
}

// buildAreas returns every area of the stations' geography, parents before
// children, in the order stations first name them.
func buildAreas(stations []actas.Station) ([]*nistAreaNode, error) {
	var areas []*nistAreaNode
	index := map[string]int{}
	var missing []string
	for i := range stations {
		path := stations[i].Area
		if _, ok := index[path]; !ok {
			missing = missing[:0]
			for p := path; p != ""; p = actas.ParentPath(p) {
				if _, ok := index[p]; ok {
					break
				}
				missing = append(missing, p)
			}
			for _, p := range slices.Backward(missing) {
				names, err := actas.SplitPath(p)
				if err != nil {
					return nil, fmt.Errorf("station %s: %w", stations[i].Code, err)
				}
				a := &nistAreaNode{path: p, name: names[len(names)-1], level: len(names) - 1, parent: -1}
				if pp := actas.ParentPath(p); pp != "" {
					a.parent = index[pp]
					areas[a.parent].children = append(areas[a.parent].children, len(areas))
				}
				index[p] = len(areas)
				areas = append(areas, a)
			}
		}
		if path != "" {
			areas[index[path]].stations = append(areas[index[path]].stations, int32(i))
		}
	}
	return areas, nil
}

// nistWriter streams JSON into one reused buffer.
type nistWriter struct {
	w   *bufio.Writer
	b   []byte
	err error
}

func (j *nistWriter) raw(s string) { j.b = append(j.b, s...) }
func (j *nistWriter) str(s string) { j.b = appendJSONString(j.b, s) }
func (j *nistWriter) int(n int64)  { j.b = strconv.AppendInt(j.b, n, 10) }
func (j *nistWriter) key(k string) { j.b = append(append(append(j.b, '"'), k...), '"', ':') }
func (j *nistWriter) id(prefix, s string) {
	j.b = append(j.b, '"')
	j.b = append(j.b, prefix...)
	j.b = appendJSONText(j.b, s)
	j.b = append(j.b, '"')
}

// text writes an InternationalizedText.
func (j *nistWriter) text(s, lang string) {
	j.raw(`{"@type":"ElectionResults.InternationalizedText","Text":[{"@type":"ElectionResults.LanguageString","Content":`)
	j.str(s)
	j.raw(`,"Language":`)
	j.str(lang)
	j.raw(`}]}`)
}

// spill writes the buffer out once it is large. After a write error it
// drops what follows: the error is returned when the caller next looks.
func (j *nistWriter) spill() {
	if len(j.b) < 64<<10 {
		return
	}
	if j.err == nil {
		_, j.err = j.w.Write(j.b)
	}
	j.b = j.b[:0]
}

func (j *nistWriter) flush() error {
	if j.err == nil {
		_, j.err = j.w.Write(j.b)
		j.b = j.b[:0]
	}
	if j.err == nil {
		j.err = j.w.Flush()
	}
	return j.err
}

// WriteNIST writes one source's sheets (Options.Sources; official by
// default) as a NIST SP 1500-100 version 2 ElectionReport in JSON, Format
// "precinct-level": a ReportingUnit for the whole election (Type country),
// for every area (Type its level's name when NIST has it, else other) and
// for every station (Type precinct: the unit a precinct-level report
// counts), with VotersRegistered and VotersParticipated (a sheet's voters
// when stated, else its ballots, of the first contest exported; areas sum
// their stations'); a Candidate per choice; a CandidateContest per contest
// with a CandidateSelection per choice whose VoteCounts give each station's
// votes (Type total), and OtherCounts giving each station's blank ballots
// as Undervotes and null ballots as Overvotes. Status is
// unofficial-complete when every station has a sheet of every contest
// exported, else unofficial-partial: actas certifies nothing. Errors: as
// Write.
func WriteNIST(w io.Writer, e *actas.Election, r Results, opt Options) error {
	contests, err := opt.contests(e)
	if err != nil {
		return err
	}
	src, err := opt.oneSource()
	if err != nil {
		return err
	}
	lang := opt.Language
	if lang == "" {
		lang = "und"
	}
	vendor := opt.Vendor
	if vendor == "" {
		vendor = "actas"
	}
	generated := opt.Generated
	if generated.IsZero() {
		generated = time.Now()
	}
	date := e.Date
	if date == "" {
		date = generated.UTC().Format(time.DateOnly)
	}

	// The first contest's panel gives the stations and their turnout; the
	// others are read one at a time when their contest is written.
	first, err := r.Panel(e.ID, contests[0].ID, src)
	if err != nil {
		return fmt.Errorf("export %s %s: %w", contests[0].ID, src, err)
	}
	stations := first.Stations
	areas, err := buildAreas(stations)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var natRegistered, natParticipated int64
	participated := func(s *actas.Sheet) int64 {
		if s.Voters != actas.Unknown {
			return s.Voters
		}
		return s.Ballots
	}
	for _, a := range areas {
		for _, i := range a.stations {
			a.registered += stations[i].Registered
			if s := first.Sheets[i]; s != nil {
				a.participated += participated(s)
			}
		}
	}
	for k := len(areas) - 1; k >= 0; k-- { // children come after their parents
		a := areas[k]
		if a.parent >= 0 {
			areas[a.parent].registered += a.registered
			areas[a.parent].participated += a.participated
		} else {
			natRegistered += a.registered
			natParticipated += a.participated
		}
	}

	j := &nistWriter{w: bufio.NewWriterSize(w, 256<<10), b: make([]byte, 0, 96<<10)}
	prog := progress{fn: opt.Progress, total: len(stations) * (1 + len(contests))}

	j.raw(`{"@type":"ElectionResults.ElectionReport","Format":"precinct-level","GeneratedDate":`)
	j.str(generated.UTC().Format("2006-01-02T15:04:05Z"))
	j.raw(`,"Issuer":"actas","IssuerAbbreviation":"actas","SequenceStart":1,"SequenceEnd":1`)
	complete := true // every station has a sheet of every contest; Status comes last, once known
	j.raw(`,"VendorApplicationId":`)
	j.str(vendor)
	j.raw(`,"Notes":`)
	j.str(fmt.Sprintf("Per-station results of election %s from source %s, as collected and checked by actas; every count is traceable to its sheet and transparency log entry.", e.ID, src))

	// GpUnits: the election, its areas, its stations.
	j.raw(`,"GpUnit":[{"@id":"` + nistNational + `","@type":"ElectionResults.ReportingUnit","Type":"country","Name":`)
	j.text(e.Name, lang)
	j.raw(`,"ElectionAdministration":{"@type":"ElectionResults.ElectionAdministration"`)
	if opt.Administration != "" {
		j.raw(`,"Name":`)
		j.str(opt.Administration)
	}
	j.raw(`},"ComposingGpUnitIds":[`)
	n := 0
	for k, a := range areas {
		if a.parent < 0 {
			if n > 0 {
				j.raw(",")
			}
			j.id(nistArea, strconv.Itoa(k+1))
			n++
		}
	}
	j.raw(`],"VotersRegistered":`)
	j.int(natRegistered)
	j.raw(`,"VotersParticipated":`)
	j.int(natParticipated)
	j.raw(`}`)
	for k, a := range areas {
		j.raw(`,{"@id":`)
		j.id(nistArea, strconv.Itoa(k+1))
		j.raw(`,"@type":"ElectionResults.ReportingUnit","Type":`)
		level := ""
		if a.level < len(e.Levels) {
			level = e.Levels[a.level]
		}
		if slices.Contains(nistUnitTypes, level) {
			j.str(level)
		} else {
			j.raw(`"other","OtherType":`)
			j.str(level)
		}
		j.raw(`,"Name":`)
		j.text(a.name, lang)
		j.raw(`,"ExternalIdentifier":[{"@type":"ElectionResults.ExternalIdentifier","Type":"other","OtherType":"actas-area-path","Value":`)
		j.str(a.path)
		j.raw(`}],"ComposingGpUnitIds":[`)
		for c, child := range a.children {
			if c > 0 {
				j.raw(",")
			}
			j.id(nistArea, strconv.Itoa(child+1))
		}
		for c, i := range a.stations {
			if c > 0 || len(a.children) > 0 {
				j.raw(",")
			}
			j.id(nistStation, stations[i].Code)
			j.spill()
		}
		j.raw(`],"VotersRegistered":`)
		j.int(a.registered)
		j.raw(`,"VotersParticipated":`)
		j.int(a.participated)
		j.raw(`}`)
		j.spill()
	}
	reported := 0
	for i := range stations {
		if i-reported == progressEvery {
			prog.add(progressEvery)
			reported = i
		}
		st := &stations[i]
		j.raw(`,{"@id":`)
		j.id(nistStation, st.Code)
		j.raw(`,"@type":"ElectionResults.ReportingUnit","Type":"precinct","Name":`)
		j.text(st.Code, lang)
		if st.Registered > 0 {
			j.raw(`,"VotersRegistered":`)
			j.int(st.Registered)
		}
		if s := first.Sheets[i]; s != nil {
			j.raw(`,"VotersParticipated":`)
			j.int(participated(s))
		}
		j.raw(`}`)
		j.spill()
	}
	prog.add(len(stations) - reported)
	if j.err != nil {
		return fmt.Errorf("export: %w", j.err)
	}

	// The election: its candidates, then its contests with the counts.
	j.raw(`],"Election":[{"@type":"ElectionResults.Election","ElectionScopeId":"` + nistNational + `","Name":`)
	j.text(e.Name, lang)
	j.raw(`,"StartDate":`)
	j.str(date)
	j.raw(`,"EndDate":`)
	j.str(date)
	j.raw(`,"Type":"general","Candidate":[`)
	for k, c := range contests {
		for i, ch := range c.Choices {
			if k > 0 || i > 0 {
				j.raw(",")
			}
			j.raw(`{"@id":`)
			j.id("cand-"+c.ID+"-", ch.ID)
			j.raw(`,"@type":"ElectionResults.Candidate","BallotName":`)
			j.text(ch.Name, lang)
			j.raw(`}`)
		}
	}
	j.raw(`],"Contest":[`)
	for k, c := range contests {
		p := first
		if k > 0 {
			if p, err = r.Panel(e.ID, c.ID, src); err != nil {
				return fmt.Errorf("export %s %s: %w", c.ID, src, err)
			}
		}
		if k > 0 {
			j.raw(",")
		}
		counted := p.Counted()
		complete = complete && counted == len(p.Sheets)
		j.raw(`{"@id":`)
		j.id("contest-", c.ID)
		j.raw(`,"@type":"ElectionResults.CandidateContest","Name":`)
		j.str(c.Name)
		j.raw(`,"ElectionDistrictId":"` + nistNational + `","VotesAllowed":1,"SequenceOrder":`)
		j.int(int64(k + 1))
		j.raw(`,"SubUnitsReported":`)
		j.int(int64(counted))
		j.raw(`,"TotalSubUnits":`)
		j.int(int64(len(p.Sheets)))
		j.raw(`,"ContestSelection":[`)
		for ci, ch := range c.Choices {
			if ci > 0 {
				j.raw(",")
			}
			j.raw(`{"@id":`)
			j.id("sel-"+c.ID+"-", ch.ID)
			j.raw(`,"@type":"ElectionResults.CandidateSelection","SequenceOrder":`)
			j.int(int64(ci + 1))
			j.raw(`,"CandidateIds":[`)
			j.id("cand-"+c.ID+"-", ch.ID)
			j.raw(`],"VoteCounts":[`)
			n := 0
			for i, s := range p.Sheets {
				if s == nil {
					continue
				}
				if n > 0 {
					j.raw(",")
				}
				n++
				j.raw(`{"@type":"ElectionResults.VoteCounts","GpUnitId":`)
				j.id(nistStation, p.Stations[i].Code)
				j.raw(`,"Type":"total","Count":`)
				j.int(s.Votes[ci])
				j.raw(`}`)
				j.spill()
			}
			j.raw(`]}`)
		}
		j.raw(`],"OtherCounts":[`)
		n := 0
		reported := 0
		for i, s := range p.Sheets {
			if i-reported == progressEvery {
				prog.add(progressEvery)
				reported = i
			}
			if s == nil {
				continue
			}
			if n > 0 {
				j.raw(",")
			}
			n++
			j.raw(`{"@type":"ElectionResults.OtherCounts","GpUnitId":`)
			j.id(nistStation, p.Stations[i].Code)
			j.raw(`,"Undervotes":`)
			j.int(s.Blank)
			j.raw(`,"Overvotes":`)
			j.int(s.Null)
			j.raw(`}`)
			j.spill()
		}
		prog.add(len(p.Sheets) - reported)
		j.raw(`]}`)
		if j.err != nil {
			return fmt.Errorf("export: %w", j.err)
		}
	}
	status := "unofficial-partial"
	if complete {
		status = "unofficial-complete"
	}
	j.raw(`]}],"Status":"` + status + "\"}\n")
	if err := j.flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

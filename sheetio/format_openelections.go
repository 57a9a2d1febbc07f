package sheetio

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/actasproject/actas"
)

// The openelections layout: precinct results as published by OpenElections
// (github.com/openelections), one row per precinct, contest and candidate:
//
//	county,election_district|precinct,office,district,party,candidate,votes[,election_day,absentee,…]
//
// in a file named YYYYMMDD__st__type[__…]__precinct.csv, which gives the
// election: id "st-YYYY-MM-DD" (with "-type" added unless the type is
// general), its date and, for a state in one time zone, that zone.
//
// Areas have one level, county. Stations are precincts, coded by the
// precinct alone when no precinct name repeats in another county (true of
// Delaware, whose election districts are numbered statewide), otherwise by
// "<county>:<precinct>" for every precinct of the file. Registered voters
// are not stated (0) unless the file has "Registered Voters" rows.
//
// A contest is an (office, district) pair, with id slug(office) or
// slug(office)-slug(district), e.g. "president", "u-s-house",
// "state-senate-5". A choice is a (candidate, party) pair, with id
// slug(candidate) (or slug(candidate)-slug(party) when two parties list the
// same candidate) and name "Clinton H (DEMOCRATIC)". A precinct gets a sheet
// only for the contests it has rows for; Ballots is the sum of its rows.
//
// Rows that are not a precinct's votes are left out and counted: rows whose
// precinct or county is "Total" (OpenElections files carry statewide totals
// labelled with a county, which would double every figure), and "Ballots
// Cast" rows. "Over Votes" and "Under Votes" candidates become the sheet's
// null and blank counts.

// oeStats says what a conversion left out.
type oeStats struct {
	TotalRows  int // rows whose precinct or county is "Total"
	OtherRows  int // rows that state no contest's votes, e.g. "Ballots Cast"
	Registered int // rows that gave a precinct's registered voters
}

// oeStates names each state and, when the whole state keeps one time zone,
// that zone.
var oeStates = map[string][2]string{
	"al": {"Alabama", "America/Chicago"}, "ak": {"Alaska", ""}, "az": {"Arizona", ""},
	"ar": {"Arkansas", "America/Chicago"}, "ca": {"California", "America/Los_Angeles"},
	"co": {"Colorado", "America/Denver"}, "ct": {"Connecticut", "America/New_York"},
	"de": {"Delaware", "America/New_York"}, "dc": {"District of Columbia", "America/New_York"},
	"fl": {"Florida", ""}, "ga": {"Georgia", "America/New_York"}, "hi": {"Hawaii", "Pacific/Honolulu"},
	"id": {"Idaho", ""}, "il": {"Illinois", "America/Chicago"}, "in": {"Indiana", ""},
	"ia": {"Iowa", "America/Chicago"}, "ks": {"Kansas", ""}, "ky": {"Kentucky", ""},
	"la": {"Louisiana", "America/Chicago"}, "me": {"Maine", "America/New_York"},
	"md": {"Maryland", "America/New_York"}, "ma": {"Massachusetts", "America/New_York"},
	"mi": {"Michigan", ""}, "mn": {"Minnesota", "America/Chicago"}, "ms": {"Mississippi", "America/Chicago"},
	"mo": {"Missouri", "America/Chicago"}, "mt": {"Montana", "America/Denver"}, "ne": {"Nebraska", ""},
	"nv": {"Nevada", "America/Los_Angeles"}, "nh": {"New Hampshire", "America/New_York"},
	"nj": {"New Jersey", "America/New_York"}, "nm": {"New Mexico", "America/Denver"},
	"ny": {"New York", "America/New_York"}, "nc": {"North Carolina", "America/New_York"},
	"nd": {"North Dakota", ""}, "oh": {"Ohio", "America/New_York"}, "ok": {"Oklahoma", "America/Chicago"},
	"or": {"Oregon", ""}, "pa": {"Pennsylvania", "America/New_York"}, "ri": {"Rhode Island", "America/New_York"},
	"sc": {"South Carolina", "America/New_York"}, "sd": {"South Dakota", ""}, "tn": {"Tennessee", ""},
	"tx": {"Texas", ""}, "ut": {"Utah", "America/Denver"}, "vt": {"Vermont", "America/New_York"},
	"va": {"Virginia", "America/New_York"}, "wa": {"Washington", "America/Los_Angeles"},
	"wv": {"West Virginia", "America/New_York"}, "wi": {"Wisconsin", "America/Chicago"},
	"wy": {"Wyoming", "America/Denver"}, "pr": {"Puerto Rico", "America/Puerto_Rico"},
}

func oeRead(path string) (*actas.Dataset, error) {
	f, err := convOpenFile("openelections", path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ds, stats, err := oeParse(f, path)
	if err != nil {
		return nil, err
	}
	if stats.TotalRows > 0 {
		ds.Notes = append(ds.Notes, fmt.Sprintf("skipped %d rows labelled Total (statewide totals; counting them would double every figure)", stats.TotalRows))
	}
	if stats.OtherRows > 0 {
		ds.Notes = append(ds.Notes, fmt.Sprintf("skipped %d rows that state no candidate's votes (e.g. Ballots Cast)", stats.OtherRows))
	}
	return ds, nil
}

// oeElection builds the election from the file name.
func oeElection(file string) (*actas.Election, error) {
	base := filepath.Base(file)
	bad := func(why string) error {
		return parseError(file, 0, 0, "", "file name %q: %s; expected YYYYMMDD__st__type__precinct.csv as OpenElections names its files", base, why)
	}
	stem, ok := strings.CutSuffix(strings.ToLower(base), ".csv")
	if !ok {
		return nil, bad("not a .csv file")
	}
	parts := strings.Split(stem, "__")
	if len(parts) < 4 || parts[len(parts)-1] != "precinct" {
		return nil, bad("not a precinct file")
	}
	day, err := time.Parse("20060102", parts[0])
	if err != nil || len(parts[0]) != 8 {
		return nil, bad("it does not start with a date")
	}
	st, ok := oeStates[parts[1]]
	if !ok {
		return nil, bad(fmt.Sprintf("%q is not a state's postal code", parts[1]))
	}
	kind := convSlug(parts[2])
	if kind == "" {
		return nil, bad("the election type is empty")
	}
	date := day.Format("2006-01-02")
	id := parts[1] + "-" + date
	name := st[0] + " " + strings.ReplaceAll(kind, "-", " ") + " election, " + day.Format("2 January 2006")
	if kind != "general" {
		id += "-" + kind
	}
	for _, extra := range parts[3 : len(parts)-1] {
		if s := convSlug(extra); s != "" {
			id += "-" + s
			name += " (" + strings.ReplaceAll(s, "-", " ") + ")"
		}
	}
	if len(id) > 64 {
		return nil, bad("the name is too long to make an election id")
	}
	return &actas.Election{ID: id, Name: name, Date: date, Timezone: st[1], Levels: []string{"county"}}, nil
}

// oeRow is one precinct's votes for one choice (or its blank or null count).
type oeRow struct {
	station, contest int32
	choice           int32 // index into the contest's choices, or oeBlank, oeNull
	votes            int64
}

const (
	oeBlank = -1
	oeNull  = -2
)

// oeParse converts the file read from r; file, whose base name gives the
// election, names it in errors.
func oeParse(r io.Reader, file string) (*actas.Dataset, oeStats, error) {
	var stats oeStats
	e, err := oeElection(file)
	if err != nil {
		return nil, stats, err
	}
	c := convNewCSV(r, file, ',', 0)
	if err := c.readHeader(); err != nil {
		return nil, stats, err
	}
	var idx struct{ county, precinct, office, district, party, candidate, votes int }
	for _, x := range []struct {
		p    *int
		name string
	}{{&idx.county, "county"}, {&idx.office, "office"}, {&idx.candidate, "candidate"}, {&idx.votes, "votes"}} {
		if *x.p, err = c.col(x.name); err != nil {
			return nil, stats, err
		}
	}
	idx.precinct = c.optCol("precinct")
	if idx.precinct < 0 {
		if idx.precinct, err = c.col("election_district"); err != nil {
			return nil, stats, parseError(file, 1, 0, "precinct", "missing column: the file needs precinct or election_district")
		}
	}
	idx.district, idx.party = c.optCol("district"), c.optCol("party")
	opt := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(c.rec[i])
	}

	type stationKey struct{ county, precinct string }
	type contestKey struct{ office, district string }
	type choiceKey struct{ candidate, party string }
	type contestAcc struct {
		byKey map[choiceKey]int32
		ids   map[string]bool
	}
	var (
		names      = convInterner{}
		stations   = map[stationKey]int32{}
		stKeys     []stationKey
		registered []int64
		regLines   = map[int32]int{}
		contests   = map[contestKey]int32{}
		accs       []contestAcc
		contestIDs = map[string]bool{}
		rows       []oeRow
		rowLines   = map[[3]int32]int{}
	)
	for {
		ok, err := c.next()
		if err != nil {
			return nil, stats, err
		}
		if !ok {
			break
		}
		line := c.line()
		county, err := c.text(idx.county)
		if err != nil {
			return nil, stats, err
		}
		precinct, err := c.text(idx.precinct)
		if err != nil {
			return nil, stats, err
		}
		if strings.EqualFold(precinct, "total") || strings.EqualFold(county, "total") {
			stats.TotalRows++
			continue
		}
		office, err := c.text(idx.office)
		if err != nil {
			return nil, stats, err
		}
		officeSlug := convSlug(office)
		if officeSlug == "" {
			return nil, stats, c.errf(idx.office, "%q has no letters or digits to name a contest", convShorten(office))
		}
		votes, err := c.uint(idx.votes)
		if err != nil {
			return nil, stats, err
		}
		if officeSlug == "ballots-cast" {
			stats.OtherRows++
			continue
		}
		sk := stationKey{county, precinct}
		st, ok := stations[sk]
		if !ok {
			sk = stationKey{names.get(county), names.get(precinct)}
			st = int32(len(stKeys))
			stations[sk] = st
			stKeys = append(stKeys, sk)
			registered = append(registered, 0)
		}
		if officeSlug == "registered-voters" {
			if first, dup := regLines[st]; dup {
				return nil, stats, c.errf(idx.votes, "precinct %s has a second Registered Voters row (first on line %d)", precinct, first)
			}
			regLines[st] = line
			registered[st] = votes
			stats.Registered++
			continue
		}

		ck := contestKey{office, opt(idx.district)}
		ct, ok := contests[ck]
		if !ok {
			ck = contestKey{names.get(ck.office), names.get(ck.district)}
			id := officeSlug
			if ck.district != "" {
				if d := convSlug(ck.district); d != "" {
					id += "-" + d
				}
			}
			id = oeUnique(id, contestIDs)
			name := ck.office
			if ck.district != "" {
				name += " (district " + ck.district + ")"
			}
			ct = int32(len(e.Contests))
			contests[ck] = ct
			e.Contests = append(e.Contests, actas.Contest{ID: id, Name: name})
			accs = append(accs, contestAcc{byKey: map[choiceKey]int32{}, ids: map[string]bool{}})
		}

		candidate := strings.TrimSpace(c.rec[idx.candidate])
		var ch int32
		switch convSlug(candidate) {
		case "over-votes", "overvotes":
			ch = oeNull
		case "under-votes", "undervotes":
			ch = oeBlank
		case "total", "total-votes":
			stats.OtherRows++
			continue
		case "":
			return nil, stats, c.errf(idx.candidate, "%q has no letters or digits to name a choice", convShorten(candidate))
		default:
			party := opt(idx.party)
			key := choiceKey{candidate, party}
			acc := &accs[ct]
			var seen bool
			if ch, seen = acc.byKey[key]; !seen {
				key = choiceKey{names.get(candidate), names.get(party)}
				id := convSlug(candidate)
				if acc.ids[id] || actas.ReservedName(id) {
					if p := convSlug(party); p != "" {
						id += "-" + p
					}
				}
				if actas.ReservedName(id) {
					id = "candidate-" + id
				}
				id = oeUnique(id, acc.ids)
				name := key.candidate
				if key.party != "" {
					name += " (" + key.party + ")"
				}
				ch = int32(len(e.Contests[ct].Choices))
				acc.byKey[key] = ch
				e.Contests[ct].Choices = append(e.Contests[ct].Choices, actas.Choice{ID: id, Name: name})
			}
		}
		rk := [3]int32{st, ct, ch}
		if first, dup := rowLines[rk]; dup {
			return nil, stats, c.errf(idx.candidate, "a second row for %q in precinct %s, %s (first on line %d)", convShorten(candidate), precinct, e.Contests[ct].Name, first)
		}
		rowLines[rk] = line
		rows = append(rows, oeRow{station: st, contest: ct, choice: ch, votes: votes})
	}
	if len(rows) == 0 {
		return nil, stats, parseError(file, 0, 0, "", "no precinct votes: every row is a total or not a contest (%d Total rows)", stats.TotalRows)
	}

	// Station codes: the precinct alone when that is unique statewide.
	counties := map[string]string{}
	prefix := false
	for _, k := range stKeys {
		if cty, ok := counties[k.precinct]; ok && cty != k.county {
			prefix = true
			break
		}
		counties[k.precinct] = k.county
	}
	ds := &actas.Dataset{Election: e, Stations: make([]actas.Station, len(stKeys))}
	codes := map[string]int{}
	for i, k := range stKeys {
		code := k.precinct
		if prefix {
			code = k.county + ":" + k.precinct
		}
		if j, dup := codes[code]; dup {
			return nil, stats, parseError(file, 0, 0, "", "precincts %q of %s and %q of %s get the same station code %q", stKeys[j].precinct, stKeys[j].county, k.precinct, k.county, code)
		}
		codes[code] = i
		ds.Stations[i] = actas.Station{Code: code, Area: actas.JoinPath(k.county), Registered: registered[i]}
	}

	// One sheet per precinct and contest present, in order of first row.
	cells := map[[2]int32]*actas.Submission{}
	for _, r := range rows {
		key := [2]int32{r.station, r.contest}
		sub, ok := cells[key]
		if !ok {
			contest := &e.Contests[r.contest]
			sub = &actas.Submission{Source: actas.Official, Sheet: actas.Sheet{
				Station: ds.Stations[r.station].Code,
				Contest: contest.ID,
				Votes:   make([]int64, len(contest.Choices)),
				Voters:  actas.Unknown,
			}}
			cells[key] = sub
			ds.Sheets = append(ds.Sheets, sub)
		}
		switch r.choice {
		case oeBlank:
			sub.Sheet.Blank = r.votes
		case oeNull:
			sub.Sheet.Null = r.votes
		default:
			sub.Sheet.Votes[r.choice] = r.votes
		}
		sub.Sheet.Ballots += r.votes
	}
	// A contest with only over and under votes has no choice to vote for.
	for i := range e.Contests {
		if len(e.Contests[i].Choices) == 0 {
			return nil, stats, parseError(file, 0, 0, "", "contest %s has no candidate rows", e.Contests[i].Name)
		}
	}
	if err := convValidate(file, ds); err != nil {
		return nil, stats, err
	}
	return ds, stats, nil
}

// oeUnique returns id cut to 64 bytes, or that with the smallest "-N"
// suffix that is not in used, and records it.
func oeUnique(id string, used map[string]bool) string {
	if len(id) > 64 {
		id = strings.TrimRight(id[:64], "-")
	}
	out := id
	for n := 2; used[out]; n++ {
		suffix := fmt.Sprintf("-%d", n)
		if len(id)+len(suffix) > 64 {
			id = strings.TrimRight(id[:64-len(suffix)], "-")
		}
		out = id + suffix
	}
	used[out] = true
	return out
}

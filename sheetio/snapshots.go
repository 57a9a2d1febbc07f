package sheetio

import (
	"fmt"
	"io"
	"strings"

	"github.com/actasproject/actas"
)

// Prefixes that say what a scope names when the plain form is ambiguous.
const (
	stationPrefix = "station:"
	areaPrefix    = "area:"
)

// ReadSnapshots reads a turnout snapshots CSV: how many people had voted by
// a time of day, per station, per area or nationally. The header is
// `scope,time,voters` in any order.
//
//   - scope is a station code, an area path, or `national`. When the plain
//     form could mean two things (a code that is also an area path), the row
//     is an error asking to disambiguate: write `station:CODE` or
//     `area:PATH` (`area:national` for the whole election). These prefixes
//     are always read as such; a code that itself begins with one is
//     written `station:station:…`.
//   - time is HH:MM, local time of the election day (actas.ParseClock).
//   - voters is a whole number written with digits only.
//
// The same scope and time twice in a file is an error naming both lines: a
// file states one count per scope and time.
//
// source is set on every snapshot (e.g. actas.Official). The file is
// accepted whole or not at all: ReadSnapshots returns every snapshot in file
// order, or none and the first error.
// Errors: EINVALID wrapping a *ParseError.
func ReadSnapshots(r io.Reader, file string, source actas.Source, stations StationLookup, areas AreaLookup) ([]actas.Snapshot, error) {
	if _, err := actas.ParseSource(string(source), false); err != nil {
		return nil, parseError(file, 0, 0, "", "%s", actas.ErrorMessage(err))
	}
	f, err := openCSV(r, file)
	if err != nil {
		return nil, err
	}
	idx, err := f.columns([]string{"scope", "time", "voters"}, nil)
	if err != nil {
		return nil, err
	}
	colScope, colTime, colVoters := idx[0], idx[1], idx[2]
	type key struct {
		scope   string
		station bool
		time    int
	}
	seen := map[key]int{}
	var out []actas.Snapshot
	for {
		rec, err := f.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		sc, err := resolveScope(rec[colScope], stations, areas)
		if err != nil {
			return nil, f.fieldError(colScope, "%s", err.Error())
		}
		t, err := actas.ParseClock(rec[colTime])
		if err != nil {
			return nil, f.fieldError(colTime, "%s is not a time of day written HH:MM (24-hour, e.g. 07:30)", quoteValue(rec[colTime]))
		}
		voters, ok := parseCount(rec[colVoters])
		if !ok {
			return nil, f.fieldError(colVoters, "%s", countProblem(rec[colVoters]))
		}
		k, line := key{sc.scope, sc.station, t}, f.line()
		if prev, dup := seen[k]; dup {
			return nil, f.fieldError(colScope, "%s at %s appears twice, on lines %d and %d", sc, actas.FormatClock(t), prev, line)
		}
		seen[k] = line
		out = append(out, actas.Snapshot{Scope: sc.scope, Station: sc.station, Time: t, Voters: voters, Source: source})
	}
}

// scopeRef is what a scope cell names: a station (by code), an area (by
// canonical path), or the national area (path "").
type scopeRef struct {
	scope   string
	station bool
}

func (s scopeRef) String() string {
	if s.station {
		return "station " + s.scope
	}
	if s.scope == "" {
		return actas.National
	}
	return "area " + s.scope
}

// qualified is the form of s that cannot be read as anything else.
func (s scopeRef) qualified() string {
	if s.station {
		return stationPrefix + s.scope
	}
	return areaPrefix + actas.DisplayPath(s.scope)
}

// plain is the form of s without a prefix, which may be ambiguous.
func (s scopeRef) plain() string {
	if s.station {
		return s.scope
	}
	return actas.DisplayPath(s.scope)
}

// resolveScope returns what the scope cell names. Every reading of the cell
// is tried, the plain one and, for a prefixed cell, the qualified one: more
// than one is an error asking the user to say which, none is an error too.
func resolveScope(cell string, stations StationLookup, areas AreaLookup) (scopeRef, error) {
	if cell == "" {
		return scopeRef{}, fmt.Errorf("is empty; write a station code, an area path or national")
	}
	var found []scopeRef
	add := func(r scopeRef) {
		for _, f := range found {
			if f == r {
				return
			}
		}
		found = append(found, r)
	}
	station := func(code string) {
		if code == "" {
			return
		}
		if st, ok := stations(nfc(code)); ok {
			add(scopeRef{scope: st.Code, station: true})
		}
	}
	area := func(path string) {
		if path == actas.National {
			add(scopeRef{})
			return
		}
		if p, err := actas.CanonicalPath(nfc(path)); err == nil && p != "" && areas(p) {
			add(scopeRef{scope: p})
		}
	}
	station(cell)
	area(cell)
	rest, byStation := strings.CutPrefix(cell, stationPrefix)
	if byStation {
		station(strings.TrimSpace(rest))
	}
	rest2, byArea := strings.CutPrefix(cell, areaPrefix)
	if byArea {
		area(strings.TrimSpace(rest2))
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		meanings := make([]string, len(found))
		forms := make([]string, len(found))
		for i, f := range found {
			meanings[i] = f.String()
			forms[i] = quoteValue(f.qualified())
		}
		return scopeRef{}, fmt.Errorf("%s could mean %s; write %s to say which",
			quoteValue(cell), strings.Join(meanings, " or "), strings.Join(forms, " or "))
	case byStation:
		return scopeRef{}, fmt.Errorf("unknown station %s", quoteValue(strings.TrimSpace(rest)))
	case byArea:
		return scopeRef{}, fmt.Errorf("unknown area %s", quoteValue(strings.TrimSpace(rest2)))
	}
	return scopeRef{}, fmt.Errorf("%s is not a station code, an area path or national", quoteValue(cell))
}

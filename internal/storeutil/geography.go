// Package storeutil holds what the SQLite and PostgreSQL stores share
// beyond the log (internal/logpage): checks of what they are asked to store
// that do not depend on the database. It does no I/O.
package storeutil

import (
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// Geography is an election's areas and stations, checked and ready to
// insert. Areas[0] is the whole election (national); each store numbers its
// area rows from the index into Areas, so that stations name their area
// without a query per row.
type Geography struct {
	Areas    []Area
	Stations []actas.Station
	AreaOf   []int32 // index into Areas of each station's area
}

// Area is an area of a Geography.
type Area struct {
	Path   string // canonical (actas.JoinPath of its names); "" for national
	Name   string
	Level  int   // -1 for national
	Parent int32 // index into Areas, -1 for national
}

// BuildGeography checks the stations of election e and derives the areas
// from their paths: every code set and unique, registered and machines not
// negative, every path naming an area at each of e's levels. Paths are
// stored in canonical form. Errors: EINVALID, naming the first station in
// order that fails a check (its code checked first).
func BuildGeography(e *actas.Election, stations []actas.Station) (*Geography, error) {
	if len(stations) > 1<<31-1 {
		return nil, actas.Errorf(actas.EINVALID, "election %s: %d stations are too many", e.ID, len(stations))
	}
	// The codes are checked on another core while the areas are derived:
	// for a million stations each takes about as long as the other.
	codes := make(chan stationError, 1)
	go func() { codes <- checkCodes(e, stations) }()
	g, areas := deriveAreas(e, stations)
	c := <-codes
	switch {
	case c.err != nil && (areas.err == nil || c.station <= areas.station):
		return nil, c.err
	case areas.err != nil:
		return nil, areas.err
	}
	return g, nil
}

// stationError is the first station, in order, that fails a check, with
// the error to report; err is nil when none does.
type stationError struct {
	station int
	err     error
}

// checkCodes checks that every station has a code, and a code of its own.
func checkCodes(e *actas.Election, stations []actas.Station) stationError {
	seen := make(map[string]struct{}, len(stations))
	for i := range stations {
		st := &stations[i]
		if st.Code == "" {
			return stationError{i, actas.Errorf(actas.EINVALID, "election %s: station %d has an empty code", e.ID, i+1)}
		}
		if _, dup := seen[st.Code]; dup {
			return stationError{i, actas.Errorf(actas.EINVALID, "election %s: station %s appears twice", e.ID, st.Code)}
		}
		seen[st.Code] = struct{}{}
	}
	return stationError{}
}

// deriveAreas checks the stations' numbers and paths and derives the
// areas; the Geography is complete when no station fails.
func deriveAreas(e *actas.Election, stations []actas.Station) (*Geography, stationError) {
	levels := len(e.Levels)
	g := &Geography{Stations: stations, AreaOf: make([]int32, len(stations))}
	g.Areas = append(g.Areas, Area{Path: "", Name: e.Name, Level: -1, Parent: -1})
	index := map[string]int32{"": 0}
	var names []string
	for i := range stations {
		st := &stations[i]
		if st.Registered < 0 || st.Machines < 0 {
			return nil, stationError{i, actas.Errorf(actas.EINVALID, "election %s: station %s: registered and machines may not be negative", e.ID, st.Code)}
		}
		// Stations of an area usually come together: reuse the last one's.
		if i > 0 && st.Area == stations[i-1].Area {
			g.AreaOf[i] = g.AreaOf[i-1]
			continue
		}
		path, err := canonicalStationPath(st.Area, levels, &names)
		if err != nil {
			return nil, stationError{i, actas.Errorf(actas.EINVALID, "election %s: station %s: %s", e.ID, st.Code, actas.ErrorMessage(err))}
		}
		// Walk the path's prefixes top down; most are known already.
		parent := int32(0)
		level := 0
		for end := 0; end <= len(path); end++ {
			if end < len(path) && !(path[end] == '/' && !escaped(path, end)) {
				continue
			}
			prefix := path[:end]
			id, ok := index[prefix]
			if !ok {
				id = int32(len(g.Areas))
				index[prefix] = id
				g.Areas = append(g.Areas, Area{Path: prefix, Name: names[level], Level: level, Parent: parent})
			}
			parent = id
			level++
		}
		g.AreaOf[i] = parent
	}
	return g, stationError{}
}

// StoredStations returns the stations as a store reads them back: with
// their areas' canonical paths. Those are the paths given (and the slice
// given is returned) except for a path escaping a character that needs no
// escape.
func (g *Geography) StoredStations() []actas.Station {
	same := true
	for i := range g.Stations {
		if g.Stations[i].Area != g.Areas[g.AreaOf[i]].Path {
			same = false
			break
		}
	}
	if same {
		return g.Stations
	}
	out := slices.Clone(g.Stations)
	for i := range out {
		out[i].Area = g.Areas[g.AreaOf[i]].Path
	}
	return out
}

// canonicalStationPath checks that path has one name per level and returns
// its canonical form, with the names in *names. Paths without escapes (all
// but a few) are already canonical.
func canonicalStationPath(path string, levels int, names *[]string) (string, error) {
	*names = (*names)[:0]
	if path == "" || path == actas.National {
		return "", actas.Errorf(actas.EINVALID, "area path %q must name an area at each of the %d levels", path, levels)
	}
	if strings.IndexByte(path, '\\') < 0 {
		rest := path
		for {
			name, after, more := strings.Cut(rest, "/")
			if name == "" {
				return "", actas.Errorf(actas.EINVALID, "area path %q has an empty name", path)
			}
			*names = append(*names, name)
			if !more {
				break
			}
			rest = after
		}
	} else {
		ns, err := actas.SplitPath(path)
		if err != nil {
			return "", err
		}
		*names = append(*names, ns...)
		path = actas.JoinPath(ns...)
	}
	if len(*names) != levels {
		return "", actas.Errorf(actas.EINVALID, "area path %q has %d names; the election has %d levels", path, len(*names), levels)
	}
	if (*names)[0] == actas.National {
		// Checked here rather than through actas.CheckStationArea, which
		// would split every path a second time.
		return "", actas.Errorf(actas.EINVALID, "area path %q: a top-level area may not be called %q, which names the whole election", path, actas.National)
	}
	return path, nil
}

// escaped reports whether path[i] is preceded by an odd number of '\'.
func escaped(path string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && path[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

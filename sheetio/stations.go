package sheetio

import (
	"io"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// StationLookup returns the election's station with the given code, and
// false when there is none.
type StationLookup func(code string) (*actas.Station, bool)

// AreaLookup reports whether the election has an area with the given path
// (canonical form, never the national area).
type AreaLookup func(path string) bool

// Index answers StationLookup and AreaLookup from a list of stations, for
// callers that hold the stations in memory (the importer, the simulator,
// tests). Pass its methods: idx.Station, idx.Area.
type Index struct {
	stations map[string]*actas.Station
	areas    map[string]struct{}
}

// NewIndex indexes stations by code, and every area that holds one of them
// (their areas and all ancestors) by path. It keeps pointers into stations,
// which the caller must not change afterwards. A later station with the same
// code replaces an earlier one; ReadStations never returns such a list.
func NewIndex(stations []actas.Station) *Index {
	x := &Index{
		stations: make(map[string]*actas.Station, len(stations)),
		areas:    make(map[string]struct{}),
	}
	for i := range stations {
		st := &stations[i]
		x.stations[st.Code] = st
		// Walk up until an area already known: its ancestors are known too.
		for p := st.Area; p != ""; p = actas.ParentPath(p) {
			if _, ok := x.areas[p]; ok {
				break
			}
			x.areas[p] = struct{}{}
		}
	}
	return x
}

// Station returns the station with the given code.
func (x *Index) Station(code string) (*actas.Station, bool) {
	st, ok := x.stations[code]
	return st, ok
}

// Area reports whether path names an area holding at least one station; ""
// (national) always does.
func (x *Index) Area(path string) bool {
	if path == "" {
		return true
	}
	_, ok := x.areas[path]
	return ok
}

// StationReader reads a stations.csv file one station at a time. The header
// is `station,registered,<one column per level>[,machines]` in any order;
// each level column holds the name of the station's area at that level.
//
// A file is accepted whole or not at all: a caller reads until io.EOF and
// stores nothing if Read returns any other error.
type StationReader struct {
	f        *csvIn
	station  int
	reg      int
	levels   []int // column of each level, top first
	machines int   // -1 when absent
	names    []string
	seen     map[string]int // station code → line

	prevNames []string // the area names of the previous station
	prevPath  string   // and their path
}

// NewStationReader reads and checks the header of a stations file; levels are
// the election's levels, top first. file names the input in errors.
// Errors: EINVALID wrapping a *ParseError.
func NewStationReader(r io.Reader, file string, levels []string) (*StationReader, error) {
	if len(levels) == 0 {
		return nil, parseError(file, 0, 0, "", "the election has no levels")
	}
	f, err := openCSV(r, file)
	if err != nil {
		return nil, err
	}
	required := append([]string{"station", "registered"}, levels...)
	var optional []string
	if !hasString(levels, "machines") {
		optional = []string{"machines"}
	}
	idx, err := f.columns(required, optional)
	if err != nil {
		return nil, err
	}
	sr := &StationReader{
		f: f, station: idx[0], reg: idx[1], levels: idx[2 : 2+len(levels)], machines: -1,
		names: make([]string, len(levels)), seen: make(map[string]int),
	}
	if len(optional) > 0 {
		sr.machines = idx[len(idx)-1]
	}
	return sr, nil
}

// Read returns the next station, or io.EOF after the last one. Spaces around
// fields are ignored and text is put in Unicode normal form C. The code and
// every area name must be non-empty text without control characters; the
// registered voters a whole number (0: unknown); machines a whole number or
// empty (both 0: unknown). A code seen on an earlier line is an error naming
// both lines. Errors: EINVALID wrapping a *ParseError.
func (sr *StationReader) Read() (actas.Station, error) {
	rec, err := sr.f.next()
	if err != nil {
		return actas.Station{}, err
	}
	code := rec[sr.station]
	if p := textProblem(code); p != "" {
		return actas.Station{}, sr.f.fieldError(sr.station, "%s", p)
	}
	reg, ok := parseCount(rec[sr.reg])
	if !ok {
		return actas.Station{}, sr.f.fieldError(sr.reg, "%s", countProblem(rec[sr.reg]))
	}
	for i, col := range sr.levels {
		if p := textProblem(rec[col]); p != "" {
			return actas.Station{}, sr.f.fieldError(col, "%s", p)
		}
		sr.names[i] = nfc(rec[col])
	}
	var machines int64
	if sr.machines >= 0 && rec[sr.machines] != "" {
		if machines, ok = parseCount(rec[sr.machines]); !ok {
			return actas.Station{}, sr.f.fieldError(sr.machines, "%s", countProblem(rec[sr.machines]))
		}
	}
	// Clone so the station does not keep the whole line alive.
	code = strings.Clone(nfc(code))
	line := sr.f.line()
	if prev, dup := sr.seen[code]; dup {
		return actas.Station{}, sr.f.fieldError(sr.station, "station %s appears twice, on lines %d and %d; a station code must be unique", quoteValue(code), prev, line)
	}
	sr.seen[code] = line
	// Stations of one area usually follow each other: they share one path
	// string (a million stations hold a few hundred thousand areas).
	if !slices.Equal(sr.names, sr.prevNames) {
		sr.prevPath = actas.JoinPath(sr.names...)
		sr.prevNames = append(sr.prevNames[:0], sr.names...)
	}
	return actas.Station{Code: code, Area: sr.prevPath, Registered: reg, Machines: machines}, nil
}

// ReadStations reads a whole stations file (see StationReader). It returns
// every station in file order, or none and the first error; a file without
// stations is an error too, since an election needs at least one.
func ReadStations(r io.Reader, file string, levels []string) ([]actas.Station, error) {
	sr, err := NewStationReader(r, file, levels)
	if err != nil {
		return nil, err
	}
	var out []actas.Station
	for {
		st, err := sr.Read()
		if err == io.EOF && len(out) == 0 {
			return nil, parseError(file, 0, 0, "", "the file has a header but no stations")
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

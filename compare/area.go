package compare

import (
	"strconv"
	"strings"

	"github.com/actasproject/actas"
)

// checkPanel checks that p can be analysed: it names its election and
// contest, and every sheet has one count per choice. Errors are EINVALID.
func checkPanel(p *actas.Panel, what string) error {
	if p == nil || p.Election == nil || p.Contest == nil {
		return actas.Errorf(actas.EINVALID, "compare: %s: no panel, or a panel without its election and contest", what)
	}
	if len(p.Sheets) != len(p.Stations) {
		return actas.Errorf(actas.EINVALID, "compare: %s: %d sheets for %d stations", what, len(p.Sheets), len(p.Stations))
	}
	k := len(p.Contest.Choices)
	for i, s := range p.Sheets {
		if s != nil && len(s.Votes) != k {
			return actas.Errorf(actas.EINVALID, "compare: %s: station %s: %d vote counts for contest %s, which has %d choices",
				what, p.Stations[i].Code, len(s.Votes), p.Contest.ID, k)
		}
	}
	return nil
}

// levelParts resolves a level name to the number of names in the path of an
// area at that level: 0 for actas.National, k+1 for Election.Levels[k]. An
// empty name selects the first level. It returns the canonical name.
// Errors are EINVALID and list the allowed names.
func levelParts(e *actas.Election, level string) (int, string, error) {
	switch level {
	case "":
		if len(e.Levels) == 0 {
			return 0, actas.National, nil
		}
		return 1, e.Levels[0], nil
	case actas.National:
		return 0, actas.National, nil
	}
	for k, l := range e.Levels {
		if l == level {
			return k + 1, l, nil
		}
	}
	return 0, "", actas.Errorf(actas.EINVALID, "compare: unknown level %q: use %s or one of %s",
		level, actas.National, strings.Join(e.Levels, ", "))
}

// areaPrefix returns the path of the area made of the first parts names of
// path (an escaped area path, see actas.JoinPath): "" for parts 0, path
// itself when it has no more names. It allocates nothing: the result is a
// prefix of path.
func areaPrefix(path string, parts int) string {
	if parts <= 0 {
		return ""
	}
	n := 0
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '\\':
			i++ // the escaped byte is part of a name
		case '/':
			n++
			if n == parts {
				return path[:i]
			}
		}
	}
	return path
}

// inArea reports whether a station whose area path is path lies in area
// ("" for national). area must be a well-formed path: it then never ends
// in the first half of an escape, so a '/' right after it separates names.
func inArea(path, area string) bool {
	if area == "" {
		return true
	}
	return len(path) >= len(area) && path[:len(area)] == area && (len(path) == len(area) || path[len(area)] == '/')
}

// checkArea returns the canonical form of an area path a bulletin or
// caller names, the number of names in it, and whether any station of p
// lies in it. Errors: EINVALID for a malformed path.
func checkArea(p *actas.Panel, path string) (string, int, bool, error) {
	area, err := actas.CanonicalPath(path)
	if err != nil {
		return "", 0, false, err
	}
	names, _ := actas.SplitPath(area)
	for i := range p.Stations {
		if inArea(p.Stations[i].Area, area) {
			return area, len(names), true, nil
		}
	}
	return area, len(names), false, nil
}

// areaIndex numbers the areas of one level in the order their first station
// appears. Stations of an area usually follow each other, so the previous
// station's area is tried before the map.
type areaIndex struct {
	parts int
	index map[string]int
	paths []string
	last  string
	lastI int
}

func newAreaIndex(parts int) *areaIndex {
	return &areaIndex{parts: parts, index: map[string]int{}, lastI: -1}
}

// of returns the index of the area at the index's level holding a station
// whose area path is path.
func (x *areaIndex) of(path string) int {
	a := areaPrefix(path, x.parts)
	if x.lastI >= 0 && a == x.last {
		return x.lastI
	}
	i, ok := x.index[a]
	if !ok {
		i = len(x.paths)
		x.index[a] = i
		x.paths = append(x.paths, a)
	}
	x.last, x.lastI = a, i
	return i
}

// sourceRank orders sources as actas.Sources does, the reconciled view
// last, so that a comparison reads "official minus witness".
func sourceRank(s actas.Source) int {
	for i, src := range actas.Sources {
		if src == s {
			return i
		}
	}
	return len(actas.Sources)
}

// group writes n with thousands separators: -1,830,358.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pct writes a fraction as a percentage with two decimals: 0.4318 → 43.18%.
func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }

// choiceLabel names a choice for messages: "Edmundo González (eg)".
func choiceLabel(c *actas.Contest, j int) string {
	ch := c.Choices[j]
	if ch.Name == "" || ch.Name == ch.ID {
		return ch.ID
	}
	return ch.Name + " (" + ch.ID + ")"
}

// tally sums the sheets of one panel over an area.
type tally struct {
	stations, counted            int64
	registered, registeredCount  int64 // of all stations; of counted ones
	unknownRegistered            int64 // stations with Registered 0 (no list)
	ballots, blank, null, voters int64
	votersStations               int64
	votes                        []int64
}

func (t *tally) valid() int64 {
	var n int64
	for _, v := range t.votes {
		n += v
	}
	return n
}

// add counts station st and its sheet s (nil when it has none).
func (t *tally) add(st *actas.Station, s *actas.Sheet) {
	t.stations++
	t.registered += st.Registered
	if st.Registered <= 0 {
		t.unknownRegistered++
	}
	if s == nil {
		return
	}
	t.counted++
	t.registeredCount += st.Registered
	t.ballots += s.Ballots
	t.blank += s.Blank
	t.null += s.Null
	if s.Voters != actas.Unknown {
		t.voters += s.Voters
		t.votersStations++
	}
	for j, v := range s.Votes {
		t.votes[j] += v
	}
}

// addsUp reports whether a sheet's votes, blank and null make its ballots.
func addsUp(s *actas.Sheet) bool { return s.Valid()+s.Blank+s.Null == s.Ballots }

package sheetio

import (
	"fmt"
	"io"
	"strings"

	"github.com/actasproject/actas"
)

// ReadTotals reads an official totals CSV: the figures one bulletin of the
// authority announced per area, without per-station detail. The header is
// `area,choice,votes` in any order, plus an optional `contest` column.
//
//   - area is `national` or the path of an area of the election (areas says
//     which exist); National comes back as "".
//   - choice is a choice id of the contest or one of actas.TotalFields
//     (blank, null, ballots, voters, registered).
//   - votes is a whole number written with digits only.
//   - contest, when the column is present, names each row's contest; when
//     absent, every row is of the contest the caller names (which may be
//     empty when the election has one contest). If the caller names a
//     contest and the file has the column, every row must name that one.
//
// A bulletin states one figure per area and choice, so the same contest,
// area and choice twice in a file is an error naming both lines (unlike
// sheets, where a repeated station is a later correction).
//
// bulletin names the announcement (e.g. "bulletin-2") and is set on every
// total. The file is accepted whole or not at all: ReadTotals returns every
// total in file order, or none and the first error.
// Errors: EINVALID wrapping a *ParseError; the error of e.Contest
// (ENOTFOUND) for an unknown contest argument.
func ReadTotals(r io.Reader, file string, e *actas.Election, contest, bulletin string, areas AreaLookup) ([]actas.OfficialTotal, error) {
	if contest != "" {
		if _, err := e.Contest(contest); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	if strings.TrimSpace(bulletin) == "" {
		return nil, parseError(file, 0, 0, "", "no bulletin named: say which announcement these totals come from")
	}
	f, err := openCSV(r, file)
	if err != nil {
		return nil, err
	}
	idx, err := f.columns([]string{"area", "choice", "votes"}, []string{"contest"})
	if err != nil {
		return nil, err
	}
	colArea, colChoice, colVotes, colContest := idx[0], idx[1], idx[2], idx[3]
	var only *actas.Contest
	if colContest < 0 {
		if only, err = e.Contest(contest); err != nil {
			return nil, f.headerError(-1, "the file has no contest column and election %s has several contests (%s): name one, or add a contest column", e.ID, joinList(contestIDs(e)))
		}
	}

	fields := joinList(actas.TotalFields)
	seen := map[string]int{} // contest, area and choice → line
	var out []actas.OfficialTotal
	for {
		rec, err := f.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		c := only
		if c == nil {
			id := rec[colContest]
			if id == "" {
				return nil, f.fieldError(colContest, "is empty; name the contest of this row")
			}
			if c, err = e.Contest(id); err != nil {
				return nil, f.fieldError(colContest, "unknown contest %s; the election's contests are %s", quoteValue(id), joinList(contestIDs(e)))
			}
			if contest != "" && id != contest {
				return nil, f.fieldError(colContest, "the row is of contest %s but contest %s is being imported", id, contest)
			}
		}
		path, err := areaPath(rec[colArea], areas)
		if err != nil {
			return nil, f.fieldError(colArea, "%s", err.Error())
		}
		choice := rec[colChoice]
		if c.ChoiceIndex(choice) < 0 && !hasString(actas.TotalFields, choice) {
			if choice == "" {
				return nil, f.fieldError(colChoice, "is empty")
			}
			return nil, f.fieldError(colChoice, "%s is not a choice of contest %s (%s) nor one of %s", quoteValue(choice), c.ID, joinList(c.ChoiceIDs()), fields)
		}
		votes, ok := parseCount(rec[colVotes])
		if !ok {
			return nil, f.fieldError(colVotes, "%s", countProblem(rec[colVotes]))
		}
		key := c.ID + "\x00" + path + "\x00" + choice
		line := f.line()
		if prev, dup := seen[key]; dup {
			return nil, f.fieldError(colChoice, "%s of %s appears twice, on lines %d and %d; a bulletin states each figure once", choice, actas.DisplayPath(path), prev, line)
		}
		seen[key] = line
		out = append(out, actas.OfficialTotal{Contest: c.ID, Bulletin: bulletin, Area: path, Choice: choice, Votes: votes})
	}
}

// areaPath resolves a cell naming an area: `national` gives "", anything
// else must be the path of a known area. The error is a reason, to be
// located by the caller.
func areaPath(cell string, areas AreaLookup) (string, error) {
	if cell == "" {
		return "", fmt.Errorf("is empty; write national or an area path")
	}
	if cell == actas.National {
		return "", nil
	}
	path, err := actas.CanonicalPath(nfc(cell))
	if err != nil {
		return "", fmt.Errorf("%s is not an area path: %s", quoteValue(cell), actas.ErrorMessage(err))
	}
	if !areas(path) {
		return "", fmt.Errorf("unknown area %s", quoteValue(cell))
	}
	return path, nil
}

package sheetio

import (
	"io"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
)

// The ve-2024-actas layout: RESULTADOS_2024_CSV_V1.csv, the tally sheets of
// Venezuela's presidential election of 28 July 2024 that opposition
// witnesses photographed and transcribed, one row per table (mesa):
//
//	COD_EDO,EDO,COD_MUN,MUN,COD_PAR,PAR,CENTRO,MESA,RE,VOTOS_VALIDOS,VOTOS_NULOS,EG,NM,…,BERA,URL
//
// Areas are state (EDO), municipality (MUN), parish (PAR) and center, named
// as published; the center's name is its CENTRO code, the one printed on
// the sheet. A station is a table, coded "<CENTRO>.<MESA>" like the QR
// payload of the sheet.
//
// The sheets state no ballot count, so Ballots is VOTOS_VALIDOS +
// VOTOS_NULOS: the totals the sheet itself states. A row whose candidate
// columns do not add up to VOTOS_VALIDOS is well-formed and kept as it is;
// with Ballots taken from the stated totals, actas.Check flags it
// sum-mismatch. (Ballots computed from the candidate columns would hide the
// disagreement.) In the published file every row adds up.

// veCandidates are the candidate columns, in the order of the file, with
// the candidates' names.
var veCandidates = []struct{ column, id, name string }{
	{"EG", "eg", "Edmundo González"},
	{"NM", "nm", "Nicolás Maduro"},
	{"LM", "lm", "Luis Martínez"},
	{"JABE", "jabe", "Javier Bertucci"},
	{"JOBR", "jobr", "José Brito"},
	{"AE", "ae", "Antonio Ecarri"},
	{"CF", "cf", "Claudio Fermín"},
	{"DC", "dc", "Daniel Ceballos"},
	{"EM", "em", "Enrique Márquez"},
	{"BERA", "bera", "Benjamín Rausseo"},
}

// veColumns are the other columns the file must have.
var veColumns = []string{"COD_EDO", "EDO", "COD_MUN", "MUN", "COD_PAR", "PAR", "CENTRO", "MESA", "RE", "VOTOS_VALIDOS", "VOTOS_NULOS", "URL"}

func veRead(path string) (*actas.Dataset, error) {
	f, err := convOpenFile("ve-2024-actas", path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return veParse(f, path)
}

func veElection(choices []actas.Choice) *actas.Election {
	return &actas.Election{
		ID:       "ve-2024",
		Name:     "Venezuela presidential election, 28 July 2024",
		Date:     "2024-07-28",
		Timezone: "America/Caracas",
		Open:     "06:00",
		Close:    "18:00",
		Levels:   []string{"state", "municipality", "parish", "center"},
		Contests: []actas.Contest{{ID: "president", Name: "President of the Republic", Choices: choices}},
	}
}

// veParse converts the file read from r; file names it in errors.
func veParse(r io.Reader, file string) (*actas.Dataset, error) {
	c := convNewCSV(r, file, ',', 0)
	if err := c.readHeader(); err != nil {
		return nil, err
	}
	var idx struct{ edo, mun, par, centro, mesa, re, valid, null, url int }
	for _, x := range []struct {
		p    *int
		name string
	}{
		{&idx.edo, "EDO"}, {&idx.mun, "MUN"}, {&idx.par, "PAR"}, {&idx.centro, "CENTRO"}, {&idx.mesa, "MESA"},
		{&idx.re, "RE"}, {&idx.valid, "VOTOS_VALIDOS"}, {&idx.null, "VOTOS_NULOS"}, {&idx.url, "URL"},
	} {
		i, err := c.col(x.name)
		if err != nil {
			return nil, err
		}
		*x.p = i
	}
	// Choices follow the file's column order; a column we do not know could
	// hold votes we would silently drop, so it is an error.
	known := map[string]bool{}
	for _, n := range veColumns {
		known[n] = true
	}
	byColumn := map[string]int{}
	for i, cand := range veCandidates {
		byColumn[cand.column] = i
	}
	var cols []int
	var choices []actas.Choice
	for i, h := range c.header {
		h = strings.ToUpper(h) // as c.col, which finds the other columns
		if k, ok := byColumn[h]; ok {
			cols = append(cols, i)
			choices = append(choices, actas.Choice{ID: veCandidates[k].id, Name: veCandidates[k].name})
			delete(byColumn, h)
			continue
		}
		if !known[h] {
			return nil, parseError(file, 1, 0, h, "unexpected column; the file should have %s and the candidate columns", convQuoteList(veColumns, len(veColumns)))
		}
	}
	for _, cand := range veCandidates {
		if _, missing := byColumn[cand.column]; missing {
			return nil, parseError(file, 1, 0, cand.column, "missing candidate column (votes for %s)", cand.name)
		}
	}

	ds := &actas.Dataset{Election: veElection(choices)}
	names := convInterner{}
	type center struct {
		path string
		in   [3]string // state, municipality, parish
		line int
	}
	centers := map[string]center{}
	codes := map[string]int{} // station code → line
	var (
		rows  = newConvStationRows(ds, 4096)
		votes = convChunks[int64]{size: 4096 * len(cols)}
		buf   []byte
	)
	for {
		ok, err := c.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		line := c.line()
		var area [3]string
		for k, i := range []int{idx.edo, idx.mun, idx.par} {
			s, err := c.text(i)
			if err != nil {
				return nil, err
			}
			area[k] = names.get(s)
		}
		centro, err := c.text(idx.centro)
		if err != nil {
			return nil, err
		}
		if _, ok := convParseUint(centro); !ok {
			return nil, c.errf(idx.centro, "%q is not a center code (digits)", convShorten(centro))
		}
		mesa, err := c.uint(idx.mesa)
		if err != nil {
			return nil, err
		}
		if mesa == 0 {
			return nil, c.errf(idx.mesa, "table number 0; tables are numbered from 1")
		}
		registered, err := c.uint(idx.re)
		if err != nil {
			return nil, err
		}
		valid, err := c.uint(idx.valid)
		if err != nil {
			return nil, err
		}
		null, err := c.uint(idx.null)
		if err != nil {
			return nil, err
		}
		v := votes.take(len(cols))
		for k, i := range cols {
			if v[k], err = c.uint(i); err != nil {
				return nil, err
			}
		}

		// A center code names one place; the same code under two parishes
		// would make its tables' codes ambiguous.
		cen, seen := centers[centro]
		if !seen {
			centro = names.get(centro)
			cen = center{path: actas.JoinPath(area[0], area[1], area[2], centro), in: area, line: line}
			centers[centro] = cen
		} else if cen.in != area {
			return nil, c.errf(idx.centro, "center %s is in %s here but in %s on line %d", centro, actas.JoinPath(area[:]...), actas.ParentPath(cen.path), cen.line)
		}

		buf = append(buf[:0], centro...)
		buf = append(buf, '.')
		buf = strconv.AppendInt(buf, mesa, 10)
		code := string(buf)
		if first, dup := codes[code]; dup {
			return nil, c.errf(idx.mesa, "table %s appears twice (first on line %d)", code, first)
		}
		codes[code] = line

		rows.add(actas.Station{Code: code, Area: cen.path, Registered: registered}, actas.Witness, actas.Sheet{
			Station: code,
			Contest: "president",
			Votes:   v,
			Null:    null,
			Ballots: valid + null,
			Voters:  actas.Unknown,
		}, strings.Clone(strings.TrimSpace(c.rec[idx.url])))
	}
	if len(ds.Stations) == 0 {
		return nil, parseError(file, 2, 0, "", "no tables: the file has a header and nothing else")
	}
	if err := convValidate(file, ds); err != nil {
		return nil, err
	}
	return ds, nil
}

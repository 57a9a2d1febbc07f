package sheetio

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
)

// The ru-cik layout: the protocols of every precinct electoral commission
// (UIK) as published by Russia's Central Election Commission and scraped by
// Sergey Shpilkin, one row per UIK:
//
//	region,tik,uik,[3],[4],…,[20],<one column per party or candidate>,url
//
// Columns 3 to 20 are the protocol lines of the same number. Two elections
// are known, told apart by their party or candidate columns: the State Duma
// election of 4 December 2011 and the presidential election of 4 March
// 2012. Areas are region and tik (territorial commission), named as
// published.
//
// UIK numbers repeat across regions, so a station is coded
// "<region ordinal>-<uik>": the region's position in the file (01, 02, …,
// in order of first appearance) and the UIK number, e.g. "01-1". The code is
// stable for a given file, which is what re-importing it needs.
//
// Per sheet: Registered = [3]; Ballots = [9]+[10] (found in portable and
// stationary boxes); Null = [11] (invalid); Blank = 0 (the protocol has no
// such line); Voters = [5]+[6]+[7] (ballots issued, i.e. people recorded as
// having voted); Votes from the party or candidate columns. The valid line
// [12] is not stored: if the choice columns do not add up to it, Check sees
// Votes + Null ≠ Ballots and flags the sheet.
//
// Choice names are kept as published, without the ballot-position prefix
// ("1. ") that the 2011 party columns carry: ballot order is the choices'
// order already.

// ruChoice identifies a party or candidate column by a part of its name.
type ruChoice struct{ key, id string }

type ruElection struct {
	id, name, date      string
	contest, contestFor string
	choices             []ruChoice
}

var ruElections = []ruElection{
	{
		id: "ru-2011-duma", name: "Russia, State Duma election, 4 December 2011", date: "2011-12-04",
		contest: "duma", contestFor: "State Duma (federal party lists)",
		choices: []ruChoice{
			{"СПРАВЕДЛИВАЯ РОССИЯ", "sr"},
			{"Либерально-демократическая партия России", "ldpr"},
			{"ПАТРИОТЫ РОССИИ", "pr"},
			{"Коммунистическая партия Российской Федерации", "kprf"},
			{"ЯБЛОКО", "yabloko"},
			{"ЕДИНАЯ РОССИЯ", "er"},
			{"ПРАВОЕ ДЕЛО", "pd"},
		},
	},
	{
		id: "ru-2012-president", name: "Russia, presidential election, 4 March 2012", date: "2012-03-04",
		contest: "president", contestFor: "President of the Russian Federation",
		choices: []ruChoice{
			{"Жириновский", "zhirinovsky"},
			{"Зюганов", "zyuganov"},
			{"Миронов", "mironov"},
			{"Прохоров", "prokhorov"},
			{"Путин", "putin"},
		},
	},
}

// ruLines are the protocol columns the sheet is built from, each checked
// by a part of its heading: a file with the lines in other places would
// otherwise convert into wrong numbers without a word.
var ruLines = []struct {
	col  int
	key  string
	what string
}{
	{3, "Число избирателей", "[3] registered voters"},
	{5, "досрочно", "[5] ballots issued early"},
	{6, "в помещении", "[6] ballots issued in the station"},
	{7, "вне помещения", "[7] ballots issued outside the station"},
	{9, "переносных", "[9] ballots in portable boxes"},
	{10, "стационарных", "[10] ballots in stationary boxes"},
	{11, "Число недействительных", "[11] invalid ballots"},
	{12, "Число действительных", "[12] valid ballots"},
}

const (
	ruFirstLine  = 3  // column of protocol line [3]
	ruLastLine   = 20 // column of protocol line [20]
	ruFirstVotes = ruLastLine + 1
)

func ruRead(path string) (*actas.Dataset, error) {
	if !strings.EqualFold(filepath.Ext(path), ".zip") {
		f, err := convOpenFile("ru-cik", path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return ruParse(f, path)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		if _, statErr := os.Stat(path); statErr != nil {
			return nil, convOpenError("ru-cik", path, statErr)
		}
		return nil, parseError(path, 0, 0, "", "not a readable zip archive: %v", err)
	}
	defer zr.Close()
	var csvs []*zip.File
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") || !strings.EqualFold(filepath.Ext(f.Name), ".csv") {
			continue
		}
		csvs = append(csvs, f)
	}
	if len(csvs) != 1 {
		names := make([]string, len(csvs))
		for i, f := range csvs {
			names[i] = f.Name
		}
		return nil, parseError(path, 0, 0, "", "the archive must hold exactly one .csv file; it holds %d (%s)", len(csvs), strings.Join(names, ", "))
	}
	rc, err := csvs[0].Open()
	if err != nil {
		return nil, parseError(path, 0, 0, "", "cannot open %s in the archive: %v", csvs[0].Name, err)
	}
	defer rc.Close()
	return ruParse(rc, path+"/"+csvs[0].Name)
}

// ruMatch finds the known election whose parties or candidates are the
// columns cols, returning it and each column's choice id.
func ruMatch(cols []string) (*ruElection, []string) {
next:
	for i := range ruElections {
		e := &ruElections[i]
		if len(e.choices) != len(cols) {
			continue
		}
		ids := make([]string, len(cols))
		used := make([]bool, len(e.choices))
		for j, col := range cols {
			for k, ch := range e.choices {
				if !used[k] && strings.Contains(col, ch.key) {
					used[k] = true
					ids[j] = ch.id
					break
				}
			}
			if ids[j] == "" {
				continue next
			}
		}
		return e, ids
	}
	return nil, nil
}

// ruChoiceName drops a leading ballot position such as "1. ".
func ruChoiceName(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(s) && s[i] == '.' && s[i+1] == ' ' {
		return strings.TrimSpace(s[i+2:])
	}
	return s
}

// ruParse converts the CSV read from r; file names it in errors.
func ruParse(r io.Reader, file string) (*actas.Dataset, error) {
	c := convNewCSV(r, file, ',', 0)
	if err := c.readHeader(); err != nil {
		return nil, err
	}
	h := c.header
	if len(h) < ruFirstVotes+2 {
		return nil, parseError(file, 1, 0, "", "the header has %d columns; expected region, tik, uik, protocol lines [3] to [20], the parties or candidates and url", len(h))
	}
	for i, want := range []string{"region", "tik", "uik"} {
		if !strings.EqualFold(h[i], want) {
			return nil, parseError(file, 1, i+1, want, "column %d is %q; expected %q", i+1, convShorten(h[i]), want)
		}
	}
	urlCol := len(h) - 1
	if !strings.EqualFold(h[urlCol], "url") {
		return nil, parseError(file, 1, len(h), "url", "the last column is %q; expected \"url\"", convShorten(h[urlCol]))
	}
	for _, l := range ruLines {
		if !strings.Contains(h[l.col], l.key) {
			return nil, parseError(file, 1, l.col+1, h[l.col], "column %d should be protocol line %s", l.col+1, l.what)
		}
	}
	known, ids := ruMatch(h[ruFirstVotes:urlCol])
	if known == nil {
		return nil, parseError(file, 1, ruFirstVotes+1, "", "the party or candidate columns (%s) are neither those of the 2011 State Duma election nor those of the 2012 presidential election, the two this format knows",
			convQuoteList(h[ruFirstVotes:urlCol], 12))
	}
	choices := make([]actas.Choice, len(ids))
	for i, id := range ids {
		choices[i] = actas.Choice{ID: id, Name: ruChoiceName(h[ruFirstVotes+i])}
	}
	ds := &actas.Dataset{Election: &actas.Election{
		ID:       known.id,
		Name:     known.name,
		Date:     known.date,
		Timezone: "Europe/Moscow",
		Open:     "08:00",
		Close:    "20:00",
		Levels:   []string{"region", "tik"},
		Contests: []actas.Contest{{ID: known.contest, Name: known.contestFor, Choices: choices}},
	}}

	var (
		nChoices = len(choices)
		names    = convInterner{}
		regions  = map[string]int{}       // region → ordinal, from 1
		paths    = map[[2]string]string{} // region, tik → area path
		codes    = map[string]int{}       // station code → line
		rows     = newConvStationRows(ds, 8192)
		votes    = convChunks[int64]{size: 8192 * nChoices}
		line     [ruLastLine + 1]int64
		buf      []byte
		lastKey  [2]string
		lastPath string
	)
	for {
		ok, err := c.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		rowLine := c.line()
		region, err := c.text(0)
		if err != nil {
			return nil, err
		}
		tik, err := c.text(1)
		if err != nil {
			return nil, err
		}
		uik, err := c.uint(2)
		if err != nil {
			return nil, err
		}
		// Every protocol line must be a count, even those not stored: a
		// garbled line means a garbled row.
		for i := ruFirstLine; i <= ruLastLine; i++ {
			if line[i], err = c.uint(i); err != nil {
				return nil, err
			}
		}
		v := votes.take(nChoices)
		for k := range v {
			if v[k], err = c.uint(ruFirstVotes + k); err != nil {
				return nil, err
			}
		}

		// Rows come grouped by region and tik: look the path up only when
		// the group changes.
		if region != lastKey[0] || tik != lastKey[1] {
			region, tik = names.get(region), names.get(tik)
			lastKey = [2]string{region, tik}
			p, ok := paths[lastKey]
			if !ok {
				p = actas.JoinPath(region, tik)
				paths[lastKey] = p
			}
			lastPath = p
		}
		ord, ok := regions[lastKey[0]]
		if !ok {
			ord = len(regions) + 1
			regions[lastKey[0]] = ord
		}
		buf = buf[:0]
		if ord < 10 {
			buf = append(buf, '0')
		}
		buf = strconv.AppendInt(buf, int64(ord), 10)
		buf = append(buf, '-')
		buf = strconv.AppendInt(buf, uik, 10)
		if first, dup := codes[string(buf)]; dup {
			return nil, c.errf(2, "UIK %d of %s appears twice (first on line %d)", uik, lastKey[0], first)
		}
		code := string(buf)
		codes[code] = rowLine

		rows.add(actas.Station{Code: code, Area: lastPath, Registered: line[3]}, actas.Official, actas.Sheet{
			Station: code,
			Contest: known.contest,
			Votes:   v,
			Null:    line[11],
			Ballots: line[9] + line[10],
			Voters:  line[5] + line[6] + line[7],
		}, names.get(strings.TrimSpace(c.rec[urlCol])))
	}
	if len(ds.Stations) == 0 {
		return nil, parseError(file, 2, 0, "", "no stations: the file has a header and nothing else")
	}
	if err := convValidate(file, ds); err != nil {
		return nil, err
	}
	return ds, nil
}

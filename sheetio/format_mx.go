package sheetio

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/actasproject/actas"
)

// The mx-quickcount layout: the quick count of Mexico's presidential
// election of 1 July 2018, as kept by the quick-count committee
// (cotecora-team-2/quickcountmx). Two files:
//
//   - the sample design, 4-ConteoRapido18MUESTRA-ELECCION-PRESIDENCIAL.csv:
//     one row per sampled polling station (casilla) with its ID, its place
//     (iD_ESTADO, ID_DISTRITO_FEDERAL, SECCION) and LISTA_NOMINAL, its
//     registered voters (0 for special stations, which have no list);
//   - a delivery, REMESAS*.txt: '|'-separated, line 1 the number of rows,
//     line 2 the header, then one row per station that had reported, with
//     votes per candidate (RAC, JAMK, AMLO, JHRC), CNR (unregistered
//     candidates), NULOS, TOTAL and the arrival time ANIO…SEGUNDOS.
//
// Stations come from the design file, coded by its ID, e.g. A01010344C0300:
// "A", state (2 digits), federal district (2), section (4), station type
// (1 letter), station number (2), contiguous extension (2). A delivery row
// names its station by those columns; the code is rebuilt from them, and a
// row whose station is not in the design is an error. Areas are state
// (named), district (2 digits) and section (4 digits).
//
// Per sheet: Votes = RAC, JAMK, AMLO, JHRC, CNR; Null = NULOS; Ballots =
// TOTAL; Blank = 0; Voters unknown; Received = the arrival time, local time
// of Mexico City, stored in UTC. The delivery's own LISTA_NOMINAL is not
// used: registered voters are the design's.

// mxStates are the states by their INEGI number (iD_ESTADO).
var mxStates = [...]string{
	1: "Aguascalientes", 2: "Baja California", 3: "Baja California Sur", 4: "Campeche",
	5: "Coahuila", 6: "Colima", 7: "Chiapas", 8: "Chihuahua", 9: "Ciudad de México",
	10: "Durango", 11: "Guanajuato", 12: "Guerrero", 13: "Hidalgo", 14: "Jalisco",
	15: "México", 16: "Michoacán", 17: "Morelos", 18: "Nayarit", 19: "Nuevo León",
	20: "Oaxaca", 21: "Puebla", 22: "Querétaro", 23: "Quintana Roo", 24: "San Luis Potosí",
	25: "Sinaloa", 26: "Sonora", 27: "Tabasco", 28: "Tamaulipas", 29: "Tlaxcala",
	30: "Veracruz", 31: "Yucatán", 32: "Zacatecas",
}

// mxPlace are the columns that name a station, in both files, with the
// largest number that fits the code's width; TIPO_CASILLA is a letter.
var mxPlace = []struct {
	column string
	max    int64
	letter bool
}{
	{"iD_ESTADO", 32, false}, {"ID_DISTRITO_FEDERAL", 99, false}, {"SECCION", 9999, false},
	{"TIPO_CASILLA", 0, true}, {"ID_CASILLA", 99, false}, {"EXT_CONTIGUA", 99, false},
}

var mxChoices = []struct{ column, id, name string }{
	{"RAC", "rac", "Ricardo Anaya Cortés"},
	{"JAMK", "jamk", "José Antonio Meade Kuribreña"},
	{"AMLO", "amlo", "Andrés Manuel López Obrador"},
	{"JHRC", "jhrc", "Jaime Heliodoro Rodríguez Calderón"},
	{"CNR", "cnr", "Candidatos no registrados"},
}

var mxArrival = []string{"ANIO", "MES", "DIA", "HORA", "MINUTOS", "SEGUNDOS"}

func mxElection() *actas.Election {
	choices := make([]actas.Choice, len(mxChoices))
	for i, ch := range mxChoices {
		choices[i] = actas.Choice{ID: ch.id, Name: ch.name}
	}
	return &actas.Election{
		ID:       "mx-2018",
		Name:     "Mexico presidential election, 1 July 2018 (quick-count sample)",
		Date:     "2018-07-01",
		Timezone: "America/Mexico_City",
		Open:     "08:00",
		Close:    "18:00",
		Levels:   []string{"state", "district", "section"},
		Contests: []actas.Contest{{ID: "president", Name: "President of the Republic", Choices: choices}},
	}
}

func mxRead(path string) (*actas.Dataset, error) {
	design, remesas, err := mxFind(path)
	if err != nil {
		return nil, err
	}
	df, err := os.Open(design)
	if err != nil {
		return nil, convOpenError("mx-quickcount", design, err)
	}
	defer df.Close()
	rf, err := os.Open(remesas)
	if err != nil {
		return nil, convOpenError("mx-quickcount", remesas, err)
	}
	defer rf.Close()
	return mxParse(df, design, rf, remesas)
}

// mxFind returns the design file and the delivery given either of them or
// their directory.
func mxFind(path string) (design, remesas string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", "", convOpenError("mx-quickcount", path, err)
	}
	dir, base := path, ""
	if !fi.IsDir() {
		dir, base = filepath.Dir(path), filepath.Base(path)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", "", convOpenError("mx-quickcount", dir, err)
	}
	var designs, deliveries []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		switch n := e.Name(); {
		case mxIsDelivery(n):
			deliveries = append(deliveries, n)
		case mxIsDesign(n):
			designs = append(designs, n)
		}
	}
	pick := func(what, pattern string, names []string) (string, error) {
		if len(names) == 1 {
			return filepath.Join(dir, names[0]), nil
		}
		if len(names) == 0 {
			return "", actas.Errorf(actas.EINVALID, "mx-quickcount: no %s (%s) in %s", what, pattern, dir)
		}
		return "", actas.Errorf(actas.EINVALID, "mx-quickcount: %d files could be the %s in %s (%s): name the one to read", len(names), what, dir, strings.Join(names, ", "))
	}
	switch {
	case base == "":
		if design, err = pick("sample design", "*MUESTRA*.csv", designs); err != nil {
			return "", "", err
		}
		remesas, err = pick("delivery", "REMESAS*.txt", deliveries)
	case mxIsDelivery(base):
		remesas = path
		design, err = pick("sample design", "*MUESTRA*.csv", designs)
	case mxIsDesign(base):
		design = path
		remesas, err = pick("delivery", "REMESAS*.txt", deliveries)
	default:
		err = actas.Errorf(actas.EINVALID, "mx-quickcount: %s is neither a sample design (*MUESTRA*.csv) nor a delivery (REMESAS*.txt); give either file or their directory", path)
	}
	return design, remesas, err
}

func mxIsDelivery(name string) bool {
	u := strings.ToUpper(name)
	return strings.HasPrefix(u, "REMESAS") && strings.HasSuffix(u, ".TXT")
}

func mxIsDesign(name string) bool {
	u := strings.ToUpper(name)
	return strings.Contains(u, "MUESTRA") && strings.HasSuffix(u, ".CSV")
}

// mxCode builds a station code from the values of the mxPlace columns.
func mxCode(buf []byte, place *[6]int64, kind string) []byte {
	buf = append(buf[:0], 'A')
	buf = fmt.Appendf(buf, "%02d%02d%04d%s%02d%02d", place[0], place[1], place[2], kind, place[4], place[5])
	return buf
}

// mxReadPlace reads the mxPlace columns of the current row.
func mxReadPlace(c *convCSV, cols []int, place *[6]int64) (kind string, err error) {
	for k, p := range mxPlace {
		i := cols[k]
		if p.letter {
			kind = strings.TrimSpace(c.rec[i])
			if len(kind) != 1 || kind[0] < 'A' || kind[0] > 'Z' {
				return "", c.errf(i, "%q is not a station type (one capital letter)", convShorten(c.rec[i]))
			}
			continue
		}
		v, ok := convParseUint(c.rec[i])
		if !ok {
			return "", c.errf(i, "%q is not a whole number", convShorten(c.rec[i]))
		}
		if v > p.max || (k == 0 && v == 0) {
			return "", c.errf(i, "%d is out of range (at most %d)", v, p.max)
		}
		place[k] = v
	}
	return kind, nil
}

func mxCols(c *convCSV, names []string) ([]int, error) {
	cols := make([]int, len(names))
	for k, n := range names {
		i, err := c.col(n)
		if err != nil {
			return nil, err
		}
		cols[k] = i
	}
	return cols, nil
}

// mxPlaceCols returns the indexes of the place columns, which the design and
// the delivery both carry.
func mxPlaceCols(c *convCSV) ([]int, error) {
	names := make([]string, len(mxPlace))
	for k, p := range mxPlace {
		names[k] = p.column
	}
	return mxCols(c, names)
}

// mxParse converts a sample design and a delivery; the names locate errors.
func mxParse(design io.Reader, designName string, remesas io.Reader, remesasName string) (*actas.Dataset, error) {
	ds := &actas.Dataset{Election: mxElection()}
	index, err := mxParseDesign(design, designName, ds)
	if err != nil {
		return nil, err
	}
	if err := mxParseDelivery(remesas, remesasName, ds, index); err != nil {
		return nil, err
	}
	if err := convValidate(remesasName, ds); err != nil {
		return nil, err
	}
	return ds, nil
}

// mxParseDesign appends the design's stations to ds and returns each
// station's index by code.
func mxParseDesign(r io.Reader, file string, ds *actas.Dataset) (map[string]int, error) {
	c := convNewCSV(r, file, ',', 0)
	if err := c.readHeader(); err != nil {
		return nil, err
	}
	idCol, err := c.col("ID")
	if err != nil {
		return nil, err
	}
	lnCol, err := c.col("LISTA_NOMINAL")
	if err != nil {
		return nil, err
	}
	cols, err := mxPlaceCols(c)
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	lines := map[string]int{}
	paths := map[[3]int64]string{}
	var (
		place [6]int64
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
		id, err := c.text(idCol)
		if err != nil {
			return nil, err
		}
		kind, err := mxReadPlace(c, cols, &place)
		if err != nil {
			return nil, err
		}
		registered, err := c.uint(lnCol)
		if err != nil {
			return nil, err
		}
		// The ID is what deliveries are joined on: it must say what the
		// row's own columns say, or the join would put sheets elsewhere.
		buf = mxCode(buf, &place, kind)
		if id != string(buf) {
			return nil, c.errf(idCol, "%q does not match the row's place columns, which give %s", convShorten(id), buf)
		}
		if first, dup := lines[id]; dup {
			return nil, c.errf(idCol, "station %s appears twice (first on line %d)", id, first)
		}
		id = strings.Clone(id)
		lines[id] = c.line()
		key := [3]int64{place[0], place[1], place[2]}
		p, ok := paths[key]
		if !ok {
			p = actas.JoinPath(mxStates[place[0]], fmt.Sprintf("%02d", place[1]), fmt.Sprintf("%04d", place[2]))
			paths[key] = p
		}
		index[id] = len(ds.Stations)
		ds.Stations = append(ds.Stations, actas.Station{Code: id, Area: p, Registered: registered})
	}
	if len(ds.Stations) == 0 {
		return nil, parseError(file, 2, 0, "", "no stations: the file has a header and nothing else")
	}
	return index, nil
}

// mxParseDelivery appends one sheet per delivery row to ds.
func mxParseDelivery(r io.Reader, file string, ds *actas.Dataset, index map[string]int) error {
	loc, err := time.LoadLocation(ds.Election.Timezone)
	if err != nil {
		return fmt.Errorf("mx-quickcount: time zone %s: %w", ds.Election.Timezone, err)
	}
	br := bufio.NewReader(r)
	first, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("%s: %w", file, err)
	}
	first = strings.TrimSpace(strings.TrimPrefix(first, string(convBOM)))
	want, ok := convParseUint(first)
	if !ok {
		return parseError(file, 1, 1, "count", "%q is not the number of rows the delivery holds", convShorten(first))
	}
	c := convNewCSV(br, file, '|', 1)
	if err := c.readHeader(); err != nil {
		return err
	}
	cols, err := mxPlaceCols(c)
	if err != nil {
		return err
	}
	choiceNames := make([]string, len(mxChoices))
	for k, ch := range mxChoices {
		choiceNames[k] = ch.column
	}
	voteCols, err := mxCols(c, choiceNames)
	if err != nil {
		return err
	}
	countCols, err := mxCols(c, []string{"NULOS", "TOTAL"})
	if err != nil {
		return err
	}
	timeCols, err := mxCols(c, mxArrival)
	if err != nil {
		return err
	}
	var (
		place    [6]int64
		at       [6]int64
		buf      []byte
		rows     int64
		lines    = map[int]int{} // station index → line of its sheet
		subs     = convChunks[actas.Submission]{size: 4096}
		votes    = convChunks[int64]{size: 4096 * len(mxChoices)}
		contest  = ds.Election.Contests[0].ID
		maxParts = [6]int64{9999, 12, 31, 23, 59, 59}
	)
	for {
		ok, err := c.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		rows++
		kind, err := mxReadPlace(c, cols, &place)
		if err != nil {
			return err
		}
		buf = mxCode(buf, &place, kind)
		st, known := index[string(buf)]
		if !known {
			return c.errf(cols[0], "station %s is not in the sample design", buf)
		}
		if first, dup := lines[st]; dup {
			return c.errf(cols[0], "station %s has a second row (first on line %d)", buf, first)
		}
		lines[st] = c.line()
		v := votes.take(len(voteCols))
		for k, i := range voteCols {
			if v[k], err = c.uint(i); err != nil {
				return err
			}
		}
		null, err := c.uint(countCols[0])
		if err != nil {
			return err
		}
		total, err := c.uint(countCols[1])
		if err != nil {
			return err
		}
		for k, i := range timeCols {
			if at[k], err = c.uint(i); err != nil {
				return err
			}
			if at[k] > maxParts[k] || (k <= 2 && at[k] == 0) {
				return c.errf(i, "%d is not a valid %s", at[k], strings.ToLower(mxArrival[k]))
			}
		}
		t := time.Date(int(at[0]), time.Month(at[1]), int(at[2]), int(at[3]), int(at[4]), int(at[5]), 0, loc)
		if t.Day() != int(at[2]) {
			return c.errf(timeCols[2], "%d-%02d-%02d is not a date", at[0], at[1], at[2])
		}

		sub := &subs.take(1)[0]
		sub.Source = actas.Official
		sub.Received = t.UTC()
		sub.Sheet = actas.Sheet{
			Station: ds.Stations[st].Code,
			Contest: contest,
			Votes:   v,
			Null:    null,
			Ballots: total,
			Voters:  actas.Unknown,
		}
		ds.Sheets = append(ds.Sheets, sub)
	}
	if rows != want {
		return parseError(file, 1, 1, "count", "line 1 says the delivery holds %d rows but it holds %d (truncated or altered file?)", want, rows)
	}
	return nil
}

package sheetio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

const (
	mxDesignFile   = "4-ConteoRapido18MUESTRA-ELECCION-PRESIDENCIAL.csv"
	mxDeliveryFile = "REMESAS0100020000.txt"
)

func TestMexico2018(t *testing.T) {
	dir := convTestdata("mx-2018-quickcount")
	for _, tc := range []struct{ name, path string }{
		{"the directory", dir},
		{"the design file", filepath.Join(dir, mxDesignFile)},
		{"the delivery", filepath.Join(dir, mxDeliveryFile)},
	} {
		t.Run("given "+tc.name, func(t *testing.T) {
			ds := MustReadFormat(t, "mx-quickcount", tc.path)
			e := ds.Election
			if e.ID != "mx-2018" || e.Date != "2018-07-01" || e.Timezone != "America/Mexico_City" || e.Open != "08:00" || e.Close != "18:00" {
				t.Errorf("election %+v", e)
			}
			c, _ := e.Contest("president")
			if got := strings.Join(c.ChoiceIDs(), ","); got != "rac,jamk,amlo,jhrc,cnr" {
				t.Errorf("choices %s", got)
			}
			if c.Choices[2].Name != "Andrés Manuel López Obrador" {
				t.Errorf("name %q", c.Choices[2].Name)
			}
			tl := mustTally(t, ds, "president")
			for _, x := range []struct {
				what      string
				got, want any
			}{
				{"stations", tl.stations, 7787},
				{"sheets", tl.sheets, 6307},
				{"states", tl.areas[0], 32},
				{"stations with no list", zeroRegisteredReporting(ds), 42},
				{"López Obrador's share of the total", convPercent(tl.votes["amlo"], tl.ballots), "53.07%"},
				// TOTAL = candidates + CNR + NULOS on every sheet.
				{"sheets flagged sum-mismatch", tl.flags["sum-mismatch"], 0},
			} {
				if x.got != x.want {
					t.Errorf("%s: got %v, want %v", x.what, x.got, x.want)
				}
			}
		})
	}

	t.Run("first sheet as published", func(t *testing.T) {
		ds := MustReadFormat(t, "mx-quickcount", dir)
		st := ds.Stations[0]
		if st.Code != "A01010344C0300" || st.Area != "Aguascalientes/01/0344" || st.Registered != 626 {
			t.Errorf("station %+v", st)
		}
		sub := ds.Sheets[0]
		// 1|1|344|C|3|0|…|CNR 3|NULOS 14|TOTAL 408|RAC 76|JAMK 100|AMLO 205|JHRC 10|2018|7|1|20|19|47
		want := actas.Sheet{Station: "A01010344C0300", Contest: "president", Votes: []int64{76, 100, 205, 10, 3}, Null: 14, Ballots: 408, Voters: actas.Unknown}
		if !sub.Sheet.Equal(&want) || sub.Source != actas.Official {
			t.Errorf("sheet %+v from %s", sub.Sheet, sub.Source)
		}
		// 20:19:47 on 1 July 2018 in Mexico City (CDT, UTC-5).
		if at := time.Date(2018, 7, 2, 1, 19, 47, 0, time.UTC); !sub.Received.Equal(at) || sub.Received.Location() != time.UTC {
			t.Errorf("received %v, want %v", sub.Received, at)
		}
		first, last := sub.Received, sub.Received
		for _, s := range ds.Sheets {
			if s.Received.Before(first) {
				first = s.Received
			}
			if s.Received.After(last) {
				last = s.Received
			}
		}
		loc, _ := time.LoadLocation("America/Mexico_City")
		if f, l := first.In(loc).Format("15:04"), last.In(loc).Format("15:04"); f != "18:38" || l != "23:58" {
			t.Errorf("arrivals %s to %s, want 18:38 to 23:58", f, l)
		}
	})
}

// zeroRegisteredReporting counts the stations with a sheet and a list of 0.
func zeroRegisteredReporting(ds *actas.Dataset) int {
	zero := map[string]bool{}
	for _, st := range ds.Stations {
		if st.Registered == 0 {
			zero[st.Code] = true
		}
	}
	n := 0
	for _, s := range ds.Sheets {
		if zero[s.Sheet.Station] {
			n++
		}
	}
	return n
}

const mxDesign = `"ID","iD_ESTADO","ID_DISTRITO_FEDERAL","SECCION","TIPO_CASILLA","ID_CASILLA","EXT_CONTIGUA","TIPO_SECCION","LISTA_NOMINAL","ID_MUNICIPIO","ID_DIST_LOC","ID_ESTRATO_F","ESTRATO_F","ID_ESTRATO_L","ESTRATO_L","ID_AREA_RESPONSABILIDAD","NUM_ZORE","CIRCUNSCRIPCION"` + "\r\n" +
	`"A01010344C0300","01","01",344,"C",3,0,3,626,2,2,1,NA,1,NA,6,1,2` + "\r\n" +
	`"A01010356C0100","01","01",356,"C",1,0,1,650,3,8,1,NA,1,NA,15,4,2` + "\r\n"

const mxHeader = "iD_ESTADO|ID_DISTRITO_FEDERAL|SECCION|TIPO_CASILLA|ID_CASILLA|EXT_CONTIGUA|TIPO_SECCION|LISTA_NOMINAL|ID_MUNICIPIO|ID_DIST_LOC|ID_ESTRATO_F|ESTRATO_F|ID_ESTRATO_L|ESTRATO_L|ID_AREA_RESPONSABILIDAD|PAN|PRI|PRD|PVEM|PT|MC|PANAL|MORENA|PES|PAN_PRD_MC|PAN_PRD|PAN_MC|PRD_MC|PRI_PVEM_PANAL|PRI_PVEM|PRI_PANAL|PVEM_PANAL|PT_MORENA_PES|PT_MORENA|PT_PES|MORENA_PES|CNR|NULOS|TOTAL|RAC|JAMK|AMLO|JHRC|ANIO|MES|DIA|HORA|MINUTOS|SEGUNDOS|ORIGEN_CAPTURA|MODIFICADO\n"

const mxRow1 = "1|1|344|C|3|0|3|626|2|2|1|Estrato 1|0||6|67|86|4|1|10|5|11|184|6|0|0|0|0|0|0|2|0|2|3|0|0|3|14|408|76|100|205|10|2018|7|1|20|19|47|1|N\n"

const mxRow2 = "1|1|356|C|1|0|1|650|3|8|1|Estrato 1|0||15|74|67|5|6|22|2|7|91|8|1|0|0|0|1|0|2|0|4|1|0|1|0|16|330|82|83|127|22|2018|7|1|20|27|28|1|N\n"

func TestMexicoMalformed(t *testing.T) {
	row := func(r, old, new string) string { return strings.Replace(r, old, new, 1) }
	for _, tc := range []struct {
		name           string
		design, remesa string
		file           string // which file the error must name
		line           int
		field          string
		reason         string
	}{
		{"count disagrees with the rows", mxDesign, "3\n" + mxHeader + mxRow1 + mxRow2, "r", 1, "count", "holds 3 rows but it holds 2"},
		{"non-numeric count line", mxDesign, "many\n" + mxHeader + mxRow1, "r", 1, "count", "not the number"},
		{"truncated delivery row", mxDesign, "2\n" + mxHeader + mxRow1 + "1|1|356|C|1|0|1|650|3|8", "r", 4, "", "number of fields"},
		{"non-numeric votes", mxDesign, "1\n" + mxHeader + row(mxRow1, "|205|", "|2O5|"), "r", 3, "AMLO", "not a whole number"},
		{"missing column", mxDesign, "1\n" + row(mxHeader, "|NULOS", "|NULLS") + mxRow1, "r", 2, "NULOS", "missing column"},
		{"station not in the design", mxDesign, "1\n" + mxHeader + row(mxRow1, "1|1|344|", "1|1|345|"), "r", 3, "iD_ESTADO", "A01010345C0300 is not in the sample design"},
		{"station reported twice", mxDesign, "2\n" + mxHeader + mxRow1 + mxRow1, "r", 4, "iD_ESTADO", "second row (first on line 3)"},
		{"impossible arrival date", mxDesign, "1\n" + mxHeader + row(mxRow1, "|2018|7|1|", "|2018|6|31|"), "r", 3, "DIA", "not a date"},
		{"hour out of range", mxDesign, "1\n" + mxHeader + row(mxRow1, "|20|19|47|", "|24|19|47|"), "r", 3, "HORA", "not a valid hora"},
		{"station type not a letter", mxDesign, "1\n" + mxHeader + row(mxRow1, "|344|C|", "|344|7|"), "r", 3, "TIPO_CASILLA", "station type"},
		{"empty delivery", mxDesign, "", "r", 1, "count", ""},
		{"design ID disagrees with its columns", row(mxDesign, `"A01010356C0100"`, `"A01010356C0200"`), "0\n" + mxHeader, "d", 3, "ID", "A01010356C0100"},
		{"design station twice", mxDesign + `"A01010344C0300","01","01",344,"C",3,0,3,626,2,2,1,NA,1,NA,6,1,2` + "\r\n", "0\n" + mxHeader, "d", 4, "ID", "twice"},
		{"design non-numeric list", row(mxDesign, ",626,", ",NA,"), "0\n" + mxHeader, "d", 2, "LISTA_NOMINAL", "not a whole number"},
		{"design missing column", row(mxDesign, `"LISTA_NOMINAL"`, `"LISTA"`), "0\n" + mxHeader, "d", 1, "LISTA_NOMINAL", "missing column"},
		{"design state out of range", row(mxDesign, `"A01010344C0300","01"`, `"A33010344C0300","33"`), "0\n" + mxHeader, "d", 2, "iD_ESTADO", "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := mxParse(strings.NewReader(tc.design), "d", strings.NewReader(tc.remesa), "r")
			convWantRefused(t, ds, err, tc.line, tc.field, tc.reason)
			var pe *ParseError
			if errors.As(err, &pe) && pe.File != tc.file {
				t.Errorf("error names file %q, want %q", pe.File, tc.file)
			}
		})
	}
}

func TestMexicoFiles(t *testing.T) {
	src := convTestdata("mx-2018-quickcount")
	design, err := os.ReadFile(filepath.Join(src, mxDesignFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("two deliveries in the directory", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, mxDesignFile), design, 0o644)
		os.WriteFile(filepath.Join(dir, "REMESAS0100020000.txt"), []byte("0\n"+mxHeader), 0o644)
		os.WriteFile(filepath.Join(dir, "REMESAS0100021500.txt"), []byte("0\n"+mxHeader), 0o644)
		_, err := mxRead(dir)
		if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), "name the one to read") {
			t.Fatalf("%v", err)
		}
		// Naming one resolves it.
		ds, err := mxRead(filepath.Join(dir, "REMESAS0100021500.txt"))
		if err != nil || len(ds.Sheets) != 0 || len(ds.Stations) != 7787 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("no design beside the delivery", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "REMESAS0100020000.txt")
		os.WriteFile(path, []byte("0\n"+mxHeader), 0o644)
		_, err := mxRead(path)
		if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), "no sample design") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a file that is neither", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "results.csv")
		os.WriteFile(path, design, 0o644)
		if _, err := mxRead(path); actas.ErrorCode(err) != actas.EINVALID {
			t.Fatalf("%v", err)
		}
	})
}

func FuzzMexico(f *testing.F) {
	f.Add([]byte(mxDesign), []byte("2\n"+mxHeader+mxRow1+mxRow2))
	f.Add([]byte(mxDesign), []byte("0\n"+mxHeader))
	f.Add([]byte(mxDesign), []byte("1\n"+mxHeader+strings.Replace(mxRow1, "|2018|7|1|", "|2018|2|30|", 1)))
	f.Add([]byte(mxDesign), []byte("1\n"))
	dir := convTestdata("mx-2018-quickcount")
	f.Add(convHeadFile(filepath.Join(dir, mxDesignFile), 30), convHeadFile(filepath.Join(dir, mxDeliveryFile), 10))
	f.Fuzz(func(t *testing.T, design, remesa []byte) {
		ds, err := mxParse(strings.NewReader(string(design)), "d.csv", strings.NewReader(string(remesa)), "REMESAS.txt")
		convFuzzCheck(t, ds, err)
	})
}

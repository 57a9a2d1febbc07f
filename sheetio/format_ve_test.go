package sheetio

import (
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

func TestVenezuela2024(t *testing.T) {
	path := convTestdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv")
	ds := MustReadFormat(t, "ve-2024-actas", path)
	e := ds.Election
	if e.ID != "ve-2024" || e.Date != "2024-07-28" || e.Timezone != "America/Caracas" || e.Open != "06:00" || e.Close != "18:00" {
		t.Errorf("election %+v", e)
	}
	if got := strings.Join(e.Levels, ","); got != "state,municipality,parish,center" {
		t.Errorf("levels %s", got)
	}
	c, _ := e.Contest("president")
	if got := strings.Join(c.ChoiceIDs(), ","); got != "eg,nm,lm,jabe,jobr,ae,cf,dc,em,bera" {
		t.Errorf("choices %s", got)
	}
	if c.Choices[0].Name != "Edmundo González" || c.Choices[1].Name != "Nicolás Maduro" {
		t.Errorf("names %q, %q", c.Choices[0].Name, c.Choices[1].Name)
	}

	// The README's figures, computed from the file.
	tl := mustTally(t, ds, "president")
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"tables", tl.stations, 24532},
		{"sheets", tl.sheets, 24532},
		{"states", tl.areas[0], 24},
		{"centers", tl.areas[3], 12817},
		{"registered", tl.registered, int64(17745239)},
		{"valid", tl.valid, int64(10659128)},
		{"null", tl.null, int64(1139)},
		{"ballots are valid plus null", tl.ballots, int64(10659128 + 1139)},
		{"González", tl.votes["eg"], int64(7156462)},
		{"Maduro", tl.votes["nm"], int64(3241461)},
		{"González share of valid", convPercent(tl.votes["eg"], tl.valid), "67.14%"},
		{"Maduro share of valid", convPercent(tl.votes["nm"], tl.valid), "30.41%"},
		// Candidate columns add up to VOTOS_VALIDOS on every row, and no
		// table has more votes than voters.
		{"sheets flagged", len(tl.flags), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}

	t.Run("first table as published", func(t *testing.T) {
		st, sub := ds.Stations[0], ds.Sheets[0]
		if st.Code != "10113042.1" || st.Area != "DTTO. CAPITAL/MP. BLVNO LIBERTADOR/PQ. EL RECREO/10113042" || st.Registered != 666 {
			t.Errorf("station %+v", st)
		}
		want := actas.Sheet{Station: "10113042.1", Contest: "president", Votes: []int64{232, 120, 5, 0, 0, 3, 1, 1, 0, 2}, Ballots: 364, Voters: actas.Unknown}
		if !sub.Sheet.Equal(&want) || sub.Source != actas.Witness || !sub.Received.IsZero() {
			t.Errorf("sheet %+v from %s at %v", sub.Sheet, sub.Source, sub.Received)
		}
		if len(sub.Evidence) != 1 || sub.Evidence[0].Kind != "link" || sub.Evidence[0].URL != "https://static.resultadosconvzla.com/408106_387187_0096Acta0096.jpg" {
			t.Errorf("evidence %+v", sub.Evidence)
		}
	})
	t.Run("names with a slash stay one name", func(t *testing.T) {
		for _, st := range ds.Stations {
			if !strings.Contains(st.Area, `L\/DIEGO BAUTISTA`) {
				continue
			}
			names, err := actas.SplitPath(st.Area)
			if err != nil || len(names) != 4 || names[1] != "MP. L/DIEGO BAUTISTA" {
				t.Fatalf("area %q splits into %q, %v", st.Area, names, err)
			}
			return
		}
		t.Fatal("no station in MP. L/DIEGO BAUTISTA")
	})
}

const veHeader = "\ufeffCOD_EDO,EDO,COD_MUN,MUN,COD_PAR,PAR,CENTRO,MESA,RE,VOTOS_VALIDOS,VOTOS_NULOS,EG,NM,LM,JABE,JOBR,AE,CF,DC,EM,BERA,URL\n"

const veRow1 = "1,DTTO. CAPITAL,1,MP. BLVNO LIBERTADOR,13,PQ. EL RECREO,10113042,1,666,364,0,232,120,5,0,0,3,1,1,0,2,https://example.org/1.jpg\n"

func TestVenezuelaSheets(t *testing.T) {
	t.Run("candidates not adding up to valid is kept and flagged", func(t *testing.T) {
		// González written as 242 instead of 232: the sheet states valid 364.
		row := strings.Replace(veRow1, ",232,", ",242,", 1)
		ds, err := veParse(strings.NewReader(veHeader+row), "t.csv")
		if err != nil {
			t.Fatal(err)
		}
		s, st := &ds.Sheets[0].Sheet, &ds.Stations[0]
		if s.Ballots != 364 || s.Valid() != 374 {
			t.Errorf("ballots %d, votes %d", s.Ballots, s.Valid())
		}
		if f := actas.Check(s, st, 0); f&actas.FlagSumMismatch == 0 {
			t.Errorf("flags %v, want sum-mismatch", f)
		}
	})
	t.Run("no URL means no evidence", func(t *testing.T) {
		row := strings.Replace(veRow1, "https://example.org/1.jpg", "", 1)
		ds, err := veParse(strings.NewReader(veHeader+row), "t.csv")
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Sheets[0].Evidence) != 0 {
			t.Errorf("evidence %+v", ds.Sheets[0].Evidence)
		}
	})
	t.Run("CRLF line ends and no BOM", func(t *testing.T) {
		in := strings.ReplaceAll(strings.TrimPrefix(veHeader, "\ufeff")+veRow1, "\n", "\r\n")
		if _, err := veParse(strings.NewReader(in), "t.csv"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestVenezuelaMalformed(t *testing.T) {
	row2 := strings.Replace(veRow1, "10113042,1,", "10113042,2,", 1)
	for _, tc := range []struct {
		name   string
		in     string
		line   int
		field  string
		reason string
	}{
		{"empty file", "", 1, "", "empty"},
		{"truncated row", veHeader + veRow1 + "1,DTTO. CAPITAL,1,MP. BLVNO LIBERTADOR,13,PQ. EL RECREO,10113042,2,666,36", 3, "", "number of fields"},
		{"non-numeric count", veHeader + strings.Replace(veRow1, ",232,", ",23a,", 1), 2, "EG", "not a whole number"},
		{"negative count", veHeader + strings.Replace(veRow1, ",232,", ",-232,", 1), 2, "EG", "not a whole number"},
		{"missing candidate column", strings.Replace(veHeader, "BERA,", "", 1) + strings.Replace(veRow1, ",2,https", ",https", 1), 1, "BERA", "missing candidate column"},
		{"missing registered column", strings.Replace(veHeader, ",RE,", ",REG,", 1) + veRow1, 1, "RE", "missing column"},
		{"unknown column", strings.Replace(veHeader, "BERA", "XX", 1) + veRow1, 1, "XX", "unexpected column"},
		{"empty state", veHeader + strings.Replace(veRow1, "DTTO. CAPITAL", "", 1), 2, "EDO", "empty"},
		{"center code not digits", veHeader + strings.Replace(veRow1, "10113042", "1011X042", 1), 2, "CENTRO", "center code"},
		{"table zero", veHeader + strings.Replace(veRow1, "10113042,1,", "10113042,0,", 1), 2, "MESA", "numbered from 1"},
		{"table twice", veHeader + veRow1 + veRow1, 3, "MESA", "appears twice"},
		{"center in two parishes", veHeader + veRow1 + strings.Replace(row2, "PQ. EL RECREO", "PQ. OTRA", 1), 3, "CENTRO", "line 2"},
		{"unterminated quote", veHeader + strings.Replace(veRow1, "DTTO. CAPITAL", "\"DTTO. CAPITAL", 1), 2, "", ""},
		{"header only", veHeader, 2, "", "no tables"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := veParse(strings.NewReader(tc.in), "RESULTADOS.csv")
			convWantRefused(t, ds, err, tc.line, tc.field, tc.reason)
		})
	}
}

func BenchmarkVenezuela(b *testing.B) {
	path := convTestdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := veRead(path); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzVenezuela(f *testing.F) {
	f.Add([]byte(veHeader + veRow1))
	f.Add([]byte(veHeader + veRow1 + strings.Replace(veRow1, "10113042,1,", "10113042,2,", 1)))
	f.Add([]byte(veHeader))
	f.Add([]byte(strings.Replace(veHeader, "BERA,", "", 1)))
	f.Add(convHeadFile(convTestdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv"), 20))
	f.Fuzz(func(t *testing.T, in []byte) {
		ds, err := veParse(strings.NewReader(string(in)), "fuzz.csv")
		convFuzzCheck(t, ds, err)
	})
}

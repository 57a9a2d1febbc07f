package tabulate_test

import (
	"encoding/csv"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

// loadVenezuela2024 reads the opposition's tally sheets of 28 July 2024
// (testdata/README.md) as an election of tables (mesas) in voting centers,
// with one witness submission per table. It is a minimal reader for this
// test; sheetio owns the real one.
func loadVenezuela2024(tb testing.TB) (*actas.Election, []actas.Station, []*actas.Submission) {
	tb.Helper()
	f, err := os.Open("../testdata/ve-2024-actas/RESULTADOS_2024_CSV_V1.csv")
	if err != nil {
		tb.Skipf("real data not available: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		tb.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	candidates := []string{"EG", "NM", "LM", "JABE", "JOBR", "AE", "CF", "DC", "EM", "BERA"}
	e := &actas.Election{
		ID: "ve-2024", Name: "Elección presidencial 2024", Date: "2024-07-28", Timezone: "America/Caracas",
		Levels:   []string{"state", "municipality", "parish", "center"},
		Contests: []actas.Contest{{ID: "president", Name: "Presidente"}},
	}
	for _, c := range candidates {
		e.Contests[0].Choices = append(e.Contests[0].Choices, actas.Choice{ID: strings.ToLower(c), Name: c})
	}
	num := func(rec []string, name string) int64 {
		n, err := strconv.ParseInt(rec[col[name]], 10, 64)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		return n
	}
	var stations []actas.Station
	var subs []*actas.Submission
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		code := rec[col["CENTRO"]] + "." + rec[col["MESA"]]
		stations = append(stations, actas.Station{
			Code: code, Area: actas.JoinPath(rec[col["EDO"]], rec[col["MUN"]], rec[col["PAR"]], rec[col["CENTRO"]]),
			Registered: num(rec, "RE"),
		})
		sheet := actas.Sheet{Station: code, Contest: "president", Null: num(rec, "VOTOS_NULOS"), Voters: actas.Unknown}
		for _, c := range candidates {
			sheet.Votes = append(sheet.Votes, num(rec, c))
		}
		sheet.Ballots = sheet.Valid() + sheet.Null
		subs = append(subs, &actas.Submission{Seq: int64(len(subs) + 1), Election: "ve-2024", Source: actas.Witness, Sheet: sheet})
	}
	return e, stations, subs
}

func TestVenezuela2024(t *testing.T) {
	e, stations, subs := loadVenezuela2024(t)
	tab := MustTabulator(t, tabulate.DefaultRules(), e, stations)
	for _, s := range subs {
		MustAdd(t, tab, s)
	}
	nat, states := MustArea(t, tab, "ve-2024", "", actas.Reconciled, "")
	// Expected figures: testdata/README.md, computed from the file.
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"tables", nat.Stations, 24_532},
		{"tables counted", nat.StationsCounted, 24_532},
		{"states", int64(len(states)), 24},
		{"registered", nat.Registered, 17_745_239},
		{"valid votes", nat.Valid(), 10_659_128},
		{"null votes", nat.Null, 1_139},
		{"González", nat.Votes[0], 7_156_462},
		{"Maduro", nat.Votes[1], 3_241_461},
		{"single sheets", nat.Single, 24_532},
		{"tables stating voters", nat.VotersStations, 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	if s := nat.Share(0); s < 0.67135 || s >= 0.67145 {
		t.Errorf("González share %.5f, want 67.14%%", s)
	}
	if s := nat.Share(1); s < 0.30405 || s >= 0.30415 {
		t.Errorf("Maduro share %.5f, want 30.41%%", s)
	}
	centers, err := tab.Level("ve-2024", "", actas.Witness, "center", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(centers) != 12_817 {
		t.Errorf("%d voting centers, want 12,817", len(centers))
	}
	var sum int64
	for _, s := range states {
		sum += s.Votes[0]
	}
	if sum != nat.Votes[0] {
		t.Errorf("states add up to %d votes for González, the nation has %d", sum, nat.Votes[0])
	}

	hits, err := tab.Search("ve-2024", "chiquinquirá", 50)
	if err != nil {
		t.Fatal(err)
	}
	parishes := 0
	for _, h := range hits {
		if h.Level == "parish" && h.Name == "PQ. CHIQUINQUIRA" {
			parishes++
		}
	}
	if parishes == 0 {
		t.Errorf("searching chiquinquirá finds no parish PQ. CHIQUINQUIRA: %v", hits)
	}
}

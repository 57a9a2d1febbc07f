package tabulate_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

// hit formats a search hit the way a results page lists it.
func hit(h actas.SearchHit) string {
	if h.Station != "" {
		return "station " + h.Station + " in " + h.Path
	}
	return h.Level + " " + h.Path
}

func searchElection(tb testing.TB) *tabulate.Tabulator {
	tb.Helper()
	stations := append(fixtureStations(),
		actas.Station{Code: "AB-7", Area: "Zulia/Cabimas/Ambrosio", Registered: 10},
		actas.Station{Code: "ab-70", Area: "Zulia/Cabimas/Ambrosio", Registered: 10},
		actas.Station{Code: "3001", Area: "Distrito Capital/Libertador/Catedral", Registered: 10},
		actas.Station{Code: "3002", Area: "Mérida/Libertador/El Llano", Registered: 10},
		actas.Station{Code: "3003", Area: "ЗУЛИЯ/Ёлкино/Й", Registered: 10},
	)
	return MustTabulator(tb, tabulate.DefaultRules(), fixtureElection(), stations)
}

func TestSearch(t *testing.T) {
	tab := searchElection(t)
	for _, tc := range []struct {
		name, query string
		limit       int
		want        []string
	}{
		{"parish without its accent", "chiquinquira", 10, []string{"parish Zulia/Maracaibo/Chiquinquirá", "parish Lara/Torres/Chiquinquirá"}},
		{"parish in capitals with its accent", "CHIQUINQUIRÁ", 10, []string{"parish Zulia/Maracaibo/Chiquinquirá", "parish Lara/Torres/Chiquinquirá"}},
		{"part of a name", "quinq", 10, []string{"parish Zulia/Maracaibo/Chiquinquirá", "parish Lara/Torres/Chiquinquirá"}},
		{"exact names, then names starting with the query, then names containing it", "catedral", 10,
			[]string{"parish Lara/Iribarren/Catedral", "parish Distrito Capital/Libertador/Catedral"}},
		{"higher levels first", "libertador", 10, []string{"municipality Distrito Capital/Libertador", "municipality Mérida/Libertador"}},
		{"names starting with the query before names containing it, whatever their level", "ca", 10, []string{
			"municipality Zulia/Cabimas", "parish Lara/Iribarren/Catedral", "parish Distrito Capital/Libertador/Catedral",
			"state Distrito Capital", "municipality Zulia/Maracaibo"}},
		{"station code exact match first", "1001", 10, []string{"station 1001 in Zulia/Maracaibo/Chiquinquirá", "station 10010 in Zulia/Maracaibo/Santa Lucía"}},
		{"station code prefix, in code order", "100", 10, []string{
			"station 1001 in Zulia/Maracaibo/Chiquinquirá", "station 10010 in Zulia/Maracaibo/Santa Lucía", "station 1002 in Zulia/Maracaibo/Chiquinquirá",
			"station 1003 in Zulia/Maracaibo/Santa Lucía", "station 1004 in Zulia/Cabimas/Ambrosio"}},
		{"station codes ignore case", "ab-7", 10, []string{"station AB-7 in Zulia/Cabimas/Ambrosio", "station ab-70 in Zulia/Cabimas/Ambrosio"}},
		{"stations before areas", "a", 4, []string{"station AB-7 in Zulia/Cabimas/Ambrosio", "station ab-70 in Zulia/Cabimas/Ambrosio", "parish Zulia/Cabimas/Ambrosio", "state Zulia"}},
		{"the limit cuts the list", "100", 2, []string{"station 1001 in Zulia/Maracaibo/Chiquinquirá", "station 10010 in Zulia/Maracaibo/Santa Lucía"}},
		{"a path is not a name", "зулия/ёлкино", 10, []string{}},
		{"cyrillic short i without its breve", "и", 10, []string{"parish ЗУЛИЯ/Ёлкино/Й", "state ЗУЛИЯ", "municipality ЗУЛИЯ/Ёлкино"}},
		{"cyrillic in any case", "зулия", 10, []string{"state ЗУЛИЯ"}},
		{"cyrillic letters with marks", "елкино", 10, []string{"municipality ЗУЛИЯ/Ёлкино"}},
		{"spaces around the query", "  santa lucia ", 10, []string{"parish Zulia/Maracaibo/Santa Lucía"}},
		{"nothing matches", "caracas", 10, []string{}},
		{"empty query", "   ", 10, []string{}},
		{"no limit", "zulia", 0, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := tab.Search("ve-2024", tc.query, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, h := range hits {
				got = append(got, hit(h))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Search(%q, %d) =\n%q\nwant\n%q", tc.query, tc.limit, got, tc.want)
			}
		})
	}
	t.Run("a hit names the area", func(t *testing.T) {
		hits, err := tab.Search("ve-2024", "2002", 1)
		if err != nil || len(hits) != 1 {
			t.Fatalf("Search = %v, %v", hits, err)
		}
		want := actas.SearchHit{Station: "2002", Path: "Lara/Iribarren/Catedral", Name: "Catedral", Level: "parish"}
		if hits[0] != want {
			t.Fatalf("hit = %+v, want %+v", hits[0], want)
		}
	})
}

// FuzzSearch checks that any query gives at most limit hits, stations
// first, each matching the query, the same each time.
func FuzzSearch(f *testing.F) {
	for _, q := range []string{"chiquinquira", "CHIQUINQUIRÁ", "100", "ab-7", "a", "", "\x00", "Ё", "\xff\xfe", "/", "a\u0301", "ǅ"} {
		f.Add(q, 5)
	}
	tab := searchElection(f)
	f.Fuzz(func(t *testing.T, query string, limit int) {
		limit = limit%50 - 2
		hits, err := tab.Search("ve-2024", query, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) > max(limit, 0) {
			t.Fatalf("%d hits for limit %d", len(hits), limit)
		}
		again, _ := tab.Search("ve-2024", query, limit)
		if !reflect.DeepEqual(hits, again) {
			t.Fatalf("two searches differ: %v, %v", hits, again)
		}
		areas := false
		for _, h := range hits {
			if h.Station == "" {
				areas = true
				if _, _, err := tab.Area("ve-2024", "", actas.Reconciled, h.Path); err != nil {
					t.Fatalf("hit %+v names no area: %v", h, err)
				}
				continue
			}
			if areas {
				t.Fatalf("station hit %+v after an area hit", h)
			}
			st, err := tab.Station("ve-2024", "", h.Station)
			if err != nil || st.Station.Area != h.Path {
				t.Fatalf("hit %+v: station %+v, %v", h, st, err)
			}
		}
		// Queries are compared folded; an ASCII query must be found in
		// the lower-cased code or name.
		if q := strings.ToLower(strings.TrimSpace(query)); isASCII(q) {
			for _, h := range hits {
				if h.Station != "" && !strings.HasPrefix(strings.ToLower(h.Station), q) ||
					h.Station == "" && isASCII(h.Name) && !strings.Contains(strings.ToLower(h.Name), q) {
					t.Fatalf("hit %+v does not match %q", h, query)
				}
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// mustJSON decodes a 200 JSON response into v.
func (f *fixture) mustJSON(tb testing.TB, target string, v any) string {
	tb.Helper()
	r := f.get(tb, target).mustOK(tb, target)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("GET %s: Content-Type %q", target, ct)
	}
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		tb.Fatalf("GET %s: %v", target, err)
	}
	return r.Body
}

func TestAPIResultsIsTheResultsDocument(t *testing.T) {
	f := MustSimulate(t, 400, 21)
	e := f.Election
	c := &e.Contests[0]
	base := "/api/v1/elections/" + e.ID + "/results"
	state := func() string {
		_, ch := f.mustArea(t, c.ID, actas.Reconciled, "")
		return ch[0].Path
	}()
	tests := []struct {
		name   string
		query  string
		source actas.Source
		want   func() ([]*actas.AreaResult, string)
	}{
		{"national and its children", "", actas.Reconciled, func() ([]*actas.AreaResult, string) {
			a, ch := f.mustArea(t, c.ID, actas.Reconciled, "")
			return append([]*actas.AreaResult{a}, ch...), actas.National
		}},
		{"an area of witness sheets", "?source=witness&area=" + url.QueryEscape(state), actas.Witness, func() ([]*actas.AreaResult, string) {
			a, ch := f.mustArea(t, c.ID, actas.Witness, state)
			return append([]*actas.AreaResult{a}, ch...), a.Level
		}},
		{"a whole level", "?level=" + e.Levels[1], actas.Reconciled, func() ([]*actas.AreaResult, string) {
			as, err := f.Tab.Level(e.ID, c.ID, actas.Reconciled, e.Levels[1], "")
			if err != nil {
				t.Fatal(err)
			}
			return as, e.Levels[1]
		}},
		{"national level", "?level=national&source=official", actas.Official, func() ([]*actas.AreaResult, string) {
			as, err := f.Tab.Level(e.ID, c.ID, actas.Official, actas.National, "")
			if err != nil {
				t.Fatal(err)
			}
			return as, actas.National
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			areas, level := tt.want()
			want, err := json.Marshal(actas.NewResultsDocument(e, c, tt.source, level, areas))
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			body := f.mustJSON(t, base+tt.query, &doc)
			if strings.TrimSpace(body) != string(want) {
				t.Errorf("API body differs from actas.NewResultsDocument:\n got %.600s\nwant %.600s", body, want)
			}
			// The keys DESIGN.md promises scripts.
			for _, k := range []string{"contest", "source", "level", "areas"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("results lack %q", k)
				}
			}
			first := doc["areas"].([]any)[0].(map[string]any)
			for _, k := range []string{"area", "stations", "stations_counted", "registered", "registered_counted", "ballots", "blank", "null", "votes"} {
				if _, ok := first[k]; !ok {
					t.Errorf("results area lacks %q", k)
				}
			}
			// The same data as CSV.
			r := f.get(t, base+tt.query+sep(tt.query)+"format=csv").mustOK(t, "csv")
			rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			d := actas.NewResultsDocument(e, c, tt.source, level, areas)
			if !slices.Equal(rows[0], d.CSVHeader()) || fmt.Sprint(rows[1:]) != fmt.Sprint(d.CSVRows()) {
				t.Errorf("CSV differs from the document's CSVRows")
			}
		})
	}
	t.Run("national is called national", func(t *testing.T) {
		var doc actas.ResultsDocument
		f.mustJSON(t, base+"?level=national", &doc)
		if len(doc.Areas) != 1 || doc.Areas[0].Area != actas.National {
			t.Errorf("level national: %+v", doc.Areas)
		}
	})
	t.Run("a level in pages", func(t *testing.T) {
		var all, page actas.ResultsDocument
		f.mustJSON(t, base+"?level="+e.Levels[2], &all)
		f.mustJSON(t, base+"?level="+e.Levels[2]+"&limit=3&page=2", &page)
		if len(page.Areas) != 3 || page.Areas[0].Area != all.Areas[3].Area {
			t.Errorf("page 2 of 3: %d areas", len(page.Areas))
		}
	})
}

func sep(q string) string {
	if q == "" {
		return "?"
	}
	return "&"
}

func TestAPIMirrorsThePages(t *testing.T) {
	f := MustHandmade(t)
	t.Run("elections", func(t *testing.T) {
		var body struct {
			Elections []actas.Election `json:"elections"`
		}
		f.mustJSON(t, "/api/v1/elections", &body)
		if len(body.Elections) != 1 || body.Elections[0].ID != hmID || len(body.Elections[0].Contests) != 2 {
			t.Errorf("elections: %+v", body)
		}
	})
	t.Run("election with contests, levels and sources", func(t *testing.T) {
		var body map[string]any
		f.mustJSON(t, "/api/v1/elections/"+hmID, &body)
		if body["id"] != hmID || fmt.Sprint(body["levels"]) != "[state municipality]" || fmt.Sprint(body["sources"]) != "[witness official]" {
			t.Errorf("election: %v", body)
		}
	})
	t.Run("area with its views, totals and stations", func(t *testing.T) {
		var body apiAreaBody
		f.mustJSON(t, "/api/v1/elections/"+hmID+"/areas/Zulia/MP.%20L%2FDIEGO%20BAUTISTA", &body)
		if body.Area.Name != hmSlashArea || body.Area.Level != "municipality" || len(body.Parents) != 2 || body.Parents[1].Name != "Zulia" {
			t.Errorf("area: %+v parents %+v", body.Area, body.Parents)
		}
		if body.Stations == nil || body.Stations.Total != 2 || body.Stations.Stations[0].Station != hmConflict {
			t.Fatalf("stations: %+v", body.Stations)
		}
		st := body.Stations.Stations[0]
		if st.State != actas.StateConflict || st.From != actas.Witness || st.Sheet.Votes["a"] != 700 || !slices.Equal(st.Sources, []string{"witness", "official"}) {
			t.Errorf("station row: %+v", st)
		}
		if v := body.Views[actas.Official]; v == nil || v.Votes["a"] != 1100 || v.Flagged != 1 {
			t.Errorf("official view: %+v", v)
		}
	})
	t.Run("national area has the official totals", func(t *testing.T) {
		var body apiAreaBody
		f.mustJSON(t, "/api/v1/elections/"+hmID+"/areas/", &body)
		if len(body.Official) != 1 || body.Official[0].Votes["b"] != 1500 || body.Official[0].Blank != nil || *body.Official[0].Registered != 4600 {
			t.Errorf("official totals: %+v", body.Official)
		}
		if body.Area.Area != actas.National || body.Stations != nil {
			t.Errorf("national: %+v", body.Area)
		}
	})
	t.Run("station with submissions and flags as names", func(t *testing.T) {
		var body apiStationBody
		f.mustJSON(t, "/api/v1/elections/"+hmID+"/stations/"+hmConflict, &body)
		if body.Station.Code != hmConflict || len(body.Contests) != 2 {
			t.Fatalf("station: %+v", body)
		}
		p := body.Contests[0]
		if p.State != actas.StateConflict || p.From != actas.Witness || len(p.Submissions) != 2 {
			t.Fatalf("president: %+v", p)
		}
		off := p.Submissions[1]
		if off.Source != actas.Official || !slices.Equal(off.Flags, []string{"sum-mismatch", "voters-differ-from-ballots"}) {
			t.Errorf("official submission: %+v", off)
		}
		if off.Received != "2024-07-28T19:00:01-04:00" {
			t.Errorf("received %q, want the election's time zone", off.Received)
		}
		if p.Submissions[0].Sheet.Voters != nil || *off.Sheet.Voters != 1030 {
			t.Errorf("voters: unknown must be absent, stated must be given")
		}
		if len(p.Submissions[0].Evidence) != 4 {
			t.Errorf("evidence: %+v", p.Submissions[0].Evidence)
		}
	})
	t.Run("search", func(t *testing.T) {
		var body apiSearchBody
		f.mustJSON(t, "/api/v1/elections/"+hmID+"/search?q=merida", &body)
		if len(body.Hits) != 1 || body.Hits[0].Name != "Mérida" || body.Hits[0].URL != "/e/demo-2024/a/M%C3%A9rida" {
			t.Errorf("search: %+v", body)
		}
	})
	t.Run("each page links its JSON", func(t *testing.T) {
		for _, target := range []string{electionURL(hmID), areaURL(hmID, actas.JoinPath("Zulia", hmSlashArea)), stationURL(hmID, hmConflict), searchURL(hmID) + "?q=0101"} {
			page := f.get(t, target).Body
			var api string
			for _, a := range links(page) {
				if strings.HasPrefix(a.Href, "/api/v1/") {
					api = a.Href
				}
			}
			if api == "" {
				t.Errorf("%s links no JSON", target)
				continue
			}
			var v any
			f.mustJSON(t, api, &v)
		}
	})
	t.Run("errors are JSON with a code", func(t *testing.T) {
		r := f.get(t, "/api/v1/elections/"+hmID+"/results?source=rumour")
		var body errorBody
		if err := json.NewDecoder(bytes.NewReader([]byte(r.Body))).Decode(&body); err != nil || r.Status != http.StatusBadRequest || body.Error.Code != "invalid" || body.Error.Message == "" {
			t.Errorf("invalid source: %d %s", r.Status, r.Body)
		}
	})
}

func TestErrorStatus(t *testing.T) {
	for code, want := range map[string]int{
		actas.EINVALID: 400, actas.EUNAUTHORIZED: 401, actas.EFORBIDDEN: 403,
		actas.ENOTFOUND: 404, actas.ECONFLICT: 409, actas.EINTERNAL: 500, "unheard-of": 500,
	} {
		if got := errorStatus(code); got != want {
			t.Errorf("errorStatus(%s) = %d, want %d", code, got, want)
		}
	}
}

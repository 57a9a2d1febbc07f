package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

func TestOpenDataDownloads(t *testing.T) {
	f := MustHandmade(t)
	page := f.get(t, "/e/"+hmID).mustOK(t, "/e/"+hmID).Body
	var hrefs []string
	for _, a := range links(page) {
		if strings.Contains(a.Href, "/export/") {
			hrefs = append(hrefs, a.Href)
		}
	}
	want := []string{
		"/api/v1/elections/" + hmID + "/export/stations-csv",
		"/api/v1/elections/" + hmID + "/export/openelections",
		"/api/v1/elections/" + hmID + "/export/nist",
	}
	if !slices.Equal(hrefs, want) {
		t.Fatalf("the election page links open data %q, want %q", hrefs, want)
	}

	t.Run("per-station CSV holds the official sheet with its log entry", func(t *testing.T) {
		rows := f.mustCSV(t, want[0])
		var got []string
		for _, r := range rows {
			if r[0] == hmConflict && r[4] == "official" && r[5] == "president" {
				got = r
			}
		}
		// station, state, municipality, registered, source, contest, a, b, c, yes, no, blank, null, ballots, voters, flags, seq
		if len(got) != 17 || got[6] != "500" || got[7] != "500" || got[13] != "1040" || got[16] == "" {
			t.Errorf("row of station %s's official sheet: %q", hmConflict, got)
		}
		sub, err := f.Store.StationSubmissions(t.Context(), hmID, hmConflict)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sub {
			if s.Source == actas.Official && len(got) == 17 && got[16] != itoa(s.Seq) {
				t.Errorf("seq %s, the store says %d", got[16], s.Seq)
			}
		}
	})
	t.Run("OpenElections CSV is an attachment named after the election", func(t *testing.T) {
		r := f.get(t, want[1]+"?contest=president").mustOK(t, want[1])
		if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="`+hmID+`-openelections-president.csv"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		if !strings.HasPrefix(r.Body, "county,precinct,office,district,party,candidate,votes,") {
			t.Errorf("body starts %.200q", r.Body)
		}
	})
	t.Run("NIST JSON of the reconciled view", func(t *testing.T) {
		r := f.get(t, want[2]+"?source=reconciled").mustOK(t, want[2])
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		var rep struct{ Format, Status string }
		if err := json.Unmarshal([]byte(r.Body), &rep); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		if rep.Format != "precinct-level" || rep.Status != "unofficial-partial" {
			t.Errorf("Format %q Status %q", rep.Format, rep.Status)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name, target string
			status       int
		}{
			{"unknown format", "/api/v1/elections/" + hmID + "/export/xml", http.StatusNotFound},
			{"unknown source", want[2] + "?source=rumour", http.StatusBadRequest},
			{"unknown contest", want[2] + "?contest=mayor", http.StatusNotFound},
			{"unknown election", "/api/v1/elections/nope/export/nist", http.StatusNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := f.get(t, tc.target)
				if r.Status != tc.status || !strings.Contains(r.Header.Get("Content-Type"), "json") {
					t.Errorf("GET %s: status %d (%s), want %d with a JSON error", tc.target, r.Status, r.Header.Get("Content-Type"), tc.status)
				}
			})
		}
	})
	t.Run("only the election's page links the files", func(t *testing.T) {
		target := "/e/" + hmID + "/a/Zulia"
		if body := f.get(t, target).mustOK(t, target).Body; strings.Contains(body, "/export/") {
			t.Errorf("%s links open data", target)
		}
	})
}

package opendata_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/opendata"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// MustNISTSchema compiles the NIST SP 1500-100 v2 JSON schema kept in
// testdata (see testdata/README.md), asserting formats (dates) too.
func MustNISTSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	f, err := os.Open("testdata/NIST_V2_election_results_reporting.json")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		tb.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://example.org/NIST_V2_election_results_reporting.json"
	if err := c.AddResource(url, doc); err != nil {
		tb.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

func validateNIST(tb testing.TB, sch *jsonschema.Schema, data []byte) error {
	tb.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("export is not JSON: %v", err)
	}
	return sch.Validate(v)
}

// nistReport is the part of an ElectionReport the tests read back.
type nistReport struct {
	Format, Status, GeneratedDate string
	GpUnit                        []struct {
		ID                 string `json:"@id"`
		Type, OtherType    string
		ComposingGpUnitIds []string
		VotersRegistered   int64
		VotersParticipated int64
	}
	Election []struct {
		Contest []struct {
			ID               string `json:"@id"`
			SubUnitsReported int
			TotalSubUnits    int
			ContestSelection []struct {
				VoteCounts []struct {
					GpUnitID string `json:"GpUnitId"`
					Count    int64
				}
			}
			OtherCounts []struct {
				GpUnitID   string `json:"GpUnitId"`
				Undervotes int64
				Overvotes  int64
			}
		}
	}
}

func TestNISTValidatesAgainstSchema(t *testing.T) {
	sch := MustNISTSchema(t)
	fix := fixture()
	sim := MustSimulate(t, 600, 7)
	tests := []struct {
		name   string
		ds     *actas.Dataset
		opt    opendata.Options
		status string
	}{
		{"handmade election, official sheets", fix, opendata.Options{Administration: "CNE", Language: "es"}, "unofficial-partial"},
		{"handmade election, reconciled view of one contest", fix, opendata.Options{Sources: []actas.Source{actas.Reconciled}, Contests: []string{"president"}}, "unofficial-complete"},
		{"simulated election, official sheets", sim, opendata.Options{}, "unofficial-complete"},
		{"simulated election, witness sheets", sim, opendata.Options{Sources: []actas.Source{actas.Witness}}, "unofficial-partial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := MustTabulate(t, tt.ds)
			tt.opt.Generated = time.Date(2024, 7, 29, 3, 4, 5, 0, time.UTC)
			data := MustExport(t, opendata.NIST, tt.ds, tab, tt.opt)
			if err := validateNIST(t, sch, data); err != nil {
				t.Fatalf("export does not validate: %v", err)
			}
			var rep nistReport
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Format != "precinct-level" || rep.Status != tt.status || rep.GeneratedDate != "2024-07-29T03:04:05Z" {
				t.Errorf("Format %q, Status %q, GeneratedDate %q; want precinct-level, %s, 2024-07-29T03:04:05Z", rep.Format, rep.Status, rep.GeneratedDate, tt.status)
			}
			checkNISTContent(t, tt.ds, tab, rep, tt.opt)
		})
	}
}

// checkNISTContent checks that every id is unique and every reference
// resolves, that each station and area is a GpUnit, and that the counts
// add up to the tabulator's national figures.
func checkNISTContent(t *testing.T, ds *actas.Dataset, tab opendata.Results, rep nistReport, opt opendata.Options) {
	t.Helper()
	ids := map[string]bool{}
	stations := 0
	for _, u := range rep.GpUnit {
		if ids[u.ID] {
			t.Errorf("GpUnit id %q twice", u.ID)
		}
		ids[u.ID] = true
		if u.Type == "precinct" {
			stations++
		}
	}
	if stations != len(ds.Stations) {
		t.Errorf("%d precinct GpUnits, want one per station (%d)", stations, len(ds.Stations))
	}
	for _, u := range rep.GpUnit {
		for _, c := range u.ComposingGpUnitIds {
			if !ids[c] {
				t.Errorf("GpUnit %s is composed of unknown %q", u.ID, c)
			}
		}
	}
	var registered int64
	for _, st := range ds.Stations {
		registered += st.Registered
	}
	if nat := rep.GpUnit[0]; nat.Type != "country" || nat.VotersRegistered != registered {
		t.Errorf("first GpUnit %s type %q registered %d; want the country with %d", nat.ID, nat.Type, nat.VotersRegistered, registered)
	}
	src := actas.Official
	if len(opt.Sources) > 0 {
		src = opt.Sources[0]
	}
	for _, c := range rep.Election[0].Contest {
		id := strings.TrimPrefix(c.ID, "contest-")
		a, _, err := tab.(interface {
			Area(election, contest string, source actas.Source, path string) (*actas.AreaResult, []*actas.AreaResult, error)
		}).Area(ds.Election.ID, id, src, "")
		if err != nil {
			t.Fatal(err)
		}
		if c.SubUnitsReported != int(a.StationsCounted) || c.TotalSubUnits != int(a.Stations) {
			t.Errorf("contest %s: %d of %d stations reported, tabulated %d of %d", id, c.SubUnitsReported, c.TotalSubUnits, a.StationsCounted, a.Stations)
		}
		for i, sel := range c.ContestSelection {
			var sum int64
			for _, vc := range sel.VoteCounts {
				if !ids[vc.GpUnitID] {
					t.Errorf("VoteCounts for unknown GpUnit %q", vc.GpUnitID)
				}
				sum += vc.Count
			}
			if sum != a.Votes[i] {
				t.Errorf("contest %s choice %d: counts add up to %d, tabulated %d", id, i, sum, a.Votes[i])
			}
		}
		var blank, null int64
		for _, oc := range c.OtherCounts {
			blank += oc.Undervotes
			null += oc.Overvotes
		}
		if blank != a.Blank || null != a.Null {
			t.Errorf("contest %s: undervotes %d overvotes %d, tabulated blank %d null %d", id, blank, null, a.Blank, a.Null)
		}
	}
}

// The validator must refuse what the standard refuses, or the test above
// shows nothing.
func TestNISTSchemaRefusesBrokenReports(t *testing.T) {
	sch := MustNISTSchema(t)
	ds := fixture()
	good := string(MustExport(t, opendata.NIST, ds, MustTabulate(t, ds), opendata.Options{}))
	tests := []struct{ name, old, new string }{
		{"status outside the standard", `"Status":"unofficial-partial"`, `"Status":"pre-certified"`},
		{"station of an unknown type", `"Type":"precinct"`, `"Type":"mesa"`},
		{"generated date without a zone", `"GeneratedDate":"`, `"GeneratedDate":"x`},
		{"vote count without a unit", `{"@type":"ElectionResults.VoteCounts","GpUnitId":"gpu-station-0101",`, `{"@type":"ElectionResults.VoteCounts",`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(good, tt.old) {
				t.Fatalf("export lacks %s", tt.old)
			}
			bad := strings.Replace(good, tt.old, tt.new, 1)
			if err := validateNIST(t, sch, []byte(bad)); err == nil {
				t.Errorf("schema accepted a report with %s", tt.name)
			}
		})
	}
}

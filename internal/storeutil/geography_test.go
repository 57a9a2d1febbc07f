package storeutil

import (
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

func geoElection() *actas.Election {
	return &actas.Election{ID: "e1", Name: "Test", Levels: []string{"state", "municipality"}}
}

func TestBuildGeography(t *testing.T) {
	stations := []actas.Station{
		{Code: "001", Area: "North/Alpha", Registered: 100},
		{Code: "002", Area: "North/Alpha", Registered: 200},
		{Code: "003", Area: "North/Beta", Registered: 300},
		{Code: "004", Area: `South/G\/amma`, Registered: 400}, // a '/' in a name
	}
	g, err := BuildGeography(geoElection(), stations)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, a := range g.Areas {
		paths = append(paths, a.Path)
	}
	if got, want := strings.Join(paths, "|"), `|North|North/Alpha|North/Beta|South|South/G\/amma`; got != want {
		t.Fatalf("areas %q, want %q", got, want)
	}
	for i, a := range g.Areas[1:] {
		if p := g.Areas[a.Parent]; a.Level != p.Level+1 || !strings.HasPrefix(a.Path, p.Path) {
			t.Fatalf("area %d %q has parent %q at level %d", i+1, a.Path, p.Path, p.Level)
		}
	}
	stored := g.StoredStations()
	for i, st := range stored {
		if st.Area != g.Areas[g.AreaOf[i]].Path {
			t.Fatalf("station %s is in %q but stored in %q", st.Code, g.Areas[g.AreaOf[i]].Path, st.Area)
		}
	}
	if g.Areas[len(g.Areas)-1].Name != "G/amma" {
		t.Fatalf("area %q is named %q, want %q", g.Areas[len(g.Areas)-1].Path, g.Areas[len(g.Areas)-1].Name, "G/amma")
	}
}

func TestBuildGeographyRefuses(t *testing.T) {
	for _, tc := range []struct {
		name     string
		stations []actas.Station
		want     string
	}{
		{"station without a code", []actas.Station{{Area: "N/A"}}, "empty code"},
		{"station listed twice", []actas.Station{{Code: "1", Area: "N/A"}, {Code: "1", Area: "N/B"}}, "appears twice"},
		{"negative registered voters", []actas.Station{{Code: "1", Area: "N/A", Registered: -1}}, "may not be negative"},
		{"negative machines", []actas.Station{{Code: "1", Area: "N/A", Machines: -1}}, "may not be negative"},
		{"path with too few levels", []actas.Station{{Code: "1", Area: "N"}}, "has 1 names"},
		{"path with too many levels", []actas.Station{{Code: "1", Area: "N/A/x"}}, "has 3 names"},
		{"empty path", []actas.Station{{Code: "1", Area: ""}}, "must name an area"},
		{"path with an empty name", []actas.Station{{Code: "1", Area: "N//"}}, "empty name"},
		{"top-level area named as the whole election", []actas.Station{{Code: "1", Area: actas.National + "/A"}}, "names the whole election"},
		// Codes and areas are checked side by side: the first station in
		// order that fails is named, its code checked first.
		{"a bad path before a repeated code", []actas.Station{{Code: "1", Area: "N/A"}, {Code: "2", Area: "N"}, {Code: "1", Area: "N/B"}}, "station 2: area path"},
		{"a repeated code before a bad path", []actas.Station{{Code: "1", Area: "N/A"}, {Code: "1", Area: "N/B"}, {Code: "3", Area: "N"}}, "station 1 appears twice"},
		{"a repeated code and negative voters at one station", []actas.Station{{Code: "1", Area: "N/A"}, {Code: "1", Area: "N/B", Registered: -1}}, "station 1 appears twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BuildGeography(geoElection(), tc.stations)
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(actas.ErrorMessage(err), tc.want) {
				t.Fatalf("error %v, want invalid saying %q", err, tc.want)
			}
		})
	}
}

// Station paths come from imported files: any text is refused with
// EINVALID or accepted as a canonical path of as many names as levels,
// which splits back into those names.
func FuzzCanonicalStationPath(f *testing.F) {
	for _, seed := range []string{"North/Alpha", `South/G\amma`, `a\/b/c`, "N//", "", actas.National, `x\`, "a/b/c"} {
		f.Add(seed, 2)
	}
	f.Fuzz(func(t *testing.T, path string, levels int) {
		if levels < 1 || levels > 8 {
			return
		}
		var names []string
		got, err := canonicalStationPath(path, levels, &names)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v, want invalid", err)
			}
			return
		}
		if len(names) != levels {
			t.Fatalf("%q: %d names for %d levels", path, len(names), levels)
		}
		if again := actas.JoinPath(names...); again != got {
			t.Fatalf("%q: canonical %q, but its names %q join to %q", path, got, names, again)
		}
	})
}

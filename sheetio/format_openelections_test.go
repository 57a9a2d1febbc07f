package sheetio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

const oeName = "20161108__de__general__precinct.csv"

func TestDelaware2016(t *testing.T) {
	path := convTestdata("us-de-2016", oeName)
	ds := MustReadFormat(t, "openelections", path)
	e := ds.Election
	if e.ID != "de-2016-11-08" || e.Date != "2016-11-08" || e.Timezone != "America/New_York" || strings.Join(e.Levels, ",") != "county" {
		t.Errorf("election %+v", e)
	}
	if e.Name != "Delaware general election, 8 November 2016" {
		t.Errorf("name %q", e.Name)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, stats, err := oeParse(f, path)
	if err != nil {
		t.Fatal(err)
	}

	pres := mustTally(t, ds, "president")
	ids := map[string]bool{}
	for _, c := range e.Contests {
		ids[c.ID] = true
	}
	for _, x := range []struct {
		what      string
		got, want any
	}{
		// Counting the 97 statewide "Total" rows would double every figure.
		{"Total rows skipped", stats.TotalRows, 97},
		{"Clinton for President (the certified result)", pres.votes["clinton-h"], int64(235603)},
		{"Trump for President", pres.votes["trump-d"], int64(185127)},
		{"precincts", len(ds.Stations), 432},
		{"counties", pres.areas[0], 3},
		{"precincts with a President sheet", pres.sheets, 432},
		{"ballots are the candidates' votes", pres.ballots, pres.valid},
		{"registered voters unknown", pres.registered, int64(0)},
		{"contests", len(e.Contests), 56},
		{"sheets, one per precinct and contest present", len(ds.Sheets), 2370},
		{"U.S. House contest", ids["u-s-house"], true},
		{"State Senate district 5 contest", ids["state-senate-5"], true},
	} {
		t.Run(x.what, func(t *testing.T) {
			if x.got != x.want {
				t.Errorf("got %v, want %v", x.got, x.want)
			}
		})
	}

	t.Run("first precinct as published", func(t *testing.T) {
		st := ds.Stations[0]
		if st.Code != "01-01" || st.Area != "New Castle" || st.Registered != 0 {
			t.Errorf("station %+v", st)
		}
		c, _ := e.Contest("president")
		if got := strings.Join(c.ChoiceIDs(), ","); got != "clinton-h,trump-d,stein-j,johnson-g" {
			t.Errorf("choices %s", got)
		}
		if c.Choices[0].Name != "Clinton H (DEMOCRATIC)" {
			t.Errorf("name %q", c.Choices[0].Name)
		}
		want := actas.Sheet{Station: "01-01", Contest: "president", Votes: []int64{679, 68, 8, 12}, Ballots: 767, Voters: actas.Unknown}
		if s := ds.Sheets[0]; !s.Sheet.Equal(&want) || s.Source != actas.Official {
			t.Errorf("sheet %+v from %s", s.Sheet, s.Source)
		}
	})
}

const oeHeader = "county,election_district,office,district,party,candidate,election_day,absentee,votes\n"

func TestOpenElectionsRows(t *testing.T) {
	parse := func(t *testing.T, in string) (*actas.Dataset, oeStats) {
		t.Helper()
		ds, stats, err := oeParse(strings.NewReader(in), oeName)
		if err != nil {
			t.Fatal(err)
		}
		if err := convWellFormed(ds); err != nil {
			t.Fatal(err)
		}
		return ds, stats
	}
	t.Run("precinct names repeated across counties get the county", func(t *testing.T) {
		ds, _ := parse(t, oeHeader+
			"Kent,1,President,,DEMOCRATIC,Clinton H,1,0,1\n"+
			"Sussex,1,President,,DEMOCRATIC,Clinton H,2,0,2\n")
		if ds.Stations[0].Code != "Kent:1" || ds.Stations[1].Code != "Sussex:1" {
			t.Errorf("codes %q, %q", ds.Stations[0].Code, ds.Stations[1].Code)
		}
	})
	t.Run("a contest only where it has rows", func(t *testing.T) {
		ds, _ := parse(t, oeHeader+
			"Kent,1,President,,DEMOCRATIC,Clinton H,1,0,1\n"+
			"Kent,2,President,,DEMOCRATIC,Clinton H,2,0,2\n"+
			"Kent,2,State Senate,5,REPUBLICAN,Cloutier C,3,0,3\n")
		if len(ds.Sheets) != 3 || ds.Sheets[2].Sheet.Contest != "state-senate-5" || ds.Sheets[2].Sheet.Station != "2" {
			t.Errorf("sheets %+v", ds.Sheets)
		}
	})
	t.Run("one candidate on two party lines", func(t *testing.T) {
		ds, _ := parse(t, oeHeader+
			"Albany,1,President,,REP,Trump D,1,0,10\n"+
			"Albany,1,President,,CON,Trump D,1,0,3\n")
		c, _ := ds.Election.Contest("president")
		if got := strings.Join(c.ChoiceIDs(), ","); got != "trump-d,trump-d-con" {
			t.Errorf("choices %s", got)
		}
		if s := ds.Sheets[0].Sheet; s.Ballots != 13 {
			t.Errorf("ballots %d", s.Ballots)
		}
	})
	t.Run("over and under votes are null and blank", func(t *testing.T) {
		ds, _ := parse(t, oeHeader+
			"Kent,1,Governor,,DEMOCRATIC,Carney J,1,0,50\n"+
			"Kent,1,Governor,,,Over Votes,1,0,2\n"+
			"Kent,1,Governor,,,Under Votes,1,0,7\n")
		s := ds.Sheets[0].Sheet
		if len(s.Votes) != 1 || s.Null != 2 || s.Blank != 7 || s.Ballots != 59 {
			t.Errorf("sheet %+v", s)
		}
	})
	t.Run("registered voters and ballots cast rows", func(t *testing.T) {
		ds, stats := parse(t, oeHeader+
			"Kent,1,Registered Voters,,,,,,900\n"+
			"Kent,1,Ballots Cast,,,,,,600\n"+
			"Kent,1,Governor,,DEMOCRATIC,Carney J,1,0,50\n")
		if ds.Stations[0].Registered != 900 || stats.OtherRows != 1 || len(ds.Election.Contests) != 1 {
			t.Errorf("stations %+v, stats %+v, contests %d", ds.Stations, stats, len(ds.Election.Contests))
		}
	})
	t.Run("a candidate named like a sheet column", func(t *testing.T) {
		ds, _ := parse(t, oeHeader+"Kent,1,Governor,,,Blank,1,0,5\n")
		c, _ := ds.Election.Contest("governor")
		if c.Choices[0].ID != "candidate-blank" {
			t.Errorf("id %q", c.Choices[0].ID)
		}
	})
	t.Run("precinct column named precinct", func(t *testing.T) {
		ds, _ := parse(t, "county,precinct,office,district,party,candidate,votes\nKent,P1,President,,DEM,Clinton H,4\n")
		if ds.Stations[0].Code != "P1" {
			t.Errorf("code %q", ds.Stations[0].Code)
		}
	})
	t.Run("election from the file name", func(t *testing.T) {
		for _, tc := range []struct{ file, id, name, tz string }{
			{"20161108__de__general__precinct.csv", "de-2016-11-08", "Delaware general election, 8 November 2016", "America/New_York"},
			{"20160426__pa__primary__precinct.csv", "pa-2016-04-26-primary", "Pennsylvania primary election, 26 April 2016", "America/New_York"},
			{"20161108__tx__general__harris__precinct.csv", "tx-2016-11-08-harris", "Texas general election, 8 November 2016 (harris)", ""},
		} {
			e, err := oeElection(filepath.Join("some", "dir", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if e.ID != tc.id || e.Name != tc.name || e.Timezone != tc.tz {
				t.Errorf("%s: %q %q %q", tc.file, e.ID, e.Name, e.Timezone)
			}
		}
	})
}

func TestOpenElectionsMalformed(t *testing.T) {
	row := "New Castle,01-01,President,,DEMOCRATIC,Clinton H,636,43,679\n"
	for _, tc := range []struct {
		name   string
		file   string
		in     string
		line   int
		field  string
		reason string
	}{
		{"truncated row", oeName, oeHeader + row + "New Castle,01-01,President,,REPUBLICAN,Tru", 3, "", "number of fields"},
		{"non-numeric count", oeName, oeHeader + strings.Replace(row, ",679", ",6.79", 1), 2, "votes", "not a whole number"},
		{"empty count", oeName, oeHeader + strings.Replace(row, ",679", ",", 1), 2, "votes", "not a whole number"},
		{"missing votes column", oeName, strings.Replace(oeHeader, ",votes", ",total", 1) + row, 1, "votes", "missing column"},
		{"missing precinct column", oeName, strings.Replace(oeHeader, "election_district", "ed", 1) + row, 1, "precinct", "precinct or election_district"},
		{"same candidate twice in a precinct", oeName, oeHeader + row + row, 3, "candidate", "first on line 2"},
		{"empty candidate", oeName, oeHeader + strings.Replace(row, "Clinton H", "", 1), 2, "candidate", "no letters"},
		{"office without letters", oeName, oeHeader + strings.Replace(row, "President", "--", 1), 2, "office", "no letters"},
		{"only Total rows", oeName, oeHeader + "Sussex,Total,President,,DEMOCRATIC,Clinton H,221608,13995,235603\n", 0, "", "Total rows"},
		{"file name without a date", "results.csv", oeHeader + row, 0, "", "YYYYMMDD"},
		{"file name with an unknown state", "20161108__zz__general__precinct.csv", oeHeader + row, 0, "", "postal code"},
		{"empty file", oeName, "", 1, "", "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, _, err := oeParse(strings.NewReader(tc.in), tc.file)
			convWantRefused(t, ds, err, tc.line, tc.field, tc.reason)
		})
	}
}

func FuzzOpenElections(f *testing.F) {
	f.Add([]byte(oeHeader + "New Castle,01-01,President,,DEMOCRATIC,Clinton H,636,43,679\nNew Castle,01-01,President,,REPUBLICAN,Trump D,64,4,68\n"))
	f.Add([]byte(oeHeader + "Sussex,Total,President,,DEMOCRATIC,Clinton H,221608,13995,235603\n"))
	f.Add([]byte(oeHeader + "Kent,1,Governor,,,Over Votes,1,0,2\nKent,1,Governor,,,Blank,1,0,5\nKent,1,Registered Voters,,,,,,900\n"))
	f.Add([]byte("county,precinct,office,district,party,candidate,votes\nKent,P1,President,,DEM,Clinton H,4\nSussex,P1,President,,DEM,Clinton H,4\n"))
	f.Add(convHeadFile(convTestdata("us-de-2016", oeName), 40))
	f.Fuzz(func(t *testing.T, in []byte) {
		ds, _, err := oeParse(strings.NewReader(string(in)), oeName)
		convFuzzCheck(t, ds, err)
	})
}

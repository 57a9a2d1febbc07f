package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// MustExportedElection is the small town election with one official and
// one witness sheet file imported.
func MustExportedElection(tb testing.TB) (dir, db string) {
	tb.Helper()
	dir, db = MustSmallElection(tb)
	official := MustWrite(tb, dir, "official.csv", "station,ana,ben,blank,null,ballots\n101,200,150,5,3,358\n102,100,200,2,1,303\n201,90,100,1,1,192\n")
	witness := MustWrite(tb, dir, "witness.csv", "station,ana,ben,blank,null,ballots\n101,200,150,5,3,358\n202,80,90,0,2,172\n")
	MustRun(tb, "import", "--db", db, "--source", "official", official)
	MustRun(tb, "import", "--db", db, witness)
	return dir, db
}

func TestExport(t *testing.T) {
	dir, db := MustExportedElection(t)
	t.Run("per-station CSV of every source and the reconciled view", func(t *testing.T) {
		out := filepath.Join(dir, "stations-results.csv")
		MustRun(t, "export", "--db", db, "--format", "stations-csv", "--out", out)
		recs, err := csv.NewReader(strings.NewReader(MustRead(t, out))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		wantHeader := []string{"station", "district", "ward", "registered", "source", "contest", "ana", "ben", "blank", "null", "ballots", "voters", "flags", "seq"}
		if !slices.Equal(recs[0], wantHeader) {
			t.Fatalf("header %q, want %q", recs[0], wantHeader)
		}
		// 2 witness + 3 official + 4 reconciled sheets.
		if len(recs) != 1+2+3+4 {
			t.Errorf("%d rows, want 10:\n%q", len(recs), recs)
		}
		want := []string{"202", "South", "Río/Mar", "300", "witness", "mayor", "80", "90", "0", "2", "172", "", "", ""}
		found := false
		for _, r := range recs {
			if r[0] == "202" && r[4] == "witness" {
				found = true
				want[13] = r[13] // the log index depends on import order; it must be set
				if !slices.Equal(r, want) || r[13] == "" {
					t.Errorf("row %q, want %q with a log index", r, want)
				}
			}
		}
		if !found {
			t.Error("no witness row for station 202")
		}
	})
	t.Run("OpenElections CSV to stdout", func(t *testing.T) {
		out := MustRun(t, "export", "--db", db, "--format", "openelections")
		// The level "district" is renamed: OpenElections' own district column comes first.
		if !strings.HasPrefix(out, "county,precinct,office,district,party,candidate,votes,contest,choice,source,area_district,ward\n") {
			t.Errorf("header:\n%s", out[:strings.IndexByte(out, '\n')])
		}
		if !strings.Contains(out, "North,101,Mayor,,,Ana,200,mayor,ana,official,North,Alto\n") {
			t.Errorf("no row for Ana's official votes at station 101:\n%s", out)
		}
	})
	t.Run("NIST JSON of the witness sheets", func(t *testing.T) {
		out := filepath.Join(dir, "nist.json")
		MustRun(t, "export", "--db", db, "--format", "nist", "--source", "witness", "--contest", "mayor", "--out", out)
		var rep struct {
			Format, Status string
			GpUnit         []struct{ Type string }
		}
		if err := json.Unmarshal([]byte(MustRead(t, out)), &rep); err != nil {
			t.Fatal(err)
		}
		// country + 2 districts + 3 wards + 4 stations
		if rep.Format != "precinct-level" || rep.Status != "unofficial-partial" || len(rep.GpUnit) != 10 {
			t.Errorf("Format %q Status %q with %d GpUnits; want precinct-level, unofficial-partial, 10", rep.Format, rep.Status, len(rep.GpUnit))
		}
	})
	t.Run("errors", func(t *testing.T) {
		missingDir := filepath.Join(dir, "no", "such", "dir", "out.csv")
		for _, tc := range []struct {
			name   string
			args   []string
			status int
			stderr string
		}{
			{"no format", []string{"export", "--db", db}, 2, "--format is required"},
			{"unknown format", []string{"export", "--db", db, "--format", "xml"}, 2, `unknown export format "xml"`},
			{"unknown contest", []string{"export", "--db", db, "--format", "nist", "--contest", "governor"}, 1, `no contest "governor"`},
			{"unknown source", []string{"export", "--db", db, "--format", "nist", "--source", "rumour"}, 1, `unknown source "rumour"`},
			{"output in a missing directory", []string{"export", "--db", db, "--format", "nist", "--out", missingDir}, 1, missingDir},
			{"no database", []string{"export", "--db", filepath.Join(dir, "missing.db"), "--format", "nist"}, 1, "no database at"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := runActas(t, tc.args...)
				if r.status != tc.status || !strings.Contains(r.stderr, tc.stderr) {
					t.Errorf("exit status %d, stderr %q; want %d mentioning %q", r.status, r.stderr, tc.status, tc.stderr)
				}
			})
		}
		if _, err := os.Stat(filepath.Dir(missingDir)); err == nil {
			t.Error("a failed export created its directory")
		}
	})
}

// An OpenElections export reads back with `actas import --format
// openelections` to the same national figures: the layout is the one
// OpenElections' own readers (and ours) expect.
func TestExportOpenElectionsReadsBack(t *testing.T) {
	_, db := MustSimulated(t, "--stations", "300", "--seed", "5")
	dir := t.TempDir()
	file := filepath.Join(dir, "20240728__de__general__precinct.csv")
	MustRun(t, "export", "--db", db, "--format", "openelections", "--out", file)
	db2 := filepath.Join(dir, "back.db")
	MustRun(t, "import", "--db", db2, "--format", "openelections", file)
	want := MustResults(t, "--db", db, "--source", "official")
	got := MustResults(t, "--db", db2, "--source", "official")
	w, g := want.Areas[0], got.Areas[0]
	if g.Stations != w.Stations || g.StationsCounted != w.StationsCounted || g.Registered != w.Registered ||
		g.Ballots != w.Ballots || g.Blank != w.Blank || g.Null != w.Null {
		t.Errorf("read back: %d/%d stations, %d registered, ballots %d blank %d null %d; exported %d/%d, %d, %d %d %d",
			g.StationsCounted, g.Stations, g.Registered, g.Ballots, g.Blank, g.Null,
			w.StationsCounted, w.Stations, w.Registered, w.Ballots, w.Blank, w.Null)
	}
	for _, ch := range want.Choices {
		var n int64
		found := false
		for _, c := range got.Choices {
			// The importer names a choice by its candidate's name.
			if strings.EqualFold(c.Name, ch.Name) || strings.HasPrefix(c.Name, ch.Name) {
				n, found = g.Votes[c.ID], true
			}
		}
		if !found || n != w.Votes[ch.ID] {
			t.Errorf("choice %s (%s): read back %d (found %v), exported %d; choices read back %+v", ch.ID, ch.Name, n, found, w.Votes[ch.ID], got.Choices)
		}
	}
}

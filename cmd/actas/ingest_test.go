package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// MustSmallElection writes and creates a two-level election of four
// stations, returning the directory and the database.
func MustSmallElection(tb testing.TB) (dir, db string) {
	tb.Helper()
	dir = tb.TempDir()
	MustWrite(tb, dir, "election.json", `{"id":"town-2026","name":"Town council","date":"2026-03-01","timezone":"America/Caracas",
		"open":"06:00","close":"18:00","levels":["district","ward"],
		"contests":[{"id":"mayor","name":"Mayor","choices":[{"id":"ana","name":"Ana"},{"id":"ben","name":"Ben"}]}]}`)
	MustWrite(tb, dir, "stations.csv", "station,registered,district,ward,machines\n"+
		"101,500,North,Alto,1\n102,400,North,Alto,1\n201,300,South,Bajo,1\n202,300,South,Río/Mar,1\n")
	db = filepath.Join(dir, "town.db")
	out := MustRun(tb, "init", "--db", db, "--election", filepath.Join(dir, "election.json"), "--stations", filepath.Join(dir, "stations.csv"))
	if !strings.Contains(out, "4 stations") {
		tb.Fatalf("init said %q", out)
	}
	return dir, db
}

func MustWrite(tb testing.TB, dir, name, content string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func national(tb testing.TB, db string, src actas.Source) *actas.AreaDocument {
	tb.Helper()
	doc := MustResults(tb, "--db", db, "--source", string(src))
	return doc.Areas[0]
}

func TestImportIsIdempotentAndAtomic(t *testing.T) {
	dir, db := MustSmallElection(t)
	good := MustWrite(t, dir, "witness.csv", "station,ana,ben,blank,null,ballots\n101,200,100,5,5,310\n102,150,150,0,0,300\n")

	t.Run("first import", func(t *testing.T) {
		out := MustRun(t, "import", "--db", db, good)
		if !strings.Contains(out, "2 new, 0 already present, 0 differing") {
			t.Fatalf("report %q", out)
		}
	})
	before := national(t, db, actas.Witness)

	t.Run("the same file again changes nothing and says so", func(t *testing.T) {
		out := MustRun(t, "import", "--db", db, good)
		if !strings.Contains(out, "nothing changed: all 2 sheets were already present") {
			t.Fatalf("report %q", out)
		}
		if after := national(t, db, actas.Witness); after.Ballots != before.Ballots || after.StationsCounted != 2 {
			t.Fatalf("results changed: %+v", after)
		}
	})

	t.Run("one bad line changes nothing and is named", func(t *testing.T) {
		bad := MustWrite(t, dir, "bad.csv", "station,ana,ben,blank,null,ballots\n201,100,100,0,0,200\n202,100,abc,0,0,200\n")
		r := runActas(t, "import", "--db", db, bad)
		if r.err == nil {
			t.Fatal("a file with a non-numeric count was accepted")
		}
		for _, want := range []string{"bad.csv:3:3", "ben", `"abc"`, "nothing was imported"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("error does not say %q: %s", want, r.stderr)
			}
		}
		if after := national(t, db, actas.Witness); after.StationsCounted != 2 || after.Ballots != before.Ballots {
			t.Fatalf("the good line of a rejected file was stored: %+v", after)
		}
	})

	t.Run("an unknown station rejects the file", func(t *testing.T) {
		bad := MustWrite(t, dir, "unknown.csv", "station,ana,ben,blank,null,ballots\n201,100,100,0,0,200\n999,1,1,0,0,2\n")
		r := runActas(t, "import", "--db", db, bad)
		if r.err == nil || !strings.Contains(r.stderr, "unknown.csv:3") || !strings.Contains(r.stderr, "999") {
			t.Fatalf("unknown station: err %v, stderr %s", r.err, r.stderr)
		}
	})

	t.Run("a differing sheet is stored and the station shows a conflict", func(t *testing.T) {
		corrected := MustWrite(t, dir, "witness2.csv", "station,ana,ben,blank,null,ballots\n101,210,100,0,0,310\n102,150,150,0,0,300\n")
		out := MustRun(t, "import", "--db", db, corrected)
		if !strings.Contains(out, "0 new, 1 already present, 1 differing") {
			t.Fatalf("report %q", out)
		}
		rec := national(t, db, actas.Reconciled)
		if rec.Conflict != 1 || rec.StationsCounted != 1 {
			t.Fatalf("reconciled: %d conflicts, %d counted; want the conflicting station uncounted until someone decides", rec.Conflict, rec.StationsCounted)
		}
		if w := national(t, db, actas.Witness); w.Votes["ana"] != 210+150 {
			t.Fatalf("per-source view counts %d for ana, want the correction (360)", w.Votes["ana"])
		}
	})
}

func TestSuspiciousSheetsAreStoredAndFlagged(t *testing.T) {
	dir, db := MustSmallElection(t)
	// 201: the sum does not add up; 202: more ballots than registered voters.
	off := MustWrite(t, dir, "official.csv", "station,ana,ben,blank,null,ballots,voters\n201,100,100,0,0,250,250\n202,200,150,0,0,350,350\n")
	out := MustRun(t, "import", "--db", db, "--source", "official", off)
	if !strings.Contains(out, "2 new") || !strings.Contains(out, "2 flagged") {
		t.Fatalf("report %q", out)
	}
	n := national(t, db, actas.Official)
	if n.StationsCounted != 2 || n.Flagged != 2 {
		t.Fatalf("official: %d counted, %d flagged; want both stored and flagged", n.StationsCounted, n.Flagged)
	}
	// The flags are what the portal and API show for the station.
	st, err := stationFlags(t, db, "202")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st, "ballots-exceed-registered") {
		t.Fatalf("station 202 flags %q", st)
	}
}

// stationFlags returns the flags of a station's stored submissions, read
// back from the store.
func stationFlags(tb testing.TB, db, code string) (string, error) {
	tb.Helper()
	store, err := openStore(tb.Context(), db, true)
	if err != nil {
		return "", err
	}
	defer store.Close()
	subs, err := store.StationSubmissions(tb.Context(), "town-2026", code)
	if err != nil {
		return "", err
	}
	var names []string
	for _, s := range subs {
		names = append(names, s.Flags.Names()...)
	}
	b, _ := json.Marshal(names)
	return string(b), nil
}

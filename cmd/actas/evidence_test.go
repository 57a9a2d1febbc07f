package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sqlite"
)

// MustWriteImage writes a small image (PNG, or JPEG for a .jpg name) whose
// pixels depend on seed, and returns its path and its SHA-256 in hex,
// computed here rather than by the program.
func MustWriteImage(tb testing.TB, dir, name string, seed byte) (path, sum string) {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 6, 4))
	for i := range img.Pix {
		img.Pix[i] = seed + byte(i)
	}
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".jpg") {
		err = jpeg.Encode(&buf, img, nil)
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		tb.Fatal(err)
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	h := sha256.Sum256(buf.Bytes())
	return path, hex.EncodeToString(h[:])
}

// mustStationEvidence reads, from the store itself, the evidence of a
// station's submissions.
func mustStationEvidence(tb testing.TB, db, election, station string) [][]actas.Evidence {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	subs, err := st.StationSubmissions(context.Background(), election, station)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]actas.Evidence
	for _, s := range subs {
		out = append(out, s.Evidence)
	}
	return out
}

func TestEvidence(t *testing.T) {
	dir, db := MustSmallElection(t)
	front, frontSum := MustWriteImage(t, dir, "acta-101-front.png", 1)
	back, backSum := MustWriteImage(t, dir, "acta 101 back.jpg", 2)

	t.Run("add prints each file's SHA-256 beside it, as sha256sum does", func(t *testing.T) {
		out := MustRun(t, "evidence", "add", "--db", db, front, back)
		if want := frontSum + "  " + front + "\n" + backSum + "  " + back + "\n"; out != want {
			t.Fatalf("output\n%s\nwant\n%s", out, want)
		}
	})

	t.Run("adding the same files again prints the same names", func(t *testing.T) {
		out := MustRun(t, "evidence", "add", "--db", db, "--election", "town-2026", back)
		if want := backSum + "  " + back + "\n"; out != want {
			t.Fatalf("output %q, want %q", out, want)
		}
	})

	t.Run("get writes the stored bytes", func(t *testing.T) {
		want, err := os.ReadFile(back)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{backSum, "sha256:" + backSum} {
			if out := MustRun(t, "evidence", "get", "--db", db, name); out != string(want) {
				t.Fatalf("get %s wrote %d bytes that differ from the file's %d", name, len(out), len(want))
			}
		}
	})

	t.Run("import of sheets naming stored photos keeps them as evidence", func(t *testing.T) {
		sheets := MustWrite(t, dir, "witness.csv", "station,ana,ben,blank,null,ballots,photos\n"+
			"101,200,100,5,5,310,"+frontSum+" "+backSum+"\n102,150,150,0,0,300,\n")
		out := MustRun(t, "import", "--db", db, sheets)
		if !strings.Contains(out, "2 new") {
			t.Fatalf("report %q", out)
		}
		got := mustStationEvidence(t, db, "town-2026", "101")
		want := []actas.Evidence{{Kind: "photo", SHA256: frontSum}, {Kind: "photo", SHA256: backSum}}
		if len(got) != 1 || len(got[0]) != 2 || got[0][0] != want[0] || got[0][1] != want[1] {
			t.Fatalf("station 101's submissions have evidence %+v, want %+v", got, want)
		}
	})

	t.Run("import of sheets naming a photo not stored fails saying how to store it", func(t *testing.T) {
		_, missing := MustWriteImage(t, t.TempDir(), "never-added.png", 3)
		sheets := MustWrite(t, dir, "official.csv", "station,ana,ben,blank,null,ballots,photos\n"+
			"201,100,100,0,0,200,"+frontSum+"\n202,90,80,0,0,170,"+missing+"\n")
		r := runActas(t, "import", "--db", db, "--source", "official", sheets)
		if r.status != 1 {
			t.Fatalf("exit status %d, want 1; stderr: %s", r.status, r.stderr)
		}
		for _, want := range []string{"official.csv", "station 202", missing, "actas evidence add --election town-2026", "nothing was imported"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr does not mention %q:\n%s", want, r.stderr)
			}
		}
		if got := mustStationEvidence(t, db, "town-2026", "201"); len(got) != 0 {
			t.Fatalf("station 201 has %d submissions after the refused import, want none", len(got))
		}
	})

	t.Run("a photos cell that is not a name fails naming line and column", func(t *testing.T) {
		sheets := MustWrite(t, dir, "typo.csv", "station,ana,ben,blank,null,ballots,photos\n201,100,100,0,0,200,acta-201.jpg\n")
		r := runActas(t, "import", "--db", db, sheets)
		if r.status != 1 || !strings.Contains(r.stderr, "typo.csv:2:7: photos:") {
			t.Fatalf("exit status %d, stderr %q; want a failure at typo.csv:2:7", r.status, r.stderr)
		}
	})

	text := MustWrite(t, dir, "notes.txt", "station 101: 200 for Ana\n")
	dirArg := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"a text file", []string{"evidence", "add", "--db", db, text}, 1, "notes.txt: the evidence file is not one of"},
		{"a file that does not exist", []string{"evidence", "add", "--db", db, filepath.Join(dir, "nope.jpg")}, 1, "nope.jpg: no such file"},
		{"a directory", []string{"evidence", "add", "--db", db, dirArg}, 1, "is a directory"},
		{"one bad file among good ones", []string{"evidence", "add", "--db", db, front, text, back}, 1, "1 of 3 files were not stored"},
		{"no file", []string{"evidence", "add", "--db", db}, 2, "name at least one FILE"},
		{"an unknown election", []string{"evidence", "add", "--db", db, "--election", "city-2030", front}, 1, `"city-2030" not found`},
		{"get of a file never stored", []string{"evidence", "get", "--db", db, strings.Repeat("0", 64)}, 1, "has no evidence file sha256:" + strings.Repeat("0", 64)},
		{"get of a malformed name", []string{"evidence", "get", "--db", db, "acta-101.png"}, 1, "64 lowercase hexadecimal digits"},
		{"get of two names", []string{"evidence", "get", "--db", db, frontSum, backSum}, 2, "name exactly one SHA256"},
		{"no subcommand", []string{"evidence"}, 2, "name a command: add or get"},
		{"an unknown subcommand", []string{"evidence", "remove"}, 2, `unknown command "remove"`},
		{"a database that does not exist", []string{"evidence", "add", "--db", filepath.Join(dir, "none.db"), front}, 1, "no database at"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			r := runActas(t, tc.args...)
			if r.status != tc.status {
				t.Errorf("exit status %d, want %d (err %v)", r.status, tc.status, r.err)
			}
			if !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr does not mention %q:\n%s", tc.stderr, r.stderr)
			}
		})
	}

	t.Run("the good files among bad ones are stored and printed", func(t *testing.T) {
		r := runActas(t, "evidence", "add", "--db", db, front, text, back)
		if want := frontSum + "  " + front + "\n" + backSum + "  " + back + "\n"; r.stdout != want {
			t.Fatalf("stdout %q, want %q", r.stdout, want)
		}
	})

	t.Run("the usage lists the command", func(t *testing.T) {
		if out := MustRun(t, "help"); !strings.Contains(out, "evidence") {
			t.Fatalf("usage does not list evidence:\n%s", out)
		}
		if out := MustRun(t, "evidence", "help"); !strings.Contains(out, "add") || !strings.Contains(out, "get") {
			t.Fatalf("evidence help does not list add and get:\n%s", out)
		}
	})
}

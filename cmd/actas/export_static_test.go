package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas/web/webtest"
)

// MustExportStatic runs `actas export --static` of db into dir and returns
// what it printed.
func MustExportStatic(tb testing.TB, db, dir, base string) string {
	tb.Helper()
	r := runActas(tb, "export", "--static", "--db", db, "--dir", dir, "--base-url", base)
	if r.err != nil {
		tb.Fatalf("actas export --static: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	return r.stdout
}

// MustServeDir serves dir with Go's plain file server until the test ends.
func MustServeDir(tb testing.TB, dir string) string {
	tb.Helper()
	ts := httptest.NewServer(http.FileServer(http.Dir(dir)))
	tb.Cleanup(ts.Close)
	return ts.URL
}

// verifyStatic runs `actas log verify --url u` and returns its report.
func verifyStatic(tb testing.TB, u, vkey string) (string, error) {
	tb.Helper()
	r := runActas(tb, "log", "verify", "--url", u, "--key", vkey, "--state", filepath.Join(tb.TempDir(), "s.json"))
	return r.stdout + r.stderr, r.err
}

func mustGet(tb testing.TB, u string) []byte {
	tb.Helper()
	return mustGetAs(tb, u, "")
}

// mustGetAs gets u as if from the host of site (when not ""): pages show
// the address they were asked at.
func mustGetAs(tb testing.TB, u, site string) []byte {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if site != "" {
		req.Host = strings.TrimPrefix(site, "http://")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %s", u, resp.Status)
	}
	return b
}

var exportCounts = regexp.MustCompile(`(\d+) files written, (\d+) unchanged, (\d+) removed`)

func counts(tb testing.TB, out string) (written, unchanged, removed int) {
	tb.Helper()
	m := exportCounts.FindStringSubmatch(out)
	if m == nil {
		tb.Fatalf("no counts in %q", out)
	}
	fmt.Sscan(m[1], &written)
	fmt.Sscan(m[2], &unchanged)
	fmt.Sscan(m[3], &removed)
	return
}

func TestExportStatic(t *testing.T) {
	dir, db, vkey := MustLoggedElection(t, 200)
	out := t.TempDir()
	static := MustServeDir(t, out)
	t.Log(MustExportStatic(t, db, out, static))
	live := MustServeDB(t, db)
	id := "sim"
	if info := mustGet(t, static+"/"+staticMeta); !bytes.Contains(info, []byte(`"id"`)) {
		t.Fatalf("actas-static.json: %s", info)
	}
	src, err := portalSource(context.Background(), static)
	if err != nil {
		t.Fatal(err)
	}
	if id, err = src.electionID(context.Background(), ""); err != nil {
		t.Fatal(err)
	}

	t.Run("log verify passes against the static copy", func(t *testing.T) {
		report, err := verifyStatic(t, static+"/", vkey)
		if err != nil {
			t.Fatalf("%v\n%s", err, report)
		}
		if !strings.Contains(report, "the results of") {
			t.Errorf("the results were not compared:\n%s", report)
		}
	})

	for _, tc := range []struct {
		name, file, fail string
		damage           func([]byte) []byte
	}{
		{"an entry altered in its bundle", "log/" + id + "/tile/8/data/000", "entr", func(b []byte) []byte {
			i := bytes.Index(b, []byte("votes "))
			b[i+6] ^= 1 // a digit becomes another
			return b
		}},
		{"a level's results altered", "api/v1/elections/" + id + "/results/president/reconciled/national.csv", "results", func(b []byte) []byte {
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			rows[1][slices.Index(rows[0], "ballots")] += "1" // the ballots counted gain a digit
			var out bytes.Buffer
			w := csv.NewWriter(&out)
			w.WriteAll(rows)
			return out.Bytes()
		}},
		{"a level's turnout altered", "api/v1/elections/" + id + "/results/president/reconciled/national.csv", "turnout", func(b []byte) []byte {
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			rows[1][slices.Index(rows[0], "turnout")] = "0.999000" // the counts stay, the figure readers see changes
			var out bytes.Buffer
			w := csv.NewWriter(&out)
			w.WriteAll(rows)
			return out.Bytes()
		}},
	} {
		t.Run("log verify fails against a static copy with "+tc.name, func(t *testing.T) {
			bad := t.TempDir()
			if err := os.CopyFS(bad, os.DirFS(out)); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(bad, filepath.FromSlash(tc.file))
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, tc.damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			report, err := verifyStatic(t, MustServeDir(t, bad)+"/", vkey)
			if err == nil || !strings.Contains(report, "FAIL") || !strings.Contains(report, tc.fail) {
				t.Fatalf("verify of a damaged copy: %v\n%s", err, report)
			}
		})
	}

	station := firstStation(t, dir)
	for _, p := range []string{
		"/e/" + id,
		"/e/" + id + "/s/" + station,
		"/e/" + id + "/log",
		"/e/" + id + "/log/0",
		"/api/v1/elections/" + id + "/stations.csv",
		"/api/v1/elections/" + id + "/stations/" + station,
		"/log/" + id + "/checkpoint",
		"/log/" + id + "/tile/8/0/000",
	} {
		t.Run("the static copy serves the portal's bytes of "+p, func(t *testing.T) {
			want, got := mustGetAs(t, live+p, static), mustGet(t, static+p)
			if !bytes.Equal(want, got) {
				t.Errorf("%s differs: %d bytes live, %d static; first differing line:\n%s", p, len(want), len(got), firstDiff(want, got))
			}
		})
	}

	t.Run("every link of every exported page resolves on a plain file server", func(t *testing.T) {
		checked := map[string]bool{}
		pages := 0
		err := filepath.WalkDir(out, func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() != "index.html" {
				return err
			}
			pages++
			b, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			for _, l := range links(b) {
				if dynamic(l) || checked[l] {
					continue
				}
				checked[l] = true
				if strings.Contains(l, "%2F") {
					// A name holding a slash: http.FileServer redirects
					// the directory /a/X%2FY to a relative Y/, which
					// resolves wrongly (docs/static.md); check that the
					// file is where a server that maps X%2FY to X/Y looks.
					p, err := filePath(l)
					if err != nil {
						t.Errorf("%s: %v", l, err)
						continue
					}
					if !exists(filepath.Join(out, p)) && !exists(filepath.Join(out, p, "index.html")) {
						t.Errorf("%s: no file %s", l, p)
					}
					continue
				}
				resp, err := http.Get(static + l)
				if err != nil {
					return err
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					rel, _ := filepath.Rel(out, name)
					t.Errorf("%s links %s: %s", rel, l, resp.Status)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if pages < 200 || len(checked) < 200 {
			t.Errorf("crawled %d pages and %d links: the export is too small", pages, len(checked))
		}
	})

	t.Run("a re-export of the same data rewrites only the documents stamped with their time", func(t *testing.T) {
		before := manifestOf(t, out)
		w, _, r := counts(t, MustExportStatic(t, db, out, static))
		changed := changedPaths(before, manifestOf(t, out))
		if w != len(changed) || r != 0 {
			t.Errorf("written %d, removed %d; the manifest changed for %d files: %v", w, r, len(changed), changed)
		}
		stamped := []string{"api/v1/elections/" + id + "/consistency", "e/" + id + "/consistency/index.html", "api/v1/elections/" + id + "/export/nist"}
		for _, p := range changed {
			if !slices.Contains(stamped, p) {
				t.Errorf("%s was rewritten, though nothing changed", p)
			}
		}
	})

	t.Run("a re-export after a new sheet rewrites only what changed", func(t *testing.T) {
		stations := filepath.Join(out, "e", id, "s")
		times := modTimes(t, stations)
		before := manifestOf(t, out)
		sheet := filepath.Join(t.TempDir(), "one.csv")
		lines := strings.SplitN(MustRead(t, filepath.Join(dir, "witness.csv")), "\n", 3)
		if err := os.WriteFile(sheet, []byte(lines[0]+"\n"+lines[1]+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		MustRun(t, "import", "--db", db, "--source", "audit", sheet)
		w, u, _ := counts(t, MustExportStatic(t, db, out, static))
		changed := changedPaths(before, manifestOf(t, out))
		if w != len(changed) || u == 0 {
			t.Errorf("written %d, unchanged %d; the manifest changed for %d files", w, u, len(changed))
		}
		rewritten := 0
		for name, m := range modTimes(t, stations) {
			if times[name] != m {
				rewritten++
			}
		}
		if rewritten != 1 {
			t.Errorf("%d station pages rewritten, want the new sheet's station's only", rewritten)
		}
		if report, err := verifyStatic(t, static+"/", vkey); err != nil {
			t.Fatalf("after the re-export: %v\n%s", err, report)
		}
	})

	t.Run("a browser drills down to a station in the static copy", func(t *testing.T) {
		ctx := webtest.MustBrowser(t)
		lv, err := src.election(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		webtest.DrillDown(t, ctx, static+"/e/"+id, lv.Name, len(lv.Levels))
	})
}

// modTimes maps each file under dir to its modification time.
func modTimes(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		m[name] = fi.ModTime().String()
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// manifestOf reads the export's manifest: path → "sha256 size".
func manifestOf(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(MustRead(tb, filepath.Join(dir, staticManifest))), "\n") {
		f := strings.SplitN(l, " ", 3)
		m[f[2]] = f[0] + " " + f[1]
	}
	return m
}

// changedPaths are the paths of after that are new or differ from before.
func changedPaths(before, after map[string]string) []string {
	var out []string
	for p, v := range after {
		if before[p] != v {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  live:   %.300s\n  static: %.300s", i+1, la[i], lb[i])
		}
	}
	return "one is a prefix of the other"
}

func exists(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

func TestExportStaticAddresses(t *testing.T) {
	for _, tc := range []struct {
		name, base, want, err string
	}{
		{"a site at the root of its host", "https://results.example.org/", "https://results.example.org", ""},
		{"a host and port without a slash", "http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"no address", "", "", "--base-url is required"},
		{"a site under a path", "https://example.org/actas/", "", "has a path"},
		{"not a web address", "ftp://example.org/", "", "not an http or https address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := staticBase(tc.base)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("staticBase(%q) = %q, %v; want an error saying %q", tc.base, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("staticBase(%q) = %q, %v; want %q", tc.base, got, err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name    string
		u       string
		dynamic bool
		file    string // "" when it has no file
	}{
		{"the overview", "/", false, "."},
		{"an area page", "/e/ve/a/Zulia/Maracaibo", false, "e/ve/a/Zulia/Maracaibo"},
		{"an escaped name", "/e/ve/a/San%20Jos%C3%A9", false, "e/ve/a/San José"},
		{"a name holding a slash", "/e/ve/a/A%2FB", false, "e/ve/a/A/B"},
		{"a dot segment", "/e/ve/a/%2E%2E/x", false, ""},
		{"search", "/e/ve/search", true, "e/ve/search"},
		{"the witness form", "/e/ve/submit", true, "e/ve/submit"},
		{"an audit's counting form", "/e/ve/audits/3/count", true, "e/ve/audits/3/count"},
		{"an audit", "/e/ve/audits/3", false, "e/ve/audits/3"},
		{"API search", "/api/v1/elections/ve/search", true, "api/v1/elections/ve/search"},
		{"a station's API", "/api/v1/elections/ve/stations/0101", false, "api/v1/elections/ve/stations/0101"},
		{"an inclusion proof", "/log/ve/proof/inclusion", true, "log/ve/proof/inclusion"},
		{"entries by range", "/log/ve/entries", true, "log/ve/entries"},
		{"a tile", "/log/ve/tile/8/0/000.p/3", false, "log/ve/tile/8/0/000.p/3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dynamic(tc.u); got != tc.dynamic {
				t.Errorf("dynamic(%q) = %v", tc.u, got)
			}
			got, err := filePath(tc.u)
			if (err != nil) != (tc.file == "") || (err == nil && got != tc.file) {
				t.Errorf("filePath(%q) = %q, %v; want %q", tc.u, got, err, tc.file)
			}
		})
	}
}

func TestExportStaticQueries(t *testing.T) {
	for _, tc := range []struct{ name, file, query string }{
		{"a full bundle of entries", "/log/ve/tile/8/data/001", "/log/ve/entries?start=256&end=512"},
		{"the last, partial bundle", "/log/ve/tile/8/data/002.p/7", "/log/ve/entries?start=512&end=519"},
		{"a level's results", resultsFile("ve", "president", "official", "parish"),
			"/api/v1/elections/ve/results?contest=president&format=csv&level=parish&source=official"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			if strings.Contains(tc.file, "/data/") {
				got = entriesQuery(tc.file)
			} else {
				got = resultsQuery(tc.file)
			}
			if got != tc.query {
				t.Errorf("%s asks the portal %s, want %s", tc.file, got, tc.query)
			}
		})
	}
}

// The manifest is read from the export directory, which others may write.
func FuzzStaticManifest(f *testing.F) {
	f.Add([]byte(strings.Repeat("a", 64) + " 12 e/ve/index.html\n"))
	f.Add([]byte(strings.Repeat("0", 64) + " 0 ../x\n"))
	f.Add([]byte("garbage"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		name := filepath.Join(t.TempDir(), staticManifest)
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := readStaticManifest(name)
		if err != nil {
			return
		}
		for p := range m {
			if !fs.ValidPath(p) {
				t.Fatalf("accepted path %q", p)
			}
		}
	})
}

// Links are read from the portal's pages, which carry names from the data.
func FuzzLinks(f *testing.F) {
	f.Add([]byte(`<a href="/e/ve/a/Zulia?page=2#x">Zulia</a><img src="/static/icon.svg"><a href="https://x.org/">x</a>`))
	f.Add([]byte(`<a href="/e/ve/a/A&amp;B">`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, l := range links(b) {
			if !strings.HasPrefix(l, "/") || strings.ContainsAny(l, "?#") {
				t.Fatalf("link %q is not a path of the portal", l)
			}
			filePath(l) // must not panic
		}
	})
}

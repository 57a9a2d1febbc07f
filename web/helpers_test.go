package web

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/tabulate"
)

// fixture is a real stack: a SQLite store in a temporary directory, a
// tabulation fed with what the store accepted, and the server over both.
type fixture struct {
	Store    *sqlite.DB
	Tab      *tabulate.Tabulator
	Election *actas.Election
	Stations []actas.Station
	Server   *Server
	Handler  http.Handler
}

// MustLoad stores a dataset the way `actas import` does (evidence files
// first, flags checked, submitter and origin set), tabulates every accepted
// submission, and builds a server over both.
func MustLoad(tb testing.TB, ds *actas.Dataset, files ...[]byte) *fixture {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "actas.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	e := ds.Election
	if err := db.CreateElection(ctx, e, ds.Stations); err != nil {
		tb.Fatalf("create election: %v", err)
	}
	for i, f := range files {
		if _, err := db.PutEvidence(ctx, e.ID, f); err != nil {
			tb.Fatalf("evidence file %d: %v", i+1, err)
		}
	}
	tab := tabulate.New(tabulate.DefaultRules())
	if err := tab.AddElection(e, ds.Stations); err != nil {
		tb.Fatalf("tabulate election: %v", err)
	}
	byCode := make(map[string]*actas.Station, len(ds.Stations))
	for i := range ds.Stations {
		byCode[ds.Stations[i].Code] = &ds.Stations[i]
	}
	received := time.Date(2024, 7, 28, 23, 0, 0, 0, time.UTC)
	for i, sub := range ds.Sheets {
		st := byCode[sub.Sheet.Station]
		if st == nil {
			tb.Fatalf("sheet %d names unknown station %q", i, sub.Sheet.Station)
		}
		sub.Election = e.ID
		sub.Flags = actas.Check(&sub.Sheet, st, e.Capacity(st))
		if sub.Submitter == "" {
			sub.Submitter = "import"
		}
		if sub.Origin == "" {
			sub.Origin = "test fixture"
		}
		if sub.Received.IsZero() {
			sub.Received = received.Add(time.Duration(i) * time.Second)
		}
	}
	const batch = 5000
	for from := 0; from < len(ds.Sheets); from += batch {
		subs := ds.Sheets[from:min(from+batch, len(ds.Sheets))]
		outs, err := db.Submit(ctx, e.ID, subs, nil)
		if err != nil {
			tb.Fatalf("submit: %v", err)
		}
		for j, o := range outs {
			if o == actas.New || o == actas.Differing {
				if err := tab.Add(subs[j]); err != nil {
					tb.Fatalf("tabulate submission %d: %v", subs[j].Seq, err)
				}
			}
		}
	}
	if len(ds.Totals) > 0 {
		if _, err := db.AddTotals(ctx, e.ID, ds.Totals); err != nil {
			tb.Fatalf("add totals: %v", err)
		}
	}
	srv, err := New(Config{Store: db, Results: tab, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"})
	if err != nil {
		tb.Fatalf("new server: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	return &fixture{Store: db, Tab: tab, Election: e, Stations: ds.Stations, Server: srv, Handler: srv.Handler()}
}

// MustSimulate loads a simulated election of n stations.
func MustSimulate(tb testing.TB, n int, seed uint64) *fixture {
	tb.Helper()
	ds, _, err := simulate.Run(simulate.Config{Stations: n, Seed: seed})
	if err != nil {
		tb.Fatalf("simulate: %v", err)
	}
	return MustLoad(tb, ds)
}

// Handmade election: small enough that every figure is known. It has two
// contests, an area name with '/', accented names, a station in conflict,
// flagged sheets, evidence of every kind and official totals.
const (
	hmID        = "demo-2024"
	hmConflict  = "0101" // witness and official disagree
	hmAgreed    = "0102"
	hmFlagged   = "0201" // official only, more ballots than registered
	hmNone      = "0301"
	hmSlashArea = "MP. L/DIEGO BAUTISTA"
	hmDotArea   = ".."
)

func handmade() *actas.Dataset {
	e := &actas.Election{ID: hmID, Name: "Demo 2024", Date: "2024-07-28", Timezone: "America/Caracas",
		Open: "06:00", Close: "18:00", Levels: []string{"state", "municipality"},
		Contests: []actas.Contest{
			{ID: "president", Name: "President", Choices: []actas.Choice{{ID: "a", Name: "Ana Álvarez"}, {ID: "b", Name: "Bruno Díaz"}, {ID: "c", Name: "Carla Ruiz"}}},
			{ID: "referendum", Name: "Referendum", Choices: []actas.Choice{{ID: "yes", Name: "Yes"}, {ID: "no", Name: "No"}}},
		}}
	st := func(code, state, mun string, reg, machines int64) actas.Station {
		return actas.Station{Code: code, Area: actas.JoinPath(state, mun), Registered: reg, Machines: machines}
	}
	stations := []actas.Station{
		st(hmConflict, "Zulia", hmSlashArea, 1500, 2),
		st(hmAgreed, "Zulia", hmSlashArea, 1200, 2),
		st(hmFlagged, "Zulia", "Maracaibo", 600, 0),
		st(hmNone, "Mérida", "Libertador", 300, 0),
		st("0401", "Distrito Capital", hmDotArea, 1000, 0),
	}
	sheet := func(code, contest string, votes []int64, blank, null, ballots, voters int64) actas.Sheet {
		return actas.Sheet{Station: code, Contest: contest, Votes: votes, Blank: blank, Null: null, Ballots: ballots, Voters: voters}
	}
	sub := func(src actas.Source, sh actas.Sheet, ev ...actas.Evidence) *actas.Submission {
		return &actas.Submission{Source: src, Sheet: sh, Evidence: ev}
	}
	subs := []*actas.Submission{
		// 0101: the witness copy says 700 for a; the official one 500; its
		// sum does not add up (flagged).
		sub(actas.Witness, sheet(hmConflict, "president", []int64{700, 300, 20}, 5, 5, 1030, actas.Unknown),
			actas.Evidence{Kind: "photo", SHA256: hmPhotoName()},
			actas.Evidence{Kind: "link", URL: "https://example.org/actas/0101.jpg"},
			actas.Evidence{Kind: "link", URL: "javascript:alert(1)"},
			actas.Evidence{Kind: "qr", Text: "0101|700|300|20"}),
		sub(actas.Official, sheet(hmConflict, "president", []int64{500, 500, 20}, 5, 5, 1040, 1030)),
		sub(actas.Witness, sheet(hmAgreed, "president", []int64{600, 400, 30}, 10, 10, 1050, 1050)),
		sub(actas.Official, sheet(hmAgreed, "president", []int64{600, 400, 30}, 10, 10, 1050, 1050)),
		sub(actas.Official, sheet(hmFlagged, "president", []int64{400, 300, 10}, 5, 5, 720, 720)),
		sub(actas.Witness, sheet("0401", "president", []int64{100, 200, 3}, 1, 1, 305, actas.Unknown)),
		sub(actas.Witness, sheet(hmAgreed, "referendum", []int64{800, 250}, 0, 0, 1050, actas.Unknown)),
	}
	totals := []actas.OfficialTotal{
		{Contest: "president", Bulletin: "bulletin-1", Area: "", Choice: "a", Votes: 1600},
		{Contest: "president", Bulletin: "bulletin-1", Area: "", Choice: "b", Votes: 1500},
		{Contest: "president", Bulletin: "bulletin-1", Area: "", Choice: "c", Votes: 63},
		{Contest: "president", Bulletin: "bulletin-1", Area: "", Choice: "ballots", Votes: 3300},
		{Contest: "president", Bulletin: "bulletin-1", Area: "", Choice: "registered", Votes: 4600},
	}
	return &actas.Dataset{Election: e, Stations: stations, Sheets: subs, Totals: totals}
}

// hmPhoto is the photo of station 0101's witness sheet.
func hmPhoto() []byte { return storetest.Photo(101) }

func hmPhotoName() string {
	sum := sha256.Sum256(hmPhoto())
	return hex.EncodeToString(sum[:])
}

// MustHandmade loads the handmade election.
func MustHandmade(tb testing.TB) *fixture {
	tb.Helper()
	return MustLoad(tb, handmade(), hmPhoto())
}

// response is what a client received.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// get sends a request through the handler; header pairs are name, value.
func (f *fixture) get(tb testing.TB, target string, header ...string) response {
	tb.Helper()
	return f.do(tb, http.MethodGet, target, header...)
}

func (f *fixture) do(tb testing.TB, method, target string, header ...string) response {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.Handler.ServeHTTP(rec, req)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
}

// mustOK fails unless the response is 200.
func (r response) mustOK(tb testing.TB, target string) response {
	tb.Helper()
	if r.Status != http.StatusOK {
		tb.Fatalf("GET %s: status %d, want 200; body:\n%.2000s", target, r.Status, r.Body)
	}
	return r
}

// anchor is a link on a page.
type anchor struct{ Href, Text string }

var anchorRE = regexp.MustCompile(`<a [^>]*?href="([^"]*)"[^>]*>(.*?)</a>`)
var tagRE = regexp.MustCompile(`<[^>]*>`)

// links returns the anchors of an HTML fragment, unescaped.
func links(fragment string) []anchor {
	var out []anchor
	for _, m := range anchorRE.FindAllStringSubmatch(fragment, -1) {
		out = append(out, anchor{Href: html.UnescapeString(m[1]), Text: strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(m[2], "")))})
	}
	return out
}

// section returns the HTML between the element with the given id's opening
// and the next </section>.
func section(tb testing.TB, page, id string) string {
	tb.Helper()
	i := strings.Index(page, `aria-labelledby="`+id+`"`)
	if i < 0 {
		tb.Fatalf("page has no section %q", id)
	}
	j := strings.Index(page[i:], "</section>")
	if j < 0 {
		tb.Fatalf("section %q is not closed", id)
	}
	return page[i : i+j]
}

// text is the visible text of an HTML fragment, with spaces collapsed.
func text(fragment string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(fragment, " "))), " ")
}

// h1 is the page's main heading.
func h1(tb testing.TB, page string) string {
	tb.Helper()
	m := regexp.MustCompile(`(?s)<h1[^>]*>(.*?)</h1>`).FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("page has no <h1>")
	}
	return text(m[1])
}

// downloadLink returns the href of the CSV link inside a fragment.
func downloadLink(tb testing.TB, fragment string) string {
	tb.Helper()
	for _, a := range links(fragment) {
		if strings.Contains(a.Href, "download=") {
			return a.Href
		}
	}
	tb.Fatalf("no download link in:\n%.1000s", fragment)
	return ""
}

// mustCSV fetches and parses a CSV download.
func (f *fixture) mustCSV(tb testing.TB, target string) [][]string {
	tb.Helper()
	r := f.get(tb, target).mustOK(tb, target)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		tb.Fatalf("GET %s: Content-Type %q, want text/csv", target, ct)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		tb.Fatalf("GET %s: CSV does not parse: %v", target, err)
	}
	if len(rows) == 0 {
		tb.Fatalf("GET %s: CSV is empty", target)
	}
	return rows
}

// mustArea is the tabulation's own answer, to compare pages with.
func (f *fixture) mustArea(tb testing.TB, contest string, src actas.Source, path string) (*actas.AreaResult, []*actas.AreaResult) {
	tb.Helper()
	a, children, err := f.Tab.Area(f.Election.ID, contest, src, path)
	if err != nil {
		tb.Fatalf("tabulate area %q: %v", path, err)
	}
	return a, children
}

func (f *fixture) contest() string { return f.Election.Contests[0].ID }

// mustLocale is a language of the interface, to write numbers the way its
// pages do.
func mustLocale(tb testing.TB, code string) *locale {
	tb.Helper()
	ls, err := loadLocales()
	if err != nil {
		tb.Fatal(err)
	}
	l := ls.byCode[code]
	if l == nil {
		tb.Fatalf("no locale %s", code)
	}
	return l
}

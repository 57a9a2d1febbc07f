package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

var (
	rowRE  = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRE = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
)

// tableRows returns the visible text of every cell of every row of the
// first table body rows in fragment (header rows included).
func tableRows(fragment string) [][]string {
	var out [][]string
	for _, r := range rowRE.FindAllStringSubmatch(fragment, -1) {
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
			cells = append(cells, text(c[1]))
		}
		out = append(out, cells)
	}
	return out
}

func TestOverviewShowsTheTabulation(t *testing.T) {
	f := MustSimulate(t, 600, 11)
	e := f.Election
	l := mustLocale(t, "en")
	page := f.get(t, "/e/"+e.ID).mustOK(t, "/e/"+e.ID).Body

	if got := h1(t, page); got != e.Name {
		t.Errorf("overview heading %q, want the election's name %q", got, e.Name)
	}
	// The summary: one column per view, reconciled first, then each source.
	views := append([]actas.Source{actas.Reconciled}, f.Tab.Sources(e.ID)...)
	rows := tableRows(section(t, page, "summary-h"))
	header := rows[0]
	for j, v := range views {
		if !strings.HasPrefix(header[j+1], l.sourceName(v)) {
			t.Errorf("summary column %d is %q, want %s", j+1, header[j+1], l.sourceName(v))
		}
	}
	for j, v := range views {
		a, _ := f.mustArea(t, f.contest(), v, "")
		for i, ch := range e.Contests[0].Choices {
			row := rows[1+i]
			if row[0] != ch.Name {
				t.Fatalf("summary row %d is %q, want choice %q", 1+i, row[0], ch.Name)
			}
			want := l.Int(a.Votes[i]) + " " + l.Pct(a.Share(i))
			if row[j+1] != want {
				t.Errorf("%s votes for %s: page shows %q, tabulation gives %q", v, ch.Name, row[j+1], want)
			}
		}
		// Coverage, turnout and flags, as a reader checks them.
		metrics := map[string]string{}
		for _, r := range rows[1+len(e.Contests[0].Choices):] {
			metrics[r[0]] = r[j+1]
		}
		for label, want := range map[string]string{
			"Ballots in the boxes":       l.Int(a.Ballots),
			"Stations counted":           l.Int(a.StationsCounted) + " of " + l.Int(a.Stations) + " " + l.Pct(a.StationCoverage()),
			"Registered voters counted":  l.Int(a.RegisteredCounted) + " of " + l.Int(a.Registered) + " " + l.Pct(a.RegisteredCoverage()),
			"Turnout (counted stations)": l.Pct(a.Turnout()),
			"Flagged sheets":             l.Int(a.Flagged),
		} {
			if metrics[label] != want {
				t.Errorf("%s %s: page shows %q, tabulation gives %q", v, label, metrics[label], want)
			}
		}
		if v == actas.Reconciled {
			if got, want := metrics["Stations whose sheets conflict"], l.Int(a.Conflict); got != want {
				t.Errorf("conflicts: page shows %q, tabulation gives %q", got, want)
			}
		}
	}
	// The official totals stand beside the tally.
	if !strings.Contains(header[len(header)-1], "Announced") {
		t.Errorf("last summary column is %q, want the announced official total", header[len(header)-1])
	}
	if !strings.Contains(page, "<svg") || strings.Count(page, "<title>") < len(e.Contests[0].Choices)*len(views) {
		t.Errorf("overview has no bar chart with a <title> per bar")
	}
}

func TestDrillDownLeadsToEveryLevelAndAStation(t *testing.T) {
	f := MustSimulate(t, 600, 12)
	e := f.Election
	href, path := electionURL(e.ID), ""
	for depth := 0; depth <= len(e.Levels); depth++ {
		page := f.get(t, href).mustOK(t, href).Body
		a, children := f.mustArea(t, f.contest(), actas.Reconciled, path)
		if depth > 0 && h1(t, page) != a.Name {
			t.Fatalf("%s: heading %q, want %q", href, h1(t, page), a.Name)
		}
		if depth == len(e.Levels) {
			// The lowest level lists its stations, each linked.
			sts, err := f.Tab.Stations(e.ID, f.contest(), path)
			if err != nil {
				t.Fatal(err)
			}
			got := links(section(t, page, "stations-h"))
			var codes []string
			for _, l := range got {
				if strings.Contains(l.Href, "/s/") {
					codes = append(codes, l.Text)
				}
			}
			var want []string
			for _, s := range sts {
				want = append(want, s.Station.Code)
			}
			if !slices.Equal(codes, want) {
				t.Fatalf("%s lists stations %v, want %v", href, codes, want)
			}
			st := f.get(t, got[0].Href).mustOK(t, got[0].Href).Body
			if h := h1(t, st); h != "Station "+want[0] {
				t.Errorf("station page heading %q, want %q", h, "Station "+want[0])
			}
			names, _ := actas.SplitPath(path)
			for _, name := range names {
				if !strings.Contains(text(st), name) {
					t.Errorf("station page breadcrumb lacks %q", name)
				}
			}
			return
		}
		// Every child is listed, in order, linking to its own page.
		var got []anchor
		for _, l := range links(section(t, page, "areas-h")) {
			if !strings.Contains(l.Href, "download=") {
				got = append(got, l)
			}
		}
		if len(got) != len(children) {
			t.Fatalf("%s lists %d child areas, tabulation has %d", href, len(got), len(children))
		}
		for i, c := range children {
			if got[i].Text != c.Name || got[i].Href != areaURL(e.ID, c.Path) {
				t.Errorf("%s child %d: link %q → %s, want %q → %s", href, i, got[i].Text, got[i].Href, c.Name, areaURL(e.ID, c.Path))
			}
		}
		// Go down through the last child (first-appearance order differs
		// from the first's at every level).
		last := children[len(children)-1]
		href, path = got[len(got)-1].Href, last.Path
	}
	t.Fatal("drill-down never reached the stations")
}

func TestStationPageShowsEverySubmission(t *testing.T) {
	f := MustHandmade(t)
	ctx := context.Background()
	subs, err := f.Store.StationSubmissions(ctx, hmID, hmConflict)
	if err != nil {
		t.Fatal(err)
	}
	page := f.get(t, stationURL(hmID, hmConflict)).mustOK(t, "station").Body
	body := text(page)

	t.Run("every submission with source, seq, time and submitter", func(t *testing.T) {
		if len(subs) != 2 {
			t.Fatalf("store has %d submissions for %s, the fixture made 2", len(subs), hmConflict)
		}
		caracas, err := time.LoadLocation("America/Caracas")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			anchor := fmt.Sprintf(`id="sub-%d"`, s.Seq)
			if !strings.Contains(page, anchor) {
				t.Errorf("submission %d is not listed", s.Seq)
			}
			// 23:00 UTC is 19:00 in Caracas.
			when := s.Received.In(caracas).Format("2006-01-02 15:04:05 MST")
			if !strings.Contains(body, when) {
				t.Errorf("submission %d: received time %q not shown in the election's time zone", s.Seq, when)
			}
		}
		if !strings.Contains(body, "Witnesses #1") || !strings.Contains(body, "Official #2") {
			t.Errorf("comparison rows do not name source and seq: %s", body)
		}
	})
	t.Run("flags explained in words", func(t *testing.T) {
		for _, want := range []string{
			"do not add up to the ballots in the box",
			"number of people recorded as having voted differs from the number of ballots",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("flag explanation %q missing", want)
			}
		}
	})
	t.Run("conflict shown with its source", func(t *testing.T) {
		if !strings.Contains(body, "Conflict") || !strings.Contains(body, "comes from the Witnesses source") {
			t.Errorf("state or source of the reconciled sheet missing")
		}
	})
	t.Run("differences highlighted", func(t *testing.T) {
		// The official sheet differs from the reconciled (witness) one in
		// a, b, ballots and voters.
		if n := strings.Count(page, "<mark"); n != 4 {
			t.Errorf("%d numbers marked as differing, want 4", n)
		}
		if !strings.Contains(strings.ReplaceAll(body, " ,", ","), "The sheets differ in: Ana Álvarez, Bruno Díaz, Ballots, Voters") {
			t.Errorf("summary of differences missing")
		}
	})
	t.Run("evidence links, and embeds only the photos stored here", func(t *testing.T) {
		if !slices.ContainsFunc(links(page), func(a anchor) bool { return a.Href == "https://example.org/actas/0101.jpg" }) {
			t.Errorf("published image is not a link")
		}
		if strings.Contains(page, `href="javascript:`) {
			t.Errorf("evidence linked unsafely")
		}
		photo := evidenceURL(hmID, hmPhotoName())
		imgs := regexp.MustCompile(`<img [^>]*>`).FindAllString(page, -1)
		if len(imgs) != 1 || !strings.Contains(imgs[0], `src="`+photo+`"`) || !strings.Contains(imgs[0], `loading="lazy"`) || !strings.Contains(imgs[0], `alt="`) {
			t.Errorf("images %q, want one lazy thumbnail of %s with a text alternative", imgs, photo)
		}
		if !slices.ContainsFunc(links(page), func(a anchor) bool { return a.Href == photo && strings.Contains(a.Text, "sha256:"+hmPhotoName()) }) {
			t.Errorf("the photo is not a link to %s naming its digest", photo)
		}
		if !strings.Contains(body, "0101|700|300|20") {
			t.Errorf("QR payload missing")
		}
		// The link leads to the photo itself.
		r := f.get(t, photo).mustOK(t, photo)
		if r.Header.Get("Content-Type") != "image/png" || r.Body != string(hmPhoto()) {
			t.Errorf("GET %s: %s, %d bytes; want the stored PNG", photo, r.Header.Get("Content-Type"), len(r.Body))
		}
	})
	t.Run("station facts", func(t *testing.T) {
		for _, want := range []string{"Registered voters 1,500", "Voting machines 2", "Zulia", hmSlashArea} {
			if !strings.Contains(body, want) {
				t.Errorf("station page lacks %q", want)
			}
		}
	})
	t.Run("station without sheets", func(t *testing.T) {
		b := text(f.get(t, stationURL(hmID, hmNone)).mustOK(t, "station").Body)
		if !strings.Contains(b, "No sheet has been received for this station yet") {
			t.Errorf("station with no submission does not say so")
		}
	})
}

func TestSearch(t *testing.T) {
	f := MustHandmade(t)
	tests := []struct {
		name, q  string
		wantHref string
		wantText string
	}{
		{"station by code", "0101", stationURL(hmID, "0101"), "0101"},
		{"station by code prefix", "020", stationURL(hmID, "0201"), "0201"},
		{"area without its accent", "merida", areaURL(hmID, "Mérida"), "Mérida"},
		{"area in capitals with accent", "MÉRIDA", areaURL(hmID, "Mérida"), "Mérida"},
		{"area whose name has a slash", "diego", areaURL(hmID, actas.JoinPath("Zulia", hmSlashArea)), hmSlashArea},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := searchURL(hmID) + "?q=" + url.QueryEscape(tt.q)
			page := f.get(t, target).mustOK(t, target).Body
			var hit *anchor
			for _, a := range links(page) {
				if a.Href == tt.wantHref {
					hit = &a
				}
			}
			if hit == nil || hit.Text != tt.wantText {
				t.Fatalf("search %q: no link %q → %s among %v", tt.q, tt.wantText, tt.wantHref, links(page))
			}
			if r := f.get(t, hit.Href); r.Status != http.StatusOK {
				t.Errorf("search hit %s: status %d", hit.Href, r.Status)
			}
			if !strings.Contains(page, `value="`+tt.q+`"`) {
				t.Errorf("search box does not keep the query")
			}
		})
	}
	t.Run("nothing found says so", func(t *testing.T) {
		page := f.get(t, searchURL(hmID)+"?q=zzzz").mustOK(t, "search").Body
		if !strings.Contains(text(page), "Nothing found for “zzzz”") {
			t.Errorf("empty search result not explained")
		}
	})
	t.Run("search box on every page", func(t *testing.T) {
		for _, target := range []string{electionURL(hmID), areaURL(hmID, "Zulia"), stationURL(hmID, "0101"), searchURL(hmID), "/nope"} {
			page := f.get(t, target).Body
			if !strings.Contains(page, `role="search"`) || !strings.Contains(page, `name="q"`) {
				t.Errorf("%s has no search box", target)
			}
		}
	})
	t.Run("the search box outside an election", func(t *testing.T) {
		r := f.get(t, "/search?q=0101")
		if r.Status != http.StatusFound || r.Header.Get("Location") != searchURL(hmID)+"?q=0101" {
			t.Errorf("global search: %d → %q", r.Status, r.Header.Get("Location"))
		}
	})
}

func TestAreaNamesRoundTripThroughURLs(t *testing.T) {
	f := MustHandmade(t)
	tests := []struct {
		name, path string
		wantURL    string
		stations   []string
	}{
		{"name with a slash", actas.JoinPath("Zulia", hmSlashArea), "/e/demo-2024/a/Zulia/MP.%20L%2FDIEGO%20BAUTISTA", []string{hmConflict, hmAgreed}},
		{"name with an accent", actas.JoinPath("Mérida", "Libertador"), "/e/demo-2024/a/M%C3%A9rida/Libertador", []string{hmNone}},
		{"name a browser would resolve", actas.JoinPath("Distrito Capital", hmDotArea), "/e/demo-2024/a?path=Distrito+Capital%2F..", []string{"0401"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := areaURL(hmID, tt.path)
			if u != tt.wantURL {
				t.Errorf("areaURL = %s, want %s", u, tt.wantURL)
			}
			names, _ := actas.SplitPath(tt.path)
			page := f.get(t, u).mustOK(t, u).Body
			if h := h1(t, page); h != names[len(names)-1] {
				t.Errorf("GET %s shows %q, want %q", u, h, names[len(names)-1])
			}
			var codes []string
			for _, a := range links(section(t, page, "stations-h")) {
				if strings.Contains(a.Href, "/s/") {
					codes = append(codes, a.Text)
				}
			}
			if !slices.Equal(codes, tt.stations) {
				t.Errorf("GET %s lists stations %v, want %v", u, codes, tt.stations)
			}
			// The parent page links to exactly this URL.
			parent := f.get(t, areaURL(hmID, actas.ParentPath(tt.path))).Body
			if !slices.ContainsFunc(links(parent), func(a anchor) bool { return a.Href == u }) {
				t.Errorf("parent page does not link to %s", u)
			}
		})
	}
}

func TestCSVDownloadsMatchTheTables(t *testing.T) {
	f := MustHandmade(t)
	e := f.Election
	c := &e.Contests[0]
	t.Run("child areas", func(t *testing.T) {
		page := f.get(t, electionURL(hmID)).Body
		sec := section(t, page, "areas-h")
		rows := f.mustCSV(t, downloadLink(t, sec))
		a, children := f.mustArea(t, c.ID, actas.Reconciled, "")
		doc := actas.NewResultsDocument(e, c, actas.Reconciled, a.Level, append([]*actas.AreaResult{a}, children...))
		if !slices.Equal(rows[0], doc.CSVHeader()) {
			t.Errorf("CSV header %v, want the results header %v", rows[0], doc.CSVHeader())
		}
		if fmt.Sprint(rows[1:]) != fmt.Sprint(doc.CSVRows()) {
			t.Errorf("CSV rows\n%v\nwant\n%v", rows[1:], doc.CSVRows())
		}
		// One CSV row per table row (the total, then each area).
		if html := tableRows(sec); len(html)-1 != len(rows)-1 {
			t.Errorf("table has %d rows, CSV %d", len(html)-1, len(rows)-1)
		}
	})
	t.Run("summary", func(t *testing.T) {
		page := f.get(t, electionURL(hmID)).Body
		rows := f.mustCSV(t, downloadLink(t, section(t, page, "summary-h")))
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		got := map[string][]string{}
		for _, r := range rows[1:] {
			got[r[col["source"]]+r[col["bulletin"]]] = r
		}
		for _, src := range []actas.Source{actas.Reconciled, actas.Witness, actas.Official} {
			a, _ := f.mustArea(t, c.ID, src, "")
			r := got[string(src)]
			if r == nil {
				t.Fatalf("summary CSV has no %s row", src)
			}
			for i, ch := range c.Choices {
				if r[col[ch.ID]] != itoa(a.Votes[i]) {
					t.Errorf("%s %s: CSV %s, tabulation %d", src, ch.ID, r[col[ch.ID]], a.Votes[i])
				}
			}
		}
		b := got["official-totalbulletin-1"]
		if b == nil || b[col["a"]] != "1600" || b[col["ballots"]] != "3300" || b[col["blank"]] != "" {
			t.Errorf("official total row %v", b)
		}
	})
	t.Run("stations of a lowest-level area", func(t *testing.T) {
		u := areaURL(hmID, actas.JoinPath("Zulia", hmSlashArea))
		sec := section(t, f.get(t, u).Body, "stations-h")
		rows := f.mustCSV(t, downloadLink(t, sec))
		if len(rows) != 3 || rows[1][0] != hmConflict || rows[2][0] != hmAgreed {
			t.Fatalf("stations CSV %v", rows)
		}
		col := slices.Index(rows[0], "state")
		if rows[1][col] != "conflict" || rows[2][col] != "agreed" {
			t.Errorf("states in CSV: %s, %s", rows[1][col], rows[2][col])
		}
	})
	t.Run("submissions of a station", func(t *testing.T) {
		page := f.get(t, stationURL(hmID, hmConflict)).Body
		rows := f.mustCSV(t, downloadLink(t, page))
		// The reconciled sheet, then both submissions.
		if len(rows) != 4 || rows[1][0] != "reconciled" || rows[2][2] != "witness" || rows[3][2] != "official" {
			t.Fatalf("submissions CSV %v", rows)
		}
		if got := rows[3][slices.Index(rows[0], "flags")]; got != "sum-mismatch,voters-differ-from-ballots" {
			t.Errorf("flags column %q", got)
		}
	})
	t.Run("search hits", func(t *testing.T) {
		page := f.get(t, searchURL(hmID)+"?q=0").Body
		rows := f.mustCSV(t, downloadLink(t, page))
		if len(rows)-1 != len(tableRows(page))-1 {
			t.Errorf("search CSV has %d rows, table %d", len(rows)-1, len(tableRows(page))-1)
		}
	})
	t.Run("unknown table", func(t *testing.T) {
		if r := f.get(t, electionURL(hmID)+"?download=nope"); r.Status != http.StatusNotFound {
			t.Errorf("unknown table: status %d", r.Status)
		}
	})
}

func TestUnknownThingsAreNotFound(t *testing.T) {
	f := MustHandmade(t)
	tests := []struct{ name, page, api string }{
		{"unknown election", "/e/nope", "/api/v1/elections/nope"},
		{"unknown area", "/e/demo-2024/a/Atlantis", "/api/v1/elections/demo-2024/areas/Atlantis"},
		{"unknown child area", "/e/demo-2024/a/Zulia/Atlantis", "/api/v1/elections/demo-2024/results?area=Zulia/Atlantis"},
		{"unknown station", "/e/demo-2024/s/9999", "/api/v1/elections/demo-2024/stations/9999"},
		{"unknown contest", "/e/demo-2024?contest=senate", "/api/v1/elections/demo-2024/results?contest=senate"},
		{"unknown address", "/nowhere", "/api/v1/nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.get(t, tt.page)
			if r.Status != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("GET %s: %d %s, want a 404 page", tt.page, r.Status, r.Header.Get("Content-Type"))
			}
			if !strings.Contains(r.Body, "<h1>Not found</h1>") || !strings.Contains(r.Body, "use the search box") {
				t.Errorf("GET %s: the 404 page does not help the reader", tt.page)
			}
			a := f.get(t, tt.api)
			if a.Status != http.StatusNotFound || !strings.HasPrefix(a.Header.Get("Content-Type"), "application/json") {
				t.Errorf("GET %s: %d %s, want 404 JSON", tt.api, a.Status, a.Header.Get("Content-Type"))
			}
			if !strings.Contains(a.Body, `"code":"not_found"`) {
				t.Errorf("GET %s: body %s", tt.api, a.Body)
			}
		})
	}
}

func TestInvalidRequestsAreRefused(t *testing.T) {
	f := MustHandmade(t)
	long := strings.Repeat("x", maxSearchLen+1)
	tests := []struct{ name, target string }{
		{"unknown source", "/e/demo-2024?source=rumour"},
		{"malformed contest", "/e/demo-2024?contest=Bad%20Id"},
		{"page not a number", "/e/demo-2024/a/Zulia/Maracaibo?page=two"},
		{"search text too long", "/e/demo-2024/search?q=" + long},
		{"search text with control characters", "/e/demo-2024/search?q=a%00b"},
		{"area path with a dangling escape", "/e/demo-2024/a?path=Zulia%5C"},
		{"API level malformed", "/api/v1/elections/demo-2024/results?level=Not+A+Level"},
		{"API format unknown", "/api/v1/elections/demo-2024/results?format=xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.get(t, tt.target)
			if r.Status != http.StatusBadRequest {
				t.Errorf("GET %s: status %d, want 400", tt.target, r.Status)
			}
		})
	}
}

func TestSpanish(t *testing.T) {
	f := MustSimulate(t, 300, 13)
	e := f.Election
	es := mustLocale(t, "es")
	a, _ := f.mustArea(t, f.contest(), actas.Reconciled, "")
	want := es.Int(a.Votes[0]) // e.g. 12.345
	if !strings.Contains(want, ".") {
		t.Fatalf("fixture too small: %s has no thousands", want)
	}
	check := func(t *testing.T, r response) {
		t.Helper()
		if r.Status != http.StatusOK {
			t.Fatalf("status %d", r.Status)
		}
		for _, s := range []string{`<html lang="es">`, "Resultados", "Mesas contadas", want, es.Pct(a.Share(0))} {
			if !strings.Contains(r.Body, s) {
				t.Errorf("Spanish page lacks %q", s)
			}
		}
		if strings.Contains(r.Body, "Stations counted") {
			t.Errorf("Spanish page has English text")
		}
	}
	t.Run("Accept-Language", func(t *testing.T) {
		check(t, f.get(t, electionURL(e.ID), "Accept-Language", "es-VE,es;q=0.9,en;q=0.5"))
	})
	t.Run("the switch sets a cookie and keeps the page", func(t *testing.T) {
		page := f.get(t, areaURL(e.ID, "")+"?source=witness").Body
		var sw string
		for _, a := range links(page) {
			if a.Text == "Español" {
				sw = a.Href
			}
		}
		if sw == "" {
			t.Fatal("no link to Español")
		}
		if !strings.HasPrefix(sw, electionURL(e.ID)+"?") || !strings.Contains(sw, "source=witness") || !strings.Contains(sw, "lang=es") {
			t.Errorf("switch link %q does not keep the page", sw)
		}
		r := f.get(t, sw)
		check(t, r)
		cookie := r.Header.Get("Set-Cookie")
		if !strings.HasPrefix(cookie, "lang=es") {
			t.Fatalf("switch set cookie %q", cookie)
		}
		// The next page, with the cookie, stays in Spanish even if the
		// browser prefers English.
		check(t, f.get(t, electionURL(e.ID), "Cookie", "lang=es", "Accept-Language", "en"))
		// And back.
		r = f.get(t, electionURL(e.ID)+"?lang=en", "Cookie", "lang=es")
		if !strings.Contains(r.Body, `<html lang="en">`) || !strings.Contains(r.Body, "Stations counted") {
			t.Errorf("switching back to English failed")
		}
	})
	t.Run("an unsupported language falls back to English", func(t *testing.T) {
		r := f.get(t, electionURL(e.ID), "Accept-Language", "fr-FR")
		if !strings.Contains(r.Body, `<html lang="en">`) {
			t.Errorf("French reader did not get English")
		}
	})
	t.Run("error pages too", func(t *testing.T) {
		r := f.get(t, "/e/nope", "Accept-Language", "es")
		if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "No encontrado") {
			t.Errorf("Spanish 404: %d", r.Status)
		}
	})
}

func TestSecurityHeadersAndMethods(t *testing.T) {
	f := MustHandmade(t)
	for _, target := range []string{"/e/demo-2024", "/api/v1/elections", "/nope", "/api/v1/nope", "/static/style.css", "/e/demo-2024?download=areas"} {
		t.Run("headers on "+target, func(t *testing.T) {
			r := f.get(t, target)
			csp := r.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") == "" || r.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("headers %v", r.Header)
			}
			if api := strings.HasPrefix(target, "/api/"); api != (r.Header.Get("Access-Control-Allow-Origin") == "*") {
				t.Errorf("CORS header %q on %s: only the API is open to other sites", r.Header.Get("Access-Control-Allow-Origin"), target)
			}
		})
	}
	t.Run("no inline script or style", func(t *testing.T) {
		for _, target := range []string{"/e/demo-2024", "/e/demo-2024/s/0101", "/e/demo-2024/search?q=z", "/nope"} {
			b := f.get(t, target).Body
			if strings.Contains(b, "<script") || strings.Contains(b, " style=") || strings.Contains(b, "<style") {
				t.Errorf("%s has inline script or style, which the CSP blocks", target)
			}
		}
	})
	t.Run("HEAD answers like GET without a body", func(t *testing.T) {
		srv := httptest.NewServer(f.Handler)
		defer srv.Close()
		for _, target := range []string{"/e/demo-2024", "/api/v1/elections/demo-2024/results", "/e/demo-2024/s/0101"} {
			resp, err := srv.Client().Head(srv.URL + target)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.ContentLength <= 0 || n != 0 {
				t.Errorf("HEAD %s: %d, length %d, body %d bytes", target, resp.StatusCode, resp.ContentLength, n)
			}
		}
	})
	t.Run("only GET and HEAD", func(t *testing.T) {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			for _, target := range []string{"/e/demo-2024", "/api/v1/elections", "/"} {
				if r := f.do(t, m, target); r.Status != http.StatusMethodNotAllowed {
					t.Errorf("%s %s: status %d, want 405", m, target, r.Status)
				}
			}
		}
	})
	t.Run("user text is escaped", func(t *testing.T) {
		r := f.get(t, searchURL(hmID)+"?q="+url.QueryEscape(`"><b>x`))
		if strings.Contains(r.Body, `"><b>x`) {
			t.Errorf("search text echoed unescaped")
		}
	})
}

func TestIndex(t *testing.T) {
	f := MustHandmade(t)
	t.Run("one election: straight to it", func(t *testing.T) {
		r := f.get(t, "/")
		if r.Status != http.StatusFound || r.Header.Get("Location") != electionURL(hmID) {
			t.Errorf("GET /: %d → %q", r.Status, r.Header.Get("Location"))
		}
	})
	t.Run("several elections: a list", func(t *testing.T) {
		ds := handmade()
		ds.Election.ID, ds.Election.Name = "second-2025", "Second 2025"
		if err := f.Store.CreateElection(context.Background(), ds.Election, ds.Stations); err != nil {
			t.Fatal(err)
		}
		page := f.get(t, "/").mustOK(t, "/").Body
		var hrefs []string
		for _, a := range links(page) {
			if strings.HasPrefix(a.Href, "/e/") {
				hrefs = append(hrefs, a.Href)
			}
		}
		if !slices.Equal(hrefs, []string{"/e/demo-2024", "/e/second-2025"}) {
			t.Errorf("index links %v", hrefs)
		}
		rows := f.mustCSV(t, downloadLink(t, page))
		if len(rows) != 3 || rows[1][0] != hmID {
			t.Errorf("elections CSV %v", rows)
		}
	})
}

func TestOneAddressPerPage(t *testing.T) {
	f := MustHandmade(t)
	for _, target := range []string{"/e/demo-2024/", "/e/demo-2024/a/", "/e/demo-2024/a", "/e/demo-2024/a?path=national"} {
		r := f.get(t, target)
		if r.Status != http.StatusMovedPermanently || r.Header.Get("Location") != "/e/demo-2024" {
			t.Errorf("GET %s: %d → %q, want a redirect to the overview", target, r.Status, r.Header.Get("Location"))
		}
	}
	if r := f.get(t, "/e/demo-2024/a?path=Zulia"); r.Header.Get("Location") != "/e/demo-2024/a/Zulia" {
		t.Errorf("?path= for a plain name: %d → %q, want its segment address", r.Status, r.Header.Get("Location"))
	}
	r := f.get(t, "/e/demo-2024/a/?source=witness")
	if r.Header.Get("Location") != "/e/demo-2024?source=witness" {
		t.Errorf("redirect drops the chosen source: %q", r.Header.Get("Location"))
	}
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
)

// stationsPerPage bounds the station list of one page; the CSV has them all.
const stationsPerPage = 100

// areaData is what the area page and its API mirror show, before any
// language is applied.
type areaData struct {
	e        *election
	c        *actas.Contest
	src      actas.Source        // the source the children and their table use
	area     *actas.AreaResult   // the area, in src
	children []*actas.AreaResult // in src
	views    []*actas.AreaResult // reconciled first, then each source present
	bulletin []*bulletin         // official totals announced for the area
	stations []*actas.StationResult
	lowest   bool // the area is at the lowest level: it lists stations
}

// contestOf returns the contest a request chose, or the election's first.
func contestOf(e *election, id string) (*actas.Contest, error) {
	if id == "" {
		return &e.Contests[0], nil
	}
	return e.Contest(id)
}

// loadArea gathers an area's results for every view. It makes one
// ResultService call per source and never walks the election's stations.
func (s *Server) loadArea(ctx context.Context, e *election, p params, path string) (*areaData, error) {
	c, err := contestOf(e, p.Contest)
	if err != nil {
		return nil, err
	}
	d := &areaData{e: e, c: c, src: p.Source}
	if d.src == "" {
		d.src = actas.Reconciled
	}
	views := append([]actas.Source{actas.Reconciled}, s.results.Sources(e.ID)...)
	if !contains(views, d.src) {
		views = append(views, d.src)
	}
	for _, v := range views {
		a, children, err := s.results.Area(e.ID, c.ID, v, path)
		if err != nil {
			return nil, fmt.Errorf("results of %s: %w", actas.DisplayPath(path), err)
		}
		d.views = append(d.views, a)
		if v == d.src {
			d.area, d.children = a, children
		}
	}
	if d.bulletin, err = s.bulletins(ctx, e, c.ID, path); err != nil {
		return nil, err
	}
	d.lowest = len(e.Levels) > 0 && d.area.Level == e.Levels[len(e.Levels)-1]
	if d.lowest {
		if d.stations, err = s.results.Stations(e.ID, c.ID, path); err != nil {
			return nil, fmt.Errorf("stations of %s: %w", actas.DisplayPath(path), err)
		}
	}
	return d, nil
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// childLevel names the level of the area's children ("" at the lowest).
func (d *areaData) childLevel() string {
	if len(d.children) > 0 {
		return d.children[0].Level
	}
	return ""
}

// resultsDoc is the results table in its shared form: the area first, then
// its children, as the API and the command line give it.
func (d *areaData) resultsDoc() *actas.ResultsDocument {
	areas := make([]*actas.AreaResult, 0, 1+len(d.children))
	areas = append(areas, d.area)
	areas = append(areas, d.children...)
	return actas.NewResultsDocument(d.e.Election, d.c, d.src, d.area.Level, areas)
}

// handleArea serves the national overview and every area page.
func (s *Server) handleArea(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, p, err := s.electionParams(r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	path, err := areaPathFromRequest(r, 3, p.raw)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	// One address per page: /e/x/a/ and /e/x/a?path=national are the
	// overview, and ?path= serves only names a segment cannot carry.
	canonical := areaURL(e.ID, path)
	if (path == "" && r.URL.Path != canonical) || (r.URL.Path == electionURL(e.ID)+"/a" && !strings.HasPrefix(canonical, electionURL(e.ID)+"/a?")) {
		http.Redirect(w, r, withQuery(canonical, p.keep()), http.StatusMovedPermanently)
		return
	}
	d, err := s.loadArea(r.Context(), e, p, path)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	if p.Download != "" {
		t, err := d.table(p.Download)
		if err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
		s.writeCSV(w, r, e.ID, lastName(path), t)
		return
	}
	pg := s.newPage(r, l, e)
	body := s.areaView(r, l, d, p)
	if body.Incidents, err = s.areaIncidents(r.Context(), l, e, path); err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	pg.Title = body.Title
	pg.API = withQuery(apiAreaURL(e.ID, path), p.keep())
	pg.Body = body
	s.render(w, r, http.StatusOK, "area", pg)
}

// lastName is an area's own name, for file names.
func lastName(path string) string {
	names, err := actas.SplitPath(path)
	if err != nil || len(names) == 0 {
		return ""
	}
	return names[len(names)-1]
}

// table returns the named table of the area page as CSV data.
func (d *areaData) table(name string) (*table, error) {
	switch name {
	case "summary":
		return d.summaryTable(), nil
	case "areas":
		if d.lowest {
			break
		}
		doc := d.resultsDoc()
		return &table{Name: "areas", Header: doc.CSVHeader(), Rows: doc.CSVRows()}, nil
	case "stations":
		if !d.lowest {
			break
		}
		return d.stationsTable(), nil
	}
	return nil, actas.Errorf(actas.ENOTFOUND, "this page has no table %q", clip(name))
}

// summaryTable has one row per view of the area: each source, the
// reconciled sheets, and each official bulletin, in the results CSV columns.
func (d *areaData) summaryTable() *table {
	doc := actas.NewResultsDocument(d.e.Election, d.c, actas.Reconciled, d.area.Level, d.views)
	header := append([]string{"source", "bulletin"}, doc.CSVHeader()...)
	t := &table{Name: "summary", Header: header}
	for i, row := range doc.CSVRows() {
		t.Rows = append(t.Rows, append([]string{string(d.views[i].Source), ""}, row...))
	}
	for _, b := range d.bulletin {
		vals := map[string]string{
			"source": "official-total", "bulletin": b.Name,
			"area": actas.DisplayPath(d.area.Path), "name": d.area.Name, "level": d.area.Level,
			"registered": unknownOr(b.Registered), "ballots": unknownOr(b.Ballots),
			"blank": unknownOr(b.Blank), "null": unknownOr(b.Null), "voters": unknownOr(b.Voters),
			"valid": unknownOr(b.Valid()),
		}
		for i, ch := range d.c.Choices {
			vals[ch.ID] = unknownOr(b.Votes[i])
		}
		if b.Ballots != actas.Unknown && b.Registered > 0 {
			vals["turnout"] = strconv.FormatFloat(float64(b.Ballots)/float64(b.Registered), 'f', 6, 64)
		}
		row := make([]string, len(header))
		for i, h := range header {
			row[i] = vals[h] // choice ids never collide with these names (actas reserves them)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// stationsTable lists every station of a lowest-level area with its
// reconciled sheet.
func (d *areaData) stationsTable() *table {
	header := []string{"station", "area", "registered", "machines", "state", "from", "ballots", "blank", "null", "voters", "valid"}
	header = append(header, d.c.ChoiceIDs()...)
	header = append(header, "flags", "sources")
	t := &table{Name: "stations", Header: header, Rows: make([][]string, 0, len(d.stations))}
	for _, sr := range d.stations {
		row := []string{sr.Station.Code, actas.DisplayPath(sr.Station.Area), itoa(sr.Station.Registered),
			itoa(sr.Station.Machines), string(sr.State), string(sr.From)}
		if sh := sr.Sheet; sh != nil {
			row = append(row, itoa(sh.Ballots), itoa(sh.Blank), itoa(sh.Null), unknownOr(sh.Voters), itoa(sh.Valid()))
			for _, v := range sh.Votes {
				row = append(row, itoa(v))
			}
		} else {
			for range 5 + len(d.c.Choices) {
				row = append(row, "")
			}
		}
		row = append(row, sr.Flags.String(), strings.Join(sourcesOf(sr), ","))
		t.Rows = append(t.Rows, row)
	}
	return t
}

// sourcesOf lists the sources with a submission for the station, in display
// order.
func sourcesOf(sr *actas.StationResult) []string {
	out := []string{}
	for _, src := range actas.Sources {
		if _, ok := sr.Current[src]; ok {
			out = append(out, string(src))
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ---- the page ----

type areaView struct {
	Title        string
	Name         string
	Level        string
	National     bool
	Crumbs       []link
	ContestName  string
	Contests     []link // empty with one contest
	Sources      []link
	SourceName   string
	Summary      *summaryView
	Chart        *chart
	Areas        *areasView    // child areas, except at the lowest level
	Stations     *stationsView // at the lowest level
	HasBulletins bool
	Consistency  string           // on the national overview: the consistency page
	Incidents    *incidentSummary // published incidents of the area (incident.go)
}

type summaryView struct {
	Cols     []summaryCol
	Choices  []summaryRow
	Rows     []summaryRow
	Download string
}

type summaryCol struct {
	Label    string
	Note     string
	Official bool // an announced total rather than a tally of sheets
	Selected bool
}

type summaryRow struct {
	Label string
	Cells []summaryCell
}

type summaryCell struct {
	Text  string // "" shows as a dash: not stated
	Share string // a percentage below the number, if any
}

type areasView struct {
	Level    string
	Choices  []string
	Total    areaRow
	Rows     []areaRow
	Download string
	Conflict bool // the view has station states (reconciled)
}

type areaRow struct {
	Name, Href         string
	Counted, Stations  string
	Coverage, Turnout  string
	Shares             []string
	Flagged, Conflicts string
}

type stationsView struct {
	Choices  []string
	Rows     []stationRow
	Total    string
	Pages    []link // empty with one page
	Download string
}

type stationRow struct {
	Code, Href    string
	Registered    string
	State, From   string
	StateClass    string
	Ballots       string
	Votes         []string
	Flags         []string
	Sources       string
	HasSheet      bool
	FlagsExplains []string
}

func (s *Server) areaView(r *http.Request, l *locale, d *areaData, p params) *areaView {
	e, c := d.e, d.c
	v := &areaView{Name: d.area.Name, Level: l.levelName(d.area.Level), National: d.area.Path == "",
		ContestName: c.Name, SourceName: l.sourceName(d.src), HasBulletins: len(d.bulletin) > 0}
	if v.National {
		v.Title = e.Name
		v.Name = e.Name
	} else {
		v.Title = d.area.Name + " · " + e.Name
	}
	v.Crumbs = crumbs(l, e, d.area.Path, p.keep())
	if v.National {
		v.Consistency = consistencyLink(e, p.keep())
	}
	here := r.URL.EscapedPath()
	if here == electionURL(e.ID)+"/a" { // the ?path= form keeps its path
		q := url.Values{"path": {d.area.Path}}
		here = withQuery(here, q)
	}
	if len(e.Contests) > 1 {
		for i := range e.Contests {
			q := p.keep()
			q.Set("contest", e.Contests[i].ID)
			v.Contests = append(v.Contests, link{Text: e.Contests[i].Name, Href: withQuery(here, q), Current: &e.Contests[i] == c})
		}
	}
	for _, a := range d.views {
		q := p.keep()
		q.Set("source", string(a.Source))
		v.Sources = append(v.Sources, link{Text: l.sourceName(a.Source), Href: withQuery(here, q), Current: a.Source == d.src})
	}
	dl := func(name string) string {
		q := p.keep()
		q.Set("download", name)
		return withQuery(here, q)
	}
	v.Summary = summarize(l, d)
	v.Summary.Download = dl("summary")
	v.Chart = shareChart(l, d)
	if d.lowest {
		v.Stations = stationsOf(l, d, p, here)
		v.Stations.Download = dl("stations")
	} else {
		v.Areas = areasOf(l, d, p)
		v.Areas.Download = dl("areas")
	}
	return v
}

// crumbs is the breadcrumb from the national overview to the area's parent
// and the area itself (not linked).
func crumbs(l *locale, e *election, path string, keep url.Values) []link {
	out := []link{{Text: e.Name, Href: withQuery(electionURL(e.ID), keep)}}
	names, err := actas.SplitPath(path)
	if err != nil {
		return out
	}
	for i := range names {
		p := actas.JoinPath(names[:i+1]...)
		out = append(out, link{Text: names[i], Href: withQuery(areaURL(e.ID, p), cloneValues(keep))})
	}
	out[len(out)-1].Current = true
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// summarize lays the views of the area side by side: votes and shares per
// choice, then coverage, turnout, flags and states.
func summarize(l *locale, d *areaData) *summaryView {
	sv := &summaryView{}
	for _, a := range d.views {
		note := ""
		if a.Source == actas.Reconciled {
			note = l.t("summary.independent")
		}
		sv.Cols = append(sv.Cols, summaryCol{Label: l.sourceName(a.Source), Note: note, Selected: a.Source == d.src})
	}
	for _, b := range d.bulletin {
		sv.Cols = append(sv.Cols, summaryCol{Label: l.t("summary.announced"), Note: b.Name, Official: true})
	}
	dash := summaryCell{}
	for i, ch := range d.c.Choices {
		row := summaryRow{Label: ch.Name}
		for _, a := range d.views {
			cell := summaryCell{Text: l.Int(a.Votes[i])}
			if a.Valid() > 0 {
				cell.Share = l.Pct(a.Share(i))
			}
			row.Cells = append(row.Cells, cell)
		}
		for _, b := range d.bulletin {
			if b.Votes[i] == actas.Unknown {
				row.Cells = append(row.Cells, dash)
				continue
			}
			cell := summaryCell{Text: l.Int(b.Votes[i])}
			if sh, ok := b.Share(i); ok {
				cell.Share = l.Pct(sh)
			}
			row.Cells = append(row.Cells, cell)
		}
		sv.Choices = append(sv.Choices, row)
	}
	count := func(label string, f func(a *actas.AreaResult) summaryCell, fb func(b *bulletin) summaryCell) {
		row := summaryRow{Label: l.t(label)}
		for _, a := range d.views {
			row.Cells = append(row.Cells, f(a))
		}
		for _, b := range d.bulletin {
			if fb == nil {
				row.Cells = append(row.Cells, dash)
			} else {
				row.Cells = append(row.Cells, fb(b))
			}
		}
		sv.Rows = append(sv.Rows, row)
	}
	known := func(n int64) summaryCell {
		if n == actas.Unknown {
			return dash
		}
		return summaryCell{Text: l.Int(n)}
	}
	count("summary.valid", func(a *actas.AreaResult) summaryCell { return summaryCell{Text: l.Int(a.Valid())} },
		func(b *bulletin) summaryCell { return known(b.Valid()) })
	count("summary.blank", func(a *actas.AreaResult) summaryCell { return summaryCell{Text: l.Int(a.Blank)} },
		func(b *bulletin) summaryCell { return known(b.Blank) })
	count("summary.null", func(a *actas.AreaResult) summaryCell { return summaryCell{Text: l.Int(a.Null)} },
		func(b *bulletin) summaryCell { return known(b.Null) })
	count("summary.ballots", func(a *actas.AreaResult) summaryCell { return summaryCell{Text: l.Int(a.Ballots)} },
		func(b *bulletin) summaryCell { return known(b.Ballots) })
	count("summary.stations", func(a *actas.AreaResult) summaryCell {
		return summaryCell{Text: l.t("of", l.Int(a.StationsCounted), l.Int(a.Stations)), Share: l.Pct(a.StationCoverage())}
	}, nil)
	count("summary.registered", func(a *actas.AreaResult) summaryCell {
		return summaryCell{Text: l.t("of", l.Int(a.RegisteredCounted), l.Int(a.Registered)), Share: l.Pct(a.RegisteredCoverage())}
	}, func(b *bulletin) summaryCell { return known(b.Registered) })
	count("summary.turnout", func(a *actas.AreaResult) summaryCell {
		if a.RegisteredCounted == 0 {
			return dash
		}
		return summaryCell{Text: l.Pct(a.Turnout())}
	}, func(b *bulletin) summaryCell {
		if b.Ballots == actas.Unknown || b.Registered <= 0 {
			return dash
		}
		return summaryCell{Text: l.Pct(float64(b.Ballots) / float64(b.Registered))}
	})
	count("summary.flagged", func(a *actas.AreaResult) summaryCell { return summaryCell{Text: l.Int(a.Flagged)} }, nil)
	state := func(f func(a *actas.AreaResult) int64) func(a *actas.AreaResult) summaryCell {
		return func(a *actas.AreaResult) summaryCell {
			if a.Source != actas.Reconciled {
				return dash
			}
			return summaryCell{Text: l.Int(f(a))}
		}
	}
	count("summary.agreed", state(func(a *actas.AreaResult) int64 { return a.Agreed }), nil)
	count("summary.single", state(func(a *actas.AreaResult) int64 { return a.Single }), nil)
	count("summary.conflict", state(func(a *actas.AreaResult) int64 { return a.Conflict }), nil)
	return sv
}

// areasOf is the table of child areas with links to their pages.
func areasOf(l *locale, d *areaData, p params) *areasView {
	v := &areasView{Level: l.levelName(d.childLevel()), Conflict: d.src == actas.Reconciled}
	for _, ch := range d.c.Choices {
		v.Choices = append(v.Choices, ch.Name)
	}
	row := func(a *actas.AreaResult, href string) areaRow {
		r := areaRow{Name: a.Name, Href: href, Counted: l.Int(a.StationsCounted), Stations: l.Int(a.Stations),
			Coverage: l.Pct(a.RegisteredCoverage()), Turnout: "—", Flagged: l.Int(a.Flagged), Conflicts: l.Int(a.Conflict),
			Shares: make([]string, len(d.c.Choices))}
		if a.RegisteredCounted > 0 {
			r.Turnout = l.Pct(a.Turnout())
		}
		for i := range d.c.Choices {
			r.Shares[i] = "—"
			if a.Valid() > 0 {
				r.Shares[i] = l.Pct(a.Share(i))
			}
		}
		return r
	}
	v.Total = row(d.area, "")
	v.Total.Name = l.t("table.total")
	keep := p.keep()
	for _, a := range d.children {
		v.Rows = append(v.Rows, row(a, withQuery(areaURL(d.e.ID, a.Path), cloneValues(keep))))
	}
	return v
}

// stationsOf is one page of the station list of a lowest-level area.
func stationsOf(l *locale, d *areaData, p params, here string) *stationsView {
	v := &stationsView{Total: l.Int(int64(len(d.stations)))}
	for _, ch := range d.c.Choices {
		v.Choices = append(v.Choices, ch.Name)
	}
	pages := (len(d.stations) + stationsPerPage - 1) / stationsPerPage
	page := min(p.Page, max(pages, 1))
	from := (page - 1) * stationsPerPage
	to := min(from+stationsPerPage, len(d.stations))
	keep := p.keep()
	for _, sr := range d.stations[from:to] {
		row := stationRow{Code: sr.Station.Code, Href: withQuery(stationURL(d.e.ID, sr.Station.Code), onlyContest(keep)),
			Registered: l.Int(sr.Station.Registered), State: l.t("state." + string(sr.State)),
			StateClass: string(sr.State), Sources: sourceList(l, sr)}
		if sr.From != "" {
			row.From = l.sourceName(sr.From)
		}
		if sh := sr.Sheet; sh != nil {
			row.HasSheet = true
			row.Ballots = l.Int(sh.Ballots)
			for _, n := range sh.Votes {
				row.Votes = append(row.Votes, l.Int(n))
			}
		}
		for _, name := range sr.Flags.Names() {
			row.Flags = append(row.Flags, l.t("flagshort."+name))
		}
		v.Rows = append(v.Rows, row)
	}
	v.Pages = pager(here, keep, page, pages)
	return v
}

// pager links the first and last pages and those near the current one, so
// that a list of any length has a handful of page links.
func pager(here string, keep url.Values, page, pages int) []link {
	if pages <= 1 {
		return nil
	}
	var out []link
	add := func(i int) {
		q := cloneValues(keep)
		if i > 1 {
			q.Set("page", strconv.Itoa(i))
		}
		out = append(out, link{Text: strconv.Itoa(i), Href: withQuery(here, q), Current: i == page})
	}
	last := 0
	for i := 1; i <= pages; i++ {
		if i == 1 || i == pages || (i >= page-2 && i <= page+2) {
			if last != 0 && i != last+1 {
				out = append(out, link{Text: "…"})
			}
			add(i)
			last = i
		} else if i > page+2 {
			i = pages - 1 // jump to the last page
		} else if i < page-2 {
			i = page - 3
		}
	}
	return out
}

func onlyContest(keep url.Values) url.Values {
	q := url.Values{}
	if c := keep.Get("contest"); c != "" {
		q.Set("contest", c)
	}
	return q
}

func sourceList(l *locale, sr *actas.StationResult) string {
	names := sourcesOf(sr)
	for i, n := range names {
		names[i] = l.sourceName(actas.Source(n))
	}
	return strings.Join(names, ", ")
}

package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/actasproject/actas"
)

// searchLimit bounds the hits of one search.
const searchLimit = 50

// handleIndex lists the elections, or goes straight to the only one.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	p, err := parseParams(r)
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	es, err := s.store.Elections(r.Context())
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	if len(es) == 1 && p.Download == "" {
		http.Redirect(w, r, electionURL(es[0].ID), http.StatusFound)
		return
	}
	if p.Download != "" {
		if p.Download != "elections" {
			s.pageError(w, r, l, nil, actas.Errorf(actas.ENOTFOUND, "this page has no table %q", clip(p.Download)))
			return
		}
		t := &table{Name: "elections", Header: []string{"id", "name", "date", "timezone", "levels", "contests"}}
		for _, e := range es {
			ids := make([]string, len(e.Contests))
			for i, c := range e.Contests {
				ids[i] = c.ID
			}
			t.Rows = append(t.Rows, []string{e.ID, e.Name, e.Date, e.Timezone, strings.Join(e.Levels, ","), strings.Join(ids, ",")})
		}
		s.writeCSV(w, r, "actas", "", t)
		return
	}
	pg := s.newPage(r, l, nil)
	pg.Title = l.t("index.title")
	pg.API = "/api/v1/elections"
	body := &indexView{Query: p.Q, Download: "/?download=elections"}
	for _, e := range es {
		row := indexRow{ID: e.ID, Name: e.Name, Date: e.Date, Href: electionURL(e.ID)}
		if p.Q != "" {
			row.Href = withQuery(searchURL(e.ID), url.Values{"q": {p.Q}})
		}
		body.Elections = append(body.Elections, row)
	}
	pg.Body = body
	s.render(w, r, http.StatusOK, "index", pg)
}

type indexView struct {
	Query     string // set when a search needs an election chosen first
	Elections []indexRow
	Download  string
}

type indexRow struct {
	ID, Name, Date, Href string
}

// handleGlobalSearch serves the search box of pages outside an election: it
// sends the query to the named (or only) election's search, else lists the
// elections to search in.
func (s *Server) handleGlobalSearch(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	p, err := parseParams(r)
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	id := p.raw.Get("election")
	if id == "" {
		es, err := s.store.Elections(r.Context())
		if err != nil {
			s.pageError(w, r, l, nil, err)
			return
		}
		if len(es) != 1 {
			s.handleIndex(w, r)
			return
		}
		id = es[0].ID
	}
	e, err := s.election(r.Context(), id)
	if err != nil {
		s.pageError(w, r, l, nil, err)
		return
	}
	http.Redirect(w, r, withQuery(searchURL(e.ID), url.Values{"q": {p.Q}}), http.StatusFound)
}

// handleSearch finds stations by code and areas by name.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, p, err := s.electionParams(r)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	var hits []actas.SearchHit
	if p.Q != "" {
		if hits, err = s.results.Search(e.ID, p.Q, searchLimit); err != nil {
			s.pageError(w, r, l, e, err)
			return
		}
	}
	if p.Download != "" {
		if p.Download != "hits" {
			s.pageError(w, r, l, e, actas.Errorf(actas.ENOTFOUND, "this page has no table %q", clip(p.Download)))
			return
		}
		t := &table{Name: "search", Header: []string{"kind", "station", "area", "name", "level"}}
		for _, h := range hits {
			kind := "area"
			if h.Station != "" {
				kind = "station"
			}
			t.Rows = append(t.Rows, []string{kind, h.Station, actas.DisplayPath(h.Path), h.Name, h.Level})
		}
		s.writeCSV(w, r, e.ID, "", t)
		return
	}
	pg := s.newPage(r, l, e)
	pg.SearchQuery = p.Q
	pg.Title = l.t("search.title") + " · " + e.Name
	pg.API = withQuery("/api/v1/elections/"+url.PathEscape(e.ID)+"/search", url.Values{"q": {p.Q}})
	v := &searchView{Query: p.Q, Searched: p.Q != "", Limit: len(hits) == searchLimit}
	if len(hits) > 0 {
		v.Download = withQuery(searchURL(e.ID), url.Values{"q": {p.Q}, "download": {"hits"}})
	}
	for _, h := range hits {
		row := searchRow{Level: l.levelName(h.Level), Where: displayNames(h.Path)}
		if h.Station != "" {
			row.Kind = l.t("search.station")
			row.Text = h.Station
			row.Href = stationURL(e.ID, h.Station)
		} else {
			row.Kind = l.t("search.area")
			row.Text = h.Name
			row.Href = areaURL(e.ID, h.Path)
			row.Where = displayNames(actas.ParentPath(h.Path))
		}
		v.Hits = append(v.Hits, row)
	}
	pg.Body = v
	s.render(w, r, http.StatusOK, "search", pg)
}

type searchView struct {
	Query    string
	Searched bool
	Limit    bool // there may be more hits than shown
	Hits     []searchRow
	Download string
}

type searchRow struct {
	Kind, Text, Href, Level, Where string
}

// displayNames writes an area path for people: its names joined by " › ".
func displayNames(path string) string {
	names, err := actas.SplitPath(path)
	if err != nil {
		return path
	}
	return strings.Join(names, " › ")
}

package web

import (
	"bufio"
	"net/http"
	"net/url"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

// streamAreas is the size above which results are streamed, not buffered.
const streamAreas = 1000

// The API's JSON shapes. Keys may be added, never removed or renamed.

type apiElectionsBody struct {
	Elections []*actas.Election `json:"elections"`
}

type apiElectionBody struct {
	*actas.Election
	Sources []actas.Source `json:"sources"` // sources with at least one submission
	URL     string         `json:"url"`     // the overview page
	// ResultsSeq is the highest log index of a submission the results
	// served count (ResultService.MaxSeq): they are the tabulation of every
	// submission entry up to it, which is what `actas log verify` compares.
	ResultsSeq int64  `json:"results_seq"`
	Log        string `json:"log"`          // the base of the log's endpoints
	Stations   string `json:"stations_csv"` // every station, in stations.csv form
}

type apiAreaRef struct {
	Area  string `json:"area"` // path; "national" for the whole election
	Name  string `json:"name"`
	Level string `json:"level"`
	URL   string `json:"url"` // its page
}

type apiAreaBody struct {
	Election string                               `json:"election"`
	Contest  string                               `json:"contest"`
	Source   actas.Source                         `json:"source"`
	Area     apiAreaRef                           `json:"area"`
	Parents  []apiAreaRef                         `json:"parents"` // national first
	Results  *actas.ResultsDocument               `json:"results"` // the area, then its children, in source
	Views    map[actas.Source]*actas.AreaDocument `json:"views"`   // the area in reconciled and every source present
	Official []apiBulletin                        `json:"official_totals"`
	Stations *apiStationPage                      `json:"stations,omitempty"` // lowest level only
}

type apiBulletin struct {
	Bulletin   string           `json:"bulletin"`
	Votes      map[string]int64 `json:"votes"` // choices stated
	Blank      *int64           `json:"blank,omitempty"`
	Null       *int64           `json:"null,omitempty"`
	Ballots    *int64           `json:"ballots,omitempty"`
	Voters     *int64           `json:"voters,omitempty"`
	Registered *int64           `json:"registered,omitempty"`
}

type apiStationPage struct {
	Total    int             `json:"total"`
	Page     int             `json:"page"`
	Pages    int             `json:"pages"`
	Stations []apiStationRow `json:"stations"`
}

type apiStationRow struct {
	Station    string       `json:"station"`
	URL        string       `json:"url"`
	Registered int64        `json:"registered"`
	Machines   int64        `json:"machines,omitempty"`
	State      actas.State  `json:"state"`
	From       actas.Source `json:"from,omitempty"`
	Sheet      *apiSheet    `json:"sheet"` // null without a reconciled sheet
	Flags      []string     `json:"flags"`
	Sources    []string     `json:"sources"`
}

type apiSheet struct {
	Votes   map[string]int64 `json:"votes"`
	Blank   int64            `json:"blank"`
	Null    int64            `json:"null"`
	Ballots int64            `json:"ballots"`
	Voters  *int64           `json:"voters,omitempty"` // absent when the sheet does not state it
	Valid   int64            `json:"valid"`
}

type apiStationBody struct {
	Election string              `json:"election"`
	Station  actas.Station       `json:"station"`
	URL      string              `json:"url"`
	Parents  []apiAreaRef        `json:"parents"`
	Contests []apiStationContest `json:"contests"`
}

type apiStationContest struct {
	Contest     string                 `json:"contest"`
	State       actas.State            `json:"state"`
	From        actas.Source           `json:"from,omitempty"`
	Sheet       *apiSheet              `json:"sheet"`
	Flags       []string               `json:"flags"`
	Current     map[actas.Source]int64 `json:"current"` // each source's latest submission (seq)
	Submissions []apiSubmission        `json:"submissions"`
}

type apiSubmission struct {
	Seq       int64            `json:"seq"`
	Source    actas.Source     `json:"source"`
	Received  string           `json:"received"` // RFC 3339 in the election's time zone
	Submitter string           `json:"submitter"`
	Origin    string           `json:"origin"`
	Sheet     *apiSheet        `json:"sheet"`
	Flags     []string         `json:"flags"`
	Evidence  []actas.Evidence `json:"evidence"`
}

type apiSearchBody struct {
	Election string         `json:"election"`
	Query    string         `json:"query"`
	Hits     []apiSearchHit `json:"hits"`
}

type apiSearchHit struct {
	actas.SearchHit
	URL string `json:"url"`
}

func (s *Server) apiElections(w http.ResponseWriter, r *http.Request) {
	es, err := s.store.Elections(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if es == nil {
		es = []*actas.Election{}
	}
	s.writeJSON(w, r, http.StatusOK, &apiElectionsBody{Elections: es})
}

func (s *Server) apiElection(w http.ResponseWriter, r *http.Request) {
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// MaxSeq first: the sources it then lists are at least those of the
	// results it names.
	seq, err := s.results.MaxSeq(e.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	srcs := s.results.Sources(e.ID)
	if srcs == nil {
		srcs = []actas.Source{}
	}
	s.writeJSON(w, r, http.StatusOK, &apiElectionBody{Election: e.Election, Sources: srcs, URL: electionURL(e.ID),
		ResultsSeq: seq, Log: apiLogURL(e.ID), Stations: stationsCSVURL(e.ID)})
}

func stationsCSVURL(election string) string {
	return "/api/v1/elections/" + url.PathEscape(election) + "/stations.csv"
}

// apiStationsCSV serves every station of the election in the stations.csv
// format (docs/files.md), in creation order: anyone can recompute the
// stations digest that the log's first entry commits to
// (translog.StationsDigest) and check the geography results rest on.
func (s *Server) apiStationsCSV(w http.ResponseWriter, r *http.Request) {
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// Seconds of work for a million stations: one at a time, so that a
	// crowd asking for it slows down only itself, not the results.
	select {
	case s.heavy <- struct{}{}:
		defer func() { <-s.heavy }()
	case <-r.Context().Done():
		return
	}
	stations, err := s.store.Stations(r.Context(), e.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+fileName(e.ID)+`-stations.csv"`)
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	err = sheetio.WriteStations(bw, e.Levels, stations)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil && actas.ErrorCode(err) == actas.EINVALID {
		// A station the format cannot carry (the store holds what the
		// readers read, so this is a bug): cut the response, so that no
		// client takes what was sent for the whole list.
		s.log.Error("write stations", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		s.log.Debug("write stations", "path", r.URL.Path, "err", err) // the client went away
	}
}

// apiResults is the command line's `actas results --format json` (or csv
// with ?format=csv): the area (?area=, default national) and its children,
// or with ?level= every area of that level within the area; ?limit= and
// ?page= page through a level.
func (s *Server) apiResults(w http.ResponseWriter, r *http.Request) {
	e, p, err := s.electionParams(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	path, err := areaPathFromRequest(r, 99, p.raw) // only ?area=
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := contestOf(e, p.Contest)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	src := p.Source
	if src == "" {
		src = actas.Reconciled
	}
	var doc *actas.ResultsDocument
	if p.Level != "" {
		areas, err := s.results.Level(e.ID, c.ID, src, p.Level, path)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if p.Limit > 0 {
			from := min((p.Page-1)*p.Limit, len(areas))
			areas = areas[from:min(from+p.Limit, len(areas))]
		}
		doc = actas.NewResultsDocument(e.Election, c, src, p.Level, areas)
	} else {
		a, children, err := s.results.Area(e.ID, c.ID, src, path)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		areas := append([]*actas.AreaResult{a}, children...)
		doc = actas.NewResultsDocument(e.Election, c, src, a.Level, areas)
	}
	switch f := p.raw.Get("format"); f {
	case "", "json":
		if len(doc.Areas) > streamAreas {
			s.streamJSON(w, r, doc)
			return
		}
		s.writeJSON(w, r, http.StatusOK, doc)
	case "csv":
		s.writeCSV(w, r, e.ID, "", &table{Name: "results", Header: doc.CSVHeader(), Rows: doc.CSVRows()})
	default:
		s.apiError(w, r, actas.Errorf(actas.EINVALID, "format %q: use json or csv", clip(f)))
	}
}

// apiArea is what the area page shows.
func (s *Server) apiArea(w http.ResponseWriter, r *http.Request) {
	e, p, err := s.electionParams(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	path, err := areaPathFromRequest(r, 5, p.raw)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.loadArea(r.Context(), e, p, path)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	body := &apiAreaBody{Election: e.ID, Contest: d.c.ID, Source: d.src,
		Area:    apiAreaRef{Area: actas.DisplayPath(d.area.Path), Name: d.area.Name, Level: d.area.Level, URL: areaURL(e.ID, d.area.Path)},
		Parents: parentsOf(e, d.area.Path), Results: d.resultsDoc(),
		Views: map[actas.Source]*actas.AreaDocument{}, Official: []apiBulletin{}}
	for _, v := range d.views {
		body.Views[v.Source] = actas.NewAreaDocument(d.c, v)
	}
	for _, b := range d.bulletin {
		body.Official = append(body.Official, bulletinJSON(d.c, b))
	}
	if d.lowest {
		pages := max((len(d.stations)+stationsPerPage-1)/stationsPerPage, 1)
		page := min(p.Page, pages)
		from := min((page-1)*stationsPerPage, len(d.stations))
		sp := &apiStationPage{Total: len(d.stations), Page: page, Pages: pages, Stations: []apiStationRow{}}
		for _, sr := range d.stations[from:min(from+stationsPerPage, len(d.stations))] {
			sp.Stations = append(sp.Stations, apiStationRow{Station: sr.Station.Code, URL: stationURL(e.ID, sr.Station.Code),
				Registered: sr.Station.Registered, Machines: sr.Station.Machines, State: sr.State, From: sr.From,
				Sheet: sheetJSON(d.c, sr.Sheet), Flags: sr.Flags.Names(), Sources: sourcesOf(sr)})
		}
		body.Stations = sp
	}
	s.writeJSON(w, r, http.StatusOK, body)
}

// parentsOf lists the areas above path, national first.
func parentsOf(e *election, path string) []apiAreaRef {
	out := []apiAreaRef{{Area: actas.National, Name: e.Name, Level: actas.National, URL: electionURL(e.ID)}}
	names, err := actas.SplitPath(path)
	if err != nil {
		return out
	}
	for i := 0; i+1 < len(names); i++ {
		p := actas.JoinPath(names[:i+1]...)
		level := ""
		if i < len(e.Levels) {
			level = e.Levels[i]
		}
		out = append(out, apiAreaRef{Area: p, Name: names[i], Level: level, URL: areaURL(e.ID, p)})
	}
	return out
}

func bulletinJSON(c *actas.Contest, b *bulletin) apiBulletin {
	out := apiBulletin{Bulletin: b.Name, Votes: map[string]int64{}}
	for i, ch := range c.Choices {
		if b.Votes[i] != actas.Unknown {
			out.Votes[ch.ID] = b.Votes[i]
		}
	}
	opt := func(n int64) *int64 {
		if n == actas.Unknown {
			return nil
		}
		return &n
	}
	out.Blank, out.Null, out.Ballots, out.Voters, out.Registered = opt(b.Blank), opt(b.Null), opt(b.Ballots), opt(b.Voters), opt(b.Registered)
	return out
}

func sheetJSON(c *actas.Contest, sh *actas.Sheet) *apiSheet {
	if sh == nil {
		return nil
	}
	out := &apiSheet{Votes: make(map[string]int64, len(c.Choices)), Blank: sh.Blank, Null: sh.Null, Ballots: sh.Ballots, Valid: sh.Valid()}
	for i, ch := range c.Choices {
		if i < len(sh.Votes) {
			out.Votes[ch.ID] = sh.Votes[i]
		}
	}
	if sh.Voters != actas.Unknown {
		v := sh.Voters
		out.Voters = &v
	}
	return out
}

func (s *Server) apiStation(w http.ResponseWriter, r *http.Request) {
	e, _, err := s.electionParams(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.loadStation(r.Context(), e, r.PathValue("station"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	parents := parentsOf(e, d.st.Area)
	if names, err := actas.SplitPath(d.st.Area); err == nil && len(names) > 0 {
		// A station's parents include its own area.
		parents = append(parents, apiAreaRef{Area: d.st.Area, Name: names[len(names)-1],
			Level: e.Levels[min(len(names), len(e.Levels))-1], URL: areaURL(e.ID, d.st.Area)})
	}
	body := &apiStationBody{Election: e.ID, Station: d.st, URL: stationURL(e.ID, d.st.Code), Parents: parents}
	for _, sc := range d.contests {
		cur := sc.res.Current
		if cur == nil {
			cur = map[actas.Source]int64{}
		}
		ac := apiStationContest{Contest: sc.c.ID, State: sc.res.State, From: sc.res.From, Sheet: sheetJSON(sc.c, sc.res.Sheet),
			Flags: sc.res.Flags.Names(), Current: cur, Submissions: []apiSubmission{}}
		for _, sub := range sc.subs {
			// A copy: photos gain the URL they are served at.
			ev := make([]actas.Evidence, len(sub.Evidence))
			for i, x := range sub.Evidence {
				if x.Kind == "photo" && actas.ValidSHA256(x.SHA256) {
					x.URL = evidenceURL(e.ID, x.SHA256)
				}
				ev[i] = x
			}
			ac.Submissions = append(ac.Submissions, apiSubmission{Seq: sub.Seq, Source: sub.Source,
				Received: sub.Received.In(e.loc).Format(time.RFC3339), Submitter: sub.Submitter, Origin: sub.Origin,
				Sheet: sheetJSON(sc.c, &sub.Sheet), Flags: sub.Flags.Names(), Evidence: ev})
		}
		body.Contests = append(body.Contests, ac)
	}
	s.writeJSON(w, r, http.StatusOK, body)
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	e, p, err := s.electionParams(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	body := &apiSearchBody{Election: e.ID, Query: p.Q, Hits: []apiSearchHit{}}
	if p.Q != "" {
		limit := searchLimit
		if p.Limit > 0 {
			limit = min(p.Limit, 500)
		}
		hits, err := s.results.Search(e.ID, p.Q, limit)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		for _, h := range hits {
			u := areaURL(e.ID, h.Path)
			if h.Station != "" {
				u = stationURL(e.ID, h.Station)
			}
			body.Hits = append(body.Hits, apiSearchHit{SearchHit: h, URL: u})
		}
	}
	s.writeJSON(w, r, http.StatusOK, body)
}

package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/actasproject/actas"
)

// The coordinators' coverage board (GET /e/{election}/coverage and its JSON
// mirror): for an area and each child area, how many stations have an
// assigned witness and a sheet, and which stations need someone to act,
// with the names and contacts of who to call. Contacts are personal data:
// the board is for signed-in coordinators (within their areas) and admins
// only, never cached, and no public page links to it.

const (
	// coveragePerPage bounds the stations needing action one page lists.
	coveragePerPage = 50
	// coverageScanChunk is how many stations the list reads from the
	// tabulation at a time while looking for those needing action.
	coverageScanChunk = 1000
	// coverageTTL is how long the station → witnesses index built from the
	// accounts is used before being rebuilt: accounts are created and
	// disabled by the command line, possibly in another process, so there
	// is no hook to invalidate it; a change shows within this time.
	coverageTTL = 10 * time.Second
)

// coverageURL is the coverage board of an area ("" for national).
func coverageURL(election, path string) string {
	u := electionURL(election) + "/coverage"
	if path != "" {
		u += "?area=" + url.QueryEscape(path)
	}
	return u
}

func apiCoverageURL(election string) string {
	return "/api/v1/elections/" + url.PathEscape(election) + "/coverage"
}

// coverageIndex is who covers what in one election, built from its
// accounts: the active witnesses of each station and the active
// coordinators of each area.
type coverageIndex struct {
	built    time.Time
	accounts []*actas.Account
	// witnessed holds each station some active witness names, with its
	// area (stations of no witness are absent).
	witnessed []witnessedStation
	byCode    map[string]int32   // station code → index into witnessed
	coords    map[string][]int32 // area path → coordinators (indices into accounts)

	// memo keeps the witness counts of boards already computed, by
	// contest and area, while the results stay at the same MaxSeq: they
	// cost one tabulation lookup per witnessed station of the area.
	memoMu sync.Mutex
	memo   map[string]*witnessCounts
}

// witnessCounts are the witnessed stations and those without a witness
// sheet, per area path (the board's area and its children), at results
// version seq.
type witnessCounts struct {
	seq    int64
	byArea map[string][2]int64
}

// maxMemo bounds the boards an index remembers; it is emptied when full.
const maxMemo = 1000

// witnessCounts counts the witnessed stations of the area at path and of
// each of its children, and those whose witness sheet is missing.
func (s *Server) witnessCounts(e *election, ix *coverageIndex, contest, path string) (map[string][2]int64, error) {
	seq, err := s.results.MaxSeq(e.ID)
	if err != nil {
		return nil, err
	}
	key := contest + "\x00" + path
	ix.memoMu.Lock()
	m := ix.memo[key]
	ix.memoMu.Unlock()
	if m != nil && m.seq == seq {
		return m.byArea, nil
	}
	by := map[string][2]int64{}
	for i := range ix.witnessed {
		ws := &ix.witnessed[i]
		child := ""
		if ws.area != path {
			p, ok := childOf(ws.area, path)
			if !ok {
				continue
			}
			child = p
		}
		res, err := s.results.Station(e.ID, contest, ws.code)
		if err != nil {
			return nil, fmt.Errorf("station %s: %w", ws.code, err)
		}
		_, sent := res.Current[actas.Witness]
		add := func(p string) {
			c := by[p]
			c[0]++
			if !sent {
				c[1]++
			}
			by[p] = c
		}
		add(path)
		if child != "" { // "" when the station lies in the area itself
			add(child)
		}
	}
	ix.memoMu.Lock()
	if ix.memo == nil || len(ix.memo) >= maxMemo {
		ix.memo = map[string]*witnessCounts{}
	}
	ix.memo[key] = &witnessCounts{seq: seq, byArea: by}
	ix.memoMu.Unlock()
	return by, nil
}

type witnessedStation struct {
	code, area string
	witnesses  []int32 // indices into accounts
}

// coverageCache keeps one index per election for coverageTTL.
type coverageCache struct {
	mu sync.Mutex // serialises builds: a build reads every account
	m  map[string]*coverageIndex
}

// coverageIndexOf returns the election's index, building it when missing
// or older than coverageTTL.
func (s *Server) coverageIndexOf(ctx context.Context, e *election) (*coverageIndex, error) {
	c := &s.coverage
	c.mu.Lock()
	defer c.mu.Unlock()
	if ix := c.m[e.ID]; ix != nil && time.Since(ix.built) < coverageTTL {
		return ix, nil
	}
	ix, err := s.buildCoverageIndex(ctx, e)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*coverageIndex{}
	}
	c.m[e.ID] = ix
	return ix, nil
}

// buildCoverageIndex reads the election's accounts once. A witness's scope
// entry that is no station of the election is left out (the store checks
// scopes when accounts are created, so this is only a safeguard).
func (s *Server) buildCoverageIndex(ctx context.Context, e *election) (*coverageIndex, error) {
	all, err := s.store.Accounts(ctx, e.ID)
	if err != nil {
		return nil, fmt.Errorf("accounts of %s: %w", e.ID, err)
	}
	ix := &coverageIndex{built: time.Now(), byCode: map[string]int32{}, coords: map[string][]int32{}}
	contest := e.Contests[0].ID
	for _, a := range all {
		if a.Disabled || !a.Role.Scoped() {
			continue
		}
		id := int32(len(ix.accounts))
		ix.accounts = append(ix.accounts, a)
		for _, sc := range a.Scope {
			if a.Role == actas.RoleCoordinator {
				ix.coords[sc] = append(ix.coords[sc], id)
				continue
			}
			k, ok := ix.byCode[sc]
			if !ok {
				st, err := s.results.Station(e.ID, contest, sc)
				if actas.ErrorCode(err) == actas.ENOTFOUND {
					continue
				}
				if err != nil {
					return nil, fmt.Errorf("station %s of witness %d: %w", sc, a.ID, err)
				}
				k = int32(len(ix.witnessed))
				ix.byCode[sc] = k
				ix.witnessed = append(ix.witnessed, witnessedStation{code: sc, area: st.Station.Area})
			}
			ix.witnessed[k].witnesses = append(ix.witnessed[k].witnesses, id)
		}
	}
	return ix, nil
}

// nearestCoordinators returns the coordinators of the deepest area at or
// above path that has any: the first people responsible for it.
func (ix *coverageIndex) nearestCoordinators(path string) []*actas.Account {
	for p := path; p != ""; p = actas.ParentPath(p) {
		if ids := ix.coords[p]; len(ids) > 0 {
			out := make([]*actas.Account, len(ids))
			for i, id := range ids {
				out[i] = ix.accounts[id]
			}
			return out
		}
	}
	return nil
}

// witnessesOf returns the active witnesses assigned to the station.
func (ix *coverageIndex) witnessesOf(code string) []*actas.Account {
	k, ok := ix.byCode[code]
	if !ok {
		return nil
	}
	ids := ix.witnessed[k].witnesses
	out := make([]*actas.Account, len(ids))
	for i, id := range ids {
		out[i] = ix.accounts[id]
	}
	return out
}

// childOf returns the child area of parent that holds the area at path
// (path itself when it is a child), and whether path lies strictly below
// parent.
func childOf(path, parent string) (string, bool) {
	for p := path; p != ""; {
		up := actas.ParentPath(p)
		if up == parent {
			return p, true
		}
		p = up
	}
	return "", false
}

// CoverageCounts are the coverage figures of one area. A station "with a
// sheet" has a submission of any source; "with a witness sheet" has a
// current one from a witness. Conflict counts the stations whose sheets
// conflict, decided or not.
type CoverageCounts struct {
	Stations         int64 `json:"stations"`
	WithWitness      int64 `json:"with_witness"`    // an active account of role witness names it
	WithoutWitness   int64 `json:"without_witness"` // Stations − WithWitness
	WithSheet        int64 `json:"with_sheet"`
	WithoutSheet     int64 `json:"without_sheet"` // Stations − WithSheet
	WithWitnessSheet int64 `json:"with_witness_sheet"`
	// WitnessWithoutSheet counts stations with an assigned witness but no
	// witness sheet yet: the first calls to make.
	WitnessWithoutSheet int64 `json:"witness_without_sheet"`
	Conflict            int64 `json:"conflict"`
}

// CoverageArea is one area of the board.
type CoverageArea struct {
	Area  string `json:"area"` // path; "national" for the whole election
	Name  string `json:"name"`
	Level string `json:"level"`
	CoverageCounts
	path string
}

// CoverageContact is a person to call, as the board shows them.
type CoverageContact struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Contact string `json:"contact"` // phone number (+digits) or e-mail address
	Role    string `json:"role"`
}

// CoverageStation is a station needing action.
type CoverageStation struct {
	Station      string            `json:"station"`
	Area         string            `json:"area"`
	NoWitness    bool              `json:"no_witness"`   // no witness is assigned
	NoSheet      bool              `json:"no_sheet"`     // a witness is assigned but sent no sheet
	Conflict     bool              `json:"conflict"`     // its sheets conflict
	Unsettled    bool              `json:"unsettled"`    // in conflict and not counted until someone decides
	HasSheet     bool              `json:"has_sheet"`    // some source sent a sheet
	Witnesses    []CoverageContact `json:"witnesses"`    // assigned, active
	Coordinators []CoverageContact `json:"coordinators"` // the nearest responsible for its area
}

// CoverageDocument is the board in JSON (GET
// /api/v1/elections/{election}/coverage?area=PATH[&list=1][&page=N]).
// NeedAction is present when the area is at the lowest level or list=1.
type CoverageDocument struct {
	Election     string             `json:"election"`
	Contest      string             `json:"contest"`
	CoverageArea                    // the area itself
	Children     []*CoverageArea    `json:"children"`
	Coordinators []CoverageContact  `json:"coordinators"` // responsible for the area
	Listed       bool               `json:"listed"`       // NeedAction was asked for, or the area has no children
	NeedAction   []*CoverageStation `json:"need_action,omitempty"`
	Page         int                `json:"page,omitempty"` // 1-based, when listed
	More         bool               `json:"more,omitempty"` // more stations need action than this page lists
}

// coverageRequest is what a board request asks for.
type coverageRequest struct {
	contest *actas.Contest
	path    string
	list    bool
	page    int // 1-based
}

// parseCoverage reads the query; a coordinator without area= gets its
// first area, an admin the whole election. Errors: EINVALID.
func parseCoverage(r *http.Request, e *election, a *actas.Account) (*coverageRequest, error) {
	q := r.URL.Query()
	c, err := contestOf(e, q.Get("contest"))
	if err != nil {
		return nil, err
	}
	cr := &coverageRequest{contest: c, page: 1}
	if v, ok := q["area"]; ok {
		if cr.path, err = actas.CanonicalPath(v[0]); err != nil {
			return nil, err
		}
	} else if a.Role == actas.RoleCoordinator && len(a.Scope) > 0 {
		cr.path = a.Scope[0]
	}
	switch q.Get("list") {
	case "", "0":
	case "1":
		cr.list = true
	default:
		return nil, actas.Errorf(actas.EINVALID, "list=%q: give 1 to list the stations needing action", clip(q.Get("list")))
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return nil, actas.Errorf(actas.EINVALID, "page=%q is not a page number", clip(v))
		}
		cr.page = n
	}
	return cr, nil
}

// coverageBoard computes the board. The area's and children's station, sheet
// and conflict counts come from the tabulation (one call per view); the
// witness counts walk the witnessed stations of the index once, asking the
// tabulation for each one's state; the list reads the area's stations in
// chunks and stops after the page it shows.
func (s *Server) coverageBoard(ctx context.Context, e *election, cr *coverageRequest) (*CoverageDocument, error) {
	ix, err := s.coverageIndexOf(ctx, e)
	if err != nil {
		return nil, err
	}
	area, children, err := s.results.Area(e.ID, cr.contest.ID, actas.Reconciled, cr.path)
	if err != nil {
		return nil, fmt.Errorf("results of %s: %w", actas.DisplayPath(cr.path), err)
	}
	wArea, wChildren, err := s.results.Area(e.ID, cr.contest.ID, actas.Witness, cr.path)
	if err != nil {
		return nil, fmt.Errorf("witness results of %s: %w", actas.DisplayPath(cr.path), err)
	}
	fill := func(ca *CoverageArea, rec, wit *actas.AreaResult) {
		*ca = CoverageArea{Area: actas.DisplayPath(rec.Path), Name: rec.Name, Level: rec.Level, path: rec.Path}
		ca.Stations = rec.Stations
		ca.WithSheet = rec.Agreed + rec.Single + rec.Conflict
		ca.Conflict = rec.Conflict
		if wit != nil {
			ca.WithWitnessSheet = wit.StationsCounted
		}
	}
	doc := &CoverageDocument{Election: e.ID, Contest: cr.contest.ID, Listed: cr.list}
	fill(&doc.CoverageArea, area, wArea)
	doc.Children = make([]*CoverageArea, len(children))
	for i, ch := range children {
		var wit *actas.AreaResult
		if i < len(wChildren) && wChildren[i].Path == ch.Path {
			wit = wChildren[i]
		}
		doc.Children[i] = &CoverageArea{}
		fill(doc.Children[i], ch, wit)
	}
	wc, err := s.witnessCounts(e, ix, cr.contest.ID, cr.path)
	if err != nil {
		return nil, err
	}
	for _, ca := range append([]*CoverageArea{&doc.CoverageArea}, doc.Children...) {
		c := wc[ca.path]
		ca.WithWitness, ca.WitnessWithoutSheet = c[0], c[1]
		ca.WithoutWitness = ca.Stations - ca.WithWitness
		ca.WithoutSheet = ca.Stations - ca.WithSheet
	}
	doc.Coordinators = contacts(ix.nearestCoordinators(cr.path))
	if len(children) == 0 {
		doc.Listed = true
	}
	if doc.Listed {
		doc.Page = cr.page
		if doc.NeedAction, doc.More, err = s.needingAction(ctx, e, ix, cr); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// needingAction returns page cr.page of the area's stations that need
// action, in creation order, and whether more follow.
func (s *Server) needingAction(ctx context.Context, e *election, ix *coverageIndex, cr *coverageRequest) ([]*CoverageStation, bool, error) {
	skip := (cr.page - 1) * coveragePerPage
	var out []*CoverageStation
	for off := 0; ; off += coverageScanChunk {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		page, total, err := s.results.StationsPage(e.ID, cr.contest.ID, cr.path, off, coverageScanChunk)
		if err != nil {
			return nil, false, fmt.Errorf("stations of %s: %w", actas.DisplayPath(cr.path), err)
		}
		for _, res := range page {
			_, witnessed := ix.byCode[res.Station.Code]
			_, sent := res.Current[actas.Witness]
			cs := &CoverageStation{Station: res.Station.Code, Area: res.Station.Area,
				NoWitness: !witnessed, NoSheet: witnessed && !sent,
				Conflict: res.State == actas.StateConflict, HasSheet: res.State != actas.StateNone}
			cs.Unsettled = cs.Conflict && res.Sheet == nil
			if !cs.NoWitness && !cs.NoSheet && !cs.Conflict {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if len(out) == coveragePerPage {
				return out, true, nil
			}
			cs.Witnesses = contacts(ix.witnessesOf(cs.Station))
			cs.Coordinators = contacts(ix.nearestCoordinators(cs.Area))
			out = append(out, cs)
		}
		if off+coverageScanChunk >= total || len(page) == 0 {
			return out, false, nil
		}
	}
}

func contacts(as []*actas.Account) []CoverageContact {
	out := make([]CoverageContact, len(as))
	for i, a := range as {
		out[i] = CoverageContact{ID: a.ID, Name: a.Name, Contact: a.Contact, Role: string(a.Role)}
	}
	return out
}

// coverageRequest authenticates and authorizes a board request; it answers
// the request itself when it returns false. Pages send the public to sign
// in; the API answers 401.
func (s *Server) coverageRequest(w http.ResponseWriter, r *http.Request, l *locale, api bool) (*election, *actas.Account, *coverageRequest, bool) {
	fail := func(e *election, err error) (*election, *actas.Account, *coverageRequest, bool) {
		if api {
			s.apiError(w, r, err)
		} else {
			s.pageError(w, r, l, e, err)
		}
		return nil, nil, nil, false
	}
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		return fail(nil, err)
	}
	var a *actas.Account
	if api {
		if a, _, err = s.authenticate(r); err != nil {
			return fail(e, err)
		}
	} else {
		next := electionURL(e.ID) + "/coverage"
		if r.URL.RawQuery != "" {
			next += "?" + r.URL.RawQuery
		}
		var ok bool
		if a, ok = s.signedIn(w, r, l, e, next); !ok {
			return nil, nil, nil, false
		}
	}
	// Decide who may see before reading the query's area, so that nobody
	// learns from the answer whether an area outside their scope exists.
	if a.Role != actas.RoleAdmin && a.Role != actas.RoleCoordinator {
		err := authorize(a, actCoverage, e.ID, someTarget(a))
		if err == nil {
			err = actas.Errorf(actas.EFORBIDDEN, "a %s account may not see the coverage board", a.Role)
		}
		return fail(e, err)
	}
	cr, err := parseCoverage(r, e, a)
	if err != nil {
		if a.Election != e.ID {
			err = authorize(a, actCoverage, e.ID, target{})
		}
		return fail(e, err)
	}
	if err := authorize(a, actCoverage, e.ID, target{Area: cr.path}); err != nil {
		return fail(e, err)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	return e, a, cr, true
}

func (s *Server) apiCoverage(w http.ResponseWriter, r *http.Request) {
	e, _, cr, ok := s.coverageRequest(w, r, nil, true)
	if !ok {
		return
	}
	doc, err := s.coverageBoard(r.Context(), e, cr)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, doc)
}

// coveragePage is the board's page data.
type coveragePage struct {
	Doc       *CoverageDocument
	Up        string // the parent area's board, when the account may see it
	UpName    string
	Children  []coverageChild
	Stations  []coverageRow
	ListHref  string // lists the stations of a non-lowest area
	PrevHref  string
	NextHref  string
	YourAreas []link // a coordinator's areas
	AreaHref  string // the area's public page
	// Coordinators are the nearest coordinators responsible for the area.
	Coordinators []contactLink
}

type coverageChild struct {
	*CoverageArea
	Href string
}

type coverageRow struct {
	*CoverageStation
	Href         string
	Missing      []string
	Witnesses    []contactLink
	Coordinators []contactLink
}

// contactLink is a person with a link that calls or writes to them.
type contactLink struct {
	Name, Contact string
	Href          template.URL
}

// contactLinks makes tel: and mailto: links, which html/template would
// otherwise refuse as unknown schemes. Contacts are canonical (a '+' and
// digits, or an address without spaces or quotes: actas.CanonicalContact)
// and the address is escaped besides, so the links carry nothing else.
func contactLinks(cs []CoverageContact) []contactLink {
	out := make([]contactLink, len(cs))
	for i, c := range cs {
		href := "tel:" + c.Contact
		if strings.Contains(c.Contact, "@") {
			href = "mailto:" + url.PathEscape(c.Contact)
		} else if strings.Trim(c.Contact, "+0123456789") != "" {
			href = ""
		}
		out[i] = contactLink{Name: c.Name, Contact: c.Contact, Href: template.URL(href)}
	}
	return out
}

func (s *Server) handleCoverage(w http.ResponseWriter, r *http.Request) {
	l := s.langs.choose(w, r)
	e, a, cr, ok := s.coverageRequest(w, r, l, false)
	if !ok {
		return
	}
	doc, err := s.coverageBoard(r.Context(), e, cr)
	if err != nil {
		s.pageError(w, r, l, e, err)
		return
	}
	boardURL := func(path string, extra ...string) string {
		q := url.Values{"area": {actas.DisplayPath(path)}}
		if c := r.URL.Query().Get("contest"); c != "" {
			q.Set("contest", c)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			q.Set(extra[i], extra[i+1])
		}
		return electionURL(e.ID) + "/coverage?" + q.Encode()
	}
	d := &coveragePage{Doc: doc, AreaHref: areaURL(e.ID, cr.path), Coordinators: contactLinks(doc.Coordinators)}
	if cr.path != "" {
		up := actas.ParentPath(cr.path)
		if authorize(a, actCoverage, e.ID, target{Area: up}) == nil {
			d.Up, d.UpName = boardURL(up), actas.DisplayPath(up)
			if up == "" {
				d.UpName = e.Name
			}
		}
	}
	if a.Role == actas.RoleCoordinator && len(a.Scope) > 1 {
		for _, p := range a.Scope {
			d.YourAreas = append(d.YourAreas, link{Text: p, Href: boardURL(p), Current: p == cr.path})
		}
	}
	for _, ch := range doc.Children {
		d.Children = append(d.Children, coverageChild{CoverageArea: ch, Href: boardURL(ch.path)})
	}
	if len(doc.Children) > 0 && !doc.Listed {
		d.ListHref = boardURL(cr.path, "list", "1")
	}
	for _, st := range doc.NeedAction {
		row := coverageRow{CoverageStation: st, Href: stationURL(e.ID, st.Station),
			Witnesses: contactLinks(st.Witnesses), Coordinators: contactLinks(st.Coordinators)}
		if st.NoWitness {
			row.Missing = append(row.Missing, l.t("coverage.nowitness"))
		}
		if st.NoSheet {
			row.Missing = append(row.Missing, l.t("coverage.nosheet"))
		}
		if st.Conflict {
			k := "coverage.conflict"
			if st.Unsettled {
				k = "coverage.unsettled"
			}
			row.Missing = append(row.Missing, l.t(k))
		}
		d.Stations = append(d.Stations, row)
	}
	if doc.Listed {
		list := []string{}
		if len(doc.Children) > 0 {
			list = []string{"list", "1"}
		}
		if cr.page > 1 {
			d.PrevHref = boardURL(cr.path, append(list, "page", strconv.Itoa(cr.page-1))...)
		}
		if doc.More {
			d.NextHref = boardURL(cr.path, append(list, "page", strconv.Itoa(cr.page+1))...)
		}
	}
	pg := s.newPage(r, l, e)
	pg.Title = l.t("coverage.title", doc.Name)
	pg.Body = d
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "coverage", pg)
}

package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
)

// hmPhone is the phone of the witness of 0201 in the coverage fixture.
const hmPhone = "+584125550101"

// MustCoverage is the authFixture with one more witness, of 0201 (which
// has an official sheet but no witness sheet), reached by phone.
func MustCoverage(tb testing.TB) *authFixture {
	tb.Helper()
	af := MustAuth(tb, -1)
	a := storetest.MustCreateAccount(tb, af.Store, &actas.Account{Election: hmID, Name: "Rosa Pérez",
		Contact: "+58 412 555 0101", Role: actas.RoleWitness, Scope: []string{hmFlagged}})
	tok, err := af.Store.IssueToken(tb.Context(), a.ID, "phone")
	if err != nil {
		tb.Fatal(err)
	}
	af.accounts["witness of 0201"], af.tokens["witness of 0201"] = a, tok
	return af
}

// mustCoverageDoc fetches the board's JSON as the named account.
func (af *authFixture) mustCoverageDoc(tb testing.TB, who, query string) *CoverageDocument {
	tb.Helper()
	target := apiCoverageURL(hmID) + query
	r := af.page(tb, who, target)
	if r.Status != http.StatusOK {
		tb.Fatalf("GET %s as %s: status %d; body %.800s", target, who, r.Status, r.Body)
	}
	var doc CoverageDocument
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		tb.Fatalf("GET %s: %v", target, err)
	}
	return &doc
}

func TestCoverageNumbers(t *testing.T) {
	af := MustCoverage(t)
	// Stations of the president contest: 0101 conflict (witness and
	// official sheets, no witness assigned), 0102 agreed (no witness),
	// 0201 official only (witness of 0201 assigned), 0301 nothing
	// (witness of 0301 assigned), 0401 witness sheet (witness of 0401; its
	// disabled second witness does not count).
	cases := []struct {
		name  string
		query string
		want  map[string]CoverageCounts // by area path as shown; the board's own area too
	}{
		{"the whole election and its states", "?area=national", map[string]CoverageCounts{
			"national":         {Stations: 5, WithWitness: 3, WithoutWitness: 2, WithSheet: 4, WithoutSheet: 1, WithWitnessSheet: 3, WitnessWithoutSheet: 2, Conflict: 1},
			"Zulia":            {Stations: 3, WithWitness: 1, WithoutWitness: 2, WithSheet: 3, WithoutSheet: 0, WithWitnessSheet: 2, WitnessWithoutSheet: 1, Conflict: 1},
			"Mérida":           {Stations: 1, WithWitness: 1, WithoutWitness: 0, WithSheet: 0, WithoutSheet: 1, WithWitnessSheet: 0, WitnessWithoutSheet: 1, Conflict: 0},
			"Distrito Capital": {Stations: 1, WithWitness: 1, WithoutWitness: 0, WithSheet: 1, WithoutSheet: 0, WithWitnessSheet: 1, WitnessWithoutSheet: 0, Conflict: 0},
		}},
		{"a state and its municipalities", "?area=Zulia", map[string]CoverageCounts{
			"Zulia":                              {Stations: 3, WithWitness: 1, WithoutWitness: 2, WithSheet: 3, WithWitnessSheet: 2, WitnessWithoutSheet: 1, Conflict: 1},
			actas.JoinPath("Zulia", hmSlashArea): {Stations: 2, WithWitness: 0, WithoutWitness: 2, WithSheet: 2, WithWitnessSheet: 2, Conflict: 1},
			actas.JoinPath("Zulia", "Maracaibo"): {Stations: 1, WithWitness: 1, WithoutWitness: 0, WithSheet: 1, WithWitnessSheet: 0, WitnessWithoutSheet: 1},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := af.mustCoverageDoc(t, "admin", c.query)
			got := map[string]CoverageCounts{doc.Area: doc.CoverageCounts}
			for _, ch := range doc.Children {
				got[ch.Area] = ch.CoverageCounts
			}
			if len(got) != len(c.want) {
				t.Fatalf("areas %v, want %d of them", got, len(c.want))
			}
			for area, want := range c.want {
				if got[area] != want {
					t.Errorf("%s: got %+v\nwant %+v", area, got[area], want)
				}
			}
			if doc.Listed || doc.NeedAction != nil {
				t.Errorf("an area with children lists its stations without list=1: %+v", doc.NeedAction)
			}
		})
	}

	t.Run("who to call in a state, on request", func(t *testing.T) {
		doc := af.mustCoverageDoc(t, "coordinator of Zulia", "?area=Zulia&list=1")
		var got []string
		for _, st := range doc.NeedAction {
			got = append(got, fmt.Sprintf("%s nowitness=%v nosheet=%v conflict=%v witnesses=%d", st.Station, st.NoWitness, st.NoSheet, st.Conflict, len(st.Witnesses)))
		}
		want := []string{
			hmConflict + " nowitness=true nosheet=false conflict=true witnesses=0",
			hmAgreed + " nowitness=true nosheet=false conflict=false witnesses=0",
			hmFlagged + " nowitness=false nosheet=true conflict=false witnesses=1",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("stations needing action:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, st := range doc.NeedAction {
			if len(st.Coordinators) != 1 || st.Coordinators[0].Name != "coordinator of Zulia" {
				t.Errorf("station %s: coordinators %+v, want the coordinator of Zulia", st.Station, st.Coordinators)
			}
		}
		if w := doc.NeedAction[2].Witnesses[0]; w.Name != "Rosa Pérez" || w.Contact != hmPhone {
			t.Errorf("witness of 0201: %+v", w)
		}
	})

	t.Run("the lowest level lists its stations without asking", func(t *testing.T) {
		doc := af.mustCoverageDoc(t, "admin", "?area="+url.QueryEscape(actas.JoinPath("Mérida", "Libertador")))
		if !doc.Listed || len(doc.NeedAction) != 1 || doc.NeedAction[0].Station != hmNone || !doc.NeedAction[0].NoSheet {
			t.Fatalf("Libertador lists %+v", doc.NeedAction)
		}
		if c := doc.Coordinators; len(c) != 1 || c[0].Name != "coordinator of Mérida" {
			t.Fatalf("coordinators of Libertador: %+v", c)
		}
	})

	t.Run("a station whose witness sent its sheet needs nothing", func(t *testing.T) {
		doc := af.mustCoverageDoc(t, "admin", "?area="+url.QueryEscape(actas.JoinPath("Distrito Capital", hmDotArea)))
		if !doc.Listed || len(doc.NeedAction) != 0 {
			t.Fatalf("0401 is listed: %+v", doc.NeedAction)
		}
	})

	t.Run("the page shows the same numbers and the phone to call", func(t *testing.T) {
		r := af.page(t, "coordinator of Zulia", coverageURL(hmID, actas.JoinPath("Zulia", "Maracaibo"))).mustOK(t, "coverage")
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
		calls := section(t, r.Body, "coverage-calls-h")
		if !slices.Contains(links(calls), anchor{Href: "tel:" + hmPhone, Text: hmPhone}) || !strings.Contains(text(calls), "Rosa Pérez") {
			t.Errorf("who to call does not give Rosa Pérez's phone:\n%s", calls)
		}
		if !strings.Contains(text(calls), "witness assigned, no sheet sent") {
			t.Errorf("who to call does not say what is missing:\n%s", text(calls))
		}
		table := section(t, r.Body, "coverage-areas-h")
		if !strings.Contains(text(table), "Maracaibo 1 1 0 1 0 0 1 0") {
			t.Errorf("numbers of Maracaibo:\n%s", text(table))
		}
	})
}

func TestCoverageAuthorization(t *testing.T) {
	af := MustCoverage(t)
	zulia := coverageURL(hmID, "Zulia")
	cases := []struct {
		name string
		who  string
		url  string
		want int
	}{
		{"an admin sees the whole election", "admin", coverageURL(hmID, ""), http.StatusOK},
		{"a coordinator sees its state", "coordinator of Zulia", zulia, http.StatusOK},
		{"a coordinator sees a municipality of its state", "coordinator of Zulia", coverageURL(hmID, actas.JoinPath("Zulia", "Maracaibo")), http.StatusOK},
		{"a coordinator without an area is shown its own", "coordinator of Zulia", coverageURL(hmID, ""), http.StatusOK},
		{"a coordinator may not see another state", "coordinator of Zulia", coverageURL(hmID, "Mérida"), http.StatusForbidden},
		{"a coordinator may not see the whole election", "coordinator of Zulia", coverageURL(hmID, "") + "?area=national", http.StatusForbidden},
		{"a municipality's coordinator may not see its state", "coordinator of Mérida", coverageURL(hmID, "Mérida"), http.StatusForbidden},
		{"a coordinator's unknown area is not found", "coordinator of Zulia", coverageURL(hmID, actas.JoinPath("Zulia", "Nowhere")), http.StatusNotFound},
		{"a witness may not see the board", "witness of 0201", zulia, http.StatusForbidden},
		{"a keyer may not see the board", "keyer", zulia, http.StatusForbidden},
		{"an admin of another election may not see it", "admin of another election", zulia, http.StatusForbidden},
		{"the public is sent to sign in", "", zulia, http.StatusSeeOther},
		{"an admin's API request", "admin", apiCoverageURL(hmID), http.StatusOK},
		{"a coordinator's API request outside its areas", "coordinator of Zulia", apiCoverageURL(hmID) + "?area=M%C3%A9rida", http.StatusForbidden},
		{"a witness's API request", "witness of 0401", apiCoverageURL(hmID), http.StatusForbidden},
		{"an anonymous API request", "", apiCoverageURL(hmID), http.StatusUnauthorized},
		{"a malformed area", "admin", apiCoverageURL(hmID) + "?area=Zulia%5C", http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := af.page(t, c.who, c.url)
			if r.Status != c.want {
				t.Fatalf("status %d, want %d; body %.600s", r.Status, c.want, r.Body)
			}
			if c.want != http.StatusOK && strings.Contains(r.Body, hmPhone) {
				t.Fatal("a refusal shows a witness's phone")
			}
			if c.want == http.StatusSeeOther {
				want := "/signin?" + url.Values{"election": {hmID}, "next": {zulia}}.Encode()
				if loc := r.Header.Get("Location"); loc != want {
					t.Fatalf("sent to %q, want %q", loc, want)
				}
			}
		})
	}
}

// TestContactsNeverPublic reads every public page and API answer about
// the stations and areas whose witnesses and coordinators have contacts,
// and finds none of those contacts.
func TestContactsNeverPublic(t *testing.T) {
	af := MustCoverage(t)
	contacts := []string{hmPhone}
	for _, a := range af.accounts {
		contacts = append(contacts, a.Contact)
	}
	pages := []string{
		"/", electionURL(hmID), areaURL(hmID, "Zulia"), areaURL(hmID, actas.JoinPath("Zulia", "Maracaibo")),
		areaURL(hmID, actas.JoinPath("Mérida", "Libertador")), stationURL(hmID, hmFlagged), stationURL(hmID, hmNone),
		stationURL(hmID, "0401"), searchURL(hmID) + "?q=02", logURL(hmID),
		"/api/v1/elections/" + hmID, "/api/v1/elections/" + hmID + "/results",
		"/api/v1/elections/" + hmID + "/areas/Zulia", "/api/v1/elections/" + hmID + "/stations/" + hmFlagged,
		"/api/v1/elections/" + hmID + "/stations.csv",
	}
	for _, p := range pages {
		r := af.page(t, "", p)
		if r.Status != http.StatusOK {
			t.Errorf("GET %s: status %d", p, r.Status)
			continue
		}
		for _, c := range contacts {
			if strings.Contains(strings.ToLower(r.Body), c) {
				t.Errorf("public %s shows contact %s", p, c)
			}
		}
		if strings.Contains(r.Body, "/coverage") {
			t.Errorf("public %s links to the coverage board", p)
		}
	}
}

func TestCoveragePages(t *testing.T) {
	f := MustSimulate(t, 230, 7)
	admin := storetest.MustCreateAccount(t, f.Store, &actas.Account{Election: f.Election.ID, Name: "admin",
		Contact: "admin@example.org", Role: actas.RoleAdmin})
	tok, err := f.Store.IssueToken(t.Context(), admin.ID, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	// Every station lacks a witness: each needs action, so the list pages
	// through all of them, in creation order, without repeating one.
	all, err := f.Tab.Stations(f.Election.ID, f.contest(), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for page := 1; ; page++ {
		target := apiCoverageURL(f.Election.ID) + fmt.Sprintf("?list=1&page=%d", page)
		r := f.get(t, target, "Authorization", "Bearer "+tok).mustOK(t, target)
		var doc CoverageDocument
		if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.NeedAction) > coveragePerPage {
			t.Fatalf("page %d lists %d stations, more than %d", page, len(doc.NeedAction), coveragePerPage)
		}
		for _, st := range doc.NeedAction {
			got = append(got, st.Station)
		}
		if !doc.More {
			break
		}
		if page > len(all) {
			t.Fatal("the list does not end")
		}
	}
	if len(got) != len(all) {
		t.Fatalf("the pages list %d stations, the election has %d", len(got), len(all))
	}
	for i, st := range all {
		if got[i] != st.Station.Code {
			t.Fatalf("station %d of the list is %s, want %s", i, got[i], st.Station.Code)
		}
	}
}

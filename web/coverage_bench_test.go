package web

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/actasproject/actas"
)

// BenchmarkCoverage measures the board of a simulated election whose every
// station has a witness: building the station → witnesses index from the
// accounts, and the national board from a built index while the results do not
// change (what each request costs within the index's TTL).
func BenchmarkCoverage(b *testing.B) {
	const n = 20000
	f := MustSimulate(b, n, 3)
	stations, err := f.Tab.Stations(f.Election.ID, f.contest(), "")
	if err != nil {
		b.Fatal(err)
	}
	accounts := make([]*actas.Account, len(stations))
	for i, st := range stations {
		accounts[i] = &actas.Account{Election: f.Election.ID, Name: fmt.Sprintf("witness %d", i),
			Contact: fmt.Sprintf("+58412%07d", i), Role: actas.RoleWitness, Scope: []string{st.Station.Code}}
	}
	if err := f.Store.CreateAccounts(b.Context(), accounts); err != nil {
		b.Fatal(err)
	}
	e, err := f.Server.election(b.Context(), f.Election.ID)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.Server.buildCoverageIndex(b.Context(), e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("national board", func(b *testing.B) {
		admin := &actas.Account{Election: e.ID, Role: actas.RoleAdmin}
		cr, err := parseCoverage(httptest.NewRequest("GET", "/?area=national", nil), e, admin)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Server.coverageIndexOf(b.Context(), e); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			doc, err := f.Server.coverageBoard(b.Context(), e, cr)
			if err != nil {
				b.Fatal(err)
			}
			if doc.WithWitness != int64(len(stations)) {
				b.Fatalf("%d stations with a witness, want %d", doc.WithWitness, len(stations))
			}
		}
	})
}

func FuzzCoverageQuery(f *testing.F) {
	for _, q := range []string{"area=Zulia", "area=national&list=1&page=2", "area=Zulia%5C", "list=yes", "page=0", "page=99999999999",
		"area=" + "Zulia%2FMP.%20L%5C%2FDIEGO", "contest=referendum&area=", "area=%00"} {
		f.Add(q)
	}
	e := &election{Election: handmade().Election}
	coordinator := &actas.Account{Election: hmID, Role: actas.RoleCoordinator, Scope: []string{"Zulia"}}
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = query
		cr, err := parseCoverage(r, e, coordinator)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID && actas.ErrorCode(err) != actas.ENOTFOUND {
				t.Fatalf("query %q: error %v is neither invalid nor not found", query, err)
			}
			return
		}
		if p, err := actas.CanonicalPath(cr.path); err != nil || p != cr.path {
			t.Fatalf("query %q: area %q is not canonical (%q, %v)", query, cr.path, p, err)
		}
		if cr.page < 1 || cr.contest == nil {
			t.Fatalf("query %q: page %d, contest %v", query, cr.page, cr.contest)
		}
	})
}

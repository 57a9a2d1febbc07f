package storeutil_test

import (
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
)

func TestPrepareAccounts(t *testing.T) {
	w := &actas.Account{Election: "e", Name: " Ana ", Contact: "ANA@example.org", Role: actas.RoleWitness, Scope: []string{"001"}}
	k := &actas.Account{Election: "e", Name: "Kim", Contact: "kim@example.org", Role: actas.RoleKeyer}
	norm, scopes, err := storeutil.PrepareAccounts([]*actas.Account{w, k})
	if err != nil {
		t.Fatal(err)
	}
	if scopes[0] != `["001"]` || scopes[1] != `[]` {
		t.Errorf("scopes %q, want the witness's station and an empty list", scopes)
	}
	if norm[0].Name == w.Name && norm[0].Contact == w.Contact {
		t.Errorf("account not normalized: %+v", norm[0])
	}
	if w.Name != " Ana " {
		t.Errorf("the caller's account changed: %+v", w)
	}
	for _, tc := range []struct {
		name string
		accs []*actas.Account
	}{
		{"two elections in one batch", []*actas.Account{w, {Election: "f", Name: "B", Contact: "b@example.org", Role: actas.RoleAdmin}}},
		{"an account that does not normalize", []*actas.Account{{Election: "e", Name: "X", Contact: "x@example.org", Role: "mayor"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := storeutil.PrepareAccounts(tc.accs); actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("PrepareAccounts: %v, want EINVALID", err)
			}
		})
	}
}

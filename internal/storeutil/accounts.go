package storeutil

import (
	"encoding/json"
	"fmt"

	"github.com/actasproject/actas"
)

// PrepareAccounts checks and normalizes a batch of new accounts of one
// election, on copies so that a refused batch leaves the caller's accounts
// as they were, and encodes each scope as the JSON list a store keeps
// ("[]" for none). Errors: EINVALID for accounts of several elections or
// one that fails Normalize.
func PrepareAccounts(accounts []*actas.Account) (norm []actas.Account, scopes []string, err error) {
	norm = make([]actas.Account, len(accounts))
	scopes = make([]string, len(accounts))
	for i, a := range accounts {
		if a.Election != accounts[0].Election {
			return nil, nil, actas.Errorf(actas.EINVALID, "accounts of elections %s and %s in one batch", accounts[0].Election, a.Election)
		}
		norm[i] = *a
		if err := norm[i].Normalize(); err != nil {
			return nil, nil, err
		}
		scope := norm[i].Scope
		if scope == nil {
			scope = []string{}
		}
		b, err := json.Marshal(scope)
		if err != nil {
			return nil, nil, fmt.Errorf("account scope: %w", err)
		}
		scopes[i] = string(b)
	}
	return norm, scopes, nil
}

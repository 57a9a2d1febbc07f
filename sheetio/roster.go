package sheetio

import (
	"errors"
	"io"
	"strings"

	"github.com/actasproject/actas"
)

// Roster columns: who the person is, where to send their sign-in code, what
// they may do, and where (`;`-separated area paths for a coordinator,
// station codes for a witness, empty for an admin or a keyer).
const (
	rosterName    = "name"
	rosterContact = "phone_or_email"
	rosterRole    = "role"
	rosterScope   = "scope"
)

// ReadRoster reads a roster CSV file (header
// `name,phone_or_email,role,scope`, in any order) into accounts of the
// election, in file order, canonical as actas.Account.Normalize leaves them.
// A witness's stations must be found by stations and a coordinator's areas
// by areas; one contact may appear once. The file is accepted whole or not
// at all. file names the input in errors. Errors: EINVALID wrapping a
// *ParseError naming the line, column and field of the first problem;
// others for a failing read.
func ReadRoster(r io.Reader, file, election string, stations StationLookup, areas AreaLookup) ([]*actas.Account, error) {
	f, err := openCSV(r, file)
	if err != nil {
		return nil, err
	}
	idx, err := f.columns([]string{rosterName, rosterContact, rosterRole, rosterScope}, nil)
	if err != nil {
		return nil, err
	}
	nameCol, contactCol, roleCol, scopeCol := idx[0], idx[1], idx[2], idx[3]
	var out []*actas.Account
	seen := map[string]int{} // contact → line
	for {
		rec, err := f.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		line := f.line()
		name := rec[nameCol]
		if p := textProblem(name); p != "" {
			return nil, f.fieldError(nameCol, "%s", p)
		}
		if len(name) > actas.MaxNameLength {
			return nil, f.fieldError(nameCol, "is longer than %d bytes", actas.MaxNameLength)
		}
		contact, err := actas.CanonicalContact(rec[contactCol])
		if err != nil {
			return nil, f.fieldError(contactCol, "%s", actas.ErrorMessage(err))
		}
		if prev, dup := seen[contact]; dup {
			return nil, f.fieldError(contactCol, "%s is also on line %d; a person has one account", quoteValue(contact), prev)
		}
		seen[contact] = line
		role, err := actas.ParseRole(rec[roleCol])
		if err != nil {
			return nil, f.fieldError(roleCol, "%s", actas.ErrorMessage(err))
		}
		a := &actas.Account{Election: election, Name: nfc(name), Contact: contact, Role: role}
		if s := rec[scopeCol]; s != "" {
			a.Scope = strings.Split(s, ";")
			for i := range a.Scope {
				a.Scope[i] = nfc(strings.TrimSpace(a.Scope[i]))
			}
		}
		// The name, contact and role are checked: what Normalize refuses
		// now is the scope.
		if err := a.Normalize(); err != nil {
			return nil, f.fieldError(scopeCol, "%s", actas.ErrorMessage(err))
		}
		for _, s := range a.Scope {
			switch {
			case role == actas.RoleWitness && !hasStation(stations, s):
				return nil, f.fieldError(scopeCol, "the election has no station %s", quoteValue(s))
			case role == actas.RoleCoordinator && !areas(s):
				return nil, f.fieldError(scopeCol, "the election has no area %s (paths name areas top first, separated by /)", quoteValue(s))
			}
		}
		out = append(out, a)
	}
}

func hasStation(stations StationLookup, code string) bool {
	_, ok := stations(code)
	return ok
}

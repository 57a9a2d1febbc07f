package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

// MustCreateAccount creates a and returns it as the store set it.
func MustCreateAccount(tb testing.TB, s actas.Store, a *actas.Account) *actas.Account {
	tb.Helper()
	if err := s.CreateAccount(tb.Context(), a); err != nil {
		tb.Fatalf("CreateAccount(%s %q): %v", a.Role, a.Name, err)
	}
	return a
}

// MustIssueCode issues a sign-in code valid for an hour.
func MustIssueCode(tb testing.TB, s actas.Store, account int64) string {
	tb.Helper()
	code, err := s.IssueCode(tb.Context(), account, time.Now().Add(time.Hour))
	if err != nil {
		tb.Fatalf("IssueCode(%d): %v", account, err)
	}
	return code
}

// WitnessAccount returns a witness account of election e for the stations.
func WitnessAccount(e, name, contact string, stations ...string) *actas.Account {
	return &actas.Account{Election: e, Name: name, Contact: contact, Role: actas.RoleWitness, Scope: stations}
}

// wantNoCredential fails tb unless err is the store's one refusal of a
// credential, which must not say why.
func wantNoCredential(tb testing.TB, what string, err error) {
	tb.Helper()
	wantCode(tb, what, err, actas.ENOTFOUND)
	if msg := actas.ErrorMessage(err); msg != actas.ErrNoCredential {
		tb.Fatalf("%s: message %q, want the one refusal %q that does not say why", what, msg, actas.ErrNoCredential)
	}
}

// sameAccount reports how got differs from want, or "".
func sameAccount(got, want *actas.Account) string {
	if got.ID != want.ID || got.Election != want.Election || got.Name != want.Name || got.Contact != want.Contact ||
		got.Role != want.Role || !reflect.DeepEqual(got.Scope, want.Scope) || got.Disabled != want.Disabled {
		return fmt.Sprintf("%+v, want %+v", *got, *want)
	}
	if !got.Created.Equal(want.Created) && got.Created.Sub(want.Created).Abs() >= time.Microsecond {
		return fmt.Sprintf("created %s, want %s", got.Created, want.Created)
	}
	if got.Created.Location() != time.UTC {
		return fmt.Sprintf("created %s is not in UTC", got.Created)
	}
	return ""
}

func testAccounts(t *testing.T, b Backend) {
	t.Run("an account of each role reads back as created", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		before := time.Now()
		created := []*actas.Account{
			MustCreateAccount(t, s, &actas.Account{Election: "e", Name: " Ana Admin ", Contact: "ANA@Example.ORG", Role: actas.RoleAdmin}),
			MustCreateAccount(t, s, &actas.Account{Election: "e", Name: "Carla", Contact: "+58 (412) 555-0101", Role: actas.RoleCoordinator,
				Scope: []string{"Zulia", Urdaneta, "Miranda/Sucre"}}),
			MustCreateAccount(t, s, WitnessAccount("e", "Wilmer Núñez", "0414.555.0102", "001", "P36")),
			MustCreateAccount(t, s, &actas.Account{Election: "e", Name: "Kelly", Contact: "kelly@example.org", Role: actas.RoleKeyer}),
		}
		if c := created[0]; c.Name != "Ana Admin" || c.Contact != "ana@example.org" {
			t.Fatalf("admin stored as name %q contact %q, want trimmed name and lower-case address", c.Name, c.Contact)
		}
		if c := created[1].Contact; c != "+584125550101" {
			t.Fatalf("phone stored as %q, want +584125550101", c)
		}
		ids := map[int64]bool{}
		for _, a := range created {
			if a.ID <= 0 || ids[a.ID] {
				t.Fatalf("account %q has id %d: ids must be positive and distinct", a.Name, a.ID)
			}
			ids[a.ID] = true
			if a.Created.Before(before.Add(-time.Second)) || a.Created.After(time.Now().Add(time.Second)) || a.Created.Location() != time.UTC {
				t.Fatalf("account %q created %s, want now in UTC", a.Name, a.Created)
			}
			got, err := s.Account(t.Context(), a.ID)
			if err != nil {
				t.Fatalf("Account(%d): %v", a.ID, err)
			}
			if d := sameAccount(got, a); d != "" {
				t.Fatalf("Account(%d): %s", a.ID, d)
			}
		}
		all, err := s.Accounts(t.Context(), "e")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(created) {
			t.Fatalf("Accounts: %d accounts, want %d", len(all), len(created))
		}
		for i := range all {
			if d := sameAccount(all[i], created[i]); d != "" {
				t.Fatalf("Accounts[%d]: %s", i, d)
			}
		}
	})

	t.Run("an election without accounts lists none", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		all, err := s.Accounts(t.Context(), "e")
		if err != nil || all == nil || len(all) != 0 {
			t.Fatalf("Accounts = %v, %v; want an empty list", all, err)
		}
	})

	t.Run("one contact has one account per election", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		MustCreateElection(t, s, Election("f"), Stations())
		MustCreateAccount(t, s, WitnessAccount("e", "Wilmer", "+58 414 555 0102", "001"))
		err := s.CreateAccount(t.Context(), WitnessAccount("e", "Wilmer again", "+58-414-555-0102", "002"))
		wantCode(t, "the same phone written otherwise", err, actas.ECONFLICT)
		MustCreateAccount(t, s, WitnessAccount("f", "Wilmer", "+58 414 555 0102", "001"))
	})

	t.Run("a roster is stored whole or not at all", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		MustCreateElection(t, s, Election("f"), Stations())
		roster := func() []*actas.Account {
			return []*actas.Account{
				WitnessAccount("e", "W1", "w1@example.org", "001"),
				{Election: "e", Name: "C", Contact: "c@example.org", Role: actas.RoleCoordinator, Scope: []string{"Zulia"}},
				WitnessAccount("e", "W2", "w2@example.org", "002", "003"),
			}
		}
		for _, tc := range []struct {
			name   string
			change func([]*actas.Account)
			code   string
		}{
			{"the last one repeats the first one's contact", func(r []*actas.Account) { r[2].Contact = "W1@example.org" }, actas.ECONFLICT},
			{"the last one names an unknown station", func(r []*actas.Account) { r[2].Scope = []string{"999"} }, actas.EINVALID},
			{"the last one is of another election", func(r []*actas.Account) { r[2].Election = "f" }, actas.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := roster()
				tc.change(r)
				wantCode(t, "CreateAccounts", s.CreateAccounts(t.Context(), r), tc.code)
				for _, a := range r {
					if a.ID != 0 {
						t.Fatalf("account %q of a refused roster got id %d", a.Name, a.ID)
					}
				}
				if all, err := s.Accounts(t.Context(), "e"); err != nil || len(all) != 0 {
					t.Fatalf("after a refused roster, Accounts = %d accounts, %v; want none", len(all), err)
				}
			})
		}
		r := roster()
		if err := s.CreateAccounts(t.Context(), r); err != nil {
			t.Fatalf("CreateAccounts: %v", err)
		}
		all, err := s.Accounts(t.Context(), "e")
		if err != nil || len(all) != len(r) {
			t.Fatalf("Accounts = %d accounts, %v; want %d", len(all), err, len(r))
		}
		for i := range r {
			if d := sameAccount(all[i], r[i]); d != "" {
				t.Fatalf("Accounts[%d]: %s", i, d)
			}
		}
		if err := s.CreateAccounts(t.Context(), nil); err != nil {
			t.Fatalf("CreateAccounts of nothing: %v", err)
		}
	})

	t.Run("invalid accounts are refused and nothing is stored", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		for _, tc := range []struct {
			name string
			a    actas.Account
			code string
		}{
			{"no name", actas.Account{Election: "e", Name: " ", Contact: "a@example.org", Role: actas.RoleAdmin}, actas.EINVALID},
			{"a contact that is neither phone nor e-mail", actas.Account{Election: "e", Name: "A", Contact: "call me", Role: actas.RoleAdmin}, actas.EINVALID},
			{"a phone number too short", actas.Account{Election: "e", Name: "A", Contact: "12345", Role: actas.RoleAdmin}, actas.EINVALID},
			{"an unknown role", actas.Account{Election: "e", Name: "A", Contact: "a@example.org", Role: "observer"}, actas.EINVALID},
			{"an admin with a scope", actas.Account{Election: "e", Name: "A", Contact: "a@example.org", Role: actas.RoleAdmin, Scope: []string{"001"}}, actas.EINVALID},
			{"a witness without stations", *WitnessAccount("e", "W", "w@example.org"), actas.EINVALID},
			{"a witness for a station the election lacks", *WitnessAccount("e", "W", "w@example.org", "001", "999"), actas.EINVALID},
			{"a witness naming a station twice", *WitnessAccount("e", "W", "w@example.org", "001", "001"), actas.EINVALID},
			{"a coordinator of an area the election lacks", actas.Account{Election: "e", Name: "C", Contact: "c@example.org", Role: actas.RoleCoordinator, Scope: []string{"Zulia/Nowhere"}}, actas.EINVALID},
			{"a coordinator of a station code", actas.Account{Election: "e", Name: "C", Contact: "c@example.org", Role: actas.RoleCoordinator, Scope: []string{"001"}}, actas.EINVALID},
			{"a coordinator of the whole election", actas.Account{Election: "e", Name: "C", Contact: "c@example.org", Role: actas.RoleCoordinator, Scope: []string{"national"}}, actas.EINVALID},
			{"an unknown election", actas.Account{Election: "nope", Name: "A", Contact: "a@example.org", Role: actas.RoleAdmin}, actas.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := tc.a
				wantCode(t, "CreateAccount", s.CreateAccount(t.Context(), &a), tc.code)
			})
		}
		all, err := s.Accounts(t.Context(), "e")
		if err != nil || len(all) != 0 {
			t.Fatalf("after refusals, Accounts = %d accounts, %v; want none", len(all), err)
		}
	})

	t.Run("unknown accounts and elections are not found", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		ctx := t.Context()
		const missing = 424242
		_, err := s.Account(ctx, missing)
		wantCode(t, "Account", err, actas.ENOTFOUND)
		_, err = s.Accounts(ctx, "nope")
		wantCode(t, "Accounts of an unknown election", err, actas.ENOTFOUND)
		_, err = s.IssueCode(ctx, missing, time.Now().Add(time.Hour))
		wantCode(t, "IssueCode", err, actas.ENOTFOUND)
		_, err = s.CreateSession(ctx, missing, time.Now().Add(time.Hour))
		wantCode(t, "CreateSession", err, actas.ENOTFOUND)
		_, err = s.IssueToken(ctx, missing, "laptop")
		wantCode(t, "IssueToken", err, actas.ENOTFOUND)
		wantCode(t, "DisableAccount", s.DisableAccount(ctx, missing), actas.ENOTFOUND)
		_, unknown := actas.NewSecret()
		wantCode(t, "RevokeSession", s.RevokeSession(ctx, unknown), actas.ENOTFOUND)
	})

	t.Run("a sign-in code signs in once", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		code := MustIssueCode(t, s, w.ID)
		second := MustIssueCode(t, s, w.ID)
		if !actas.ValidSecret(code) || code == second {
			t.Fatalf("codes %q and %q: want two distinct well-formed secrets", code, second)
		}
		got, err := s.RedeemCode(t.Context(), "e", code, time.Now())
		if err != nil {
			t.Fatalf("RedeemCode: %v", err)
		}
		if d := sameAccount(got, w); d != "" {
			t.Fatalf("RedeemCode returned %s", d)
		}
		_, err = s.RedeemCode(t.Context(), "e", code, time.Now())
		wantNoCredential(t, "the same code again", err)
		if _, err := s.RedeemCode(t.Context(), "e", second, time.Now()); err != nil {
			t.Fatalf("the other code stays valid: %v", err)
		}
	})

	t.Run("sign-in codes are refused without saying why", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		MustCreateElection(t, s, Election("f"), Stations())
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		expires := time.Now().Add(time.Hour)
		code, err := s.IssueCode(t.Context(), w.ID, expires)
		if err != nil {
			t.Fatal(err)
		}
		unknown, _ := actas.NewSecret()
		for _, tc := range []struct {
			name, election, code string
			now                  time.Time
		}{
			{"an unknown code", "e", unknown, time.Now()},
			{"a code at its expiry", "e", code, expires},
			{"a code after its expiry", "e", code, expires.Add(time.Minute)},
			{"a code of another election", "f", code, time.Now()},
			{"a code for an unknown election", "nope", code, time.Now()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.RedeemCode(t.Context(), tc.election, tc.code, tc.now)
				wantNoCredential(t, "RedeemCode", err)
			})
		}
		t.Run("a malformed code", func(t *testing.T) {
			for _, bad := range []string{"", "123456", code + "x", code[:42] + "!"} {
				_, err := s.RedeemCode(t.Context(), "e", bad, time.Now())
				wantCode(t, fmt.Sprintf("RedeemCode(%q)", bad), err, actas.EINVALID)
			}
		})
		// The refusals above used nothing up.
		if _, err := s.RedeemCode(t.Context(), "e", code, expires.Add(-time.Second)); err != nil {
			t.Fatalf("the code just before its expiry: %v", err)
		}
	})

	t.Run("expiries must be in the future and near", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		for _, tc := range []struct {
			name    string
			expires time.Time
		}{
			{"in the past", time.Now().Add(-time.Minute)},
			{"too far away", time.Now().Add(actas.MaxCodeValidity + time.Hour)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.IssueCode(t.Context(), w.ID, tc.expires)
				wantCode(t, "IssueCode", err, actas.EINVALID)
				_, err = s.CreateSession(t.Context(), w.ID, tc.expires)
				wantCode(t, "CreateSession", err, actas.EINVALID)
			})
		}
	})

	t.Run("two handles redeeming one code at once sign in once", func(t *testing.T) {
		s1, addr := MustOpen(t, b)
		MustCreateElection(t, s1, Election("e"), Stations())
		s2 := MustOpenAt(t, b, addr)
		w := MustCreateAccount(t, s1, WitnessAccount("e", "W", "w@example.org", "001"))
		code := MustIssueCode(t, s1, w.ID)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = []actas.Store{s1, s2}[i%2].RedeemCode(t.Context(), "e", code, time.Now())
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case actas.ErrorCode(err) != actas.ENOTFOUND:
				t.Fatalf("RedeemCode: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d concurrent redemptions succeeded, want 1", ok, len(errs))
		}
	})

	t.Run("a session lasts until it expires or is revoked", func(t *testing.T) {
		s, addr := MustOpen(t, b)
		MustCreateElection(t, s, Election("e"), Stations())
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		expires := time.Now().Add(time.Hour)
		plain, err := s.CreateSession(t.Context(), w.ID, expires)
		if err != nil {
			t.Fatal(err)
		}
		h := actas.HashSecret(plain)
		got, err := s.SessionAccount(t.Context(), h, time.Now())
		if err != nil || got.ID != w.ID {
			t.Fatalf("SessionAccount = %v, %v; want account %d", got, err, w.ID)
		}
		// Another process sees the same session.
		if got, err := MustOpenAt(t, b, addr).SessionAccount(t.Context(), h, time.Now()); err != nil || got.ID != w.ID {
			t.Fatalf("SessionAccount through another handle = %v, %v", got, err)
		}
		_, err = s.SessionAccount(t.Context(), h, expires)
		wantNoCredential(t, "a session at its expiry", err)
		_, unknown := actas.NewSecret()
		_, err = s.SessionAccount(t.Context(), unknown, time.Now())
		wantNoCredential(t, "an unknown session", err)
		if err := s.RevokeSession(t.Context(), h); err != nil {
			t.Fatalf("RevokeSession: %v", err)
		}
		_, err = s.SessionAccount(t.Context(), h, time.Now())
		wantNoCredential(t, "a revoked session", err)
		if err := s.RevokeSession(t.Context(), h); err != nil {
			t.Fatalf("RevokeSession again: %v", err)
		}
	})

	t.Run("API tokens", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		k := MustCreateAccount(t, s, &actas.Account{Election: "e", Name: "K", Contact: "k@example.org", Role: actas.RoleKeyer})
		tok, err := s.IssueToken(t.Context(), w.ID, "phone app")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.TokenAccount(t.Context(), actas.HashSecret(tok))
		if err != nil || got.ID != w.ID {
			t.Fatalf("TokenAccount = %v, %v; want account %d", got, err, w.ID)
		}
		_, err = s.IssueToken(t.Context(), w.ID, "phone app")
		wantCode(t, "a second token of the same name", err, actas.ECONFLICT)
		if _, err := s.IssueToken(t.Context(), k.ID, "phone app"); err != nil {
			t.Fatalf("another account's token of the same name: %v", err)
		}
		for _, bad := range []string{"", " padded ", "tab\there", string(make([]byte, actas.MaxTokenNameLength+1))} {
			_, err := s.IssueToken(t.Context(), w.ID, bad)
			wantCode(t, fmt.Sprintf("token name %q", bad), err, actas.EINVALID)
		}
		_, err = s.TokenAccount(t.Context(), actas.HashSecret("not a token"))
		wantNoCredential(t, "an unknown token", err)
		// A session's secret is not a token, nor a token a session.
		sess, err := s.CreateSession(t.Context(), w.ID, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.TokenAccount(t.Context(), actas.HashSecret(sess))
		wantNoCredential(t, "a session's secret as a token", err)
		_, err = s.SessionAccount(t.Context(), actas.HashSecret(tok), time.Now())
		wantNoCredential(t, "a token as a session", err)
	})

	t.Run("a disabled account's credentials stop working", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "e")
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001"))
		code := MustIssueCode(t, s, w.ID)
		sess, err := s.CreateSession(t.Context(), w.ID, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.IssueToken(t.Context(), w.ID, "app")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DisableAccount(t.Context(), w.ID); err != nil {
			t.Fatalf("DisableAccount: %v", err)
		}
		if err := s.DisableAccount(t.Context(), w.ID); err != nil {
			t.Fatalf("DisableAccount again: %v", err)
		}
		got, err := s.Account(t.Context(), w.ID)
		if err != nil || !got.Disabled {
			t.Fatalf("Account after disabling = %+v, %v; want Disabled", got, err)
		}
		_, err = s.RedeemCode(t.Context(), "e", code, time.Now())
		wantNoCredential(t, "a disabled account's code", err)
		_, err = s.SessionAccount(t.Context(), actas.HashSecret(sess), time.Now())
		wantNoCredential(t, "a disabled account's session", err)
		_, err = s.TokenAccount(t.Context(), actas.HashSecret(tok))
		wantNoCredential(t, "a disabled account's token", err)
		_, err = s.IssueCode(t.Context(), w.ID, time.Now().Add(time.Hour))
		wantCode(t, "IssueCode for a disabled account", err, actas.ECONFLICT)
		_, err = s.CreateSession(t.Context(), w.ID, time.Now().Add(time.Hour))
		wantCode(t, "CreateSession for a disabled account", err, actas.ECONFLICT)
		_, err = s.IssueToken(t.Context(), w.ID, "other")
		wantCode(t, "IssueToken for a disabled account", err, actas.ECONFLICT)
	})

	t.Run("accounts and used codes survive reopening", func(t *testing.T) {
		s, addr := MustOpen(t, b)
		MustCreateElection(t, s, Election("e"), Stations())
		w := MustCreateAccount(t, s, WitnessAccount("e", "W", "w@example.org", "001", "002"))
		code := MustIssueCode(t, s, w.ID)
		unused := MustIssueCode(t, s, w.ID)
		if _, err := s.RedeemCode(t.Context(), "e", code, time.Now()); err != nil {
			t.Fatal(err)
		}
		tok, err := s.IssueToken(t.Context(), w.ID, "app")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = MustOpenAt(t, b, addr)
		got, err := s.Account(t.Context(), w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameAccount(got, w); d != "" {
			t.Fatalf("after reopening: %s", d)
		}
		_, err = s.RedeemCode(t.Context(), "e", code, time.Now())
		wantNoCredential(t, "a used code after reopening", err)
		if _, err := s.RedeemCode(t.Context(), "e", unused, time.Now()); err != nil {
			t.Fatalf("an unused code after reopening: %v", err)
		}
		if _, err := s.TokenAccount(t.Context(), actas.HashSecret(tok)); err != nil {
			t.Fatalf("a token after reopening: %v", err)
		}
	})
}

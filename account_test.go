package actas_test

import (
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want actas.Role
		ok   bool
	}{
		{"admin", actas.RoleAdmin, true},
		{"coordinator", actas.RoleCoordinator, true},
		{"witness", actas.RoleWitness, true},
		{"keyer", actas.RoleKeyer, true},
		{"Admin", "", false},
		{"observer", "", false},
		{"", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := actas.ParseRole(tc.in)
			if tc.ok != (err == nil) || got != tc.want {
				t.Fatalf("ParseRole(%q) = %q, %v", tc.in, got, err)
			}
			if err != nil && actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("ParseRole(%q): code %q, want invalid", tc.in, actas.ErrorCode(err))
			}
		})
	}
}

func TestCanonicalContact(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"an international phone number with spaces", " +58 412 555 0101 ", "+584125550101"},
		{"a national phone number with dashes and parentheses", "(0412) 555-01.01", "04125550101"},
		{"an e-mail address in mixed case", "Ana.Perez@Example.ORG", "ana.perez@example.org"},
		{"a phone number too short", "555 01", ""},
		{"a phone number too long", "+1234567890123456", ""},
		{"a plus in the middle", "0412+5550101", ""},
		{"letters", "call Ana", ""},
		{"an address without a domain", "ana@", ""},
		{"an address without a dot in the domain", "ana@localhost", ""},
		{"two @", "a@b@example.org", ""},
		{"a display name", "Ana <ana@example.org>", ""},
		{"nothing", "  ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := actas.CanonicalContact(tc.in)
			if tc.want == "" {
				if err == nil || actas.ErrorCode(err) != actas.EINVALID {
					t.Fatalf("CanonicalContact(%q) = %q, %v; want an invalid error", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("CanonicalContact(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestAccountNormalize(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a     actas.Account
		scope []string // after Normalize; nil with err
		err   bool
	}{
		{"an admin", actas.Account{Name: "A", Contact: "a@example.org", Role: actas.RoleAdmin}, nil, false},
		{"a keyer with a scope", actas.Account{Name: "K", Contact: "k@example.org", Role: actas.RoleKeyer, Scope: []string{"x"}}, nil, true},
		{"a witness with stations", actas.Account{Name: "W", Contact: "w@example.org", Role: actas.RoleWitness, Scope: []string{" 001 ", "002"}}, []string{"001", "002"}, false},
		{"a witness without stations", actas.Account{Name: "W", Contact: "w@example.org", Role: actas.RoleWitness}, nil, true},
		{"a witness with an empty station", actas.Account{Name: "W", Contact: "w@example.org", Role: actas.RoleWitness, Scope: []string{"001", ""}}, nil, true},
		{"a coordinator of an escaped path", actas.Account{Name: "C", Contact: "c@example.org", Role: actas.RoleCoordinator, Scope: []string{`Táchira/MP. L\/DIEGO`}}, []string{`Táchira/MP. L\/DIEGO`}, false},
		{"a coordinator of a malformed path", actas.Account{Name: "C", Contact: "c@example.org", Role: actas.RoleCoordinator, Scope: []string{"Zulia//Maracaibo"}}, nil, true},
		{"a coordinator of the nation", actas.Account{Name: "C", Contact: "c@example.org", Role: actas.RoleCoordinator, Scope: []string{"national"}}, nil, true},
		{"a name with a control character", actas.Account{Name: "A\x07", Contact: "a@example.org", Role: actas.RoleAdmin}, nil, true},
		{"a name too long", actas.Account{Name: strings.Repeat("a", actas.MaxNameLength+1), Contact: "a@example.org", Role: actas.RoleAdmin}, nil, true},
		{"no role", actas.Account{Name: "A", Contact: "a@example.org"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.a
			err := a.Normalize()
			if tc.err {
				if actas.ErrorCode(err) != actas.EINVALID {
					t.Fatalf("Normalize: %v, want an invalid error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if strings.Join(a.Scope, "|") != strings.Join(tc.scope, "|") {
				t.Fatalf("scope %q, want %q", a.Scope, tc.scope)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		plain, hash := actas.NewSecret()
		if !actas.ValidSecret(plain) {
			t.Fatalf("NewSecret returned %q, which ValidSecret refuses", plain)
		}
		if seen[plain] {
			t.Fatalf("NewSecret returned %q twice", plain)
		}
		seen[plain] = true
		if !actas.SecretEqual(hash, actas.HashSecret(plain)) {
			t.Fatal("the hash NewSecret returns is not HashSecret of the secret")
		}
		other := hash
		other[31] ^= 1
		if actas.SecretEqual(hash, other) {
			t.Fatal("SecretEqual holds two different hashes equal")
		}
	}
	for _, bad := range []string{"", "abc", strings.Repeat("A", actas.SecretLength-1), strings.Repeat("!", actas.SecretLength), strings.Repeat("A", actas.SecretLength+1)} {
		if actas.ValidSecret(bad) {
			t.Errorf("ValidSecret(%q) = true", bad)
		}
	}
}

func FuzzCanonicalContact(f *testing.F) {
	for _, s := range []string{"+58 412 555 0101", "ana@example.org", "a@b@c", "(0412) 555-0101", "", "@.", "\xff@x.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := actas.CanonicalContact(s)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("CanonicalContact(%q): code %q", s, actas.ErrorCode(err))
			}
			return
		}
		// Canonical forms are fixed points: the store's uniqueness relies on it.
		again, err := actas.CanonicalContact(c)
		if err != nil || again != c {
			t.Fatalf("CanonicalContact(%q) = %q, but CanonicalContact(%q) = %q, %v", s, c, c, again, err)
		}
	})
}

package actas

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Role is what an account may do within its election.
type Role string

// The roles. The public (no account) reads published pages only.
const (
	RoleAdmin       Role = "admin"       // everything in the election, including accounts
	RoleCoordinator Role = "coordinator" // stations within the areas of its scope
	RoleWitness     Role = "witness"     // the stations of its scope
	RoleKeyer       Role = "keyer"       // types numbers from sheet photos (double entry)
)

// Roles lists every role, in the order help texts show them.
var Roles = []Role{RoleAdmin, RoleCoordinator, RoleWitness, RoleKeyer}

// ParseRole returns the role named s (exactly, lower case). Errors: EINVALID.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", Errorf(EINVALID, "role %q is not one of admin, coordinator, witness, keyer", clip(s))
}

// Scoped reports whether accounts of the role are limited to a scope:
// area paths for a coordinator, station codes for a witness.
func (r Role) Scoped() bool { return r == RoleCoordinator || r == RoleWitness }

// Account is a person who signs in to an election. Accounts are created by
// an admin and never deleted; Disabled ones cannot sign in.
type Account struct {
	ID       int64  `json:"id"` // set by the store
	Election string `json:"election"`
	Name     string `json:"name"`
	// Contact is a phone number ("+58 412 555 0101" is kept as
	// "+584125550101") or an e-mail address (kept in lower case), unique
	// within the election: it is where sign-in codes are sent.
	Contact string `json:"contact"`
	Role    Role   `json:"role"`
	// Scope holds, for a coordinator, the canonical paths of the areas it
	// coordinates (any level, not the national area) and, for a witness,
	// the codes of its stations; it is empty for an admin or a keyer.
	Scope    []string  `json:"scope,omitempty"`
	Created  time.Time `json:"created"` // set by the store, UTC
	Disabled bool      `json:"disabled"`
}

// MaxNameLength bounds an account's name, in bytes.
const MaxNameLength = 200

// MaxScope bounds the entries of an account's scope: a coordinator of many
// areas names their common parent instead.
const MaxScope = 10000

// Normalize puts the account's name, contact and scope in canonical form
// and checks what can be checked without the election: a name, a contact
// that is a phone number or an e-mail address, a role, and a scope that is
// present (without duplicates) exactly for the scoped roles, of area paths
// for a coordinator. Whether the scope names areas and stations of the
// election is the store's to check. Errors: EINVALID naming the field.
func (a *Account) Normalize() error {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		return Errorf(EINVALID, "account: name is empty")
	}
	if p := textProblem(a.Name, MaxNameLength); p != "" {
		return Errorf(EINVALID, "account %q: name %s", clip(a.Name), p)
	}
	c, err := CanonicalContact(a.Contact)
	if err != nil {
		return fmt.Errorf("account %q: %w", clip(a.Name), err)
	}
	a.Contact = c
	if _, err := ParseRole(string(a.Role)); err != nil {
		return fmt.Errorf("account %q: %w", clip(a.Name), err)
	}
	if !a.Role.Scoped() {
		if len(a.Scope) > 0 {
			return Errorf(EINVALID, "account %q: an account of role %s has no scope (it covers the whole election)", clip(a.Name), a.Role)
		}
		a.Scope = nil
		return nil
	}
	if len(a.Scope) == 0 {
		what := "station codes"
		if a.Role == RoleCoordinator {
			what = "area paths"
		}
		return Errorf(EINVALID, "account %q: a %s needs a scope: one or more %s", clip(a.Name), a.Role, what)
	}
	if len(a.Scope) > MaxScope {
		return Errorf(EINVALID, "account %q: scope has %d entries, more than %d", clip(a.Name), len(a.Scope), MaxScope)
	}
	seen := make(map[string]bool, len(a.Scope))
	scope := make([]string, len(a.Scope))
	for i, s := range a.Scope {
		s = strings.TrimSpace(s)
		if a.Role == RoleCoordinator {
			if s == "" || s == National {
				return Errorf(EINVALID, "account %q: a coordinator's scope names areas below the national level; give the whole election to an admin", clip(a.Name))
			}
			p, err := CanonicalPath(s)
			if err != nil {
				return fmt.Errorf("account %q: scope: %w", clip(a.Name), err)
			}
			s = p
		} else if s == "" {
			return Errorf(EINVALID, "account %q: scope holds an empty station code", clip(a.Name))
		}
		if p := textProblem(s, 1<<10); p != "" {
			return Errorf(EINVALID, "account %q: scope entry %q %s", clip(a.Name), clip(s), p)
		}
		if seen[s] {
			return Errorf(EINVALID, "account %q: scope names %q twice", clip(a.Name), clip(s))
		}
		seen[s] = true
		scope[i] = s
	}
	a.Scope = scope
	return nil
}

// CanonicalContact returns the canonical form of a phone number or e-mail
// address, so that one person cannot hold two accounts of an election by
// writing the same contact twice. A phone number is an optional '+' and 7
// to 15 digits (E.164), which may be grouped with spaces, '-', '.', '(' and
// ')'; its canonical form keeps the '+' and the digits. An e-mail address
// is local@domain with a dotted domain and no spaces; its canonical form is
// in lower case. Errors: EINVALID.
func CanonicalContact(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Errorf(EINVALID, "contact is empty: give a phone number or an e-mail address")
	}
	if len(s) > 254 {
		return "", Errorf(EINVALID, "contact %q is longer than 254 bytes", clip(s))
	}
	if strings.Contains(s, "@") {
		return canonicalEmail(s)
	}
	var b strings.Builder
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			digits++
		case c == '+' && i == 0:
			b.WriteByte(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", Errorf(EINVALID, "contact %q is neither a phone number (digits, optionally with a leading +) nor an e-mail address", clip(s))
		}
	}
	if digits < 7 || digits > 15 {
		return "", Errorf(EINVALID, "phone number %q has %d digits; a phone number has 7 to 15", clip(s), digits)
	}
	return b.String(), nil
}

func canonicalEmail(s string) (string, error) {
	local, domain, _ := strings.Cut(s, "@")
	bad := func(why string) (string, error) {
		return "", Errorf(EINVALID, "e-mail address %q %s", clip(s), why)
	}
	switch {
	case local == "" || len(local) > 64:
		return bad("needs 1 to 64 characters before the @")
	case strings.Contains(domain, "@"):
		return bad("has more than one @")
	case !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, ".."):
		return bad("needs a domain such as example.org after the @")
	case !utf8.ValidString(s):
		return bad("is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '<' || r == '>' || r == ',' || r == ';' || r == '"' {
			return bad("contains a space or a character addresses do not hold; give the bare address")
		}
	}
	return strings.ToLower(s), nil
}

// textProblem describes why s is not acceptable text of at most max bytes,
// or returns "".
func textProblem(s string, max int) string {
	if len(s) > max {
		return fmt.Sprintf("is longer than %d bytes", max)
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "contains a control character"
		}
	}
	return ""
}

// clip shortens text taken from a user for a message.
func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	i := 57
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// Secrets: one-time sign-in codes, session cookies and API tokens are 32
// random bytes, shown to their holder once as SecretLength characters of
// URL-safe base64 (safe in a URL, a cookie and a header), and stored only as
// their SHA-256. A fast hash is right here, unlike for passwords: a secret
// of 256 random bits cannot be guessed however fast each guess is, so slow,
// salted hashing would protect nothing and cost every request time. A
// stolen database therefore yields no usable secret.

// SecretLength is the length of a secret's text.
const SecretLength = 43

// NewSecret returns a new random secret and the hash under which it is
// stored. crypto/rand does not fail on supported systems (it crashes the
// program rather than return predictable bytes).
func NewSecret() (plain string, hash [32]byte) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	plain = base64.RawURLEncoding.EncodeToString(b[:])
	return plain, HashSecret(plain)
}

// HashSecret returns the hash under which the secret plain is stored.
func HashSecret(plain string) [32]byte { return sha256.Sum256([]byte(plain)) }

// ValidSecret reports whether plain has the form of a secret NewSecret
// returns, so that garbage is refused before any lookup.
func ValidSecret(plain string) bool {
	if len(plain) != SecretLength {
		return false
	}
	var b [32]byte
	n, err := base64.RawURLEncoding.Decode(b[:], []byte(plain))
	return err == nil && n == len(b)
}

// SecretEqual compares two secret hashes in constant time. Stores look
// secrets up by hash; comparing again this way keeps a store's lookup from
// being the only check.
func SecretEqual(a, b [32]byte) bool { return subtle.ConstantTimeCompare(a[:], b[:]) == 1 }

// Credential lifetimes.
const (
	DefaultCodeValidity = 24 * time.Hour // a sign-in code, as sent to its holder
	MaxCodeValidity     = 30 * 24 * time.Hour
	MaxTokenNameLength  = 100
)

// ErrNoCredential is the message of every refused credential: it does not
// say whether the secret was unknown, used, expired, revoked or its account
// disabled.
const ErrNoCredential = "the sign-in code, session or token is not valid: it may be mistyped, used, expired or withdrawn"

// CheckTokenName checks an API token's name. Errors: EINVALID.
func CheckTokenName(name string) error {
	if strings.TrimSpace(name) == "" || name != strings.TrimSpace(name) {
		return Errorf(EINVALID, "token name %q must be non-empty text without surrounding spaces", clip(name))
	}
	if p := textProblem(name, MaxTokenNameLength); p != "" {
		return Errorf(EINVALID, "token name %q %s", clip(name), p)
	}
	return nil
}

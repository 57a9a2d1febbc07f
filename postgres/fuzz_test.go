package postgres

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRedact checks that a password in a database URL never reaches a
// message.
func FuzzRedact(f *testing.F) {
	f.Add("postgres://actas:s3cret@db.example:5432/actas?sslmode=require")
	f.Add("postgresql://actas@localhost/actas")
	f.Add("host=localhost user=actas password=s3cret")
	f.Add("host=localhost password = 's3cret' user=actas")
	f.Add("postgres://actas:s3cret@%zz/")
	f.Add("postgres://%zz")
	f.Fuzz(func(t *testing.T, s string) {
		got := Redact(s)
		if strings.Contains(strings.ToLower(s), "password=s3cret") && strings.Contains(got, "s3cret") {
			t.Fatalf("Redact(%q) = %q keeps the password", s, got)
		}
		if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
			return // a key=value string: checked above
		}
		u, err := url.Parse(s)
		if err != nil || u.User == nil {
			return
		}
		if pw, ok := u.User.Password(); ok && pw != "" && pw != "xxxxx" {
			r, err := url.Parse(got)
			if err != nil {
				t.Fatalf("Redact(%q) = %q, which does not parse: %v", s, got, err)
			}
			if rpw, _ := r.User.Password(); rpw == pw {
				t.Fatalf("Redact(%q) = %q keeps the password", s, got)
			}
		}
	})
}

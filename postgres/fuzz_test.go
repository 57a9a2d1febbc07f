package postgres

import (
	"net/url"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
)

// FuzzCheckpointText feeds AddCheckpoint's parser notes as a client could
// send them: it never panics, refuses with EINVALID, and accepts only a
// checkpoint of the election's own log.
func FuzzCheckpointText(f *testing.F) {
	skey, _, err := translog.GenerateKey("fuzz")
	if err != nil {
		f.Fatal(err)
	}
	signer, err := translog.NewSigner(skey)
	if err != nil {
		f.Fatal(err)
	}
	for _, origin := range []string{"fuzz/e1", "fuzz/e2", "e1", "/e1"} {
		msg, err := translog.Sign(translog.Checkpoint{Origin: origin, Size: 3, Hash: translog.Hash{7}}, signer)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("e1", msg)
	}
	f.Add("e1", []byte("fuzz/e1\n3\nBwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"))
	f.Add("e1", []byte(""))
	f.Add("", []byte("\n\n— \n"))
	f.Fuzz(func(t *testing.T, election string, msg []byte) {
		c, err := checkpointText(election, msg)
		if err != nil {
			if code := actas.ErrorCode(err); code != actas.EINVALID {
				t.Fatalf("checkpointText: %v (code %q), want EINVALID", err, code)
			}
			return
		}
		if !strings.HasSuffix(c.Origin, "/"+election) || c.Origin == "/"+election {
			t.Fatalf("accepted a checkpoint of log %q for election %q", c.Origin, election)
		}
		if c.Size < 0 {
			t.Fatalf("accepted a checkpoint of size %d", c.Size)
		}
	})
}

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

package translog_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
)

func TestElectionCheckpoint(t *testing.T) {
	k := MustKey(t, "actas")
	other := MustKey(t, "other")
	body := translog.Checkpoint{Origin: translog.Origin("actas", "e1"), Size: 7, Hash: translog.LeafHash([]byte("x"))}
	signed := MustSign(t, k, body)
	tests := []struct {
		name     string
		election string
		msg      []byte
		want     string // "" when accepted
	}{
		{"signed checkpoint of the election's log", "e1", signed, ""},
		{"signed by a key the store does not know", "e1", MustSign(t, other, translog.Checkpoint{Origin: "other/e1", Size: 7, Hash: body.Hash}), ""},
		{"checkpoint of another election", "e2", signed, "names another log"},
		{"election that is a suffix of the origin's", "1", signed, "names another log"},
		{"origin with no key name", "e1", MustSign(t, k, translog.Checkpoint{Origin: "/e1", Size: 7, Hash: body.Hash}), "names another log"},
		{"origin that is the election alone", "e1", MustSign(t, k, translog.Checkpoint{Origin: "e1", Size: 7, Hash: body.Hash}), "names another log"},
		{"unsigned checkpoint text", "e1", body.Body(), "not a signed note"},
		{"empty note", "e1", nil, "not a signed note"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := translog.ElectionCheckpoint(tc.election, tc.msg)
			if tc.want != "" {
				wantInvalid(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.Size != 7 || c.Hash != body.Hash {
				t.Fatalf("checkpoint %+v, want size 7 and root %s", c, body.Hash)
			}
		})
	}
}

// A checkpoint's note comes from the command that signed it, through a
// store's AddCheckpoint; read without the key it must be refused with
// EINVALID unless it is a signed checkpoint of the election's log, and
// never panic.
func FuzzElectionCheckpoint(f *testing.F) {
	k := MustKey(f, "fuzz")
	body := translog.Checkpoint{Origin: translog.Origin("fuzz", "e"), Size: 7, Hash: translog.LeafHash([]byte("x"))}
	signed := MustSign(f, k, body)
	for _, seed := range [][]byte{signed, body.Body(), append(slices.Clone(signed), "— other c2lnbmF0dXJl\n"...), nil,
		[]byte("fuzz/e\n7\nAAAA\n\n— fuzz AAAA\n"), []byte("fuzz/e\n7\n" + strings.Repeat("A", 43) + "=\nextension\n\n— fuzz AAAA\n")} {
		f.Add("e", seed)
	}
	for _, origin := range []string{"fuzz/e1", "fuzz/e2", "e1", "/e1"} {
		f.Add("e1", MustSign(f, k, translog.Checkpoint{Origin: origin, Size: 3, Hash: translog.Hash{7}}))
	}
	f.Add("e1", []byte("fuzz/e1\n3\nBwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"))
	f.Add("", []byte("\n\n— \n"))
	f.Fuzz(func(t *testing.T, election string, msg []byte) {
		c, err := translog.ElectionCheckpoint(election, msg)
		if err != nil {
			if code := actas.ErrorCode(err); code != actas.EINVALID {
				t.Fatalf("error %v has code %q, want %q", err, code, actas.EINVALID)
			}
			return
		}
		if !bytes.HasPrefix(msg, c.Body()) {
			t.Fatalf("checkpoint %+v accepted from a note that does not start with its text:\n%q", c, msg)
		}
		if !strings.HasSuffix(c.Origin, "/"+election) || len(c.Origin) <= len(election)+1 {
			t.Fatalf("checkpoint of log %q accepted for election %q", c.Origin, election)
		}
		if c.Size < 0 {
			t.Fatalf("checkpoint of size %d accepted", c.Size)
		}
	})
}

package translog_test

import (
	"bytes"
	"encoding/base64"
	"math"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	fmtlog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

func TestSignOpen(t *testing.T) {
	k := MustKey(t, "actas")
	_, _, _, roots := MustLog(t, 9)
	tests := []struct {
		name string
		cp   translog.Checkpoint
	}{
		{"the empty log", translog.Checkpoint{Origin: translog.Origin("actas", "ve-2024"), Size: 0, Hash: translog.NewRecount().Root()}},
		{"a log of one entry", translog.Checkpoint{Origin: translog.Origin("actas", "ve-2024"), Size: 1, Hash: roots[0]}},
		{"a log of nine entries", translog.Checkpoint{Origin: translog.Origin("actas", "ve-2024"), Size: 9, Hash: roots[8]}},
		{"a key name with dots and an election id with dashes", translog.Checkpoint{Origin: translog.Origin("observers.example.org", "mx-2018"), Size: 1_050_000, Hash: roots[3]}},
		{"the largest size", translog.Checkpoint{Origin: "actas/x", Size: math.MaxInt64, Hash: roots[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := MustSign(t, k, tt.cp)
			if !bytes.HasPrefix(msg, tt.cp.Body()) {
				t.Fatalf("signed note %q does not start with the body %q", msg, tt.cp.Body())
			}
			got, err := translog.Open(msg, tt.cp.Origin, k.verifier)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got != tt.cp {
				t.Errorf("Open = %+v, want %+v", got, tt.cp)
			}
			if got, err := translog.Open(msg, "", k.verifier); err != nil || got != tt.cp {
				t.Errorf("Open of any origin = %+v, %v; want %+v", got, err, tt.cp)
			}

			// The independent parser reads the same checkpoint.
			other, rest, _, err := fmtlog.ParseCheckpoint(msg, tt.cp.Origin, k.verifier)
			if err != nil {
				t.Fatalf("transparency-dev/formats/log.ParseCheckpoint: %v", err)
			}
			if other.Origin != tt.cp.Origin || other.Size != uint64(tt.cp.Size) || !bytes.Equal(other.Hash, tt.cp.Hash[:]) || len(rest) != 0 {
				t.Errorf("transparency-dev reads %+v (rest %q), want %+v", other, rest, tt.cp)
			}
			if m := other.Marshal(); !bytes.Equal(m, tt.cp.Body()) {
				t.Errorf("transparency-dev writes %q, we %q", m, tt.cp.Body())
			}
		})
	}
}

// TestParseCheckpointFormats checks ParseCheckpoint against a body written
// by transparency-dev/formats/log.
func TestParseCheckpointFormats(t *testing.T) {
	_, _, _, roots := MustLog(t, 3)
	want := fmtlog.Checkpoint{Origin: "actas/ve-2024", Size: 3, Hash: roots[2][:]}
	got, err := translog.ParseCheckpoint(want.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if got.Origin != want.Origin || got.Size != 3 || got.Hash != roots[2] {
		t.Errorf("ParseCheckpoint(%q) = %+v", want.Marshal(), got)
	}
}

func TestParseCheckpointRefusals(t *testing.T) {
	root := base64.StdEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		name string
		text string
		want string
	}{
		{"empty", "", "want three lines"},
		{"no final newline", "actas/ve-2024\n3\n" + root, "want three lines"},
		{"an extension line", "actas/ve-2024\n3\n" + root + "\nextension\n", "want three lines"},
		{"a blank line after", "actas/ve-2024\n3\n" + root + "\n\n", "want three lines"},
		{"CRLF line endings", "actas/ve-2024\r\n3\r\n" + root + "\r\n", "origin"},
		{"empty origin", "\n3\n" + root + "\n", "origin"},
		{"origin with a trailing space", "actas/ve-2024 \n3\n" + root + "\n", "origin"},
		{"negative size", "actas/ve-2024\n-3\n" + root + "\n", `size "-3"`},
		{"size with a plus sign", "actas/ve-2024\n+3\n" + root + "\n", `size "+3"`},
		{"size with a leading zero", "actas/ve-2024\n03\n" + root + "\n", `size "03"`},
		{"size beyond int64", "actas/ve-2024\n9223372036854775808\n" + root + "\n", "size"},
		{"size in hex", "actas/ve-2024\n0x3\n" + root + "\n", "size"},
		{"root not base64", "actas/ve-2024\n3\nnot base64!\n", "root hash"},
		{"root of 31 bytes", "actas/ve-2024\n3\n" + base64.StdEncoding.EncodeToString(make([]byte, 31)) + "\n", "root hash"},
		{"root in URL-safe base64", "actas/ve-2024\n3\n" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)) + "\n", "root hash"},
		{"root without padding", "actas/ve-2024\n3\n" + strings.TrimRight(root, "=") + "\n", "root hash"},
		{"root with non-zero padding bits", "actas/ve-2024\n3\n" + root[:42] + "B=\n", "root hash"},
		{"too long", strings.Repeat("a", 5000) + "\n3\n" + root + "\n", "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := translog.ParseCheckpoint([]byte(tt.text))
			wantInvalid(t, err, "checkpoint", tt.want)
		})
	}
}

// TestOpenProbes corrupts a signed checkpoint: Open must refuse each and say why.
func TestOpenProbes(t *testing.T) {
	k := MustKey(t, "actas")
	sameName := MustKey(t, "actas")
	otherName := MustKey(t, "witnesses")
	_, _, _, roots := MustLog(t, 5)
	origin := translog.Origin("actas", "ve-2024")
	cp := translog.Checkpoint{Origin: origin, Size: 5, Hash: roots[4]}
	msg := string(MustSign(t, k, cp))
	body := string(cp.Body())
	sig := msg[len(body):]

	tests := []struct {
		name   string
		msg    string
		origin string
		want   string
	}{
		{"signed by another key of the same name", string(MustSign(t, sameName, cp)), origin, "checkpoint signature"},
		{"signed by another key", string(MustSign(t, otherName, cp)), origin, "checkpoint signature"},
		{"of another origin", string(MustSign(t, k, translog.Checkpoint{Origin: translog.Origin("actas", "ve-2019"), Size: 5, Hash: roots[4]})), origin, `checkpoint is of log "actas/ve-2019", not "actas/ve-2024"`},
		{"of the same election under another key name", string(MustSign(t, k, translog.Checkpoint{Origin: translog.Origin("demo", "ve-2024"), Size: 5, Hash: roots[4]})), origin, "not \"actas/ve-2024\""},
		{"tampered body: size", strings.Replace(msg, "\n5\n", "\n6\n", 1), origin, "checkpoint signature"},
		{"tampered body: size 4", strings.Replace(msg, "\n5\n", "\n4\n", 1), origin, "checkpoint signature"},
		{"tampered body: root", strings.Replace(body, body[len(body)-10:], "AAAAAAAAA\n", 1) + sig, origin, "checkpoint signature"},
		{"tampered body: origin", strings.Replace(msg, "ve-2024", "ve-2025", 1), origin, "checkpoint signature"},
		{"tampered body: an extension line added", body + "extra\n" + sig, origin, "checkpoint signature"},
		{"tampered signature", body + sig[:len(sig)-6] + flipB64(sig[len(sig)-6:]), origin, "checkpoint signature"},
		{"no signature", body, origin, "checkpoint signature"},
		{"no signature, no blank line", body + "\n", origin, "checkpoint signature"},
		{"empty", "", origin, "checkpoint signature"},
		{"a signature line but no body", sig[1:], origin, "checkpoint signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := translog.Open([]byte(tt.msg), tt.origin, k.verifier)
			wantInvalid(t, err, tt.want)
		})
	}

	t.Run("a signed note that is not a checkpoint", func(t *testing.T) {
		msg, err := note.Sign(&note.Note{Text: "actas/ve-2024\nfive\n"}, k.signer)
		if err != nil {
			t.Fatal(err)
		}
		_, err = translog.Open(msg, origin, k.verifier)
		wantInvalid(t, err, "checkpoint: want three lines")
	})

	t.Run("signed by two keys, one of them ours", func(t *testing.T) {
		both, err := note.Sign(&note.Note{Text: body}, k.signer, otherName.signer)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := translog.Open(both, origin, k.verifier); err != nil || got != cp {
			t.Fatalf("Open = %+v, %v; want %+v", got, err, cp)
		}
	})
}

// flipB64 changes the first character of a base64 text to another valid one.
func flipB64(s string) string {
	c := "A"
	if s[0] == 'A' {
		c = "B"
	}
	return c + s[1:]
}

func TestKeys(t *testing.T) {
	t.Run("VerifierKey of the signer key is the verifier key GenerateKey returned", func(t *testing.T) {
		for _, name := range []string{"actas", "observers.example.org", "Votos-2024", "ñandú"} {
			k := MustKey(t, name)
			for _, text := range []string{k.skey, k.skey + "\n", "  " + k.skey + "\r\n"} {
				got, err := translog.VerifierKey(text)
				if err != nil {
					t.Fatalf("VerifierKey(%q): %v", text, err)
				}
				if got != k.vkey {
					t.Errorf("VerifierKey = %q, GenerateKey gave %q", got, k.vkey)
				}
			}
			if k.verifier.Name() != name || k.signer.Name() != name || k.verifier.KeyHash() != k.signer.KeyHash() {
				t.Errorf("key %q: signer %s/%08x, verifier %s/%08x", name, k.signer.Name(), k.signer.KeyHash(), k.verifier.Name(), k.verifier.KeyHash())
			}
		}
	})
	t.Run("a signer key from a file with a final newline signs", func(t *testing.T) {
		k := MustKey(t, "actas")
		s, err := translog.NewSigner(k.skey + "\n")
		if err != nil {
			t.Fatal(err)
		}
		msg, err := translog.Sign(translog.Checkpoint{Origin: "actas/x", Size: 1, Hash: translog.LeafHash(nil)}, s)
		if err != nil {
			t.Fatal(err)
		}
		v, err := translog.NewVerifier(k.vkey + "\n")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := translog.Open(msg, "actas/x", v); err != nil {
			t.Fatal(err)
		}
	})

	k := MustKey(t, "actas")
	parts := strings.SplitN(k.skey, "+", 5)
	badHash := strings.Join([]string{parts[0], parts[1], parts[2], "00000000", parts[4]}, "+")
	other := MustKey(t, "actas")
	swapped := strings.Join([]string{parts[0], parts[1], parts[2], parts[3], strings.SplitN(other.skey, "+", 5)[4]}, "+")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"GenerateKey: empty name", third(translog.GenerateKey("")), "must be non-empty"},
		{"GenerateKey: a space in the name", third(translog.GenerateKey("actas log")), "without spaces"},
		{"GenerateKey: a '+' in the name", third(translog.GenerateKey("a+b")), "'+'"},
		{"VerifierKey: a verifier key", second(translog.VerifierKey(k.vkey)), "not a PRIVATE+KEY"},
		{"VerifierKey: empty", second(translog.VerifierKey("")), "not a PRIVATE+KEY"},
		{"VerifierKey: key data not base64", second(translog.VerifierKey("PRIVATE+KEY+actas+01234567+!!!")), "not an Ed25519 key"},
		{"VerifierKey: key data too short", second(translog.VerifierKey("PRIVATE+KEY+actas+01234567+AQID")), "not an Ed25519 key"},
		{"VerifierKey: its hash is another key's", second(translog.VerifierKey(badHash)), "hash does not match"},
		{"VerifierKey: its key is another key's", second(translog.VerifierKey(swapped)), "hash does not match"},
		{"NewSigner: a verifier key", second(translog.NewSigner(k.vkey)), "log signing key"},
		{"NewSigner: its hash is another key's", second(translog.NewSigner(badHash)), "log signing key"},
		{"NewVerifier: a signer key", second(translog.NewVerifier(k.skey)), "log verifier key"},
		{"NewVerifier: garbage", second(translog.NewVerifier("actas+zz+AQ")), "log verifier key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantInvalid(t, tt.err, tt.want) })
	}
}

func third[A, B any](_ A, _ B, err error) error { return err }

// checkpointSeeds are real checkpoints and near misses.
func checkpointSeeds(tb testing.TB) [][]byte {
	_, _, _, roots := MustLog(tb, 5)
	seeds := [][]byte{
		translog.Checkpoint{Origin: "actas/ve-2024", Size: 5, Hash: roots[4]}.Body(),
		translog.Checkpoint{Origin: "actas/ve-2024", Size: 0, Hash: translog.NewRecount().Root()}.Body(),
		translog.Checkpoint{Origin: "observers.example.org/mx-2018", Size: 1_050_000, Hash: roots[0]}.Body(),
		// Go's checksum database publishes the same format.
		[]byte("go.sum database tree\n31746359\nbGrBhSIWtoE+qKn1TYbH3p2HQA8Bs9POLhWtfMe4SxE=\n"),
		[]byte("actas/ve-2024\n05\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"),
		[]byte("actas/ve-2024\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextension\n"),
		[]byte("\n\n\n"),
	}
	return seeds
}

// FuzzParseCheckpoint: no panic; what parses writes back to the same
// bytes and reads the same through transparency-dev/formats/log; what does
// not parse is EINVALID; what transparency-dev reads in canonical form and
// within our limits, we read too.
func FuzzParseCheckpoint(f *testing.F) {
	for _, s := range checkpointSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := translog.ParseCheckpoint(text)
		var other fmtlog.Checkpoint
		rest, otherErr := other.Unmarshal(text)
		if err != nil {
			if code := actas.ErrorCode(err); code != actas.EINVALID {
				t.Fatalf("ParseCheckpoint(%q): code %q (%v), want EINVALID", text, code, err)
			}
			// Marshal giving back the text means a canonical size and root.
			if otherErr == nil && len(rest) == 0 && bytes.Equal(other.Marshal(), text) && len(text) <= 4096 &&
				len(other.Hash) == 32 && other.Size <= math.MaxInt64 && strings.TrimSpace(other.Origin) == other.Origin {
				t.Fatalf("ParseCheckpoint(%q) refuses a canonical checkpoint transparency-dev reads: %v", text, err)
			}
			return
		}
		if body := c.Body(); !bytes.Equal(body, text) {
			t.Fatalf("ParseCheckpoint(%q) = %+v, which writes back as %q", text, c, body)
		}
		if otherErr != nil || len(rest) != 0 || other.Origin != c.Origin || other.Size != uint64(c.Size) || !bytes.Equal(other.Hash, c.Hash[:]) {
			t.Fatalf("ParseCheckpoint(%q) = %+v; transparency-dev reads %+v, rest %q, %v", text, c, other, rest, otherErr)
		}
	})
}

// FuzzOpen: no panic, and every refusal is EINVALID; an accepted note is
// a checkpoint of the origin asked for.
func FuzzOpen(f *testing.F) {
	k := MustKey(f, "actas")
	for _, s := range checkpointSeeds(f) {
		f.Add(s)
		if c, err := translog.ParseCheckpoint(s); err == nil {
			f.Add(MustSign(f, k, c))
		}
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := translog.Open(msg, "actas/ve-2024", k.verifier)
		if err != nil {
			if code := actas.ErrorCode(err); code != actas.EINVALID {
				t.Fatalf("Open(%q): code %q (%v), want EINVALID", msg, code, err)
			}
			return
		}
		if c.Origin != "actas/ve-2024" || !bytes.HasPrefix(msg, c.Body()) {
			t.Fatalf("Open(%q) = %+v", msg, c)
		}
	})
}

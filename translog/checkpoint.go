package translog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a log's size and root hash, in the C2SP tlog-checkpoint
// format (https://c2sp.org/tlog-checkpoint): the origin line, the size in
// decimal, the root hash in base64, each ending in a newline. Signed, it is
// a signed note (golang.org/x/mod/sumdb/note).
type Checkpoint struct {
	Origin string
	Size   int64
	Hash   Hash
}

// Origin names the log of one election of the deployment whose key is
// named keyName. Checkpoints carry it on their first line, so that a
// verifier cannot be shown one election's log in place of another's.
func Origin(keyName, election string) string { return keyName + "/" + election }

// Body returns the checkpoint's text, the part that is signed.
func (c Checkpoint) Body() []byte {
	var b []byte
	b = append(b, c.Origin...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, c.Size, 10)
	b = append(b, '\n')
	b = base64.StdEncoding.AppendEncode(b, c.Hash[:])
	return append(b, '\n')
}

// ParseCheckpoint parses a checkpoint's text (not its signatures). Lines
// after the third (extension lines) are refused: actas writes none. Errors
// are EINVALID.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	if len(text) > 4096 {
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "checkpoint: %d bytes is too long", len(text))
	}
	lines := strings.Split(string(text), "\n")
	if len(lines) != 4 || lines[3] != "" {
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "checkpoint: want three lines (origin, size, root hash), each ending in a newline")
	}
	origin := lines[0]
	if origin == "" || strings.TrimSpace(origin) != origin {
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "checkpoint: origin %q is empty or has surrounding spaces", origin)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "checkpoint: size %q is not a canonical non-negative number", lines[1])
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != len(Hash{}) || base64.StdEncoding.EncodeToString(h) != lines[2] {
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "checkpoint: root hash %q is not a base64 SHA-256", lines[2])
	}
	return Checkpoint{Origin: origin, Size: size, Hash: Hash(h)}, nil
}

// Sign returns the checkpoint as a note signed by signer.
func Sign(c Checkpoint, signer note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: string(c.Body())}, signer)
	if err != nil {
		return nil, fmt.Errorf("translog: sign checkpoint: %w", err)
	}
	return msg, nil
}

// Open verifies a signed checkpoint with the log's verifier key and checks
// that it is of the log named origin (any origin when origin is ""). Errors
// are EINVALID and say what is wrong: a bad signature, another key, a
// malformed text, another log.
func Open(msg []byte, origin string, verifier note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "checkpoint signature: %v", err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if origin != "" && c.Origin != origin {
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "checkpoint is of log %q, not %q", c.Origin, origin)
	}
	return c, nil
}

// ElectionCheckpoint returns the checkpoint a signed note states for the
// log of election, without checking its signatures: a store keeps
// checkpoints without holding the key, and readers verify them. The note
// must be a well-formed signed note whose text is a checkpoint of a log
// whose origin is "<key name>/<election>". Errors: EINVALID, saying what is
// wrong.
func ElectionCheckpoint(election string, msg []byte) (Checkpoint, error) {
	var c Checkpoint
	_, err := note.Open(msg, note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		// With no known key, a well-formed signed note is unverified;
		// anything else is not a signed note.
		return c, actas.Errorf(actas.EINVALID, "checkpoint of election %s: the note is not a signed note: %v", election, err)
	}
	c, err = ParseCheckpoint([]byte(unverified.Note.Text))
	if err != nil {
		return c, err
	}
	if !strings.HasSuffix(c.Origin, "/"+election) || len(c.Origin) == len(election)+1 {
		return c, actas.Errorf(actas.EINVALID, "checkpoint of election %s: its origin %q names another log", election, c.Origin)
	}
	return c, nil
}

// GenerateKey returns a new Ed25519 signer key (secret) and its verifier
// key (public), named name: no spaces and no '+'.
func GenerateKey(name string) (signer, verifier string, err error) {
	if name == "" || strings.ContainsAny(name, "+ \t\n") {
		return "", "", actas.Errorf(actas.EINVALID, "log key name %q must be non-empty, without spaces or '+'", name)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("translog: generate key: %w", err)
	}
	return skey, vkey, nil
}

// NewSigner parses a signer key (as GenerateKey returns it).
func NewSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "log signing key: %v", err)
	}
	return s, nil
}

// NewVerifier parses a verifier key ("name+hash+key").
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "log verifier key %q: %v", vkey, err)
	}
	return v, nil
}

// VerifierKey returns the public verifier key of a signer key.
func VerifierKey(skey string) (string, error) {
	// A signer key is PRIVATE+KEY+name+hash+keydata, keydata being the
	// algorithm byte and the Ed25519 seed; the verifier key is
	// name+hash+(algorithm byte, public key).
	parts := strings.SplitN(strings.TrimSpace(skey), "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", actas.Errorf(actas.EINVALID, "log signing key: not a PRIVATE+KEY+… signer key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+32 || key[0] != 1 {
		return "", actas.Errorf(actas.EINVALID, "log signing key: not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(parts[2], pub)
	if err != nil {
		return "", actas.Errorf(actas.EINVALID, "log signing key: %v", err)
	}
	if !strings.HasPrefix(vkey, parts[2]+"+"+parts[3]+"+") {
		return "", actas.Errorf(actas.EINVALID, "log signing key: its hash does not match its key")
	}
	return vkey, nil
}

package storeutil

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/actasproject/actas"
)

// ClipName shortens a name taken from a caller for a message.
func ClipName(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// CheckStoredEvidence checks an evidence file read back from a store
// before it is served: its bytes must be what the log's entries commit to
// (their SHA-256 is name) and of the media type stored, which the portal
// may serve. A file changed with plain SQL is neither. Errors: EINTERNAL,
// saying that the database was changed behind the program's back.
func CheckStoredEvidence(election, name, mediaType string, data []byte) error {
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != name {
		return actas.Errorf(actas.EINTERNAL, "evidence file sha256:%s of election %s holds bytes whose SHA-256 is %s: the database was changed behind the program's back", name, election, got)
	}
	if t, err := actas.EvidenceType(data); err != nil || t != mediaType {
		return actas.Errorf(actas.EINTERNAL, "evidence file sha256:%s of election %s is stored as %q but its bytes are not of that type: the database was changed behind the program's back", name, election, ClipName(mediaType))
	}
	return nil
}

package translog

import (
	"errors"
	"fmt"
	"strings"

	"github.com/actasproject/actas"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// Verification uses transparency-dev/merkle, a second implementation of
// RFC 6962, rather than golang.org/x/mod/sumdb/tlog, which builds the tree:
// a bug in one cannot hide itself by agreeing with itself.

// Receipt is what the submitter of an entry keeps: the entry, its index,
// a signed checkpoint whose tree includes it and the inclusion proof. It
// verifies offline with the log's verifier key, and later (with a
// consistency proof) against any later checkpoint.
type Receipt struct {
	Index      int64    `json:"index"`
	Entry      string   `json:"entry"`      // the entry's canonical text
	Checkpoint string   `json:"checkpoint"` // a signed note
	Proof      [][]byte `json:"proof"`      // inclusion proof, base64 in JSON
}

// Verify checks the receipt: the checkpoint's signature, that it is of the
// log named origin (any when ""), that the entry is well formed and of that
// election, that it belongs at Index (a submission's seq is its index; an
// election's definition is entry 0), and that it sits at Index in the
// checkpoint's tree. Errors are EINVALID and say which check failed.
func (r *Receipt) Verify(verifier note.Verifier, origin string) (Checkpoint, error) {
	c, err := Open([]byte(r.Checkpoint), origin, verifier)
	if err != nil {
		return Checkpoint{}, err
	}
	e, err := ParseEntry([]byte(r.Entry))
	if err != nil {
		return Checkpoint{}, err
	}
	// The origin ends with the election id (see Origin): an entry of one
	// election must not pass for one of another.
	if !strings.HasSuffix(c.Origin, "/"+e.Election) {
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "the entry is of election %s, the checkpoint of log %q", e.Election, c.Origin)
	}
	switch {
	case e.Kind == KindSubmission && e.Submission.Seq != r.Index:
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "the entry is submission %d, not entry %d", e.Submission.Seq, r.Index)
	case e.Kind == KindElection && r.Index != 0:
		return Checkpoint{}, actas.Errorf(actas.EINVALID, "an election's definition is entry 0, not entry %d", r.Index)
	}
	if err := VerifyInclusion(c, r.Index, LeafHash([]byte(r.Entry)), r.Proof); err != nil {
		return Checkpoint{}, err
	}
	return c, nil
}

// VerifyInclusion checks that leaf is entry index of the checkpoint's tree.
func VerifyInclusion(c Checkpoint, index int64, leaf Hash, p [][]byte) error {
	if index < 0 || index >= c.Size {
		return actas.Errorf(actas.EINVALID, "entry %d is not in a log of %d entries", index, c.Size)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(index), uint64(c.Size), leaf[:], p, c.Hash[:]); err != nil {
		return &actas.Error{Code: actas.EINVALID, Message: fmt.Sprintf("entry %d is not in the tree of checkpoint %d: %s", index, c.Size, why(err)), Err: err}
	}
	return nil
}

// VerifyConsistency checks that the tree of checkpoint older is a prefix
// of the tree of checkpoint newer: nothing in it was changed or removed.
func VerifyConsistency(older, newer Checkpoint, p [][]byte) error {
	if older.Origin != newer.Origin {
		return actas.Errorf(actas.EINVALID, "checkpoints of different logs: %q and %q", older.Origin, newer.Origin)
	}
	if older.Size > newer.Size {
		return actas.Errorf(actas.EINVALID, "the log shrank from %d to %d entries", older.Size, newer.Size)
	}
	// transparency-dev accepts any root for size 0; an empty log has one.
	for _, c := range []Checkpoint{older, newer} {
		if c.Size == 0 && c.Hash != emptyRoot {
			return actas.Errorf(actas.EINVALID, "checkpoint of an empty log with root %x, not the empty tree's", c.Hash[:])
		}
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(older.Size), uint64(newer.Size), p, older.Hash[:], newer.Hash[:]); err != nil {
		return &actas.Error{Code: actas.EINVALID, Message: fmt.Sprintf("the log of %d entries is not a prefix of the log of %d: %s", older.Size, newer.Size, why(err)), Err: err}
	}
	return nil
}

// why says on one line why transparency-dev refused a proof (its
// RootMismatchError prints the roots as decimal byte lists over lines).
func why(err error) string {
	var m proof.RootMismatchError
	if errors.As(err, &m) {
		return fmt.Sprintf("the proof leads to root %x, not %x", m.CalculatedRoot, m.ExpectedRoot)
	}
	return err.Error()
}

var emptyRoot = Hash(rfc6962.DefaultHasher.EmptyRoot())

// Recount recomputes a log's root hash from its entries, in order, with
// compact ranges.
type Recount struct {
	r *compact.Range
}

var rangeFactory = compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// NewRecount starts a recount of a log from its first entry.
func NewRecount() *Recount { return &Recount{r: rangeFactory.NewEmptyRange(0)} }

// Append adds the next entry.
func (c *Recount) Append(entry []byte) {
	// Errors only on hashes of the wrong size, which HashLeaf never makes.
	if err := c.r.Append(rfc6962.DefaultHasher.HashLeaf(entry), nil); err != nil {
		panic(fmt.Sprintf("translog: recount: %v", err))
	}
}

// Size is the number of entries appended.
func (c *Recount) Size() int64 { return int64(c.r.End()) }

// Root returns the root hash of the entries appended so far.
func (c *Recount) Root() Hash {
	if c.r.End() == 0 {
		return emptyRoot
	}
	root, err := c.r.GetRootHash(nil)
	if err != nil {
		panic(fmt.Sprintf("translog: recount: %v", err))
	}
	return Hash(root)
}

// ProofBytes converts tlog hashes to the [][]byte proofs are exchanged as.
func ProofBytes(hs []Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

package translog_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas/translog"
)

// The probes below follow transparency-dev/merkle's proof/verify_test.go:
// a valid proof, corrupted in every way a forger or a bug could, must be
// refused. They are generated for every pair of sizes up to probeSize and
// for a few larger logs, around powers of two.
//
// A wrong size is probed as transparency-dev does, doubled and halved, not
// off by one: proof nodes are opaque hashes, so where sizes n and n±1 give
// proofs of the same shape (e.g. 255 and 256 seen from entry 0 to 63) the
// same nodes prove the same root for both sizes. That is no forgery (no
// tree of the other size has that root, short of a SHA-256 collision); it
// is why the size is signed with the root, and a checkpoint whose size was
// changed is refused by its signature (TestReceiptProbes, TestOpenProbes).

const probeSize = 64

// probeSizes returns the pairs (m, n) of sizes probed: every m <= n <=
// probeSize, and some m of each of a few larger n.
func probeSizes() [][2]int64 {
	var out [][2]int64
	for n := int64(0); n <= probeSize; n++ {
		for m := int64(0); m <= n; m++ {
			out = append(out, [2]int64{m, n})
		}
	}
	for _, n := range []int64{127, 128, 129, 255, 256, 257, maxSize} {
		for _, m := range []int64{0, 1, 2, 63, 64, 65, 100, n / 2, n - 2, n - 1, n} {
			if m <= n {
				out = append(out, [2]int64{m, n})
			}
		}
	}
	return out
}

// flip returns a copy of b with bit i of byte j flipped.
func flip(b []byte, j, bit int) []byte {
	c := bytes.Clone(b)
	c[j] ^= 1 << bit
	return c
}

func flipHash(h translog.Hash, j, bit int) translog.Hash {
	h[j] ^= 1 << bit
	return h
}

// with returns a copy of the proof, changed by f.
func with(p [][]byte, f func([][]byte) [][]byte) [][]byte {
	return f(slices.Clone(p))
}

type inclusionProbe struct {
	name  string
	cp    translog.Checkpoint
	index int64
	leaf  translog.Hash
	proof [][]byte
}

// corruptInclusion returns the ways a valid inclusion proof of leaf at
// index in cp's tree can be corrupted; other is another entry's leaf and
// smaller the root of a smaller log.
func corruptInclusion(cp translog.Checkpoint, index int64, leaf, other translog.Hash, smaller translog.Hash, p [][]byte) []inclusionProbe {
	at := func(name string, c translog.Checkpoint, i int64, l translog.Hash, q [][]byte) inclusionProbe {
		return inclusionProbe{name, c, i, l, q}
	}
	resize := func(n int64) translog.Checkpoint { c := cp; c.Size = n; return c }
	reroot := func(h translog.Hash) translog.Checkpoint { c := cp; c.Hash = h; return c }
	empty := translog.Hash(translog.NewRecount().Root())
	probes := []inclusionProbe{
		at("wrong index: index+1", cp, index+1, leaf, p),
		at("wrong index: index^2", cp, index^2, leaf, p),
		at("wrong index: past the end", cp, cp.Size, leaf, p),
		at("wrong index: negative", cp, -1, leaf, p),
		at("wrong size: size*2", resize(cp.Size*2), index, leaf, p),
		at("wrong size: size/2", resize(cp.Size/2), index, leaf, p),
		at("wrong leaf: another entry's", cp, index, other, p),
		at("wrong leaf: a flipped bit", cp, index, flipHash(leaf, 31, 0), p),
		at("swapped root: the empty tree's", reroot(empty), index, leaf, p),
		at("swapped root: a smaller log's", reroot(smaller), index, leaf, p),
		at("swapped root: a flipped bit", reroot(flipHash(cp.Hash, 0, 7)), index, leaf, p),
		at("extra node at the end: the root", cp, index, leaf, with(p, func(q [][]byte) [][]byte { return append(q, cp.Hash[:]) })),
		at("extra node at the end: empty", cp, index, leaf, with(p, func(q [][]byte) [][]byte { return append(q, []byte{}) })),
		at("extra node at the front: the leaf", cp, index, leaf, with(p, func(q [][]byte) [][]byte { return slices.Insert(q, 0, leaf[:]) })),
	}
	if index > 0 {
		probes = append(probes, at("wrong index: index-1", cp, index-1, leaf, p))
	}
	for i := range p {
		probes = append(probes,
			at(fmt.Sprintf("flipped bit: node %d, first byte", i), cp, index, leaf, with(p, func(q [][]byte) [][]byte { q[i] = flip(q[i], 0, 3); return q })),
			at(fmt.Sprintf("flipped bit: node %d, last byte", i), cp, index, leaf, with(p, func(q [][]byte) [][]byte { q[i] = flip(q[i], 31, 0); return q })),
			at(fmt.Sprintf("node %d cut to 31 bytes", i), cp, index, leaf, with(p, func(q [][]byte) [][]byte { q[i] = q[i][:31]; return q })),
			at(fmt.Sprintf("dropped node %d", i), cp, index, leaf, with(p, func(q [][]byte) [][]byte { return slices.Delete(q, i, i+1) })),
			at(fmt.Sprintf("extra node after node %d: a copy", i), cp, index, leaf, with(p, func(q [][]byte) [][]byte { return slices.Insert(q, i, q[i]) })),
		)
	}
	if len(p) > 1 && !bytes.Equal(p[0], p[1]) {
		probes = append(probes, at("nodes 0 and 1 swapped", cp, index, leaf, with(p, func(q [][]byte) [][]byte { q[0], q[1] = q[1], q[0]; return q })))
	}
	return probes
}

func TestInclusionProbes(t *testing.T) {
	s, entries, _, roots := MustLog(t, maxSize)
	checked := 0
	for _, mn := range probeSizes() {
		index, n := mn[0], mn[1]
		if index >= n {
			continue
		}
		cp := translog.Checkpoint{Origin: "test/log", Size: n, Hash: roots[n-1]}
		p, err := translog.ProveInclusion(n, index, s)
		if err != nil {
			t.Fatal(err)
		}
		proof := translog.ProofBytes(p)
		leaf := translog.LeafHash(entries[index])
		if err := translog.VerifyInclusion(cp, index, leaf, proof); err != nil {
			t.Fatalf("entry %d in a log of %d: the valid proof is refused: %v", index, n, err)
		}
		other := translog.LeafHash(entries[(index+1)%maxSize])
		smaller := translog.NewRecount().Root()
		if n > 1 {
			smaller = roots[n-2]
		}
		for _, pr := range corruptInclusion(cp, index, leaf, other, smaller, proof) {
			err := translog.VerifyInclusion(pr.cp, pr.index, pr.leaf, pr.proof)
			if problem := notInvalid(err, fmt.Sprintf("entry %d is not in", pr.index)); problem != "" {
				t.Errorf("entry %d in a log of %d, %s: %s", index, n, pr.name, problem)
			}
			checked++
		}
	}
	t.Logf("%d corrupted inclusion proofs refused", checked)
}

type consistencyProbe struct {
	name         string
	older, newer translog.Checkpoint
	proof        [][]byte
}

func corruptConsistency(older, newer translog.Checkpoint, p [][]byte) []consistencyProbe {
	at := func(name string, o, n translog.Checkpoint, q [][]byte) consistencyProbe {
		return consistencyProbe{name, o, n, q}
	}
	resize := func(c translog.Checkpoint, n int64) translog.Checkpoint { c.Size = n; return c }
	reroot := func(c translog.Checkpoint, h translog.Hash) translog.Checkpoint { c.Hash = h; return c }
	other := newer
	other.Origin = "test/another-log"
	probes := []consistencyProbe{
		at("wrong older size: +1", resize(older, older.Size+1), newer, p),
		at("wrong older size: ^2", resize(older, older.Size^2), newer, p),
		at("swapped root: older's flipped", reroot(older, flipHash(older.Hash, 0, 1)), newer, p),
		at("extra node at the end: older's root", older, newer, with(p, func(q [][]byte) [][]byte { return append(q, older.Hash[:]) })),
		at("extra node at the end: newer's root", older, newer, with(p, func(q [][]byte) [][]byte { return append(q, newer.Hash[:]) })),
		at("extra node at the front: older's root", older, newer, with(p, func(q [][]byte) [][]byte { return slices.Insert(q, 0, older.Hash[:]) })),
		at("extra node at the front: empty", older, newer, with(p, func(q [][]byte) [][]byte { return slices.Insert(q, 0, []byte{}) })),
		at("checkpoints of another log", older, other, p),
	}
	if older.Size > 0 {
		// Every tree extends the empty one: from size 0, nothing about the
		// newer tree is checked, and the proof is empty.
		probes = append(probes,
			at("wrong older size: -1", resize(older, older.Size-1), newer, p),
			at("wrong newer size: *2", older, resize(newer, newer.Size*2), p),
			at("wrong newer size: /2", older, resize(newer, newer.Size/2), p),
			at("swapped root: newer's flipped", older, reroot(newer, flipHash(newer.Hash, 31, 6)), p),
		)
	}
	if older.Hash != newer.Hash {
		probes = append(probes, at("swapped roots", reroot(older, newer.Hash), reroot(newer, older.Hash), p))
	}
	if older.Size != newer.Size {
		probes = append(probes, at("older larger than newer", newer, older, p))
	}
	if len(p) > 0 {
		probes = append(probes, at("empty proof", older, newer, nil))
	}
	for i := range p {
		probes = append(probes,
			at(fmt.Sprintf("flipped bit: node %d, first byte", i), older, newer, with(p, func(q [][]byte) [][]byte { q[i] = flip(q[i], 0, 4); return q })),
			at(fmt.Sprintf("flipped bit: node %d, last byte", i), older, newer, with(p, func(q [][]byte) [][]byte { q[i] = flip(q[i], 31, 0); return q })),
			at(fmt.Sprintf("dropped node %d", i), older, newer, with(p, func(q [][]byte) [][]byte { return slices.Delete(q, i, i+1) })),
			at(fmt.Sprintf("extra node after node %d: a copy", i), older, newer, with(p, func(q [][]byte) [][]byte { return slices.Insert(q, i, q[i]) })),
		)
	}
	return probes
}

func TestConsistencyProbes(t *testing.T) {
	s, _, _, roots := MustLog(t, maxSize)
	rootOf := func(n int64) translog.Hash {
		if n == 0 {
			return translog.NewRecount().Root()
		}
		return roots[n-1]
	}
	checked := 0
	for _, mn := range probeSizes() {
		m, n := mn[0], mn[1]
		older := translog.Checkpoint{Origin: "test/log", Size: m, Hash: rootOf(m)}
		newer := translog.Checkpoint{Origin: "test/log", Size: n, Hash: rootOf(n)}
		p, err := translog.ProveConsistency(n, m, s)
		if err != nil {
			t.Fatal(err)
		}
		proof := translog.ProofBytes(p)
		if err := translog.VerifyConsistency(older, newer, proof); err != nil {
			t.Fatalf("log of %d as a prefix of %d: the valid proof is refused: %v", m, n, err)
		}
		for _, pr := range corruptConsistency(older, newer, proof) {
			err := translog.VerifyConsistency(pr.older, pr.newer, pr.proof)
			if problem := notInvalid(err, "log"); problem != "" {
				t.Errorf("log of %d as a prefix of %d, %s: %s", m, n, pr.name, problem)
			}
			checked++
		}
	}
	t.Logf("%d corrupted consistency proofs refused", checked)
}

// receiptLog is a real log of five entries with a receipt for entry 1 (the
// first sheet) against the checkpoint of the first three entries, and a
// checkpoint of all five.
type receiptLog struct {
	key     testKey
	origin  string
	store   *memStore
	entries [][]byte
	receipt translog.Receipt
	later   []byte // signed checkpoint of size 5
}

func MustReceiptLog(tb testing.TB) *receiptLog {
	tb.Helper()
	l := &receiptLog{key: MustKey(tb, "actas"), origin: translog.Origin("actas", "ve-2024"), store: &memStore{}, entries: veLog(tb)}
	_, roots := MustAppend(tb, l.store, l.entries[:3])
	cp := MustSign(tb, l.key, translog.Checkpoint{Origin: l.origin, Size: 3, Hash: roots[2]})
	l.receipt = MustReceipt(tb, l.store, cp, 3, 1, l.entries[1])
	_, roots = MustAppend(tb, l.store, l.entries[3:])
	l.later = MustSign(tb, l.key, translog.Checkpoint{Origin: l.origin, Size: 5, Hash: roots[1]})
	return l
}

// MustReceipt makes the receipt of entry index against the signed
// checkpoint cp of a log of size entries.
func MustReceipt(tb testing.TB, s *memStore, cp []byte, size, index int64, entry []byte) translog.Receipt {
	tb.Helper()
	p, err := translog.ProveInclusion(size, index, s)
	if err != nil {
		tb.Fatal(err)
	}
	return translog.Receipt{Index: index, Entry: string(entry), Checkpoint: string(cp), Proof: translog.ProofBytes(p)}
}

func TestReceipt(t *testing.T) {
	l := MustReceiptLog(t)

	t.Run("verifies after a JSON round trip", func(t *testing.T) {
		b, err := json.Marshal(l.receipt)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{`"index":1`, `"entry":"actas-log-entry v1\n`, `"checkpoint":"actas/ve-2024\n3\n`, `"proof":["`} {
			if !strings.Contains(string(b), key) {
				t.Errorf("receipt JSON %s does not contain %s", b, key)
			}
		}
		var r translog.Receipt
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		cp, err := r.Verify(l.key.verifier, l.origin)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if cp.Size != 3 || cp.Origin != l.origin {
			t.Errorf("Verify returned checkpoint %+v, want size 3 of %s", cp, l.origin)
		}
		if _, err := r.Verify(l.key.verifier, ""); err != nil {
			t.Errorf("Verify of any origin: %v", err)
		}
	})

	t.Run("still verifies against a later checkpoint", func(t *testing.T) {
		cp, err := l.receipt.Verify(l.key.verifier, l.origin)
		if err != nil {
			t.Fatal(err)
		}
		later, err := translog.Open(l.later, l.origin, l.key.verifier)
		if err != nil {
			t.Fatal(err)
		}
		p, err := translog.ProveConsistency(later.Size, cp.Size, l.store)
		if err != nil {
			t.Fatal(err)
		}
		if err := translog.VerifyConsistency(cp, later, translog.ProofBytes(p)); err != nil {
			t.Fatalf("the receipt's checkpoint is not a prefix of the later one: %v", err)
		}
		// And the entry is in the later tree too.
		renewed := MustReceipt(t, l.store, l.later, later.Size, l.receipt.Index, []byte(l.receipt.Entry))
		if _, err := renewed.Verify(l.key.verifier, l.origin); err != nil {
			t.Fatalf("the receipt renewed against the later checkpoint: %v", err)
		}
	})

	t.Run("a forked log is not consistent with the receipt", func(t *testing.T) {
		// The same first entry, then the sheet with one vote moved from
		// González to Maduro: what the log must never be able to hide.
		forged := slices.Clone(l.entries)
		forged[1] = bytes.Replace(forged[1], []byte("votes 232 120 "), []byte("votes 231 121 "), 1)
		fork := &memStore{}
		_, roots := MustAppend(t, fork, forged)
		cp, err := l.receipt.Verify(l.key.verifier, l.origin)
		if err != nil {
			t.Fatal(err)
		}
		forkedCp := translog.Checkpoint{Origin: l.origin, Size: 5, Hash: roots[4]}
		p, err := translog.ProveConsistency(5, 3, fork)
		if err != nil {
			t.Fatal(err)
		}
		wantInvalid(t, translog.VerifyConsistency(cp, forkedCp, translog.ProofBytes(p)), "log of 3 entries is not a prefix of the log of 5")
	})
}

func TestReceiptProbes(t *testing.T) {
	l := MustReceiptLog(t)
	other := MustKey(t, "actas")
	otherName := MustKey(t, "someone-else")
	_, roots := MustAppend(t, &memStore{}, l.entries[:3])
	root3 := roots[2]

	anotherElection := strings.Replace(l.receipt.Entry, "election ve-2024\n", "election ve-2019\n", 1)
	tests := []struct {
		name   string
		change func(r *translog.Receipt)
		origin string
		want   []string
	}{
		{"modified entry: one vote more for González", func(r *translog.Receipt) {
			r.Entry = strings.Replace(r.Entry, "votes 232 ", "votes 233 ", 1)
		}, l.origin, []string{"entry 1 is not in the tree of checkpoint 3"}},
		{"modified entry: voters stated", func(r *translog.Receipt) {
			r.Entry = strings.Replace(r.Entry, "voters -\n", "voters 364\n", 1)
		}, l.origin, []string{"entry 1 is not in the tree"}},
		{"modified entry: not in canonical form", func(r *translog.Receipt) {
			r.Entry = strings.Replace(r.Entry, "14:03:27Z", "14:03:27.000Z", 1)
		}, l.origin, []string{"line 17 is not in canonical form"}},
		{"modified entry: not an entry", func(r *translog.Receipt) { r.Entry = "" }, l.origin, []string{"line 1", "not an actas log entry"}},
		{"entry of another election", func(r *translog.Receipt) { r.Entry = anotherElection }, l.origin, []string{"election ve-2019", `"actas/ve-2024"`}},
		{"wrong index", func(r *translog.Receipt) { r.Index = 2 }, l.origin, []string{"submission 1, not entry 2"}},
		{"wrong index past the checkpoint", func(r *translog.Receipt) {
			r.Entry = strings.Replace(r.Entry, "seq 1\n", "seq 3\n", 1)
			r.Index = 3
		}, l.origin, []string{"entry 3 is not in a log of 3 entries"}},
		{"flipped bit in the proof", func(r *translog.Receipt) { r.Proof[0] = flip(r.Proof[0], 5, 2) }, l.origin, []string{"entry 1 is not in the tree of checkpoint 3"}},
		{"dropped proof node", func(r *translog.Receipt) { r.Proof = r.Proof[1:] }, l.origin, []string{"entry 1 is not in the tree"}},
		{"extra proof node", func(r *translog.Receipt) { r.Proof = append(r.Proof, root3[:]) }, l.origin, []string{"entry 1 is not in the tree"}},
		{"no proof", func(r *translog.Receipt) { r.Proof = nil }, l.origin, []string{"entry 1 is not in the tree"}},
		{"checkpoint of another log", func(r *translog.Receipt) {
			r.Checkpoint = string(MustSign(t, l.key, translog.Checkpoint{Origin: "actas/ve-2019", Size: 3, Hash: root3}))
		}, l.origin, []string{`checkpoint is of log "actas/ve-2019", not "actas/ve-2024"`}},
		{"checkpoint signed by another key of the same name", func(r *translog.Receipt) {
			r.Checkpoint = string(MustSign(t, other, translog.Checkpoint{Origin: l.origin, Size: 3, Hash: root3}))
		}, l.origin, []string{"checkpoint signature"}},
		{"checkpoint signed by another key", func(r *translog.Receipt) {
			r.Checkpoint = string(MustSign(t, otherName, translog.Checkpoint{Origin: l.origin, Size: 3, Hash: root3}))
		}, l.origin, []string{"checkpoint signature"}},
		{"checkpoint with its size changed", func(r *translog.Receipt) {
			r.Checkpoint = strings.Replace(r.Checkpoint, "\n3\n", "\n4\n", 1)
		}, l.origin, []string{"checkpoint signature"}},
		{"checkpoint without its signature", func(r *translog.Receipt) {
			r.Checkpoint = r.Checkpoint[:strings.Index(r.Checkpoint, "\n\n")+2]
		}, l.origin, []string{"checkpoint signature"}},
		{"checkpoint of the log before the entry", func(r *translog.Receipt) {
			_, roots := MustAppend(t, &memStore{}, l.entries[:1])
			r.Checkpoint = string(MustSign(t, l.key, translog.Checkpoint{Origin: l.origin, Size: 1, Hash: roots[0]}))
		}, l.origin, []string{"entry 1 is not in a log of 1 entries"}},
		{"the election's definition at another index", func(r *translog.Receipt) {
			r.Entry = string(l.entries[0])
		}, l.origin, []string{"election's definition is entry 0, not entry 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := l.receipt
			r.Proof = slices.Clone(r.Proof)
			tt.change(&r)
			_, err := r.Verify(l.key.verifier, tt.origin)
			wantInvalid(t, err, tt.want...)
		})
	}
}

// FuzzReceipt reads a receipt file as `actas log check-receipt` would: no
// panic, every refusal EINVALID, and what verifies is the log's entry.
func FuzzReceipt(f *testing.F) {
	l := MustReceiptLog(f)
	good, err := json.Marshal(l.receipt)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"index":1,"entry":"","checkpoint":"","proof":null}`))
	f.Add([]byte(`{"index":-1,"proof":["AA=="]}`))
	f.Add(bytes.Replace(good, []byte(`"index":1`), []byte(`"index":2`), 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r translog.Receipt
		if json.Unmarshal(b, &r) != nil {
			return
		}
		cp, err := r.Verify(l.key.verifier, l.origin)
		if err != nil {
			if problem := notInvalid(err); problem != "" {
				t.Fatalf("Verify(%s): %s", b, problem)
			}
			return
		}
		// Only a real entry of the log at its index can verify.
		if r.Index < 0 || r.Index >= int64(len(l.entries)) || r.Entry != string(l.entries[r.Index]) || cp.Origin != l.origin {
			t.Fatalf("Verify(%s) accepted entry %d %q", b, r.Index, r.Entry)
		}
	})
}

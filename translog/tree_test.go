package translog_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// Known answers from github.com/transparency-dev/merkle v0.0.2:
// testonly/constants.go (LeafInputs, NodeHashes, RootHashes) and the proof
// vectors of proof/verify_test.go (inclusionProofs, consistencyProofs), the
// RFC 6962 test vectors that Certificate Transparency implementations share.
// They are copied, not imported, so that a change in that module cannot
// change what we expect.
var (
	katLeaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}

	// katLeafHashes are NodeHashes()[0]: SHA-256(0x00 || leaf).
	katLeafHashes = []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
		"07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
		"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		"46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
	}

	// katRoots[n] is RootHashes()[n], the root of the first n leaves.
	katRoots = []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}

	// katInclusion: proofs of entry index (0-based; the source counts
	// leaves from 1) in the tree of size.
	katInclusion = []struct {
		index, size int64
		proof       []string
	}{
		{0, 8, []string{
			"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
		}},
		{5, 8, []string{
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		}},
		{2, 3, []string{
			"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		}},
		{1, 5, []string{
			"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		}},
	}

	// katConsistency: proofs that the tree of size older is a prefix of
	// the tree of size newer.
	katConsistency = []struct {
		older, newer int64
		proof        []string
	}{
		{1, 1, nil},
		{1, 8, []string{
			"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
		}},
		{6, 8, []string{
			"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		}},
		{2, 5, []string{
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		}},
		{6, 7, []string{
			"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		}},
	}
)

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func katEntries(tb testing.TB) [][]byte {
	tb.Helper()
	out := make([][]byte, len(katLeaves))
	for i, l := range katLeaves {
		out[i] = mustHex(tb, l)
	}
	return out
}

func hexHashes(hs []translog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

func TestKnownAnswers(t *testing.T) {
	entries := katEntries(t)
	for i, e := range entries {
		if got := translog.LeafHash(e); hex.EncodeToString(got[:]) != katLeafHashes[i] {
			t.Errorf("leaf hash of entry %d = %x, want %s", i, got, katLeafHashes[i])
		}
	}

	t.Run("roots of sizes 0 to 8 through the Appender", func(t *testing.T) {
		s := &memStore{}
		root, err := translog.NewAppender(0, s).Root()
		if err != nil || hex.EncodeToString(root[:]) != katRoots[0] {
			t.Fatalf("root of the empty log = %x, %v; want %s", root, err, katRoots[0])
		}
		_, roots := MustAppend(t, s, entries)
		for n := 1; n <= len(entries); n++ {
			if got := hex.EncodeToString(roots[n-1][:]); got != katRoots[n] {
				t.Errorf("size %d: Appender.Root = %s, want %s", n, got, katRoots[n])
			}
			if got, err := translog.TreeHash(int64(n), s); err != nil || hex.EncodeToString(got[:]) != katRoots[n] {
				t.Errorf("size %d: TreeHash from the stored hashes = %x, %v; want %s", n, got, err, katRoots[n])
			}
		}
	})

	t.Run("roots of sizes 0 to 8 through Recount", func(t *testing.T) {
		c := translog.NewRecount()
		for n := 0; n <= len(entries); n++ {
			if n > 0 {
				c.Append(entries[n-1])
			}
			if got := c.Root(); hex.EncodeToString(got[:]) != katRoots[n] || c.Size() != int64(n) {
				t.Errorf("size %d: Recount.Root = %x (size %d), want %s", n, got, c.Size(), katRoots[n])
			}
		}
	})

	t.Run("appending one entry per batch", func(t *testing.T) {
		s := &memStore{}
		for n, e := range entries {
			_, roots := MustAppend(t, s, [][]byte{e})
			if got := hex.EncodeToString(roots[0][:]); got != katRoots[n+1] {
				t.Errorf("size %d: root = %s, want %s", n+1, got, katRoots[n+1])
			}
		}
	})

	s := &memStore{}
	MustAppend(t, s, entries)
	for _, v := range katInclusion {
		t.Run(fmt.Sprintf("inclusion proof of entry %d in a log of %d", v.index, v.size), func(t *testing.T) {
			p, err := translog.ProveInclusion(v.size, v.index, s)
			if err != nil {
				t.Fatal(err)
			}
			if got := hexHashes(p); !slices.Equal(got, v.proof) {
				t.Errorf("proof\n%q\nwant\n%q", got, v.proof)
			}
		})
	}
	for _, v := range katConsistency {
		t.Run(fmt.Sprintf("consistency proof from %d to %d entries", v.older, v.newer), func(t *testing.T) {
			p, err := translog.ProveConsistency(v.newer, v.older, s)
			if err != nil {
				t.Fatal(err)
			}
			if got := hexHashes(p); !slices.Equal(got, v.proof) {
				t.Errorf("proof\n%q\nwant\n%q", got, v.proof)
			}
		})
	}
}

// maxSize is the largest log whose every pair of sizes is proved.
const maxSize = 300

// TestProofsEverySize proves, for every pair of sizes m <= n <= 300, every
// entry's inclusion and every prefix's consistency from the hashes the
// Appender stored, and checks each proof with transparency-dev/merkle.
func TestProofsEverySize(t *testing.T) {
	s, entries, _, roots := MustLog(t, maxSize)
	rootOf := func(n int64) translog.Hash {
		if n == 0 {
			return translog.Hash(mustHex(t, katRoots[0]))
		}
		return roots[n-1]
	}

	c := translog.NewRecount()
	for n := int64(0); n <= maxSize; n++ {
		if n > 0 {
			c.Append(entries[n-1])
		}
		root := rootOf(n)
		if got := c.Root(); got != root {
			t.Fatalf("log of %d entries: Recount.Root %x, Appender.Root %x", n, got, root)
		}
		if got, err := tlog.TreeHash(n, s); err != nil || got != root {
			t.Fatalf("log of %d entries: tlog.TreeHash %x (%v), Appender.Root %x", n, got, err, root)
		}
		if got, err := translog.NewAppender(n, s).Root(); err != nil || got != root {
			t.Fatalf("log of %d entries: root of a new Appender over the stored hashes %x (%v), want %x", n, got, err, root)
		}
		cp := translog.Checkpoint{Origin: "test/log", Size: n, Hash: root}
		for i := int64(0); i < n; i++ {
			p, err := translog.ProveInclusion(n, i, s)
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", n, i, err)
			}
			if err := translog.VerifyInclusion(cp, i, translog.LeafHash(entries[i]), translog.ProofBytes(p)); err != nil {
				t.Fatalf("entry %d in a log of %d: %v", i, n, err)
			}
		}
		for m := int64(0); m <= n; m++ {
			p, err := translog.ProveConsistency(n, m, s)
			if err != nil {
				t.Fatalf("ProveConsistency(%d, %d): %v", n, m, err)
			}
			older := translog.Checkpoint{Origin: "test/log", Size: m, Hash: rootOf(m)}
			if err := translog.VerifyConsistency(older, cp, translog.ProofBytes(p)); err != nil {
				t.Fatalf("log of %d entries as a prefix of %d: %v", m, n, err)
			}
		}
	}
}

func TestAppendInBatches(t *testing.T) {
	whole, entries, wantHashes, wantRoots := MustLog(t, maxSize)
	random := rand.New(rand.NewPCG(1, 2))
	var randomSplit []int
	for left := maxSize; left > 0; {
		n := min(1+random.IntN(40), left)
		randomSplit = append(randomSplit, n)
		left -= n
	}
	tests := []struct {
		name    string
		batches []int // sizes; what is left goes in a last batch
	}{
		{"one entry per batch", slices.Repeat([]int{1}, maxSize)},
		{"the election alone, then the rest", []int{1}},
		{"batches of 7", slices.Repeat([]int{7}, maxSize/7)},
		{"batches ending at powers of two", []int{1, 1, 2, 4, 8, 16, 32, 64, 128}},
		{"batches ending just after powers of two", []int{2, 1, 2, 4, 8, 16, 32, 64, 128}},
		{"a batch ending on a 256-hash page boundary", []int{128, 128}},
		{"Fibonacci batches", []int{1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89}},
		{"random batches", randomSplit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &memStore{}
			var hashes [][]translog.Hash
			var roots []translog.Hash
			done := 0
			for _, n := range append(tt.batches, maxSize) {
				n = min(n, maxSize-done)
				if n == 0 {
					continue
				}
				hs, rs := MustAppend(t, s, entries[done:done+n])
				hashes, roots = append(hashes, hs...), append(roots, rs...)
				done += n
			}
			if done != maxSize {
				t.Fatalf("appended %d entries, want %d", done, maxSize)
			}
			for i := range hashes {
				if !slices.Equal(hashes[i], wantHashes[i]) {
					t.Fatalf("entry %d: hashes %x, in one batch %x", i, hashes[i], wantHashes[i])
				}
				if roots[i] != wantRoots[i] {
					t.Fatalf("log of %d entries: root %x, in one batch %x", i+1, roots[i], wantRoots[i])
				}
			}
			if !slices.Equal(s.hashes, whole.hashes) {
				t.Fatal("stored hashes differ from those of one batch")
			}
		})
	}
}

func TestHashOwner(t *testing.T) {
	s, _, hashes, _ := MustLog(t, maxSize)
	for idx := int64(0); idx < int64(len(s.hashes)); idx++ {
		entry, off := translog.HashOwner(idx)
		if entry < 0 || entry >= maxSize || off < 0 || off >= len(hashes[entry]) {
			t.Fatalf("HashOwner(%d) = entry %d, offset %d: not a hash the log stored", idx, entry, off)
		}
		if hashes[entry][off] != s.hashes[idx] {
			t.Fatalf("HashOwner(%d) = entry %d, offset %d: that hash is %x, the stored one %x", idx, entry, off, hashes[entry][off], s.hashes[idx])
		}
		if got := tlog.StoredHashIndex(0, entry) + int64(off); got != idx {
			t.Fatalf("HashOwner(%d) = entry %d, offset %d, which is stored at %d", idx, entry, off, got)
		}
	}
	for n := int64(0); n <= maxSize; n++ {
		if got, want := translog.StoredHashCount(n), tlog.StoredHashIndex(0, n); got != want {
			t.Errorf("StoredHashCount(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestAppenderStoreErrors(t *testing.T) {
	t.Run("a failing store fails the append, naming the entry", func(t *testing.T) {
		a := translog.NewAppender(3, errStore{errDisk})
		// Entry 3 completes nodes with entries 0-2, which are in the store.
		_, err := a.Append([]byte("x"))
		if !errors.Is(err, errDisk) {
			t.Fatalf("Append: %v, want the store's error", err)
		}
		if a.Size() != 3 {
			t.Errorf("Size() = %d after a failed append, want 3", a.Size())
		}
		if !bytes.Contains([]byte(err.Error()), []byte("entry 3")) {
			t.Errorf("error %q does not name entry 3", err)
		}
	})
	t.Run("a store returning too few hashes", func(t *testing.T) {
		short := tlog.HashReaderFunc(func([]int64) ([]tlog.Hash, error) { return nil, nil })
		if _, err := translog.NewAppender(3, short).Append([]byte("x")); err == nil {
			t.Fatal("Append accepted a store that returned no hashes")
		}
	})
	t.Run("a batch from an empty log never reads the store", func(t *testing.T) {
		a := translog.NewAppender(0, errStore{errDisk})
		for i, e := range testEntries(1000) {
			if _, err := a.Append(e); err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
		}
		if _, err := a.Root(); err != nil {
			t.Fatalf("Root: %v", err)
		}
	})
}

func TestProveRefusesImpossibleSizes(t *testing.T) {
	s, _, _, _ := MustLog(t, 10)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"inclusion of an entry past the end", second(translog.ProveInclusion(10, 10, s)), "entry 10 is not in a log of 10 entries"},
		{"inclusion of a negative entry", second(translog.ProveInclusion(10, -1, s)), "entry -1"},
		{"inclusion in an empty log", second(translog.ProveInclusion(0, 0, s)), "not in a log of 0"},
		{"consistency with a larger log", second(translog.ProveConsistency(5, 6, s)), "log of 6 entries cannot be a prefix of a log of 5"},
		{"consistency from a negative size", second(translog.ProveConsistency(5, -1, s)), "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantInvalid(t, tt.err, tt.want) })
	}

	t.Run("consistency from the empty log is an empty proof", func(t *testing.T) {
		for _, n := range []int64{0, 1, 10} {
			p, err := translog.ProveConsistency(n, 0, s)
			if err != nil || len(p) != 0 {
				t.Errorf("ProveConsistency(%d, 0) = %x, %v; want no nodes", n, p, err)
			}
		}
	})
	t.Run("a store's error keeps its code", func(t *testing.T) {
		_, err := translog.ProveInclusion(20, 3, s)
		if actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("inclusion in a log larger than stored: %v, want the store's EINVALID", err)
		}
		_, err = translog.ProveConsistency(20, 3, s)
		if actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("consistency with a log larger than stored: %v, want the store's EINVALID", err)
		}
		if _, err := translog.ProveConsistency(8, 3, errStore{errDisk}); !errors.Is(err, errDisk) {
			t.Errorf("consistency from a failing store: %v, want its error", err)
		}
	})
}

func second[T any](_ T, err error) error { return err }

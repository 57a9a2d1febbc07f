package storeutil

import (
	"math"

	"github.com/actasproject/actas"
)

// SheetKey names what a source states about one station and contest; a key
// has one digest per distinct set of numbers stated. It packs the station's
// number in its store (40 bits), the contest's position (16) and the
// source's index in actas.Sources (8) in one word: maps of a million keys
// are faster with integer keys.
type SheetKey uint64

// MakeKey returns the key of a station, contest and source.
func MakeKey(station int64, contest int32, source uint8) SheetKey {
	return SheetKey(uint64(station)<<24 | uint64(contest)<<8 | uint64(source))
}

func (k SheetKey) Station() int64 { return int64(k >> 24) }
func (k SheetKey) Contest() int32 { return int32(k >> 8 & 0xffff) }
func (k SheetKey) Source() uint8  { return uint8(k) }

// Known is what a batch of submissions knows of the digests stated per
// key: its own (Digests, one per submission) and those stored before it
// (AddPrior), from which Decide sets each submission's outcome. A digest is
// named by a ref: an index ≥ 0 into Digests, or -1-i for the i-th prior.
type Known struct {
	Digests  [][32]byte
	prior    [][32]byte
	priorSeq []int64
	first    firstRefs
	more     map[SheetKey][]int32 // further known digests: rare, a source changing its numbers
}

// NewKnown returns a Known of a batch whose digests are digests, keeping the
// first digest of each key in a map.
func NewKnown(digests [][32]byte) *Known {
	return &Known{Digests: digests, first: firstRefs{m: make(map[SheetKey]int32, len(digests))}}
}

// NewKnownTable is NewKnown for a batch naming many of an election's
// stations, numbered from 0 to stations-1: the first digest of each key is
// kept in a table by station and by the contest and source pairs the batch
// names (present: a bit per source, per contest), a lookup per sheet
// instead of a hash map's, which was a third of the time a million-sheet
// import spent deciding. Keys outside the table go to a map.
func NewKnownTable(digests [][32]byte, stations int64, present []uint32) *Known {
	k := &Known{Digests: digests}
	k.first.tabulate(stations, present)
	return k
}

// AddPrior records the digest of a submission stored before the batch,
// with its log index.
func (k *Known) AddPrior(key SheetKey, digest [32]byte, seq int64) {
	k.prior = append(k.prior, digest)
	k.priorSeq = append(k.priorSeq, seq)
	k.know(key, int32(-len(k.prior)))
}

// Decide sets the outcome of each of the batch's n submissions, whose keys
// key gives, in order: New for a key not known, Present for a digest known
// for its key (and for skip[i], when skip is not nil: nothing to store),
// Differing for another. It returns the indexes of those to store (not
// Present), in the order they enter the log.
func (k *Known) Decide(n int, key func(i int) SheetKey, skip []bool, outcomes []actas.Outcome) []int32 {
	order := make([]int32, 0, n)
	for i := range n {
		if skip != nil && skip[i] {
			outcomes[i] = actas.Present
			continue
		}
		sk := key(i)
		switch first, ok := k.first.get(sk); {
		case !ok:
			k.first.set(sk, int32(i))
			outcomes[i] = actas.New
		case k.has(sk, first, &k.Digests[i]):
			outcomes[i] = actas.Present
		default:
			k.know(sk, int32(i))
			outcomes[i] = actas.Differing
		}
		if outcomes[i] != actas.Present {
			order = append(order, int32(i))
		}
	}
	return order
}

// Answer returns the log index of the entry that made submission i, of key
// key, Present: the stored submission stating the same numbers, before the
// batch or in it (seqOf gives the log index of each one the batch stores).
// It reports false when there is none, which Decide never leaves.
func (k *Known) Answer(key SheetKey, i int, seqOf map[int32]int64) (int64, bool) {
	first, ok := k.first.get(key)
	if !ok {
		return 0, false
	}
	ref, ok := k.find(key, first, &k.Digests[i])
	if !ok {
		return 0, false
	}
	if ref < 0 {
		return k.priorSeq[-1-ref], true
	}
	seq, ok := seqOf[ref]
	return seq, ok
}

// digest returns the digest ref r names.
func (k *Known) digest(r int32) *[32]byte {
	if r >= 0 {
		return &k.Digests[r]
	}
	return &k.prior[-1-r]
}

// has reports whether key sk has digest d among its known ones, the first
// of which is first.
func (k *Known) has(sk SheetKey, first int32, d *[32]byte) bool {
	_, ok := k.find(sk, first, d)
	return ok
}

// find returns the known digest ref of key sk that is d.
func (k *Known) find(sk SheetKey, first int32, d *[32]byte) (int32, bool) {
	if *k.digest(first) == *d {
		return first, true
	}
	for _, r := range k.more[sk] {
		if *k.digest(r) == *d {
			return r, true
		}
	}
	return 0, false
}

// know records digest ref r for key sk.
func (k *Known) know(sk SheetKey, r int32) {
	if _, ok := k.first.get(sk); !ok {
		k.first.set(sk, r)
		return
	}
	if k.more == nil {
		k.more = map[SheetKey][]int32{}
	}
	k.more[sk] = append(k.more[sk], r)
}

// firstRefs maps sheet keys to the first known digest ref of each: in a map,
// or in a table with the map for keys outside it.
type firstRefs struct {
	m     map[SheetKey]int32
	table []int32 // station*pairs + pair → ref, noRef when none
	pair  []int8  // contest*len(actas.Sources) + source → pair, -1 when the batch names none
	pairs int
}

// noRef marks a key without a known digest in firstRefs' table.
const noRef = math.MinInt32

func (f *firstRefs) tabulate(stations int64, present []uint32) {
	f.m = map[SheetKey]int32{}
	f.pair = make([]int8, len(present)*len(actas.Sources))
	for c, bits := range present {
		for si := range actas.Sources {
			f.pair[c*len(actas.Sources)+si] = -1
			if bits&(1<<si) != 0 && f.pairs < math.MaxInt8 {
				f.pair[c*len(actas.Sources)+si] = int8(f.pairs)
				f.pairs++
			}
		}
	}
	f.table = make([]int32, stations*int64(f.pairs))
	for i := range f.table {
		f.table[i] = noRef
	}
}

// slot returns the index of k in the table, or -1 when it is not there.
func (f *firstRefs) slot(k SheetKey) int64 {
	if f.table == nil {
		return -1
	}
	station, contest, source := k.Station(), int(k.Contest()), int(k.Source())
	if source >= len(actas.Sources) || contest*len(actas.Sources)+source >= len(f.pair) {
		return -1
	}
	p := f.pair[contest*len(actas.Sources)+source]
	if p < 0 || station*int64(f.pairs)+int64(p) >= int64(len(f.table)) {
		return -1
	}
	return station*int64(f.pairs) + int64(p)
}

func (f *firstRefs) get(k SheetKey) (int32, bool) {
	if i := f.slot(k); i >= 0 {
		return f.table[i], f.table[i] != noRef
	}
	r, ok := f.m[k]
	return r, ok
}

func (f *firstRefs) set(k SheetKey, r int32) {
	if i := f.slot(k); i >= 0 {
		f.table[i] = r
		return
	}
	f.m[k] = r
}

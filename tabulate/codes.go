package tabulate

import (
	"hash/maphash"
	"math"
	"math/bits"
)

// stringTable holds many short strings in one: a million station codes as
// a million strings would be a million pointers for the garbage collector
// to follow on every cycle.
type stringTable struct {
	data string
	end  []uint32 // string i is data[end[i-1]:end[i]], with end[-1] = 0
}

// newStringTable returns a table of n strings; ok is false when they add
// up to more than 4 GiB.
func newStringTable(n int, at func(i int) string) (stringTable, bool) {
	total := 0
	for i := range n {
		total += len(at(i))
	}
	if total > math.MaxUint32 {
		return stringTable{}, false
	}
	b := make([]byte, 0, total)
	t := stringTable{end: make([]uint32, n)}
	for i := range n {
		b = append(b, at(i)...)
		t.end[i] = uint32(len(b))
	}
	t.data = string(b)
	return t, true
}

func (t *stringTable) at(i int32) string {
	var start uint32
	if i > 0 {
		start = t.end[i-1]
	}
	return t.data[start:t.end[i]]
}

func (t *stringTable) len() int { return len(t.end) }

// codeIndex finds a string of a stringTable by value: an open-addressing
// hash table of indexes, without pointers, at most half full.
type codeIndex struct {
	seed  maphash.Seed
	slots []int32 // string index + 1; 0 when empty
}

func newCodeIndex(n int) codeIndex {
	size := 1 << bits.Len(uint(2*n))
	return codeIndex{seed: maphash.MakeSeed(), slots: make([]int32, size)}
}

// insert adds string i of t, or returns the index of an equal string
// already present and false.
func (x *codeIndex) insert(t *stringTable, i int32) (int32, bool) {
	s := t.at(i)
	mask := uint64(len(x.slots) - 1)
	for h := maphash.String(x.seed, s) & mask; ; h = (h + 1) & mask {
		switch j := x.slots[h] - 1; {
		case j < 0:
			x.slots[h] = i + 1
			return i, true
		case t.at(j) == s:
			return j, false
		}
	}
}

// find returns the index of string s in t.
func (x *codeIndex) find(t *stringTable, s string) (int32, bool) {
	mask := uint64(len(x.slots) - 1)
	for h := maphash.String(x.seed, s) & mask; ; h = (h + 1) & mask {
		switch j := x.slots[h] - 1; {
		case j < 0:
			return 0, false
		case t.at(j) == s:
			return j, true
		}
	}
}

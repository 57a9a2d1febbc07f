package tabulate

// seqSet remembers which Seqs were added. Stores hand out Seqs densely from
// 1, so a bitmap holds them in one bit each; a Seq far beyond the count
// seen goes to a map instead, so that memory stays proportional to the
// number of Seqs whatever values arrive.
type seqSet struct {
	bits   []uint64
	n      int
	sparse map[int64]struct{}
}

func (s *seqSet) has(seq int64) bool {
	if seq >= 0 && seq/64 < int64(len(s.bits)) {
		return s.bits[seq/64]&(1<<(seq%64)) != 0
	}
	_, ok := s.sparse[seq]
	return ok
}

// add records seq, which has must have reported absent.
func (s *seqSet) add(seq int64) {
	s.n++
	if seq >= 0 {
		word := seq / 64
		if word >= int64(len(s.bits)) && word < 2*int64(s.n)+1024 {
			bits := make([]uint64, max(word+1, 2*int64(len(s.bits))))
			copy(bits, s.bits)
			s.bits = bits
			// Seqs parked in the map before may now belong in the bitmap;
			// has looks only there for them.
			for q := range s.sparse {
				if q/64 < int64(len(s.bits)) {
					s.bits[q/64] |= 1 << (q % 64)
					delete(s.sparse, q)
				}
			}
		}
		if word < int64(len(s.bits)) {
			s.bits[word] |= 1 << (seq % 64)
			return
		}
	}
	if s.sparse == nil {
		s.sparse = map[int64]struct{}{}
	}
	s.sparse[seq] = struct{}{}
}

package compare

import (
	"bytes"
	"strconv"
)

// oneDigitSlip reports whether stated can be read as a copy of other with
// one slip of the pen: one digit changed, two neighbouring digits swapped,
// one digit dropped or one added. A slip may leave a leading zero that the
// number then loses (105 with its 1 dropped is 05, stated as 5), so stated
// is also tried with leading zeros. It allocates nothing.
func oneDigitSlip(stated, other int64) bool {
	if stated == other || stated < 0 || other < 0 {
		return false
	}
	var bs, bo, bp [24]byte
	s := strconv.AppendInt(bs[:0], stated, 10)
	o := strconv.AppendInt(bo[:0], other, 10)
	for l := max(len(s), len(o)-1); l <= len(o)+1; l++ {
		padded := bp[:0]
		for range l - len(s) {
			padded = append(padded, '0')
		}
		padded = append(padded, s...)
		if oneEdit(padded, o) {
			return true
		}
	}
	return false
}

// oneEdit reports whether a and b are one substitution, one adjacent
// transposition, one insertion or one deletion apart.
func oneEdit(a, b []byte) bool {
	switch len(a) - len(b) {
	case 0:
		first, n := -1, 0
		for i := range a {
			if a[i] != b[i] {
				if first < 0 {
					first = i
				}
				n++
			}
		}
		switch n {
		case 1:
			return true
		case 2:
			i := first
			return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i]
		}
		return false
	case 1:
		return dropsOne(a, b)
	case -1:
		return dropsOne(b, a)
	}
	return false
}

// dropsOne reports whether short is long without one of its bytes.
func dropsOne(long, short []byte) bool {
	i := 0
	for i < len(short) && long[i] == short[i] {
		i++
	}
	return bytes.Equal(long[i+1:], short[i:])
}

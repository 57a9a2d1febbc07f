package audit

import (
	"cmp"
	"container/heap"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"slices"
	"strconv"

	"github.com/actasproject/actas"
)

// This file is Rivest's consistent sampler (the Python package
// consistent_sampler, as pinned by Arlo: votingworks/consistent_sampler at
// 46f6f0a, file consistent_sampler/consistent_sampler.py). Ticket numbers are
// decimal strings "0.ddd…" compared as strings, exactly as the Python code
// compares them, so that anyone with the Python package gets the same
// tickets in the same order.

// SHA256Hex returns the lower-case hexadecimal SHA-256 of s's UTF-8 bytes
// (Python: sha256_hex(s) for a str s).
func SHA256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Uniform returns SHA-256 of s as a decimal fraction "0.ddd…" (Python:
// sha256_uniform). The hash, read as a big-endian integer, is written in
// decimal with at least 64 digits (zero-padded on the left) and its digits
// are reversed after "0.": the low-order digits are the unbiased ones.
func Uniform(s string) string {
	h := sha256.Sum256([]byte(s))
	return uniformFromHash(h[:])
}

func uniformFromHash(h []byte) string {
	var n big.Int
	n.SetBytes(h)
	var buf [2 + 80]byte
	d := n.Append(buf[:0], 10) // at most 78 digits
	out := make([]byte, 0, 2+max(64, len(d)))
	out = append(out, '0', '.')
	for i := len(d) - 1; i >= 0; i-- {
		out = append(out, d[i])
	}
	for i := len(d); i < 64; i++ { // the left padding, reversed, goes last
		out = append(out, '0')
	}
	return string(out)
}

// FirstFraction returns the generation-1 ticket number of the object with
// the given id (Python: first_fraction(id, seed) = sha256_uniform(
// sha256_hex(seed) + str(id))). The id is used as its string form; for Arlo's
// (jurisdiction, batch) keys that is the Python repr of the tuple, e.g.
// "('Jx 1', 'pct 8')".
func FirstFraction(id, seed string) string {
	return firstFraction(id, SHA256Hex(seed))
}

func firstFraction(id, seedHash string) string {
	return Uniform(seedHash + id)
}

// validFraction reports whether x is "0." followed by decimal digits, the
// form of every ticket number.
func validFraction(x string) bool {
	if len(x) < 2 || x[0] != '0' || x[1] != '.' {
		return false
	}
	for i := 2; i < len(x); i++ {
		if x[i] < '0' || x[i] > '9' {
			return false
		}
	}
	return true
}

// firstNon9 returns the index of the first digit after "0." that is not 9
// in x+"0" (Python's first_non_9_position).
func firstNon9(x string) int {
	i := 2
	for i < len(x) && x[i] == '9' {
		i++
	}
	return i
}

// NextFraction returns the next ticket number after x (Python:
// next_fraction): keep x's leading run of 9s, append the digits of
// Uniform(x + ":" + i) for i = 1, 2, … until the result, compared as a
// string, exceeds x+"0". Errors: EINVALID when x is not "0." followed by
// digits.
func NextFraction(x string) (string, error) {
	if !validFraction(x) {
		return "", actas.Errorf(actas.EINVALID, "ticket number %q is not 0. followed by digits", x)
	}
	x0 := x + "0"
	p := firstNon9(x0)
	for i := 1; ; i++ {
		y := x0[:p] + Uniform(x + ":" + strconv.Itoa(i))[2:]
		if y > x0 {
			return y, nil
		}
	}
}

// Trim truncates the ticket number x to digits significant digits after its
// leading run of 9s (Python: trim(x, digits)); it never rounds. Arlo shows
// and stores tickets trimmed to 18 digits.
func Trim(x string, digits int) string {
	p := firstNon9(x+"0") + digits
	if p > len(x) {
		return x
	}
	return x[:p]
}

// Ticket is one draw of the consistent sampler: the object's id, its ticket
// number (trimmed as asked) and how many times the object has been drawn,
// this draw included.
type Ticket struct {
	Number     string `json:"ticket"`
	ID         string `json:"id"`
	Generation int    `json:"generation"`
}

// Sample returns draws drop+1 … drop+take of the consistent sampler over
// ids with the given seed (Python: sampler(ids, seed, with_replacement, drop,
// take, output="tuple", digits)): objects in increasing order of ticket
// number (ties by id), and with replacement a drawn object gets its next
// ticket number and goes back. Without replacement at most len(ids) draws
// are returned. Errors: EINVALID for duplicate ids, negative drop or take,
// or digits < 1.
func Sample(ids []string, seed string, withReplacement bool, drop, take, digits int) ([]Ticket, error) {
	if drop < 0 || take < 0 || digits < 1 {
		return nil, actas.Errorf(actas.EINVALID, "sample: drop %d, take %d and digits %d must be ≥ 0, ≥ 0 and ≥ 1", drop, take, digits)
	}
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; ok {
			return nil, actas.Errorf(actas.EINVALID, "sample: id %q appears twice", id)
		}
		seen[id] = struct{}{}
	}
	seedHash := SHA256Hex(seed)
	h := make(ticketHeap, len(ids))
	for i, id := range ids {
		h[i] = Ticket{Number: firstFraction(id, seedHash), ID: id, Generation: 1}
	}
	// Only the drop+take smallest first tickets can ever be drawn: each
	// draw removes one ticket and adds at most one larger one.
	if keep := drop + take; keep < len(h) {
		slices.SortFunc(h, compareTickets)
		h = h[:keep]
	}
	heap.Init(&h)
	out := make([]Ticket, 0, min(take, max(len(ids), take)))
	for count := 1; h.Len() > 0 && count <= drop+take; count++ {
		t := heap.Pop(&h).(Ticket)
		if withReplacement {
			next, err := NextFraction(t.Number)
			if err != nil {
				return nil, err // cannot happen: t.Number is a ticket we made
			}
			heap.Push(&h, Ticket{Number: next, ID: t.ID, Generation: t.Generation + 1})
		}
		if count > drop {
			t.Number = Trim(t.Number, digits)
			out = append(out, t)
		}
	}
	return out, nil
}

// compareTickets orders tickets as Python orders its Ticket tuples.
func compareTickets(a, b Ticket) int {
	if c := cmp.Compare(a.Number, b.Number); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	return cmp.Compare(a.Generation, b.Generation)
}

type ticketHeap []Ticket

func (h ticketHeap) Len() int           { return len(h) }
func (h ticketHeap) Less(i, j int) bool { return compareTickets(h[i], h[j]) < 0 }
func (h ticketHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *ticketHeap) Push(x any)        { *h = append(*h, x.(Ticket)) }
func (h *ticketHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

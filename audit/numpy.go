package audit

import (
	"math/big"
	"math/bits"
	"sort"
)

// This file reproduces the few pieces of NumPy (1.26, the version Arlo's
// poetry.lock pins) that Arlo's draw_ppeb_sample uses:
// numpy.random.default_rng(int_seed), which seeds a PCG64 bit generator
// (XSL-RR output) through a SeedSequence, and Generator.choice(keys, n,
// p=weights, replace=True), which inverts the cumulative weights at
// Generator.random() draws. Sources: numpy/random/bit_generator.pyx
// (SeedSequence), numpy/random/src/pcg64/pcg64.h (PCG64),
// numpy/random/_generator.pyx (choice), numpy/random/src/distributions
// (next_double).

// SeedSequence constants (bit_generator.pyx).
const (
	ssInitA    = 0x43b0d7e5
	ssMultA    = 0x931e8875
	ssInitB    = 0x8b51f9dd
	ssMultB    = 0x58f38ded
	ssMixMultL = 0xca01f9dd
	ssMixMultR = 0x4973f715
	ssXShift   = 16
	ssPoolSize = 4
)

// seedSequencePool mixes a non-negative integer's 32-bit little-endian
// words into SeedSequence's pool of four words.
func seedSequencePool(entropy *big.Int) [ssPoolSize]uint32 {
	var words []uint32
	if entropy.Sign() == 0 {
		words = []uint32{0}
	}
	n := new(big.Int).Set(entropy)
	mask := big.NewInt(0xffffffff)
	for n.Sign() > 0 {
		words = append(words, uint32(new(big.Int).And(n, mask).Uint64()))
		n.Rsh(n, 32)
	}
	hashConst := uint32(ssInitA)
	hashmix := func(v uint32) uint32 {
		v ^= hashConst
		hashConst *= ssMultA
		v *= hashConst
		v ^= v >> ssXShift
		return v
	}
	mix := func(x, y uint32) uint32 {
		r := ssMixMultL*x - ssMixMultR*y
		r ^= r >> ssXShift
		return r
	}
	var pool [ssPoolSize]uint32
	for i := range pool {
		if i < len(words) {
			pool[i] = hashmix(words[i])
		} else {
			pool[i] = hashmix(0)
		}
	}
	for src := range pool {
		for dst := range pool {
			if src != dst {
				pool[dst] = mix(pool[dst], hashmix(pool[src]))
			}
		}
	}
	for src := ssPoolSize; src < len(words); src++ {
		for dst := range pool {
			pool[dst] = mix(pool[dst], hashmix(words[src]))
		}
	}
	return pool
}

// generateState64 is SeedSequence.generate_state(n, np.uint64).
func generateState64(pool [ssPoolSize]uint32, n int) []uint64 {
	hashConst := uint32(ssInitB)
	w := make([]uint32, 2*n)
	for i := range w {
		v := pool[i%ssPoolSize]
		v ^= hashConst
		hashConst *= ssMultB
		v *= hashConst
		v ^= v >> ssXShift
		w[i] = v
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(w[2*i]) | uint64(w[2*i+1])<<32
	}
	return out
}

// pcg64 is NumPy's PCG64: a 128-bit LCG with the XSL-RR output function.
type pcg64 struct {
	hi, lo       uint64 // state
	incHi, incLo uint64 // increment (odd)
}

const (
	pcgMultHi = 0x2360ed051fc65da4
	pcgMultLo = 0x4385df649fccf645
)

// newNumpyRNG returns default_rng(entropy)'s bit generator.
func newNumpyRNG(entropy *big.Int) *pcg64 {
	v := generateState64(seedSequencePool(entropy), 4)
	// pcg64_set_seed: state = v[0]:v[1], sequence = v[2]:v[3];
	// pcg_setseq_128_srandom_r.
	g := &pcg64{}
	g.incHi = v[2]<<1 | v[3]>>63
	g.incLo = v[3]<<1 | 1
	g.step()
	var c uint64
	g.lo, c = bits.Add64(g.lo, v[1], 0)
	g.hi, _ = bits.Add64(g.hi, v[0], c)
	g.step()
	return g
}

func (g *pcg64) step() {
	// state = state·mult + inc (mod 2^128)
	hi, lo := bits.Mul64(g.lo, pcgMultLo)
	hi += g.hi*pcgMultLo + g.lo*pcgMultHi
	var c uint64
	lo, c = bits.Add64(lo, g.incLo, 0)
	hi, _ = bits.Add64(hi, g.incHi, c)
	g.hi, g.lo = hi, lo
}

func (g *pcg64) uint64() uint64 {
	g.step()
	return bits.RotateLeft64(g.hi^g.lo, -int(g.hi>>58))
}

// float64 is next_double: 53 random bits scaled into [0, 1).
func (g *pcg64) float64() float64 {
	return float64(g.uint64()>>11) * (1.0 / 9007199254740992.0)
}

// choiceCDF is Generator.choice's cumulative distribution: a running sum
// in float64 (cumsum is sequential), divided by its last element.
func choiceCDF(p []float64) []float64 {
	cdf := make([]float64, len(p))
	var s float64
	for i, v := range p {
		s += v
		cdf[i] = s
	}
	last := cdf[len(cdf)-1]
	for i := range cdf {
		cdf[i] /= last
	}
	return cdf
}

// choose is cdf.searchsorted(u, side="right"): the number of cdf values ≤ u.
func choose(cdf []float64, u float64) int {
	return sort.Search(len(cdf), func(i int) bool { return cdf[i] > u })
}

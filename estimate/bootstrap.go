package estimate

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// maxBootstrapValues bounds the replicate estimates kept for per-area
// percentile intervals (8 bytes each): beyond it only the national ones get
// a bootstrap interval.
const maxBootstrapValues = 1 << 23

// replicates holds the bootstrap estimates: nat[r*B+b] is ratio r in
// replicate b; areas, when kept, [(a*R+r)*B+b].
type replicates struct {
	B     int
	nat   []float64
	areas []float64
}

// bootstrap runs the rescaling bootstrap of Rao, Wu & Yue (1992): in each
// replicate, each stratum's n counted stations are resampled n−1 times with
// replacement, and station i's weight becomes
//
//	w_h · (1 − λ_h + λ_h · n_h/(n_h−1) · r_i),  λ_h = √(1 − f_h),
//
// r_i being how often it was drawn. With λ_h = √(1 − f_h) the bootstrap
// variance of a linear estimator equals its textbook variance, finite-
// population correction included (Rao & Wu 1988); every weight stays
// non-negative. Replicate b draws from its own stream, PCG(seed, b), so the
// result does not depend on how replicates are spread over cores.
func (d *design) bootstrap(B int, seed uint64, perArea bool) *replicates {
	R := d.ratios
	rep := &replicates{B: B, nat: make([]float64, R*B)}
	keepAreas := perArea && d.nAreas*R*B <= maxBootstrapValues
	if keepAreas {
		rep.areas = make([]float64, d.nAreas*R*B)
	}
	maxN := 0
	for _, n := range d.n {
		maxN = max(maxN, n)
	}
	// Without per-area replicates every station adds to one national total.
	areas := d.nAreas
	areaOf := d.area
	if !keepAreas {
		areas = 1
		areaOf = make([]int32, len(d.area))
	}
	blocks := (B + replicateBlock - 1) / replicateBlock
	workers := min(runtime.GOMAXPROCS(0), blocks)
	var wg sync.WaitGroup
	next := make(chan int, blocks)
	for k := range blocks {
		next <- k * replicateBlock
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &bootWorker{acc: make([][]float64, replicateBlock), counts: make([][]int32, replicateBlock), rngs: make([]*rand.Rand, replicateBlock)}
			for k := range replicateBlock {
				w.acc[k] = make([]float64, areas*d.cols)
				w.counts[k] = make([]int32, maxN)
			}
			tot := make([]float64, d.cols)
			for b0 := range next {
				K := min(replicateBlock, B-b0)
				for k := range K {
					w.rngs[k] = rand.New(rand.NewPCG(seed, uint64(b0+k)))
				}
				d.replicates(w, K, areas, areaOf)
				for k := range K {
					b := b0 + k
					acc := w.acc[k]
					clear(tot)
					for a := range areas {
						row := acc[a*d.cols : (a+1)*d.cols]
						for c, v := range row {
							tot[c] += v
						}
						if keepAreas {
							for r := range R {
								rep.areas[(a*R+r)*B+b] = ratio(row[d.num(r)], row[d.den(r)])
							}
						}
					}
					for r := range R {
						rep.nat[r*B+b] = ratio(tot[d.num(r)], tot[d.den(r)])
					}
				}
			}
		}()
	}
	wg.Wait()
	return rep
}

// replicateBlock is how many replicates share one pass over the counted
// stations: the pass reads every row once for all of them, which matters
// at a million stations, where a row matrix is a hundred megabytes.
const replicateBlock = 8

// bootWorker is one goroutine's scratch: per replicate of a block, its
// stream, its totals per report area and its draw counts.
type bootWorker struct {
	rngs   []*rand.Rand
	acc    [][]float64
	counts [][]int32
}

// replicates fills w.acc[k] with replicate k's weighted totals per area,
// for the first K replicates of the block. Replicate k draws from
// w.rngs[k] stratum by stratum, in the same order whatever the block size.
func (d *design) replicates(w *bootWorker, K, areas int, areaOf []int32) {
	C := d.cols
	acc := w.acc[:K]
	for k := range K {
		clear(acc[k][:areas*C])
	}
	var base, scale [replicateBlock]float64
	for g := range d.G {
		n := d.n[g]
		lo, hi := d.start[g], d.start[g+1]
		if n < 2 {
			// A fully counted stratum of one station: nothing to resample.
			for i := lo; i < hi; i++ {
				row := d.rows[i*C : (i+1)*C]
				a := int(areaOf[i]) * C
				for k := range K {
					addScaled(acc[k][a:a+C], row, d.w[g])
				}
			}
			continue
		}
		m := n - 1
		lambda := math.Sqrt(d.fpc[g])
		for k := range K {
			cnt := w.counts[k][:n]
			clear(cnt)
			rng := w.rngs[k]
			for range m {
				cnt[rng.IntN(n)]++
			}
			base[k] = d.w[g] * (1 - lambda)
			scale[k] = d.w[g] * lambda * float64(n) / float64(m)
		}
		for i := lo; i < hi; i++ {
			row := d.rows[i*C : (i+1)*C]
			a := int(areaOf[i]) * C
			for k := range K {
				f := base[k] + scale[k]*float64(w.counts[k][i-lo])
				if f != 0 {
					addScaled(acc[k][a:a+C], row, f)
				}
			}
		}
	}
}

func addScaled(dst, src []float64, f float64) {
	src = src[:len(dst)]
	for c, v := range src {
		dst[c] += f * v
	}
}

func ratio(y, z float64) float64 {
	if z <= 0 {
		return math.NaN()
	}
	return y / z
}

package simulate

import (
	"math"
	"math/rand/v2"
)

// Stages of the simulation. Each draws from its own stream (see stream), so
// that a knob of one stage leaves what the others drew unchanged: the same
// seed gives the same true election with or without fraud, and the same
// witness sample whatever the fraud.
const (
	stageGeography uint64 = iota + 1
	stagePreference
	stageCount
	stageArrival
	stageWitness
	stageSlip
	stageFraud
	stageSample
)

// stream returns the random source of one part (e.g. one state) of one
// stage for a seed.
func stream(seed, stage, part uint64) *rand.Rand {
	s1 := splitmix(seed ^ splitmix(stage<<32^part))
	return rand.New(rand.NewPCG(s1, splitmix(s1^stage)))
}

// splitmix is SplitMix64's finaliser: it spreads nearby seeds (0, 1, 2…)
// over the whole state space of the generator.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// binomial draws from Binomial(n, p) exactly: by inversion when n·p is
// small, otherwise by Hörmann's transformed rejection with squeeze (BTRS,
// "The generation of binomial random variates", J. Stat. Comput. Simul.
// 46, 1993), which costs a few uniforms whatever n is.
func binomial(r *rand.Rand, n int64, p float64) int64 {
	return newBinom(p).draw(r, n)
}

// binom is a success probability prepared for many draws with different
// numbers of trials: the multinomials of a center share their conditional
// probabilities across its stations.
type binom struct {
	p       float64 // at most 0.5: draws for p > 0.5 count failures
	flip    bool
	ratio   float64 // p / (1 - p)
	log1mp  float64 // log(1 - p)
	certain int8    // -1: p ≤ 0 (or NaN), +1: p ≥ 1
}

func newBinom(p float64) binom {
	switch {
	case !(p > 0):
		return binom{certain: -1}
	case p >= 1:
		return binom{certain: 1}
	}
	b := binom{p: p}
	if p > 0.5 {
		b.p, b.flip = 1-p, true
	}
	b.ratio = b.p / (1 - b.p)
	b.log1mp = math.Log1p(-b.p)
	return b
}

func (b binom) draw(r *rand.Rand, n int64) int64 {
	if n <= 0 || b.certain < 0 {
		return 0
	}
	if b.certain > 0 {
		return n
	}
	var k int64
	if float64(n)*b.p < 10 {
		k = b.inversion(r, n)
	} else {
		k = binomialBTRS(r, n, b.p)
	}
	if b.flip {
		return n - k
	}
	return k
}

func (b binom) inversion(r *rand.Rand, n int64) int64 {
	f := math.Exp(float64(n) * b.log1mp) // P(X = 0)
	u := r.Float64()
	var k int64
	for u > f {
		u -= f
		k++
		f *= b.ratio * float64(n-k+1) / float64(k)
		if k == n || f == 0 {
			break // rounding left u above the remaining mass
		}
	}
	return k
}

func binomialBTRS(r *rand.Rand, n int64, p float64) int64 {
	nf := float64(n)
	q := 1 - p
	spq := math.Sqrt(nf * p * q)
	b := 1.15 + 2.53*spq
	a := -0.0873 + 0.0248*b + 0.01*p
	c := nf*p + 0.5
	vr := 0.92 - 4.2/b
	alpha := (2.83 + 5.1/b) * spq
	m := math.Floor((nf + 1) * p)
	var h, lpq float64 // only needed when the squeeze fails
	slow := false
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + c)
		if k < 0 || k > nf {
			continue
		}
		if us >= 0.07 && v <= vr {
			return int64(k)
		}
		if !slow {
			slow = true
			h = logFactorial(m) + logFactorial(nf-m)
			lpq = math.Log(p / q)
		}
		v = math.Log(v * alpha / (a/(us*us) + b))
		if v <= h-logFactorial(k)-logFactorial(nf-k)+(k-m)*lpq {
			return int64(k)
		}
	}
}

// logFactorials holds log k! for the counts a station produces (at most
// 900 registered voters), which spares the rejection step most calls to
// math.Lgamma.
var logFactorials = func() *[1024]float64 {
	var t [1024]float64
	for k := 2; k < len(t); k++ {
		t[k] = t[k-1] + math.Log(float64(k))
	}
	return &t
}()

// logFactorial returns log k! for a whole number k ≥ 0.
func logFactorial(k float64) float64 {
	if k < float64(len(logFactorials)) {
		return logFactorials[int(k)]
	}
	v, _ := math.Lgamma(k + 1)
	return v
}

// multinomial splits n trials among categories with probabilities p (which
// sum to 1) into out, by successive conditional binomials.
func multinomial(r *rand.Rand, n int64, p []float64, out []int64) {
	var m [bins + MaxChoices + 2]binom
	prepareMultinomial(p, m[:len(p)-1])
	drawMultinomial(r, n, m[:len(p)-1], out)
}

// prepareMultinomial writes into m (one shorter than p) the conditional
// probabilities of each category given that the trials were not in the
// earlier ones.
func prepareMultinomial(p []float64, m []binom) {
	rest := 1.0
	for i := range m {
		q := 1.0
		if rest > p[i] {
			q = p[i] / rest
		}
		m[i] = newBinom(q)
		rest -= p[i]
	}
}

// drawMultinomial splits n trials with the prepared m into out (one longer
// than m: the last category takes what is left).
func drawMultinomial(r *rand.Rand, n int64, m []binom, out []int64) {
	for i := range m {
		k := m[i].draw(r, n)
		out[i] = k
		n -= k
	}
	out[len(m)] = n
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// uniform returns a uniform draw in [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// lognormal returns exp(N(mu, sigma)).
func lognormal(r *rand.Rand, mu, sigma float64) float64 { return math.Exp(mu + sigma*r.NormFloat64()) }

// clampInt returns v limited to [lo, hi].
func clampInt(v, lo, hi int64) int64 { return max(lo, min(hi, v)) }

package estimate

import (
	"math"

	"github.com/actasproject/actas"
)

// design is a panel laid out for estimation: every counted station's
// numbers in one flat matrix, grouped by (collapsed) stratum, with the
// weights and corrections of each stratum.
//
// Columns of a row: the J choices' votes, then the share denominator (valid
// votes or ballots), then the turnout numerator (ballots of stations with
// known registered voters) and its denominator (their registered voters).
// Ratio r < J is choice r's share (column r over column J); ratio J is
// turnout (column J+1 over column J+2).
type design struct {
	J, cols, ratios int

	nAreas int
	areaX  []float64 // per report area: registered voters of all its stations

	G      int
	N      []float64 // per group: population stations
	n      []int     // per group: counted stations
	w      []float64 // per group: N/n, the weight of each counted station
	fpc    []float64 // per group: 1 - n/N, or 1 without the correction
	start  []int     // rows of group g are start[g]:start[g+1]
	rows   []float64 // len(start[G]) * cols
	area   []int32   // per row: its report area
	noFPC  bool
	denSum []float64 // per ratio: the counted stations' unweighted denominator (for the design effect)
}

// newDesign lays out the stations for which counted(i) holds. groupOf gives
// each station's group (every station belongs to one), areaOf its report
// area; N are the groups' population sizes.
func newDesign(p *actas.Panel, s *settings, counted []bool, groupOf []int32, G int, N []float64, areaOf []int32, nAreas int) *design {
	J := len(p.Contest.Choices)
	d := &design{J: J, cols: J + 3, ratios: J + 1, nAreas: nAreas, G: G, N: N, noFPC: s.NoFPC}
	d.areaX = make([]float64, nAreas)
	d.n = make([]int, G)
	for i := range p.Stations {
		if r := p.Stations[i].Registered; r > 0 {
			d.areaX[areaOf[i]] += float64(r)
		}
		if counted[i] {
			d.n[groupOf[i]]++
		}
	}
	d.start = make([]int, G+1)
	for g := range G {
		d.start[g+1] = d.start[g] + d.n[g]
	}
	total := d.start[G]
	d.rows = make([]float64, total*d.cols)
	d.area = make([]int32, total)
	d.denSum = make([]float64, d.ratios)
	next := make([]int, G)
	copy(next, d.start[:G])
	for i, sh := range p.Sheets {
		if !counted[i] {
			continue
		}
		g := groupOf[i]
		k := next[g]
		next[g]++
		d.area[k] = areaOf[i]
		row := d.rows[k*d.cols : (k+1)*d.cols]
		var valid int64
		for j, v := range sh.Votes[:J] {
			row[j] = float64(v)
			valid += v
		}
		if s.Denominator == Ballots {
			row[J] = float64(sh.Ballots)
		} else {
			row[J] = float64(valid)
		}
		// Turnout counts only stations with a voters' list: Mexico's
		// special stations (registered 0) take voters from anywhere.
		if reg := p.Stations[i].Registered; reg > 0 {
			row[J+1] = float64(sh.Ballots)
			row[J+2] = float64(reg)
		}
	}
	d.w = make([]float64, G)
	d.fpc = make([]float64, G)
	for g := range G {
		if d.n[g] > 0 {
			d.w[g] = N[g] / float64(d.n[g])
		}
		d.fpc[g] = 1
		if !s.NoFPC && N[g] > 0 {
			d.fpc[g] = max(0, 1-float64(d.n[g])/N[g])
		}
	}
	return d
}

func (d *design) num(r int) int {
	if r < d.J {
		return r
	}
	return d.J + 1
}

func (d *design) den(r int) int {
	if r < d.J {
		return d.J
	}
	return d.J + 2
}

// domain is the analytic estimate over one domain (the nation or one
// report area).
type domain struct {
	tot     []float64 // weighted totals per column
	ratio   []float64 // per ratio; NaN where the denominator's total is 0
	se      []float64 // linearized standard error, with the correction
	seNoFPC []float64 // without it (for the design effect)
	counted int
	x       float64 // registered voters of all the domain's stations
}

func newDomain(d *design) *domain {
	return &domain{tot: make([]float64, d.cols), ratio: make([]float64, d.ratios),
		se: make([]float64, d.ratios), seNoFPC: make([]float64, d.ratios)}
}

// analytic computes the combined ratio estimates and their linearized
// variances, nationally and per report area (domain estimation: a station
// outside the domain contributes a zero residual, so that strata straddling
// areas are handled alike).
//
// For a ratio R = Y/Z the estimate is R̂ = Ŷ/Ẑ with Ŷ = Σ_h w_h Σ_{i∈s_h} y_i,
// and its variance V̂(R̂) = Ẑ⁻² Σ_h N_h² (1 − f_h) s²_{u,h} / n_h where s²_{u,h}
// is the sample variance over the counted stations of stratum h of the
// residuals u_i = 1_d(i) (y_i − R̂ z_i) (Cochran 1977, §6.11; Särndal,
// Swensson & Wretman 1992, §5.6 and §10.3).
func (d *design) analytic(perArea bool) (*domain, []*domain) {
	nat := newDomain(d)
	var areas []*domain
	if perArea {
		areas = make([]*domain, d.nAreas)
		for a := range areas {
			areas[a] = newDomain(d)
			areas[a].x = d.areaX[a]
		}
	}
	for _, x := range d.areaX {
		nat.x += x
	}
	C := d.cols
	for g := range d.G {
		w := d.w[g]
		for k := d.start[g]; k < d.start[g+1]; k++ {
			row := d.rows[k*C : (k+1)*C]
			for c, v := range row {
				nat.tot[c] += w * v
			}
			if perArea {
				a := areas[d.area[k]]
				a.counted++
				for c, v := range row {
					a.tot[c] += w * v
				}
			}
		}
	}
	nat.counted = d.start[d.G]
	setRatios := func(dm *domain) {
		for r := range d.ratios {
			dm.ratio[r] = math.NaN()
			if z := dm.tot[d.den(r)]; z > 0 {
				dm.ratio[r] = dm.tot[d.num(r)] / z
			}
		}
	}
	setRatios(nat)
	for _, a := range areas {
		setRatios(a)
	}

	// Second pass: residual sums per stratum, for the nation and for each
	// area the stratum's counted stations fall in.
	R := d.ratios
	vNat, vNatNo := make([]float64, R), make([]float64, R)
	su, su2 := make([]float64, R), make([]float64, R)
	var (
		aSum    []float64 // per area and ratio: Σu, Σu² within the current stratum
		touched []int32
		mark    []int32   // per area: 1 + the last stratum that touched it
		vArea   []float64 // per area and ratio: variance, with and without the correction
	)
	if perArea {
		aSum = make([]float64, d.nAreas*R*2)
		vArea = make([]float64, d.nAreas*R*2)
		mark = make([]int32, d.nAreas)
	}
	for g := range d.G {
		n := d.n[g]
		if n < 2 {
			continue // a fully counted stratum of one: no sampling error
		}
		clear(su)
		clear(su2)
		for k := d.start[g]; k < d.start[g+1]; k++ {
			row := d.rows[k*C : (k+1)*C]
			var ar *domain
			var as []float64
			if perArea {
				a := d.area[k]
				ar = areas[a]
				as = aSum[int(a)*R*2 : (int(a)+1)*R*2]
				if mark[a] != int32(g)+1 {
					mark[a] = int32(g) + 1
					touched = append(touched, a)
				}
			}
			for r := range R {
				y, z := row[d.num(r)], row[d.den(r)]
				if rr := nat.ratio[r]; !math.IsNaN(rr) {
					u := y - rr*z
					su[r] += u
					su2[r] += u * u
				}
				if ar != nil {
					if rr := ar.ratio[r]; !math.IsNaN(rr) {
						u := y - rr*z
						as[2*r] += u
						as[2*r+1] += u * u
					}
				}
			}
		}
		nf := float64(n)
		k := d.N[g] * d.N[g] / (nf * (nf - 1))
		for r := range R {
			ss := max(0, su2[r]-su[r]*su[r]/nf)
			vNat[r] += k * d.fpc[g] * ss
			vNatNo[r] += k * ss
		}
		for _, a := range touched {
			as := aSum[int(a)*R*2 : (int(a)+1)*R*2]
			va := vArea[int(a)*R*2 : (int(a)+1)*R*2]
			for r := range R {
				ss := max(0, as[2*r+1]-as[2*r]*as[2*r]/nf)
				va[2*r] += k * d.fpc[g] * ss
				va[2*r+1] += k * ss
			}
			clear(as)
		}
		touched = touched[:0]
	}
	setSE := func(dm *domain, v func(r int) (float64, float64)) {
		for r := range R {
			z := dm.tot[d.den(r)]
			if math.IsNaN(dm.ratio[r]) || z <= 0 {
				dm.se[r], dm.seNoFPC[r] = math.NaN(), math.NaN()
				continue
			}
			a, b := v(r)
			dm.se[r], dm.seNoFPC[r] = math.Sqrt(a)/z, math.Sqrt(b)/z
		}
	}
	setSE(nat, func(r int) (float64, float64) { return vNat[r], vNatNo[r] })
	for ai, a := range areas {
		va := vArea[ai*R*2 : (ai+1)*R*2]
		setSE(a, func(r int) (float64, float64) { return va[2*r], va[2*r+1] })
	}
	for g := range d.G {
		for k := d.start[g]; k < d.start[g+1]; k++ {
			row := d.rows[k*C : (k+1)*C]
			for r := range R {
				d.denSum[r] += row[d.den(r)]
			}
		}
	}
	return nat, areas
}

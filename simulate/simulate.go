package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actasproject/actas"
)

// ContestID is the id of the one contest of a simulated election.
const ContestID = "president"

// Bulletin names the official totals of a simulated election.
const Bulletin = "final"

// Preference and turnout parameters (see the package documentation). The
// maps give a log-sd per level kind.
var (
	leanSD  = map[string]float64{"state": 0.30, "district": 0.15, "municipality": 0.20, "parish": 0.12, "center": 0.12}
	minorSD = map[string]float64{"state": 0.35, "district": 0.20, "municipality": 0.25, "parish": 0.15, "center": 0.15}
	turnSD  = map[string]float64{"state": 0.20, "district": 0.10, "municipality": 0.15, "parish": 0.08, "center": 0.12}
)

const (
	urbanLean        = 0.25  // log-odds shift towards the first main choice in urban centers
	homeBoost        = 1.2   // log-odds gain of a minor choice in its home state
	turnoutLean      = 0.15  // turnout log-odds per unit of lean towards the first main choice
	stationTurnoutSD = 0.10  // log-sd of a station's turnout around its center's
	blankRate        = 0.012 // national blank rate (of ballots)
	nullRate         = 0.018 // national null rate
	invalidSD        = 0.4   // logit-sd of a center's blank and null rates
	ruralNull        = 0.3   // logit gain of null ballots in rural centers
	votersMismatch   = 0.003 // share of stations whose voters differ from ballots by 1 or 2
	calibrationSteps = 20    // at most; fitting stops once shares are within 1e-6
)

// Turnout snapshots are cumulative voters at the end of each arrival bin:
// every hour from 07:00 to 17:00, then 17:30, 18:00 (closing) and 19:00
// (stations with a queue at closing keep voting). Bin k counts the voters
// between the end of bin k-1 (06:00, the opening, for the first) and
// binEnd[k]. The half hour before closing is a bin of its own because that
// is when late stuffing happens.
const (
	openMinute = 6 * 60
	bins       = 14
	lateBin    = 12 // 17:30–18:00
)

var binEnd = [bins]int{7 * 60, 8 * 60, 9 * 60, 10 * 60, 11 * 60, 12 * 60, 13 * 60, 14 * 60, 15 * 60, 16 * 60, 17 * 60, 17*60 + 30, 18 * 60, 19 * 60}

// Arrival profiles: shares of the day's voters per bin. Rural voters come
// early; urban ones spread over the day, with an evening rise. A center
// mixes the two.
var (
	morningProfile = [bins]float64{0.10, 0.14, 0.13, 0.11, 0.09, 0.08, 0.07, 0.07, 0.06, 0.06, 0.05, 0.017, 0.013, 0.01}
	eveningProfile = [bins]float64{0.05, 0.08, 0.09, 0.09, 0.08, 0.08, 0.08, 0.08, 0.09, 0.09, 0.09, 0.038, 0.032, 0.03}
)

// Run simulates an election. The same Config gives the same Dataset and
// Truth (on one architecture: Go's math functions may differ in the last
// bit across architectures, which can change a draw). Errors are EINVALID
// for a bad Config.
//
// The Dataset holds the election, its stations, a witness sheet for a
// covered subset of stations (the true counts, but for rare transcription
// slips), then an official sheet for every station (falsified as cfg.Fraud
// says), both in station order; the national and per-state official totals
// (bulletin "final"); and official turnout snapshots: national and per
// state every hour, and per station for StationSample stations.
func Run(cfg Config) (*actas.Dataset, *Truth, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, nil, err
	}
	s := &sim{cfg: cfg, C: cfg.Choices, ids: choiceIDs[:cfg.Choices]}
	s.geo = newGeography(stream(cfg.Seed, stageGeography, 0), cfg.Stations, levelKinds[cfg.Levels])
	s.model(stream(cfg.Seed, stagePreference, 0))
	s.pickSample(stream(cfg.Seed, stageSample, 0))
	s.count()
	s.pickWitnesses(stream(cfg.Seed, stageWitness, 0))
	s.falsify(stream(cfg.Seed, stageFraud, 0))
	s.slipWitnesses(stream(cfg.Seed, stageSlip, 0))
	e := s.election()
	if err := e.Validate(); err != nil {
		return nil, nil, fmt.Errorf("simulate: %w", err) // a bug: the simulator wrote a bad election
	}
	ds := &actas.Dataset{Election: e, Stations: s.geo.stations}
	ds.Sheets = make([]*actas.Submission, 0, len(s.wit)+len(s.off))
	for i := range s.wit {
		ds.Sheets = append(ds.Sheets, &s.wit[i])
	}
	for i := range s.off {
		ds.Sheets = append(ds.Sheets, &s.off[i])
	}
	truth := s.truth(e)
	ds.Totals = s.totals(truth)
	ds.Snapshots = s.snapshots()
	return ds, truth, nil
}

// sim is one run's state. Per-center and per-station data live in flat
// slices so that a million stations cost a handful of allocations.
type sim struct {
	cfg Config
	C   int
	ids []string
	geo *geography

	main [2]int // the two largest choices: the sides of the lean
	obs  int    // the observers' choice

	// Per center.
	weight   []float64 // C preference weights each (exp of the summed effects), before alpha
	blank    []float64
	null     []float64
	morning  []float64 // weight of the morning arrival profile
	obsShare []float64 // expected share of the observers' side
	alpha    []float64 // per choice: weight multipliers calibrating national shares

	// Per station.
	x     []float64 // turnout log-odds, before delta
	delta float64   // calibrates national turnout

	off      []actas.Submission // official sheets, true until falsify
	offVotes []int64            // their votes
	wit      []actas.Submission // witness sheets
	trueNat  tally
	trueStat []tally

	sample     []int32       // stations reporting snapshots, ascending
	sampleBins [][bins]int64 // their official arrivals
	trueBins   [bins]int64   // national true arrivals
	offBins    [bins]int64   // national official arrivals
	stateBins  [][bins]int64 // per state official arrivals

	falsified []Falsification
	slips     []Slip
}

// model draws the hierarchical random effects and calibrates them to the
// configured national shares and turnout.
func (s *sim) model(r *rand.Rand) {
	g, C := s.geo, s.C
	s.main = [2]int{0, 1}
	for j := range C {
		switch sh := s.cfg.Shares; {
		case sh[j] > sh[s.main[0]]:
			s.main = [2]int{j, s.main[0]}
		case j != s.main[0] && sh[j] > sh[s.main[1]]:
			s.main[1] = j
		}
	}
	s.obs = choiceIndex(s.cfg.Observers, C)
	home := make([]int, C)
	for j := range home {
		home[j] = r.IntN(len(g.levels[0].name))
	}
	// Effects accumulate down the levels: an area's effect is its parent's
	// plus its own draw.
	var upEff, upTurn []float64
	for l, lv := range g.levels {
		kind := g.kinds[l]
		leanSD, minorSD, turnSD := leanSD[kind], minorSD[kind], turnSD[kind]
		n := len(lv.name)
		eff := make([]float64, n*C)
		turn := make([]float64, n)
		for a := range n {
			e := eff[a*C : (a+1)*C]
			if l > 0 {
				p := int(lv.parent[a])
				copy(e, upEff[p*C:(p+1)*C])
				turn[a] = upTurn[p]
			}
			lean := leanSD * r.NormFloat64()
			if kind == "center" && lv.urban[a] {
				lean += urbanLean
			}
			e[s.main[0]] += lean
			e[s.main[1]] -= lean
			for j := range C {
				if j != s.main[0] && j != s.main[1] {
					e[j] += minorSD * r.NormFloat64()
					if l == 0 && home[j] == a {
						e[j] += homeBoost
					}
				}
			}
			turn[a] += turnSD*r.NormFloat64() + turnoutLean*lean
		}
		upEff, upTurn = eff, turn
	}
	// Centers keep weights rather than log-weights: shares are then a
	// normalised product, with no exponential per center and choice.
	for i, e := range upEff {
		upEff[i] = math.Exp(e)
	}
	s.weight = upEff
	nc := g.centers()
	s.blank = make([]float64, nc)
	s.null = make([]float64, nc)
	s.morning = make([]float64, nc)
	s.x = make([]float64, len(g.stations))
	centers := &g.levels[len(g.levels)-1]
	blank0, null0, turnout0 := logit(blankRate), logit(nullRate), logit(s.cfg.Turnout)
	for c := range nc {
		s.blank[c] = logistic(blank0 + invalidSD*r.NormFloat64())
		nl := null0 + invalidSD*r.NormFloat64()
		if !centers.urban[c] {
			nl += ruralNull
			s.morning[c] = uniform(r, 0.5, 1)
		} else {
			s.morning[c] = uniform(r, 0, 0.6)
		}
		s.null[c] = logistic(nl)
		for i := g.first[c]; i < g.first[c+1]; i++ {
			s.x[i] = turnout0 + upTurn[c] + stationTurnoutSD*r.NormFloat64()
		}
	}
	s.calibrateTurnout()
	s.calibrateShares()
}

// calibrateTurnout sets delta so that expected ballots over registered is
// the configured turnout (Newton's method on a monotone function).
func (s *sim) calibrateTurnout() {
	st := s.geo.stations
	var reg float64
	for i := range st {
		reg += float64(st[i].Registered)
	}
	target := s.cfg.Turnout * reg
	for range 8 {
		var f, df float64
		for i := range st {
			p := logistic(s.x[i] + s.delta)
			r := float64(st[i].Registered)
			f += r * p
			df += r * p * (1 - p)
		}
		if math.Abs(f-target) < 1e-9*target {
			break
		}
		s.delta -= max(-2, min(2, (f-target)/df))
	}
}

// calibrateShares sets alpha so that the expected national shares of valid
// votes are the configured ones (iterative proportional fitting).
func (s *sim) calibrateShares() {
	g, C := s.geo, s.C
	nc := g.centers()
	valid := make([]float64, nc) // expected valid votes per center
	for c := range nc {
		for i := g.first[c]; i < g.first[c+1]; i++ {
			valid[c] += float64(g.stations[i].Registered) * logistic(s.x[i]+s.delta)
		}
		valid[c] *= 1 - s.blank[c] - s.null[c]
	}
	s.alpha = slices.Clone(s.cfg.Shares)
	p := make([]float64, C)
	got := make([]float64, C)
	for range calibrationSteps {
		clear(got)
		total := 0.0
		for c := range nc {
			s.shares(c, p)
			for j := range C {
				got[j] += valid[c] * p[j]
			}
			total += valid[c]
		}
		worst := 0.0
		for j := range C {
			ratio := s.cfg.Shares[j] * total / got[j]
			s.alpha[j] *= ratio
			worst = max(worst, math.Abs(ratio-1))
		}
		if worst < 1e-6 {
			break
		}
	}
	s.obsShare = make([]float64, nc)
	for c := range nc {
		s.shares(c, p)
		s.obsShare[c] = p[s.obs]
	}
}

// shares writes center c's expected shares of valid votes into p.
func (s *sim) shares(c int, p []float64) {
	w := s.weight[c*s.C : (c+1)*s.C]
	sum := 0.0
	for j := range p {
		p[j] = w[j] * s.alpha[j]
		sum += p[j]
	}
	for j := range p {
		p[j] /= sum
	}
}

// arrivals prepares center c's arrival profile for drawMultinomial. Each
// center mixes the morning and evening profiles in its own proportion.
func (s *sim) arrivals(c int, m []binom) {
	var p [bins]float64
	w := s.morning[c]
	for k := range p {
		p[k] = w*morningProfile[k] + (1-w)*eveningProfile[k]
	}
	prepareMultinomial(p[:], m)
}

// pickSample draws the stations that report hourly snapshots (Floyd's
// algorithm: k distinct indices without a table of all n).
func (s *sim) pickSample(r *rand.Rand) {
	n, k := len(s.geo.stations), s.cfg.StationSample
	if k <= 0 {
		return
	}
	chosen := make(map[int32]struct{}, k)
	for j := n - k; j < n; j++ {
		t := int32(r.IntN(j + 1))
		if _, dup := chosen[t]; dup {
			t = int32(j)
		}
		chosen[t] = struct{}{}
	}
	s.sample = make([]int32, 0, k)
	for i := range chosen {
		s.sample = append(s.sample, i)
	}
	slices.Sort(s.sample)
	s.sampleBins = make([][bins]int64, k)
}

// count draws every station's true sheet into the official sheets (falsify
// changes them later) and the arrival of its voters through the day. Each
// state draws from streams of its own, so states are counted in parallel
// and the result does not depend on how many run at once; arrivals have a
// stream apart, so the sheets do not depend on which stations report
// snapshots.
func (s *sim) count() {
	g, C := s.geo, s.C
	n := len(g.stations)
	s.off = make([]actas.Submission, n)
	s.offVotes = make([]int64, n*C)
	s.trueStat = newTallies(len(g.levels[0].name), C)
	s.stateBins = make([][bins]int64, len(s.trueStat))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(s.trueStat)) {
		wg.Go(func() {
			for {
				st := int(next.Add(1) - 1)
				if st >= len(s.trueStat) {
					return
				}
				s.countState(st)
			}
		})
	}
	wg.Wait()
	s.trueNat = newTallies(1, C)[0]
	for st := range s.trueStat {
		t := &s.trueStat[st]
		s.trueNat.stations += t.stations
		s.trueNat.registered += t.registered
		s.trueNat.ballots += t.ballots
		s.trueNat.blank += t.blank
		s.trueNat.null += t.null
		s.trueNat.voters += t.voters
		for j, v := range t.votes {
			s.trueNat.votes[j] += v
		}
		for k, v := range s.stateBins[st] {
			s.trueBins[k] += v
		}
	}
	s.offBins = s.trueBins
}

// countState counts the stations of one state. Arrivals are drawn per
// station only for sampled stations: the rest of a center, which shares
// one profile, is drawn as one multinomial of its summed voters, which has
// exactly the distribution of the sum of the stations' own draws.
func (s *sim) countState(state int) {
	g, C := s.geo, s.C
	r := stream(s.cfg.Seed, stageCount, uint64(state))
	ra := stream(s.cfg.Seed, stageArrival, uint64(state))
	p := make([]float64, C+2)
	cats := make([]binom, C+1)
	out := make([]int64, C+2)
	var arrive [bins - 1]binom
	var arrivals [bins]int64
	centers := g.stateCenters[state : state+2]
	// Position in s.sample of the state's first sampled station.
	next, _ := slices.BinarySearch(s.sample, g.first[centers[0]])
	tally, stateBins := &s.trueStat[state], &s.stateBins[state]
	for c := int(centers[0]); c < int(centers[1]); c++ {
		s.shares(c, p[:C])
		valid := 1 - s.blank[c] - s.null[c]
		for j := range C {
			p[j] *= valid
		}
		p[C], p[C+1] = s.blank[c], s.null[c]
		prepareMultinomial(p, cats)
		s.arrivals(c, arrive[:])
		var rest int64 // voters of the center's stations not sampled
		for i := g.first[c]; i < g.first[c+1]; i++ {
			st := &g.stations[i]
			ballots := binomial(r, st.Registered, logistic(s.x[i]+s.delta))
			drawMultinomial(r, ballots, cats, out)
			sh := &s.off[i].Sheet
			sh.Station, sh.Contest = st.Code, ContestID
			sh.Votes = s.offVotes[int(i)*C : int(i+1)*C : int(i+1)*C]
			copy(sh.Votes, out[:C])
			sh.Blank, sh.Null, sh.Ballots, sh.Voters = out[C], out[C+1], ballots, ballots
			// A voter who signed but took the ballot home, or a ballot cast
			// without a signature: a real, small, honest mismatch.
			if r.Float64() < votersMismatch {
				d := 1 + r.Int64N(2)
				if r.IntN(2) == 0 && ballots >= d {
					sh.Voters -= d
				} else if ballots+d <= st.Registered {
					sh.Voters += d
				}
			}
			s.off[i].Source = actas.Official
			tally.add(sh, st.Registered)
			if next < len(s.sample) && s.sample[next] == i {
				drawMultinomial(ra, sh.Voters, arrive[:], arrivals[:])
				s.sampleBins[next] = arrivals
				addBins(stateBins, &arrivals)
				next++
			} else {
				rest += sh.Voters
			}
		}
		drawMultinomial(ra, rest, arrive[:], arrivals[:])
		addBins(stateBins, &arrivals)
	}
}

func addBins(to, a *[bins]int64) {
	for k, v := range a {
		to[k] += v
	}
}

// addFalsified adds the arrivals of voters a falsification added.
func (s *sim) addFalsified(state int32, a *[bins]int64) {
	addBins(&s.offBins, a)
	addBins(&s.stateBins[state], a)
}

// pickWitnesses draws which stations have a witness sheet and copies their
// true sheets. The chance rises with the observers' expected share at the
// center, calibrated so that the expected coverage is the configured one.
func (s *sim) pickWitnesses(r *rand.Rand) {
	g := s.geo
	n, nc := len(g.stations), g.centers()
	cov := s.cfg.WitnessCoverage
	if cov <= 0 {
		return
	}
	chance := make([]float64, nc) // per center
	if cov >= 1 {
		for c := range chance {
			chance[c] = 1
		}
	} else {
		bias := s.cfg.WitnessBias
		if s.cfg.UniformWitnesses {
			bias = 0
		}
		var mean float64
		for c := range nc {
			mean += float64(g.first[c+1]-g.first[c]) * s.obsShare[c]
		}
		mean /= float64(n)
		// Newton's method for the intercept a: expected sheets = cov·n.
		a := logit(cov)
		for range 50 {
			var f, df float64
			for c := range nc {
				k := float64(g.first[c+1] - g.first[c])
				chance[c] = logistic(a + bias*(s.obsShare[c]-mean))
				f += k * chance[c]
				df += k * chance[c] * (1 - chance[c])
			}
			if math.Abs(f-cov*float64(n)) < 1e-9*float64(n) || df == 0 {
				break
			}
			a -= max(-2, min(2, (f-cov*float64(n))/df))
		}
	}
	witness := make([]bool, n)
	count := 0
	for c := range nc {
		for i := g.first[c]; i < g.first[c+1]; i++ {
			if r.Float64() < chance[c] {
				witness[i] = true
				count++
			}
		}
	}
	s.wit = make([]actas.Submission, count)
	votes := make([]int64, count*s.C)
	w := 0
	for i := range s.off {
		if !witness[i] {
			continue
		}
		sh := s.off[i].Sheet
		sh.Votes = votes[w*s.C : (w+1)*s.C : (w+1)*s.C]
		copy(sh.Votes, s.off[i].Sheet.Votes)
		s.wit[w] = actas.Submission{Source: actas.Witness, Sheet: sh}
		w++
	}
}

// election returns the simulated election.
func (s *sim) election() *actas.Election {
	cfg := s.cfg
	// Election day is the last Sunday of July of a year the seed picks.
	year := 2030 + int(cfg.Seed%8)
	day := time.Date(year, time.July, 31, 0, 0, 0, 0, time.UTC)
	day = day.AddDate(0, 0, -int(day.Weekday()))
	name := cfg.Name
	if name == "" {
		name = fmt.Sprintf("Elección presidencial %d (simulada, semilla %d)", year, cfg.Seed)
	}
	choices := make([]actas.Choice, s.C)
	for j := range choices {
		choices[j] = actas.Choice{ID: choiceIDs[j], Name: candidateNames[j]}
	}
	return &actas.Election{
		ID: cfg.ID, Name: name, Date: day.Format("2006-01-02"), Timezone: "America/Caracas",
		Open: "06:00", Close: "18:00", Levels: slices.Clone(s.geo.kinds),
		Contests: []actas.Contest{{ID: ContestID, Name: "Presidente de la República", Choices: choices}},
	}
}

// truth summarises the run. Official tallies are summed from the official
// sheets after falsification.
func (s *sim) truth(e *actas.Election) *Truth {
	g := s.geo
	t := &Truth{Seed: s.cfg.Seed, Config: s.cfg, Election: e.ID, Contest: ContestID,
		Choices: slices.Clone(s.ids), Stations: len(g.stations), WitnessStations: len(s.wit),
		Falsified: s.falsified, WitnessErrors: s.slips}
	if t.Falsified == nil {
		t.Falsified = []Falsification{}
	}
	if t.WitnessErrors == nil {
		t.WitnessErrors = []Slip{}
	}
	offNat := newTallies(1, s.C)[0]
	offStat := newTallies(len(s.trueStat), s.C)
	for c := range g.centers() {
		for i := g.first[c]; i < g.first[c+1]; i++ {
			offNat.add(&s.off[i].Sheet, g.stations[i].Registered)
			offStat[g.state[c]].add(&s.off[i].Sheet, g.stations[i].Registered)
		}
	}
	t.National = s.trueNat.export(actas.National, s.ids)
	t.Official = offNat.export(actas.National, s.ids)
	t.States = make([]Tally, len(s.trueStat))
	t.OfficialStates = make([]Tally, len(s.trueStat))
	for i := range s.trueStat {
		path := actas.JoinPath(g.levels[0].name[i])
		t.States[i] = s.trueStat[i].export(path, s.ids)
		t.OfficialStates[i] = offStat[i].export(path, s.ids)
	}
	var trueCum, offCum int64
	for k := range bins {
		trueCum += s.trueBins[k]
		offCum += s.offBins[k]
		t.Turnout = append(t.Turnout, TurnoutPoint{Time: actas.FormatClock(binEnd[k]), True: trueCum, Official: offCum})
	}
	return t
}

// totals returns the official totals an authority would announce: national
// and per state, every choice and the other figures.
func (s *sim) totals(t *Truth) []actas.OfficialTotal {
	areas := append([]Tally{t.Official}, t.OfficialStates...)
	out := make([]actas.OfficialTotal, 0, len(areas)*(s.C+5))
	for _, a := range areas {
		path, _ := actas.CanonicalPath(a.Area) // national becomes ""
		add := func(choice string, v int64) {
			out = append(out, actas.OfficialTotal{Contest: ContestID, Bulletin: Bulletin, Area: path, Choice: choice, Votes: v})
		}
		for _, id := range s.ids {
			add(id, a.Votes[id])
		}
		add("blank", a.Blank)
		add("null", a.Null)
		add("ballots", a.Ballots)
		add("voters", a.Voters)
		add("registered", a.Registered)
	}
	return out
}

// snapshots returns the official cumulative voters at every snapshot time:
// national, per state, and per sampled station.
func (s *sim) snapshots() []actas.Snapshot {
	g := s.geo
	out := make([]actas.Snapshot, 0, (1+len(s.stateBins)+len(s.sample))*bins)
	add := func(scope string, station bool, arrivals *[bins]int64) {
		var cum int64
		for k, a := range arrivals {
			cum += a
			out = append(out, actas.Snapshot{Scope: scope, Station: station, Time: binEnd[k], Voters: cum, Source: actas.Official})
		}
	}
	add("", false, &s.offBins)
	for i := range s.stateBins {
		add(actas.JoinPath(g.levels[0].name[i]), false, &s.stateBins[i])
	}
	for k, i := range s.sample {
		add(g.stations[i].Code, true, &s.sampleBins[k])
	}
	return out
}

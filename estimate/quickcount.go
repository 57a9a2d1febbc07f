package estimate

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/actasproject/actas"
)

// Allocations of a quick-count sample to strata.
const (
	ByStations   = "stations"   // proportional to the strata's stations (the default)
	ByRegistered = "registered" // proportional to their registered voters
)

// WorstCaseP is the share assumed by the sample size: p(1−p) is largest at
// one half, so the margin holds whatever the result.
const WorstCaseP = 0.5

// SampleOptions configure DrawSample.
type SampleOptions struct {
	// Strata is the level whose areas are the strata: a name of
	// Election.Levels or actas.National; "" means the top level.
	Strata string
	// Allocation is ByStations (default, also "") or ByRegistered.
	Allocation string
	// Size is the number of stations to draw; 0 computes it from Margin.
	Size int
	// Margin is the half-width wanted for the interval of any share, as a
	// fraction (0.01 is ±1 point). Needed when Size is 0.
	Margin float64
	// Confidence is the margin's level, in (0, 1); 0 means 0.95.
	Confidence float64
	// DesignEffect (≥ 1) is how much more variable a share is when whole
	// stations are sampled than when as many voters are drawn one by one;
	// 0 estimates it from the panel's sheets (e.g. a previous election's
	// results on the same stations), as Projection.DesignEffect.
	DesignEffect float64
	// VotesPerStation is the expected number of valid votes per station; 0
	// takes the mean over the panel's sheets.
	VotesPerStation float64
	// Seed seeds the draw; 0 means DefaultSeed.
	Seed uint64
}

// SampleSize is the size of a quick-count sample and what it rests on. The
// formula (Estok, Nevitte & Cowan 2002, ch. 5, with the design effect of
// cluster sampling, Kish 1965):
//
//	n₀ = z² · p(1−p) · deff / (e² · v̄),  n = n₀ / (1 + n₀/N)
//
// with z the normal quantile of the confidence, p = 0.5, deff the design
// effect, e the margin, v̄ the valid votes per station and N the stations of
// the frame; n₀·v̄ is the number of votes a simple random sample of voters
// would need. Given a Size instead, Margin is the margin that size gives.
type SampleSize struct {
	Margin          float64 `json:"margin"`
	Confidence      float64 `json:"confidence"`
	P               float64 `json:"p"`
	DesignEffect    float64 `json:"design_effect"`
	VotesPerStation float64 `json:"votes_per_station"`
	Frame           int     `json:"frame"`    // stations to draw from
	Votes           float64 `json:"votes"`    // n₀ · v̄
	Stations        int     `json:"stations"` // n, before the minimum of 2 per stratum
	Formula         string  `json:"formula"`
}

// SampleStratum is one stratum of a drawn sample.
type SampleStratum struct {
	Area       string `json:"area"` // path; national for an unstratified sample
	Stations   int    `json:"stations"`
	Registered int64  `json:"registered"`
	Sampled    int    `json:"sampled"`
}

// Sample is a stratified random sample of stations for a quick count. It
// is self-contained: saved as JSON, it is what QuickCount reads back later,
// and anyone can check it was drawn as stated by drawing again with the
// same options.
type Sample struct {
	Election   string          `json:"election"`
	Level      string          `json:"strata_level"`
	Allocation string          `json:"allocation"`
	Seed       uint64          `json:"seed"`
	Size       SampleSize      `json:"size"`
	Strata     []SampleStratum `json:"strata"`   // in path order
	Stations   []string        `json:"stations"` // codes, in the frame's order
	Notes      []string        `json:"notes"`
}

// SampleStatus is how much of a quick-count sample has arrived.
type SampleStatus struct {
	Sampled       int     `json:"sampled"`
	Received      int     `json:"received"`
	ReceivedShare float64 `json:"received_share"`
	Allocation    string  `json:"allocation"`
	Seed          uint64  `json:"seed"`
}

// RequiredSize returns the sample size for a margin (or the margin of a
// size) over a frame of the given number of stations. Errors: EINVALID
// naming the option.
func RequiredSize(frame int, opts SampleOptions) (SampleSize, error) {
	conf, err := checkConfidence(opts.Confidence, "confidence")
	if err != nil {
		return SampleSize{}, err
	}
	ss := SampleSize{Confidence: conf, P: WorstCaseP, DesignEffect: opts.DesignEffect, VotesPerStation: opts.VotesPerStation, Frame: frame,
		Formula: "n0 = z^2 p(1-p) deff / (e^2 v), n = n0 / (1 + n0/N)"}
	if frame < 1 {
		return ss, actas.Errorf(actas.EINVALID, "sample: the frame has no stations")
	}
	if !(opts.DesignEffect >= 1) || math.IsInf(opts.DesignEffect, 0) {
		return ss, actas.Errorf(actas.EINVALID, "design effect %v: give the design effect of sampling whole stations (≥ 1), e.g. the design_effect a projection reports on a previous election's sheets; 1 would assume votes vary between stations no more than between voters, which understates the sample several-fold", opts.DesignEffect)
	}
	if !(opts.VotesPerStation > 0) || math.IsInf(opts.VotesPerStation, 0) {
		return ss, actas.Errorf(actas.EINVALID, "votes per station %v: give the expected valid votes per station (> 0), e.g. registered voters per station × expected turnout", opts.VotesPerStation)
	}
	z := normalQuantile(1 - (1-conf)/2)
	pq := WorstCaseP * (1 - WorstCaseP)
	N := float64(frame)
	switch {
	case opts.Size > 0:
		n := min(float64(opts.Size), N)
		ss.Stations = int(n)
		ss.Votes = n * opts.VotesPerStation
		ss.Margin = z * math.Sqrt(pq*opts.DesignEffect*max(0, 1-n/N)/(n*opts.VotesPerStation))
	case opts.Size < 0:
		return ss, actas.Errorf(actas.EINVALID, "sample size %d must be positive (or 0 to compute it from the margin)", opts.Size)
	default:
		if !(opts.Margin > 0 && opts.Margin < 0.5) {
			return ss, actas.Errorf(actas.EINVALID, "margin %v: give the margin of error wanted as a fraction between 0 and 0.5 (0.01 is ±1 point), or a sample size", opts.Margin)
		}
		ss.Margin = opts.Margin
		n0 := z * z * pq * opts.DesignEffect / (opts.Margin * opts.Margin * opts.VotesPerStation)
		ss.Votes = n0 * opts.VotesPerStation
		ss.Stations = min(frame, int(math.Ceil(n0/(1+n0/N))))
	}
	return ss, nil
}

// DrawSample draws a stratified random sample of the panel's stations
// (sheets play no part in the draw, except to estimate a missing design
// effect or votes per station): strata are the areas of opts.Strata, each
// gets a share of the sample proportional to its stations or registered
// voters (largest remainders, at least 2 per stratum of 2 stations or more,
// so that each stratum's variance can be estimated), and within each
// stratum stations are drawn without replacement with equal chances, from
// a stream seeded by opts.Seed.
//
// Errors: EINVALID for bad options (naming them), or a design effect or
// votes per station that cannot be estimated.
func DrawSample(p *actas.Panel, opts SampleOptions) (*Sample, error) {
	if p == nil || p.Election == nil || len(p.Stations) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "sample: no stations to draw from")
	}
	level := opts.Strata
	if level == "" {
		level = p.Election.Levels[0]
	}
	k, err := levelIndex(p.Election, level, "strata")
	if err != nil {
		return nil, err
	}
	switch opts.Allocation {
	case "":
		opts.Allocation = ByStations
	case ByStations, ByRegistered:
	default:
		return nil, actas.Errorf(actas.EINVALID, "allocation %q: use %s or %s", opts.Allocation, ByStations, ByRegistered)
	}
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	out := &Sample{Election: p.Election.ID, Level: level, Allocation: opts.Allocation, Seed: opts.Seed, Notes: []string{}}
	if (opts.DesignEffect == 0 || opts.VotesPerStation == 0) && p.Contest != nil && p.Counted() >= 2 {
		pr, err := Project(p, Options{Strata: level, Replicates: -1})
		if err != nil {
			return nil, fmt.Errorf("sample: estimating the design effect from the panel's sheets: %w", err)
		}
		if opts.DesignEffect == 0 {
			opts.DesignEffect = max(1, pr.DesignEffect)
			out.Notes = append(out.Notes, fmt.Sprintf("The design effect %.2f was estimated from the %d %s sheets of the panel.", opts.DesignEffect, pr.StationsCounted, p.Source))
		}
		if opts.VotesPerStation == 0 {
			var valid float64
			for _, sh := range p.Sheets {
				if sh != nil {
					valid += float64(sh.Valid())
				}
			}
			opts.VotesPerStation = valid / float64(pr.StationsCounted)
			out.Notes = append(out.Notes, fmt.Sprintf("The votes per station, %.1f, are the mean valid votes of the panel's %s sheets.", opts.VotesPerStation, p.Source))
		}
	}
	stratumOf, paths, err := areaIndex(p.Stations, k, level)
	if err != nil {
		return nil, err
	}
	H := len(paths)
	members := make([][]int32, H)
	for i, h := range stratumOf {
		members[h] = append(members[h], int32(i))
	}
	strata := make([]SampleStratum, H)
	for h := range H {
		strata[h] = SampleStratum{Area: actas.DisplayPath(paths[h]), Stations: len(members[h])}
		for _, i := range members[h] {
			strata[h].Registered += max(0, p.Stations[i].Registered)
		}
	}
	if opts.Size > 0 && (opts.DesignEffect == 0 || opts.VotesPerStation == 0) {
		// A given size needs nothing else; its margin is left unknown.
		out.Size = SampleSize{Stations: min(opts.Size, len(p.Stations)), Frame: len(p.Stations), P: WorstCaseP}
		out.Notes = append(out.Notes, "The margin of this size is not stated: give a design effect and votes per station to have it computed.")
	} else {
		if out.Size, err = RequiredSize(len(p.Stations), opts); err != nil {
			return nil, err
		}
	}
	alloc := allocate(strata, out.Size.Stations, opts.Allocation)
	total := 0
	for h := range strata {
		strata[h].Sampled = alloc[h]
		total += alloc[h]
	}
	if total > out.Size.Stations {
		out.Notes = append(out.Notes, fmt.Sprintf("The sample has %d stations rather than %d: every stratum of 2 stations or more gets at least 2.", total, out.Size.Stations))
	}
	// Draw stratum by stratum in path order, from one stream, so that the
	// draw is reproducible from the options alone.
	order := make([]int, H)
	for h := range order {
		order[h] = h
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(paths[a], paths[b]) })
	rng := rand.New(rand.NewPCG(opts.Seed, 0x71c4c0))
	picked := make([]int32, 0, total)
	for _, h := range order {
		m := members[h]
		for j := range alloc[h] {
			r := j + rng.IntN(len(m)-j)
			m[j], m[r] = m[r], m[j]
		}
		picked = append(picked, m[:alloc[h]]...)
	}
	slices.Sort(picked)
	out.Stations = make([]string, len(picked))
	for j, i := range picked {
		out.Stations[j] = p.Stations[i].Code
	}
	for _, h := range order {
		out.Strata = append(out.Strata, strata[h])
	}
	return out, nil
}

// allocate splits n stations over the strata proportionally to their
// stations or registered voters: at least min(2, N_h) and at most N_h each,
// the rest by largest remainders.
func allocate(strata []SampleStratum, n int, by string) []int {
	H := len(strata)
	size := make([]float64, H)
	var total float64
	capacity := 0
	for h, s := range strata {
		size[h] = float64(s.Stations)
		if by == ByRegistered {
			size[h] = float64(s.Registered)
		}
		total += size[h]
		capacity += s.Stations
	}
	n = min(n, capacity)
	ideal := make([]float64, H)
	alloc := make([]int, H)
	sum := 0
	for h, s := range strata {
		if total > 0 {
			ideal[h] = float64(n) * size[h] / total
		}
		alloc[h] = min(s.Stations, max(min(2, s.Stations), int(ideal[h])))
		sum += alloc[h]
	}
	idx := make([]int, H)
	for h := range idx {
		idx[h] = h
	}
	for sum < n {
		// Give one more to each stratum with room, the furthest below its
		// ideal first, until n is reached.
		slices.SortStableFunc(idx, func(a, b int) int {
			return cmp.Compare(ideal[b]-float64(alloc[b]), ideal[a]-float64(alloc[a]))
		})
		moved := false
		for _, h := range idx {
			if sum == n {
				break
			}
			if alloc[h] < strata[h].Stations {
				alloc[h]++
				sum++
				moved = true
			}
		}
		if !moved {
			break
		}
	}
	return alloc
}

// QuickCount projects from the stations of a quick-count sample that have a
// sheet in the panel (a sample as it arrives), over the whole frame: the
// estimator, intervals and coverage check of Project, with the sample's
// strata and the strata's frame sizes as weights. The coverage check
// compares the sampled stations received with those not yet received.
// opts.Strata must be "" or the sample's level.
//
// Errors: EINVALID for a sample of another election, a sampled station or
// stratum the panel does not have, a sample whose strata do not add up, or
// bad options.
func QuickCount(p *actas.Panel, sample *Sample, opts Options) (*Projection, error) {
	if sample == nil {
		return nil, actas.Errorf(actas.EINVALID, "quick count: no sample")
	}
	if opts.Strata != "" && opts.Strata != sample.Level {
		return nil, actas.Errorf(actas.EINVALID, "strata %q: a quick count's strata are its sample's (%s)", opts.Strata, sample.Level)
	}
	opts.Strata = sample.Level
	s, err := opts.resolve(p)
	if err != nil {
		return nil, err
	}
	if sample.Election != p.Election.ID {
		return nil, actas.Errorf(actas.EINVALID, "quick count: the sample was drawn for election %q, the panel is of %q", sample.Election, p.Election.ID)
	}
	panelOf, panelPaths, err := areaIndex(p.Stations, s.strataK, s.Strata)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int32, len(sample.Strata))
	paths := make([]string, len(sample.Strata))
	N := make([]float64, len(sample.Strata))
	for h, st := range sample.Strata {
		path := st.Area
		if path == actas.National {
			path = ""
		}
		if _, dup := index[path]; dup {
			return nil, actas.Errorf(actas.EINVALID, "quick count: the sample lists stratum %s twice", st.Area)
		}
		if st.Stations < 1 || st.Sampled < 0 || st.Sampled > st.Stations {
			return nil, actas.Errorf(actas.EINVALID, "quick count: stratum %s of the sample has %d stations and %d sampled", st.Area, st.Stations, st.Sampled)
		}
		index[path] = int32(h)
		paths[h] = path
		N[h] = float64(st.Stations)
	}
	remap := make([]int32, len(panelPaths))
	for a, path := range panelPaths {
		h, ok := index[path]
		if !ok {
			return nil, actas.Errorf(actas.EINVALID, "quick count: the panel has stations in %s %s, which the sample's frame did not have; draw the sample again", s.Strata, actas.DisplayPath(path))
		}
		remap[a] = h
	}
	stratumOf := make([]int32, len(p.Stations))
	for i, a := range panelOf {
		stratumOf[i] = remap[a]
	}
	want := make(map[string]bool, len(sample.Stations))
	for _, code := range sample.Stations {
		if want[code] {
			return nil, actas.Errorf(actas.EINVALID, "quick count: the sample lists station %s twice", code)
		}
		want[code] = true
	}
	sampled := make([]bool, len(p.Stations))
	counted := make([]bool, len(p.Stations))
	perStratum := make([]int, len(paths))
	found, received := 0, 0
	for i := range p.Stations {
		if !want[p.Stations[i].Code] {
			continue
		}
		sampled[i] = true
		found++
		perStratum[stratumOf[i]]++
		if p.Sheets[i] != nil {
			counted[i] = true
			received++
		}
	}
	if found != len(sample.Stations) {
		return nil, actas.Errorf(actas.EINVALID, "quick count: %d of the sample's %d stations are not in the panel", len(sample.Stations)-found, len(sample.Stations))
	}
	for h, st := range sample.Strata {
		if perStratum[h] != st.Sampled {
			return nil, actas.Errorf(actas.EINVALID, "quick count: stratum %s: the sample says %d stations were drawn, its station list has %d there", st.Area, st.Sampled, perStratum[h])
		}
	}
	out, err := run(p, s, counted, stratumOf, paths, N, sampled)
	if err != nil {
		return nil, fmt.Errorf("quick count: %w", err)
	}
	out.Sample = &SampleStatus{Sampled: found, Received: received, ReceivedShare: float64(received) / float64(found),
		Allocation: sample.Allocation, Seed: sample.Seed}
	out.Method = fmt.Sprintf("Quick count: %d stations drawn at random within %d %s strata (allocation by %s, seed %d); %d received. ",
		found, len(paths), s.Strata, sample.Allocation, sample.Seed, received) + out.Method
	if received < found {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%.1f%% of the sample has arrived (%d of %d stations). Stations that report late often differ from early ones (remote, rural): the projection is provisional until the sample is complete, and the coverage check compares the stations received with those still missing.",
			100*out.Sample.ReceivedShare, received, found))
	}
	return out, nil
}

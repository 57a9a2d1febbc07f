package forensics

import (
	"fmt"
	"slices"

	"github.com/actasproject/actas"
)

// ImpossibleResult lists the sheets that cannot be right as stated
// (actas.Check): more ballots or voters than registered voters, a count
// larger than the station could hold, votes that do not add up to the
// ballots; and the sheets whose voters differ from their ballots, which
// is possible (a voter leaves with the ballot) but must be explained.
type ImpossibleResult struct {
	Checked int64 `json:"checked"` // stations with a sheet
	// Impossible counts the stations with at least one of the flags
	// ballots-exceed-registered, exceeds-capacity or sum-mismatch;
	// Flagged those with any flag, voters-differ-from-ballots included.
	Impossible int64            `json:"impossible"`
	Flagged    int64            `json:"flagged"`
	ByFlag     map[string]int64 `json:"by_flag"` // stations per flag name
	// Stations lists up to MaxListed flagged stations: impossible ones
	// first, then by the size of the discrepancy, largest first.
	Stations  []FlaggedSheet `json:"stations"`
	AllListed bool           `json:"all_listed"` // every flagged station is in Stations
	Flag      bool           `json:"flag"`       // some sheet is impossible
	Note      string         `json:"note"`
}

// FlaggedSheet is one station whose sheet is flagged, with the reasons in
// words and the largest gap in ballots.
type FlaggedSheet struct {
	Station     string   `json:"station"`
	Area        string   `json:"area"`
	Registered  int64    `json:"registered"`
	Ballots     int64    `json:"ballots"`
	Voters      int64    `json:"voters"` // -1 when not stated
	Flags       []string `json:"flags"`
	Reasons     []string `json:"reasons"`
	Discrepancy int64    `json:"discrepancy"`
	Impossible  bool     `json:"impossible"`
}

// impossibleFlags cannot all be true of an honest, correctly copied sheet.
const impossibleFlags = actas.FlagOverRegistered | actas.FlagOverCapacity | actas.FlagSumMismatch

// ImpossibleSheets checks every sheet of the panel with actas.Check (the
// flags stored with a submission are recomputed, so a panel built by hand
// is checked the same way). Errors: those of Run's options and panel.
func ImpossibleSheets(p *actas.Panel, o Options) (*ImpossibleResult, error) {
	o, _, err := prepare(p, o)
	if err != nil {
		return nil, err
	}
	r := &ImpossibleResult{ByFlag: map[string]int64{}}
	type hit struct {
		i     int
		flags actas.Flags
		gap   int64
	}
	var hits []hit
	for i, s := range p.Sheets {
		if s == nil {
			continue
		}
		r.Checked++
		st := &p.Stations[i]
		var capacity int64
		if p.Election != nil {
			capacity = p.Election.Capacity(st)
		}
		fl := actas.Check(s, st, capacity)
		if fl == 0 {
			continue
		}
		r.Flagged++
		if fl&impossibleFlags != 0 {
			r.Impossible++
		}
		for _, one := range actas.AllFlags() {
			if fl&one != 0 {
				r.ByFlag[one.String()]++
			}
		}
		hits = append(hits, hit{i, fl, discrepancy(s, st, capacity)})
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		ai, bi := a.flags&impossibleFlags != 0, b.flags&impossibleFlags != 0
		switch {
		case ai && !bi:
			return -1
		case bi && !ai:
			return 1
		case a.gap > b.gap:
			return -1
		case a.gap < b.gap:
			return 1
		}
		return 0
	})
	n := len(hits)
	if o.MaxListed >= 0 {
		n = min(n, o.MaxListed)
	}
	r.AllListed = n == len(hits)
	r.Stations = make([]FlaggedSheet, n)
	for k, h := range hits[:n] {
		s, st := p.Sheets[h.i], &p.Stations[h.i]
		var capacity int64
		if p.Election != nil {
			capacity = p.Election.Capacity(st)
		}
		r.Stations[k] = FlaggedSheet{
			Station: st.Code, Area: st.Area, Registered: st.Registered, Ballots: s.Ballots, Voters: s.Voters,
			Flags: h.flags.Names(), Reasons: reasons(s, st, capacity, h.flags, p.Contest), Discrepancy: h.gap,
			Impossible: h.flags&impossibleFlags != 0,
		}
	}
	r.Flag = r.Impossible > 0
	r.Note = r.note(p.Source)
	return r, nil
}

// Test returns the summary: the statistic is the number of impossible
// sheets; there is no p-value, excess or spread.
func (r *ImpossibleResult) Test() Test {
	return Test{Name: NameImpossible, Statistic: float64(r.Impossible), Flag: r.Flag, Note: r.Note}
}

func (r *ImpossibleResult) note(source actas.Source) string {
	s := fmt.Sprintf("%s of %s %s sheets cannot be right as stated (%s with more ballots or voters than registered, "+
		"%s with a count the station could not hold, %s whose votes do not add up to the ballots); "+
		"%s more state voters that differ from the ballots. ",
		count(r.Impossible), count(r.Checked), source,
		count(r.ByFlag[actas.FlagOverRegistered.String()]), count(r.ByFlag[actas.FlagOverCapacity.String()]),
		count(r.ByFlag[actas.FlagSumMismatch.String()]), count(r.Flagged-r.Impossible))
	return s + "Each is a flag, not proof: a copying slip by whoever transcribed the sheet, or a register that changed " +
		"on the day, produces the same; compare the sheet's photo and the other sources for that station."
}

// discrepancy is the largest gap, in ballots, behind the sheet's flags.
func discrepancy(s *actas.Sheet, st *actas.Station, capacity int64) int64 {
	gap := abs(s.Valid() + s.Blank + s.Null - s.Ballots)
	if s.Voters != actas.Unknown {
		gap = max(gap, abs(s.Voters-s.Ballots))
	}
	if r := st.Registered; r > 0 {
		gap = max(gap, s.Ballots-r, s.Voters-r, s.Blank-r, s.Null-r)
		for _, v := range s.Votes {
			gap = max(gap, v-r)
		}
	}
	if capacity > 0 {
		gap = max(gap, s.Ballots-capacity, s.Voters-capacity)
	}
	return gap
}

// reasons says in words, with the numbers, why the sheet is flagged.
func reasons(s *actas.Sheet, st *actas.Station, capacity int64, fl actas.Flags, c *actas.Contest) []string {
	var out []string
	r := st.Registered
	if fl&actas.FlagOverRegistered != 0 {
		if s.Ballots > r {
			out = append(out, fmt.Sprintf("ballots (%s) exceed the registered voters (%s): turnout %s",
				count(s.Ballots), count(r), pct(float64(s.Ballots)/float64(r))))
		}
		if s.Voters > r {
			out = append(out, fmt.Sprintf("voters (%s) exceed the registered voters (%s)", count(s.Voters), count(r)))
		}
	}
	if fl&actas.FlagOverCapacity != 0 {
		if r > 0 {
			for j, v := range s.Votes {
				if v > r {
					out = append(out, fmt.Sprintf("votes for %s (%s) exceed the registered voters (%s)", c.Choices[j].ID, count(v), count(r)))
				}
			}
			if s.Blank > r {
				out = append(out, fmt.Sprintf("blank ballots (%s) exceed the registered voters (%s)", count(s.Blank), count(r)))
			}
			if s.Null > r {
				out = append(out, fmt.Sprintf("null ballots (%s) exceed the registered voters (%s)", count(s.Null), count(r)))
			}
		}
		if capacity > 0 && max(s.Ballots, s.Voters) > capacity {
			what, n := "ballots", s.Ballots
			if s.Voters > s.Ballots {
				what, n = "voters", s.Voters
			}
			out = append(out, fmt.Sprintf("%s (%s) exceed what %d machine(s) can process in voting hours (%s)",
				what, count(n), st.Machines, count(capacity)))
		}
	}
	if fl&actas.FlagSumMismatch != 0 {
		sum := s.Valid() + s.Blank + s.Null
		out = append(out, fmt.Sprintf("votes for choices (%s) + blank (%s) + null (%s) = %s, not the ballots (%s)",
			count(s.Valid()), count(s.Blank), count(s.Null), count(sum), count(s.Ballots)))
	}
	if fl&actas.FlagVotersMismatch != 0 {
		out = append(out, fmt.Sprintf("voters (%s) differ from ballots (%s) by %s",
			count(s.Voters), count(s.Ballots), count(abs(s.Voters-s.Ballots))))
	}
	return out
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

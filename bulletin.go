package actas

import (
	"slices"
	"time"
)

// Bulletin is one official announcement of a contest's totals for one area,
// gathered from its OfficialTotals: the official side the analyses compare
// with. A figure the bulletin does not state is Unknown.
type Bulletin struct {
	ID         string    // the bulletin's name, as imported (e.g. "cne-2")
	Area       string    // area path; "" for national
	Time       time.Time // when it was announced; zero when not known
	Coverage   float64   // the fraction of stations it claims to cover (0.9687); 0 when not stated
	Votes      []int64   // per choice, in ballot order
	ValidVotes int64     // the valid votes it announces, which Votes may not add up to
	Blank      int64
	Null       int64
	Ballots    int64
	Voters     int64
	Registered int64
}

// Valid is the sum of the stated votes for choices (Unknown ones left out);
// ValidVotes is what the bulletin itself announces.
func (b *Bulletin) Valid() int64 {
	var n int64
	for _, v := range b.Votes {
		if v > 0 {
			n += v
		}
	}
	return n
}

// Bulletins gathers the official totals of contest c into one Bulletin per
// bulletin and area, ordered by bulletin then area, every figure Unknown
// unless a total states it; Time and Coverage are what its totals say of
// the bulletin (the earliest time stated). Totals of other contests are
// left out.
func Bulletins(c *Contest, totals []OfficialTotal) []*Bulletin {
	type key struct{ bulletin, area string }
	byKey := map[key]*Bulletin{}
	var out []*Bulletin
	for _, t := range totals {
		if t.Contest != c.ID {
			continue
		}
		k := key{t.Bulletin, t.Area}
		b := byKey[k]
		if b == nil {
			b = &Bulletin{ID: t.Bulletin, Area: t.Area, Votes: make([]int64, len(c.Choices)),
				ValidVotes: Unknown, Blank: Unknown, Null: Unknown, Ballots: Unknown, Voters: Unknown, Registered: Unknown}
			for i := range b.Votes {
				b.Votes[i] = Unknown
			}
			byKey[k] = b
			out = append(out, b)
		}
		if !t.Announced.IsZero() && (b.Time.IsZero() || t.Announced.Before(b.Time)) {
			b.Time = t.Announced
		}
		if t.CoveragePPM > 0 {
			b.Coverage = float64(t.CoveragePPM) / 1e6
		}
		switch t.Choice {
		case "blank":
			b.Blank = t.Votes
		case "null":
			b.Null = t.Votes
		case "ballots":
			b.Ballots = t.Votes
		case "voters":
			b.Voters = t.Votes
		case "registered":
			b.Registered = t.Votes
		case "valid":
			b.ValidVotes = t.Votes
		default:
			if i := c.ChoiceIndex(t.Choice); i >= 0 {
				b.Votes[i] = t.Votes
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *Bulletin) int {
		if a.ID != b.ID {
			if a.ID < b.ID {
				return -1
			}
			return 1
		}
		if a.Area < b.Area {
			return -1
		}
		if a.Area > b.Area {
			return 1
		}
		return 0
	})
	return out
}

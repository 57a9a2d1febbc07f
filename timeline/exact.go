package timeline

import (
	"fmt"
	"math"
	"strings"

	"github.com/actasproject/actas"
)

// Defaults of ExactnessOptions.
const (
	// DefaultResolution is the round step shares are measured against:
	// 0.1%, the precision bulletins print percentages with.
	DefaultResolution = 0.001
	// DefaultAlpha is the chance below which exactness is flagged.
	DefaultAlpha = 0.001
)

// ExactnessName is the test's name in forensics-style outputs.
const ExactnessName = "exact-percentages"

// ExactnessOptions configure CheckExactness. The zero value selects the
// defaults.
type ExactnessOptions struct {
	// Resolution is the round step as a fraction (0.001 = 0.1%, 0.01 =
	// 1%), in [1e-9, 0.5]; zero selects DefaultResolution.
	Resolution float64
	// Alpha flags a result whose chance (PValue) is below it, in (0, 1);
	// zero selects DefaultAlpha.
	Alpha float64
}

// ShareDistance is one figure of an announcement and how close its share
// lies to a round value.
type ShareDistance struct {
	Choice string  `json:"choice"`
	Votes  int64   `json:"votes"` // actas.Unknown when not stated
	Share  float64 `json:"share"` // Votes ÷ total, 0–1
	Round  float64 `json:"round"` // the nearest multiple of the resolution
	// Distance is |Share − Round| as a fraction (× 100 for percentage
	// points).
	Distance float64 `json:"distance"`
	// Offset is Votes − Round × total: how many votes the figure lies from
	// the exact round share.
	Offset float64 `json:"offset_votes"`
	// Tested says the share counts in the test: figures not stated, with
	// no votes or with all of them are left out (0% and 100% are round for
	// honest reasons).
	Tested bool `json:"tested"`
}

// Exactness is the check that an announcement's shares are implausibly
// close to round percentages. Its JSON has the keys of a forensics test
// (name, statistic, p_value, flag, note).
type Exactness struct {
	Name       string          `json:"name"` // ExactnessName
	Total      int64           `json:"total"`
	Resolution float64         `json:"resolution"`
	Shares     []ShareDistance `json:"shares"`
	Tested     int             `json:"tested"`
	// Independent is how many shares vary freely: Tested, or Tested − 1
	// when the tested figures add up to the total (the last share then
	// follows from the others).
	Independent int `json:"independent"`
	// Statistic is ε, the largest distance of a tested share to its round
	// value (a fraction).
	Statistic float64 `json:"statistic"`
	// Chance is q, the chance that one share lands within ε of a round
	// value if its last digits are uniform: 2ε ÷ resolution, with ε at
	// least half a vote (1 ÷ (2 × total)), since counts are whole.
	Chance float64 `json:"chance_per_share"`
	// PValue is q^Independent: the chance that every independent share
	// lands that close.
	PValue float64 `json:"p_value"`
	Alpha  float64 `json:"alpha"`
	// Flag says PValue < Alpha: the shares are rounder than chance makes
	// plausible.
	Flag bool   `json:"flag"`
	Note string `json:"note"`
}

// CheckExactness measures how close each choice's share of total lies to
// a multiple of the resolution, and the chance of all of them lying that
// close if the counts' last digits were uniform. votes are in the order of
// choices; a figure the announcement does not state is actas.Unknown.
// total is what the shares are of (e.g. the valid votes; the figures may
// add up to it or not). Errors are EINVALID: mismatched lengths, a total
// that is not positive, a figure negative (other than Unknown) or above
// the total, figures adding up to more than the total, or options out of
// range.
func CheckExactness(choices []string, votes []int64, total int64, opt ExactnessOptions) (*Exactness, error) {
	r, alpha := opt.Resolution, opt.Alpha
	switch {
	case r == 0:
		r = DefaultResolution
	case !(r >= 1e-9 && r <= 0.5):
		return nil, actas.Errorf(actas.EINVALID, "exactness: resolution %v must be between 1e-9 and 0.5 (0.001 for 0.1%%)", r)
	}
	switch {
	case alpha == 0:
		alpha = DefaultAlpha
	case !(alpha > 0 && alpha < 1):
		return nil, actas.Errorf(actas.EINVALID, "exactness: alpha %v must be in (0, 1)", alpha)
	}
	if len(choices) != len(votes) {
		return nil, actas.Errorf(actas.EINVALID, "exactness: %d choices but %d figures", len(choices), len(votes))
	}
	if total <= 0 {
		return nil, actas.Errorf(actas.EINVALID, "exactness: total %d must be positive", total)
	}
	x := &Exactness{Name: ExactnessName, Total: total, Resolution: r, Alpha: alpha, Shares: make([]ShareDistance, len(votes))}
	T := float64(total)
	var sum, tested int64
	for i, v := range votes {
		d := &x.Shares[i]
		d.Choice, d.Votes = choices[i], v
		if v == actas.Unknown {
			continue
		}
		if v < 0 || v > total {
			return nil, actas.Errorf(actas.EINVALID, "exactness: %s has %d votes, not between 0 and the total %d", choices[i], v, total)
		}
		sum += v
		d.Share = float64(v) / T
		d.Round = math.Round(d.Share/r) * r
		d.Distance = math.Abs(d.Share - d.Round)
		d.Offset = float64(v) - d.Round*T
		if v > 0 && v < total {
			d.Tested = true
			x.Tested++
			tested += v
			x.Statistic = max(x.Statistic, d.Distance)
		}
	}
	if sum > total {
		return nil, actas.Errorf(actas.EINVALID, "exactness: the figures add up to %d, more than the total %d", sum, total)
	}
	x.Independent = x.Tested
	if tested == total && x.Independent > 0 {
		x.Independent--
	}
	x.Chance = min(1, max(2*x.Statistic, 1/T)/r)
	x.PValue = math.Pow(x.Chance, float64(x.Independent))
	x.Flag = x.Independent > 0 && x.PValue < alpha
	x.Note = x.note()
	return x, nil
}

// BulletinExactness checks the shares of an official bulletin's choices.
// total is what the shares are of; zero takes the sum of the bulletin's
// votes, which needs every choice stated. Errors: those of CheckExactness;
// EINVALID for a zero total when the bulletin leaves a choice unstated.
func BulletinExactness(c *actas.Contest, b *actas.Bulletin, total int64, opt ExactnessOptions) (*Exactness, error) {
	if len(b.Votes) != len(c.Choices) {
		return nil, actas.Errorf(actas.EINVALID, "exactness: bulletin %s has %d figures for contest %s's %d choices", b.ID, len(b.Votes), c.ID, len(c.Choices))
	}
	if total == 0 {
		var missing []string
		for i, v := range b.Votes {
			if v == actas.Unknown {
				missing = append(missing, c.Choices[i].ID)
			}
		}
		if len(missing) > 0 {
			return nil, actas.Errorf(actas.EINVALID, "exactness: bulletin %s states no votes for %s: give the total the shares are of", b.ID, strings.Join(missing, ", "))
		}
		total = b.Valid()
	}
	x, err := CheckExactness(c.ChoiceIDs(), b.Votes, total, opt)
	if err != nil {
		return nil, fmt.Errorf("bulletin %s: %w", b.ID, err)
	}
	return x, nil
}

// note says in plain words what the result means and cannot show.
func (x *Exactness) note() string {
	var b strings.Builder
	step := trimFloat(x.Resolution * 100)
	if x.Independent == 0 {
		fmt.Fprintf(&b, "No share varies freely (figures with no votes, with all of them, or not stated are left out, and a single figure equal to the total is fixed): no conclusion. ")
	} else {
		fmt.Fprintf(&b, "Of a total of %d, the %d tested share(s) lie within %s percentage points of a multiple of %s%%. If the counts' last digits were uniform, each of %d independent share(s) would land that close with chance %.3g, all of them with chance %.3g. ",
			x.Total, x.Tested, trimFloat(x.Statistic*100), step, x.Independent, x.Chance, x.PValue)
	}
	if x.Flag {
		fmt.Fprintf(&b, "That is below %g: the figures look computed from round percentages (votes = percentage × total) rather than counted. ", x.Alpha)
	} else if x.Independent > 0 {
		fmt.Fprintf(&b, "That is not below %g: nothing unusual. ", x.Alpha)
	}
	b.WriteString("Exactness cannot show which figure is false or by how much, nor that the count behind it was wrong; a chance event remains possible, with the probability stated.")
	return b.String()
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.7f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

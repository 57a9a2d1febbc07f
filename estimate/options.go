package estimate

import (
	"math"
	"strings"

	"github.com/actasproject/actas"
)

// Defaults applied to zero fields of Options and SampleOptions.
const (
	DefaultConfidence = 0.95
	// DefaultReplicates is the bootstrap's size. Each replicate costs one
	// pass over the counted stations (about 30 ms per million on one core),
	// so 1,000 replicates over a million stations take some 15 s on two
	// cores; the analytic interval costs one pass in all.
	DefaultReplicates = 1000
	// DefaultSeed seeds every random draw whose seed is not given, so that
	// anyone re-running an analysis gets the same figures.
	DefaultSeed = 20240728
)

// Denominators of a share.
const (
	// Valid: votes for the choice over the votes for all choices (blank
	// and null left out); what most authorities announce.
	Valid = "valid"
	// Ballots: votes for the choice over all ballots in the box (blank and
	// null included); e.g. Mexico's announced shares are of total votes.
	Ballots = "ballots"
)

// Options configure Project and QuickCount. The zero value is complete:
// national estimates, strata the election's top level, 95% intervals, shares
// of valid votes and a 1,000-replicate bootstrap.
type Options struct {
	// Level is the level whose areas get their own estimates beside the
	// national ones: actas.National ("" too) or a name of Election.Levels.
	Level string
	// Strata is the level whose areas are the strata: a name of
	// Election.Levels, or actas.National for no stratification. "" means
	// the election's top level. QuickCount uses the sample's strata and
	// accepts only "" or the same level here.
	Strata string
	// Confidence is the intervals' level, in (0, 1); 0 means 0.95.
	Confidence float64
	// Denominator is Valid (default, also "") or Ballots.
	Denominator string
	// Replicates is the bootstrap's size: 0 means DefaultReplicates, a
	// negative value no bootstrap.
	Replicates int
	// Seed seeds the bootstrap; 0 means DefaultSeed.
	Seed uint64
	// NoFPC drops the finite-population correction, for a panel whose
	// stations are themselves a sample of a larger population (e.g. a
	// quick-count design without its sampling frame): the estimand is then
	// the result of that larger population, and weights treat each stratum
	// of the panel as standing for a proportional share of it.
	NoFPC bool
	// Official is the authority's per-station sheets of the same election
	// and contest (a panel of actas.Official). When given, the coverage
	// check also compares counted and uncounted stations on the official
	// sheets' shares. Optional.
	Official *actas.Panel
}

// settings are Options checked and resolved against a panel.
type settings struct {
	Options
	levelK  int // index of Level in Election.Levels; -1 for national
	strataK int // index of Strata; -1 for none
	z       float64
}

func levelIndex(e *actas.Election, name, option string) (int, error) {
	if name == actas.National {
		return -1, nil
	}
	for i, l := range e.Levels {
		if l == name {
			return i, nil
		}
	}
	return 0, actas.Errorf(actas.EINVALID, "%s %q is not a level of election %s: use %s or one of %s",
		option, name, e.ID, actas.National, strings.Join(e.Levels, ", "))
}

func checkConfidence(c float64, option string) (float64, error) {
	if c == 0 {
		return DefaultConfidence, nil
	}
	if !(c > 0 && c < 1) {
		return 0, actas.Errorf(actas.EINVALID, "%s %v must be a fraction strictly between 0 and 1, e.g. 0.95", option, c)
	}
	return c, nil
}

// resolve checks the options against a panel and fills in defaults. Errors
// are EINVALID and name the option.
func (o Options) resolve(p *actas.Panel) (*settings, error) {
	if p == nil || p.Election == nil || p.Contest == nil {
		return nil, actas.Errorf(actas.EINVALID, "estimate: no panel (election, contest and stations are needed)")
	}
	if len(p.Sheets) != len(p.Stations) {
		return nil, actas.Errorf(actas.EINVALID, "estimate: panel of %d stations has %d sheets", len(p.Stations), len(p.Sheets))
	}
	s := &settings{Options: o}
	var err error
	if s.Level == "" {
		s.Level = actas.National
	}
	if s.levelK, err = levelIndex(p.Election, s.Level, "level"); err != nil {
		return nil, err
	}
	if s.Strata == "" {
		s.Strata = p.Election.Levels[0]
	}
	if s.strataK, err = levelIndex(p.Election, s.Strata, "strata"); err != nil {
		return nil, err
	}
	if s.Confidence, err = checkConfidence(s.Confidence, "confidence"); err != nil {
		return nil, err
	}
	s.z = normalQuantile(1 - (1-s.Confidence)/2)
	switch s.Denominator {
	case "":
		s.Denominator = Valid
	case Valid, Ballots:
	default:
		return nil, actas.Errorf(actas.EINVALID, "denominator %q: use %s (votes for choices) or %s (all ballots, blank and null included)", s.Denominator, Valid, Ballots)
	}
	switch {
	case s.Replicates == 0:
		s.Replicates = DefaultReplicates
	case s.Replicates < 0:
		s.Replicates = 0
	case s.Replicates < 100:
		// A percentile interval needs replicates beyond its tails.
		return nil, actas.Errorf(actas.EINVALID, "replicates %d: a percentile interval needs at least 100 bootstrap replicates (negative for none)", s.Replicates)
	}
	if s.Seed == 0 {
		s.Seed = DefaultSeed
	}
	if off := s.Official; off != nil {
		if err := samePanel(p, off); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// samePanel checks that the official panel lists the same stations, in the
// same order, for the same contest.
func samePanel(p, off *actas.Panel) error {
	if off.Election == nil || off.Contest == nil || off.Election.ID != p.Election.ID || off.Contest.ID != p.Contest.ID {
		return actas.Errorf(actas.EINVALID, "official panel: must be of election %s, contest %s", p.Election.ID, p.Contest.ID)
	}
	if len(off.Stations) != len(p.Stations) || len(off.Sheets) != len(off.Stations) {
		return actas.Errorf(actas.EINVALID, "official panel: %d stations, the panel has %d", len(off.Stations), len(p.Stations))
	}
	for i := range p.Stations {
		if off.Stations[i].Code != p.Stations[i].Code {
			return actas.Errorf(actas.EINVALID, "official panel: station %d is %s, the panel's is %s (both must list the election's stations in creation order)", i, off.Stations[i].Code, p.Stations[i].Code)
		}
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

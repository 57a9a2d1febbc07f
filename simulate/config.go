package simulate

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
)

// Defaults applied by Run to zero fields of Config.
const (
	DefaultStations        = 30000
	DefaultLevels          = 4
	DefaultChoices         = 4
	DefaultTurnout         = 0.62
	DefaultWitnessCoverage = 0.8
	DefaultWitnessBias     = 4.0
	DefaultWitnessErrors   = 0.002
	DefaultStationSample   = 1000
	DefaultIncumbent       = "b"
	DefaultObservers       = "a"

	// MaxChoices is the most candidates a simulated contest has.
	MaxChoices = 12
	// MaxStations bounds Run's memory (about 1 KB per station).
	MaxStations = 5_000_000

	maxFrauds = 16
)

// Config describes a simulated election. The zero value of every field
// selects its default, so Config{Seed: 7} is a complete configuration;
// where "none" makes sense (witness sheets, transcription errors, sampled
// station snapshots) a negative value selects none.
type Config struct {
	Stations int    `json:"stations"`       // polling stations; default 30,000
	Seed     uint64 `json:"seed"`           // every random draw follows from it
	ID       string `json:"id,omitempty"`   // election id; default "sim-<seed>"
	Name     string `json:"name,omitempty"` // election name; default names the year and seed
	Levels   int    `json:"levels"`         // 2 to 5 levels of geography; default 4
	Choices  int    `json:"choices"`        // candidates, 2 to MaxChoices; default 4

	// Shares are the national shares of valid votes the true result is
	// calibrated to, one per choice in ballot order; they are normalised to
	// sum to 1. Default: two main choices ("a" slightly ahead of "b") and
	// minor ones sharing about 8%.
	Shares []float64 `json:"shares,omitempty"`

	// Turnout is the national share of registered voters who cast a ballot;
	// default 0.62.
	Turnout float64 `json:"turnout"`

	// Incumbent is the choice fraud favours when a Fraud names no
	// beneficiary; default "b".
	Incumbent string `json:"incumbent"`

	// Observers is the choice whose side fields the witnesses: coverage is
	// higher where it is strong. Default "a".
	Observers string `json:"observers"`

	// WitnessCoverage is the expected fraction of stations with a witness
	// sheet; default 0.8, negative for none.
	WitnessCoverage float64 `json:"witness_coverage"`

	// WitnessBias is how much coverage rises with the observers' share: the
	// log-odds of a witness sheet grow by WitnessBias per unit of the
	// observers' expected share at the center. Default 4: with the default
	// coverage, about 64% of the stations where the observers' side is
	// weakest have a witness sheet, and 92% where it is strongest.
	WitnessBias float64 `json:"witness_bias"`

	// UniformWitnesses gives every station the same chance of a witness
	// sheet (an unbiased sample), ignoring WitnessBias.
	UniformWitnesses bool `json:"uniform_witnesses,omitempty"`

	// WitnessErrors is the probability that a witness sheet carries a
	// transcription slip (one digit of one count wrong); default 0.002,
	// negative for none.
	WitnessErrors float64 `json:"witness_errors"`

	// StationSample is how many stations (drawn uniformly) report their
	// official turnout at every hour as station snapshots; default
	// min(1000, Stations), negative for none. National and state snapshots
	// are always produced.
	StationSample int `json:"station_sample"`

	// Fraud lists the falsifications applied to official sheets. Each
	// station suffers at most one; the fractions must sum to at most 1.
	Fraud []Fraud `json:"fraud,omitempty"`
}

// Fraud models. See the package documentation for what each does.
const (
	Incremental = "incremental"
	Extreme     = "extreme"
	Shift       = "shift"
	LateTurnout = "late-turnout"
)

// Model is a fraud model and the fraction of stations it affects by
// default.
type Model struct {
	Name     string
	Fraction float64
}

var models = []Model{
	{Incremental, 0.3},
	{Extreme, 0.03},
	{Shift, 0.2},
	{LateTurnout, 0.1},
}

// Models lists the fraud models, in the order error messages name them.
func Models() []Model { return slices.Clone(models) }

// Fraud is one falsification of official sheets.
type Fraud struct {
	Model       string  `json:"model"`       // Incremental, Extreme, Shift or LateTurnout
	Fraction    float64 `json:"fraction"`    // expected fraction of all stations affected, in (0, 1]; 0 = the model's default
	Beneficiary string  `json:"beneficiary"` // choice id; "" = Config.Incumbent
}

// ParseFraud parses "model[:fraction[:beneficiary]]", e.g. "incremental",
// "extreme:0.05", "shift:0.1:b", "late-turnout:0.2". The fraction may also
// be written as a percentage ("5%"). An omitted fraction is the model's
// default. Errors are EINVALID and list the models.
func ParseFraud(s string) (Fraud, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) > 3 {
		return Fraud{}, actas.Errorf(actas.EINVALID, "fraud %q: want model[:fraction[:beneficiary]]", s)
	}
	f := Fraud{Model: strings.ToLower(strings.TrimSpace(parts[0]))}
	def, ok := modelDefault(f.Model)
	if !ok {
		return Fraud{}, actas.Errorf(actas.EINVALID, "fraud %q: unknown model %q; use one of %s", s, parts[0], modelNames())
	}
	f.Fraction = def
	if len(parts) > 1 && strings.TrimSpace(parts[1]) != "" {
		text := strings.TrimSpace(parts[1])
		scale := 1.0
		if t, ok := strings.CutSuffix(text, "%"); ok {
			text, scale = t, 0.01
		}
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(v) || v*scale <= 0 || v*scale > 1 {
			return Fraud{}, actas.Errorf(actas.EINVALID, "fraud %q: fraction %q must be a number in (0, 1] or a percentage", s, parts[1])
		}
		f.Fraction = v * scale
	}
	if len(parts) > 2 {
		f.Beneficiary = strings.TrimSpace(parts[2])
		if !actas.ValidID(f.Beneficiary) {
			return Fraud{}, actas.Errorf(actas.EINVALID, "fraud %q: beneficiary %q is not a choice id", s, parts[2])
		}
	}
	return f, nil
}

// String formats f so that ParseFraud reads it back.
func (f Fraud) String() string {
	s := f.Model
	if f.Fraction != 0 || f.Beneficiary != "" {
		s += ":" + strconv.FormatFloat(f.Fraction, 'g', -1, 64)
	}
	if f.Beneficiary != "" {
		s += ":" + f.Beneficiary
	}
	return s
}

func modelDefault(name string) (float64, bool) {
	for _, m := range models {
		if m.Name == name {
			return m.Fraction, true
		}
	}
	return 0, false
}

func modelNames() string {
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

// choiceIDs are the ids of the simulated candidates, in ballot order.
var choiceIDs = [MaxChoices]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}

// normalize returns cfg with defaults applied, or an EINVALID error naming
// the field.
func (cfg Config) normalize() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return Config{}, actas.Errorf(actas.EINVALID, "simulate: "+format, args...)
	}
	switch {
	case cfg.Stations == 0:
		cfg.Stations = DefaultStations
	case cfg.Stations < 0 || cfg.Stations > MaxStations:
		return bad("stations %d must be between 1 and %d", cfg.Stations, MaxStations)
	}
	if cfg.ID == "" {
		cfg.ID = fmt.Sprintf("sim-%d", cfg.Seed)
	}
	if !actas.ValidID(cfg.ID) {
		return bad("id %q must be 1-64 lower-case letters, digits, '_', '.' or '-'", cfg.ID)
	}
	switch {
	case cfg.Levels == 0:
		cfg.Levels = DefaultLevels
	case cfg.Levels < 2 || cfg.Levels >= len(levelKinds):
		return bad("levels %d must be between 2 and %d", cfg.Levels, len(levelKinds)-1)
	}
	switch {
	case cfg.Choices == 0:
		cfg.Choices = DefaultChoices
		if len(cfg.Shares) > 1 {
			cfg.Choices = len(cfg.Shares)
		}
	case cfg.Choices < 2 || cfg.Choices > MaxChoices:
		return bad("choices %d must be between 2 and %d", cfg.Choices, MaxChoices)
	}
	if cfg.Shares == nil {
		cfg.Shares = defaultShares(cfg.Choices)
	} else {
		if len(cfg.Shares) != cfg.Choices {
			return bad("%d shares for %d choices", len(cfg.Shares), cfg.Choices)
		}
		sum := 0.0
		for i, s := range cfg.Shares {
			if !(s > 0) || math.IsInf(s, 0) {
				return bad("share of %s (%v) must be positive", choiceIDs[i], s)
			}
			sum += s
		}
		shares := slices.Clone(cfg.Shares)
		// Shares that already sum to 1 are kept bit for bit, so that
		// Truth.Config reproduces its run exactly.
		if math.Abs(sum-1) > 1e-12 {
			for i := range shares {
				shares[i] /= sum
			}
		}
		cfg.Shares = shares
	}
	switch {
	case cfg.Turnout == 0:
		cfg.Turnout = DefaultTurnout
	case !(cfg.Turnout >= 0.05 && cfg.Turnout <= 0.98):
		return bad("turnout %v must be between 0.05 and 0.98", cfg.Turnout)
	}
	if cfg.Incumbent == "" {
		cfg.Incumbent = DefaultIncumbent
	}
	if cfg.Observers == "" {
		cfg.Observers = DefaultObservers
	}
	for _, c := range []struct{ field, id string }{{"incumbent", cfg.Incumbent}, {"observers", cfg.Observers}} {
		if choiceIndex(c.id, cfg.Choices) < 0 {
			return bad("%s %q is not one of the choices %s", c.field, c.id, strings.Join(choiceIDs[:cfg.Choices], ", "))
		}
	}
	if !optionalRate(&cfg.WitnessCoverage, DefaultWitnessCoverage) {
		return bad("witness coverage %v must be at most 1", cfg.WitnessCoverage)
	}
	switch {
	case cfg.WitnessBias == 0:
		cfg.WitnessBias = DefaultWitnessBias
	case !(cfg.WitnessBias > 0 && cfg.WitnessBias <= 50):
		return bad("witness bias %v must be in (0, 50]; set UniformWitnesses for an unbiased sample", cfg.WitnessBias)
	}
	if !optionalRate(&cfg.WitnessErrors, DefaultWitnessErrors) {
		return bad("witness error rate %v must be at most 1", cfg.WitnessErrors)
	}
	switch {
	case cfg.StationSample == 0:
		cfg.StationSample = min(DefaultStationSample, cfg.Stations)
	case cfg.StationSample < 0:
		cfg.StationSample = -1
	case cfg.StationSample > cfg.Stations:
		return bad("station sample %d exceeds the %d stations", cfg.StationSample, cfg.Stations)
	}
	if len(cfg.Fraud) > maxFrauds {
		return bad("%d frauds; at most %d", len(cfg.Fraud), maxFrauds)
	}
	frauds := make([]Fraud, len(cfg.Fraud))
	total := 0.0
	for i, f := range cfg.Fraud {
		def, ok := modelDefault(f.Model)
		if !ok {
			return bad("fraud[%d]: unknown model %q; use one of %s", i, f.Model, modelNames())
		}
		switch {
		case f.Fraction == 0:
			f.Fraction = def
		case !(f.Fraction > 0 && f.Fraction <= 1):
			return bad("fraud[%d] %s: fraction %v must be in (0, 1]", i, f.Model, f.Fraction)
		}
		if f.Beneficiary == "" {
			f.Beneficiary = cfg.Incumbent
		}
		if choiceIndex(f.Beneficiary, cfg.Choices) < 0 {
			return bad("fraud[%d] %s: beneficiary %q is not one of the choices %s", i, f.Model, f.Beneficiary, strings.Join(choiceIDs[:cfg.Choices], ", "))
		}
		total += f.Fraction
		frauds[i] = f
	}
	if total > 1+1e-9 {
		return bad("fraud fractions sum to %v; a station suffers at most one falsification, so they must sum to at most 1", total)
	}
	cfg.Fraud = frauds
	return cfg, nil
}

// optionalRate applies the convention of the rates that may be "none": 0
// takes def and a negative rate becomes -1 (none). It reports false for a
// rate above 1 or NaN, which the caller refuses.
func optionalRate(r *float64, def float64) bool {
	switch {
	case *r == 0:
		*r = def
	case *r < 0:
		*r = -1
	case !(*r <= 1):
		return false
	}
	return true
}

func choiceIndex(id string, n int) int {
	for i, c := range choiceIDs[:n] {
		if c == id {
			return i
		}
	}
	return -1
}

// defaultShares: a close race between "a" and "b" and minor candidates
// sharing about 8%, each half the size of the previous one.
func defaultShares(n int) []float64 {
	shares := make([]float64, n)
	minor := 0.0
	if n > 2 {
		minor = 0.08
	}
	shares[0] = (1 - minor) * 0.535
	shares[1] = (1 - minor) * 0.465
	w, sum := 1.0, 0.0
	for i := 2; i < n; i++ {
		shares[i] = w
		sum += w
		w *= 0.55
	}
	for i := 2; i < n; i++ {
		shares[i] *= minor / sum
	}
	return shares
}
